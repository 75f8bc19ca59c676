"""Built-in plugin: a stopwatch (StopwatchStart, StopwatchRead, StopwatchStop, voiced's
own). "Start a stopwatch", "how long has the stopwatch been running?", "stop the
stopwatch". The model answered "Sure, I can help you start a stopwatch." and started
none: a person would have asked it later for a time that was never kept.

One stopwatch, on the monotonic clock, kept by this process only: a restart loses it
(said here, since nothing is said then). Threads: the turn thread changes it, one turn
at a time; speculation may read it (StopwatchRead only reads): a lock keeps it whole."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from voiced.intents import Action, IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.ha_sentences import own_sentences
from voiced.timers import describe_duration

SENTENCES = {
    "StopwatchStart": [
        "(start|begin|set) [a|the|my] stopwatch [again]",
        "(restart|reset) [the|my] stopwatch",
    ],
    "StopwatchRead": [
        "how long has [the|my] stopwatch been (running|going|on)",
        "(what's|what is) [on] [the|my] stopwatch [at|say|showing]",
        "(check|read) [the|my] stopwatch",
        "how much time (is|has) [there] [been] on [the|my] stopwatch",
    ],
    "StopwatchStop": [
        "(stop|end|pause|halt) [the|my] stopwatch",
        "(turn|switch) off [the|my] stopwatch",
    ],
}


class Stopwatch:
    """When it was started (monotonic seconds), while it runs; what it read when stopped."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._started: float | None = None
        self._stopped_at: float | None = None

    def start(self) -> None:
        with self._lock:
            self._started, self._stopped_at = self._clock(), None

    def read(self) -> tuple[float, bool] | None:
        """(seconds on it, whether it runs); None when never started."""
        with self._lock:
            if self._stopped_at is not None:
                return self._stopped_at, False
            if self._started is None:
                return None
            return self._clock() - self._started, True

    def stop(self) -> float | None:
        """Stop it; the seconds on it, or None when it was not running."""
        with self._lock:
            if self._started is None or self._stopped_at is not None:
                return None
            self._stopped_at = self._clock() - self._started
            return self._stopped_at


def plugin(stopwatch: Stopwatch | None = None) -> Plugin:
    watch = stopwatch or Stopwatch()

    def start(match: IntentMatch, context: IntentContext) -> Action:
        running = watch.read()
        said = "Stopwatch started again." if running and running[1] else "Stopwatch started."
        return Action(said, watch.start)

    def read(match: IntentMatch, context: IntentContext) -> str:
        reading = watch.read()
        if reading is None:
            raise IntentError("The stopwatch isn't running. Say start the stopwatch.")
        seconds, running = reading
        if running:
            return f"The stopwatch is at {_reading(seconds)}."
        return f"The stopwatch stopped at {_reading(seconds)}."

    def stop(match: IntentMatch, context: IntentContext) -> Action:
        reading = watch.read()
        if reading is None or not reading[1]:
            raise IntentError("The stopwatch isn't running.")

        def act() -> None:
            watch.stop()

        return Action(f"Stopped at {_reading(reading[0])}.", act)

    return Plugin(
        name="stopwatch",
        description="a stopwatch: started, read, stopped",
        sentences=own_sentences(
            {name: {"data": [{"sentences": said}]} for name, said in SENTENCES.items()}
        ),
        handlers={"StopwatchStart": start, "StopwatchRead": read, "StopwatchStop": stop},
        # Reading only reads; starting and stopping return an Action.
        side_effect_free=frozenset({"StopwatchStart", "StopwatchRead"}),
    )


def _reading(seconds: float) -> str:
    """Whole seconds, as a timer's duration is said: "1 minute and 5 seconds"."""
    return describe_duration(max(0, int(seconds)))
