"""The language model: one worker thread owns llama-cpp-python's Llama, pinned to
chosen cores, and keeps the conversation within its token budget.

The chat prompt is rendered from the model's own template and evaluated by the worker in
short slices, so that a cancelled or overdue turn stops between two slices even while a
long prompt is read; the system prompt stays in the KV cache (and on disk), and each turn
evaluates only the tokens that follow what is already cached.
"""

from __future__ import annotations

import codecs
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiced import prompt_cache
from voiced.cores import lower_this_thread, resolve_cpus
from voiced.errors import ModelError, VoicedError
from voiced.health import Health
from voiced.llm_config import LocalLlmConfig
from voiced.mapped_pages import release_unread_pages
from voiced.next_prompt import next_prompt_prefix

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
# Tokens the chat template adds around each message (role markers, separators).
TOKENS_PER_MESSAGE = 4
# Prompt tokens evaluated between two looks at the cancel flag and the deadline: small
# enough to stop within tens of milliseconds, large enough to keep batched evaluation fast.
PROMPT_SLICE_TOKENS = 32


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
    # The whole prompt of this turn, and how many of its tokens were evaluated for it
    # (the rest were already in the KV cache).
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    # "stop" (the model ended), "length" (the token cap), "timeout" (the wall-clock
    # limit), "cancelled", or None while running.
    finish_reason: str | None = None
    # Asked before the question was known to be complete: its exchange joins the history
    # only when the answer is adopted (LlmWorker.remember).
    speculative: bool = False
    exchange: Exchange | None = None
    # Called once on cancel: an engine closes its stream there, to stop at once.
    _on_cancel: list[Callable[[], None]] = field(default_factory=list)
    _cancel_lock: threading.Lock = field(default_factory=threading.Lock)

    def __iter__(self) -> Iterator[str]:
        while True:
            piece = self.pieces.get()
            if piece is None:
                return
            if isinstance(piece, BaseException):
                raise LlmError(f"generation failed: {piece}") from piece
            yield piece

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


def common_prefix(cached: Any, tokens: list[int]) -> int:
    count = 0
    for old, new in zip(cached, tokens, strict=False):
        if old != new:
            break
        count += 1
    return count


class ChatTemplate:
    """The model's own chat template, from its GGUF metadata, rendered to tokens."""

    def __init__(self, llama: Any, model_path: Path) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"LLM model {model_path} has no chat template in its metadata")

        def text_of(token: int) -> str:
            return "" if token < 0 else llama.detokenize([token], special=True).decode()

        self._llama = llama
        self._format = Jinja2ChatFormatter(
            template, eos_token=text_of(llama.token_eos()), bos_token=text_of(llama.token_bos())
        )

    def tokens(self, messages: list[dict[str, str]]) -> list[int]:
        rendered = self._format(messages=messages)  # type: ignore[arg-type]
        return list(
            self._llama.tokenize(
                rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
            )
        )

    def system_tokens(self, system_prompt: str) -> list[int]:
        """The tokens every prompt starts with: those two different questions share."""
        one, two = (
            self.tokens(
                [{"role": "system", "content": system_prompt}, {"role": "user", "content": q}]
            )
            for q in ("a", "b")
        )
        return one[: common_prefix(one, two)]


