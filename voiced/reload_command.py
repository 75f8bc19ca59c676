"""`voiced reload`: SIGHUP to the daemon, then its answer waited for (the unit's ExecReload=).

systemd (252, Type=notify) ends a reload job when ExecReload= exits and fails it when that
exits non-zero: waiting here for the daemon's answer makes `systemctl reload voiced` return
once the file was read (and a change loaded, unless a turn is under way), and fail when it
was rejected. A plain `kill -HUP` still reloads, with nobody waiting.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from voiced.reload_answer import AnswerError, ReloadAnswer, read_answer

# The daemon answers within this long of the SIGHUP, and of each step of a load it said
# it began. Below the unit's TimeoutStartSec=120, which bounds ExecReload=, and the 60 s
# the daemon asks of systemd for each load step (EXTEND_TIMEOUT_USEC=): a hung reload
# ends with this command's message, not with systemd killing it.
ANSWER_TIMEOUT_SECONDS = 50.0
POLL_SECONDS = 0.05


class ReloadFailed(Exception):
    """No answer came, or the daemon is gone; the message says which."""


def request_reload(
    pid: int,
    path: Path,
    timeout_seconds: float = ANSWER_TIMEOUT_SECONDS,
    poll_seconds: float = POLL_SECONDS,
) -> ReloadAnswer:
    """Send SIGHUP to the daemon `pid` and return its answer in `path` to a read made
    after this began: a final one (it may say the file was rejected)."""
    if pid <= 0:
        # kill(0) and kill(-1) would signal a whole process group, or every process.
        raise ValueError(f"not a process ID: {pid}")
    # A file that does not read (another version's) is no answer: the daemon is asked
    # all the same, and its next answer waited for.
    before, _unread = _answer_of(pid, path)
    reads_before = before.reads if before is not None else 0
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ReloadFailed(f"there is no process {pid}: voiced is not running") from None
    except PermissionError:
        raise ReloadFailed(
            f"not allowed to signal process {pid}: run this as root or as voiced's user"
        ) from None
    seen = before
    deadline = time.monotonic() + timeout_seconds
    while True:
        answer, unread = _answer_of(pid, path)
        if answer != seen:
            # Something new: the daemon is at work, and has as long again.
            seen = answer
            deadline = time.monotonic() + timeout_seconds
        ours = answer if answer is not None and answer.reads > reads_before else None
        if ours is not None and ours.final:
            return ours
        if not _alive(pid):
            raise ReloadFailed(f"voiced (process {pid}) ended before it answered{_said(ours)}")
        if time.monotonic() >= deadline:
            raise ReloadFailed(
                f"no answer from voiced (process {pid}) in {path} within "
                f"{timeout_seconds:g} s{_said(ours)}{f' ({unread})' if unread else ''}; its"
                " log says what came of the reload"
            )
        time.sleep(poll_seconds)


def _answer_of(pid: int, path: Path) -> tuple[ReloadAnswer | None, str | None]:
    """The answer in `path` if the daemon `pid` wrote it (one left by another is none),
    and why the file does not read, when it does not."""
    try:
        answer = read_answer(path)
    except AnswerError as err:
        return None, str(err)
    return (answer if answer is not None and answer.pid == pid else None), None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _said(answer: ReloadAnswer | None) -> str:
    return f" (it last said: {answer.message})" if answer is not None else ""
