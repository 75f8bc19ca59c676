"""Built-in plugin: brighter and dimmer (LightStep, voiced's own): "dim the kitchen
light", "turn up the bedroom lamp by 30 percent", "make the kitchen lights brighter".
Home Assistant's sentences set a brightness only to a number; these move it from the one
its back end reports, by a step. Nothing is guessed: a light whose brightness is not
known is not moved, and the answer says how to set one."""

from __future__ import annotations

from typing import Any

from voiced.intents import Action, IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.ha_sentences import own_sentences
from voiced.intents.home import describe, targets_of

INTENT = "LightStep"
# How far "dim" and "brighten" move a light, in percent of full brightness.
DEFAULT_STEP_PCT = 20
# Dimming stops here: "dim" never switches a light off.
LOWEST_PCT = 1
_BY = "[by {light_step}[([ ]%)| percent]]"
# Each way of saying it, "@" where the light goes.
_SAID = {
    "down": ["dim @ " + _BY, "turn down @ " + _BY, "turn @ down " + _BY,
             "make @ (dimmer|darker|less bright)"],
    "up": ["brighten @ " + _BY, "turn up @ " + _BY, "turn @ up " + _BY, "make @ brighter"],
}  # fmt: skip
_ONE_LIGHT = ["[<the>] {name}"]
_AREA_LIGHTS = ["[(<all>|<the>)] {area} <light>", "[(<all>|<the>)] <light> <in> [<the>] {area}"]


def _sentences(direction: str, lights: list[str]) -> list[str]:
    return [said.replace("@", light) for said in _SAID[direction] for light in lights]


SENTENCES: list[dict[str, Any]] = [
    block
    for direction in _SAID
    for block in (
        {
            "sentences": _sentences(direction, _ONE_LIGHT),
            # Any device: one that is no light is refused by name, not left to the model.
            "slots": {"direction": direction},
        },
        {
            "sentences": _sentences(direction, _AREA_LIGHTS),
            "slots": {"direction": direction, "domain": "light"},
        },
        # "Dim the lights.": no area and no one light, answered as "turn off the lights" is.
        {
            "sentences": _sentences(direction, ["[(<all>|<the>)] <light>"]),
            "slots": {"direction": direction, "unknown_device": "lights"},
        },
    )
]
LISTS = {"light_step": {"range": {"from": 1, "to": 100}}}


def plugin() -> Plugin:
    # With Home Assistant's "<the>", "<light>", "<in>" and "<all>" rules.
    sentences = own_sentences({INTENT: {"data": SENTENCES}}, LISTS)
    return Plugin(
        name="light_steps",
        description="lights made brighter or dimmer by a step",
        sentences=sentences,
        handlers={INTENT: light_step},
        side_effect_free=frozenset({INTENT}),
    )


def light_step(match: IntentMatch, context: IntentContext) -> Action:
    """Each light named moved by the step, from the brightness its back end reports. An
    area's lights that are off stay off when dimmed; a light brightened from off comes on
    at the step."""
    down = match.slots.get("direction") == "down"
    step = int(match.slots.get("light_step", DEFAULT_STEP_PCT))
    targets = targets_of(match, context, default_kind="light")
    levels = {}
    for device_id in targets:
        level = _moved(device_id, context, -step if down else step, alone=len(targets) == 1)
        if level is not None:
            levels[device_id] = level
    if not levels:
        what = describe(targets, match, context)
        raise IntentError(f"{what[:1].upper()}{what[1:]} are all off.")

    def act() -> None:
        for device_id, level in levels.items():
            context.devices.set_brightness(device_id, level)

    done = "Dimmed" if down else "Brightened"
    if len(targets) == 1:
        [level] = levels.values()
        return Action(f"{done} {describe(targets, match, context)} to {level} percent.", act)
    return Action(f"{done} {describe(targets, match, context)}.", act)


def _moved(device_id: str, context: IntentContext, change: int, alone: bool) -> int | None:
    """The brightness to set; None for a light that is off and being dimmed among others."""
    name = context.device_names[device_id]
    if context.device_kinds[device_id] != "light":
        raise IntentError(f"The {name} cannot be dimmed.")
    state = context.devices.reported_state(device_id)
    if state.on is False:
        if change > 0:
            return min(change, 100)
        if alone:
            raise IntentError(f"The {name} is off.")
        return None
    if state.brightness_pct is None:
        raise IntentError(
            f"I don't know how bright the {name} is. "
            f"Say a brightness, like: set the {name} to 40 percent."
        )
    level = max(LOWEST_PCT, min(100, state.brightness_pct + change))
    if level == state.brightness_pct and alone:
        said = "at full brightness" if change > 0 else "as dim as it goes"
        raise IntentError(f"The {name} is already {said}.")
    return level
