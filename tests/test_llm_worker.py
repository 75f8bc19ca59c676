"""The LLM worker on the real model: what each turn evaluates, stopping inside a long
prompt, and the system prompt kept on disk across restarts."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref

import pytest

import voiced.llm
from tests.helpers import repeatable_config
from voiced import native_threads
from voiced.config import Config
from voiced.errors import ModelError
from voiced.generation import Generation, LlmError
from voiced.llm import LlmWorker
from voiced.models import Models, llm_path
from voiced.native_threads import still_running

# Every test here loads the real models.
pytestmark = pytest.mark.slow

# Far more words than any spoken question, so that reading the prompt takes many slices.
LONG_QUESTION = "Please remember these words: " + " ".join(
    f"apple{n} river{n} stone{n}" for n in range(80)
)


def answer(generation: Generation) -> str:
    return "".join(generation)


def start_worker(config: Config) -> LlmWorker:
    worker = LlmWorker(llm_path(config), config.llm)
    worker.wait_ready(120)
    return worker


@pytest.fixture
def fresh_models(models: Models) -> Models:
    models.llm.conversation.exchanges.clear()
    return models


def test_follow_up_turn_evaluates_only_its_new_tokens(fresh_models: Models) -> None:
    llm = fresh_models.llm
    first = llm.ask("What is the capital of France?")
    answer(first)
    # The system prompt was evaluated at start: only the question's tokens were read.
    assert first.prompt_tokens_evaluated < first.prompt_tokens / 2
    follow_up = llm.ask("And of Germany?")
    answer(follow_up)
    question_tokens = len(llm._llama.tokenize(b"And of Germany?", add_bos=False))
    new_tokens = follow_up.prompt_tokens - first.prompt_tokens - first.completion_tokens
    assert follow_up.prompt_tokens > first.prompt_tokens
    assert follow_up.prompt_tokens_evaluated <= new_tokens + 10
    assert follow_up.prompt_tokens_evaluated <= question_tokens + 20


def test_an_answer_cut_short_is_kept_only_as_what_was_said(fresh_models: Models) -> None:
    llm = fresh_models.llm
    assert isinstance(llm, LlmWorker)
    story = llm.ask("Tell me a long story about a dragon.")
    for _piece in zip(range(3), story, strict=False):
        pass
    story.cancel()
    answer(story)
    assert story.finish_reason == "cancelled"
    assert llm.conversation.exchanges == []  # not what the model wrote
    llm.remember(story, "Once upon a time.")
    [kept] = llm.conversation.exchanges
    assert kept.assistant == "Once upon a time."
    assert kept.tokens > len(llm._llama.tokenize(b"Once upon a time.", add_bos=False))
    llm.remember(Generation("Go on.", finish_reason="cancelled"), "")  # nothing said, none kept
    assert llm.conversation.exchanges == [kept]


def wait_for_idle_evaluation(llm: LlmWorker, cached_at_least: int) -> None:
    """Until the worker has evaluated the next prompt's start, told by its KV cache."""
    deadline = time.monotonic() + 60
    while llm._llama.n_tokens < cached_at_least:
        assert time.monotonic() < deadline, "the next prompt's start was never evaluated"
        time.sleep(0.05)


@pytest.mark.parametrize("speculative", [False, True])
def test_the_next_prompts_start_is_evaluated_while_idle(
    fresh_models: Models, speculative: bool
) -> None:
    llm = fresh_models.llm
    assert isinstance(llm, LlmWorker)
    first = llm.ask("What is the capital of France?", speculative=speculative)
    answer(first)
    if speculative:  # adopted after all
        llm.remember(first)
    # The answer and the template's tokens before the next question: in the cache.
    wait_for_idle_evaluation(llm, first.prompt_tokens + first.completion_tokens + 2)
    follow_up = llm.ask("And of Germany?")
    answer(follow_up)
    question_tokens = len(llm._llama.tokenize(b"And of Germany?", add_bos=False))
    # Its own tokens and the few that close it (end of message, the assistant's turn).
    assert follow_up.prompt_tokens_evaluated <= question_tokens + 6


