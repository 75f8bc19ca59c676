"""Built-in plugin: lights, switches, fans, locks and garage doors (HassTurnOn, HassTurnOff,
HassLightSet, HassGetState). As in Home Assistant's intents, "on" locks a lock and opens a
garage door; unlocking or opening waits for a spoken yes.

A device is changed only when the words say what to do to it: Home Assistant's sentences
that switch a device on its name alone ("the kitchen light") are left out, and such words
are asked about instead (DeviceWithoutAction: "Turn the kitchen light on or off?")."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    RuleReference,
    TextChunk,
)
from hassil.parse_expression import parse_sentence

from voiced.config import DOMAIN_OF_KIND, SENSITIVE_KINDS
from voiced.devices import BackendError, DeviceState
from voiced.intents import (
    OPENING_VERBS,
    SWITCH_VERBS,
    Action,
    Choice,
    Confirmation,
    IntentContext,
    IntentError,
    IntentMatch,
    Plugin,
    verbs_of,
)
from voiced.intents.ha_sentences import ha_sentences
from voiced.words import spoken_list

log = logging.getLogger(__name__)

INTENTS = ["HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState"]
# The intents that change a device: every way to say one of their sentences holds one of
# ACTION_WORDS (outside the device's name and area).
SWITCHING_INTENTS = ("HassTurnOn", "HassTurnOff")
ACTION_WORDS = frozenset(
    {"on", "off", "out", "up", "activate", "deactivate", "illuminate"}
    | {"open", "raise", "lift", "close", "shut", "lower", "lock", "unlock"}
)

# voiced's own sentences: a command naming no configured device is still a command, and
# is refused by name rather than sent to the LLM, which cannot be trusted to refuse.
UNKNOWN_DEVICE_SENTENCES = {
    "HassTurnOn": ["<turn> on [<the>] {unknown_device}", "<turn> [<the>] {unknown_device} on"],
    "HassTurnOff": [
        "<turn> off [<the>] {unknown_device}",
        "<turn> [<the>] {unknown_device} off",
    ],
    # "Is the garage door open?" with no garage door: said to be unknown, never guessed
    # by the model. Only with a state word, so "is the sky blue?" still reaches it.
    "HassGetState": [
        "(is|are) [<the>] {unknown_device} [(still|now)] <unknown_state>",
        "(is|are) my {unknown_device} [(still|now)] <unknown_state>",
        "<what_is> the state of [<the>] {unknown_device}",
    ],
}
UNKNOWN_STATE_RULE = "(on|off|open|closed|shut|locked|unlocked|running)"
# Every device off at once, as people leave the house: "turn everything off". Locks and
# garage doors are left as they are (targets_of), so nothing is unlocked or opened.
EVERYTHING_OFF_SENTENCES = {
    "sentences": [
        "<turn> (off|out) everything [(<everywhere>|<in> [<the>] {area})]",
        "<turn> everything [<in> [<the>] {area}] (off|out) [<everywhere>]",
        "<turn> (off|out) <all> devices [(<everywhere>|<in> [<the>] {area})]",
        "<turn> <all> devices [<in> [<the>] {area}] (off|out) [<everywhere>]",
    ],
    "slots": {"scope": "everything"},
}

# Every light on, as Home Assistant's sentences already turn every light off ("turn off
# all the lights"); theirs turn lights on only in a named area or the speaker's own.
ALL_LIGHTS_ON_SENTENCES = {
    "sentences": [
        "<turn> on <all> <light> [<everywhere>]",
        "<turn> <all> <light> on [<everywhere>]",
        "<turn> on [<the>] <light> <everywhere>",
        "<turn> [<the>] <light> on <everywhere>",
        "activate <all> <light> [<everywhere>]",
    ],
    "slots": {"domain": "light"},
}
# A device switched back: "turn the kitchen light back on" (Home Assistant's sentences
# have no "back"), by the fixed slot of HassTurnOn or HassTurnOff.
BACK_SENTENCES = {
    on_off: {
        "sentences": [
            f"<turn> [<the>] {{name}} back {on_off}",
            f"<turn> back {on_off} [<the>] {{name}}",
            f"<turn> {on_off} [<the>] {{name}} again",
        ]
    }
    for on_off in ("on", "(off|out)")
}
# Two or three devices in one command: "turn off the kitchen light and the bedroom lamp".
# Locks and garage doors are refused in a list (targets_of): each is said on its own.
# Whisper writes Piper's "light and the bedroom lamp" as "light in the bedroom lamp": a
# device is in an area, never in another device, so "in" between two names is an "and".
DEVICE_LIST = "[<the>] {name} [,] (and|in) [<the>] {name:name_2}"
DEVICE_LIST_3 = "[<the>] {name}[,] [<the>] {name:name_2}[,] (and|in) [<the>] {name:name_3}"
DEVICE_LIST_SENTENCES = {
    on_off: {
        "sentences": [f"<turn> {on_off} {listed}" for listed in (DEVICE_LIST, DEVICE_LIST_3)]
        + [f"<turn> {listed} {on_off}" for listed in (DEVICE_LIST, DEVICE_LIST_3)]
    }
    for on_off in ("on", "(off|out)")
}
# The slots that name the devices of a list, in the order said.
NAME_SLOTS = ("name", "name_2", "name_3")

# A device (or the lights of an area) named with no word of what to do to it.
WITHOUT_ACTION_SENTENCES = [
    {
        "sentences": [
            "[<turn>] [<the>] {name}",
            "[<turn>] [<the>] {area} [<the>] {name}",
            "[<turn>] [<the>] {name} <in> [<the>] {area}",
        ]
    },
    {
        "sentences": [
            "[<turn>] [(<all>|<the>)] {area} <light>",
            "[<turn>] [(<all>|<the>)] <light> <in> [<the>] {area}",
        ],
        "slots": {"domain": "light"},
    },
    # "The lights.": no area and no one light, answered as "turn off the lights" is.
    {
        "sentences": ["[<turn>] [(<all>|<the>)] <light>"],
        "slots": {"unknown_device": "lights"},
    },
]
# Brightness by area as people say it: "set the bedroom light to 40 percent".
AREA_BRIGHTNESS_SENTENCES = {
    "sentences": [
        "[<numeric_value_set>] [(<all>|<the>)] {area} <light> [brightness] [to] "
        "{brightness}[([ ]%)| percent] [brightness]",
        "[<numeric_value_set>] [the] brightness of [(<all>|<the>)] {area} <light> [to] "
        "{brightness}[([ ]%)| percent]",
    ],
    "slots": {"domain": "light"},
}
# Brightness in words: "set the bedroom lamp to half brightness", "kitchen light to full".
BRIGHTNESS_WORDS = {
    50: "half",
    100: "(full|max|maximum|the (max|maximum))",
}
WORDED_BRIGHTNESS_SENTENCES = [
    {
        "sentences": [
            f"[<numeric_value_set>] [<the>] {{name}} [brightness] (to|at) {words} [brightness]",
            f"[<numeric_value_set>] [the] brightness of [<the>] {{name}} (to|at) {words}",
            f"[<numeric_value_set>] [<the>] {{name}} to {words} [brightness]",
        ],
        "slots": {"brightness": percent},
        "requires_context": {"domain": "light"},
    }
    for percent, words in BRIGHTNESS_WORDS.items()
]
# Temperature and humidity indoors: voiced reads no sensor, and says so rather than let
# the model answer "I cannot." (outdoors is the weather: voiced/intents/offline.py).
INDOOR_READING_SENTENCES = [
    {
        "sentences": [
            "(what's|what is) the {indoor_quantity:quantity} (in|inside) [<the>] {area}",
            "(what's|what is) the {indoor_quantity:quantity} (inside|in here|indoors|in the house)",
            "(what's|what is) the {area} {indoor_quantity:quantity}",
        ]
    },
    *(
        {
            "sentences": [
                f"how {asked} is it (in here|inside|indoors|in the house)",
                f"how {asked} is it in [<the>] {{area}}",
                f"how {asked} is the {{area}}",
            ],
            "slots": {"quantity": quantity},
        }
        for asked, quantity in (("(warm|cold|hot)", "temperature"), ("humid", "humidity"))
    ),
]
INDOOR_QUANTITIES = {"temperature": "temperature", "humidity": "humidity"}

# A configured device's state asked as people ask it, beyond Home Assistant's "is the
# kitchen light on": without these the unknown-device sentences took "is the kitchen light
# still on" for a device called "kitchen light".
STATE_QUESTION_SENTENCES = [
    {
        "sentences": [
            "<is> [<the>] {name} [(still|now)] [(turned|switched)] {on_off_states:state}",
        ],
        "response": "one_yesno",
        "requires_context": {"domain": ["light", "switch", "fan"]},
    },
    {
        "sentences": ["<is> [<the>] {name} [(still|now)] running"],
        "slots": {"state": "on"},
        "response": "one_yesno",
        "requires_context": {"domain": ["light", "switch", "fan"]},
    },
    {
        "sentences": ["<is> [<the>] {name} [(still|now)] {lock_states:state}"],
        "response": "one_yesno",
        "requires_context": {"domain": ["lock"]},
    },
    {
        "sentences": ["<is> [<the>] {name} [(still|now)] {cover_states:state}"],
        "response": "one_yesno",
        "requires_context": {"domain": ["cover"]},
    },
    # "Is the kitchen light on or off?": its state, whichever it is.
    {
        "sentences": ["<is> [<the>] {name} [(turned|switched)] (on or off|off or on)"],
        "response": "one",
    },
]
# A light's brightness asked about: "what is the bedroom lamp's brightness?"
BRIGHTNESS_QUESTION_SENTENCES = {
    "sentences": [
        "<what_is> [<the>] {name}[']s brightness",
        "<what_is> the brightness (of|on) [<the>] {name}",
        "how bright is [<the>] {name}",
        "what brightness is [<the>] {name} [(at|set to|on)]",
    ],
    "response": "brightness",
}


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    intents = sentences["intents"]
    rules = sentences["expansion_rules"]
    for intent in SWITCHING_INTENTS:
        intents[intent]["data"] = _with_action_words(intents[intent]["data"], rules)
    for intent, templates in UNKNOWN_DEVICE_SENTENCES.items():
        intents[intent]["data"].append({"sentences": templates})
    intents["HassTurnOff"]["data"].append(EVERYTHING_OFF_SENTENCES)
    intents["HassTurnOn"]["data"].append(ALL_LIGHTS_ON_SENTENCES)
    intents["HassTurnOn"]["data"].append(DEVICE_LIST_SENTENCES["on"])
    intents["HassTurnOff"]["data"].append(DEVICE_LIST_SENTENCES["(off|out)"])
    intents["HassTurnOn"]["data"].append(BACK_SENTENCES["on"])
    intents["HassTurnOff"]["data"].append(BACK_SENTENCES["(off|out)"])
    intents["HassLightSet"]["data"].append(AREA_BRIGHTNESS_SENTENCES)
    intents["HassLightSet"]["data"].extend(WORDED_BRIGHTNESS_SENTENCES)
    intents["IndoorReading"] = {"data": INDOOR_READING_SENTENCES}
    intents["HassGetState"]["data"].extend(
        [*STATE_QUESTION_SENTENCES, BRIGHTNESS_QUESTION_SENTENCES]
    )
    intents["DeviceWithoutAction"] = {"data": WITHOUT_ACTION_SENTENCES}
    rules["unknown_state"] = UNKNOWN_STATE_RULE
    sentences["lists"] = {
        **sentences["lists"],
        "unknown_device": {"wildcard": True},
        "indoor_quantity": {
            "values": [{"in": said, "out": kept} for said, kept in INDOOR_QUANTITIES.items()]
        },
    }
    return Plugin(
        name="home",
        description="lights, switches, fans, locks and garage doors: switched, dimmed, asked about",
        sentences=sentences,
        handlers={
            "HassTurnOn": turn_on,
            "HassTurnOff": turn_off,
            "HassLightSet": light_set,
            "HassGetState": get_state,
            "DeviceWithoutAction": ask_what_to_do,
            "IndoorReading": no_indoor_reading,
        },
        side_effect_free=frozenset([*INTENTS, "DeviceWithoutAction", "IndoorReading"]),
    )


def _with_action_words(blocks: list[dict[str, Any]], rules: dict[str, str]) -> list[dict[str, Any]]:
    """The blocks with only the sentences that always say what to do."""
    parsed_rules = {name: parse_sentence(body).expression for name, body in rules.items()}
    kept = []
    for block in blocks:
        sentences = [
            sentence
            for sentence in block["sentences"]
            if says_an_action(parse_sentence(sentence).expression, parsed_rules)
        ]
        for dropped in set(block["sentences"]) - set(sentences):
            log.debug("left out %r: it names no action", dropped)
        if sentences:
            kept.append({**block, "sentences": sentences})
    return kept


def says_an_action(expression: Expression, rules: dict[str, Expression], depth: int = 0) -> bool:
    """Whether every way of saying `expression` holds one of ACTION_WORDS; a slot's value
    (a device's name, an area) never counts."""
    if depth > MAX_RULE_DEPTH:
        return False
    if isinstance(expression, TextChunk):
        return bool(set(expression.text.lower().split()) & ACTION_WORDS)
    if isinstance(expression, RuleReference):
        rule = rules.get(expression.rule_name)
        return rule is not None and says_an_action(rule, rules, depth + 1)
    if isinstance(expression, ListReference) or not isinstance(expression, Group):
        return False
    if isinstance(expression, Alternative):
        # Optional, or one alternative without: it can be said without.
        return not expression.is_optional and all(
            says_an_action(item, rules, depth + 1) for item in expression.items
        )
    # A sequence or a permutation: every item is said.
    return any(says_an_action(item, rules, depth + 1) for item in expression.items)


MAX_RULE_DEPTH = 24


PAST = {"lock": "locked", "unlock": "unlocked", "open": "opened", "close": "closed"}


def turn_on(match: IntentMatch, context: IntentContext) -> Action | Confirmation:
    return _turn(match, context, on=True)


def turn_off(match: IntentMatch, context: IntentContext) -> Action | Confirmation:
    return _turn(match, context, on=False)


def light_set(match: IntentMatch, context: IntentContext) -> Action:
    percent = int(match.slots["brightness"])
    targets = targets_of(match, context, default_kind="light")

    def act() -> None:
        on_each(
            targets, lambda device_id: context.devices.set_brightness(device_id, percent), context
        )

    return Action(
        f"Set {describe(targets, match, context)} to {percent} percent.",
        act,
        undo=_brightness_back(targets, percent, context),
    )


def _brightness_back(targets: list[str], percent: int, context: IntentContext) -> Action | None:
    """What "cancel that" does after `targets` were set to `percent`: each light voiced knew
    to be otherwise before put back as it was (off, or its brightness then). None when it
    knew none so."""
    was: dict[str, int] = {}  # 0: it was off
    for device_id in targets:
        state = context.devices.state(device_id)
        before = 0 if state.on is False else state.brightness_pct if state.on else None
        if before is not None and before != percent:
            was[device_id] = before

    if not was:
        return None

    def put_back(device_id: str) -> None:
        if was[device_id]:
            context.devices.set_brightness(device_id, was[device_id])
        else:
            context.devices.turn(device_id, False)

    def act() -> None:
        on_each(list(was), put_back, context)

    names = _names(list(was), context)
    if len(was) > 1:
        response = f"Put {names} back as they were."
    elif level := next(iter(was.values())):
        response = f"Set {names} back to {level} percent."
    else:
        response = f"Turned {names} back off."
    return Action(response, act)


def switch_verbs(targets: list[str], context: IntentContext) -> tuple[str, str]:
    """The ("on", "off") verbs of the targets: their domain's ("lock", "unlock") when they
    share one, else "turn on" and "turn off"."""
    domains = {DOMAIN_OF_KIND[context.device_kinds[device_id]] for device_id in targets}
    return verbs_of(domains.pop()) if len(domains) == 1 else SWITCH_VERBS


def _turn(match: IntentMatch, context: IntentContext, on: bool) -> Action | Confirmation:
    targets = targets_of(match, context)
    verbs = switch_verbs(targets, context)
    verb = verbs[0] if on else verbs[1]
    what = describe(targets, match, context)

    def act() -> None:
        on_each(targets, lambda device_id: context.devices.turn(device_id, on), context)

    done = PAST.get(verb) or f"turned {verb.split()[-1]}"
    action = Action(f"{done.capitalize()} {what}.", act, undo=_switched_back(targets, on, context))
    if verb in OPENING_VERBS:
        return Confirmation(f"{verb.capitalize()} {what}?", lambda: action)
    return action


def _switched_back(targets: list[str], on: bool, context: IntentContext) -> Action | None:
    """What "cancel that" does after `targets` were switched `on`: those voiced knew to be
    the other way before, switched back. None when it knew none so, or for a lock or a
    garage door (a misheard "cancel that" must never unlock or open one)."""
    if any(context.device_kinds[device_id] in SENSITIVE_KINDS for device_id in targets):
        return None
    before = [device_id for device_id in targets if context.devices.state(device_id).on is (not on)]
    if not before:
        return None

    def act() -> None:
        on_each(before, lambda device_id: context.devices.turn(device_id, not on), context)

    return Action(f"Turned {_names(before, context)} back {'off' if on else 'on'}.", act)


def on_each(targets: list[str], do: Callable[[str], None], context: IntentContext) -> None:
    """`do` to every target: one device that cannot be reached leaves the others done,
    and the error names those it could not reach."""
    failed: list[tuple[str, BackendError]] = []
    for device_id in targets:
        try:
            do(device_id)
        except BackendError as err:
            failed.append((device_id, err))
    if not failed:
        return
    # Its own words when they can be said as they are ("The bedroom lamp is unavailable.").
    if len(failed) == 1 and (len(targets) == 1 or isinstance(failed[0][1], IntentError)):
        raise failed[0][1]
    raise BackendError(
        "; ".join(str(err) for _device_id, err in failed),
        unreached=_names([device_id for device_id, _err in failed], context),
    )


def targets_of(
    match: IntentMatch, context: IntentContext, default_kind: str | None = None
) -> list[str]:
    """The configured devices a command names: by name, or by area and kind."""
    slots = match.slots
    if "unknown_device" in slots:
        raise IntentError(unknown_device(str(slots["unknown_device"]), context))
    if "name" in slots:
        named = list(dict.fromkeys(str(slots[slot]) for slot in NAME_SLOTS if slot in slots))
        sensitive = [
            device_id for device_id in named if context.device_kinds[device_id] in SENSITIVE_KINDS
        ]
        if len(named) > 1 and sensitive:
            name = context.device_names[sensitive[0]]
            raise IntentError(f"Say the {name} on its own: I open and lock one thing at a time.")
        return named
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


# Words that name a kind of device, not one device: "turn off the lights".
DOMAIN_OF_WORD = {
    **dict.fromkeys(["light", "lights", "lamp", "lamps", "lighting"], "light"),
    **dict.fromkeys(["fan", "fans"], "fan"),
}


def unknown_device(named: str, context: IntentContext) -> str:
    """What to say of a device name voiced does not know. "The lights" names no one light
    (and no area), so the lights voiced knows are offered, never one of them chosen."""
    domain = DOMAIN_OF_WORD.get(named.lower())
    if domain is None:
        return f"I don't know a device called {_unknown_of_list(named, context)}."
    devices = [
        device_id
        for device_id, kind in context.device_kinds.items()
        if DOMAIN_OF_KIND[kind] == domain
    ]
    if not devices:
        return f"There are no {domain}s."
    return f"Say which {domain}: {_names(devices, context, last='or')}."


# Between the devices of a list: "the kitchen light, the fan and the dining room light".
LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)


