"""Timers: one scheduler thread for all of them, announced out loud when they end, and
kept in timers.json so that they survive a restart.

| thread                        | owns                              | joined by              |
|-------------------------------|-----------------------------------|------------------------|
| the caller's (the pipeline's) | nothing: it calls Timers' methods | `_changed`, a lock and |
| "timers", started by `Timers` | the wait for the next end, and    | condition around the   |
|                               | the `announce` calls              | table, that wakes it   |

A running timer ends on the monotonic clock, so a wall-clock step (a Raspberry Pi without
a real-time clock setting its time from the network) neither fires it early nor holds it;
only the file speaks wall-clock time, which is what lasts across a restart.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiced.errors import VoicedError
from voiced.files import (
    UnreadableFileError,
    keep_aside,
    kept_aside_note,
    read_json_file,
    write_atomically,
)

log = logging.getLogger(__name__)

# The longest a timer may run (or have left, once added to): a week.
MAX_TIMER_SECONDS = 7 * 24 * 3600.0
# How many timers run at once, unless the configuration says (state_file.max_timers).
DEFAULT_MAX_TIMERS = 50
# A timer that ended while the daemon was down is still announced at start, unless it
# ended longer ago than this: then it is only logged.
LATE_ANNOUNCE_SECONDS = 3600.0
# Bounds on what is read from timers.json: voiced writes a few hundred bytes per timer
# and three levels of nesting ({"timers": [{...}]}).
MAX_FILE_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 8
MAX_DESCRIPTION_CHARS = 100
# No timer ended before 2000-01-01: an earlier end is not a time voiced wrote.
EARLIEST_END = 946_684_800.0
# At most this many timers are named one by one in a spoken answer.
MAX_NAMED_TIMERS = 3


class TimerError(VoicedError):
    """A timer could not be started or changed; the message is fit to be spoken."""


def describe_duration(seconds: float) -> str:
    """90 -> '1 minute and 30 seconds', 5400 -> '1 hour and 30 minutes'."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if value
    ]
    if not parts:
        return "0 seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe_left(seconds: float) -> str:
    """The time a timer has left, as precisely as a person wants it: whole seconds under a
    minute (never "0 seconds" while it runs), 5 s steps under ten minutes, whole minutes
    above. The coarser steps also keep the words the same between the pause that shows a
    complete question and its confirmed end, so they are synthesised ahead."""
    if seconds <= 60:
        return describe_duration(max(1, math.ceil(seconds)))
    step = 5 if seconds < 600 else 60
    return describe_duration(round(seconds / step) * step)


@dataclass(frozen=True)
class TimerState:
    """One timer as it is at one moment: what handlers see."""

    timer_id: int
    # Its spoken name: the duration it was set for ("5 minutes").
    description: str
    # The duration it was set for; None for one restored from a file that did not say.
    seconds: float | None
    left_seconds: float
    paused: bool


@dataclass
class _Entry:
    timer_id: int
    description: str
    seconds: float | None
    # Monotonic seconds at which it ends, while it runs; None while paused.
    deadline: float | None
    # What it has left, while paused.
    paused_left_seconds: float = 0.0

    def left(self, now: float) -> float:
        return self.paused_left_seconds if self.deadline is None else self.deadline - now

    def state(self, now: float) -> TimerState:
        return TimerState(
            self.timer_id, self.description, self.seconds, self.left(now), self.deadline is None
        )


