"""The language model: one worker thread owns llama-cpp-python's Llama, pinned to
chosen cores, and keeps the conversation within its token budget.

The worker loads the model, gets the system prompt into the KV cache (from disk when it
was kept there) and then answers one request at a time (voiced/llama_answer.py), each
into its own `Generation` (voiced/generation.py).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from pathlib import Path
from typing import Any

from voiced import prompt_cache
from voiced.cores import lower_this_thread, resolve_cpus, shares_every_core
from voiced.errors import ModelError
from voiced.generation import Conversation, Generation
from voiced.gguf_tensors import GGUF_MAGIC
from voiced.give_way import AUDIO_FIRST, GiveWay
from voiced.health import Health
from voiced.llama_answer import PROMPT_SLICE_TOKENS, LlamaAnswer
from voiced.llm_config import LocalLlmConfig
from voiced.mapped_pages import release_unread_pages
from voiced.messages import Stop
from voiced.native_threads import may_be_left
from voiced.next_prompt import next_prompt_prefix

log = logging.getLogger(__name__)

# How long close() waits for the worker: while it loads, for the system prompt's
# evaluation to stop (a slice of it, on a slow machine at the worker's low priority);
# after, for a model call to stop, or to give up on a worker stuck in one.
LOAD_CLOSE_WAIT_SECONDS = 10.0
CLOSE_WAIT_SECONDS = 2.0


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


def llm_give_way(config: LocalLlmConfig, cpus: list[int] | None) -> GiveWay | None:
    """What an LLM pinned to `cpus` gives way to: on cores it shares with the audio path,
    the calls a person waits on there (voiced/give_way.py)."""
    return AUDIO_FIRST if config.give_way and shares_every_core(cpus) else None


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
        self.give_way = llm_give_way(config, self.cpus)
        self.conversation = Conversation(config.system_prompt, config.history_token_budget)
        # How the system prompt came to be in the KV cache: "evaluated" or "loaded"
        # (from this file).
        self.system_prompt_source = ""
        self.prompt_cache_path: Path | None = None
        self.native_thread_id = 0
        self._requests: queue.Queue[Generation | Stop] = queue.Queue()
        # The next prompt's start, evaluated while idle; a request stops it.
        self._preparing = Generation("")
        # The system prompt's evaluation and the warm-up answer at load; close() stops them.
        self._warming = Generation("")
        self._constructed = threading.Event()
        self._loaded = threading.Event()
        self._load_error: BaseException | None = None
        # Set by the worker's thread once it has made its last model call.
        self._ended = threading.Event()
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
        # Queued first: the worker starts an idle evaluation only on an empty queue, so
        # the one cancelled next is the one that may be running.
        self._requests.put(generation)
        self._preparing.cancel()
        return generation

    def close(self) -> None:
        self._requests.put(Stop())
        self._preparing.cancel()
        self._warming.cancel()
        # A cancelled model call stops within a slice of its prompt or a token; a failed
        # start-up closes the worker mid-load, where that slice may be slow, so it is
        # waited for longer. A worker still in a call after the wait (a turn on a starved
        # machine, a prompt cache read from a stalled card, which nothing can cancel) is
        # left to finish it, so that a stop is not held by it. Its thread holds the
        # worker: the model is freed when the thread ends, never under it (a reload
        # drops the old one meanwhile), and a process that exits before then ends
        # without tearing down under it (voiced/native_threads.py).
        wait_seconds = CLOSE_WAIT_SECONDS if self._loaded.is_set() else LOAD_CLOSE_WAIT_SECONDS
        may_be_left(self._thread.name, self._ended)
        if not self._ended.wait(wait_seconds):
            log.warning(
                "the LLM worker is still in a model call after %g s: left to end it", wait_seconds
            )

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self._ended.set()

    def _serve(self) -> None:
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
            self._answer = LlamaAnswer(self._llama, self.model_path, self.config, self.give_way)
            self._warm_up()
        except BaseException as err:  # reported to whoever waits for readiness
            self._load_error = err
            self._loaded.set()
            return
        self._loaded.set()
        while True:
            generation = self._requests.get()
            if isinstance(generation, Stop):
                return
            try:
                with self.health.busy("llm", self.config.turn_timeout_seconds):
                    self._answer.answer(generation, self.conversation)
            except BaseException as err:  # the turn fails, the worker lives on
                log.exception("LLM generation failed")
                generation.fail(err)
            finally:
                generation.end()
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
        if self.config.mmap:  # the warm-up reads back only the pages inference uses
            release_unread_pages(self.model_path)
        return llama

    def _warm_up(self) -> None:
        """Get the system prompt into the KV cache (from disk when it was saved before),
        then run one short answer so that the first turn pays for nothing but itself."""
        system = self._answer.template.system_tokens(self.conversation.system_prompt)
        cache = None
        if self.config.prompt_cache:
            cache = prompt_cache.cache_path(self.model_path, system, self.config.context_tokens)
            self.prompt_cache_path = cache
        if cache is not None and prompt_cache.load(self._llama, cache, system):
            self.system_prompt_source = "loaded"
        else:
            if not self._answer.evaluate(system, self._warming):
                raise ModelError(f"LLM model {self.model_path} closed before it was ready")
            self.system_prompt_source = "evaluated"
            if cache is not None:
                try:
                    prompt_cache.save(self._llama, cache, system)
                except OSError as err:
                    log.warning("cannot keep the evaluated system prompt: %s", err)
        log.info("system prompt of %d tokens %s", len(system), self.system_prompt_source)
        for _token in self._answer.tokens(
            self._answer.template.tokens(self.conversation.messages("Hello.")), self._warming
        ):
            break
        # Forget the warm-up turn: the next prompt reuses only the system prompt's cells.
        self._llama.n_tokens = len(system)

    def _prepare_next_prompt(self, generation: Generation) -> None:
        """Evaluate the start of the next turn's prompt now, while idle (the answer just
        given included, until a discarded speculation's turns it out)."""
        exchange = generation.exchange
        if exchange is None or generation.cut:  # the turn keeps what it said, later
            return
        self._preparing = preparing = Generation("")
        if not self._requests.empty():
            return
        pending = (exchange.user, exchange.assistant) if generation.speculative else None
        try:
            with self.health.busy("llm", self.config.turn_timeout_seconds):
                prefix = next_prompt_prefix(
                    self._answer.template, self.conversation.messages("")[:-1], pending
                )
                self._answer.evaluate(prefix, preparing)
        except Exception:  # the next turn evaluates it
            log.exception("evaluating the next prompt's start failed")

    def remember(self, generation: Generation, said: str | None = None) -> None:
        """Keep a speculative answer, adopted after all, in the history, or `said`: what
        was heard of a cut answer, in its place; a discarded one is simply never kept.
        Called after a turn's reply, on the turn thread: the worker may be reading the
        history for an idle evaluation then, which at worst evaluates a prefix the next
        prompt does not share (the next turn evaluates what differs)."""
        self.conversation.remember(generation, said, self._answer.count_tokens)