def test_a_request_stops_the_idle_evaluation(fresh_models: Models) -> None:
    llm = fresh_models.llm
    assert isinstance(llm, LlmWorker)
    answer(llm.ask("What is the capital of France?"))
    idle = llm._preparing  # the idle evaluation begun (or about to) after that answer
    follow_up = llm.ask("And of Germany?")  # asked at once: it is answered, not queued
    assert idle.cancelled.is_set()
    assert answer(follow_up)
    assert "".join(llm.ask("And of Spain?"))


def test_cancel_stops_inside_a_long_prompt(fresh_models: Models) -> None:
    llm = fresh_models.llm
    generation = llm.ask(LONG_QUESTION)
    while generation.prompt_tokens_evaluated == 0 and generation.done_at is None:
        time.sleep(0.001)
    generation.cancel()
    assert answer(generation) == ""
    assert generation.finish_reason == "cancelled"
    assert 0 < generation.prompt_tokens_evaluated < generation.prompt_tokens
    # The worker goes on: the next turn is answered in full.
    after = llm.ask("What is the capital of France?")
    assert answer(after)
    assert after.finish_reason == "stop"


def test_wall_clock_limit_stops_inside_a_long_prompt() -> None:
    # A limit far shorter than reading the long prompt takes.
    worker = start_worker(repeatable_config(llm={"turn_timeout_seconds": 0.05}))
    try:
        generation = worker.ask(LONG_QUESTION)
        assert answer(generation) == ""
        assert generation.finish_reason == "timeout"
        assert generation.prompt_tokens_evaluated < generation.prompt_tokens
    finally:
        worker.close()


def test_token_cap_ends_the_answer() -> None:
    worker = start_worker(repeatable_config(llm={"max_tokens": 3}))
    try:
        generation = worker.ask("Tell me a long story about a dragon.")
        answer(generation)
        assert generation.completion_tokens == 3
        assert generation.finish_reason == "length"
    finally:
        worker.close()


def test_question_too_long_for_the_context_fails_that_turn_only() -> None:
    worker = start_worker(repeatable_config(llm={"context_tokens": 256}))
    try:
        with pytest.raises(LlmError, match=r"llm\.context_tokens leaves room"):
            answer(worker.ask(LONG_QUESTION))
        assert answer(worker.ask("Hello?"))
    finally:
        worker.close()


def test_history_is_dropped_oldest_first_when_the_context_is_full() -> None:
    worker = start_worker(
        repeatable_config(
            llm={"context_tokens": 512, "history_token_budget": 4096, "max_tokens": 16}
        )
    )
    try:
        for _ in range(6):
            answer(worker.ask(LONG_QUESTION[:400]))
        generation = worker.ask("And now?")
        answer(generation)
        assert generation.prompt_tokens <= 512 - 16
        assert len(worker.conversation.exchanges) < 7
    finally:
        worker.close()


def test_system_prompt_is_kept_on_disk_for_the_next_start() -> None:
    config = repeatable_config(llm={"system_prompt": "You are a test assistant, disk edition."})
    question = "What is the capital of France?"
    first = start_worker(config)
    try:
        evaluated_answer = answer(first.ask(question))
    finally:
        first.close()
    assert first.system_prompt_source == "evaluated"
    assert first.prompt_cache_path is not None and first.prompt_cache_path.is_file()

    second = start_worker(config)
    try:
        assert second.system_prompt_source == "loaded"
        generation = second.ask(question)
        # The same answer as from the evaluated prompt, reading only the question.
        assert answer(generation) == evaluated_answer
        assert generation.prompt_tokens_evaluated < generation.prompt_tokens / 2
    finally:
        second.close()


def test_damaged_prompt_cache_is_evaluated_again_and_rewritten() -> None:
    config = repeatable_config(llm={"system_prompt": "You are a test assistant, damaged edition."})
    start_worker(config).close()
    worker = start_worker(config)
    worker.close()
    path = worker.prompt_cache_path
    assert path is not None
    path.write_bytes(path.read_bytes()[:1000])
    damaged = start_worker(config)
    try:
        assert damaged.system_prompt_source == "evaluated"
        assert answer(damaged.ask("Hello?"))
    finally:
        damaged.close()
    assert start_worker(config).system_prompt_source == "loaded"


