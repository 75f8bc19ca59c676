"""One answer of a language model as the turn sees it: the conversation it belongs to,
and the `Generation`, a stream of typed messages that an engine's thread fills and the
turn's thread reads.

Whatever the engine (llama.cpp on this machine, a server, a test's fake), it puts a
`Piece` for each bit of text, a `GenerationFailed` if the answer broke off, and a
`GenerationEnded` last, always.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from voiced.errors import VoicedError

# Tokens the chat template adds around each message (role markers, separators).
TOKENS_PER_MESSAGE = 4


class LlmError(VoicedError):
    """Generation failed for one turn."""


@dataclass
class Exchange:
    user: str
    assistant: str
    tokens: int


@dataclass
class Conversation:
    """The history of one process: the system prompt always, then the newest exchanges
    that fit the token budget."""

    system_prompt: str
    budget_tokens: int
    exchanges: list[Exchange] = field(default_factory=list)

    def messages(self, user: str) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": self.system_prompt}]
        for exchange in self.exchanges:
            messages.append({"role": "user", "content": exchange.user})
            messages.append({"role": "assistant", "content": exchange.assistant})
        messages.append({"role": "user", "content": user})
        return messages

    def add(self, exchange: Exchange) -> None:
        if not exchange.assistant:  # nothing was said: the question stays unanswered
            return
        self.exchanges.append(exchange)
        while self.exchanges and self.history_tokens() > self.budget_tokens:
            self.exchanges.pop(0)

    def remember(
        self, generation: Generation, said: str | None, count_tokens: Callable[[str], int]
    ) -> None:
        """Keep a speculative answer, adopted after all, or `said`: what was heard of a
        cut answer, in its place (instead of the whole answer, where the engine kept
        that already), counted by the engine's `count_tokens`."""
        if said is None:
            if generation.exchange is not None:
                self.add(generation.exchange)
            return
        tokens = count_tokens(generation.user) + count_tokens(said)
        heard = Exchange(generation.user, said, tokens)
        # By identity: an earlier exchange may hold the same words.
        if not any(exchange is generation.exchange for exchange in self.exchanges):
            self.add(heard)
            return
        # A new list in one assignment: the engine's thread may be reading the old one.
        # Nothing heard: the question stays unanswered.
        self.exchanges = [
            heard if exchange is generation.exchange else exchange
            for exchange in self.exchanges
            if said or exchange is not generation.exchange
        ]

    def history_tokens(self) -> int:
        return sum(exchange.tokens for exchange in self.exchanges)


@dataclass(frozen=True)
class Piece:
    """The next bit of the answer's text."""

    text: str


@dataclass(frozen=True)
class GenerationFailed:
    """The answer broke off: the reader raises `LlmError` from `error`."""

    error: BaseException


@dataclass(frozen=True)
class GenerationEnded:
    """Nothing follows: the answer is whole, cut (see `finish_reason`) or failed."""


GenerationMessage = Piece | GenerationFailed | GenerationEnded


# How a generation ends when it is cut short (Generation.finish_reason).
CUT_SHORT = frozenset({"length", "timeout", "cancelled"})


@dataclass
class Generation:
    """One request's stream of text pieces, filled by the engine's thread."""

    user: str
    pieces: queue.Queue[GenerationMessage] = field(default_factory=queue.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    first_token_at: float | None = None
    done_at: float | None = None
    completion_tokens: int = 0
    # The whole prompt of this turn, and how many of its tokens were evaluated for it
    # (the rest were already in the KV cache).
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    # "stop" (the model ended), "length" (the token cap), "timeout" (the wall-clock
    # limit), "cancelled", or None while running.
    finish_reason: str | None = None
    # Asked before the question was known to be complete: its exchange joins the history
    # only when the answer is adopted (the engine's `remember`).
    speculative: bool = False
    exchange: Exchange | None = None
    # Called once on cancel: an engine closes its stream there, to stop at once.
    _on_cancel: list[Callable[[], None]] = field(default_factory=list)
    _cancel_lock: threading.Lock = field(default_factory=threading.Lock)

    # The engine's thread.

    def put(self, text: str) -> None:
        self.pieces.put(Piece(text))

    def fail(self, error: BaseException) -> None:
        self.pieces.put(GenerationFailed(error))

    def end(self) -> None:
        """The last message: what the answer's figures say is final from here on."""
        self.done_at = time.monotonic()
        self.pieces.put(GenerationEnded())

    @property
    def cut(self) -> bool:
        """Stopped before the model ended it: its last sentence was not said whole, nor
        perhaps anything after a barge-in. Only the turn knows what was said: it keeps
        that in the history (the engine's `remember`), not the engine."""
        return self.finish_reason in CUT_SHORT

    # The reader's thread.

    def __iter__(self) -> Iterator[str]:
        while True:
            message = self.pieces.get()
            if isinstance(message, GenerationEnded):
                return
            if isinstance(message, GenerationFailed):
                raise LlmError(f"generation failed: {message.error}") from message.error
            yield message.text

    def cancel(self) -> None:
        with self._cancel_lock:
            self.cancelled.set()
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call `callback` on cancel: now, if it was cancelled already."""
        with self._cancel_lock:
            if not self.cancelled.is_set():
                self._on_cancel.append(callback)
                return
        callback()
