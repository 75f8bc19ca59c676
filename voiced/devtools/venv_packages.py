"""How each Python package in a source tree's .venv was installed, as a Markdown table for
scripts/arm64-check's results: a wheel (and its platform tag), or built from source there,
with the build's duration from the pip log's timestamps; the pinned ones first.

    python3 -m voiced.devtools.venv_packages PIP_LOG SOURCE_DIR CROSS_BUILT
"""

from __future__ import annotations

import re
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import cast

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} ")
BUILDING = re.compile(r"Building wheel for (\S+) \(.*\): (started|finished with status '(\w+)')")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def when(line: str) -> datetime:
    return datetime.fromisoformat(line[:23].replace(",", "."))


def pinned_specs(src: Path) -> dict[str, str]:
    """The project's dependencies, optional ones too, by normalised name."""
    project = tomllib.loads((src / "pyproject.toml").read_text())["project"]
    pinned = {}
    optional = [d for ds in project["optional-dependencies"].values() for d in ds]
    for spec in project["dependencies"] + optional:
        name = re.split(r"[=<>!~\[ ]", spec, maxsplit=1)[0]
        pinned[norm(name)] = spec
    return pinned


def build_seconds(pip_log: Path) -> dict[str, float]:
    """How long pip took to build each wheel it built, by normalised name."""
    started: dict[str, datetime] = {}
    built: dict[str, float] = {}
    for line in pip_log.read_text(errors="replace").splitlines() if pip_log.exists() else []:
        if not STAMP.match(line):
            continue
        found = BUILDING.search(line)
        if not found:
            continue
        name = norm(found.group(1))
        if found.group(2) == "started":
            started[name] = when(line)
        elif name in started and found.group(3) == "done":
            built[name] = (when(line) - started[name]).total_seconds()
    return built


def metadata(field: str, text: str) -> str:
    # A dist-info without the field is broken: the AttributeError says so.
    return cast(re.Match[str], re.search(rf"^{field}: (.+)$", text, re.M)).group(1).strip()


def table(pip_log: Path, src: Path, cross_built: str) -> list[str]:
    pinned = pinned_specs(src)
    built = build_seconds(pip_log)
    venv = next((src / ".venv" / "lib").glob("python3*/site-packages"), None)
    rows = []
    for info in sorted(venv.glob("*.dist-info")) if venv else []:
        meta = (info / "METADATA").read_text(errors="replace")
        name = metadata("Name", meta)
        version = metadata("Version", meta)
        wheel = (info / "WHEEL").read_text(errors="replace") if (info / "WHEEL").exists() else ""
        tags = sorted({t.split("-")[-1] for t in re.findall(r"^Tag: (.+)$", wheel, re.M)})
        key = norm(name)
        if key == "llama-cpp-python" and cross_built:
            how = cross_built
        elif key in built:
            how = f"built from source here in {built[key]:.0f} s (emulated)"
        elif (info / "direct_url.json").exists() and key == "voiced":
            how = "this source tree (editable)"
        elif any(tag.startswith("linux_") for tag in tags):
            how = "built from source here (no build time in the pip log)"
        else:
            how = "wheel"
        kind = "pinned" if key in pinned else "dependency"
        row = f"| {name} | {version} | {kind} | {how} | {' '.join(tags)} |"
        rows.append((key not in pinned, key, row))
    lines = ["| package | version | | how installed | wheel platform |", "|---|---|---|---|---|"]
    lines += [row for _, _, row in sorted(rows)]
    missing = sorted(set(pinned) - {key for _, key, _ in rows})
    if missing:
        lines.append(f"\nNot installed: {', '.join(pinned[m] for m in missing)}")
    return lines


if __name__ == "__main__":
    print("\n".join(table(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].strip())))
