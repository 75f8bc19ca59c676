"""A wheel cross-built for aarch64 (scripts/arm64-check) given the platform tag of what it
holds. scikit-build-core tags a wheel for the machine it runs on (linux_x86_64); its content
is Python and aarch64 libraries loaded with ctypes, so only the platform tag changes: the
file name, the WHEEL file's Tag lines and that file's line in RECORD.

    python3 -m voiced.devtools.wheel_retag WHEEL   prints the retagged wheel's path
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import zipfile
from pathlib import Path


def retag_aarch64(source: Path) -> Path:
    """The wheel renamed and rewritten as linux_aarch64, in place of `source`."""
    name = re.sub(r"linux_[a-z0-9_]+\.whl$", "linux_aarch64.whl", source.name)
    target = source.with_name(name)
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target.with_suffix(".tmp"), "w", zipfile.ZIP_DEFLATED) as new,
    ):
        names = old.namelist()
        wheel_name = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        wheel = re.sub(
            r"^(Tag: .*-)linux_[a-z0-9_]+$",
            r"\1linux_aarch64",
            old.read(wheel_name).decode(),
            flags=re.M,
        )
        digest = hashlib.sha256(wheel.encode()).digest()
        record_hash = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        for member in names:
            data = old.read(member)
            if member == wheel_name:
                data = wheel.encode()
            elif member.endswith(".dist-info/RECORD"):
                lines = [
                    f"{wheel_name},sha256={record_hash},{len(wheel.encode())}"
                    if line.startswith(wheel_name + ",")
                    else line
                    for line in data.decode().splitlines()
                ]
                data = ("\n".join(lines) + "\n").encode()
            info = old.getinfo(member)
            info.compress_type = zipfile.ZIP_DEFLATED
            new.writestr(info, data)
    target.with_suffix(".tmp").rename(target)
    if target != source:
        source.unlink()
    return target


if __name__ == "__main__":
    print(retag_aarch64(Path(sys.argv[1])))
