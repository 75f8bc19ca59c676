"""Several commands said as one (voiced/intents/compound.py): cut only where a command
verb follows a joining word, each part a command of its own, answered in order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import engine_with_front_door
from tests.helpers import RECORDINGS, repeatable_config
from voiced.config import Config
from voiced.intents import IntentMatch
from voiced.intents.compound import COMPOUND_INTENT, compound_match
from voiced.intents.engine import IntentEngine
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


def commands(match: IntentMatch | None) -> list[tuple[str, dict[str, Any]]] | None:
    if match is None or match.name != COMPOUND_INTENT:
        return None
    return [(part.name, part.slots) for part in match.parts]


KITCHEN_OFF = ("HassTurnOff", {"name": "kitchen_light"})


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "Set a timer for 5 minutes and turn off the kitchen light.",
            [("HassStartTimer", {"minutes": 5}), KITCHEN_OFF],
        ),
        # The device sentences' wildcard took "light and set a timer ..." for one device.
        (
            "Turn off the kitchen light and set a timer for 5 minutes.",
            [KITCHEN_OFF, ("HassStartTimer", {"minutes": 5})],
        ),
        (
            "Turn off the ceiling fan, then turn on the bedroom lamp.",
            [("HassTurnOff", {"name": "ceiling_fan"}), ("HassTurnOn", {"name": "bedroom_lamp"})],
        ),
        (
            "Turn off the kitchen light. Turn on the bedroom lamp.",
            [KITCHEN_OFF, ("HassTurnOn", {"name": "bedroom_lamp"})],
        ),
        # An "and" inside a command is no cut: only one before a verb is.
        (
            "Set a timer for an hour and a half and turn off the kitchen light",
            [("HassStartTimer", {"hours": 1, "minutes": 30}), KITCHEN_OFF],
        ),
        (
            "Turn off the kitchen light and the bedroom lamp and set a timer for 10 minutes.",
            [
                ("HassTurnOff", {"name": "kitchen_light", "name_2": "bedroom_lamp"}),
                ("HassStartTimer", {"minutes": 10}),
            ],
        ),
        (
            "Turn off the kitchen light, turn off the coffee maker and turn on the bedroom lamp.",
            [
                KITCHEN_OFF,
                ("HassTurnOff", {"name": "coffee_maker"}),
                ("HassTurnOn", {"name": "bedroom_lamp"}),
            ],
        ),
        (
            "Cancel the timer and turn off the coffee maker.",
            [("HassCancelTimer", {}), ("HassTurnOff", {"name": "coffee_maker"})],
        ),
        # The timer's place is the timer's, the rest another command.
        (
            "Set a timer for 20 minutes in the kitchen and turn off the kitchen light.",
            [("HassStartTimer", {"minutes": 20, "area": "kitchen"}), KITCHEN_OFF],
        ),
        # A device voiced does not know is a command all the same, refused when answered.
        (
            "Turn on the radio and set a timer for 2 minutes.",
            [("HassTurnOn", {"unknown_device": "radio"}), ("HassStartTimer", {"minutes": 2})],
        ),
    ],
)
def test_several_commands_said_as_one_are_each_matched(
    matcher: IntentMatcher, text: str, wanted: list[tuple[str, dict[str, Any]]]
) -> None:
    assert commands(matcher.match(text)) == wanted


@pytest.mark.parametrize(
    "text",
    [
        "What is the difference between a frog and a toad?",
        "Turn off the kitchen light and",
        "Turn off the kitchen light and turn",
        "Turn off the kitchen light and stop.",
        "Turn on the kitchen light and thank you.",
        "Turn off the kitchen light and then the bedroom lamp",
        "Turn off the kitchen light and set the mood.",
    ],
)
def test_what_is_not_several_commands_is_not_cut(matcher: IntentMatcher, text: str) -> None:
    assert commands(matcher.match(text)) is None


def test_a_list_of_devices_stays_one_command(matcher: IntentMatcher) -> None:
    match = matcher.match("Turn off the kitchen light and the bedroom lamp.")
    assert match is not None and match.name == "HassTurnOff" and not match.parts


def test_words_cut_two_ways_into_commands_are_not_guessed() -> None:
    """Every part matches either way: which was meant is not known."""

    def anything(text: str) -> IntentMatch:
        return IntentMatch("HassTurnOn", {"said": text}, "home", text)

    assert compound_match("turn a and turn b and turn c", anything) is None
    cut_once = compound_match("turn a and turn b", anything)
    assert cut_once is not None and [part.text for part in cut_once.parts] == ["turn a", "turn b"]


def test_a_command_with_an_unknown_device_is_not_complete(matcher: IntentMatcher) -> None:
    known = matcher.match("Set a timer for 5 minutes and turn off the kitchen light.")
    unknown = matcher.match("Turn on the radio and set a timer for 2 minutes.")
    assert known is not None and known.complete
    assert unknown is not None and not unknown.complete


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[IntentEngine]:
    with engine_with_front_door(tmp_path) as built:
        yield built


def test_the_commands_are_answered_in_order_one_reply_after_the_other(
    engine: IntentEngine,
) -> None:
    match = engine.match("Set a timer for 5 minutes and turn off the kitchen light.")
    assert match is not None
    ahead = engine.ahead(match)
    assert ahead.words == "Timer set for 5 minutes. Turned off the kitchen light."
    assert ahead.acts and not ahead.asks

    answered = engine.answer(match)

    assert answered.response == "Timer set for 5 minutes. Turned off the kitchen light."
    assert answered.done
    assert engine.timers.running() == ["5 minutes"]
    assert engine.devices.reported_state("kitchen_light").on is False


def test_an_unknown_device_is_refused_and_the_rest_done(engine: IntentEngine) -> None:
    match = engine.match("Turn on the radio and set a timer for 2 minutes.")
    assert match is not None
    answered = engine.answer(match)
    assert answered.response == "I don't know a device called radio. Timer set for 2 minutes."
    assert not answered.done
    assert engine.timers.running() == ["2 minutes"]


def test_a_command_that_asks_first_is_said_alone_and_nothing_done(engine: IntentEngine) -> None:
    match = engine.match("Turn off the kitchen light and unlock the front door.")
    assert commands(match) == [KITCHEN_OFF, ("HassTurnOff", {"name": "front_door"})]
    assert match is not None and engine.ahead(match).asks
    answered = engine.answer(match)
    assert answered.response == "Say unlock the front door on its own, please."
    assert not answered.done and answered.confirmation is None
    assert engine.devices.reported_state("kitchen_light").on is None  # never switched


@pytest.mark.slow
def test_two_commands_said_as_one_are_heard_checked_and_done(
    models: Models, tmp_path: Path
) -> None:
    """Through the pipeline: both decodings must give the same commands."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"devices": {"kitchen_light": {"on": True}}}))
    config = repeatable_config(state_file={"path": str(state)})
    path = RECORDINGS / "commands" / "compound-timer-light.wav"

    [turn] = replay(config, models, WavFileSource([path]))["turns"]

    assert turn["intent"]["name"] == COMPOUND_INTENT, turn
    assert turn["intent"]["slots"]["commands"] == [
        {"intent": "HassStartTimer", "slots": {"minutes": 5}},
        {"intent": "HassTurnOff", "slots": {"name": "kitchen_light"}},
    ]
    devices = json.loads(state.read_text())["devices"]
    if (turn["heard_check"] or {}).get("decision") == "act":
        assert turn["response"] == "Timer set for 5 minutes. Turned off the kitchen light."
        assert devices["kitchen_light"]["on"] is False
    else:
        assert turn["response"].startswith("Did you mean"), turn
        assert devices["kitchen_light"]["on"] is True