def _unknown_of_list(named: str, context: IntentContext) -> str:
    """The devices of a list voiced does not know ("dining room light" of "kitchen light
    and dining room light"); the whole phrase when it names no device voiced knows (a
    name may hold an "and")."""
    parts = [part for part in LIST_SEPARATOR.split(named.strip(" .,!?")) if part]
    known = {name.lower() for name in context.device_names.values()}
    unknown = [part for part in parts if part.lower() not in known]
    if len(parts) < 2 or not unknown or len(unknown) == len(parts):
        return named
    return " and ".join(unknown)


def describe(targets: list[str], match: IntentMatch, context: IntentContext) -> str:
    if len(targets) == 1 or "name" in match.slots:
        return _names(targets, context)
    area = match.slots.get("area")
    where = f" in the {area}" if area else ""
    if match.slots.get("scope") == "everything":
        return "everything" + where
    return f"the {match.slots.get('domain', 'device')}s{where}"


def no_indoor_reading(match: IntentMatch, context: IntentContext) -> str:
    """ "What's the temperature in the kitchen?": no sensor is read, and that is said."""
    quantity = match.slots["quantity"]
    return f"I can't tell the {quantity}: I have no {quantity} sensor to read."


def ask_what_to_do(match: IntentMatch, context: IntentContext) -> Choice | str:
    """A device named without an action: asked about, never switched. Locks and garage
    doors are not asked about (an answer would have to be confirmed in turn): refused."""
    targets = targets_of(match, context, default_kind=match.slots.get("domain"))
    what = describe(targets, match, context)
    kinds = {context.device_kinds[device_id] for device_id in targets}
    on_verb, off_verb = switch_verbs(targets, context)
    if kinds & SENSITIVE_KINDS:
        return f"Say {on_verb} or {off_verb} {what}."

    def switch(on: bool) -> Action:
        said = _turn(match, context, on=on)
        if isinstance(said, Confirmation):  # only locks and garage doors ask, refused above
            raise IntentError(f"Say {on_verb} or {off_verb} {what}.")
        return said

    return Choice(
        f"Turn {what} on or off?",
        {"on": lambda: switch(True), "off": lambda: switch(False), "out": lambda: switch(False)},
    )


