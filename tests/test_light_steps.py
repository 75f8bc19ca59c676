"""Brighter and dimmer (voiced/intents/light_steps.py): a light moves by a step from the
brightness its back end reports, and one whose brightness is not known is not moved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import say_nothing
from tests.helpers import RECORDINGS, repeatable_config, saved_devices
from voiced.config import Config
from voiced.intents.engine import IntentEngine
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource

COMMANDS = RECORDINGS / "commands"

DEVICES = [
    {"id": "kitchen_light", "name": "kitchen light", "area": "kitchen", "kind": "light"},
    {"id": "coffee_maker", "name": "coffee maker", "area": "kitchen", "kind": "switch"},
    {"id": "bedroom_lamp", "name": "bedroom lamp", "area": "bedroom", "kind": "light"},
    {"id": "reading_light", "name": "reading light", "area": "bedroom", "kind": "light"},
]


@pytest.fixture
def steps_config(tmp_path: Path) -> Config:
    return repeatable_config(devices=DEVICES, state_file={"path": str(tmp_path / "state.json")})


@pytest.fixture
def engine(steps_config: Config) -> Iterator[IntentEngine]:
    engine = IntentEngine(steps_config, announce=say_nothing)
    yield engine
    engine.close()


def say(engine: IntentEngine, text: str) -> tuple[str | None, str]:
    """The intent the words match, and what answering them says (and does)."""
    match = engine.match(text)
    if match is None:
        return None, ""
    return match.name, engine.answer(match).response


def brightness(config: Config, device_id: str) -> tuple[bool | None, int | None]:
    device = saved_devices(config.state_file.path).get(device_id, {})
    return device.get("on"), device.get("brightness_pct")


@pytest.mark.parametrize(
    ("command", "said", "level"),
    [
        ("Dim the kitchen light.", "Dimmed the kitchen light to 30 percent.", 30),
        ("Turn down the kitchen light.", "Dimmed the kitchen light to 30 percent.", 30),
        ("Turn the kitchen light down by 10%.", "Dimmed the kitchen light to 40 percent.", 40),
        ("Make the kitchen light darker.", "Dimmed the kitchen light to 30 percent.", 30),
        ("Brighten the kitchen light.", "Brightened the kitchen light to 70 percent.", 70),
        ("Make the kitchen light brighter.", "Brightened the kitchen light to 70 percent.", 70),
        (
            "Turn up the kitchen light by 30 percent.",
            "Brightened the kitchen light to 80 percent.",
            80,
        ),
        ("Turn up the kitchen light by 90%.", "Brightened the kitchen light to 100 percent.", 100),
        # Dimming never switches a light off.
        ("Dim the kitchen light by 80 percent.", "Dimmed the kitchen light to 1 percent.", 1),
    ],
)
def test_a_light_moves_by_a_step_from_its_brightness(
    engine: IntentEngine, steps_config: Config, command: str, said: str, level: int
) -> None:
    say(engine, "Set the kitchen light to 50 percent.")

    assert say(engine, command) == ("LightStep", said)
    assert brightness(steps_config, "kitchen_light") == (True, level)


def test_at_either_end_it_says_so_and_changes_nothing(
    engine: IntentEngine, steps_config: Config
) -> None:
    say(engine, "Set the kitchen light to 100 percent.")
    assert say(engine, "Brighten the kitchen light.") == (
        "LightStep",
        "The kitchen light is already at full brightness.",
    )
    say(engine, "Set the kitchen light to 1 percent.")
    assert (
        say(engine, "Dim the kitchen light.")[1]
        == "The kitchen light is already as dim as it goes."
    )
    assert brightness(steps_config, "kitchen_light") == (True, 1)


def test_a_light_that_is_off_is_not_dimmed_and_comes_on_brightened(
    engine: IntentEngine, steps_config: Config
) -> None:
    say(engine, "Turn off the kitchen light.")
    assert say(engine, "Dim the kitchen light.") == ("LightStep", "The kitchen light is off.")
    assert brightness(steps_config, "kitchen_light") == (False, None)
    assert say(engine, "Brighten the kitchen light.")[1] == (
        "Brightened the kitchen light to 20 percent."
    )
    assert brightness(steps_config, "kitchen_light") == (True, 20)


def test_a_brightness_not_known_is_not_guessed(engine: IntentEngine, steps_config: Config) -> None:
    say(engine, "Turn on the kitchen light.")

    assert say(engine, "Dim the kitchen light.") == (
        "LightStep",
        "I don't know how bright the kitchen light is. "
        "Say a brightness, like: set the kitchen light to 40 percent.",
    )
    assert brightness(steps_config, "kitchen_light") == (True, None)


def test_an_area_s_lights_that_are_on_are_moved(engine: IntentEngine, steps_config: Config) -> None:
    say(engine, "Set the bedroom lamp to 60 percent.")
    say(engine, "Turn off the reading light.")

    assert say(engine, "Dim the bedroom lights.") == (
        "LightStep",
        "Dimmed the lights in the bedroom.",
    )
    assert brightness(steps_config, "bedroom_lamp") == (True, 40)
    assert brightness(steps_config, "reading_light") == (False, None)
    say(engine, "Turn off the bedroom lamp.")
    assert (
        say(engine, "Dim the lights in the bedroom.")[1] == "The lights in the bedroom are all off."
    )


def test_what_is_not_one_light_is_refused_by_name(
    engine: IntentEngine, steps_config: Config
) -> None:
    assert say(engine, "Dim the coffee maker.") == (
        "LightStep",
        "The coffee maker cannot be dimmed.",
    )
    assert say(engine, "Dim the lights.")[1] == (
        "Say which light: the kitchen light, the bedroom lamp or the reading light."
    )
    assert saved_devices(steps_config.state_file.path) == {}


@pytest.mark.parametrize(
    "words", ["What is dim sum?", "Turn up the music.", "Make it brighter.", "Dim."]
)
def test_words_that_name_no_device_are_not_a_step(engine: IntentEngine, words: str) -> None:
    match = engine.match(words)
    assert match is None or match.name != "LightStep", words


def test_the_words_of_a_step_are_found_ahead_without_acting(
    engine: IntentEngine, steps_config: Config
) -> None:
    say(engine, "Set the kitchen light to 50 percent.")
    match = engine.match("Dim the kitchen light.")
    assert match is not None

    ahead = engine.ahead(match)

    assert ahead.words == "Dimmed the kitchen light to 30 percent." and ahead.acts
    assert brightness(steps_config, "kitchen_light") == (True, 50)


@pytest.mark.slow
def test_spoken_steps_are_heard_checked_and_done(models: Models, steps_config: Config) -> None:
    """Through the pipeline: the command bias once heard "Dim the kitchen light." as "Turn
    on the kitchen light."; these are heard as said, and done once the check agrees."""
    before = {"kitchen_light": 50, "bedroom_lamp": 60}
    steps_config.state_file.path.write_text(
        json.dumps({"devices": {
            device_id: {"on": True, "brightness_pct": level} for device_id, level in before.items()
        }}),
        encoding="utf-8",
    )  # fmt: skip
    paths = [COMMANDS / "dim-kitchen-light.wav", COMMANDS / "brighten-bedroom-lamp.wav"]

    dim, brighten = replay(steps_config, models, WavFileSource(paths))["turns"]

    assert dim["transcript"] == "Dim the kitchen light."
    assert dim["intent"]["name"] == brighten["intent"]["name"] == "LightStep"
    assert brighten["intent"]["slots"]["light_step"] == 10
    after = {"kitchen_light": 30, "bedroom_lamp": 70}
    for turn, device_id in ((dim, "kitchen_light"), (brighten, "bedroom_lamp")):
        if (turn["heard_check"] or {}).get("decision") == "act":
            assert brightness(steps_config, device_id) == (True, after[device_id])
        else:  # heard otherwise without the bias: asked about, nothing done
            assert turn["response"].startswith("Did you mean"), turn
            assert brightness(steps_config, device_id) == (True, before[device_id])
