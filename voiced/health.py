"""Stage health for the watchdog: every blocking call is made inside `busy(stage, deadline)`.

The supervisor pings systemd only while no stage has been stuck inside one call past its
deadline; a stage that is idle (waiting for audio, for work, for a microphone) is healthy.
A wedged daemon thus stops the pings and systemd restarts it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class Health:
    def __init__(
        self, hang_stage: str | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # Test-only hook: the named stage hangs inside its next call, as a wedged C call would.
        self.hang_stage = hang_stage
        self._clock = clock
        self._lock = threading.Lock()
        self._busy: dict[int, tuple[str, float]] = {}
        self._next_token = 0
        # When each stage last left a call.
        self._left: dict[str, float] = {}

    @contextmanager
    def busy(self, stage: str, deadline_seconds: float) -> Iterator[None]:
        with self._lock:
            token = self._next_token
            self._next_token += 1
            self._busy[token] = (stage, self._clock() + deadline_seconds)
        try:
            if stage == self.hang_stage:
                log.warning("test hook: stage %s hangs", stage)
                threading.Event().wait()
            yield
        finally:
            with self._lock:
                del self._busy[token]
                self._left[stage] = self._clock()

    def active(self, stages: tuple[str, ...], within_seconds: float) -> bool:
        """Whether one of `stages` is inside a call, or left one less than `within_seconds`
        ago (the speaker still plays what its last write left in the device's buffer)."""
        now = self._clock()
        with self._lock:
            if any(stage in stages for stage, _ in self._busy.values()):
                return True
            left = [self._left[stage] for stage in stages if stage in self._left]
        return any(now - at < within_seconds for at in left)

    def stuck(self) -> list[str]:
        """The stages inside a call past its deadline."""
        now = self._clock()
        with self._lock:
            return sorted({stage for stage, deadline in self._busy.values() if now > deadline})


class Supervisor:
    """Pings the watchdog at half its interval while every stage is healthy."""

    def __init__(self, health: Health, ping: Callable[[], None], interval_seconds: float) -> None:
        self.health = health
        self.ping = ping
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._reported: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            stuck = self.health.stuck()
            if not stuck:
                self.ping()
            elif stuck != self._reported:
                log.error(
                    "stage(s) %s stuck past their deadline: watchdog pings withheld",
                    ", ".join(stuck),
                )
            self._reported = stuck
