"""Built-in plugin: the time and the date (HassGetCurrentTime, HassGetCurrentDate):
tomorrow's and yesterday's date, the year and the month, and the time in a city of the
time zone database ("what time is it in Tokyo?")."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime, timedelta

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
# The year or the month alone, by the fixed slot "part" (the model: "I cannot.").
PART_SENTENCES = {
    "year": ["(what|which) year is it [now]", "<what_is> the (current year|year) [now]"],
    "month": ["(what|which) month is it [now]", "<what_is> the (current month|month) [now]"],
}
# The time elsewhere: a city of the time zone database, by its last part ("Asia/Tokyo"),
# and the cities people name whose zone is named after another. Only these match: "what
# time is it in France?" still reaches the model, which is never asked to guess a zone.
PLACE_SENTENCES = [
    "what time is it [now|right now] in {clock_place}",
    "what time is it in {clock_place} [now|right now]",
    "(what's|what is) the time [now|right now] in {clock_place}",
    "(what's|what is) the time in {clock_place} [now|right now]",
]
CITY_ZONES = {
    "beijing": "Asia/Shanghai", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "san francisco":
    "America/Los_Angeles", "seattle": "America/Los_Angeles", "washington":
    "America/New_York", "boston": "America/New_York", "miami": "America/New_York",
    "washington dc": "America/New_York", "houston": "America/Chicago", "dallas":
    "America/Chicago", "kyiv": "Europe/Kyiv", "hawaii": "Pacific/Honolulu",
}  # fmt: skip
# The parts of the database that name places (not "US/Eastern", "Etc/GMT+5").
ZONE_AREAS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    for intent, templates in OWN_SENTENCES.items():
        sentences["intents"][intent]["data"].append({"sentences": templates})
    for day, templates in OTHER_DAY_SENTENCES.items():
        block = {"sentences": templates, "slots": {"day": day}}
        sentences["intents"]["HassGetCurrentDate"]["data"].append(block)
    for part, templates in PART_SENTENCES.items():
        block = {"sentences": templates, "slots": {"part": part}}
        sentences["intents"]["HassGetCurrentDate"]["data"].append(block)
    if places := city_zones():
        sentences["lists"]["clock_place"] = {
            "values": [{"in": city, "out": zone} for city, zone in sorted(places.items())]
        }
        sentences["intents"]["HassGetCurrentTime"]["data"].append({"sentences": PLACE_SENTENCES})
    return Plugin(
        name="clock",
        description="the time and the date",
        sentences=sentences,
        handlers={"HassGetCurrentTime": current_time, "HassGetCurrentDate": current_date},
        side_effect_free=frozenset(INTENTS),
    )


@functools.cache
def city_zones() -> dict[str, str]:
    """City, lower case -> its time zone; none where the system has no zone database."""
    try:
        zones = zoneinfo.available_timezones()
    except OSError:
        return {}
    cities: dict[str, str] = {}
    for zone in sorted(zones):
        area, _, place = zone.partition("/")
        if area in ZONE_AREAS and place:
            cities.setdefault(place.rsplit("/", 1)[-1].replace("_", " ").lower(), zone)
    return {**cities, **{city: zone for city, zone in CITY_ZONES.items() if zone in zones}}


def current_time(match: IntentMatch, context: IntentContext) -> str:
    """The time here, or in the city asked about, with its day when that is not ours."""
    zone = match.slots.get("clock_place")
    if zone is None:
        return f"It is {time_in_words(context.now())}."
    now = context.now()
    here = now if now.tzinfo else now.astimezone()  # naive: this machine's zone
    there = here.astimezone(zoneinfo.ZoneInfo(str(zone)))
    day = {1: " tomorrow", -1: " yesterday"}.get((there.date() - here.date()).days, "")
    return f"In {_city_said(match.text, str(zone))} it is {time_in_words(there)}{day}."


def _city_said(text: str, zone: str) -> str:
    """The city of `zone` as the words named it ("Beijing" for Asia/Shanghai)."""
    said = text.lower()
    named = [city for city, its in city_zones().items() if its == zone and city in said]
    city = max(named, key=len) if named else zone.rsplit("/", 1)[-1].replace("_", " ")
    return city.title()


def current_date(match: IntentMatch, context: IntentContext) -> str:
    """Today's date, or tomorrow's or yesterday's when the words asked for it, or only
    the year or the month."""
    part = match.slots.get("part")
    if part == "year":
        return f"It is {context.now().year}."
    if part == "month":
        return f"It is {context.now().strftime('%B')}."
    day = str(match.slots.get("day", "today"))
    asked = context.now() + timedelta(days=DAY_OFFSETS.get(day, 0))
    verb = "was" if day == "yesterday" else "is"
    return f"{day.capitalize()} {verb} {date_in_words(asked)}."


def date_in_words(day: date, weekday: bool = True, year: bool = True) -> str:
    """A date as it is said: "Sunday, December sixth, 2026"; "December sixth" without the
    weekday and the year."""
    said = f"{day.strftime('%B')} {ordinal_in_words(day.day)}"
    said = f"{day.strftime('%A')}, {said}" if weekday else said
    return f"{said}, {day.year}" if year else said


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
