"""A device is changed only when the words say what to do to it: no switching sentence can
be said without an action word, and a device named alone ("The kitchen light.") is asked
about ("Turn the kitchen light on or off?") and switched only by the answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hassil import Intents, SlotList, TextSlotList
from hassil.sample import sample_intents

from tests.fakes import say_nothing
from tests.helpers import repeatable_config, saved_devices
from voiced.config import DeviceConfig
from voiced.intents import Choice
from voiced.intents import engine as engine_module
from voiced.intents.engine import IntentAnswer, IntentEngine
from voiced.intents.home import ACTION_WORDS
from voiced.intents.home import plugin as home_plugin
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import Registry, load_registry

SWITCHING = ("HassTurnOn", "HassTurnOff")
NAME, AREA = "desk lamp", "study"


def test_every_switching_sentence_says_what_to_do() -> None:
    """Every way to say every HassTurnOn/HassTurnOff sentence, with a device name and an
    area that hold no action word, holds one: Home Assistant's "[the] {name}" is gone."""
    sentences = home_plugin().sentences
    # A rule that holds no action word in any of its forms ("<the>", "<light>") is as good
    # as one filler word here, and sampling all its forms would take minutes.
    sentences["expansion_rules"] = {
        name: rule if set(re.findall(r"[a-z]+", rule.lower())) & ACTION_WORDS else "filler"
        for name, rule in sentences["expansion_rules"].items()
    }
    intents = Intents.from_dict(sentences)
    slot_lists: dict[str, SlotList] = {
        "name": TextSlotList.from_strings([NAME]),
        "area": TextSlotList.from_strings([AREA]),
    }
    samples = list(sample_intents(intents, slot_lists, intent_names=set(SWITCHING)))
    assert len(samples) > 1000
    lacking = [
        text
        for _intent, text in samples
        if not set(re.findall(r"[a-z]+", text.lower().replace(NAME, "").replace(AREA, "")))
        & ACTION_WORDS
    ]
    assert lacking == []


DEVICES = [device.model_dump() for device in repeatable_config().devices] + [
    {"id": "front_door", "name": "front door", "area": "hallway", "kind": "lock"},
]


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    """Compiling the templates takes seconds: once for the module. Matching keeps no state
    between sentences; each test's engine has its own state file and timers."""
    return IntentMatcher(load_registry(), repeatable_config(devices=DEVICES).devices)


