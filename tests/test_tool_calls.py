"""The LLM's tool calls are checked against registered intents and configured devices.
The embedded 135M model cannot be relied on to write tool calls, so these are crafted."""

from __future__ import annotations

import sys

import pytest

from tests.helpers import ROOT
from voiced.config import Config
from voiced.intents import Plugin
from voiced.intents.registry import load_registry
from voiced.intents.tools import (
    ToolCallRefused,
    ToolCallSniffer,
    ToolGate,
    declared_slots,
    looks_like_tool_call,
)


@pytest.fixture(scope="module")
def gate() -> ToolGate:
    return ToolGate(load_registry(), Config().devices)


def call(text: str) -> str:
    return f"<tool_call>\n{text}\n</tool_call>"


def test_a_valid_call_on_a_configured_device_becomes_an_intent(gate: ToolGate) -> None:
    match = gate.check(call('{"name": "HassTurnOn", "arguments": {"name": "Kitchen Light"}}'))
    assert (match.name, match.slots, match.plugin) == (
        "HassTurnOn",
        {"name": "kitchen_light"},
        "home",
    )


def test_a_call_by_area_and_a_timer_are_allowed(gate: ToolGate) -> None:
    by_area = gate.check(call('{"name": "HassTurnOff", "arguments": {"area": "kitchen"}}'))
    assert by_area.slots == {"area": "kitchen"}
    timer = gate.check(call('{"name": "HassStartTimer", "arguments": {"minutes": 5}}'))
    assert timer.slots == {"minutes": 5}


def test_a_timer_in_a_room_is_allowed_as_the_same_words_spoken(gate: ToolGate) -> None:
    """ "Set a timer for 20 minutes in the garden" is a timer sentence, though no device is
    in the garden: the call for it is too. The room is a place only for a timer."""
    timer = gate.check(
        call('{"name": "HassStartTimer", "arguments": {"minutes": 20, "area": "garden"}}')
    )
    assert timer.slots == {"minutes": 20, "area": "garden"}
    kitchen = gate.check(
        call('{"name": "HassStartTimer", "arguments": {"minutes": 5, "area": "Kitchen"}}')
    )
    assert kitchen.slots == {"minutes": 5, "area": "Kitchen"}
    asked = gate.check(
        call('{"name": "TimerWithoutUnit", "arguments": {"unitless_number": 5, "area": "garage"}}')
    )
    assert asked.slots == {"unitless_number": 5, "area": "garage"}
    with pytest.raises(ToolCallRefused, match="has no devices"):
        gate.check(call('{"name": "HassTurnOn", "arguments": {"area": "garden"}}'))
    with pytest.raises(ToolCallRefused, match="has no devices"):
        gate.check(call('{"name": "HassStartTimer", "arguments": {"minutes": 5, "area": "oven"}}'))


@pytest.mark.parametrize(
    "output, reason",
    [
        (call('{"name": "UnlockDoor", "arguments": {"name": "front door"}}'), "not a registered"),
        (call('{"name": "HassTurnOn", "arguments": {"name": "front door"}}'), "not configured"),
        (call('{"name": "HassTurnOn", "arguments": {"area": "garage"}}'), "has no devices"),
        (call('{"name": "HassTurnOn", "arguments": {"entity_id": "lock.front"}}'), "unknown"),
        (call('{"name": "HassTurnOn", "arguments": ["kitchen light"]}'), "not an object"),
        (call('{"name": "HassTurnOn", "arguments": {'), "not valid JSON"),
        (call('["HassTurnOn"]'), "not an object"),
        ("Sure, I will unlock the door.", "no tool call"),
    ],
)
def test_anything_else_is_refused_with_a_reason(gate: ToolGate, output: str, reason: str) -> None:
    with pytest.raises(ToolCallRefused, match=reason):
        gate.check(output)


def test_tool_calls_are_told_from_speech() -> None:
    assert looks_like_tool_call('  <tool_call>{"name": "HassTurnOn"}')
    assert not looks_like_tool_call("The kitchen light is on.")


def stream(sniffer: ToolCallSniffer, pieces: list[str]) -> str:
    return "".join(sniffer.feed(piece) for piece in pieces) + sniffer.flush()


def test_speech_streams_through_the_sniffer_unchanged() -> None:
    sniffer = ToolCallSniffer()
    assert sniffer.feed("The") == "The"  # decided at once: no call starts with "The"
    assert stream(sniffer, [" light", " is on."]) == " light is on."
    assert not sniffer.is_call


def test_a_streamed_tool_call_is_held_back_whole() -> None:
    sniffer = ToolCallSniffer()
    pieces = [" <", "tool", "_call>", '{"name": "HassTurnOn", ', '"arguments": {}}', "</tool_call>"]
    assert stream(sniffer, pieces) == ""
    assert sniffer.is_call
    assert sniffer.call_text == "".join(pieces)


def test_a_short_reply_that_only_looks_like_a_call_start_is_spoken() -> None:
    assert stream(ToolCallSniffer(), ["<"]) == "<"


def dice_plugin() -> Plugin:
    """The example plugin, imported from its source as an installed one would be."""
    sys.path.insert(0, str(ROOT / "examples" / "voiced-dice"))
    try:
        from voiced_dice import plugin
    finally:
        sys.path.pop(0)
    return plugin()


def test_a_plugins_intent_is_reached_with_its_own_slots() -> None:
    registry = load_registry()
    registry.plugins.append(dice_plugin())
    gate = ToolGate(registry, Config().devices)
    match = gate.check(call('{"name": "RollDie", "arguments": {"sides": 20}}'))
    assert (match.name, match.slots, match.plugin) == ("RollDie", {"sides": 20}, "dice")
    # A slot is allowed only to the intents that declare it.
    with pytest.raises(ToolCallRefused, match="unknown arguments"):
        gate.check(call('{"name": "RollDie", "arguments": {"minutes": 5}}'))
    with pytest.raises(ToolCallRefused, match="unknown arguments"):
        gate.check(call('{"name": "HassStartTimer", "arguments": {"sides": 20}}'))


def test_declared_slots_come_from_templates_rules_and_fixed_slots() -> None:
    plugin = Plugin(
        name="t",
        sentences={
            "intents": {
                "Go": {
                    "data": [
                        {"sentences": ["go <to> {place}"], "slots": {"mode": "walk"}},
                        {"sentences": ["go in {minutes_list:minutes}"]},
                    ]
                }
            },
            "expansion_rules": {"to": "to [the] {area}"},
        },
        handlers={"Go": lambda match, context: ""},
    )
    assert declared_slots(plugin) == {"Go": {"place", "mode", "minutes", "area"}}
