"""An example voiced plugin: "hey jarvis, roll a die", "roll a twenty sided die"."""

from __future__ import annotations

import random

from voiced.intents import IntentContext, IntentMatch, Plugin

# Templates in hassil's language: (a|b) alternatives, [optional] words, {slots} from lists.
SENTENCES = {
    "language": "en",
    "intents": {
        "RollDie": {
            "data": [
                {"sentences": ["roll (a|the|one) (die|dice)", "throw a (die|dice)"]},
                {"sentences": ["roll (a|one) {sides}[ |-]sided (die|dice)"]},
            ]
        }
    },
    "lists": {"sides": {"range": {"from": 2, "to": 100}}},
}


def roll_die(match: IntentMatch, context: IntentContext) -> str:
    sides = int(match.slots.get("sides", 6))
    return f"You rolled a {random.randint(1, sides)}."


def plugin() -> Plugin:
    return Plugin(
        name="dice",
        description="rolls dice",
        sentences=SENTENCES,
        handlers={"RollDie": roll_die},
        # Rolling changes nothing: voiced may call it at a pause to prepare its words, and a
        # roll heard with the command bias is not held back to be checked as an action is.
        side_effect_free=frozenset({"RollDie"}),
    )
