"""The language model: one worker thread owns llama-cpp-python's Llama, pinned to
chosen cores, and keeps the conversation within its token budget."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiced.config import LlmConfig
from voiced.errors import ModelError, VoicedError
from voiced.health import Health

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
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
        self.exchanges.append(exchange)
        while self.exchanges and self.history_tokens() > self.budget_tokens:
            self.exchanges.pop(0)

    def history_tokens(self) -> int:
        return sum(exchange.tokens for exchange in self.exchanges)


@dataclass
class Generation:
    """One request's stream of text pieces, filled by the worker."""

    user: str
    pieces: queue.Queue[str | BaseException | None] = field(default_factory=queue.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    first_token_at: float | None = None
    done_at: float | None = None
    completion_tokens: int = 0
    # "stop" (the model ended), "length" (the token cap), or None while running.
    finish_reason: str | None = None

    def __iter__(self) -> Iterator[str]:
        while True:
            piece = self.pieces.get()
            if piece is None:
                return
            if isinstance(piece, BaseException):
                raise LlmError(f"generation failed: {piece}") from piece
            yield piece

    def cancel(self) -> None:
        self.cancelled.set()


def check_gguf(path: Path) -> None:
    if not path.is_file():
        raise ModelError(f"LLM model missing: {path}", fix="scripts/fetch-models")
    with path.open("rb") as file:
        magic = file.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"LLM model {path} is not a GGUF file (it starts with {magic!r})",
            fix="scripts/fetch-models",
        )


def resolve_cpus(cpus: str | list[int]) -> list[int] | None:
    """The cores to pin to, or None to leave the worker unpinned."""
    if cpus == "all":
        return None
    available = os.sched_getaffinity(0)
    chosen = [cpu for cpu in cpus if cpu in available]
    if not chosen:
        raise ModelError(
            f"llm.cpus {cpus} names no core this process may use ({sorted(available)})"
        )
    return chosen


class LlmWorker:
    """Owns the model on one thread; `ask` queues a request and returns its stream."""

    def __init__(self, model_path: Path, config: LlmConfig, health: Health | None = None) -> None:
        check_gguf(model_path)
        self.health = health or Health()
        self.model_path = model_path
        self.config = config
        self.cpus = resolve_cpus(config.cpus)
        self.threads = config.threads or (len(self.cpus) if self.cpus else os.cpu_count() or 1)
        self.conversation = Conversation(config.system_prompt, config.history_token_budget)
        self._requests: queue.Queue[Generation | None] = queue.Queue()
        self._constructed = threading.Event()
        self._loaded = threading.Event()
        self._load_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="llm", daemon=True)
        self._thread.start()

    def wait_constructed(self) -> None:
        """Wait until the model is read in. llama-cpp-python silences the process's stderr
        while it reads the file, so nothing else should log until then."""
        self._constructed.wait()

    def wait_ready(self, timeout_seconds: float | None = None) -> None:
        """Wait until the model is loaded and its system prompt evaluated."""
        if not self._loaded.wait(timeout_seconds):
            raise ModelError(f"LLM model {self.model_path} did not load in {timeout_seconds} s")
        if self._load_error is not None:
            raise ModelError(
                f"LLM model {self.model_path} cannot be loaded ({self._load_error})",
                fix="scripts/fetch-models",
            ) from self._load_error

    def ask(self, user: str) -> Generation:
        generation = Generation(user)
        self._requests.put(generation)
        return generation

    def close(self) -> None:
        self._requests.put(None)
        # A worker stuck in a model call is abandoned: it is a daemon thread.
        self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            if self.cpus is not None:
                # Before llama.cpp starts its threads: they inherit this thread's affinity.
                os.sched_setaffinity(0, self.cpus)
            try:
                self._llama = self._load()
            finally:
                self._constructed.set()
            self._warm_up()
        except BaseException as err:  # reported to whoever waits for readiness
            self._load_error = err
            self._loaded.set()
            return
        self._loaded.set()
        while True:
            generation = self._requests.get()
            if generation is None:
                return
            try:
                with self.health.busy("llm", self.config.turn_timeout_seconds):
                    self._generate(generation)
            except BaseException as err:  # the turn fails, the worker lives on
                log.exception("LLM generation failed")
                generation.pieces.put(err)
            finally:
                generation.done_at = time.monotonic()
                generation.pieces.put(None)

    def _load(self) -> Any:
        from llama_cpp import Llama

        return Llama(
            model_path=str(self.model_path),
            n_ctx=self.config.context_tokens,
            n_threads=self.threads,
            n_threads_batch=self.threads,
            seed=self.config.seed,
            verbose=False,
        )

    def _warm_up(self) -> None:
        """Evaluate the system prompt once, so the first turn pays only for its own words."""
        self._llama.create_chat_completion(
            messages=self.conversation.messages("Hello.")[:1], max_tokens=1, temperature=0.0
        )

    def _count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False)) + TOKENS_PER_MESSAGE

    def _generate(self, generation: Generation) -> None:
        stream = self._llama.create_chat_completion(
            messages=self.conversation.messages(generation.user),
            max_tokens=self.config.max_tokens,
            temperature=self.config.temperature,
            top_p=self.config.top_p,
            seed=self.config.seed,
            stream=True,
        )
        reply = []
        deadline = time.monotonic() + self.config.turn_timeout_seconds
        for chunk in stream:
            if generation.cancelled.is_set():
                break
            if time.monotonic() > deadline:
                log.warning("answer cut at the %.0f s limit", self.config.turn_timeout_seconds)
                generation.finish_reason = "length"
                break
            choice = chunk["choices"][0]
            generation.finish_reason = choice.get("finish_reason") or generation.finish_reason
            piece = choice["delta"].get("content")
            if not piece:
                continue
            if generation.first_token_at is None:
                generation.first_token_at = time.monotonic()
            generation.completion_tokens += 1
            reply.append(piece)
            generation.pieces.put(piece)
        answer = "".join(reply).strip()
        tokens = self._count_tokens(generation.user) + self._count_tokens(answer)
        self.conversation.add(Exchange(generation.user, answer, tokens))
