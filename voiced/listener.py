"""The listening path: wake word, then voice activity and endpointing while the
recogniser is fed, until one command is cut out of the audio."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from voiced.asr import Recognizer, RecognizerSession
from voiced.audio import PrerollBuffer, seconds_to_samples
from voiced.config import EndpointConfig, WakeConfig
from voiced.endpoint import Endpointer, EndpointTimes, Event
from voiced.messages import AudioChunk, WakeDetected
from voiced.vad import SECONDS_PER_VAD_FRAME, SileroVad
from voiced.wake import WakeGate, WakeWordDetector

log = logging.getLogger(__name__)


@dataclass
class HeardCommand:
    """A command cut at its endpoint, with the recogniser session that heard it."""

    wake: WakeDetected
    session: RecognizerSession
    samples: np.ndarray
    speech_end_at_s: float
    # Wall-clock moments: the chunk holding the last speech entered; the endpoint was confirmed.
    speech_end_received_at: float
    endpoint_at: float
    partials: list[str]


class Listener:
    """Owned by the listening thread; fed every chunk, returns a command when one ends."""

    def __init__(
        self,
        wake: WakeWordDetector,
        vad: SileroVad,
        recognizer: Recognizer,
        wake_config: WakeConfig,
        endpoint_config: EndpointConfig,
    ) -> None:
        self.wake = wake
        self.vad = vad
        self.recognizer = recognizer
        self.gate = WakeGate(wake_config.threshold, wake_config.refractory_seconds)
        self.preroll = PrerollBuffer(seconds_to_samples(wake_config.preroll_seconds))
        self.times = EndpointTimes(
            silence_seconds=endpoint_config.silence_seconds,
            min_speech_seconds=endpoint_config.min_speech_seconds,
            start_timeout_seconds=endpoint_config.start_timeout_seconds,
            max_command_seconds=endpoint_config.max_command_seconds,
        )
        self._capture: _Capture | None = None

    @property
    def capturing(self) -> bool:
        return self._capture is not None

    def feed(self, chunk: AudioChunk) -> HeardCommand | None:
        if self._capture is None:
            self._listen_for_wake(chunk)
            return None
        return self._capture_command(chunk)

    def end_of_input(self) -> HeardCommand | None:
        """The input ended: a command in progress with speech in it ends here."""
        capture, self._capture = self._capture, None
        if capture is None or not capture.endpointer.speech_started:
            return None
        return capture.command(time.monotonic())

    def reset(self) -> None:
        """Start listening afresh (after a reply: its audio must not wake the next turn)."""
        self._capture = None
        self.wake.reset()
        self.preroll.clear()

    def _listen_for_wake(self, chunk: AudioChunk) -> None:
        score = self.wake.score(chunk.samples)
        self.preroll.push(chunk.samples)
        if not self.gate.fires(score, chunk.end_s):
            return
        wake = WakeDetected(self.wake.name, score, round(chunk.end_s, 3))
        log.info("wake word %s (score %.2f) at %.2f s", wake.wake_word, score, chunk.end_s)
        self.vad.reset()
        session = self.recognizer.start()
        capture = _Capture(wake, session, Endpointer(self.times), chunk.end_s)
        # The words said right after the wake word may already be in the last chunks.
        capture.add(self.preroll.take())
        self._capture = capture

    def _capture_command(self, chunk: AudioChunk) -> HeardCommand | None:
        capture = self._capture
        if capture is None:
            return None
        capture.add(chunk.samples)
        for probability in self.vad.probabilities(chunk.samples):
            is_speech = probability >= self.vad.threshold
            if is_speech:
                capture.speech_end_received_at = chunk.received_at
            event = capture.endpointer.feed(SECONDS_PER_VAD_FRAME, is_speech)
            if event is Event.TIMEOUT:
                log.info("no command after the wake word")
                self._capture = None
                return None
            if event is Event.ENDPOINT:
                self._capture = None
                return capture.command(time.monotonic())
        return None


class _Capture:
    """The audio and state of one command being heard."""

    def __init__(
        self, wake: WakeDetected, session: RecognizerSession, endpointer: Endpointer, start_s: float
    ) -> None:
        self.wake = wake
        self.session = session
        self.endpointer = endpointer
        self.start_s = start_s
        self.chunks: list[np.ndarray] = []
        self.partials: list[str] = []
        self.speech_end_received_at = time.monotonic()

    def add(self, samples: np.ndarray) -> None:
        if len(samples) == 0:
            return
        self.chunks.append(samples)
        partial = self.session.accept(samples)
        if partial:
            self.partials.append(partial)

    def command(self, endpoint_at: float) -> HeardCommand:
        return HeardCommand(
            wake=self.wake,
            session=self.session,
            samples=np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16),
            speech_end_at_s=round(self.start_s + self.endpointer.last_speech_end_s, 3),
            speech_end_received_at=self.speech_end_received_at,
            endpoint_at=endpoint_at,
            partials=self.partials,
        )
