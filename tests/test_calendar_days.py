"""How far off a holiday or a date is, and its weekday (DaysUntil, calendar_days.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.fakes import bare_context
from voiced.config import Config
from voiced.intents import IntentError
from voiced.intents.calendar_days import days_until, easter
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


def ask(matcher: IntentMatcher, text: str, today: datetime) -> str:
    match = matcher.match(text)
    assert match is not None and match.name == "DaysUntil", (text, match)
    return days_until(match, bare_context(now=lambda: today))


DECEMBER_7 = datetime(2026, 12, 7, 6, 40)
CHRISTMAS = "Christmas is on Friday, December twenty fifth: in 18 days."


@pytest.mark.parametrize(
    "asked",
    [
        "How many days until Christmas?",
        "how many days till christmas",
        "How many sleeps until Christmas?",
        "How long is it until Christmas?",
        "How far away is Christmas?",
        "What day of the week is Christmas?",
        "What day is Christmas on this year?",
        "What day does Christmas fall on?",
        "What day will Christmas be on?",
        "When is Christmas Day?",
    ],
)
def test_christmas_is_counted_however_it_is_asked(matcher: IntentMatcher, asked: str) -> None:
    assert ask(matcher, asked, DECEMBER_7) == CHRISTMAS


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        (
            "When is Christmas Eve?",
            "Christmas Eve is on Thursday, December twenty fourth: in 17 days.",
        ),
        (
            "How long until New Year's Eve?",
            "New Year's Eve is on Thursday, December thirty first: in 24 days.",
        ),
        # Past this year: the next one, with its year.
        (
            "When is Easter?",
            "Easter is on Sunday, March twenty eighth, 2027: in 111 days.",
        ),
        (
            "When is Thanksgiving?",
            "Thanksgiving is on Thursday, November twenty fifth, 2027: in 353 days.",
        ),
        (
            "How many days are there until Mother's Day?",
            "Mother's Day is on Sunday, May ninth, 2027: in 153 days.",
        ),
        ("How many days until December 25th?", "December twenty fifth is a Friday: in 18 days."),
        (
            "How many days until the 4th of July?",
            "July fourth, 2027, is a Sunday: in 209 days.",
        ),
        (
            "What day of the week is February 29th?",
            "February twenty ninth, 2028, is a Tuesday: in 449 days.",
        ),
        ("What day is December eighth?", "December eighth is a Tuesday: tomorrow."),
        ("When is December 7th?", "December seventh is today."),
    ],
)
def test_holidays_and_dates_are_the_next_ones_from_today(
    matcher: IntentMatcher, asked: str, said: str
) -> None:
    assert ask(matcher, asked, DECEMBER_7) == said


def test_the_day_itself_and_the_day_after_it(matcher: IntentMatcher) -> None:
    assert ask(matcher, "How many days until Christmas?", datetime(2026, 12, 25, 9)) == (
        "Christmas is today."
    )
    assert ask(matcher, "How many days until Christmas?", datetime(2026, 12, 24, 23, 59)) == (
        "Christmas is on Friday, December twenty fifth: tomorrow."
    )
    assert ask(matcher, "How many days until Christmas?", datetime(2026, 12, 26)) == (
        "Christmas is on Saturday, December twenty fifth, 2027: in 364 days."
    )


def test_a_date_no_month_has_is_said_to_be_none(matcher: IntentMatcher) -> None:
    with pytest.raises(IntentError, match=r"^There is no February thirtieth\.$"):
        ask(matcher, "How many days until February 30th?", DECEMBER_7)


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2000, date(2000, 4, 23)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
     (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)),
     (2285, date(2285, 3, 22))],
)  # fmt: skip
def test_easter_is_the_churches_date(year: int, sunday: date) -> None:
    assert easter(year) == sunday


@pytest.mark.parametrize(
    "asked",
    [
        "When is my birthday?",
        "When is Christmas celebrated in Russia?",
        "How many days until Diwali?",
        "Why is Christmas on December 25th?",
        "What day is it?",
        "How many days are in a year?",
    ],
)
def test_other_days_and_questions_are_not_taken(matcher: IntentMatcher, asked: str) -> None:
    match = matcher.match(asked)
    assert match is None or match.name != "DaysUntil", match


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("How many days until Friday?", "Friday is December eleventh: in 4 days."),
        ("What's the date on Friday?", "Friday is December eleventh: in 4 days."),
        ("What date is it on Tuesday?", "Tuesday is December eighth: tomorrow."),
        ("What's this Sunday's date?", "Sunday is December thirteenth: in 6 days."),
        ("What date is Monday?", "Today is Monday, December seventh."),
    ],
)
def test_a_day_of_the_week_is_the_coming_one(matcher: IntentMatcher, asked: str, said: str) -> None:
    assert ask(matcher, asked, DECEMBER_7) == said  # a Monday


def test_a_weekday_in_next_year_says_its_year(matcher: IntentMatcher) -> None:
    assert ask(matcher, "What's the date on Friday?", datetime(2026, 12, 30)) == (
        "Friday is January first, 2027: in 2 days."
    )


@pytest.mark.parametrize("asked", ["How many days until next Friday?", "Will it rain on Saturday?"])
def test_next_week_s_day_and_the_weather_are_not_taken(matcher: IntentMatcher, asked: str) -> None:
    match = matcher.match(asked)
    assert match is None or match.name != "DaysUntil", match
