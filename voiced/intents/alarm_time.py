"""The times of day people set alarms for, as words ("7 a.m.", "6:30", "half past six",
"seven thirty tomorrow", "noon on Friday") and as the moment they name: the next such
time from now, on this machine's clock and time zone; and the days an alarm repeats on
("every day", "on weekdays", "every Monday").

"7" without AM or PM is whichever of 7 AM and 7 PM comes first ("wake me up at 7" said at
night is the morning's; "set an alarm for 6" said at noon the evening's): the answer says
which, so a wrong one is heard at once. A day said ("tomorrow", "on Friday") takes the
first of them on that day. An alarm that repeats is the morning's ("every day at 7" is
7 AM, whenever it is said): one that wakes, as most that repeat do."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from voiced.intents import IntentError
from voiced.intents.clock import time_in_words
from voiced.intents.timer_sentences import DURATION_LISTS, UNITLESS_LISTS
from voiced.timer_table import Repeat
from voiced.words import spoken_list

# Before this hour it is still the night before: "tomorrow" is the day that comes after it.
EARLY_HOURS = 5
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS_OF_DAY = ("morning", "afternoon", "evening", "night")
# The days an alarm repeats on, by how they are said (the slot "alarm_repeat").
REPEAT_DAYS = {
    "daily": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekends": (5, 6),
    **{f"every {day}": (number,) for number, day in enumerate(WEEKDAYS)},
}
# The furthest ahead an alarm is set: a week, as timers (voiced/timer_table.py).
MOST_DAYS_AHEAD = 7

LISTS: dict[str, dict[str, Any]] = {
    "alarm_hour": {"range": {"from": 0, "to": 23}},
    # After the hour: "30" of "6:30", "thirty" or "oh five" of "six thirty", "six oh five".
    "alarm_sixty": DURATION_LISTS["timer_sixty"],
    "alarm_sixty_said": UNITLESS_LISTS["timer_sixty_said"],
    "alarm_minutes": {"range": {"from": 1, "to": 59}},
    "alarm_part_of_hour": {"values": [{"in": "half", "out": 30}, {"in": "[a] quarter", "out": 15}]},
    # Whisper writes "7 a.m.", "7 AM", "7am" and "7 A.M."; the matcher drops the points.
    "alarm_meridiem": {
        "values": [
            {"in": "(am|a m|a.m.|a.m)", "out": "am"},
            {"in": "(pm|p m|p.m.|p.m)", "out": "pm"},
            {"in": "in the morning", "out": "am"},
            {"in": "in the (afternoon|evening)", "out": "pm"},
        ]
    },
    "alarm_named": {
        "values": [
            {"in": "[twelve|12] (noon|midday)", "out": "noon"},
            {"in": "[twelve|12] midnight", "out": "midnight"},
        ]
    },
    # The day, with the part of it said along: "tomorrow morning" is "tomorrow morning".
    "alarm_day": {
        "values": [
            {"in": "today", "out": "today"},
            {"in": "tonight", "out": "today night"},
            *({"in": f"this {part}", "out": f"today {part}"} for part in PARTS_OF_DAY[:3]),
            {"in": "tomorrow", "out": "tomorrow"},
            *(
                {
                    "in": f"tomorrow ({part}|night)" if part == "night" else f"tomorrow {part}",
                    "out": f"tomorrow {part}",
                }
                for part in PARTS_OF_DAY
            ),
            *({"in": f"[on] {day}", "out": day} for day in WEEKDAYS),
            *(
                {"in": f"[on] {day} {part}", "out": f"{day} {part}"}
                for day in WEEKDAYS
                for part in PARTS_OF_DAY
            ),
            {"in": "at night", "out": "night"},
        ]
    },
    # When an alarm repeats, with the part of the day said along.
    "alarm_repeat": {
        "values": [
            {"in": "(every day|daily|each day)", "out": "daily"},
            *({"in": f"(every|each) {part}", "out": f"daily {part}"} for part in PARTS_OF_DAY),
            {
                "in": "(every weekday|on weekdays|weekdays|every work day|on work days)",
                "out": "weekdays",
            },
            *(
                {"in": f"(every weekday|on weekday) {part}[s]", "out": f"weekdays {part}"}
                for part in PARTS_OF_DAY
            ),
            {
                "in": "(every weekend|on weekends|at weekends|on the weekend|weekends)",
                "out": "weekends",
            },
            *({"in": f"(every|on) {day}[s]", "out": f"every {day}"} for day in WEEKDAYS),
            *(
                {"in": f"(every|on) {day} {part}[s]", "out": f"every {day} {part}"}
                for day in WEEKDAYS
                for part in PARTS_OF_DAY
            ),
        ]
    },
}
RULES = {
    "alarm_clock": (
        "({alarm_hour:alarm_hour}[(:|.){alarm_sixty:alarm_minute}]"
        "|{alarm_hour:alarm_hour} ({alarm_sixty_said:alarm_minute}|o'clock|oclock)"
        "|({alarm_part_of_hour:alarm_past}|{alarm_minutes:alarm_past} [minute[s]]) past "
        "{alarm_hour:alarm_hour}"
        "|({alarm_part_of_hour:alarm_to}|{alarm_minutes:alarm_to} [minute[s]]) (to|till) "
        "{alarm_hour:alarm_hour})"
    ),
    "alarm_time": "(<alarm_clock> [{alarm_meridiem:alarm_meridiem}]|{alarm_named:alarm_named})",
    # "7 a.m. tomorrow", "tomorrow at 7": the time and its day, either way round.
    "alarm_when": (
        "(<alarm_time> [{alarm_day:alarm_day}]|{alarm_day:alarm_day} (at|for) <alarm_time>)"
    ),
}


def said_hours(slots: Mapping[str, Any]) -> tuple[list[int], int]:
    """The hours of the day (0-23) the words may mean, the likelier first when they say
    AM or PM or a part of the day, and the minute. IntentError for "13 a.m."."""
    named = slots.get("alarm_named")
    if named is not None:
        return [12 if named == "noon" else 0], 0
    hour, minute = int(slots["alarm_hour"]), int(slots.get("alarm_minute", 0))
    if "alarm_past" in slots:
        minute = int(slots["alarm_past"])
    meridiem = slots.get("alarm_meridiem") or _meridiem_of_part(_part(slots), hour)
    hours = _hours_of(hour, meridiem)
    if "alarm_to" in slots:  # the hour it is to, with its AM or PM: "quarter to 12 pm"
        return [(said - 1) % 24 for said in hours], 60 - int(slots["alarm_to"])
    return hours, minute


def _hours_of(hour: int, meridiem: str | None) -> list[int]:
    if hour > 12 or hour == 0:  # a 24-hour clock's: "19:30", "0:15"
        if (meridiem == "am" and hour > 12) or (meridiem == "pm" and hour == 0):
            raise IntentError(f"There is no {hour} {meridiem.upper()}.")
        return [hour]
    morning, evening = hour % 12, hour % 12 + 12
    if meridiem == "am":
        return [morning]
    if meridiem == "pm":
        return [evening]
    return [morning, evening]


def _part(slots: Mapping[str, Any]) -> str | None:
    said = str(slots.get("alarm_day") or slots.get("alarm_repeat") or "").split()
    return said[-1] if said and said[-1] in PARTS_OF_DAY else None


def _day_of(slots: Mapping[str, Any]) -> str | None:
    """The day the words name, without its part: "tomorrow" of "tomorrow morning", "friday";
    None for none, or a part of a day alone ("at night")."""
    said = str(slots.get("alarm_day", "")).split()
    return said[0] if said and said[0] not in PARTS_OF_DAY else None


def repeat_of(slots: Mapping[str, Any]) -> Repeat | None:
    """When the alarm the words set repeats: its days and its time (the morning's when
    neither AM nor PM nor a part of the day is said); None for one that does not."""
    said = slots.get("alarm_repeat")
    if said is None:
        return None
    days = REPEAT_DAYS[" ".join(w for w in str(said).split() if w not in PARTS_OF_DAY)]
    hours, minute = said_hours(slots)
    return Repeat(days, hours[0], minute)


def repeat_in_words(repeat: Repeat) -> str:
    """ "every day", "on weekdays", "on weekends", "every Monday", "on Mondays and
    Thursdays" (days set by hand in the file)."""
    for said, days in (
        ("every day", REPEAT_DAYS["daily"]),
        ("on weekdays", REPEAT_DAYS["weekdays"]),
        ("on weekends", REPEAT_DAYS["weekends"]),
    ):
        if repeat.days == days:
            return said
    names = [WEEKDAYS[day].capitalize() for day in repeat.days]
    if len(names) == 1:
        return f"every {names[0]}"
    return "on " + spoken_list([f"{name}s" for name in names])


