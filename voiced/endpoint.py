"""Endpointing as a pure state machine fed (seconds, is_speech): no audio needed to test it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Chunk lengths add up as floats (ten 0.1 s chunks are 0.9999999999999999 s).
EPSILON_SECONDS = 1e-9


def _reached(seconds: float, limit: float) -> bool:
    return seconds + EPSILON_SECONDS >= limit


class Event(enum.Enum):
    NONE = "none"
    SPEECH_STARTED = "speech_started"
    # The command ended: enough silence after speech, or the length cap.
    ENDPOINT = "endpoint"
    # No speech came after the wake word: nothing to do.
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class EndpointTimes:
    silence_seconds: float
    min_speech_seconds: float
    start_timeout_seconds: float
    max_command_seconds: float


class Endpointer:
    """Follows one command from the wake word to its end, in audio time."""

    def __init__(self, times: EndpointTimes) -> None:
        self.times = times
        self.elapsed_s = 0.0
        self.in_speech = False
        self.speech_started = False
        self._speech_run_s = 0.0
        self._silence_run_s = 0.0
        # Audio time (from the start of the command) where speech was last heard.
        self.last_speech_end_s = 0.0
        self.speech_start_s: float | None = None
        self.done = False

    def feed(self, seconds: float, is_speech: bool) -> Event:
        if self.done:
            return Event.NONE
        start_s = self.elapsed_s
        self.elapsed_s += seconds
        if is_speech:
            self._silence_run_s = 0.0
            self._speech_run_s += seconds
            self.last_speech_end_s = self.elapsed_s
            if not self.speech_started and _reached(
                self._speech_run_s, self.times.min_speech_seconds
            ):
                self.speech_started = True
                self.in_speech = True
                self.speech_start_s = start_s + seconds - self._speech_run_s
                return self._check_length() or Event.SPEECH_STARTED
            self.in_speech = self.speech_started
            return self._check_length() or Event.NONE
        self._speech_run_s = 0.0
        self._silence_run_s += seconds
        self.in_speech = False
        if not self.speech_started:
            if _reached(self.elapsed_s, self.times.start_timeout_seconds):
                self.done = True
                return Event.TIMEOUT
            return Event.NONE
        if _reached(self._silence_run_s, self.times.silence_seconds):
            self.done = True
            return Event.ENDPOINT
        return self._check_length() or Event.NONE

    @property
    def silence_run_s(self) -> float:
        return self._silence_run_s

    def _check_length(self) -> Event | None:
        if self.speech_started and _reached(self.elapsed_s, self.times.max_command_seconds):
            self.done = True
            return Event.ENDPOINT
        return None
