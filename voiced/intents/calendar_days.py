"""Built-in plugin: how far off a day is, and the weekday it falls on (DaysUntil, voiced's
own): "how many days until Christmas?", "what day of the week is Christmas?", "when is
Easter?", "how long until December 25th?", "what's the date on Friday?". The model
answered the first with "I'm sorry, but I can't assist with that." and the second with
"Christmas is not a day of the week."

A day is a holiday of the table below, a month and a day, or a day of the week; the next
one from today is meant ("Christmas" on December 26th is the next year's). The holidays
that move are the United States' (Thanksgiving, Mother's Day, Father's Day), as voiced's
voice is; any other day ("my birthday", "Diwali") matches nothing and reaches the model."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

from voiced.intents import IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.clock import date_in_words
from voiced.intents.ha_sentences import own_sentences
from voiced.numbers import ordinal_in_words

INTENT = "DaysUntil"


def easter(year: int) -> date:
    """Western Easter Sunday (the Gregorian computus)."""
    golden = year % 19
    century, of_century = divmod(year, 100)
    leap_skips, century_rest = divmod(century, 4)
    moon_fix = (century + 8) // 25
    moon_skips = (century - moon_fix + 1) // 3
    epact = (19 * golden + century - leap_skips - moon_skips + 15) % 30
    quarter, year_rest = divmod(of_century, 4)
    weekday = (32 + 2 * century_rest + 2 * quarter - epact - year_rest) % 7
    correction = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * correction + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(month: int, weekday: int, nth: int) -> Callable[[int], date]:
    """The `nth` `weekday` (0 Monday) of `month`, by year: Thanksgiving is the fourth
    Thursday of November."""

    def of_year(year: int) -> date:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))

    return of_year


def fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


# Holiday -> (its name as said, its date in a year); the words that name it are HOLIDAY_WORDS.
HOLIDAYS: dict[str, tuple[str, Callable[[int], date]]] = {
    "christmas": ("Christmas", fixed(12, 25)),
    "christmas_eve": ("Christmas Eve", fixed(12, 24)),
    "boxing_day": ("Boxing Day", fixed(12, 26)),
    "new_years_eve": ("New Year's Eve", fixed(12, 31)),
    "new_years_day": ("New Year's Day", fixed(1, 1)),
    "valentines_day": ("Valentine's Day", fixed(2, 14)),
    "st_patricks_day": ("Saint Patrick's Day", fixed(3, 17)),
    "april_fools_day": ("April Fools' Day", fixed(4, 1)),
    "independence_day": ("Independence Day", fixed(7, 4)),
    "halloween": ("Halloween", fixed(10, 31)),
    "easter": ("Easter", easter),
    "mothers_day": ("Mother's Day", nth_weekday(5, calendar.SUNDAY, 2)),
    "fathers_day": ("Father's Day", nth_weekday(6, calendar.SUNDAY, 3)),
    "thanksgiving": ("Thanksgiving", nth_weekday(11, calendar.THURSDAY, 4)),
}
HOLIDAY_WORDS = {
    "christmas": ["christmas", "christmas day", "xmas"],
    "christmas_eve": ["christmas eve"],
    "boxing_day": ["boxing day"],
    "new_years_eve": ["new year's eve", "new years eve"],
    "new_years_day": ["new year", "new year's", "new years", "new year's day", "new years day"],
    "valentines_day": ["valentine's day", "valentines day", "valentine's", "valentines"],
    "st_patricks_day": [
        "saint patrick's day", "st patrick's day", "st. patrick's day", "st patricks day",
        "saint patricks day", "paddy's day",
    ],
    "april_fools_day": ["april fools' day", "april fool's day", "april fools day"],
    "independence_day": ["independence day", "the fourth of july", "fourth of july"],
    "halloween": ["halloween"],
    "easter": ["easter", "easter sunday"],
    "mothers_day": ["mother's day", "mothers day"],
    "fathers_day": ["father's day", "fathers day"],
    "thanksgiving": ["thanksgiving", "thanksgiving day"],
}  # fmt: skip

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}


def _suffixed(day: int) -> str:
    """ "1st", "12th", "23rd" """
    suffix = "th" if 10 <= day <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# A day of the month as Whisper writes it ("25th", "25") or said ("twenty fifth").
DAY_WORDS = {
    said: day
    for day in range(1, 32)
    for said in {
        str(day),
        _suffixed(day),
        ordinal_in_words(day),
        ordinal_in_words(day).replace(" ", "-"),
    }
}

WHEN = "(<cal_day>|{cal_month} [the] {cal_date}|[the] {cal_date} of {cal_month})"
SENTENCES = [
    "how many (days|sleeps) [are there|is it|are left|left|to go] (until|till|til|to|before) "
    + WHEN,
    "how (long|many days) [is it|is there|is left|do we have] (until|till|til|to|before) " + WHEN,
    "how (long|far) (away|off) is " + WHEN,
    "(when|what date) is " + WHEN + " [this year]",
    "(what|which) day [of the week] (is|will be) " + WHEN + " [on] [this year]",
    "(what|which) day [of the week] (is|does) " + WHEN + " (on|fall on|fall) [this year]",
    "(what|which) day [of the week] will " + WHEN + " (be|be on|fall on) [this year]",
]
# A day of this week or the next: "how many days until Friday?", "what's the date on
# Friday?" ("next Friday" is left to the model: this one, or the one after?).
WEEKDAY_SENTENCES = [
    "how many (days|sleeps) [are there|is it|are left|left|to go] (until|till|til|to|before) "
    "[this] {cal_weekday}",
    "how long (until|till|is it until|is it till) [this] {cal_weekday}",
    "(what's|what is) the date (on|this) {cal_weekday}",
    "what date is [it] [on] [this] {cal_weekday}",
    "(what's|what is) [this] {cal_weekday}'s date",
]
RULES = {"cal_day": "[<the>] {cal_holiday}"}
LISTS = {
    "cal_holiday": {
        "values": [
            {"in": said, "out": holiday}
            for holiday, words in HOLIDAY_WORDS.items()
            for said in words
        ]
    },
    "cal_month": {"values": [{"in": name, "out": number} for name, number in MONTHS.items()]},
    "cal_date": {"values": [{"in": said, "out": day} for said, day in DAY_WORDS.items()]},
    "cal_weekday": {
        "values": [
            {"in": name.lower(), "out": number} for number, name in enumerate(calendar.day_name)
        ]
    },
}


def plugin() -> Plugin:
    return Plugin(
        name="calendar",
        description="how many days until a holiday or a date, and its weekday",
        sentences=own_sentences(
            {INTENT: {"data": [{"sentences": SENTENCES}, {"sentences": WEEKDAY_SENTENCES}]}},
            LISTS,
            RULES,
        ),
        handlers={INTENT: days_until},
        side_effect_free=frozenset({INTENT}),
    )


def days_until(match: IntentMatch, context: IntentContext) -> str:
    """When the next such day is, from today: "Christmas is on Friday, December twenty
    fifth: in 18 days." """
    today = context.now().date()
    holiday = match.slots.get("cal_holiday")
    weekday = match.slots.get("cal_weekday")
    if weekday is not None:
        day = today + timedelta(days=(int(weekday) - today.weekday()) % 7)
        name = calendar.day_name[day.weekday()]
        when = f"{name} is {date_in_words(day, weekday=False, year=day.year != today.year)}"
    elif holiday is not None:
        name, of_year = HOLIDAYS[str(holiday)]
        day = next_day(today, of_year)
        when = f"{name} is on {date_in_words(day, year=day.year != today.year)}"
    else:
        month, day_of_month = int(match.slots["cal_month"]), int(match.slots["cal_date"])
        name = f"{calendar.month_name[month]} {ordinal_in_words(day_of_month)}"
        if day_of_month > _longest_month(month):
            raise IntentError(f"There is no {name}.")
        day = next_day(today, lambda year: _date_or_leap(year, month, day_of_month))
        year = f", {day.year}," if day.year != today.year else ""
        when = f"{name}{year} is a {day.strftime('%A')}"
    days = (day - today).days
    if days == 0:
        if weekday is not None:
            return f"Today is {date_in_words(day, year=False)}."
        return f"{name} is today."
    if days == 1:
        return f"{when}: tomorrow."
    return f"{when}: in {days} days."


def next_day(today: date, of_year: Callable[[int], date]) -> date:
    """The first day `of_year` gives that is today or after."""
    this_year = of_year(today.year)
    return this_year if this_year >= today else of_year(today.year + 1)


def _date_or_leap(year: int, month: int, day: int) -> date:
    """February 29th is in the next leap year."""
    while not calendar.isleap(year) and (month, day) == (2, 29):
        year += 1
    return date(year, month, day)


def _longest_month(month: int) -> int:
    return calendar.monthrange(2024, month)[1]  # 2024: a leap year
