"""What the daemon made of the last SIGHUP, in a file that `voiced reload` waits on.

The daemon alone writes the file, whole (a rename), in its runtime directory
($RUNTIME_DIRECTORY: /run/voiced under systemd's RuntimeDirectory=voiced). Each time it
reads the configuration after a SIGHUP it counts the read (`reads`) and says what came of
it; a change it loads at once is followed to its end under the same count. `pid` names
the daemon that wrote it: a file left by an earlier one is no answer.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from voiced.files import UnreadableFileError, read_json_file, write_atomically

log = logging.getLogger(__name__)

ANSWER_FILE_NAME = "reload.json"
MAX_ANSWER_BYTES = 64 * 1024

# Outcomes. The reload command waits through the first two; the rest answer it.
STARTED = "started"  # no SIGHUP read yet
LOADING = "loading"  # the file changed and is being loaded now
UNCHANGED = "unchanged"
APPLIED = "applied"  # only the log level changed: set without a reload
WAITING = "waiting"  # changed: loaded once the turn under way is over
RELOADED = "reloaded"
REJECTED = "rejected"  # the running configuration is kept; `message` says why
IN_PROGRESS = (STARTED, LOADING)
ACCEPTED = (UNCHANGED, APPLIED, WAITING, RELOADED)
OUTCOMES = (*IN_PROGRESS, *ACCEPTED, REJECTED)


class AnswerError(Exception):
    """The answer file is there but cannot be read as one."""


@dataclass(frozen=True)
class ReloadAnswer:
    pid: int
    reads: int
    outcome: str
    message: str

    @property
    def final(self) -> bool:
        return self.outcome not in IN_PROGRESS


def answer_path(environ: dict[str, str] | None = None) -> Path | None:
    """The answer file in the runtime directory systemd made for the unit, if any."""
    env = os.environ if environ is None else environ
    # Several RuntimeDirectory= entries come joined by ':': the first is voiced's.
    directory = env.get("RUNTIME_DIRECTORY", "").split(":")[0]
    return Path(directory) / ANSWER_FILE_NAME if directory else None


def read_answer(path: Path) -> ReloadAnswer | None:
    """The answer in `path`; None while there is none. Raises AnswerError for a file
    that cannot be read or is not an answer."""
    try:
        data = read_json_file(path, MAX_ANSWER_BYTES, max_depth=1)
    except FileNotFoundError:
        return None
    except (OSError, UnreadableFileError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise AnswerError(f"{path}: cannot read it: {reason}") from err
    fields = {"pid": int, "reads": int, "outcome": str, "message": str}
    # Keys beyond these are left to the version that wrote them (an upgrade under a
    # running daemon).
    if not (
        isinstance(data, dict)
        and data.keys() >= fields.keys()
        and all(type(data[key]) is kind for key, kind in fields.items())
        and data["outcome"] in OUTCOMES
    ):
        raise AnswerError(f"{path}: not a reload answer")
    return ReloadAnswer(**{key: data[key] for key in fields})


class ReloadAnswers:
    """The daemon's side: its answers written to `path` (None: nowhere, as when it runs
    outside systemd). Used by the listening thread only."""

    def __init__(self, path: Path | None, pid: int | None = None) -> None:
        self.path = path
        self.pid = os.getpid() if pid is None else pid
        self.reads = 0
        self.outcome = STARTED
        self._failing = False

    def started(self) -> None:
        self._write(STARTED, "no reload asked for yet")

    def after_read(self, outcome: str, message: str) -> None:
        """The configuration was read again after a SIGHUP: what came of it."""
        self.reads += 1
        self._write(outcome, message)

    def after_load(self, outcome: str, message: str) -> None:
        """What the reload that followed a read (or a change of devices) came to."""
        self._write(outcome, message)

    def loading(self, what: str) -> None:
        """A step of a load the answer says is under way: each one tells the waiting
        command the daemon is still at work, as EXTEND_TIMEOUT_USEC= tells systemd."""
        if self.outcome == LOADING:
            self._write(LOADING, f"loading {what}")

    def _write(self, outcome: str, message: str) -> None:
        self.outcome = outcome
        if self.path is None:
            return
        answer = ReloadAnswer(self.pid, self.reads, outcome, message)
        try:
            write_atomically(self.path, json.dumps(asdict(answer), ensure_ascii=False) + "\n")
        except OSError as err:
            # The daemon goes on; `voiced reload` then says it had no answer.
            if not self._failing:
                log.warning("cannot write the reload answer %s: %s", self.path, err)
            self._failing = True
        else:
            self._failing = False
