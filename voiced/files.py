"""Files voiced keeps (device states, timers): whole or not there, read within limits, and
kept aside when they cannot be read, never replaced unseen.

A crash or a power cut mid-write leaves the old content or the new, never half of each.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import itertools
import json
import math
import operator
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# What a new file is created with, before the umask: as open() would.
NEW_FILE_MODE = 0o666


class UnreadableFileError(Exception):
    """The file's content cannot be used; the message says why (never the content)."""


def write_atomically(path: Path, text: str) -> os.stat_result:
    """Write a temporary file beside the file `path` names (through a symlink, its target),
    make it durable, then rename it over that file. An existing file's mode (and owner,
    where allowed) carries over to the new one. Returns the new file's status, as
    `file_signature` compares it."""
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
        # After the rename: it changes the file's ctime on some file systems (ext4).
        written = os.stat(target)
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
    return written


# What tells one version of a file from another: a rename puts a new inode in its place,
# a write in place changes its times or its size.
FileSignature = tuple[int, int, int, int, int]


def file_signature(status: os.stat_result) -> FileSignature:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def current_signature(path: Path) -> FileSignature | None:
    """The signature of the file `path` names (through a symlink, its target); None when
    there is none or it cannot be looked at (reading it then says why)."""
    try:
        return file_signature(os.stat(path))
    except OSError:
        return None


class LockTimeout(OSError):
    """Another process held the lock longer than a change may wait."""


# How often a change waiting for another process's lock looks again.
LOCK_POLL_SECONDS = 0.02


@contextlib.contextmanager
def directory_lock(path: Path, timeout_seconds: float = 5.0) -> Iterator[None]:
    """Hold an exclusive advisory lock (flock) on the directory of the file `path` names
    (through a symlink, its target's), so that two voiced processes do not read, change and
    write that file over each other. The lock is on the directory, not the file: a file
    replaced by a rename would take a lock on it away. Where the directory cannot be opened
    or locked (a file system without flock), the change goes ahead unlocked. Held by
    another process for more than `timeout_seconds` (stuck): LockTimeout."""
    directory = Path(os.path.realpath(path)).parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield  # writing there fails too, with a message that says why
        return
    try:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{directory} was held locked by another process for more than "
                        f"{timeout_seconds:g} s"
                    ) from None
                time.sleep(LOCK_POLL_SECONDS)
            except OSError:  # no flock here: unlocked
                break
        yield
    finally:
        os.close(fd)  # releases the lock


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        # Only root may give a file away; for anyone else the new file is their own.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def read_json_file(path: Path, max_bytes: int, max_depth: int, *, finite_only: bool = True) -> Any:
    """The JSON document in `path` (through a symlink, its target). Raises
    UnreadableFileError for what is not a regular file, and for content that is too large,
    too deep or not JSON (see loads_bounded for `finite_only`); OSError when the file
    cannot be read at all: FileNotFoundError when there is none (a `null` in it is None)."""
    with os.fdopen(open_regular(path), "rb") as file:
        content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise UnreadableFileError(f"larger than {max_bytes} bytes")
    return loads_bounded(content, max_depth, finite_only=finite_only)


