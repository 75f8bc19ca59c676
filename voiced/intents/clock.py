"""Built-in plugin: the time and the date (HassGetCurrentTime, HassGetCurrentDate)."""

from __future__ import annotations

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences

INTENTS = ["HassGetCurrentTime", "HassGetCurrentDate"]


def plugin() -> Plugin:
    return Plugin(
        name="clock",
        description="the time and the date",
        sentences=ha_sentences(INTENTS),
        handlers={"HassGetCurrentTime": current_time, "HassGetCurrentDate": current_date},
        side_effect_free=frozenset(INTENTS),
    )


def current_time(match: IntentMatch, context: IntentContext) -> str:
    now = context.now()
    return f"It is {now.strftime('%I:%M %p').lstrip('0')}."


def current_date(match: IntentMatch, context: IntentContext) -> str:
    now = context.now()
    return f"Today is {now.strftime('%A, %B')} {now.day}, {now.year}."