class TimerTable:
    """The timers and when each ends, on one monotonic clock. No thread, lock or file:
    every method is told the time, so it is tested with numbers."""

    def __init__(self, max_timers: int = DEFAULT_MAX_TIMERS) -> None:
        if max_timers < 1:
            raise ValueError(f"max_timers must be at least 1, got {max_timers}")
        self.max_timers = max_timers
        self._entries: dict[int, _Entry] = {}
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._entries)

    def add(
        self,
        now: float,
        left_seconds: float,
        description: str,
        seconds: float | None = None,
        paused: bool = False,
    ) -> TimerState:
        if len(self._entries) >= self.max_timers:
            raise TimerError(f"I can keep at most {self.max_timers} timers at once.")
        _check_left(left_seconds)
        entry = _Entry(
            self._next_id,
            description,
            seconds,
            deadline=None if paused else now + left_seconds,
            paused_left_seconds=left_seconds if paused else 0.0,
        )
        self._entries[entry.timer_id] = entry
        self._next_id += 1
        return entry.state(now)

    def states(self, now: float) -> list[TimerState]:
        """Every timer, oldest first."""
        return [entry.state(now) for entry in self._entries.values()]

    def remove(self, timer_id: int, now: float) -> TimerState | None:
        entry = self._entries.pop(timer_id, None)
        return None if entry is None else entry.state(now)

    def pause(self, timer_id: int, now: float) -> TimerState:
        entry = self._entry(timer_id)
        if entry.deadline is None:
            raise TimerError(f"The timer for {entry.description} is already paused.")
        entry.paused_left_seconds = max(entry.deadline - now, 0.0)
        entry.deadline = None
        return entry.state(now)

    def resume(self, timer_id: int, now: float) -> TimerState:
        entry = self._entry(timer_id)
        if entry.deadline is not None:
            raise TimerError(f"The timer for {entry.description} is not paused.")
        entry.deadline = now + entry.paused_left_seconds
        entry.paused_left_seconds = 0.0
        return entry.state(now)

    def add_time(self, timer_id: int, seconds: float, now: float) -> TimerState:
        """Lengthen (or, negative, shorten) a timer. Shortened to nothing, it is removed
        unannounced (the answer to the person says it ended) and its state has 0 left."""
        if not math.isfinite(seconds):
            raise ValueError(f"a timer is changed by a finite time, got {seconds}")
        entry = self._entry(timer_id)
        left = entry.left(now) + seconds
        if left <= 0:
            del self._entries[timer_id]
            return TimerState(entry.timer_id, entry.description, entry.seconds, 0.0, False)
        _check_left(left)
        if entry.deadline is None:
            entry.paused_left_seconds = left
        else:
            entry.deadline = now + left
        return entry.state(now)

    def pop_due(self, now: float) -> list[TimerState]:
        """Remove and return the running timers that have ended by `now`, soonest first."""
        due = sorted(
            (e for e in self._entries.values() if e.deadline is not None and e.deadline <= now),
            key=lambda e: (e.deadline, e.timer_id),
        )
        for entry in due:
            del self._entries[entry.timer_id]
        return [entry.state(now) for entry in due]

    def next_deadline(self) -> float | None:
        """When the next running timer ends (monotonic seconds); None when none runs."""
        deadlines = [e.deadline for e in self._entries.values() if e.deadline is not None]
        return min(deadlines, default=None)

    def clear(self) -> None:
        self._entries.clear()

    def _entry(self, timer_id: int) -> _Entry:
        entry = self._entries.get(timer_id)
        if entry is None:
            raise TimerError("That timer has just ended.")
        return entry


def _check_left(seconds: float) -> None:
    if not seconds > 0:  # also NaN
        raise ValueError(f"a timer needs a positive duration, got {seconds} s")
    if seconds > MAX_TIMER_SECONDS:
        raise TimerError("A timer can run for at most a week.")


def ended_sentence(ended: list[TimerState]) -> str:
    """What is said when timers end while voiced runs: one sentence however many."""
    if len(ended) == 1:
        return f"Your timer for {ended[0].description} is done."
    return f"{len(ended)} timers are done."


def missed_sentence(descriptions: list[str]) -> str:
    """What is said at start for the timers that ended while voiced was not running."""
    if len(descriptions) == 1:
        return f"Your timer for {descriptions[0]} ended while I was off."
    return f"{len(descriptions)} timers ended while I was off."


# -- timers.json ------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedTimer:
    """A timer as timers.json keeps it: when it ends on the wall clock, or, paused, what
    it has left."""

    description: str
    seconds: float | None
    ends_at: float | None
    paused_left_seconds: float | None = None


