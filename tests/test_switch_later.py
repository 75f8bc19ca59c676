"""A device switched later (SwitchLater): "turn off the kitchen light in 10 minutes" is a
timer that switches it when it ends, without a word, kept across restarts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes import engine_with_front_door, fake_config, intent_engine, kept_in, say_nothing
from voiced.config import Config
from voiced.intents.engine import Ahead, IntentEngine
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.timers import DeviceAction, Timers, read_timers_file

KITCHEN_OFF = DeviceAction(("kitchen_light",), False, "turn off the kitchen light")


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        (
            "Turn off the kitchen light in 10 minutes.",
            {"name": "kitchen_light", "state": "off", "minutes": 10},
        ),
        (
            "turn the bedroom lamp off in half an hour",
            {"name": "bedroom_lamp", "state": "off", "minutes": 30},
        ),
        (
            "In 5 minutes turn on the coffee maker.",
            {"name": "coffee_maker", "state": "on", "minutes": 5},
        ),
        (
            "Switch off the ceiling fan after an hour.",
            {"name": "ceiling_fan", "state": "off", "hours": 1},
        ),
        (
            "Turn off all the lights in 10 minutes.",
            {"domain": "light", "state": "off", "minutes": 10},
        ),
        (
            "Turn off the lights in the kitchen in 10 minutes.",
            {"domain": "light", "area": "kitchen", "state": "off", "minutes": 10},
        ),
        (
            "turn off the bedroom lights in half an hour",
            {"domain": "light", "area": "bedroom", "state": "off", "minutes": 30},
        ),
    ],
)
def test_a_device_switched_later_is_heard_so(
    matcher: IntentMatcher, text: str, slots: dict[str, object]
) -> None:
    match = matcher.match(text)
    assert match is not None and (match.name, match.slots) == ("SwitchLater", slots)


def test_an_area_is_no_time(matcher: IntentMatcher) -> None:
    match = matcher.match("Turn off the kitchen light in the kitchen.")
    assert match is not None and match.name == "HassTurnOff"


class Switched:
    """Stands in for the engine's devices: what a timer switched, and when."""

    def __init__(self) -> None:
        self.actions: list[DeviceAction] = []
        self.done = threading.Event()

    def __call__(self, action: DeviceAction) -> None:
        self.actions.append(action)
        self.done.set()


def test_the_timer_switches_the_device_and_says_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    switched = Switched()
    timers = Timers(kept_in(said), tmp_path / "timers.json", act=switched)
    try:
        timers.start(0.2, then=KITCHEN_OFF)
        [state] = timers.timers()
        assert state.then == KITCHEN_OFF
        assert switched.done.wait(5)
    finally:
        timers.close()
    assert switched.actions == [KITCHEN_OFF]
    assert said == []


