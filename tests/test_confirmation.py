"""Locks and garage doors: unlocking or opening one is asked about first ("Unlock the front
door?") and done only on a yes said next, without the wake word, within confirm.timeout_seconds.
Recordings go through `voiced replay`'s pipeline with the real models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import say_nothing
from tests.helpers import recording, repeatable_config, saved_devices
from voiced.config import Config
from voiced.intents import Choice, Confirmation, IntentMatch
from voiced.intents.engine import IntentEngine, is_yes
from voiced.intents.tools import ToolGate
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource

SENSITIVE_DEVICES = [
    {"id": "front_door", "name": "front door", "area": "hallway", "kind": "lock"},
    {"id": "garage_door", "name": "garage door", "area": "garage", "kind": "garage_door"},
    {"id": "hall_light", "name": "hall light", "area": "hallway", "kind": "light"},
]


def config_with_doors(tmp_path: Path, **sections: dict[str, object]) -> Config:
    base = repeatable_config()
    devices = [device.model_dump() for device in base.devices] + SENSITIVE_DEVICES
    return repeatable_config(
        devices=devices, state_file={"path": str(tmp_path / "state.json")}, **sections
    )


def replay_turns(config: Config, models: Models, name: str) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = replay(config, models, WavFileSource([recording(name)]))["turns"]
    return turns


def device_states(config: Config) -> dict[str, Any]:
    return saved_devices(config.state_file.path)


@pytest.mark.slow
def test_unlock_is_asked_about_and_done_on_a_yes(models: Models, tmp_path: Path) -> None:
    config = config_with_doors(tmp_path)

    asked, answered = replay_turns(config, models, "unlock-front-door-yes")

    assert asked["intent"] == {"name": "HassTurnOff", "slots": {"name": "front_door"}}, asked
    assert asked["confirmation"] == "asked"
    assert asked["response"] == "Unlock the front door?"
    assert answered["transcript"].lower().startswith("yes"), answered
    assert answered["confirmation"] == "confirmed"
    assert answered["response"] == "Unlocked the front door."
    assert answered["wake_at_s"] > asked["speech_end_at_s"]  # heard without a wake word
    assert device_states(config)["front_door"]["on"] is False  # unlocked


@pytest.mark.slow
def test_anything_but_yes_leaves_it_locked(models: Models, tmp_path: Path) -> None:
    config = config_with_doors(tmp_path)

    asked, answered = replay_turns(config, models, "unlock-front-door-no")

    assert asked["confirmation"] == "asked", asked
    assert answered["confirmation"] == "declined", answered
    assert answered["response"] == "Okay, I won't."
    assert device_states(config) == {}


@pytest.mark.slow
def test_a_yes_after_the_time_allowed_does_nothing(models: Models, tmp_path: Path) -> None:
    # In the recording the yes comes 3 s after the question.
    config = config_with_doors(tmp_path, confirm={"timeout_seconds": 2.0})

    turns = replay_turns(config, models, "unlock-front-door-yes")

    assert [turn["confirmation"] for turn in turns] == ["asked"], turns
    assert device_states(config) == {}


@pytest.mark.slow
def test_a_garage_door_opens_only_after_a_yes(models: Models, tmp_path: Path) -> None:
    config = config_with_doors(tmp_path)

    asked, answered = replay_turns(config, models, "open-garage-door-yes")

    assert asked["response"] == "Open the garage door?", asked
    assert answered["confirmation"] == "confirmed", answered
    assert answered["response"] == "Opened the garage door."
    assert device_states(config)["garage_door"]["on"] is True  # open


@pytest.mark.slow
def test_words_that_argue_with_the_rules_do_nothing(models: Models, tmp_path: Path) -> None:
    config = config_with_doors(tmp_path)

    [turn] = replay_turns(config, models, "ignore-rules-unlock")

    assert "unlock the front door" in turn["transcript"].lower(), turn
    assert turn["answered_by"] == "llm"  # not a command: the whole sentence is no template
    assert turn["confirmation"] is None
    assert device_states(config) == {}


@pytest.mark.slow
def test_a_device_named_without_an_action_is_asked_about_and_the_answer_chooses(
    models: Models, tmp_path: Path
) -> None:
    """ "The kitchen light." once switched it on; now it is asked about, and the "Turn it
    off." said next, without the wake word, switches it off. (Piper's bare "Off." lasts
    0.2 s, too short for the voice activity detector to take it for speech.)"""
    config = config_with_doors(tmp_path)

    asked, answered = replay_turns(config, models, "kitchen-light-no-verb-off")

    assert asked["intent"] == {"name": "DeviceWithoutAction", "slots": {"name": "kitchen_light"}}
    assert asked["confirmation"] == "asked"
    assert asked["response"] == "Turn the kitchen light on or off?"
    assert answered["wake_at_s"] > asked["speech_end_at_s"]  # heard without a wake word
    assert answered["confirmation"] == "confirmed", answered
    assert answered["response"] == "Turned off the kitchen light."
    assert device_states(config) == {"kitchen_light": {"on": False, "brightness_pct": None}}


@pytest.mark.slow
def test_a_device_named_without_an_action_and_no_answer_changes_nothing(
    models: Models, tmp_path: Path
) -> None:
    config = config_with_doors(tmp_path)

    [asked] = replay_turns(config, models, "kitchen-light-no-verb-unanswered")

    assert asked["answered_by"] == "intent", asked
    assert asked["response"] == "Turn the kitchen light on or off?"
    assert asked["llm_completion_tokens"] == 0
    assert device_states(config) == {}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[IntentEngine]:
    engine = IntentEngine(config_with_doors(tmp_path), announce=say_nothing)
    yield engine
    engine.close()


def answer_to(engine: IntentEngine, text: str) -> tuple[str, Confirmation | Choice | None]:
    match = engine.match(text)
    assert match is not None, text
    answer = engine.answer(match)
    return answer.response, answer.confirmation


def test_locking_and_closing_need_no_yes(engine: IntentEngine) -> None:
    assert answer_to(engine, "lock the front door") == ("Locked the front door.", None)
    assert answer_to(engine, "close the garage door") == ("Closed the garage door.", None)
    assert engine.devices.state("front_door").on is True
    assert engine.devices.state("garage_door").on is False


def test_the_words_of_a_command_are_found_ahead_without_acting(engine: IntentEngine) -> None:
    def ahead(text: str) -> str | None:
        match = engine.match(text)
        assert match is not None, text
        return engine.words_ahead(match)

    assert ahead("turn on the kitchen light") == "Turned on the kitchen light."
    assert ahead("set the kitchen light to 40 percent") == "Set the kitchen light to 40 percent."
    assert ahead("unlock the front door") == "Unlock the front door?"
    assert ahead("turn on the attic light") == "I don't know a device called attic light."
    assert ahead("what time is it") is not None
    assert ahead("set a timer for five minutes") == "Timer set for 5 minutes."
    # What cancelling says depends on the timers running when it is confirmed.
    assert ahead("cancel the timer") is None
    assert engine.timers.running() == []
    for device in ("kitchen_light", "front_door"):
        assert engine.devices.state(device).on is None, device


def test_a_handler_failing_ahead_is_taken_to_act(
    engine: IntentEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It runs again on the confirmed command and may act then: its audio is checked as
    for any command that acts (the heard check), never taken unchecked."""
    match = engine.match("turn on the kitchen light")
    assert match is not None
    found = engine.registry.handler(match.name)
    assert found is not None
    plugin, _handler = found

    def failing(*_args: object) -> str:
        raise RuntimeError("the state file is being replaced")

    monkeypatch.setitem(plugin.handlers, match.name, failing)
    ahead = engine.ahead(match)
    assert ahead.acts and ahead.words is None