@dataclass
class TimersFile:
    """What was read from timers.json, and what was wrong with it."""

    timers: list[SavedTimer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_timers_file(path: Path, now: float) -> TimersFile:
    """The timers in `path`, each checked; `now` is wall-clock time. Never raises: what
    is unusable is named in `problems`, and the usable timers are kept."""
    read = TimersFile()
    try:
        # A number out of range fails only its timer: the others are kept.
        data = read_json_file(path, MAX_FILE_BYTES, MAX_JSON_DEPTH, finite_only=False)
    except UnreadableFileError as err:
        read.problems.append(f"is {err}")
        return read
    except FileNotFoundError:  # gone since it was seen: no timers
        return read
    except OSError as err:
        read.problems.append(f"cannot be read ({err.strerror or err})")
        return read
    entries = data.get("timers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        read.problems.append('has no "timers" list')
        return read
    for number, entry in enumerate(entries, start=1):
        try:
            read.timers.append(_saved_timer(entry, now))
        except ValueError as err:
            read.problems.append(f"timer {number}: {err}")
    return read


def _saved_timer(entry: Any, now: float) -> SavedTimer:
    if not isinstance(entry, dict):
        raise ValueError("is not an object")
    description = entry.get("description")
    if (
        not isinstance(description, str)
        or not 0 < len(description) <= MAX_DESCRIPTION_CHARS
        or not description.isprintable()
    ):
        raise ValueError(
            f'"description" must be printable text of 1-{MAX_DESCRIPTION_CHARS} characters'
        )
    seconds = None
    if entry.get("seconds") is not None:
        seconds = _number(entry, "seconds", 0.0, MAX_TIMER_SECONDS)
    if ("ends_at" in entry) == ("paused_left_seconds" in entry):
        raise ValueError('needs either "ends_at" or "paused_left_seconds"')
    if "ends_at" in entry:
        ends_at = _number(entry, "ends_at", EARLIEST_END, now + MAX_TIMER_SECONDS)
        return SavedTimer(description, seconds, ends_at)
    left = _number(entry, "paused_left_seconds", 0.0, MAX_TIMER_SECONDS)
    return SavedTimer(description, seconds, None, left)


def _number(entry: dict[str, Any], key: str, low: float, high: float) -> float:
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'"{key}" must be a number, got {type(value).__name__}')
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f'"{key}" must be a finite number, got {value!r:.40}')
    if not low < number <= high:
        raise ValueError(
            f'"{key}" must be above {low:.0f} and at most {high:.0f}, got {value!r:.40}'
        )
    return number


def check_note(path: Path) -> str | None:
    """What `voiced check` says of the timers file: a copy kept aside, or a file that will
    be at the next start; None when all is well."""
    note = kept_aside_note(path, "timers file")
    if note is not None or not path.exists():
        return note
    problems = read_timers_file(path, time.time()).problems
    if problems:
        return (
            f"timers file {path} is unusable ({_listed(problems)}): it will be kept aside at start"
        )
    return None


def _listed(problems: list[str]) -> str:
    """The first five problems, in one line."""
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


def timers_json(timers: Iterable[SavedTimer]) -> str:
    entries: list[dict[str, object]] = []
    for timer in timers:
        entry: dict[str, object] = {"description": timer.description}
        if timer.seconds is not None:
            entry["seconds"] = timer.seconds
        if timer.ends_at is not None:
            entry["ends_at"] = timer.ends_at
        else:
            entry["paused_left_seconds"] = timer.paused_left_seconds
        entries.append(entry)
    return json.dumps({"timers": entries}, indent=2) + "\n"


# -- the scheduler ----------------------------------------------------------------------


