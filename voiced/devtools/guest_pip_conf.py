"""The host's pip settings (`pip config list`: files and PIP_* variables) as one pip.conf for
scripts/arm64-check's arm64 root. Local paths and file:// indexes do not exist in the root
and are dropped; the CA bundle is the copy the script made at CA_FILE; a constraints or
requirements file is copied into the root at its own path. Written to stdout, its lines
sorted as sort(1) sorts them.

    python3 -m voiced.devtools.guest_pip_conf ROOT CA_FILE
"""

from __future__ import annotations

import locale
import os
import shutil
import subprocess
import sys

DROPPED = {"cert", "client-cert", "log", "cache-dir", "target", "prefix", "root", "src"}
INDEXES = {"find-links", "extra-index-url", "index-url"}
FILES = {"constraint", "requirement"}


def pip_settings() -> dict[str, str]:
    """`pip config list` by key without its section ("global.index-url" -> "index-url"),
    the later of two sections winning; pip run by python3, else as `pip`."""
    pip = ["python3", "-m", "pip"]
    version = subprocess.run([*pip, "--version"], capture_output=True, check=False)
    if version.returncode != 0:
        pip = ["pip"]
    try:
        listed = subprocess.run(
            [*pip, "config", "list"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        ).stdout
    except OSError:
        listed = ""
    settings = {}
    for line in listed.splitlines():
        key = line.split("=", 1)[0].rsplit(".", 1)[-1]
        value = line.split("=", 1)[1] if "=" in line else line
        settings[key] = value.removeprefix("'").removesuffix("'")
    return settings


def guest_lines(settings: dict[str, str], root: str) -> list[str]:
    """The settings that hold in the root, as pip.conf lines; the files they name copied in."""
    lines = []
    for key, value in settings.items():
        if key in DROPPED:
            continue
        if key in INDEXES:
            kept = [word for word in value.split() if not word.startswith(("file:", "/"))]
            if kept:
                lines.append(f"{key} = {' '.join(kept)}")
        elif key in FILES:
            for word in value.split():
                # As `mkdir -p "$ROOT$(dirname "$word")"`: dirname says "." for a bare name.
                os.makedirs(root + (os.path.dirname(word) or "."), exist_ok=True)
                shutil.copy(word, root + word)
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {value}")
    return lines


def sort_as_sort(lines: list[str]) -> list[str]:
    """In the collation order of the locale, as sort(1) orders lines; bytes break ties."""
    try:
        locale.setlocale(locale.LC_COLLATE, "")
    except locale.Error:
        locale.setlocale(locale.LC_COLLATE, "C")
    return sorted(lines, key=lambda line: (locale.strxfrm(line), line.encode()))


def main(root: str, ca_file: str) -> None:
    print("[global]")
    for line in sort_as_sort(guest_lines(pip_settings(), root)):
        print(line)
    print(f"cert = {ca_file}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