def test_a_new_system_prompt_replaces_the_saved_one() -> None:
    old = start_worker(repeatable_config(llm={"system_prompt": "You are version one."}))
    old.close()
    new = start_worker(repeatable_config(llm={"system_prompt": "You are version two."}))
    new.close()
    assert new.system_prompt_source == "evaluated"
    assert old.prompt_cache_path is not None and not old.prompt_cache_path.exists()


def test_prompt_cache_can_be_turned_off() -> None:
    config = repeatable_config(llm={"prompt_cache": False, "system_prompt": "You are uncached."})
    for _ in range(2):
        worker = start_worker(config)
        worker.close()
        assert worker.system_prompt_source == "evaluated"
        assert worker.prompt_cache_path is None


def test_worker_runs_at_the_configured_niceness() -> None:
    lowered = min(os.getpriority(os.PRIO_PROCESS, 0) + 7, 19)
    worker = start_worker(repeatable_config(llm={"nice": lowered}))
    try:
        assert os.getpriority(os.PRIO_PROCESS, worker.native_thread_id) == lowered
    finally:
        worker.close()


def test_no_core_this_process_may_use_is_a_model_error() -> None:
    # The configuration refuses such cores when it is read; a worker given them anyway
    # (cores taken away since) still says so.
    unusable = repeatable_config().llm.model_copy(update={"cpus": [4000]})
    with pytest.raises(ModelError, match=r"llm.cpus \[4000\] names no core"):
        LlmWorker(llm_path(repeatable_config()), unusable)


def test_closing_during_the_system_prompt_stops_it_and_keeps_nothing_of_it() -> None:
    """Start-up failing after the model is read (another model missing) closes the worker
    while it evaluates the system prompt. It used to run on past the close: the process
    then exited with llama.cpp still working in that thread, and crashed (SIGSEGV)."""
    prompt = "You are a test assistant, closed early. " + LONG_QUESTION * 2
    config = repeatable_config(llm={"system_prompt": prompt})
    worker = LlmWorker(llm_path(config), config.llm)
    worker.wait_constructed()
    started = time.monotonic()
    worker.close()

    assert not worker._thread.is_alive()
    assert time.monotonic() - started < 5
    # Nothing half-evaluated is kept for the next start.
    assert worker.system_prompt_source == ""
    assert worker.prompt_cache_path is None or not worker.prompt_cache_path.exists()
    with pytest.raises(ModelError, match="closed before it was ready"):
        worker.wait_ready(1)


def test_a_worker_left_in_a_model_call_keeps_its_model_until_the_call_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """close() gives up on a worker still in llama.cpp after its wait (here at once: a
    machine slower than the wait), and a reload then drops every reference to it. The
    model is freed when the worker's thread ends, not under its call; the process knows
    the thread is left running until then."""
    worker = start_worker(repeatable_config())
    generation = worker.ask(LONG_QUESTION)
    while generation.prompt_tokens == 0 and generation.done_at is None:
        time.sleep(0.001)
    monkeypatch.setattr(voiced.llm, "CLOSE_WAIT_SECONDS", 0.0)
    worker.close()
    thread, model = worker._thread, weakref.ref(worker._llama)
    worker_ended = worker._ended
    del worker
    gc.collect()
    assert thread.is_alive()
    llama = model()
    assert llama is not None and llama._ctx.ctx is not None  # nor its native context
    del llama
    # This worker noted, by its own event (every worker thread is named "llm").
    assert not worker_ended.is_set() and worker_ended in noted_events()
    assert "llm" in still_running()

    generation.cancel()
    thread.join(10)
    gc.collect()
    assert not thread.is_alive() and worker_ended.is_set()
    assert model() is None


def noted_events() -> list[threading.Event]:
    return [ended for _name, ended in native_threads._workers]