def test_it_is_kept_across_a_restart_and_said_of_by_what_it_does(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    before = Timers(say_nothing, path)
    before.start(600, then=KITCHEN_OFF)
    before.close()
    [saved] = read_timers_file(path, time.time()).timers
    assert saved.then == KITCHEN_OFF
    assert json.loads(path.read_text())["timers"][0]["then"] == {
        "devices": ["kitchen_light"],
        "on": False,
        "said": "turn off the kitchen light",
    }
    after = Timers(say_nothing, path)
    try:
        [state] = after.timers()
        assert state.then == KITCHEN_OFF
    finally:
        after.close()


def test_one_that_ended_while_voiced_was_off_is_not_done_late(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    ended = time.time() - 60
    path.write_text(
        json.dumps({"timers": [
            {"description": "10 minutes", "seconds": 600, "ends_at": ended,
             "then": {"devices": ["kitchen_light"], "on": False,
                      "said": "turn off the kitchen light"}},
            {"description": "5 minutes", "seconds": 300, "ends_at": ended},
        ]})
    )  # fmt: skip
    said: list[str] = []
    spoken = threading.Event()
    switched = Switched()

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        said.append(text)
        spoken.set()

    timers = Timers(announce, path, act=switched)
    try:
        assert spoken.wait(5)
    finally:
        timers.close()
    assert said == [
        "Your timer for 5 minutes ended while I was off. "
        "I didn't turn off the kitchen light: I was off when it was time."
    ]
    assert switched.actions == []


@pytest.mark.parametrize(
    "then",
    [
        "off",
        {"devices": ["kitchen_light"], "said": "turn off the kitchen light"},
        {"devices": ["kitchen_light"], "on": "no", "said": "turn off the kitchen light"},
        {"devices": [""], "on": False, "said": "turn off the kitchen light"},
        {"devices": [], "on": False, "said": "turn off the kitchen light"},
        {"devices": "kitchen_light", "on": False, "said": "turn off the kitchen light"},
        {"devices": ["kitchen_light"], "on": False},
    ],
)
def test_an_unusable_action_in_the_file_is_a_problem_of_that_timer(
    tmp_path: Path, then: object
) -> None:
    path = tmp_path / "timers.json"
    path.write_text(
        json.dumps({"timers": [
            {"description": "10 minutes", "ends_at": time.time() + 600, "then": then},
            {"description": "5 minutes", "ends_at": time.time() + 300},
        ]})
    )  # fmt: skip
    read = read_timers_file(path, time.time())
    assert [timer.description for timer in read.timers] == ["5 minutes"]
    [problem] = read.problems
    assert problem.startswith('timer 1: "then"'), problem


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[IntentEngine]:
    with engine_with_front_door(tmp_path) as built:
        yield built


def test_the_engine_sets_it_and_switches_the_device_when_it_ends(engine: IntentEngine) -> None:
    match = engine.match("Turn off the kitchen light in 10 minutes.")
    assert match is not None
    assert engine.ahead(match).words == "I'll turn off the kitchen light in 10 minutes."

    answered = engine.answer(match)

    assert answered.response == "I'll turn off the kitchen light in 10 minutes." and answered.done
    [timer] = engine.timers.timers()
    assert timer.then == KITCHEN_OFF
    status = engine.match("What timers are running?")
    assert status is not None
    assert engine.answer(status).response == (
        "Your timer to turn off the kitchen light has 10 minutes left."
    )
    engine.timers.act(timer.then)  # as the scheduler does when it ends
    assert engine.devices.reported_state("kitchen_light").on is False


def test_a_device_that_cannot_be_switched_then_is_said_to_have_failed(tmp_path: Path) -> None:
    said: list[str] = []
    engine = intent_engine(fake_config(tmp_path), said.append)
    try:
        engine.timers.act(DeviceAction(("gone_lamp",), True, "turn on the gone lamp"))
    finally:
        engine.close()
    assert said == ["Sorry, I couldn't turn on the gone lamp."]


def test_a_lock_is_never_switched_later(engine: IntentEngine) -> None:
    match = engine.match("Turn off the front door in 5 minutes.")
    assert match is not None and match.name == "SwitchLater"
    answered = engine.answer(match)
    assert answered.response == "I only lock or unlock the front door when you say so."
    assert not answered.done and engine.timers.timers() == []
    assert engine.ahead(match) == Ahead(words=answered.response, acts=False)


def test_every_light_later_is_one_timer_that_switches_them_all(engine: IntentEngine) -> None:
    match = engine.match("Turn off all the lights in 10 minutes.")
    assert match is not None
    answered = engine.answer(match)
    assert answered.response == "I'll turn off the lights in 10 minutes."
    [timer] = engine.timers.timers()
    assert timer.then == DeviceAction(
        ("kitchen_light", "bedroom_lamp", "living_room_light"), False, "turn off the lights"
    )
    engine.timers.act(timer.then)
    lights = ("kitchen_light", "bedroom_lamp", "living_room_light")
    assert [engine.devices.reported_state(light).on for light in lights] == [False] * 3
