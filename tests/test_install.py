"""scripts/install and scripts/uninstall into a temporary root (--root), run as subprocesses.

voiced is pip-installed with --no-deps (the libraries would take minutes) and the models come
from a tiny mirror of fake files, so a run takes seconds. Under --root the scripts neither
create the user nor run systemctl.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

# Every test here loads the real models.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "scripts" / "install"
UNINSTALL = ROOT / "scripts" / "uninstall"
SHIPPED_CONFIG = ROOT / "config" / "voiced.yaml"
SHIPPED_UNIT = ROOT / "systemd" / "voiced.service"

MIRROR_FILES = {
    "llm/fake-model.gguf": b"not a real GGUF\n",
    "piper/fake-voice.onnx": b"not a real voice\n",
    "piper/fake-voice.onnx.json": b'{"audio": {"sample_rate": 22050}}\n',
}


def run(script: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(script), *map(str, args)],
        cwd=ROOT,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    return result


def files(root: Path) -> set[str]:
    """Every file and symlink under `root`, relative, the venv's insides left out."""
    found = set()
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("opt/voiced/venv/"):
            continue
        if path.is_file() or path.is_symlink():
            found.add(relative)
    return found


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    for name, content in MIRROR_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


def install(target: Path, mirror: Path) -> subprocess.CompletedProcess[str]:
    return run(INSTALL, "--root", target, "--pip-args", "--no-deps", "--models-from", mirror)


def uninstall(target: Path) -> subprocess.CompletedProcess[str]:
    return run(UNINSTALL, "--root", target)


def check_installed(target: Path) -> None:
    venv = target / "opt/voiced/venv"
    assert (venv / "bin/python").is_file()
    assert os.access(venv / "bin/voiced", os.X_OK)
    # The console script works: voiced is importable from the venv (no deps needed for this).
    version = subprocess.run(
        [venv / "bin/python", "-c", "import importlib.metadata as m; print(m.version('voiced'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert version.stdout.strip() == "0.1.0"
    assert (target / "etc/systemd/system/voiced.service").read_bytes() == SHIPPED_UNIT.read_bytes()
    models = target / "var/lib/voiced/models"
    for name, content in MIRROR_FILES.items():
        assert (models / name).read_bytes() == content, name
    assert files(target) == {
        "etc/voiced/voiced.yaml",
        "etc/systemd/system/voiced.service",
        "opt/voiced/voiced.yaml.orig",
        *(f"var/lib/voiced/models/{name}" for name in MIRROR_FILES),
    }


def test_install_twice_then_uninstall_twice(target: Path, mirror: Path) -> None:
    build_dir_before = (ROOT / "build").exists()
    first = install(target, mirror)
    check_installed(target)
    config = target / "etc/voiced/voiced.yaml"
    assert config.read_bytes() == SHIPPED_CONFIG.read_bytes()
    assert "installing the configuration" in first.stdout
    assert "skipping the system user" in first.stdout
    assert "skipping systemctl" in first.stdout

    second = install(target, mirror)
    check_installed(target)
    assert config.read_bytes() == SHIPPED_CONFIG.read_bytes()
    assert "keeping the configuration" in second.stdout
    assert "copied 0 file(s)" in second.stderr

    # pip builds from a copy: the install leaves no build/ in the source tree.
    assert (ROOT / "build").exists() == build_dir_before

    uninstall(target)
    assert files(target) == set()
    assert not (target / "opt/voiced").exists()
    assert not (target / "var/lib/voiced").exists()
    assert not (target / "etc/voiced").exists()
    again = uninstall(target)
    assert files(target) == set()
    assert "already gone" in again.stdout


def test_an_edited_configuration_survives_install_and_uninstall(target: Path, mirror: Path) -> None:
    # A model fetched earlier (e.g. with fetch-models --production) is kept by install.
    earlier = target / "var/lib/voiced/models/llm/production.gguf"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"fetched earlier\n")
    install(target, mirror)
    assert earlier.read_bytes() == b"fetched earlier\n"
    earlier.unlink()
    config = target / "etc/voiced/voiced.yaml"
    edited = SHIPPED_CONFIG.read_text().replace("threshold: 0.5", "threshold: 0.6", 1)
    assert edited != SHIPPED_CONFIG.read_text()
    config.write_text(edited)

    install(target, mirror)
    assert config.read_text() == edited
    check_installed(target)

    first = uninstall(target)
    assert "keeping the configuration" in first.stdout
    assert files(target) == {"etc/voiced/voiced.yaml"}
    assert config.read_text() == edited

    second = uninstall(target)
    assert "keeping the configuration" in second.stdout
    assert files(target) == {"etc/voiced/voiced.yaml"}
    assert config.read_text() == edited


def test_unknown_argument_fails(target: Path) -> None:
    for script in (INSTALL, UNINSTALL):
        result = subprocess.run(
            ["bash", str(script), "--root", str(target), "--no-such-option"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode != 0
        assert "unknown argument: --no-such-option" in result.stderr
    assert files(target) == set()
