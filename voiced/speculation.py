"""Answering inside the silence: at a pause in a command, recognise what was said so far
(and begin answering a question, unheard) while the rest of the endpoint silence is
waited out. Speech resuming discards it; the confirmed endpoint adopts it.

Nothing a person would notice happens here: no playback, no device action, no timer,
no history. Those wait for the confirmed command (pipeline.Pipeline.answer).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voiced.asr import Decoder
from voiced.asr.heard_check import HeardCheck
from voiced.config import EndpointConfig
from voiced.intents import IntentMatch
from voiced.listener import CaptureProgress

log = logging.getLogger(__name__)

# Input times are rounded to milliseconds where they are reported.
SAME_TIME_S = 0.002


@dataclass
class Speculation:
    """One guess that the command ended at a pause."""

    progress: CaptureProgress
    # The decoding of the audio up to the pause, taken where the audio is fed.
    decode: Decoder
    # Set once it is settled what the speculation is: recognised or not, a command or a
    # question whose answer began.
    ready: threading.Event = field(default_factory=threading.Event)
    transcript: str = ""
    # The wake phrase began the text (heard where an answer to a question was awaited).
    woke: bool = False
    match: IntentMatch | None = None
    # When the transcript and its match were known; None when recognition failed.
    recognized_at: float | None = None
    # What was prepared for a question: the pipeline's turn, held unheard, the state of
    # its reply, and the error that ended it (set on the speculation thread, read after
    # it ends).
    turn: Any = None
    reply_state: Any = None
    error: BaseException | None = None
    discarded: bool = False
    # Whether the audio supports a command that would change something, heard with the
    # command bias (a second decoding without it); None when there was nothing to check.
    # `checked` is set once that is settled, after `ready`.
    heard: HeardCheck | None = None
    checked: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set when the speculation worker is done with it (a held answer streamed to its end).
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def speech_end_at_s(self) -> float:
        """Input time of the last speech it heard."""
        return self.progress.wake.at_s + self.progress.last_speech_end_s

    @property
    def recognized(self) -> bool:
        return self.ready.is_set() and self.recognized_at is not None

    @property
    def complete_command(self) -> bool:
        """A whole command that names configured things: the turn may end here."""
        return (
            self.recognized
            and self.match is not None
            and self.match.complete
            and not self.progress.follow_up
        )

    def discard(self) -> None:
        with self.lock:
            self.discarded = True
            turn = self.turn
        if turn is not None:
            turn.cancel()

    def finished(self) -> None:
        """Wait until the worker is done with it (it streams a held answer to its end)."""
        self.done.wait()


class Speculator:
    """Owned by the listening thread: starts at most one speculation at a pause, discards
    it when speech resumes, and hands it over at the endpoint. Speculations run one after
    another on one long-lived worker thread, started on first use."""

    def __init__(self, config: EndpointConfig, run: Callable[[Speculation], None]) -> None:
        self.config = config
        self._run = run
        self._current: Speculation | None = None
        # A discarded one the worker may still be decoding: none starts until it ends.
        self._previous: Speculation | None = None
        self.discarded = 0
        self._queue: queue.Queue[Speculation | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.config.speculate_after_seconds > 0

    @property
    def current(self) -> Speculation | None:
        return self._current

    def update(self, progress: CaptureProgress | None) -> Speculation | None:
        """Follow the command being heard; return a speculation if one started now."""
        current = self._current
        if current is not None and (
            progress is None or progress.last_speech_end_s > current.progress.last_speech_end_s
        ):
            log.info("speech went on after the pause: speculation discarded")
            self._discard()
        if progress is None or not self.enabled or self._current is not None:
            return None
        if progress.pause_s + 1e-9 < self.config.speculate_after_seconds:
            return None
        if progress.length_s > self.config.speculate_max_seconds:
            return None
        if self._previous is not None and not self._previous.done.is_set():
            return None
        speculation = Speculation(progress, progress.session.decoder())
        self._current = speculation
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="speculation", daemon=True)
            self._worker.start()
        self._queue.put(speculation)
        return speculation

    def take(self, speech_end_at_s: float) -> tuple[Speculation | None, int]:
        """At the endpoint of a command whose speech ended at `speech_end_at_s` (input
        time): the speculation on the whole command, if speech did not go on after it, and
        how many were discarded on the way. Starts afresh."""
        current = self._current
        if current is not None and speech_end_at_s > current.speech_end_at_s + SAME_TIME_S:
            self._discard()  # cut at the length cap while speech went on
        taken, discarded = self._current, self.discarded
        self._current, self.discarded = None, 0
        return taken, discarded

    def reset(self) -> None:
        """The command was dropped: nothing speculated on it is wanted."""
        if self._current is not None:
            self._discard()
        self.discarded = 0

    def close(self) -> None:
        """End the worker (after the speculation it may be running)."""
        self.reset()
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout=2)
            self._worker = None

    def _work(self) -> None:
        while (speculation := self._queue.get()) is not None:
            try:
                self._run(speculation)
            except Exception:  # one failed speculation; the endpoint decodes it again
                log.exception("speculation failed")
            finally:
                speculation.checked.set()
                speculation.done.set()

    def _discard(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.discard()
            self._previous = current
            self.discarded += 1
