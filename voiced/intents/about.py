"""Built-in plugin: "what can you do?" (WhatCanYouDo, voiced's own) is answered with what
voiced can do here: the model said "I can't do anything." The devices part names only
what is configured."""

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


def plugin() -> Plugin:
    sentences = own_sentences({INTENT: {"data": [{"sentences": SENTENCES}]}})
    return Plugin(
        name="about",
        description='"what can you do?": what voiced can do here',
        sentences=sentences,
        handlers={INTENT: what_i_can_do},
        side_effect_free=frozenset({INTENT}),
    )


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
        "set timers",
        "tell you the time, the date and the days to a holiday",
        "work out sums",
    ]
    listed = ", ".join(things[:-1]) + ", and " + things[-1]
    return f"I can {listed}. Anything else, just ask: I answer from what I know, offline."
