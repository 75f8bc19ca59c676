"""Matching a transcript against every plugin's templates with hassil, with device names
and areas from the configuration, tolerating a slip in the last word of a device's name."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import re
import threading
from typing import Any

from hassil import Intents, SlotList, TextSlotList, merge_dict, recognize_best

from voiced.config import DeviceConfig
from voiced.intents import OPENING_VERBS, IntentMatch, verbs_of
from voiced.intents.compound import compound_match
from voiced.intents.registry import Registry
from voiced.numbers import spell_numbers
from voiced.words import last_word_differs, name_words_alike
from voiced.words import words as words_of

log = logging.getLogger(__name__)

# The built-in commands, for biasing recognition.
COMMAND_SENTENCES = [
    "Set the brightness to 50 percent.",
    # Without it the bias heard "Dim the kitchen light." as "Turn on the kitchen light."
    "Dim the lights.",
    "Set a timer for five minutes.",
    "Cancel the timer.",
    "Pause the timer.",
    "Resume the timer.",
    "Add two minutes to the timer.",
    "What time is it?",
]
# A command corrected while it was said: "turn on the kitchen light, no, the bedroom lamp".
CORRECTION = re.compile(
    r"^(?P<command>.*\bthe\s+)[\w' ]+?[.,!?]*\s+no[.,!?]*\s+(?:i mean\s+)?"
    r"the\s+(?P<meant>[\w' ]+?)[.,!?]*$",
    re.IGNORECASE,
)
# A number written from its point: Whisper writes "point five" as ".5", which hassil reads
# as 5 (".5 hours" started a 5-hour timer). Matched with its zero: "0.5".
POINT_FIRST = re.compile(r"(?<![\w.])\.(?=\d)")
# Words that name no device on their own.
ARTICLES = {"the", "a", "an", "my", "our"}
# Words that say to do something. "Kitchen light on?" has none: a question about the
# light whose "is" was lost, answered, never a switch; "Turn on the kitchen light?" is
# a command, however Whisper ends it.
COMMAND_VERBS = frozenset(
    {"turn", "switch", "change", "bring", "put", "set", "make", "get", "activate"}
    | {"deactivate", "illuminate", "open", "close", "shut", "lock", "unlock", "raise"}
    | {"lower", "lift", "increase", "decrease", "dim", "brighten"}
)
# A switch's intent, and the state a question in its words asks about.
STATE_ASKED = {"HassTurnOn": "on", "HassTurnOff": "off"}
# A brightness set, asked about as "what is its brightness?".
BRIGHTNESS_ASKED = "HassLightSet"


def _parsed(data: dict[str, Any]) -> Intents:
    """The sentences parsed, once per process for the same sentences: hassil parses each
    template on first use (0.6 s for voiced's own at start), and a reload with the same
    plugins, or another engine, reads the parsed ones (nothing changes them)."""
    try:
        key = json.dumps(data, sort_keys=True)
    except (TypeError, ValueError):  # a plugin's value JSON cannot write: parsed afresh
        return Intents.from_dict(data)
    with _parsed_lock:
        intents = _parsed_by_sentences.get(key)
        if intents is None:
            intents = Intents.from_dict(data)
            # The latest two: the sentences before a reload and after.
            _parsed_by_sentences[key] = intents
            for old in list(_parsed_by_sentences)[:-2]:
                del _parsed_by_sentences[old]
        return intents


_parsed_lock = threading.Lock()
_parsed_by_sentences: dict[str, Intents] = {}


class IntentMatcher:
    def __init__(self, registry: Registry, devices: list[DeviceConfig]) -> None:
        self.registry = registry
        data: dict[str, Any] = {}
        for plugin in registry.plugins:
            # merge_dict adopts and extends the dicts and lists it is given: merge copies.
            merge_dict(data, copy.deepcopy(plugin.sentences))
        self._intents = _parsed(data) if data else None
        self._plugin_of = {
            intent: plugin.name for plugin in registry.plugins for intent in plugin.handlers
        }
        self._names = {
            spoken.lower(): device
            for device in devices
            for spoken in [device.name, *device.aliases]
        }
        areas = sorted({device.area for device in devices if device.area})
        self._areas = areas
        # A name with a number in it is heard either way: "lamp 2" or "lamp two" (Vosk
        # writes only words, Whisper either).
        said_names = {
            said: device
            for spoken, device in self._names.items()
            for said in (spoken, spell_numbers(spoken))
        }
        self._slot_lists: dict[str, SlotList] = {
            "name": TextSlotList.from_tuples(
                [
                    (spoken, device.id, {"domain": device.domain})
                    for spoken, device in said_names.items()
                ]
            ),
            "area": TextSlotList.from_tuples([(area, area) for area in areas]),
        }
        # hassil compiles its templates on first use, and the timers' number words on the
        # first duration said in words (40 ms): pay for both at start, not in a turn.
        self.match("what time is it")
        self.match("set a timer for one hundred minutes")

    def vocabulary(self) -> list[str]:
        """Sentences to bias recognition toward: the commands, with the device names.
        Whisper takes them as a prompt and copies their style, so they are whole sentences."""
        names = list(self._names.items())
        # Every other name with the first verb, then the rest with the second.
        examples = [
            f"{_example_verbs(device.domain)[verb].capitalize()} the {spoken}."
            for verb in (0, 1)
            for spoken, device in names[verb::2]
        ]
        return [*examples, *COMMAND_SENTENCES]

    def match(self, text: str) -> IntentMatch | None:
        found = self._match_one(text)
        # "Turn off the light and set a timer ...": the device sentences' wildcard takes
        # "light and set a timer ..." for one unknown device; several commands come first.
        if found is None or "unknown_device" in found.slots:
            return compound_match(text, self._match_one) or found
        return found

    def _match_one(self, text: str) -> IntentMatch | None:
        corrected = CORRECTION.match(text.strip())
        if corrected is not None:
            meant = corrected.group("command") + corrected.group("meant")
            log.info("heard %r as corrected to %r", text, meant)
            found = self._match(meant)
            found = None if found is None else dataclasses.replace(found, text=text)
        else:
            found = self._match(text)
        return None if found is None else self._as_asked(found)

    def _as_asked(self, match: IntentMatch) -> IntentMatch:
        """A device change said as a question with no verb is the question of the
        device's state (HassGetState), never a command: "The kitchen light off?" asks
        whether it is off, "Bedroom lamp to fifty percent?" what its brightness is."""
        plugin = self._plugin_of.get("HassGetState")
        if match.name not in STATE_ASKED and match.name != BRIGHTNESS_ASKED:
            return match
        if plugin is None or not match.text.rstrip().endswith("?"):
            return match
        if COMMAND_VERBS & set(words_of(match.text)):
            return match
        log.info("heard %r as a question of the state", match.text)
        if match.name == BRIGHTNESS_ASKED:
            slots = {name: value for name, value in match.slots.items() if name != "brightness"}
            return IntentMatch("HassGetState", slots, plugin, match.text, response="brightness")
        state = STATE_ASKED[match.name]
        return IntentMatch("HassGetState", {**match.slots, "state": state}, plugin, match.text)

    def _match(self, text: str) -> IntentMatch | None:
        match = self._recognize(text)
        if match is not None and "unknown_device" not in match.slots:
            return match
        corrected = self._correct_device_name(text)
        if corrected is not None:
            log.info("heard %r as %r", text, corrected)
            return self._recognize(corrected) or match
        return match

    def _recognize(self, text: str) -> IntentMatch | None:
        if self._intents is None:
            return None
        result = recognize_best(
            # A sentence's own full stop after a decimal ("1.5.") kept hassil from
            # reading the number.
            POINT_FIRST.sub("0.", text.rstrip().rstrip(".")),
            self._intents,
            slot_lists=self._slot_lists,
            language="en",
            best_slot_name="name",
        )
        if result is None or result.intent.name not in self._plugin_of:
            return None
        # A list whose name begins with "_" only lets a template match (the figures of a
        # sum): what it matched is in the words, and no slot of the command.
        slots = {
            name: whole(entity.value)
            for name, entity in result.entities.items()
            if not name.startswith("_")
        }
        if "unknown_device" in slots:
            named = " ".join(
                word
                for word in str(slots["unknown_device"]).strip(" .,!?").split()
                if word.lower() not in ARTICLES
            )
            if not named:
                return None  # "turn on the": not yet a command
            slots["unknown_device"] = named
        plugin = self._plugin_of[result.intent.name]
        return IntentMatch(result.intent.name, slots, plugin, text, response=result.response)

    def _correct_device_name(self, text: str) -> str | None:
        """The text with a slip in one device's name corrected ("kitchen lite"): a phrase
        that is the name but for its last word, heard alike. Only the last word: the words
        before it tell one device from another, so "dining room light" is no slip of
        "living room light", and "the lights" none of "kitchen lights". None when no
        device, or more than one, is named so: never a guess between two."""
        words = words_of(text)
        slips: dict[str, tuple[str, str]] = {}  # device id: (the phrase heard, its name)
        for spoken, device in self._names.items():
            name = words_of(spoken)
            for start in range(len(words) - len(name) + 1):
                heard = words[start : start + len(name)]
                if " ".join(heard) in self._names:  # a device's own name is no slip
                    continue
                differ = last_word_differs(heard, name)
                if differ is not None and name_words_alike(*differ):
                    slips.setdefault(device.id, (" ".join(heard), spoken))
        if len(slips) != 1:
            return None
        [(phrase, spoken)] = slips.values()
        return re.sub(rf"\b{re.escape(phrase)}\b", spoken, text.lower(), count=1)


def whole(value: Any) -> Any:
    """hassil reads "10" as 10.0 and "ten" as 10: the same number in every report."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _example_verbs(domain: str) -> list[str]:
    """A domain's two verbs, the one that opens the home first ("unlock" before "lock")."""
    return sorted(verbs_of(domain), key=lambda verb: verb not in OPENING_VERBS)
