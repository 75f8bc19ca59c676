"""Built-in plugin: timers (HassStartTimer, HassCancelTimer)."""

from __future__ import annotations

from voiced.intents import Action, IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences
from voiced.timers import describe_duration

INTENTS = ["HassStartTimer", "HassCancelTimer"]

# Spoken durations Home Assistant's sentences lack.
OWN_START_SENTENCES = [
    {
        "sentences": [
            "<timer_set> [a|an] timer for (an|one) hour and a half",
            "<timer_set> [a|an] timer for (one and a half|1.5) hours",
        ],
        "slots": {"hours": 1, "minutes": 30},
    },
    {
        "sentences": ["<timer_set> [a|an] timer for half an hour", "<timer_set> a half hour timer"],
        "slots": {"minutes": 30},
    },
    {
        "sentences": [
            "<timer_set> [a|an] timer for a minute and a half",
            "<timer_set> [a|an] timer for (one and a half|1.5) minutes",
        ],
        "slots": {"seconds": 90},
    },
    {"sentences": ["<timer_set> [a|an] timer for (a|one) minute"], "slots": {"minutes": 1}},
    {"sentences": ["<timer_set> [a|an] timer for (an|one) hour"], "slots": {"hours": 1}},
]


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    sentences["intents"]["HassStartTimer"]["data"].extend(OWN_START_SENTENCES)
    return Plugin(
        name="timers",
        description="timers that are announced when they end",
        sentences=sentences,
        handlers={"HassStartTimer": start_timer, "HassCancelTimer": cancel_timer},
        # What cancelling says depends on the timers running when it is confirmed.
        side_effect_free=frozenset({"HassStartTimer"}),
    )


def start_timer(match: IntentMatch, context: IntentContext) -> Action:
    slots = match.slots
    seconds = (
        float(slots.get("hours", 0)) * 3600
        + float(slots.get("minutes", 0)) * 60
        + float(slots.get("seconds", 0))
    )

    def start() -> None:
        context.timers.start(seconds)

    return Action(f"Timer set for {describe_duration(seconds)}.", start)


def cancel_timer(match: IntentMatch, context: IntentContext) -> str:
    cancelled = context.timers.cancel()
    if cancelled is None:
        return "There is no timer running."
    return f"Cancelled the timer for {cancelled}."
