"""Built-in plugin: lights, switches, fans, locks and garage doors (HassTurnOn, HassTurnOff,
HassLightSet). As in Home Assistant's intents, "on" locks a lock and opens a garage door;
unlocking or opening waits for a spoken yes."""

from __future__ import annotations

from voiced.config import DOMAIN_OF_KIND, SENSITIVE_KINDS
from voiced.intents import (
    OPENING_VERBS,
    SWITCH_VERBS,
    Action,
    Confirmation,
    IntentContext,
    IntentError,
    IntentMatch,
    Plugin,
    verbs_of,
)
from voiced.intents.ha_sentences import ha_sentences

INTENTS = ["HassTurnOn", "HassTurnOff", "HassLightSet"]

# voiced's own sentences: a command naming no configured device is still a command, and
# is refused by name rather than sent to the LLM, which cannot be trusted to refuse.
UNKNOWN_DEVICE_SENTENCES = {
    "HassTurnOn": ["<turn> on [<the>] {unknown_device}", "<turn> [<the>] {unknown_device} on"],
    "HassTurnOff": [
        "<turn> off [<the>] {unknown_device}",
        "<turn> [<the>] {unknown_device} off",
    ],
}


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    for intent, templates in UNKNOWN_DEVICE_SENTENCES.items():
        sentences["intents"][intent]["data"].append({"sentences": templates})
    sentences["lists"] = {**sentences["lists"], "unknown_device": {"wildcard": True}}
    return Plugin(
        name="home",
        description="lights, switches, fans, locks and garage doors",
        sentences=sentences,
        handlers={"HassTurnOn": turn_on, "HassTurnOff": turn_off, "HassLightSet": light_set},
        side_effect_free=frozenset(INTENTS),
    )


PAST = {"lock": "locked", "unlock": "unlocked", "open": "opened", "close": "closed"}


def turn_on(match: IntentMatch, context: IntentContext) -> Action | Confirmation:
    return _turn(match, context, on=True)


def turn_off(match: IntentMatch, context: IntentContext) -> Action | Confirmation:
    return _turn(match, context, on=False)


def light_set(match: IntentMatch, context: IntentContext) -> Action:
    percent = int(match.slots["brightness"])
    targets = targets_of(match, context, default_kind="light")

    def act() -> None:
        for device_id in targets:
            context.devices.set_brightness(device_id, percent)

    return Action(f"Set {describe(targets, match, context)} to {percent} percent.", act)


def _turn(match: IntentMatch, context: IntentContext, on: bool) -> Action | Confirmation:
    targets = targets_of(match, context)
    domains = {DOMAIN_OF_KIND[context.device_kinds[device_id]] for device_id in targets}
    verbs = verbs_of(domains.pop()) if len(domains) == 1 else SWITCH_VERBS
    verb = verbs[0] if on else verbs[1]
    what = describe(targets, match, context)

    def act() -> None:
        for device_id in targets:
            context.devices.turn(device_id, on)

    done = PAST.get(verb) or f"turned {verb.split()[-1]}"
    action = Action(f"{done.capitalize()} {what}.", act)
    if verb in OPENING_VERBS:
        return Confirmation(f"{verb.capitalize()} {what}?", lambda: action)
    return action


def targets_of(
    match: IntentMatch, context: IntentContext, default_kind: str | None = None
) -> list[str]:
    """The configured devices a command names: by name, or by area and kind."""
    slots = match.slots
    if "unknown_device" in slots:
        raise IntentError(f"I don't know a device called {slots['unknown_device']}.")
    if "name" in slots:
        return [str(slots["name"])]
    kind = slots.get("domain", default_kind)
    area = slots.get("area")
    # Locks and garage doors are only ever switched by their name or their own domain:
    # "turn off everything in the hall" does not unlock the front door.
    found = [
        device_id
        for device_id, device_kind in context.device_kinds.items()
        if (DOMAIN_OF_KIND[device_kind] == kind if kind else device_kind not in SENSITIVE_KINDS)
        and (area is None or context.device_areas[device_id] == area)
    ]
    if not found:
        what = f"{kind}s" if kind else "devices"
        raise IntentError(f"There are no {what}" + (f" in the {area}." if area else "."))
    return found


def describe(targets: list[str], match: IntentMatch, context: IntentContext) -> str:
    if len(targets) == 1:
        return f"the {context.device_names[targets[0]]}"
    kind = match.slots.get("domain", "device")
    area = match.slots.get("area")
    return f"the {kind}s" + (f" in the {area}" if area else "")