@pytest.fixture
def engine(
    tmp_path: Path, matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> Iterator[IntentEngine]:
    config = repeatable_config(devices=DEVICES, state_file={"path": str(tmp_path / "s.json")})

    def compiled(registry: Registry, devices: list[DeviceConfig]) -> IntentMatcher:
        if registry is not matcher.registry or devices != config.devices:
            raise ValueError("the shared matcher was compiled for other plugins or devices")
        return matcher

    monkeypatch.setattr(engine_module, "IntentMatcher", compiled)
    engine = IntentEngine(config, announce=say_nothing, registry=matcher.registry)
    yield engine
    engine.close()


def ask(engine: IntentEngine, text: str) -> IntentAnswer:
    match = engine.match(text)
    assert match is not None, text
    return engine.answer(match)


@pytest.mark.parametrize(
    "text, question",
    [
        ("The kitchen light.", "Turn the kitchen light on or off?"),
        ("the kitchen light please", "Turn the kitchen light on or off?"),
        ("Kitchen light.", "Turn the kitchen light on or off?"),
        ("The bedside lamp.", "Turn the bedroom lamp on or off?"),  # an alias
        ("the kitchen lite", "Turn the kitchen light on or off?"),  # a slip, corrected
        ("The lights in the kitchen.", "Turn the kitchen light on or off?"),
        ("Turn the ceiling fan.", "Turn the ceiling fan on or off?"),
        ("Switch the coffee maker, please.", "Turn the coffee maker on or off?"),
        ("the bedroom ceiling fan", "Turn the ceiling fan on or off?"),
        # A correction without a verb is no command either.
        ("The kitchen light, no, the bedroom lamp.", "Turn the bedroom lamp on or off?"),
    ],
)
def test_a_device_named_without_an_action_is_asked_about(
    engine: IntentEngine, tmp_path: Path, text: str, question: str
) -> None:
    answer = ask(engine, text)
    assert answer.match.name == "DeviceWithoutAction"
    assert not answer.match.complete  # the turn does not end early on it
    assert (answer.response, answer.done) == (question, False)
    assert isinstance(answer.confirmation, Choice)
    assert saved_devices(tmp_path / "s.json") == {}


@pytest.mark.parametrize(
    "reply, state",
    [
        ("Off.", {"on": False}),
        ("On, please.", {"on": True}),
        ("Turn it off please.", {"on": False}),
        ("out", {"on": False}),
        ("Switch it on now.", {"on": True}),
        ("The kitchen light off.", {"on": False}),  # the question's own words
    ],
)
def test_the_answer_chooses_what_is_done(
    engine: IntentEngine, tmp_path: Path, reply: str, state: dict[str, bool]
) -> None:
    asked = ask(engine, "The kitchen light.")
    done = engine.reply(asked, reply)
    assert done is not None and done.done
    assert done.response == f"Turned {'on' if state['on'] else 'off'} the kitchen light."
    assert saved_devices(tmp_path / "s.json")["kitchen_light"]["on"] is state["on"]


@pytest.mark.parametrize(
    "reply",
    [
        "Yes.",  # neither on nor off
        "No, leave it on.",
        "Never mind.",
        "On. Off.",
        "",
        "Hey Jarvis, turn on the coffee maker.",  # another command: not an answer
        # Questions and chatter that hold the word of an option choose nothing.
        "Is it on?",
        "Which one is on?",
        "What's on TV?",
        "On second thought.",
        "I'm going out.",
        "Get out.",
    ],
)
def test_an_answer_that_chooses_nothing_does_nothing(
    engine: IntentEngine, tmp_path: Path, reply: str
) -> None:
    asked = ask(engine, "The kitchen light.")
    assert engine.reply(asked, reply) is None
    assert saved_devices(tmp_path / "s.json") == {}


def test_a_lock_named_alone_is_refused(engine: IntentEngine, tmp_path: Path) -> None:
    answer = ask(engine, "The front door.")
    assert answer.response == "Say lock or unlock the front door."
    assert answer.confirmation is None
    assert saved_devices(tmp_path / "s.json") == {}


@pytest.mark.parametrize(
    "text, intent",
    [
        ("The kitchen light on.", "HassTurnOn"),
        ("kitchen light off please", "HassTurnOff"),
        ("Turn the kitchen light off.", "HassTurnOff"),
        ("Lock the front door.", "HassTurnOn"),
    ],
)
def test_an_action_word_still_switches(engine: IntentEngine, text: str, intent: str) -> None:
    match = engine.match(text)
    assert match is not None and match.name == intent and match.complete


@pytest.mark.parametrize(
    "text, response",
    [
        ("kitchen light on?", "Yes, the kitchen light is on."),
        ("The kitchen light off?", "No, the kitchen light is on."),
        ("Kitchen light's on?", "Yes, the kitchen light is on."),
        ("bedroom lamp off?", "I don't know whether the bedroom lamp is off."),
        ("lights on in the kitchen?", "The kitchen light is on."),
    ],
)
def test_a_state_asked_without_its_verb_is_answered_not_switched(
    engine: IntentEngine, tmp_path: Path, text: str, response: str
) -> None:
    """ "Is the kitchen light on?" said fast loses its "is": still a question."""
    ask(engine, "Turn on the kitchen light.")
    before = saved_devices(tmp_path / "s.json")

    answer = ask(engine, text)

    assert (answer.match.name, answer.response) == ("HassGetState", response)
    assert saved_devices(tmp_path / "s.json") == before


def test_a_command_ending_in_a_question_mark_still_switches(
    engine: IntentEngine, tmp_path: Path
) -> None:
    assert ask(engine, "Turn off the kitchen light?").response == "Turned off the kitchen light."
    assert saved_devices(tmp_path / "s.json")["kitchen_light"]["on"] is False


@pytest.mark.parametrize(
    "text, response",
    [
        ("Bedroom lamp to fifty percent?", "The bedroom lamp is at 40 percent."),
        ("Bedroom lamp 50%?", "The bedroom lamp is at 40 percent."),
        ("Kitchen light brightness fifty?", "The kitchen light is off."),
        ("the bedroom lights to 80 percent?", "The bedroom lamp is at 40 percent."),
    ],
)
def test_a_brightness_asked_without_its_verb_is_answered_not_set(
    engine: IntentEngine, tmp_path: Path, text: str, response: str
) -> None:
    """ "Bedroom lamp to fifty percent?" is a question, never a change of brightness."""
    ask(engine, "Set the bedroom lamp to 40 percent.")
    ask(engine, "Turn off the kitchen light.")
    before = saved_devices(tmp_path / "s.json")

    answer = ask(engine, text)

    assert (answer.match.name, answer.response) == ("HassGetState", response)
    assert saved_devices(tmp_path / "s.json") == before


@pytest.mark.parametrize(
    "text", ["Set the bedroom lamp to 50 percent?", "Increase the bedroom lamp to 50 percent?"]
)
def test_a_brightness_set_with_a_verb_ending_in_a_question_mark_is_set(
    engine: IntentEngine, tmp_path: Path, text: str
) -> None:
    assert ask(engine, text).response == "Set the bedroom lamp to 50 percent."
    assert saved_devices(tmp_path / "s.json")["bedroom_lamp"]["brightness_pct"] == 50


def test_a_yes_still_confirms_an_unlock(engine: IntentEngine, tmp_path: Path) -> None:
    asked = ask(engine, "Unlock the front door.")
    assert engine.reply(asked, "On.") is None  # a Confirmation wants a yes
    done = engine.reply(asked, "Yes.")
    assert done is not None and done.response == "Unlocked the front door."
    assert saved_devices(tmp_path / "s.json")["front_door"]["on"] is False
