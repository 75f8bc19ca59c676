"""Timers: one scheduler thread for all of them, announced out loud when they end, and
kept in timers.json so that they survive a restart. The table is voiced/timer_table.py,
the file voiced/timer_file.py, reading it back at start voiced/timer_restore.py.

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

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from voiced.files import write_atomically
from voiced.timer_file import (
    EARLIEST_END,
    MAX_FILE_BYTES,
    SavedTimer,
    check_note,
    read_timers_file,
    timers_json,
)
from voiced.timer_restore import LATE_ANNOUNCE_SECONDS, restore_timers
from voiced.timer_table import (
    DEFAULT_MAX_TIMERS,
    MAX_NAMED_TIMERS,
    MAX_TIMER_SECONDS,
    TimerError,
    TimerState,
    TimerTable,
    check_left,
    describe_duration,
    describe_left,
    ended_sentence,
    missed_sentence,
)

# What the rest of voiced (and its tests) import from here.
__all__ = [
    "DEFAULT_MAX_TIMERS",
    "EARLIEST_END",
    "LATE_ANNOUNCE_SECONDS",
    "MAX_FILE_BYTES",
    "MAX_NAMED_TIMERS",
    "MAX_TIMER_SECONDS",
    "SavedTimer",
    "TimerError",
    "TimerState",
    "TimerTable",
    "Timers",
    "check_note",
    "describe_duration",
    "describe_left",
    "ended_sentence",
    "missed_sentence",
    "read_timers_file",
    "timers_json",
]

log = logging.getLogger(__name__)


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
        if path is not None and path.exists():  # not a link to nothing either
            restored = restore_timers(path, self._table, self._clock(), self._monotonic())
            self._missed, self._persist = restored.missed, restored.persist
            if restored.rewrite:
                self._write()
        self._thread = threading.Thread(target=self._run, name="timers", daemon=True)
        self._thread.start()

    def start(self, seconds: float, name: str | None = None) -> str:
        """Start a timer; its spoken description. TimerError beyond the limits."""
        check_left(seconds)
        description = describe_duration(seconds)
        with self._changed:
            self._table.add(self._monotonic(), seconds, description, seconds)
            self._changed.notify()
        self._write()
        log.info("timer started: %s", description)
        return description

    def cancel(self, timer_id: int | None = None) -> str | None:
        """Cancel the timer `timer_id` (None: the newest); its description, or None when
        there is no such timer (it has ended)."""
        with self._changed:
            now = self._monotonic()
            if timer_id is None:
                states = self._table.states(now)
                if not states:
                    return None
                timer_id = states[-1].timer_id
            removed = self._table.remove(timer_id, now)
            if removed is None:
                return None
            self._changed.notify()
        self._write()
        log.info("timer cancelled: %s", removed.description)
        return removed.description

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