def test_a_model_s_tool_call_to_unlock_is_asked_about_too(engine: IntentEngine) -> None:
    gate = ToolGate(engine.registry, list(engine.devices.devices))
    match = gate.check('<tool_call>{"name": "HassTurnOff", "arguments": {"name": "front door"}}')

    answer = engine.answer(match)

    assert answer.response == "Unlock the front door?"
    assert answer.confirmation is not None
    assert engine.devices.state("front_door").on is None  # nothing done yet
    assert engine.confirmed(answer).response == "Unlocked the front door."
    assert engine.devices.state("front_door").on is False


def test_commands_for_a_whole_area_leave_locks_and_doors_alone(engine: IntentEngine) -> None:
    match = IntentMatch("HassTurnOff", {"area": "hallway"}, "home", "turn off the hallway")

    answer = engine.answer(match)

    assert answer.confirmation is None
    assert answer.response == "Turned off the hall light."
    assert engine.devices.state("hall_light").on is False
    assert engine.devices.state("front_door").on is None


@pytest.mark.parametrize(
    ("text", "yes"),
    [
        ("Yes.", True),
        ("Yeah, do it.", True),
        ("Go ahead", True),
        ("Okay.", True),
        ("Yes, please.", True),
        ("Yeah, go ahead, thank you.", True),
        ("Yes, I’m sure.", True),
        ("No.", False),
        ("Yes, no, wait.", False),
        ("Don't.", False),
        ("What time is it?", False),
        ("", False),
        ("Please.", False),
        # A yes that goes on to ask for something else is no yes.
        ("Yes, lock it.", False),
        ("Okay, what's the weather?", False),
        ("Yeah, I'm on the phone with my mum.", False),
        ("Sure thing honey, dinner is ready.", False),
        ("Yes? Who is it?", False),
        ("Go ahead and tell me a joke.", False),
    ],
)
def test_only_a_plain_yes_confirms(text: str, yes: bool) -> None:
    assert is_yes(text) is yes


