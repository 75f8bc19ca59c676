"""Timers that fire while the daemon runs and are announced out loud."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass
class _Timer:
    description: str
    thread: threading.Timer


class Timers:
    """Running timers; when one ends, `announce` is called with the sentence to speak."""

    def __init__(self, announce: Callable[[str], None]) -> None:
        self.announce = announce
        self._lock = threading.Lock()
        self._running: list[_Timer] = []

    def start(self, seconds: float, name: str | None = None) -> str:
        if seconds <= 0:
            raise ValueError(f"a timer needs a positive duration, got {seconds} s")
        description = describe_duration(seconds)
        timer = _Timer(description, threading.Timer(seconds, lambda: self._fire(timer)))
        timer.thread.daemon = True
        with self._lock:
            self._running.append(timer)
        timer.thread.start()
        log.info("timer started: %s", description)
        return description

    def cancel(self) -> str | None:
        with self._lock:
            if not self._running:
                return None
            timer = self._running.pop()
        timer.thread.cancel()
        log.info("timer cancelled: %s", timer.description)
        return timer.description

    def running(self) -> list[str]:
        with self._lock:
            return [timer.description for timer in self._running]

    def close(self) -> None:
        with self._lock:
            timers, self._running = self._running, []
        for timer in timers:
            timer.thread.cancel()

    def _fire(self, timer: _Timer) -> None:
        with self._lock:
            if timer not in self._running:
                return
            self._running.remove(timer)
        log.info("timer done: %s", timer.description)
        self.announce(f"Your timer for {timer.description} is done.")
