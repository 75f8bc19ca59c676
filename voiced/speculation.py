"""Answering inside the silence: at a pause in a command, recognise what was said so far
(and begin answering a question, unheard) while the rest of the endpoint silence is
waited out. Speech resuming discards it; the confirmed endpoint adopts it.

Nothing a person would notice happens here: no playback, no device action, no timer,
no history. Those wait for the confirmed command (voiced.turn.router).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from voiced.asr import Decoder
from voiced.asr.heard_check import HeardCheck
from voiced.config import EndpointConfig
from voiced.intents import IntentMatch
from voiced.intents.tools import ToolCallSniffer
from voiced.listener import CaptureProgress
from voiced.messages import Stop
from voiced.turn.turn import Turn

log = logging.getLogger(__name__)

# Input times are rounded to milliseconds where they are reported.
SAME_TIME_S = 0.002


@dataclass(frozen=True)
class Recognized:
    """What the command so far was heard as."""

    transcript: str
    # The wake phrase began the text (heard where an answer to a question was awaited).
    woke: bool
    match: IntentMatch | None
    # When the transcript and its match were known (time.monotonic).
    at: float


@dataclass(frozen=True)
class HeldAnswer:
    """How the answer to a question, begun unheard, ended: what the model said (to act
    on a tool call), or the error that stopped it."""

    said: ToolCallSniffer | None = None
    error: Exception | None = None


class Speculation:
    """One guess that the command ended at a pause.

    Made on the listening thread, worked on by the speculation thread. Each result is
    written once by the speculation thread before the event that announces it is set,
    and read by others only after waiting for that event: `ready` (what it was heard as,
    and the turn begun for a question), `checked` (the heard check), `done` (how the held
    answer ended). Being discarded and the turn begun are guarded by `_lock`."""

    def __init__(self, progress: CaptureProgress, decode: Decoder) -> None:
        self.progress = progress
        # The decoding of the audio up to the pause, taken where the audio is fed.
        self.decode = decode
        self.ready = threading.Event()
        self.checked = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._discarded = False
        self._recognized: Recognized | None = None
        self._turn: Turn | None = None
        self._heard: HeardCheck | None = None
        self._answer = HeldAnswer()

    @property
    def speech_end_at_s(self) -> float:
        """Input time of the last speech it heard."""
        return self.progress.wake.at_s + self.progress.last_speech_end_s

    @property
    def discarded(self) -> bool:
        with self._lock:
            return self._discarded

    @property
    def recognized(self) -> Recognized | None:
        """What it was heard as, once that is settled; None before, or when recognition
        failed."""
        return self._recognized if self.ready.is_set() else None

    @property
    def complete_command(self) -> bool:
        """A whole command that names configured things: the turn may end here."""
        recognized = self.recognized
        return (
            recognized is not None
            and recognized.match is not None
            and recognized.match.complete
            and not self.progress.follow_up
        )

    # On the speculation thread.

    def settle(
        self, recognized: Recognized | None, begin: Callable[[], Turn] | None
    ) -> Turn | None:
        """Say what it was heard as; `begin` starts the turn that answers a question,
        unless it was discarded already. Returns that turn."""
        with self._lock:
            self._recognized = recognized
            if begin is not None and not self._discarded:
                self._turn = begin()
            turn = self._turn
        self.ready.set()
        return turn

    def settle_check(self, heard: HeardCheck | None) -> None:
        self._heard = heard
        self.checked.set()

    def settle_answer(self, answer: HeldAnswer) -> None:
        self._answer = answer

    def end(self) -> None:
        """The worker is done with it, whatever happened: every waiter is let go."""
        self.ready.set()
        self.checked.set()
        self.done.set()

    # On any other thread.

    def wait_recognized(self) -> Recognized | None:
        self.ready.wait()
        return self._recognized

    def turn(self) -> Turn | None:
        """The turn begun for a question (after `ready`)."""
        self.ready.wait()
        with self._lock:
            return self._turn

    def heard_check(self) -> HeardCheck | None:
        self.checked.wait()
        return self._heard

    def finished(self) -> HeldAnswer:
        """Wait until the worker is done with it (it streams a held answer to its end)."""
        self.done.wait()
        return self._answer

    def discard(self) -> None:
        with self._lock:
            self._discarded = True
            turn = self._turn
        if turn is not None:
            turn.cancel()


@dataclass(frozen=True)
class Taken:
    """At the endpoint: the speculation on the whole command, if any, and how many were
    discarded on the way."""

    speculation: Speculation | None = None
    discarded: int = 0


class Speculator:
    """Owned by the listening thread: starts at most one speculation at a pause, discards
    it when speech resumes, and hands it over at the endpoint. Speculations run one after
    another on one worker thread (`work`, started by voiced.turn.loop)."""

    def __init__(self, config: EndpointConfig, run: Callable[[Speculation], None]) -> None:
        self.config = config
        self._run = run
        self._current: Speculation | None = None
        self.discarded = 0
        self._queue: queue.Queue[Speculation | Stop] = queue.Queue()
        self.threads: list[threading.Thread] = []

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
        # Queued at once, even behind a discarded one the worker is still decoding: the
        # worker takes it the moment it is free, not at the next chunk after.
        speculation = Speculation(progress, progress.session.decoder())
        self._current = speculation
        self._queue.put(speculation)
        return speculation

    def take(self, speech_end_at_s: float) -> Taken:
        """At the endpoint of a command whose speech ended at `speech_end_at_s` (input
        time): the speculation on the whole command, if speech did not go on after it, and
        how many were discarded on the way. Starts afresh."""
        current = self._current
        if current is not None and speech_end_at_s > current.speech_end_at_s + SAME_TIME_S:
            self._discard()  # cut at the length cap while speech went on
        taken = Taken(self._current, self.discarded)
        self._current, self.discarded = None, 0
        return taken

    def reset(self) -> None:
        """The command was dropped: nothing speculated on it is wanted."""
        if self._current is not None:
            self._discard()
        self.discarded = 0

    def close(self) -> None:
        """End the worker (after the speculation it may be running)."""
        self.reset()
        self._queue.put(Stop())
        for thread in self.threads:
            thread.join(timeout=2)

    def work(self) -> None:
        """The speculation thread: one speculation after another."""
        while not isinstance(speculation := self._queue.get(), Stop):
            try:
                # Discarded while queued (speech went on): nothing of it is wanted.
                if not speculation.discarded:
                    self._run(speculation)
            except Exception:  # one failed speculation; the endpoint decodes it again
                log.exception("speculation failed")
            finally:
                speculation.end()

    def _discard(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.discard()
            self.discarded += 1