UNLOCK = "Unlock the front door?"


@pytest.mark.parametrize(
    ("text", "question", "yes"),
    [
        # The question's own action and device said with a yes are part of the yes.
        ("Yes, unlock it.", UNLOCK, True),
        ("Yes, open it.", UNLOCK, True),
        ("Yes, unlock the front door.", UNLOCK, True),
        ("Okay then.", UNLOCK, True),
        ("Go for it.", UNLOCK, True),
        ("Yeah, go for it.", UNLOCK, True),
        ("Yes go ahead and unlock it.", UNLOCK, True),
        ("Sure thing.", UNLOCK, True),
        ("Yes, that's fine.", UNLOCK, True),
        ("Yes, turn on the kitchen light.", "Did you mean: turn on the kitchen light?", True),
        ("Yes, switch it on.", "Did you mean: turn on the kitchen light?", True),
        # Another action, another device, another request: no yes.
        ("Yes, lock it.", UNLOCK, False),
        ("Yes, close it.", UNLOCK, False),
        ("Yes, unlock the back door.", UNLOCK, False),
        ("Yes, unlock the front door and the garage.", UNLOCK, False),
        ("Yes, don't unlock it.", UNLOCK, False),
        ("Okay, what's the weather?", UNLOCK, False),
        ("Unlock it.", UNLOCK, False),  # no yes said
        ("Yes, turn off the kitchen light.", "Did you mean: turn on the kitchen light?", False),
        ("Yes, turn on the bedroom lamp.", "Did you mean: turn on the kitchen light?", False),
        ("Yes, did you mean it?", "Did you mean: turn on the kitchen light?", False),
        (
            "Yes, set it to 40 percent.",
            "Did you mean: set the bedroom lamp to 50 percent?",
            False,
        ),
        # A refusal in the question ("..., no, the bedroom lamp") is no word of a yes.
        (
            "Yes, no, wait.",
            "Did you mean: turn on the kitchen light, no, the bedroom lamp?",
            False,
        ),
    ],
)
def test_a_yes_may_say_what_the_question_asks(text: str, question: str, yes: bool) -> None:
    assert is_yes(text, question) is yes


def test_a_yes_that_restates_the_unlock_unlocks(engine: IntentEngine) -> None:
    match = engine.match("unlock the front door")
    assert match is not None
    asked = engine.answer(match)

    assert engine.reply(asked, "Yes, unlock the back door.") is None
    assert engine.devices.state("front_door").on is None
    done = engine.reply(asked, "Yes, unlock it.")
    assert done is not None and done.response == "Unlocked the front door."
    assert engine.devices.state("front_door").on is False


def test_a_yes_that_asks_for_something_else_leaves_the_door_locked(
    engine: IntentEngine,
) -> None:
    answer_to(engine, "lock the front door")
    match = engine.match("unlock the front door")
    assert match is not None
    asked = engine.answer(match)

    assert engine.reply(asked, "Yes, lock it.") is None
    assert engine.reply(asked, "Okay, what's the weather?") is None
    assert engine.devices.state("front_door").on is True  # still locked
    done = engine.reply(asked, "Yes, go ahead.")
    assert done is not None and done.response == "Unlocked the front door."
    assert engine.devices.state("front_door").on is False


@pytest.mark.parametrize(
    ("question", "text", "answers"),
    [
        ("unlock the front door", "Yes.", True),
        ("unlock the front door", "Yes, unlock it.", True),
        ("unlock the front door", "No thanks.", True),
        ("unlock the front door", "Don't.", True),
        ("unlock the front door", "Set the kitchen light to 40 percent.", False),
        ("unlock the front door", "No, set the kitchen light to 40 percent.", False),
        ("unlock the front door", "What time is it?", False),
        ("the kitchen light", "Off.", True),
        ("the kitchen light", "Turn it on please.", True),
        ("the kitchen light", "Neither.", True),
        ("the kitchen light", "What's on TV?", False),
    ],
)
def test_whether_a_text_answers_a_question_is_known_without_acting(
    engine: IntentEngine, question: str, text: str, answers: bool
) -> None:
    match = engine.match(question)
    assert match is not None, question
    asked = engine.answer(match)
    assert asked.confirmation is not None, asked.response

    assert engine.answers(asked, text) is answers
    assert engine.devices.state("front_door").on is None
    assert engine.devices.state("kitchen_light").on is None
