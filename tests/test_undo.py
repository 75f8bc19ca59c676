""" "Cancel that" (or "undo that") as the next command takes back what the command before
it changed, where its handler said how (Action.undo): an item added to the shopping list
or taken off it, a device switched, a light's brightness set (voiced/intents/nevermind.py,
shopping.py, home.py, engine.py)."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import say_nothing
from voiced.config import Config
from voiced.intents.engine import IntentEngine


def handle(engine: IntentEngine, text: str) -> str:
    """Answer `text` as the pipeline does, and say it (what "cancel that" refers to)."""
    match = engine.match(text)
    assert match is not None, text
    said = engine.answer(match).response
    engine.last_said = said
    return said


def items(engine: IntentEngine) -> list[str]:
    assert engine.context.shopping_list is not None
    return engine.context.shopping_list.items()


def test_cancel_that_takes_back_an_item_just_added(engine: IntentEngine) -> None:
    handle(engine, "add eggs to my shopping list")
    assert handle(engine, "add milk and eggs to my shopping list") == (
        "Added milk to your shopping list. Eggs are already on it."
    )
    # Only what that command added: the eggs were on the list before it.
    assert handle(engine, "cancel that") == "Took milk off your list."
    assert items(engine) == ["eggs"]
    # Taken back once: the next "cancel that" refers to the undo, which has none.
    assert handle(engine, "cancel that") == "Okay."
    assert items(engine) == ["eggs"]


def test_undo_that_puts_back_an_item_taken_off(engine: IntentEngine) -> None:
    handle(engine, "add milk, eggs and bread to my shopping list")
    assert handle(engine, "take eggs off my shopping list") == "Removed eggs."
    assert handle(engine, "undo that") == "Put eggs back on your list."
    assert sorted(items(engine)) == ["bread", "eggs", "milk"]


def test_nothing_is_taken_back_once_something_else_was_said(engine: IntentEngine) -> None:
    handle(engine, "add milk to my shopping list")
    # The model answered a question, or a timer rang, in between.
    engine.last_said = "The sky is blue because of Rayleigh scattering."
    assert handle(engine, "cancel that") == "Okay."
    assert items(engine) == ["milk"]


def test_only_the_command_answered_last_is_taken_back(engine: IntentEngine) -> None:
    handle(engine, "add milk to my shopping list")
    handle(engine, "what's on my shopping list")
    assert handle(engine, "undo that") == "There's nothing to undo."
    assert handle(engine, "cancel that") == "Okay."
    assert items(engine) == ["milk"]


def test_never_mind_takes_nothing_back(engine: IntentEngine) -> None:
    handle(engine, "add milk to my shopping list")
    assert handle(engine, "never mind") == "Okay."
    assert items(engine) == ["milk"]


def test_an_add_that_changed_nothing_has_nothing_to_take_back(engine: IntentEngine) -> None:
    handle(engine, "add milk to my shopping list")
    handle(engine, "add bread to my shopping list")
    assert (
        handle(engine, "add milk to my shopping list") == "Milk is already on your shopping list."
    )
    # Not the bread added two commands ago.
    assert handle(engine, "cancel that") == "Okay."
    assert items(engine) == ["milk", "bread"]


def test_a_timer_just_set_is_still_cancelled(engine: IntentEngine) -> None:
    handle(engine, "set a timer for 5 minutes")
    assert handle(engine, "cancel that") == "Cancelled the timer for 5 minutes."
    assert engine.timers.timers() == []


def test_cancel_that_switches_back_a_light_just_switched(engine: IntentEngine) -> None:
    handle(engine, "turn off the kitchen light")
    assert handle(engine, "turn on the kitchen light") == "Turned on the kitchen light."
    assert handle(engine, "cancel that") == "Turned the kitchen light back off."
    assert engine.devices.state("kitchen_light").on is False


def test_only_what_a_switch_changed_is_switched_back(engine: IntentEngine) -> None:
    handle(engine, "turn on the kitchen light")
    handle(engine, "turn off the coffee maker")
    # Never switched before: voiced does not know how the bedroom lamp was.
    handle(engine, "turn on the kitchen light, the coffee maker and the bedroom lamp")
    assert handle(engine, "undo that") == "Turned the coffee maker back off."
    states = {
        device: engine.devices.state(device).on
        for device in ("kitchen_light", "coffee_maker", "bedroom_lamp")
    }
    assert states == {"kitchen_light": True, "coffee_maker": False, "bedroom_lamp": True}


def test_a_light_already_as_asked_has_nothing_to_switch_back(engine: IntentEngine) -> None:
    handle(engine, "turn on the kitchen light")
    handle(engine, "turn on the kitchen light")
    assert handle(engine, "cancel that") == "Okay."
    assert engine.devices.state("kitchen_light").on is True


def test_cancel_that_puts_a_light_back_to_its_brightness(engine: IntentEngine) -> None:
    handle(engine, "set the kitchen light to 30 percent")
    assert handle(engine, "set the kitchen light to 80 percent") == (
        "Set the kitchen light to 80 percent."
    )
    assert handle(engine, "cancel that") == "Set the kitchen light back to 30 percent."
    assert engine.devices.state("kitchen_light").brightness_pct == 30


def test_a_light_that_was_off_is_turned_back_off(engine: IntentEngine) -> None:
    handle(engine, "turn off the kitchen light")
    handle(engine, "set the kitchen light to 50 percent")
    assert handle(engine, "undo that") == "Turned the kitchen light back off."
    assert engine.devices.state("kitchen_light").on is False


def test_lights_set_together_are_put_back_as_each_was(tmp_path: Path) -> None:
    lights = [
        {"id": name, "name": name.replace("_", " "), "area": "kitchen", "kind": "light",
         "backend": "state_file"}
        for name in ("kitchen_light", "counter_light", "pantry_light")
    ]  # fmt: skip
    config = Config(state_file={"path": str(tmp_path / "state.json")}, devices=lights)
    engine = IntentEngine(config, say_nothing)
    try:
        handle(engine, "set the kitchen light to 30 percent")
        handle(engine, "turn off the counter light")
        # The pantry light: never set, voiced does not know how it was.
        assert handle(engine, "set the kitchen lights to 60%") == (
            "Set the lights in the kitchen to 60 percent."
        )
        assert handle(engine, "cancel that") == (
            "Put the kitchen light and the counter light back as they were."
        )
        states = {name: engine.devices.state(name) for name in ("kitchen_light", "counter_light")}
        assert (states["kitchen_light"].on, states["kitchen_light"].brightness_pct) == (True, 30)
        assert states["counter_light"].on is False
        assert engine.devices.state("pantry_light").brightness_pct == 60
    finally:
        engine.close()