class Timers:
    """Running timers; when some end, `announce` is called (on the scheduler thread) with
    one sentence to speak. With a `path`, they are kept there (written atomically) and
    survive a restart. `clock` is the wall clock (the file's time), `monotonic` the clock
    timers run on."""

    def __init__(
        self,
        announce: Callable[[str], None],
        path: Path | None = None,
        clock: Callable[[], float] = time.time,
        max_timers: int = DEFAULT_MAX_TIMERS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.announce = announce
        self.path = path
        self._clock = clock
        self._monotonic = monotonic
        self._table = TimerTable(max_timers)
        self._changed = threading.Condition()
        self._write_lock = threading.Lock()
        self._closed = False
        # Said once the scheduler starts: the timers that ended while voiced was down.
        self._missed: str | None = None
        # False when an unusable file could not be kept aside: it must not be replaced.
        self._persist = path is not None
        if path is not None:
            self._restore(path)
        self._thread = threading.Thread(target=self._run, name="timers", daemon=True)
        self._thread.start()

    def start(self, seconds: float, name: str | None = None) -> str:
        """Start a timer; its spoken description. TimerError beyond the limits."""
        _check_left(seconds)
        description = describe_duration(seconds)
        with self._changed:
            self._table.add(self._monotonic(), seconds, description, seconds)
            self._changed.notify()
        self._write()
        log.info("timer started: %s", description)
        return description

    def cancel(self) -> str | None:
        """Cancel the newest timer; its description, or None when there is none."""
        with self._changed:
            states = self._table.states(self._monotonic())
            if not states:
                return None
            self._table.remove(states[-1].timer_id, self._monotonic())
            self._changed.notify()
        self._write()
        log.info("timer cancelled: %s", states[-1].description)
        return states[-1].description

    def running(self) -> list[str]:
        """The descriptions of every timer, paused ones too, oldest first."""
        return [state.description for state in self.timers()]

    def timers(self) -> list[TimerState]:
        """Every timer as it is now, oldest first."""
        with self._changed:
            return self._table.states(self._monotonic())

    def pause(self, timer_id: int) -> TimerState:
        return self._change("paused", lambda now: self._table.pause(timer_id, now))

    def resume(self, timer_id: int) -> TimerState:
        return self._change("resumed", lambda now: self._table.resume(timer_id, now))

    def add_time(self, timer_id: int, seconds: float) -> TimerState:
        """Lengthen a timer, or shorten it (negative `seconds`): to nothing, it ends."""
        return self._change(
            f"changed by {seconds:+.0f} s", lambda now: self._table.add_time(timer_id, seconds, now)
        )

    def close(self) -> None:
        """Stop the clocks of this process; the file keeps the timers for the next one."""
        with self._changed:
            self._closed = True
            self._table.clear()
            self._changed.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _change(self, what: str, change: Callable[[float], TimerState]) -> TimerState:
        with self._changed:
            state = change(self._monotonic())
            self._changed.notify()
        self._write()
        log.info("timer for %s %s: %.0f s left", state.description, what, state.left_seconds)
        return state

    def _run(self) -> None:
        """The scheduler: sleeps until the next timer ends or the timers change."""
        if self._missed is not None:
            self._say(self._missed)
        while True:
            with self._changed:
                if self._closed:
                    return
                now = self._monotonic()
                ended = self._table.pop_due(now)
                if not ended:
                    deadline = self._table.next_deadline()
                    self._changed.wait(None if deadline is None else deadline - now)
                    continue
            self._write()
            for state in ended:
                log.info("timer done: %s", state.description)
            self._say(ended_sentence(ended))

    def _say(self, text: str) -> None:
        try:
            self.announce(text)
        except Exception:  # the scheduler outlives a failed announcement
            log.exception("cannot announce %r", text)

    def _restore(self, path: Path) -> None:
        if not path.exists():  # nor a link to nothing: no timers yet
            return
        wall, now = self._clock(), self._monotonic()
        read = read_timers_file(path, wall)
        missed: list[str] = []
        left_behind = 0
        waiting: list[tuple[float, SavedTimer]] = []
        for saved in read.timers:
            if saved.ends_at is None:
                waiting.append((saved.paused_left_seconds or 0.0, saved))
            elif saved.ends_at > wall:
                waiting.append((saved.ends_at - wall, saved))
            elif wall - saved.ends_at <= LATE_ANNOUNCE_SECONDS:
                missed.append(saved.description)
            else:
                left_behind += 1
        # Beyond the limit, the timers that end soonest are kept.
        waiting.sort(key=lambda pair: pair[0])
        if len(waiting) > self._table.max_timers:
            read.problems.append(
                f"holds {len(waiting)} timers, more than max_timers ({self._table.max_timers});"
                f" the {self._table.max_timers} that end soonest are kept"
            )
            waiting = waiting[: self._table.max_timers]
        for left, saved in waiting:
            paused = saved.ends_at is None
            self._table.add(now, left, saved.description, saved.seconds, paused=paused)
        if left_behind:
            log.info(
                "%d timer(s) ended over %.0f s ago, while voiced was not running: not announced",
                left_behind,
                LATE_ANNOUNCE_SECONDS,
            )
        if missed:
            log.info("%d timer(s) ended while voiced was not running", len(missed))
            self._missed = missed_sentence(missed)
        if read.problems:
            self._keep_aside(path, wall, read.problems)
        log.info("timers restored from %s: %d", path, len(self._table))
        if missed or left_behind or read.problems:
            self._write()

    def _keep_aside(self, path: Path, wall: float, problems: list[str]) -> None:
        shown = _listed(problems)
        try:
            kept = keep_aside(path, wall)
        except OSError as err:
            self._persist = False
            log.error(
                "timers file %s is unusable (%s) and cannot be moved aside (%s): it is left "
                "as it is, and timers will not survive a restart until it is moved",
                path,
                shown,
                err.strerror or err,
            )
            return
        log.warning(
            "timers file %s is unusable (%s): kept as %s; %d usable timer(s) restored",
            path,
            shown,
            kept,
            len(self._table),
        )

    def _write(self) -> None:
        if not self._persist or self.path is None:
            return
        # One writer at a time, each writing the newest state: the last write wins.
        with self._write_lock:
            with self._changed:
                if self._closed:
                    return
                wall, now = self._clock(), self._monotonic()
                saved = [
                    SavedTimer(
                        state.description,
                        state.seconds,
                        None if state.paused else wall + state.left_seconds,
                        state.left_seconds if state.paused else None,
                    )
                    for state in self._table.states(now)
                ]
            try:
                write_atomically(self.path, timers_json(saved))
            except OSError as err:
                # The timers still run in this process; only a restart would forget them.
                log.error("cannot keep the timers in %s: %s", self.path, err)
