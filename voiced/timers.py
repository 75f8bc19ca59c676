"""Timers that fire while the daemon runs and are announced out loud."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiced.files import write_atomically

log = logging.getLogger(__name__)


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


# A timer that ended while the daemon was down is still announced at start, unless it
# ended longer ago than this: then it is only logged.
LATE_ANNOUNCE_SECONDS = 3600.0


@dataclass
class _Timer:
    description: str
    # Wall-clock time (seconds since the epoch): it must mean the same after a restart.
    ends_at: float
    thread: threading.Timer


class Timers:
    """Running timers; when one ends, `announce` is called with the sentence to speak.
    With a `path`, they are kept there (written atomically) and survive a restart."""

    def __init__(
        self,
        announce: Callable[[str], None],
        path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.announce = announce
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._running: list[_Timer] = []
        for description, ends_at in self._read():
            self._schedule(description, ends_at)

    def start(self, seconds: float, name: str | None = None) -> str:
        if seconds <= 0:
            raise ValueError(f"a timer needs a positive duration, got {seconds} s")
        description = describe_duration(seconds)
        self._schedule(description, self._clock() + seconds)
        self._write()
        log.info("timer started: %s", description)
        return description

    def cancel(self) -> str | None:
        with self._lock:
            if not self._running:
                return None
            timer = self._running.pop()
        timer.thread.cancel()
        self._write()
        log.info("timer cancelled: %s", timer.description)
        return timer.description

    def running(self) -> list[str]:
        with self._lock:
            return [timer.description for timer in self._running]

    def close(self) -> None:
        """Stop the clocks of this process; the file keeps the timers for the next one."""
        with self._lock:
            timers, self._running = self._running, []
        for timer in timers:
            timer.thread.cancel()

    def _schedule(self, description: str, ends_at: float) -> None:
        left = ends_at - self._clock()
        if left < -LATE_ANNOUNCE_SECONDS:
            log.info(
                "timer for %s ended %.0f s ago, while voiced was not running", description, -left
            )
            return
        timer = _Timer(
            description, ends_at, threading.Timer(max(left, 0.0), lambda: self._fire(timer))
        )
        timer.thread.daemon = True
        with self._lock:
            self._running.append(timer)
        timer.thread.start()

    def _fire(self, timer: _Timer) -> None:
        with self._lock:
            if timer not in self._running:
                return
            self._running.remove(timer)
        self._write()
        log.info("timer done: %s", timer.description)
        self.announce(f"Your timer for {timer.description} is done.")

    def _read(self) -> list[tuple[str, float]]:
        if self.path is None or not self.path.exists():
            return []
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))["timers"]
            return [(str(entry["description"]), float(entry["ends_at"])) for entry in entries]
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("timers file %s is unusable (%s); no timers restored", self.path, err)
            return []

    def _write(self) -> None:
        if self.path is None:
            return
        with self._lock:
            entries = [{"description": t.description, "ends_at": t.ends_at} for t in self._running]
        try:
            write_atomically(self.path, json.dumps({"timers": entries}, indent=2) + "\n")
        except OSError as err:
            # The timer still runs in this process; only a restart would forget it.
            log.error("cannot keep the timers in %s: %s", self.path, err)
