"""Reminders (voiced/intents/reminders.py): what to be reminded of and when, said back
as to the person; kept, listed, cancelled and said when it is time."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.test_timers import Announcements, wait_for
from voiced.intents.alarm_time import REPEAT_DAYS
from voiced.intents.engine import IntentEngine
from voiced.timer_table import Repeat
from voiced.timers import Timers

DAILY = REPEAT_DAYS["daily"]
WEEKDAYS = REPEAT_DAYS["weekdays"]


def handle(engine: IntentEngine, text: str) -> str:
    match = engine.match(text)
    assert match is not None, text
    return engine.answer(match).response


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "Remind me in 20 minutes to take the bins out.",
            "I'll remind you to take the bins out in 20 minutes.",
        ),
        (
            "Remind me to check the oven in 10 minutes.",
            "I'll remind you to check the oven in 10 minutes.",
        ),
        (
            "Set a reminder for an hour and a half to call my sister.",
            "I'll remind you to call your sister in 1 hour and 30 minutes.",
        ),
        (
            "remind me to take my pills in 5 minutes",
            "I'll remind you to take your pills in 5 minutes.",
        ),
    ],
)
def test_a_reminder_in_so_long(engine: IntentEngine, text: str, said: str) -> None:
    assert handle(engine, text) == said
    [timer] = engine.timers.timers()
    assert (timer.alarm, timer.reminder) == (
        False,
        said.split(" in ")[0][len("I'll remind you ") :],
    )


@pytest.mark.parametrize(
    ("text", "reminder", "time"),
    [
        ("Remind me to call my mom at 5 p.m.", "to call your mom", "five PM"),
        ("Remind me about the meeting tomorrow at 9.", "about the meeting", "nine AM"),
        ("Remind me tomorrow at 8 to buy milk.", "to buy milk", "eight AM"),
        ("Set a reminder for 6 pm to water the plants.", "to water the plants", "six PM"),
        (
            "Remind me to meet Bob at the station at 5 pm.",
            "to meet Bob at the station",
            "five PM",
        ),
    ],
)
def test_a_reminder_at_a_time_of_day(
    engine: IntentEngine, text: str, reminder: str, time: str
) -> None:
    said = handle(engine, text)
    # "This morning" when the tests run before dawn.
    day = "(today|tomorrow|this morning)"
    assert re.fullmatch(rf"I'll remind you {reminder} at {time} {day}\.", said), said
    [timer] = engine.timers.timers()
    assert (timer.alarm, timer.reminder, timer.description) == (True, reminder, time)


def test_what_to_be_reminded_of_is_said_back_as_to_the_person(engine: IntentEngine) -> None:
    said = handle(engine, "Remind me about the 9 am meeting at 8:30 a.m.")
    assert said.startswith("I'll remind you about the 9 am meeting at eight thirty AM"), said
    assert handle(engine, "Remind me to tell Ann I am late in 5 minutes.") == (
        "I'll remind you to tell Ann you are late in 5 minutes."
    )


@pytest.mark.parametrize(
    ("text", "reminder", "said", "repeat"),
    [
        (
            "Remind me to take my pills at 8 every day.",
            "to take your pills",
            "at eight AM every day",
            Repeat(DAILY, 8, 0),
        ),
        (
            "remind me every day at 8 pm to take my pills",
            "to take your pills",
            "at eight PM every day",
            Repeat(DAILY, 20, 0),
        ),
        (
            "remind me at 9:30 on weekdays to check the mail",
            "to check the mail",
            "at nine thirty AM on weekdays",
            Repeat(WEEKDAYS, 9, 30),
        ),
        (
            "Remind me about the meeting every Monday at 9",
            "about the meeting",
            "at nine AM every Monday",
            Repeat((0,), 9, 0),
        ),
        (
            "set a daily reminder at 7 am to water the plants",
            "to water the plants",
            "at seven AM every day",
            Repeat(DAILY, 7, 0),
        ),
    ],
)
def test_a_reminder_again_and_again_at_a_time_of_day(
    engine: IntentEngine, text: str, reminder: str, said: str, repeat: Repeat
) -> None:
    """An alarm that repeats (the morning's when neither AM nor PM is said, as alarms),
    saying what it is for each time."""
    answer = handle(engine, text)
    assert answer.startswith(f"I'll remind you {reminder} {said}, starting "), answer
    [timer] = engine.timers.timers()
    assert (timer.alarm, timer.reminder, timer.repeat) == (True, reminder, repeat)
    assert handle(engine, "what reminders do I have") == (
        f"You have one reminder: {reminder} {said}."
    )


def test_a_reminder_again_and_again_without_a_time_of_day_is_asked_for_one(
    engine: IntentEngine,
) -> None:
    assert handle(engine, "Remind me to take my pills every day.") == (
        "When should I remind you to take your pills every day? Say it with a time of day."
    )
    assert engine.timers.timers() == []


def test_a_reminder_that_repeats_is_said_and_set_again(tmp_path: Path) -> None:
    announced = Announcements()
    timers = Timers(announced, tmp_path / "timers.json")
    try:
        soon = datetime.now() + timedelta(seconds=0.2)
        repeat = Repeat(DAILY, soon.hour, soon.minute)
        timers.start_alarm(soon.timestamp(), "eight AM", reminder="to stretch", repeat=repeat)
        assert announced.first.wait(5)
        assert announced.texts == ["This is your reminder to stretch."]
        # Set for the same minute tomorrow, still a reminder.
        assert wait_for(lambda: len(timers.timers()) == 1)
        [again] = timers.timers()
        assert (again.reminder, again.repeat) == ("to stretch", repeat)
        assert 23 * 3600 < again.left_seconds <= 24 * 3600 + 3600
    finally:
        timers.close()


def test_a_reminder_without_a_time_is_asked_for_one(engine: IntentEngine) -> None:
    assert handle(engine, "Remind me to call my mom.") == (
        "When should I remind you to call your mom? Say it with a time: in 10 minutes, or at 5 PM."
    )
    assert engine.timers.timers() == []


def test_reminders_are_listed_cancelled_and_apart_from_timers_and_alarms(
    engine: IntentEngine,
) -> None:
    assert handle(engine, "What reminders do I have?") == "You have no reminders."
    handle(engine, "Remind me in 20 minutes to take the bins out.")
    assert handle(engine, "Do I have any reminders?") == (
        "You have one reminder: to take the bins out in 20 minutes."
    )
    handle(engine, "Remind me in an hour to call my sister.")
    handle(engine, "set a timer for 5 minutes")
    assert handle(engine, "what reminders do I have") == (
        "You have 2 reminders: to take the bins out in 20 minutes and to call your sister"
        " in 1 hour."
    )
    assert handle(engine, "what timers do I have") == (
        "Your timer for 5 minutes has 5 minutes left."
    )
    assert handle(engine, "what alarms do I have") == "You have no alarms set."
    assert handle(engine, "cancel my reminder") == (
        "You have 2 reminders: to take the bins out in 20 minutes and to call your sister"
        " in 1 hour. Say which one to cancel, by what it is for."
    )
    assert handle(engine, "cancel the reminder to call my sister") == (
        "Cancelled your reminder to call your sister."
    )
    assert handle(engine, "cancel the reminder to feed the cat") == (
        "You have no reminder to feed the cat."
    )
    assert handle(engine, "cancel the timer") == "Cancelled the timer for 5 minutes."
    assert handle(engine, "delete all my reminders") == (
        "Cancelled your reminder to take the bins out."
    )
    assert engine.timers.timers() == []


def test_a_reminder_is_said_when_it_is_time(tmp_path: Path) -> None:
    announced = Announcements()
    timers = Timers(announced, tmp_path / "timers.json")
    try:
        timers.start(0.2, reminder="to take the bins out")
        timers.start_alarm(datetime.now().timestamp() + 0.4, "five PM", reminder="to call")
        assert announced.first.wait(5)
        [first] = announced.texts
        assert first == "This is your reminder to take the bins out."
    finally:
        timers.close()


def test_a_reminder_is_kept_across_a_restart_and_said_when_missed(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    clock = [1_800_000_000.0]
    before = Timers(Announcements(), path, lambda: clock[0])
    before.start(60, reminder="to take the bins out")
    before.close()
    [saved] = json.loads(path.read_text())["timers"]
    assert saved["reminder"] == "to take the bins out"
    clock[0] += 120
    announced = Announcements()
    after = Timers(announced, path, lambda: clock[0])
    try:
        assert announced.first.wait(5)
        assert announced.texts == [
            "I was off when it was time for your reminder to take the bins out."
        ]
    finally:
        after.close()


@pytest.mark.parametrize(
    "text",
    ["Remind me what the capital of France is.", "Can you remind me how to boil an egg?"],
)
def test_questions_about_remembering_are_the_models(engine: IntentEngine, text: str) -> None:
    match = engine.match(text)
    assert match is None or not match.name.startswith("Reminder"), match


def test_every_inside_what_to_be_reminded_of_is_a_reminder_said_once(
    engine: IntentEngine,
) -> None:
    said = handle(engine, "remind me to check each window at 9 pm")
    assert said.startswith("I'll remind you to check each window at nine PM "), said
    [timer] = engine.timers.timers()
    assert (timer.reminder, timer.repeat) == ("to check each window", None)