class LlmWorker:
    """Owns the model on one thread; `ask` queues a request and returns its stream."""

    def __init__(
        self, model_path: Path, config: LocalLlmConfig, health: Health | None = None
    ) -> None:
        check_gguf(model_path)
        self.health = health or Health()
        self.model_path = model_path
        self.config = config
        self.cpus = resolve_cpus(config.cpus)
        self.threads = config.threads or (len(self.cpus) if self.cpus else os.cpu_count() or 1)
        self.conversation = Conversation(config.system_prompt, config.history_token_budget)
        # How the system prompt came to be in the KV cache: "evaluated" or "loaded"
        # (from this file).
        self.system_prompt_source = ""
        self.prompt_cache_path: Path | None = None
        self.native_thread_id = 0
        self._requests: queue.Queue[Generation | None] = queue.Queue()
        # The next prompt's start, evaluated while idle; a request stops it.
        self._preparing = Generation("")
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
            if isinstance(self._load_error, ModelError):
                raise self._load_error
            raise ModelError(
                f"LLM model {self.model_path} cannot be loaded ({self._load_error})",
                fix="scripts/fetch-models",
            ) from self._load_error

    def ask(self, user: str, speculative: bool = False) -> Generation:
        generation = Generation(user, speculative=speculative)
        self._preparing.cancel()
        self._requests.put(generation)
        return generation

    def close(self) -> None:
        self._requests.put(None)
        # A worker stuck in a model call is abandoned: it is a daemon thread.
        self._thread.join(timeout=2)

    def _run(self) -> None:
        self.native_thread_id = threading.get_native_id()
        try:
            if self.cpus is not None:
                # Before llama.cpp starts its threads: they inherit this thread's affinity.
                os.sched_setaffinity(0, self.cpus)
            # Likewise its priority: capture and playback come first on shared cores.
            lower_this_thread(self.config.nice)
            try:
                self._llama = self._load()
            finally:
                self._constructed.set()
            self._template = ChatTemplate(self._llama, self.model_path)
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
            self._prepare_next_prompt(generation)

    def _load(self) -> Any:
        import llama_cpp

        llama = llama_cpp.Llama(
            model_path=str(self.model_path),
            n_ctx=self.config.context_tokens,
            # Prompts are evaluated in slices of this many tokens: a larger batch would
            # only reserve buffers that are never used.
            n_batch=PROMPT_SLICE_TOKENS,
            n_ubatch=PROMPT_SLICE_TOKENS,
            use_mmap=self.config.mmap,
            n_threads=self.threads,
            n_threads_batch=self.threads,
            seed=self.config.seed,
            verbose=False,
        )
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        if self.config.mmap:  # the warm-up reads back only the pages inference uses
            release_unread_pages(self.model_path)
        return llama

    def _is_end(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))

    def _warm_up(self) -> None:
        """Get the system prompt into the KV cache (from disk when it was saved before),
        then run one short answer so that the first turn pays for nothing but itself."""
        system = self._template.system_tokens(self.conversation.system_prompt)
        cache = None
        if self.config.prompt_cache:
            cache = prompt_cache.cache_path(self.model_path, system, self.config.context_tokens)
            self.prompt_cache_path = cache
        if cache is not None and prompt_cache.load(self._llama, cache, system):
            self.system_prompt_source = "loaded"
        else:
            self._evaluate(system, Generation(""))
            self.system_prompt_source = "evaluated"
            if cache is not None:
                try:
                    prompt_cache.save(self._llama, cache, system)
                except OSError as err:
                    log.warning("cannot keep the evaluated system prompt: %s", err)
        log.info("system prompt of %d tokens %s", len(system), self.system_prompt_source)
        warm = Generation("Hello.")
        for _token in self._tokens(
            self._template.tokens(self.conversation.messages("Hello.")), warm
        ):
            break
        # Forget the warm-up turn: the next prompt reuses only the system prompt's cells.
        self._llama.n_tokens = len(system)

    def _count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False)) + TOKENS_PER_MESSAGE

    def _prompt(self, user: str) -> list[int]:
        """The turn's prompt, with the oldest exchanges dropped until the answer fits."""
        room = self.config.context_tokens - self.config.max_tokens
        tokens = self._template.tokens(self.conversation.messages(user))
        while len(tokens) > room and self.conversation.exchanges:
            self.conversation.exchanges.pop(0)
            tokens = self._template.tokens(self.conversation.messages(user))
        if len(tokens) > room:
            raise LlmError(
                f"the question is {len(tokens)} tokens with the system prompt; "
                f"llm.context_tokens leaves room for {room}"
            )
        return tokens

    def _stopped(self, generation: Generation, deadline: float) -> bool:
        if generation.cancelled.is_set():
            generation.finish_reason = "cancelled"
        elif time.monotonic() > deadline:
            log.warning("answer cut at the %.0f s limit", self.config.turn_timeout_seconds)
            generation.finish_reason = "timeout"
        return generation.finish_reason is not None

    def _evaluate(
        self, tokens: list[int], generation: Generation, deadline: float = float("inf")
    ) -> bool:
        """Bring the KV cache to `tokens`, evaluating only what follows the cached prefix,
        the last token always (its logits start the answer). False if stopped on the way."""
        llama = self._llama
        kept = min(common_prefix(llama.input_ids[: llama.n_tokens], tokens), len(tokens) - 1)
        llama.n_tokens = kept
        for start in range(kept, len(tokens), PROMPT_SLICE_TOKENS):
            if self._stopped(generation, deadline):
                return False
            piece = tokens[start : start + PROMPT_SLICE_TOKENS]
            llama.eval(piece)
            generation.prompt_tokens_evaluated += len(piece)
        return True

    def _tokens(self, prompt: list[int], generation: Generation) -> Iterator[int]:
        """The answer's tokens, until the model ends it, the cap, cancel or the deadline."""
        deadline = time.monotonic() + self.config.turn_timeout_seconds
        generation.prompt_tokens = len(prompt)
        if not self._evaluate(prompt, generation, deadline):
            return
        self._llama.set_seed(self.config.seed)
        sampled = self._llama.generate(
            prompt, top_p=self.config.top_p, temp=self.config.temperature, reset=True
        )
        for token in sampled:
            if self._is_end(token):
                generation.finish_reason = "stop"
                return
            if generation.completion_tokens >= self.config.max_tokens:
                generation.finish_reason = "length"
                return
            if self._stopped(generation, deadline):
                return
            generation.completion_tokens += 1
            yield token

    def _prepare_next_prompt(self, generation: Generation) -> None:
        """Evaluate the start of the next turn's prompt now, while idle (the answer just
        given included, until a discarded speculation's turns it out)."""
        exchange = generation.exchange
        if exchange is None or generation.finish_reason == "cancelled":
            return
        self._preparing = preparing = Generation("")
        if not self._requests.empty():
            return
        pending = (exchange.user, exchange.assistant) if generation.speculative else None
        try:
            with self.health.busy("llm", self.config.turn_timeout_seconds):
                prefix = next_prompt_prefix(
                    self._template, self.conversation.messages("")[:-1], pending
                )
                self._evaluate(prefix, preparing)
        except Exception:  # the next turn evaluates it
            log.exception("evaluating the next prompt's start failed")

    def remember(self, generation: Generation) -> None:
        """Keep a finished speculative answer, adopted after all, in the history. Called
        between turns, when the worker is idle; a discarded one is simply never kept."""
        if generation.exchange is not None:
            self.conversation.add(generation.exchange)

    def _generate(self, generation: Generation) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        reply = []
        for token in self._tokens(self._prompt(generation.user), generation):
            piece = decoder.decode(self._llama.detokenize([token]))
            if not piece:
                continue  # the first bytes of a character split over tokens
            if generation.first_token_at is None:
                generation.first_token_at = time.monotonic()
            reply.append(piece)
            generation.pieces.put(piece)
        answer = "".join(reply).strip()
        tokens = self._count_tokens(generation.user) + self._count_tokens(answer)
        generation.exchange = Exchange(generation.user, answer, tokens)
        if not generation.speculative:
            self.conversation.add(generation.exchange)
