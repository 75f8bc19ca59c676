"""`llm.engine: openai` against a real OpenAI-compatible server (llama-cpp-python's own,
serving the embedded GGUF on a loopback port): answers stream from it; when it is stopped
or slow to its first word, the local model answers the turn; a cancel closes the stream.
A scripted server sends what a broken server or proxy would."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL
from tests.llm_server import (
    CHUNKED,
    CLOSE_DELIMITED,
    DONE,
    FINISHED,
    LAST_CHUNK,
    DelayingProxy,
    FullListener,
    LlmServer,
    Script,
    ScriptedServer,
    chunk,
    delta,
    event,
)
from tests.servers import free_port
from voiced.config import parse_config
from voiced.engines import Llm
from voiced.generation import TOKENS_PER_MESSAGE, Generation, LlmError
from voiced.llm_config import LocalLlmConfig, OpenAiLlmConfig
from voiced.llm_openai import OpenAiLlm, estimate_tokens, server_state

pytestmark = pytest.mark.slow

QUESTION = "What is the capital of France?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlmServer]:
    running = LlmServer(tmp_path_factory.mktemp("llm-server") / "server.log")
    running.start()
    yield running
    running.stop()


def remote(url: str, fallback: bool = True, **options: Any) -> Llm:
    section: dict[str, Any] = {"engine": "openai", "url": url, "temperature": 0.0}
    if fallback:
        section["fallback"] = {"model": TEST_LLM_MODEL, "prompt_cache": False}
    config = parse_config({"models_dir": str(MODELS_DIR), "llm": {**section, **options}})
    llm = config.llm.load(config.models_dir)
    llm.wait_ready()
    return llm


def answer(llm: Llm, question: str = QUESTION) -> tuple[str, Generation]:
    generation = llm.ask(question)
    return "".join(generation), generation


@contextmanager
def scripted(script: Script, fallback: bool = True, **options: Any) -> Iterator[OpenAiLlm]:
    """A client of a server that sends `script` to every request."""
    server = ScriptedServer(script)
    llm = remote(server.url, fallback, **options)
    assert isinstance(llm, OpenAiLlm)
    try:
        yield llm
    finally:
        llm.close()
        server.close()


def chunked(*parts: bytes) -> Script:
    """A whole chunked answer: each part a chunk, sent at once."""
    return [(0.0, CHUNKED), *((0.0, chunk(part)) for part in parts), (0.0, LAST_CHUNK)]


def test_a_question_is_answered_through_the_server(server: LlmServer) -> None:
    llm = remote(server.url, fallback=False)
    try:
        asked = server.requests()
        text, generation = answer(llm)
        assert server.requests() == asked + 1
        assert text.strip() and generation.first_token_at is not None
        assert generation.finish_reason in ("stop", "length")
        assert generation.completion_tokens > 0
        # The history goes along with the next question, as with the local model.
        answer(llm, "And of Italy?")
        assert [e.user for e in llm.conversation.exchanges] == [QUESTION, "And of Italy?"]
    finally:
        llm.close()


def test_the_server_answers_as_the_local_model_would(server: LlmServer) -> None:
    """Same model, same greedy sampling, same chat template: the same words."""
    llm = remote(server.url)
    try:
        through_server, _ = answer(llm)
        local = llm.fallback if isinstance(llm, OpenAiLlm) else None
        assert local is not None
        local.conversation.exchanges.clear()
        locally, _ = answer(local)
        assert through_server.strip() == locally.strip()
    finally:
        llm.close()


def test_with_the_server_stopped_the_local_model_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    own = LlmServer(tmp_path / "server.log")
    own.start()
    llm = remote(own.url)
    try:
        first, _ = answer(llm)
        assert first.strip() and own.requests() == 1
        own.stop()
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            second, generation = answer(llm, "And of Italy?")
        assert second.strip() and generation.finish_reason in ("stop", "length")
        assert "the local model answers" in caplog.text
        # One conversation, whoever answered each turn of it.
        assert [e.user for e in llm.conversation.exchanges] == [QUESTION, "And of Italy?"]
    finally:
        own.stop()
        llm.close()


def test_a_server_slow_to_its_first_word_is_not_waited_for(
    server: LlmServer, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = DelayingProxy(server.port, delay_seconds=5.0)
    llm = remote(proxy.url, first_token_timeout_seconds=1.0)
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            text, generation = answer(llm)
        assert text.strip()
        assert generation.first_token_at is not None
        assert generation.first_token_at - started < 5.0  # before the server's first byte
        assert "no first word within 1 s" in caplog.text
    finally:
        llm.close()
        proxy.close()


def test_a_cancel_closes_the_stream(server: LlmServer) -> None:
    proxy = DelayingProxy(server.port)
    llm = remote(proxy.url, fallback=False, max_tokens=400)
    try:
        generation = llm.ask("Tell me a long story about a dragon and a knight.")
        pieces = iter(generation)
        assert next(pieces)
        cancelled_at = time.monotonic()
        generation.cancel()
        list(pieces)  # the rest ends at once
        assert time.monotonic() - cancelled_at < 1.0
        assert generation.finish_reason == "cancelled"
        assert generation.completion_tokens < 400
        assert proxy.client_closed.wait(1.0), "the connection to the server stayed open"
    finally:
        llm.close()
        proxy.close()


def test_an_unreachable_server_without_a_fallback_fails_the_turn() -> None:
    llm = remote(f"http://127.0.0.1:{free_port()}/v1", fallback=False)
    try:
        with pytest.raises(LlmError, match="cannot connect"):
            answer(llm)
    finally:
        llm.close()


def test_voiced_answers_a_question_through_the_server(server: LlmServer, tmp_path: Path) -> None:
    """The whole turn, from the typed transcript to the spoken reply, with the server."""
    config = tmp_path / "voiced.yaml"
    config.write_text(
        f"models_dir: {MODELS_DIR}\n"
        f"llm: {{engine: openai, url: '{server.url}', temperature: 0.0}}\n"
        f"state_file: {{path: {tmp_path / 'state.json'}}}\n",
        encoding="utf-8",
    )
    asked = server.requests()
    result = subprocess.run(
        [sys.executable, "-m", "voiced.cli", "ask", "--config", str(config), QUESTION,
         "--out", str(tmp_path / "reply.wav"), "--report", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (turn,) = json.loads(result.stdout)["turns"]
    assert turn["answered_by"] == "llm" and turn["response"]
    assert turn["timings"]["tts_first_audio_s"] is not None
    assert server.requests() == asked + 1


def test_check_says_whether_the_server_answers(server: LlmServer) -> None:
    def state(url: str) -> tuple[bool, str]:
        answer = server_state(OpenAiLlmConfig(engine="openai", url=url))
        return answer.answers, answer.note

    assert state(server.url) == (True, f"server http://127.0.0.1:{server.port} answers")
    answers, note = state(f"http://127.0.0.1:{free_port()}/v1")
    assert not answers and "unreachable now" in note


LOCAL_ANSWERS = "the local model answers"


@pytest.mark.parametrize("framing", ["chunked", "close-delimited"])
def test_a_stream_cut_off_mid_answer_fails_the_turn(framing: str) -> None:
    """Neither `[DONE]` nor a finish reason: the server went away, the answer is half."""
    words = delta(content="The capital of France is")
    script = chunked(words)[:-1] if framing == "chunked" else [(0.0, CLOSE_DELIMITED + words)]
    with scripted(script) as llm:
        # http.client sees chunks cut off; a close-delimited stream just ends, no [DONE].
        with pytest.raises(LlmError, match=r"broke off|stopped short"):
            answer(llm)
        assert llm.conversation.exchanges == []


def test_a_stream_cut_off_before_its_first_word_is_answered_locally(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with scripted([(0.0, CHUNKED + chunk(delta(role="assistant")))]) as llm:
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            text, _ = answer(llm)
        assert text.strip() and LOCAL_ANSWERS in caplog.text


def test_a_cut_answer_the_local_model_gave_is_remembered_as_heard() -> None:
    """The fallback answers in the engine's one conversation: what was heard of its cut
    answer replaces the whole answer there, as for the server's."""
    with scripted([(0.0, CHUNKED + chunk(delta(role="assistant")))]) as llm:
        text, generation = answer(llm)
        assert text.strip() and generation.exchange is not None
        assert llm.fallback is not None and llm.fallback.conversation is llm.conversation
        heard = text.split()[0]
        assert heard != text.strip(), "an answer of one word: nothing of it was cut"
        llm.remember(generation, heard)
        [kept] = llm.conversation.exchanges
        assert (kept.user, kept.assistant) == (QUESTION, heard)


