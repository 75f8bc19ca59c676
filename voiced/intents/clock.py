"""Built-in plugin: the time and the date (HassGetCurrentTime, HassGetCurrentDate)."""

from __future__ import annotations

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences

INTENTS = ["HassGetCurrentTime", "HassGetCurrentDate"]

# Short and clipped ways of asking that Home Assistant's sentences lack: "What time?"
OWN_SENTENCES = {
    "HassGetCurrentTime": [
        # "What is time?" is a question for the model: asked, the time needs its "the".
        "[[<what_is>] the] time [now|please]",
        "what time [is it] [now|please]",
        "(do you know|have you got|got) the time",
        "what's the time [right] now",
        "what hour is it [now]",
    ],
    "HassGetCurrentDate": [
        "what date [is it] [today]",
        "what's today's date",
        "<what_is> today's date",
        "what day is it [today]",
        "what day of the (week|month) is it [today]",
        "[<what_is>] [the] date [today|please]",
    ],
}


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    for intent, templates in OWN_SENTENCES.items():
        sentences["intents"][intent]["data"].append({"sentences": templates})
    return Plugin(
        name="clock",
        description="the time and the date",
        sentences=sentences,
        handlers={"HassGetCurrentTime": current_time, "HassGetCurrentDate": current_date},
        side_effect_free=frozenset(INTENTS),
    )


def current_time(match: IntentMatch, context: IntentContext) -> str:
    now = context.now()
    return f"It is {now.strftime('%I:%M %p').lstrip('0')}."


def current_date(match: IntentMatch, context: IntentContext) -> str:
    now = context.now()
    return f"Today is {now.strftime('%A, %B')} {now.day}, {now.year}."
