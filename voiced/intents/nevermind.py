"""Built-in plugin: "never mind" (HassNevermind) ends the turn with a short acknowledgement,
never an answer made up by the LLM."""

from __future__ import annotations

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences

INTENTS = ["HassNevermind"]
ACKNOWLEDGEMENT = "Okay."

OWN_SENTENCES = [
    "never mind [that|then]",
    "forget (it|that|about it)",
    "cancel that",
    "(that's|that is) all",
    "nothing",
]


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    sentences["intents"]["HassNevermind"]["data"].append({"sentences": OWN_SENTENCES})
    return Plugin(
        name="nevermind",
        description='"never mind": the turn ends',
        sentences=sentences,
        handlers={"HassNevermind": never_mind},
        side_effect_free=frozenset(INTENTS),
    )


def never_mind(match: IntentMatch, context: IntentContext) -> str:
    return ACKNOWLEDGEMENT