def test_an_error_event_before_the_first_word_is_answered_locally(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = event({"error": {"message": "model overloaded", "code": 503}})
    with scripted(chunked(error, DONE)) as llm:
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            text, _ = answer(llm)
        assert text.strip() and "model overloaded" in caplog.text
        assert LOCAL_ANSWERS in caplog.text


def test_an_error_event_after_the_first_word_fails_the_turn() -> None:
    error = event({"error": "the GPU fell off the bus"})
    with scripted(chunked(delta(content="The"), error, DONE)) as llm:
        with pytest.raises(LlmError, match="the GPU fell off the bus"):
            answer(llm)
        assert llm.conversation.exchanges == []


def test_an_error_event_echoing_the_token_file_does_not_show_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-kept-in-a-file-0123456789"
    token_file = tmp_path / "token"
    token_file.write_text(secret)
    token_file.chmod(0o600)
    error = event({"error": {"message": f"invalid key {secret}"}})
    with scripted(chunked(error, DONE), token_file=str(token_file)) as llm:
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            answer(llm)
        assert "invalid key" in caplog.text and secret not in caplog.text


def test_a_finish_without_done_on_an_open_connection_is_a_whole_answer() -> None:
    """The server ends the answer and keeps the connection, never sending [DONE]."""
    script = [(0.0, CHUNKED), (0.0, chunk(delta(content="Hello there.") + FINISHED))]
    script.append((20.0, LAST_CHUNK))
    with scripted(script, fallback=False, turn_timeout_seconds=10.0) as llm:
        started = time.monotonic()
        text, generation = answer(llm)
        assert (text, generation.finish_reason) == ("Hello there.", "stop")
        assert time.monotonic() - started < 5.0  # not the turn's 10 s limit
        [kept] = llm.conversation.exchanges
        assert kept.assistant == "Hello there."


@pytest.mark.parametrize("script", [[(0.0, CLOSE_DELIMITED)], chunked(DONE)], ids=["none", "done"])
def test_a_reply_without_words_is_answered_locally(
    script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    with scripted(script) as llm:
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            text, _ = answer(llm)
        assert text.strip() and LOCAL_ANSWERS in caplog.text


@pytest.mark.parametrize("where", ["head", "events"])
def test_a_dripping_server_is_held_to_the_first_word_limit(where: str) -> None:
    """A byte every 0.25 s passes any socket timeout; the limit holds across the reads."""
    drip = CLOSE_DELIMITED if where == "head" else b": keep-alive" * 8
    script = ([] if where == "head" else [(0.0, CLOSE_DELIMITED)]) + [
        (0.25, bytes([byte])) for byte in drip
    ]
    with scripted(script, first_token_timeout_seconds=1.0) as llm:
        started = time.monotonic()
        text, generation = answer(llm)
        assert text.strip() and generation.first_token_at is not None
        assert generation.first_token_at - started < 2.5  # the drip lasts 20 s


def test_a_dripping_server_is_held_to_the_answer_limit() -> None:
    script = [(0.0, CLOSE_DELIMITED + delta(content="Hello"))]
    script += [(0.25, b":") for _ in range(40)]
    with scripted(script, fallback=False, turn_timeout_seconds=1.5) as llm:
        started = time.monotonic()
        text, generation = answer(llm)
        assert time.monotonic() - started < 3.0  # the drip lasts 10 s
        assert (text, generation.finish_reason) == ("Hello", "timeout")


def test_a_tool_call_is_a_first_word(caplog: pytest.LogCaptureFixture) -> None:
    """A server answering with a tool call, slower than the first-word limit in all."""

    def call(name: str, arguments: str) -> bytes:
        return delta(tool_calls=[{"index": 0, "function": {"name": name, "arguments": arguments}}])

    script = [(0.0, CHUNKED + chunk(call("HassTurnOn", '{"name": ')))]
    script += [(0.4, chunk(call("", part))) for part in ('"kitchen', " light", '"}')]
    script += [(0.0, chunk(FINISHED + DONE) + LAST_CHUNK)]
    with scripted(script, first_token_timeout_seconds=1.0) as llm:
        with caplog.at_level(logging.WARNING, logger="voiced.llm_openai"):
            text, _ = answer(llm)
        arguments = '{"name": "kitchen light"}'
        assert text == f'<tool_call>{{"name": "HassTurnOn", "arguments": {arguments}}}</tool_call>'
        assert LOCAL_ANSWERS not in caplog.text


def test_an_empty_data_line_is_skipped() -> None:
    """Valid server-sent events, as some proxies send them between events."""
    with scripted(chunked(b"data: \n\n", delta(content="Hello there."), DONE), False) as llm:
        text, _ = answer(llm)
        assert text == "Hello there."


def test_odd_token_counts_are_not_read() -> None:
    usage = event({"usage": {"completion_tokens": [1], "prompt_tokens": {"n": 3}}, "choices": []})
    with scripted(chunked(usage, delta(content="Hi."), DONE), fallback=False) as llm:
        text, generation = answer(llm)
        assert text == "Hi." and generation.prompt_tokens == 0


def test_a_cancel_while_connecting_ends_the_turn_once_connected() -> None:
    """No socket to shut down yet: the cancel is seen as soon as the connect returns."""
    listener = FullListener()
    llm = remote(listener.url, connect_timeout_seconds=8.0, first_token_timeout_seconds=10.0)
    try:
        generation = llm.ask(QUESTION)
        time.sleep(0.2)  # connecting
        generation.cancel()
        cancelled_at = time.monotonic()
        listener.accept_all()  # connected at the next SYN, within 3 s
        assert list(generation) == []
        assert time.monotonic() - cancelled_at < 5.0
        assert generation.finish_reason == "cancelled"
    finally:
        llm.close()
        listener.close()


TOKENIZED = [
    "法国的首都是巴黎。",
    "フランスの首都はパリです。",
    "수도는 서울입니다.",
    "Столица Франции — Париж.",
    "Ελλάδα είναι όμορφη.",
    "I love it 😀👍🏽",
]


@pytest.mark.parametrize("model", [TEST_LLM_MODEL, LocalLlmConfig().model])
def test_the_history_s_token_estimate_is_not_below_the_tokenizer_s(model: str) -> None:
    """The server's context is kept by this estimate: a Korean or Chinese history counted
    as English overran it. English is counted about as the tokenizers count it."""
    from llama_cpp import Llama

    vocabulary = Llama(str(MODELS_DIR / "llm" / model), vocab_only=True, verbose=False)

    def tokens(text: str) -> int:
        return len(vocabulary.tokenize(text.encode(), add_bos=False, special=False))

    for text in TOKENIZED:
        assert estimate_tokens(text) - TOKENS_PER_MESSAGE >= tokens(text), text
    english = "The capital of France is Paris. Turn on the kitchen light."
    assert abs(estimate_tokens(english) - TOKENS_PER_MESSAGE - tokens(english)) <= 2
