"""The `presence` thread of voiced's Home Assistant entities (voiced/presence.py): it
speaks the texts sent to the Say entity, and publishes the timers when they change.

Texts come from paho's network thread as `SayText` messages on a small queue (a full one
drops the newest); `Stop` ends the thread. Between texts it looks at the timers once a
second.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from voiced.messages import Stop
from voiced.timers import TimerState

_log = logging.getLogger(__name__)

MAX_WAITING_TEXTS = 4
TIMERS_POLL_SECONDS = 1.0
# A timer's end moving by more than this (paused, time added) is published again.
TIMER_END_SLACK_SECONDS = 2.0

# A timer as published: its id, whether paused, and when it ends (or, paused, time left).
TimerKey = tuple[int, bool, float]


class Timers(Protocol):
    def timers(self) -> list[TimerState]: ...


@dataclass(frozen=True)
class SayText:
    """A text Home Assistant sent to the Say entity, checked and made printable."""

    text: str


class PresenceThread:
    """Speaks through `say` and follows `timers` once attached; publishes with `publish`
    (topic name, payload, retain) while `connected()` says the broker is there."""

    def __init__(
        self, publish: Callable[[str, str, bool], None], connected: Callable[[], bool]
    ) -> None:
        self._publish = publish
        self._connected = connected
        self._lock = threading.Lock()
        self._say: Callable[[str], object] | None = None
        self._timers: Timers | None = None
        self._texts: queue.Queue[SayText | Stop] = queue.Queue(MAX_WAITING_TEXTS)
        self._thread = threading.Thread(target=self._run, name="presence", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def attach(self, say: Callable[[str], object], timers: Timers) -> None:
        with self._lock:
            self._say, self._timers = say, timers

    def offer(self, text: str) -> None:
        """Queue `text` to be said (any thread); dropped when too many wait."""
        try:
            self._texts.put_nowait(SayText(text))
        except queue.Full:
            _log.warning("MQTT entities: %d texts wait to be said; one more dropped",
                         MAX_WAITING_TEXTS)  # fmt: skip

    def stop(self) -> None:
        if self._thread.is_alive():
            self._texts.put(Stop())
            self._thread.join(timeout=5)

    def _run(self) -> None:
        published: list[TimerKey] | None = None
        while True:
            try:
                message: SayText | Stop | None = self._texts.get(timeout=TIMERS_POLL_SECONDS)
            except queue.Empty:
                message = None  # only the timers to look at
            if isinstance(message, Stop):
                return
            try:
                with self._lock:
                    say, timers = self._say, self._timers
                if message is not None and say is not None:
                    _log.info("saying what Home Assistant sent")
                    say(message.text)
                if timers is not None:
                    published = self._publish_timers(timers.timers(), published)
            except Exception:  # the next text and the timers go on
                _log.exception("MQTT entities: saying or following timers failed")

    def _publish_timers(
        self, states: list[TimerState], published: list[TimerKey] | None
    ) -> list[TimerKey] | None:
        """Publish the timers when they changed from `published`; what is published now."""
        key = _timers_key(states)
        if published is not None and _same_timers(key, published):
            return published
        if not self._connected():
            return None
        self._publish("timers/attributes", timers_attributes(states), True)
        self._publish("timers", str(len(states)), True)
        return key


def _timer_name(state: TimerState) -> str:
    """What the sensor calls a timer: what it reminds of or will do, the name it was set
    with, an alarm's time ("seven AM alarm"), else the duration it was set for."""
    if state.reminder is not None:
        return f"reminder {state.reminder}"
    if state.then is not None:
        return state.then.said
    if state.alarm:
        return f"{state.description} alarm"
    return state.description if state.name is None else state.name


def timers_attributes(states: list[TimerState]) -> str:
    """The timers as the Timers sensor's attributes: name (_timer_name), time left, end,
    pause."""
    now = datetime.now(UTC)
    return json.dumps(
        {
            "timers": [
                {
                    "name": _timer_name(state),
                    "paused": state.paused,
                    "left_seconds": round(state.left_seconds),
                    "ends_at": None
                    if state.paused
                    else (now + timedelta(seconds=state.left_seconds)).isoformat("T", "seconds"),
                }
                for state in states
            ]
        }
    )


def _timers_key(states: list[TimerState]) -> list[TimerKey]:
    """What makes timers differ: which, paused or not, and when each ends (or has left)."""
    return [
        (s.timer_id, s.paused, s.left_seconds if s.paused else time.time() + s.left_seconds)
        for s in states
    ]


def _same_timers(now: list[TimerKey], before: list[TimerKey]) -> bool:
    if len(now) != len(before):
        return False
    return all(
        a[0] == b[0] and a[1] == b[1] and abs(a[2] - b[2]) <= TIMER_END_SLACK_SECONDS
        for a, b in zip(now, before, strict=True)
    )