def open_regular(path: Path) -> int:
    """A descriptor of the regular file `path` names. Anything else is not opened at all: a
    FIFO would wait for a writer forever, a device (/dev/zero) read without end."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        raise UnreadableFileError("not a regular file")
    # Should a FIFO take the file's place between the two looks, its open does not wait.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFileError("not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def loads_bounded(content: bytes | bytearray, max_depth: int, *, finite_only: bool = True) -> Any:
    """Parse JSON of bounded size (the caller's) and depth. A number that JSON cannot write
    back as it was read (NaN, Infinity, 1e400, an integer of more than MAX_INTEGER_DIGITS
    digits) makes the whole text unreadable; with `finite_only` False it reads as a float
    NaN or infinity instead, for a caller that checks each number and keeps what is good."""
    try:
        text = bytes(content).decode("utf-8")
    except UnicodeDecodeError as err:
        raise UnreadableFileError(f"not UTF-8 (byte {err.start})") from None
    if _first_past(_bracket_steps(text), max_depth) is not None:
        raise UnreadableFileError(f"nested deeper than {max_depth} levels")
    try:
        if finite_only:
            return json.loads(
                text, parse_int=_integer, parse_float=_finite_float, parse_constant=_no_constant
            )
        return json.loads(text, parse_int=_integer_or_infinity)
    except ValueError as err:  # JSONDecodeError, or a number refused above
        raise UnreadableFileError(f"not valid JSON: {err}") from None
    except RecursionError:  # not reached within the depth limit; never a traceback
        raise UnreadableFileError(f"nested deeper than {max_depth} levels") from None


# Python's own limit (sys.int_info.default_max_str_digits), fixed here: reading a longer
# integer costs time that grows with the square of its length.
MAX_INTEGER_DIGITS = 4300


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"an integer of more than {MAX_INTEGER_DIGITS} digits")
    return int(digits)


def _integer_or_infinity(digits: str) -> int | float:
    try:
        return _integer(digits)
    except ValueError:  # too long, here or by PYTHONINTMAXSTRDIGITS
        return -math.inf if digits.startswith("-") else math.inf


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]} is too large a number")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def json_depth(text: str, stop_above: int | None = None) -> int:
    """How deeply the arrays and objects of a JSON text nest, found without parsing it
    (Python's parser recurses: a deep enough text would overflow its stack). Counting stops
    at the first level past `stop_above`, which it returns: a deep text costs nothing."""
    steps = _bracket_steps(text)
    if stop_above is not None and (deeper := _first_past(steps, stop_above)) is not None:
        return deeper
    return max(itertools.chain((0,), _depths(steps)))


def _bracket_steps(text: str) -> bytes:
    """The brackets outside strings (the escapes go first, then the strings), an opening one
    as 2 and a closing one as 0: the depth after the n-th is their sum so far less n."""
    outside = _STRINGS.sub("", _ESCAPES.sub("", text)).encode("utf-8")
    return outside.translate(_STEPS, _NOT_BRACKETS)


def _depths(steps: bytes) -> Iterator[int]:
    # C loops all the way: no Python bytecode runs per bracket.
    return map(operator.sub, itertools.accumulate(steps), itertools.count(1))


def _first_past(steps: bytes, limit: int) -> int | None:
    """The first depth deeper than `limit` (limit + 1), or None when there is none."""
    return next(filter(functools.partial(operator.lt, limit), _depths(steps)), None)


_ESCAPES = re.compile(r"\\.", re.DOTALL)
_STRINGS = re.compile(r'"[^"]*"')
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[{]}"))


# What keep_aside adds to a name, before the time.
ASIDE_SUFFIX = ".unreadable-"


def keep_aside(path: Path, now: float | None = None) -> Path:
    """Rename the file `path` names to NAME.unreadable-YYYYmmddTHHMMSSZ beside it (with a
    number added should that name be taken), so that nothing overwrites it; returns the new
    path. Through a symlink, its target is renamed when it is a regular file; a link to
    anything else (a FIFO, /dev/zero) is renamed itself: a device is not voiced's to move."""
    target = Path(os.path.realpath(path))
    try:
        regular = stat.S_ISREG(os.lstat(target).st_mode)
    except OSError:
        regular = False
    moved = target if regular else path
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    aside = moved.with_name(f"{moved.name}{ASIDE_SUFFIX}{stamp}")
    number = 1
    while os.path.lexists(aside):
        number += 1
        aside = moved.with_name(f"{moved.name}{ASIDE_SUFFIX}{stamp}-{number}")
    os.rename(moved, aside)
    return aside


def kept_aside(path: Path) -> list[Path]:
    """The files keep_aside made of `path`, oldest first."""
    target = Path(os.path.realpath(path))
    try:
        return sorted(target.parent.glob(f"{target.name}{ASIDE_SUFFIX}*"))
    except OSError:
        return []


def kept_aside_note(path: Path, what: str) -> str | None:
    """What `voiced check` says of the copies keep_aside made of `path`, the `what` ("state
    file"); None when there is none."""
    aside = kept_aside(path)
    if not aside:
        return None
    older = f" (and {len(aside) - 1} older)" if len(aside) > 1 else ""
    return (
        f"{what} {path} could not be read and was kept as {aside[-1]}{older}: "
        "take what you need from it, then delete it"
    )