# What a device's state is called, by kind: (on, off).
STATE_WORDS = {"lock": ("locked", "unlocked"), "garage_door": ("open", "closed")}
# HassGetState's state slot values that mean "on".
ON_STATE_VALUES = frozenset({"on", "locked", "open"})
PLURALS = {"switch": "switches"}


def get_state(match: IntentMatch, context: IntentContext) -> str:
    """HassGetState: one device ("is the kitchen light on?", "what is the bedroom lamp's
    brightness?") or a kind of device ("which lights are on?"), as its back end reports it."""
    slots = match.slots
    if "unknown_device" in slots:
        return unknown_device(str(slots["unknown_device"]), context)
    if "name" in slots:
        device_id = str(slots["name"])
        state = context.devices.reported_state(device_id)
        if match.response == "brightness":
            return _brightness(device_id, state, context)
        if "state" in slots:
            return _one_yes_no(device_id, state, str(slots["state"]), context)
        return _one(device_id, state, context)
    if match.response == "brightness":  # "the bedroom lights to 40 percent?"
        targets = targets_of(match, context, default_kind="light")
        return " ".join(
            _brightness(device_id, context.devices.reported_state(device_id), context)
            for device_id in targets
        )
    targets = targets_of(match, context)
    wanted = str(slots.get("state", "on"))
    want_on = wanted in ON_STATE_VALUES
    states = {device_id: context.devices.reported_state(device_id) for device_id in targets}
    matching = [device_id for device_id, state in states.items() if state.on is want_on]
    others = [device_id for device_id, state in states.items() if state.on is (not want_on)]
    unknown = [device_id for device_id, state in states.items() if state.on is None]
    kind = str(slots.get("domain", "device"))
    kinds = PLURALS.get(kind, f"{kind}s")
    where = f" in the {slots['area']}" if slots.get("area") else ""
    named = _names(matching, context) if matching else ""
    are = "is" if len(matching) == 1 else "are"
    response = match.response or "which"
    if response == "all":
        if not others and not unknown:
            said = f"Yes, {named} {are} {wanted}."
        elif others:
            said = f"No, {_names(others, context)} {'is' if len(others) == 1 else 'are'} not."
        else:
            said = f"{named.capitalize()} {are} {wanted}." if matching else ""
    elif not matching:
        said = f"No {kinds}{where} are {wanted}."
        said = f"No, n{said[1:]}" if response == "any" else said
    elif response == "how_many":
        count = f"{len(matching)} {kind if len(matching) == 1 else kinds}"
        said = f"{count}{where} {are} {wanted}: {named}."
    else:
        said = f"{'Yes, ' if response == 'any' else ''}{named} {are} {wanted}."
    if unknown:
        said += f" I don't know about {_names(unknown, context)}."
    return said.strip()[0].upper() + said.strip()[1:]


