"""Files voiced keeps (device states, timers): whole or not there, read within limits, and
kept aside when they cannot be read, never replaced unseen.

A crash or a power cut mid-write leaves the old content or the new, never half of each.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any

# What a new file is created with, before the umask: as open() would.
NEW_FILE_MODE = 0o666


class UnreadableFileError(Exception):
    """The file's content cannot be used; the message says why (never the content)."""


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside the file `path` names (through a symlink, its target),
    make it durable, then rename it over that file. An existing file's mode (and owner,
    where allowed) carries over to the new one."""
    target = Path(os.path.realpath(path))
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    temporary = directory / f".{target.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            if old is not None:
                _keep_owner_and_mode(file.fileno(), old)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename itself lives in the directory; without this it may not survive a crash.
    directory_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        # Only root may give a file away; for anyone else the new file is their own.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def read_json_file(path: Path, max_bytes: int, max_depth: int) -> Any | None:
    """The JSON document in `path`, or None when there is no such file. Raises
    UnreadableFileError for content that is too large, too deep or not JSON (NaN and
    Infinity included), and OSError when the file cannot be read at all."""
    try:
        with open(path, "rb") as file:
            content = file.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    if len(content) > max_bytes:
        raise UnreadableFileError(f"larger than {max_bytes} bytes")
    return loads_bounded(content, max_depth)


def loads_bounded(content: bytes | bytearray, max_depth: int) -> Any:
    """Parse JSON of bounded size (the caller's) and depth; strict: no NaN, no Infinity."""
    try:
        text = bytes(content).decode("utf-8")
    except UnicodeDecodeError as err:
        raise UnreadableFileError(f"not UTF-8 (byte {err.start})") from None
    if _nesting(text) > max_depth:
        raise UnreadableFileError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as err:  # JSONDecodeError, or a number of too many digits
        raise UnreadableFileError(f"not valid JSON: {err}") from None
    except RecursionError:  # not reached within the depth limit; never a traceback
        raise UnreadableFileError(f"nested deeper than {max_depth} levels") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _nesting(text: str) -> int:
    """How deep brackets nest outside strings, found without parsing (nor recursing): the
    escapes go first, then the strings, and what is left of the brackets is counted."""
    brackets = _BRACKETS.sub("", _STRINGS.sub("", _ESCAPES.sub("", text)))
    steps = (1 if char in "[{" else -1 for char in brackets)
    return max(itertools.accumulate(steps), default=0)


_ESCAPES = re.compile(r"\\.", re.DOTALL)
_STRINGS = re.compile(r'"[^"]*"')
_BRACKETS = re.compile(r"[^\[\]{}]")


def keep_aside(path: Path, now: float | None = None) -> Path:
    """Rename the file `path` names (through a symlink, its target) to
    NAME.unreadable-YYYYmmddTHHMMSSZ beside it, so that nothing overwrites it; returns the
    new path."""
    target = Path(os.path.realpath(path))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    aside = target.with_name(f"{target.name}.unreadable-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = target.with_name(f"{target.name}.unreadable-{stamp}-{number}")
    os.rename(target, aside)
    return aside


def kept_aside(path: Path) -> list[Path]:
    """The files keep_aside made of `path`, oldest first."""
    target = Path(os.path.realpath(path))
    try:
        return sorted(target.parent.glob(f"{target.name}.unreadable-*"))
    except OSError:
        return []
