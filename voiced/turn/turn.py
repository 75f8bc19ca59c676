"""One turn in progress, and the slot that lets another thread cut it."""

from __future__ import annotations

import logging
import threading
import time

from voiced.generation import Generation
from voiced.report import TurnReport
from voiced.speaker import Reply, Speaker

log = logging.getLogger(__name__)


class Turn:
    """One turn in progress: its report, the moments its stages reached, its reply and the
    sentences spoken.

    Written by one thread at a time: the speculation thread while it answers a question
    (held unheard until the endpoint releases it), then, once `Speculation.finished`
    returns, the turn thread. `cancel` may come
    from any thread: what it touches (`cancelled`, `reply`, `generation`, `held`) is
    guarded by `_lock`."""

    def __init__(
        self, turn_id: int, speaker: Speaker, report: TurnReport, held: bool = False
    ) -> None:
        self.turn_id = turn_id
        self.speaker = speaker
        self.report = report
        self._lock = threading.Lock()
        # A speculative turn's reply is prepared but not played until it is released.
        self._held = held
        self._reply: Reply | None = None
        self._generation: Generation | None = None
        self._cancelled = False
        # Stage name -> when it was reached (time.monotonic), in the order reached;
        # voiced.turn.record derives the report's timings from them.
        self.marks: dict[str, float | None] = {}
        self.spoken: list[str] = []
        # How many of `spoken` are the model's answer (they come first).
        self.model_sentences = 0
        # Whether a sentence of the model's was left unsaid (it read out its instructions).
        self.model_unsaid = False

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    @property
    def reply(self) -> Reply | None:
        with self._lock:
            return self._reply

    @property
    def generation(self) -> Generation | None:
        with self._lock:
            return self._generation

    def generating(self, generation: Generation) -> None:
        """The model is answering: a cut from now on stops it too."""
        with self._lock:
            self._generation = generation
            if self._cancelled:
                generation.cancel()

    def begin(self) -> Reply:
        with self._lock:
            if self._reply is None:
                self._reply = self.speaker.begin(held=self._held)
                if self._cancelled:
                    self._reply.cancelled.set()
            return self._reply

    def release(self) -> None:
        with self._lock:
            self._held = False
            if self._reply is not None:
                self._reply.released.set()

    def cancel(self) -> None:
        """Stop generating and drop the audio not yet played (also of what comes later)."""
        with self._lock:
            self._cancelled = True
            if self._generation is not None:
                self._generation.cancel()
            if self._reply is not None:
                self._reply.cancelled.set()

    def mark(self, stage: str) -> None:
        """The turn reached `stage` now."""
        self.marks[stage] = time.monotonic()

    def reached(self, stage: str, at: float | None) -> None:
        """The turn reached `stage` at `at` (time.monotonic); None: it did not happen."""
        self.marks[stage] = at

    def speak(self, sentence: str, cached: bool = False) -> None:
        """Say a sentence; a `cached` one (a fixed phrase, a command's confirmation) is
        kept by the voice and said at once the next time."""
        self.marks.setdefault("first_sentence_s", time.monotonic())
        self.spoken.append(sentence)
        self.speaker.say(self.begin(), sentence, cached)

    def log(
        self,
        message: str,
        *args: object,
        stage: str,
        level: int = logging.INFO,
        exc_info: BaseException | None = None,
        **fields: object,
    ) -> None:
        # Under systemd these become journal fields: TURN_ID, STAGE, LATENCY_S.
        extra = {"TURN_ID": self.turn_id, "STAGE": stage, **fields}
        log.log(level, f"turn %d {message}", self.turn_id, *args, extra=extra, exc_info=exc_info)


class CurrentTurn:
    """The turn being answered, so that the listening thread can cut it (barge-in, stop).
    A cut asked for before a turn thread has begun its turn (it may still wait for a
    speculation's decode) is kept for that thread and applied as its turn begins; the
    thread of a later command, started meanwhile, is not cut by it. Guarded by one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._turn: Turn | None = None
        # The thread about to begin a turn, and the threads cut before theirs began.
        self._expected: threading.Thread | None = None
        self._cut_before_start: set[threading.Thread] = set()

    def expect(self, thread: threading.Thread) -> None:
        """`thread` is about to begin a turn (not started yet, or the caller's own): no cut
        is pending for it yet."""
        with self._lock:
            self._expected = thread
            self._cut_before_start = {
                waiting
                for waiting in self._cut_before_start
                if waiting.is_alive() and waiting is not thread
            }

    def begin(self, turn: Turn) -> None:
        """Make `turn` the one a cut reaches; cut it now if its thread was cut already."""
        me = threading.current_thread()
        with self._lock:
            self._turn = turn
            cut = me in self._cut_before_start
            self._cut_before_start.discard(me)
        if cut:
            turn.log("cut before it began", stage="turn")
            turn.cancel()

    def end(self, turn: Turn) -> None:
        """`turn` is over (its reply played): a cut no longer reaches it."""
        with self._lock:
            if self._turn is turn:
                self._turn = None

    def cut(self) -> None:
        """Cut the turn being answered, or the one about to begin."""
        with self._lock:
            turn = self._turn
            if turn is None and self._expected is not None:
                self._cut_before_start.add(self._expected)
        if turn is not None:
            turn.cancel()
