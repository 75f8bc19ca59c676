"""Built-in plugin: "what can you do?" (WhatCanYouDo, voiced's own) is answered with what
voiced can do here: the model said "I can't do anything." The devices part names only
what is configured. "How are you?" (HowAreYou, voiced's own) gets a short answer: the
model had said "I'm not sure what you're asking." """

from __future__ import annotations

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import own_sentences

INTENT = "WhatCanYouDo"
SENTENCES = [
    "what can you do [for me]",
    "what (else|other things) can you do",
    "what (are you able to|do you know how to) do",
    "what (can|should) I (ask|say to) you",
    "what are your (skills|abilities|features)",
    "how can you help [me]",
    "what do you do",
    "help [me] [please]",
]
DOORS = frozenset({"lock", "garage_door"})
HOW_ARE_YOU = "HowAreYou"
HOW_ARE_YOU_SENTENCES = [
    "how are you [doing] [today|tonight]",
    "how's it going",
    "how is it going",
    "how are things",
    "are you (ok|okay|well|alright|all right)",
]


def plugin() -> Plugin:
    sentences = own_sentences(
        {
            INTENT: {"data": [{"sentences": SENTENCES}]},
            HOW_ARE_YOU: {"data": [{"sentences": HOW_ARE_YOU_SENTENCES}]},
        }
    )
    return Plugin(
        name="about",
        description='"what can you do?" and "how are you?"',
        sentences=sentences,
        handlers={INTENT: what_i_can_do, HOW_ARE_YOU: how_are_you},
        side_effect_free=frozenset({INTENT, HOW_ARE_YOU}),
    )


def how_are_you(match: IntentMatch, context: IntentContext) -> str:
    return "I'm well, thank you. What can I do for you?"


def what_i_can_do(match: IntentMatch, context: IntentContext) -> str:
    kinds = set(context.device_kinds.values())
    things = []
    if "light" in kinds:
        things.append("switch and dim the lights")
    if kinds - {"light"} - DOORS:
        things.append("switch your other devices" if "light" in kinds else "switch your devices")
    if kinds & DOORS:
        things.append("lock the doors, and open them once you say yes")
    things += [
        "set timers, alarms and reminders",
        "keep your shopping list",
        "tell you the time, the date and the days to a holiday",
        "work out sums and convert units",
    ]
    listed = ", ".join(things[:-1]) + ", and " + things[-1]
    return f"I can {listed}. Anything else, just ask: I answer from what I know, offline."
