"""Several commands said as one: "set a timer for 5 minutes and turn off the kitchen
light", "turn off the fan, then turn on the bedroom lamp". The model had answered "I
cannot set a timer for 5 minutes and turn off the kitchen light."

The words are cut only where a command verb follows "and", "then", "also", a comma or a
sentence's end, and every part must be a command on its own; of two ways to cut the
words into such commands, neither is taken (never a guess). The commands are answered in the
order said (voiced/intents/engine.py), each reply after the other."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import combinations

from voiced.intents import ASKING_INTENTS, IntentMatch

COMPOUND_INTENT = "Compound"
# More than this many commands at once are left to be said one by one.
MAX_COMMANDS = 3
# The verbs a command of a list begins with.
VERBS = (
    "turn", "switch", "set", "start", "make", "put", "dim", "brighten", "lock", "unlock",
    "open", "close", "shut", "cancel", "stop", "pause", "resume", "continue", "unpause",
    "add", "take", "activate", "deactivate", "raise", "lower", "wake",
)  # fmt: skip
_VERB = r"(?:please\s+)?(?:" + "|".join(VERBS) + r")\b"
# Where one command ends and the next begins: a joining word, a comma or a sentence's end.
JOINT = re.compile(
    r"\s*[,;]?\s+(?:and\s+then|and\s+also|and|then|also)\s+(?=" + _VERB + r")"
    r"|\s*[,.;!?]\s+(?=" + _VERB + r")",
    re.IGNORECASE,
)
STARTS_WITH_VERB = re.compile(r"\s*" + _VERB, re.IGNORECASE)
# Intents that are no command to do among others ("thanks", "never mind").
NOT_IN_A_LIST = frozenset({"HassNevermind", "Thanks", "RepeatLast", "WhatCanYouDo"})


def compound_match(text: str, match_one: Callable[[str], IntentMatch | None]) -> IntentMatch | None:
    """The commands `text` holds, when it cuts one way only into two or three commands;
    None otherwise. `match_one` matches one command's words."""
    if not STARTS_WITH_VERB.match(text):
        return None  # a question ("what is the difference between ... and ...")
    joints = list(JOINT.finditer(text))[: MAX_COMMANDS * 2]
    found: dict[str, tuple[IntentMatch, ...]] = {}
    for count in range(1, min(len(joints), MAX_COMMANDS - 1) + 1):
        for chosen in combinations(joints, count):
            parts = _commands(text, chosen, match_one)
            if parts is not None:
                found[repr([(part.name, part.slots) for part in parts])] = parts
    if len(found) != 1:
        return None
    [parts] = found.values()
    commands = [{"intent": part.name, "slots": part.slots} for part in parts]
    return IntentMatch(COMPOUND_INTENT, {"commands": commands}, "voiced", text, parts=parts)


def _commands(
    text: str, joints: tuple[re.Match[str], ...], match_one: Callable[[str], IntentMatch | None]
) -> tuple[IntentMatch, ...] | None:
    """The commands of the words cut at `joints`; None when a part is no whole command."""
    bounds = [0, *(edge for joint in joints for edge in joint.span()), len(text)]
    parts = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        words = text[start:end].strip(" ,")
        match = match_one(words)
        # Words that would be asked about ("the kitchen light": on or off?) are no whole
        # command.
        if match is None or match.name in ASKING_INTENTS | NOT_IN_A_LIST:
            return None
        # A device voiced does not know is a command all the same, refused by name when
        # answered; but not a "device" with a command inside ("light, turn off the fan").
        if "unknown_device" in match.slots and JOINT.search(words):
            return None
        parts.append(match)
    return tuple(parts)