def _state_word(device_id: str, on: bool, context: IntentContext) -> str:
    on_word, off_word = STATE_WORDS.get(context.device_kinds[device_id], ("on", "off"))
    return on_word if on else off_word


def _one_yes_no(device_id: str, state: DeviceState, wanted: str, context: IntentContext) -> str:
    name = context.device_names[device_id]
    if state.on is None:
        return f"I don't know whether the {name} is {wanted}."
    word = _state_word(device_id, state.on, context)
    return f"{'Yes' if state.on is (wanted in ON_STATE_VALUES) else 'No'}, the {name} is {word}."


def _one(device_id: str, state: DeviceState, context: IntentContext) -> str:
    name = context.device_names[device_id]
    if state.on is None:
        return f"I don't know whether the {name} is on."
    word = _state_word(device_id, state.on, context)
    at = f" at {state.brightness_pct} percent" if state.on and state.brightness_pct else ""
    return f"The {name} is {word}{at}."


def _brightness(device_id: str, state: DeviceState, context: IntentContext) -> str:
    name = context.device_names[device_id]
    if state.on is False:
        return f"The {name} is off."
    if state.brightness_pct is not None and state.on:
        return f"The {name} is at {state.brightness_pct} percent."
    if state.on:
        return f"The {name} is on; I don't know its brightness."
    return f"I don't know the {name}'s brightness."


def _names(device_ids: list[str], context: IntentContext, last: str = "and") -> str:
    """ "the kitchen light, the coffee maker and the bedroom lamp" """
    return spoken_list([f"the {context.device_names[device_id]}" for device_id in device_ids], last)
