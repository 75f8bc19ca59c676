"""Built-in plugin: the time and the date (HassGetCurrentTime, HassGetCurrentDate), and
tomorrow's and yesterday's date."""

from __future__ import annotations

from datetime import datetime, timedelta

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences
from voiced.numbers import in_words, ordinal_in_words

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


# Another day's date, by its fixed slot "day": the model could not say it ("What day is it
# tomorrow?": "I'm sorry, but I can't assist with that.").
OTHER_DAY_SENTENCES = {
    "tomorrow": [
        "what day (is it|is|will it be) tomorrow",
        "what (date|day) (is it|will it be) tomorrow",
        "<what_is> (the date|the day) tomorrow",
        "<what_is> tomorrow's (date|day)",
        "what's tomorrow's (date|day)",
    ],
    "yesterday": [
        "what day (was it|was) yesterday",
        "what (date|day) was it yesterday",
        "what (was|was the) (date|day) yesterday",
        "what was yesterday's (date|day)",
    ],
}
DAY_OFFSETS = {"tomorrow": 1, "yesterday": -1}


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    for intent, templates in OWN_SENTENCES.items():
        sentences["intents"][intent]["data"].append({"sentences": templates})
    for day, templates in OTHER_DAY_SENTENCES.items():
        block = {"sentences": templates, "slots": {"day": day}}
        sentences["intents"]["HassGetCurrentDate"]["data"].append(block)
    return Plugin(
        name="clock",
        description="the time and the date",
        sentences=sentences,
        handlers={"HassGetCurrentTime": current_time, "HassGetCurrentDate": current_date},
        side_effect_free=frozenset(INTENTS),
    )


def current_time(match: IntentMatch, context: IntentContext) -> str:
    return f"It is {time_in_words(context.now())}."


def current_date(match: IntentMatch, context: IntentContext) -> str:
    """Today's date, or tomorrow's or yesterday's when the words asked for it."""
    day = str(match.slots.get("day", "today"))
    date = context.now() + timedelta(days=DAY_OFFSETS.get(day, 0))
    verb = "was" if day == "yesterday" else "is"
    said = f"{date.strftime('%A, %B')} {ordinal_in_words(date.day)}, {date.year}"
    return f"{day.capitalize()} {verb} {said}."


def time_in_words(now: datetime) -> str:
    """The time as it is said: "ten AM", "nine oh five PM", "six forty five PM",
    "midnight". The voice reads "10:00" as "ten zero zero", "9:05" "nine zero five"."""
    if now.minute == 0 and now.hour in (0, 12):
        return "midnight" if now.hour == 0 else "noon"
    hour = in_words(str(now.hour % 12 or 12))
    if now.minute == 0:
        minutes = ""
    elif now.minute < 10:
        minutes = f" oh {in_words(str(now.minute))}"
    else:
        minutes = f" {in_words(str(now.minute))}"
    return f"{hour}{minutes} {'AM' if now.hour < 12 else 'PM'}"
