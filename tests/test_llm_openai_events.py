"""What an OpenAI-compatible server streams, read without a server: server-sent event
lines, and tool calls sent as structured deltas."""

from __future__ import annotations

import pytest

from voiced.config import Config
from voiced.generation import Generation
from voiced.intents.registry import load_registry
from voiced.intents.tools import ToolGate
from voiced.llm_openai import ToolCalls, event_pieces, parse_event


def test_structured_tool_calls_reach_the_same_allow_list() -> None:
    """A server that parses tool calls itself streams them as deltas: they are put back
    in the form the model writes, and checked by the same gate."""
    calls = ToolCalls()
    for arguments in ('{"name": "kitc', 'hen light"}'):
        delta = {"tool_calls": [{"function": {"name": "", "arguments": arguments}}]}
        calls.add(delta["tool_calls"])
    calls.add([{"function": {"name": "HassTurnOn"}}])
    match = ToolGate(load_registry(), Config().devices).check(calls.text())
    assert (match.name, match.slots) == ("HassTurnOn", {"name": "kitchen_light"})
    assert ToolCalls().text() == "" and not ToolCalls().begun and calls.begun


def test_server_sent_events_are_read_line_by_line() -> None:
    assert parse_event(b'data: {"choices": []}\n') == {"choices": []}
    assert parse_event(b"data: [DONE]\n") == "[DONE]"
    assert parse_event(b": keep-alive\n") is None and parse_event(b"\n") is None
    assert parse_event(b"data: \n") is None and parse_event(b"data:\r\n") is None
    with pytest.raises(ValueError):
        parse_event(b"data: {broken\n")


def test_an_event_adds_its_text_and_notes_how_the_answer_ended() -> None:
    generation = Generation("Hi")
    calls = ToolCalls()
    assert event_pieces({"choices": [{"delta": {"role": "assistant"}}]}, generation, calls) == []
    assert event_pieces({"choices": [{"delta": {"content": "Hel"}}]}, generation, calls) == ["Hel"]
    assert (
        event_pieces({"choices": [{"delta": {}, "finish_reason": "length"}]}, generation, calls)
        == []
    )
    usage = {"usage": {"completion_tokens": 7, "prompt_tokens": 30}, "choices": []}
    event_pieces(usage, generation, calls)
    assert (generation.finish_reason, generation.completion_tokens) == ("length", 7)
    assert generation.prompt_tokens == 30


def test_odd_token_counts_read_as_none() -> None:
    generation = Generation("Hi")
    for odd in ([1], {"n": 3}, "7", None, True, -2, 1.5, float("inf")):
        usage = {"usage": {"completion_tokens": odd, "prompt_tokens": odd}, "choices": []}
        event_pieces(usage, generation, ToolCalls())
        assert (generation.completion_tokens, generation.prompt_tokens) == (0, 0)
