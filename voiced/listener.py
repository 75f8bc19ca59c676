"""The listening path: wake word, then voice activity and endpointing while the
recogniser is fed, until one command is cut out of the audio."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np

from voiced.asr import Recognizer, RecognizerSession
from voiced.audio import PrerollBuffer, seconds_to_samples
from voiced.config import EndpointConfig, WakeConfig
from voiced.endpoint import Endpointer, EndpointTimes, Event
from voiced.engines import Vad, WakeWord
from voiced.messages import AudioChunk, WakeDetected
from voiced.vad import SECONDS_PER_VAD_FRAME
from voiced.wake import OwnVoice, WakeGate

log = logging.getLogger(__name__)


# Speech within this many VAD frames (90 ms) after the wake word keeps the pre-roll.
PREROLL_DECISION_FRAMES = 3


@dataclass(frozen=True)
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
    # Heard without the wake word: the answer to a question voiced asked.
    follow_up: bool = False
    # Ended at a pause, before the whole endpoint silence, as a complete command.
    ended_early: bool = False


@dataclass(frozen=True)
class CaptureProgress:
    """Where the command being heard stands, for speculation at a pause."""

    wake: WakeDetected
    session: RecognizerSession
    # Audio seconds from the start of the command: its last speech so far, all of it.
    last_speech_end_s: float
    length_s: float
    # Non-speech since the last speech.
    pause_s: float
    follow_up: bool


class Listener:
    """Owned by the listening thread; fed every chunk, returns a command when one ends."""

    def __init__(
        self,
        wake: WakeWord,
        vad: Vad,
        recognizer: Recognizer,
        wake_config: WakeConfig,
        endpoint_config: EndpointConfig,
        vocabulary: list[str] | None = None,
        own_voice: OwnVoice | None = None,
    ) -> None:
        # Phrases the recogniser is steered toward (commands and device names).
        self.vocabulary = vocabulary
        # When voiced itself says the wake word's name (voiced.wake.OwnVoice).
        self.own_voice = own_voice
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

    @property
    def progress(self) -> CaptureProgress | None:
        """The command being heard, once speech has begun in it; None otherwise."""
        capture = self._capture
        if capture is None or not capture.endpointer.speech_started:
            return None
        endpointer = capture.endpointer
        return CaptureProgress(
            wake=capture.wake,
            session=capture.session,
            last_speech_end_s=endpointer.last_speech_end_s,
            length_s=endpointer.elapsed_s,
            pause_s=endpointer.silence_run_s,
            follow_up=capture.follow_up,
        )

    def heard_so_far(self) -> np.ndarray:
        """The audio of the command being heard (judged at a pause by the end-of-turn model)."""
        capture = self._capture
        if capture is None or not capture.chunks:
            return np.zeros(0, np.int16)
        return np.concatenate(capture.chunks)

    def end_now(self) -> HeardCommand | None:
        """End the command being heard here, without the rest of the endpoint silence
        (it is already known to be complete)."""
        capture, self._capture = self._capture, None
        if capture is None:
            return None
        log.info("command complete at a pause: ending it early")
        return dataclasses.replace(capture.command(time.monotonic()), ended_early=True)

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
        self.gate.reset()
        self.preroll.clear()

    def listen_without_wake(
        self, at_s: float, seconds: float, min_speech_seconds: float | None = None
    ) -> None:
        """Hear what is said from `at_s` in the input without the wake word (the answer to
        a question just asked, a follow-up); nothing is heard unless speech begins within
        `seconds` (and lasts `min_speech_seconds`, when given)."""
        wake = WakeDetected(self.wake.name, 0.0, round(at_s, 3))
        times = dataclasses.replace(self.times, start_timeout_seconds=seconds)
        if min_speech_seconds is not None:
            times = dataclasses.replace(times, min_speech_seconds=min_speech_seconds)
        self._begin_capture(wake, times, preroll=None)

    def _listen_for_wake(self, chunk: AudioChunk) -> bool:
        """Score the chunk for the wake word; heard, a command begins (True)."""
        score = self.wake.score(chunk.samples)
        self.preroll.push(chunk.samples)
        own_voice = self.own_voice
        if score >= self.gate.threshold and own_voice and own_voice.heard_at(chunk.received_at):
            log.info(
                "wake word %s (score %.2f) at %.2f s while voiced says its name: ignored",
                self.wake.name,
                score,
                chunk.end_s,
            )
            # Its buffers would still hold the name when the guard ends.
            self.wake.reset()
            return False
        if not self.gate.fires(score, chunk.end_s):
            return False
        wake = WakeDetected(self.wake.name, score, round(chunk.end_s, 3))
        log.info("wake word %s (score %.2f) at %.2f s", wake.wake_word, score, chunk.end_s)
        self._begin_capture(wake, self.times, self.preroll.take())
        return True

    def _begin_capture(
        self, wake: WakeDetected, times: EndpointTimes, preroll: np.ndarray | None
    ) -> None:
        self.vad.reset()
        # The wake model hears nothing during the command: its buffers would still hold
        # this wake word when it listens again, and fire on it a second time.
        self.wake.reset()
        session = self.recognizer.start(self.vocabulary)
        self._capture = _Capture(
            wake, session, Endpointer(times), wake.at_s, preroll, follow_up=preroll is None
        )

    def _capture_command(self, chunk: AudioChunk) -> HeardCommand | None:
        capture = self._capture
        if capture is None:
            return None
        # The wake word said where none is needed: a command of its own from there.
        if capture.follow_up and self._listen_for_wake(chunk):
            return None
        capture.add(chunk.samples)
        for probability in self.vad.probabilities(chunk.samples):
            is_speech = probability >= self.vad.threshold
            capture.decide_preroll(is_speech)
            if is_speech:
                capture.speech_end_received_at = chunk.received_at
            event = capture.endpointer.feed(SECONDS_PER_VAD_FRAME, is_speech)
            if event is Event.TIMEOUT:
                if capture.follow_up:
                    log.info("nothing said without the wake word in time: nothing done")
                else:
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
        self,
        wake: WakeDetected,
        session: RecognizerSession,
        endpointer: Endpointer,
        start_s: float,
        preroll: np.ndarray | None,
        follow_up: bool = False,
    ) -> None:
        self.wake = wake
        self.follow_up = follow_up
        self.session = session
        self.endpointer = endpointer
        self.start_s = start_s
        self.chunks: list[np.ndarray] = []
        self.partials: list[str] = []
        self.speech_end_received_at = time.monotonic()
        # Audio held back until the pre-roll is kept or dropped.
        self._preroll: np.ndarray | None = preroll
        self._held: list[np.ndarray] = []
        self._frames_judged = 0

    def decide_preroll(self, is_speech: bool) -> None:
        """The wake word fires as it ends: the pre-roll then holds its tail, and belongs to
        the command only when speech runs on without a pause ("hey jarvis turn on...")."""
        if self._preroll is None:
            return
        self._frames_judged += 1
        if is_speech or self._frames_judged >= PREROLL_DECISION_FRAMES:
            self._settle_preroll(keep=is_speech)

    def _settle_preroll(self, keep: bool) -> None:
        preroll, self._preroll = self._preroll, None
        held, self._held = self._held, []
        for samples in [preroll] if keep and preroll is not None else []:
            self._accept(samples)
        for samples in held:
            self._accept(samples)

    def add(self, samples: np.ndarray) -> None:
        if len(samples) == 0:
            return
        if self._preroll is not None:
            self._held.append(samples)
        else:
            self._accept(samples)

    def _accept(self, samples: np.ndarray) -> None:
        self.chunks.append(samples)
        partial = self.session.accept(samples)
        if partial:
            self.partials.append(partial)

    def command(self, endpoint_at: float) -> HeardCommand:
        if self._preroll is not None:  # the input ended before the pre-roll was judged
            self._settle_preroll(keep=False)
        return HeardCommand(
            wake=self.wake,
            session=self.session,
            samples=np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16),
            speech_end_at_s=round(self.start_s + self.endpointer.last_speech_end_s, 3),
            speech_end_received_at=self.speech_end_received_at,
            endpoint_at=endpoint_at,
            partials=self.partials,
            follow_up=self.follow_up,
        )