def _meridiem_of_part(part: str | None, hour: int) -> str | None:
    """AM or PM by the part of the day said: "7 tonight" is 7 PM, "2 at night" 2 AM."""
    if part == "morning":
        return "am"
    if part == "night":
        return "am" if hour < 5 or hour == 12 else "pm"
    return None if part is None else "pm"


def alarm_moment(slots: Mapping[str, Any], now: datetime) -> datetime:
    """The moment the words name: the first of the hours they may mean, on the day said,
    that is still to come; with no day, the first to come. IntentError when that day's
    time has passed."""
    hours, minute = said_hours(slots)
    repeat = repeat_of(slots)
    if repeat is not None:
        return datetime.fromtimestamp(repeat.next_after(now.timestamp()))
    day = _day_of(slots)
    today = now.date()
    if day is None:
        days = [today, today + timedelta(days=1)]
    elif day == "today":
        days = [today]
    elif day == "tomorrow":
        # Said before dawn, "tomorrow" is the day after the night: this one.
        days = (
            [today, today + timedelta(days=1)]
            if now.hour < EARLY_HOURS
            else [today + timedelta(days=1)]
        )
    else:
        ahead = (WEEKDAYS.index(day) - now.weekday()) % 7
        days = [today + timedelta(days=ahead), today + timedelta(days=ahead + 7)]
    # The small hours of a night said are the next day's: "2 tomorrow night" is the
    # night after tomorrow's day, "2 tonight" the coming night, unless it is that night.
    small_hours = _part(slots) == "night" and hours[0] < EARLY_HOURS
    that_night = day == "today" and now.hour < EARLY_HOURS
    if day is not None and small_hours and not that_night:
        days = [on + timedelta(days=1) for on in days]
    for on in days:
        coming = [at for at in _times_on(on, hours, minute) if at > now]
        if coming:
            return min(coming)
    raise IntentError(
        f"It's already past {time_in_words(_times_on(now.date(), hours, minute)[0])} today."
    )


def date_said(slots: Mapping[str, Any], now: datetime) -> date | None:
    """The date the words' day names ("tomorrow", "on Friday": the next one, today if it
    is Friday); None when they name none."""
    day = _day_of(slots)
    today = now.date()
    if day is None:
        return None
    if day == "today":
        return today
    if day == "tomorrow":
        return today if now.hour < EARLY_HOURS else today + timedelta(days=1)
    return today + timedelta(days=(WEEKDAYS.index(day) - now.weekday()) % 7)


def _times_on(day: date, hours: list[int], minute: int) -> list[datetime]:
    return [datetime.combine(day, time(hour, minute)) for hour in hours]


def moment_after(now: datetime, seconds: float) -> datetime:
    """The local time of day `seconds` after `now`, to the nearest minute (a timer's time
    left is read a moment after `now`). On the clock, not by adding to a naive datetime:
    across the night the clocks change, 7 AM is 7 AM."""
    moment = datetime.fromtimestamp(now.timestamp() + seconds + 30)
    return moment.replace(second=0, microsecond=0)


def day_in_words(moment: datetime, now: datetime) -> str:
    """When `moment` is, from `now`: "today", "tomorrow", "on Friday"."""
    ahead = (moment.date() - now.date()).days
    if ahead == 0:
        # Said in the night, 7 AM is "this morning".
        return "this morning" if now.hour < EARLY_HOURS and moment.hour < 12 else "today"
    if ahead == 1:
        # Midnight of the coming night, not the next.
        return "tonight" if (moment.hour, moment.minute) == (0, 0) else "tomorrow"
    if ahead < MOST_DAYS_AHEAD:
        return f"on {moment.strftime('%A')}"
    return f"on {moment.strftime('%A')} next week"
