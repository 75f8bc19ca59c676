"""Alarms at a time of day (voiced/intents/alarms.py, alarm_time.py): the times people
say, the moment each names, and alarms set, asked about, cancelled, rung and kept."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes import bare_context, say_nothing, spoken
from tests.test_timers import Announcements, UnsetWallClock, looked_at_often, wait_for  # noqa: F401 (a fixture)
from voiced.config import Config
from voiced.intents import IntentContext
from voiced.intents.engine import IntentEngine
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.timers import DeviceAction, Repeat, Timers

# A Monday evening.
MONDAY_EVENING = datetime(2026, 12, 7, 21, 30)
MONDAY_MORNING = datetime(2026, 12, 7, 9, 15)


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


class Wall:
    """The wall clock the timers and the handlers read, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def seconds(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def wall() -> Wall:
    return Wall(MONDAY_EVENING)


@pytest.fixture
def timers(tmp_path: Path, wall: Wall) -> Iterator[Timers]:
    running = Timers(Announcements(), tmp_path / "timers.json", wall.seconds)
    yield running
    running.close()


@pytest.fixture
def context(timers: Timers, wall: Wall) -> IntentContext:
    return bare_context(timers=timers, now=lambda: wall.now)


def say(matcher: IntentMatcher, context: IntentContext, text: str) -> str:
    """What voiced says to `text`, having done what it asks."""
    match = matcher.match(text)
    assert match is not None, text
    assert match.name in {"AlarmSet", "AlarmStatus", "AlarmCancel"}, (text, match)
    _plugin, handler = matcher.registry.handler(match.name) or (None, None)
    assert handler is not None
    return spoken(handler, match, context)


@pytest.mark.parametrize(
    ("text", "now", "said"),
    [
        # No AM or PM: whichever comes first.
        ("Set an alarm for 7.", MONDAY_EVENING, "seven AM tomorrow"),
        ("Set an alarm for 7.", MONDAY_MORNING, "seven PM today"),
        ("Set an alarm for 7 a.m.", MONDAY_MORNING, "seven AM tomorrow"),
        ("set an alarm for 7am", MONDAY_EVENING, "seven AM tomorrow"),
        ("Set an alarm for 10 PM.", MONDAY_EVENING, "ten PM today"),
        ("Wake me up at 6:30 tomorrow.", MONDAY_MORNING, "six thirty AM tomorrow"),
        ("Wake me up tomorrow at 6:45.", MONDAY_EVENING, "six forty five AM tomorrow"),
        ("Set an alarm for 6.30 a.m. tomorrow morning.", MONDAY_EVENING, "six thirty AM tomorrow"),
        ("Set an alarm for seven thirty.", MONDAY_EVENING, "seven thirty AM tomorrow"),
        ("Set an alarm for six oh five a.m.", MONDAY_EVENING, "six oh five AM tomorrow"),
        ("Wake me up at half past six.", MONDAY_EVENING, "six thirty AM tomorrow"),
        (
            "Set an alarm for quarter to seven in the morning.",
            MONDAY_EVENING,
            "six forty five AM tomorrow",
        ),
        ("Set an alarm for quarter to one.", MONDAY_MORNING, "twelve forty five PM today"),
        ("Set an alarm for 10 past 8 in the evening.", MONDAY_MORNING, "eight ten PM today"),
        ("Set an alarm for 19:30.", MONDAY_MORNING, "seven thirty PM today"),
        ("Set an alarm for 7 o'clock tonight.", MONDAY_MORNING, "seven PM today"),
        ("Set an alarm for 2 at night.", MONDAY_EVENING, "two AM tomorrow"),
        ("Set an alarm for noon.", MONDAY_EVENING, "noon tomorrow"),
        ("Set an alarm for midnight.", MONDAY_EVENING, "midnight tonight"),
        ("Set an alarm for 12 midnight.", MONDAY_EVENING, "midnight tonight"),
        ("Set an alarm for 12 noon.", MONDAY_EVENING, "noon tomorrow"),
        # In so long, as a phone sets one.
        ("Set an alarm for 10 minutes.", MONDAY_EVENING, "nine forty PM today"),
        ("Wake me up in half an hour.", MONDAY_EVENING, "ten PM today"),
        ("Set an alarm for quarter to 12 p.m.", MONDAY_MORNING, "eleven forty five AM today"),
        ("Set an alarm for quarter to 12 a.m.", MONDAY_MORNING, "eleven forty five PM today"),
        # Said in the night, "tomorrow" is the day after it, this one.
        ("Wake me up at 7 tomorrow.", datetime(2026, 12, 8, 0, 30), "seven AM this morning"),
        ("Set an alarm for 2 tomorrow night.", MONDAY_EVENING, "two AM on Wednesday"),
        ("Set an alarm for 2 tonight.", MONDAY_EVENING, "two AM tomorrow"),
        ("Set an alarm for 2 tonight.", datetime(2026, 12, 8, 1, 0), "two AM this morning"),
        ("Set an alarm for 8 on Friday.", MONDAY_EVENING, "eight AM on Friday"),
        ("Set an alarm for Wednesday at 6 p.m.", MONDAY_EVENING, "six PM on Wednesday"),
        # Monday's 7 AM has passed: next Monday's.
        ("Set an alarm for 7 a.m. on Monday.", MONDAY_EVENING, "seven AM on Monday next week"),
        ("alarm for 5 am", MONDAY_EVENING, "five AM tomorrow"),
    ],
)
def test_an_alarm_is_set_for_the_time_said(
    matcher: IntentMatcher, context: IntentContext, wall: Wall, text: str, now: datetime, said: str
) -> None:
    wall.now = now
    assert say(matcher, context, text) == f"Alarm set for {said}."
    [alarm] = context.timers.timers()
    assert alarm.alarm
    assert f"{alarm.description} " in said + " "


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Set an alarm for 7 p.m. today.", "It's already past seven PM today."),
        ("Set an alarm for 13 a.m.", "There is no 13 AM."),
    ],
)
def test_an_alarm_that_cannot_be_is_refused(
    matcher: IntentMatcher, context: IntentContext, text: str, said: str
) -> None:
    assert say(matcher, context, text) == said
    assert context.timers.timers() == []


def test_alarms_are_told_cancelled_and_never_guessed_between(
    matcher: IntentMatcher, context: IntentContext
) -> None:
    assert say(matcher, context, "What alarms do I have?") == "You have no alarms set."
    say(matcher, context, "Set an alarm for 7 a.m.")
    assert say(matcher, context, "When is my alarm?") == (
        "Your alarm is set for seven AM tomorrow, in 9 hours and 30 minutes."
    )
    assert say(matcher, context, "Wake me up at 7 tomorrow.") == (
        "You already have an alarm for seven AM tomorrow."
    )
    say(matcher, context, "Set an alarm for 6:30 on Friday.")
    assert say(matcher, context, "Do I have any alarms set?") == (
        "You have 2 alarms: seven AM tomorrow and six thirty AM on Friday."
    )
    assert say(matcher, context, "Cancel my alarm.") == (
        "You have 2 alarms: seven AM tomorrow and six thirty AM on Friday."
        " Say the time of the one to cancel."
    )
    assert say(matcher, context, "Cancel the 8 a.m. alarm.") == (
        "You have no alarm at eight AM. You have alarms for seven AM tomorrow and six"
        " thirty AM on Friday."
    )
    assert say(matcher, context, "Cancel the 7 alarm.") == (
        "Cancelled your alarm for seven AM tomorrow."
    )
    assert say(matcher, context, "Turn off my alarm.") == (
        "Cancelled your alarm for six thirty AM on Friday."
    )
    assert context.timers.timers() == []


def test_all_alarms_are_cancelled_and_timers_are_left(
    matcher: IntentMatcher, context: IntentContext
) -> None:
    context.timers.start(300)
    say(matcher, context, "Set an alarm for 7 a.m.")
    say(matcher, context, "Set an alarm for 8 a.m.")
    assert say(matcher, context, "Delete all my alarms.") == "Cancelled both alarms."
    assert [timer.description for timer in context.timers.timers()] == ["5 minutes"]


def handle(engine: IntentEngine, text: str) -> str:
    match = engine.match(text)
    assert match is not None, text
    return engine.answer(match).response


def test_timer_intents_leave_alarms_alone(tmp_path: Path) -> None:
    engine = IntentEngine(Config(state_file={"path": str(tmp_path / "state.json")}), say_nothing)
    try:
        assert handle(engine, "set an alarm for 7 a.m.").startswith("Alarm set for seven AM")
        # "Cancel that" at once: the alarm just set is cancelled.
        assert handle(engine, "cancel that") == "Cancelled the seven AM alarm."
        assert handle(engine, "what alarms do I have") == "You have no alarms set."
        handle(engine, "set an alarm for 7 a.m.")
        assert handle(engine, "what timers do I have") == "There is no timer running."
        assert handle(engine, "cancel the timer") == "There is no timer running."
        assert handle(engine, "when is my alarm").startswith("Your alarm is set for seven AM")
    finally:
        engine.close()


def test_an_alarm_rings_at_its_time(tmp_path: Path) -> None:
    announced = Announcements()
    timers = Timers(announced, tmp_path / "timers.json")
    try:
        timers.start_alarm(datetime.now().timestamp() + 0.3, "seven AM")
        assert announced.first.wait(5)
        assert announced.texts == ["It's seven AM. This is your alarm."]
        assert timers.timers() == []
    finally:
        timers.close()


@pytest.mark.usefixtures("looked_at_often")
def test_an_alarm_set_on_a_clock_not_yet_set_rings_at_its_time_on_the_set_clock(
    tmp_path: Path,
) -> None:
    """Set for "in 300.5 s" on a clock 5 minutes behind: once the clock is set, it is
    0.5 s away, and rings then, not 5 minutes late."""
    announced = Announcements()
    clock = UnsetWallClock(-300)
    timers = Timers(
        announced, tmp_path / "timers.json", clock, synchronised=lambda: clock.synchronised
    )
    try:
        timers.start_alarm(clock() + 300.5, "seven AM")
        clock.set()
        assert announced.first.wait(5)
        assert announced.texts == ["It's seven AM. This is your alarm."]
    finally:
        timers.close()


def test_an_alarm_is_kept_across_a_restart_and_said_when_missed(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    wall = Wall(MONDAY_EVENING)
    before = Timers(Announcements(), path, wall.seconds)
    before.start_alarm(datetime(2026, 12, 8, 7, 0).timestamp(), "seven AM")
    before.close()
    [saved] = json.loads(path.read_text())["timers"]
    assert (saved["description"], saved["alarm"]) == ("seven AM", True)
    # Restarted before it: it is an alarm still, for the same moment.
    wall.now = datetime(2026, 12, 8, 6, 0)
    again = Timers(Announcements(), path, wall.seconds)
    [alarm] = again.timers()
    assert alarm.alarm and round(alarm.left_seconds) == 3600
    again.close()
    # Restarted after it: said once, at start.
    wall.now = datetime(2026, 12, 8, 7, 20)
    announced = Announcements()
    after = Timers(announced, path, wall.seconds)
    try:
        assert announced.first.wait(5)
        assert announced.texts == ["Your seven AM alarm went off while I was off."]
        assert after.timers() == []
    finally:
        after.close()


def test_a_paused_alarm_in_the_file_is_refused(tmp_path: Path) -> None:
    from voiced.timer_file import read_timers_file

    path = tmp_path / "timers.json"
    entry = {"description": "seven AM", "alarm": True, "paused_left_seconds": 60}
    path.write_text(json.dumps({"timers": [entry, {**entry, "alarm": "yes"}]}))
    read = read_timers_file(path, MONDAY_EVENING.timestamp())
    assert read.timers == []
    assert read.problems == [
        'timer 1: an alarm needs "ends_at"',
        'timer 2: "alarm" must be true or false',
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Set a timer for 7 minutes.",
        "What time is it?",
        "Turn off the kitchen light at 7.",
        "I need to get up at 7.",
        "What is an alarm clock?",
    ],
)
def test_other_words_set_no_alarm(matcher: IntentMatcher, text: str) -> None:
    match = matcher.match(text)
    assert match is None or not match.name.startswith("Alarm"), match


def test_a_device_is_switched_at_a_time_of_day_without_a_word(tmp_path: Path) -> None:
    engine = IntentEngine(Config(state_file={"path": str(tmp_path / "state.json")}), say_nothing)
    try:
        said = handle(engine, "Turn off the kitchen light at 10 p.m.")
        assert re.fullmatch(r"I'll turn off the kitchen light at ten PM (today|tomorrow)\.", said)
        [timer] = engine.timers.timers()
        assert timer.then is not None and timer.then.device_ids == ("kitchen_light",)
        assert (timer.alarm, timer.then.on, timer.description) == (True, False, "ten PM")
        # A timer that switches, not an alarm.
        assert handle(engine, "what alarms do I have") == "You have no alarms set."
        assert handle(engine, "cancel the timer") == (
            "Cancelled the timer to turn off the kitchen light."
        )
    finally:
        engine.close()


def test_a_switch_at_a_time_switches_when_it_is_time(tmp_path: Path) -> None:
    done: list[DeviceAction] = []
    announced = Announcements()
    timers = Timers(announced, tmp_path / "timers.json", act=done.append)
    then = DeviceAction(("kitchen_light",), False, "turn off the kitchen light")
    try:
        timers.start_alarm(datetime.now().timestamp() + 0.2, "ten PM", then)
        assert wait_for(lambda: done == [then])
        assert announced.texts == [] and timers.timers() == []
    finally:
        timers.close()


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        (
            "Turn the kitchen light on at 7 tomorrow morning.",
            {"name": "kitchen_light", "state": "on", "alarm_hour": 7},
        ),
        (
            "At 7 a.m. turn on the lights in the kitchen.",
            {"area": "kitchen", "domain": "light", "state": "on", "alarm_hour": 7},
        ),
        (
            "Turn off all the lights at midnight.",
            {"domain": "light", "state": "off", "alarm_named": "midnight"},
        ),
    ],
)
def test_devices_said_with_a_time_of_day_are_switched_then(
    matcher: IntentMatcher, text: str, slots: dict[str, object]
) -> None:
    match = matcher.match(text)
    assert match is not None and match.name == "SwitchAt"
    assert slots.items() <= match.slots.items()


FRIDAY_EVENING = datetime(2026, 12, 11, 20, 0)


@pytest.mark.parametrize(
    ("text", "now", "said"),
    [
        ("Set an alarm for 7 every day.", MONDAY_EVENING, "seven AM every day, starting tomorrow"),
        # Repeating, "7" is the morning's even when said in the morning.
        ("Set an alarm for 7 every day.", MONDAY_MORNING, "seven AM every day, starting tomorrow"),
        ("Set a daily alarm for 10 p.m.", MONDAY_MORNING, "ten PM every day, starting today"),
        (
            "Wake me up at 6:30 on weekdays.",
            FRIDAY_EVENING,
            "six thirty AM on weekdays, starting on Monday",
        ),
        (
            "Wake me up every weekday at 6:45.",
            MONDAY_EVENING,
            "six forty five AM on weekdays, starting tomorrow",
        ),
        (
            "Set an alarm for 9 on weekends.",
            MONDAY_EVENING,
            "nine AM on weekends, starting on Saturday",
        ),
        (
            "Set an alarm for 8 every Monday.",
            MONDAY_EVENING,
            "eight AM every Monday, starting on Monday next week",
        ),
        (
            "Set a repeating alarm for 7 every evening.",
            MONDAY_MORNING,
            "seven PM every day, starting today",
        ),
    ],
)
def test_an_alarm_repeats_on_the_days_said(
    matcher: IntentMatcher, context: IntentContext, wall: Wall, text: str, now: datetime, said: str
) -> None:
    wall.now = now
    assert say(matcher, context, text) == f"Alarm set for {said}."
    [alarm] = context.timers.timers()
    assert alarm.repeat is not None and alarm.alarm


def test_a_repeating_alarm_is_told_and_cancelled_whole(
    matcher: IntentMatcher, context: IntentContext
) -> None:
    say(matcher, context, "Wake me up at 6:30 on weekdays.")
    assert say(matcher, context, "When is my alarm?") == (
        "Your alarm is set for six thirty AM on weekdays; the next is tomorrow, in 9 hours."
    )
    say(matcher, context, "Set an alarm for 9 a.m. on Friday.")
    assert say(matcher, context, "What alarms do I have?") == (
        "You have 2 alarms: six thirty AM on weekdays and nine AM on Friday."
    )
    assert say(matcher, context, "Cancel the 6:30 alarm.") == (
        "Cancelled your alarm for six thirty AM on weekdays."
    )


def test_the_next_time_of_a_repeat() -> None:
    weekdays = Repeat((0, 1, 2, 3, 4), 6, 30)
    friday_evening = FRIDAY_EVENING.timestamp()
    assert datetime.fromtimestamp(weekdays.next_after(friday_evening)) == datetime(
        2026, 12, 14, 6, 30
    )
    monday_early = datetime(2026, 12, 14, 6, 0).timestamp()
    assert datetime.fromtimestamp(weekdays.next_after(monday_early)) == datetime(
        2026, 12, 14, 6, 30
    )


def test_a_repeating_alarm_is_set_again_when_it_rings(tmp_path: Path) -> None:
    announced = Announcements()
    timers = Timers(announced, tmp_path / "timers.json")
    soon = datetime.now() + timedelta(seconds=0.3)
    every_day = Repeat(tuple(range(7)), soon.hour, soon.minute)
    try:
        timers.start_alarm(soon.timestamp(), "now", repeat=every_day)
        assert announced.first.wait(5)
        assert announced.texts == ["It's now. This is your alarm."]
        assert wait_for(lambda: len(timers.timers()) == 1)
        [again] = timers.timers()
        assert (again.alarm, again.repeat, again.description) == (True, every_day, "now")
        assert 23 * 3600 < again.left_seconds <= 24 * 3600
        [saved] = json.loads((tmp_path / "timers.json").read_text())["timers"]
        assert saved["repeat"] == {"days": list(range(7)), "hour": soon.hour, "minute": soon.minute}
    finally:
        timers.close()


def test_a_repeating_alarm_missed_while_off_is_said_and_set_again(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    wall = Wall(MONDAY_EVENING)
    before = Timers(Announcements(), path, wall.seconds)
    before.start_alarm(
        datetime(2026, 12, 8, 7, 0).timestamp(), "seven AM", repeat=Repeat((1, 3), 7, 0)
    )
    before.close()
    wall.now = datetime(2026, 12, 8, 7, 30)  # Tuesday, half an hour after it
    announced = Announcements()
    after = Timers(announced, path, wall.seconds)
    try:
        assert announced.first.wait(5)
        assert announced.texts == ["Your seven AM alarm went off while I was off."]
        [again] = after.timers()
        assert round(again.left_seconds) == (2 * 24 - 0.5) * 3600  # Thursday, 7 AM
    finally:
        after.close()


@pytest.mark.parametrize(
    ("repeat", "problem"),
    [
        ({"days": [], "hour": 7, "minute": 0}, '"repeat" needs "days": weekdays 0-6 (0 is Monday)'),
        (
            {"days": [7], "hour": 7, "minute": 0},
            '"repeat" needs "days": weekdays 0-6 (0 is Monday)',
        ),
        ({"days": [1], "hour": 24, "minute": 0}, '"repeat" needs "hour" 0-23 and "minute" 0-59'),
        ({"days": [1], "hour": 7, "minute": True}, '"repeat" needs "hour" 0-23 and "minute" 0-59'),
        ("daily", '"repeat" must be an object'),
    ],
)
def test_a_repeat_in_the_file_is_checked(tmp_path: Path, repeat: object, problem: str) -> None:
    from voiced.timer_file import read_timers_file

    path = tmp_path / "timers.json"
    ends_at = MONDAY_EVENING.timestamp() + 3600
    entry = {"description": "seven AM", "alarm": True, "ends_at": ends_at, "repeat": repeat}
    path.write_text(json.dumps({"timers": [entry]}))
    read = read_timers_file(path, MONDAY_EVENING.timestamp())
    assert read.problems == [f"timer 1: {problem}"]


def rung(timers: Timers, repeat: Repeat | None = None) -> None:
    """An alarm rung a moment ago (set to ring at once)."""
    soon = datetime.now() + timedelta(seconds=0.1)
    timers.start_alarm(soon.timestamp(), "seven AM", repeat=repeat)
    assert wait_for(lambda: timers.rang_lately(60) is not None)


def engine_at(tmp_path: Path) -> IntentEngine:
    return IntentEngine(Config(state_file={"path": str(tmp_path / "state.json")}), say_nothing)


def test_turning_off_the_alarm_as_it_rings_leaves_the_next_one(tmp_path: Path) -> None:
    """A person just woken says "turn off the alarm": the alarm of every weekday is not
    cancelled, and when it rings next is said."""
    engine = engine_at(tmp_path)
    try:
        assert handle(engine, "stop the alarm") == "Your alarm isn't ringing."
        soon = datetime.now() + timedelta(seconds=0.1)
        rung(engine.timers, Repeat(tuple(range(7)), soon.hour, soon.minute))
        assert wait_for(lambda: len(engine.timers.timers()) == 1)
        said = handle(engine, "turn off the alarm")
        # Tomorrow at this minute ("tonight at midnight" when it is midnight now).
        when = r"(tomorrow|tonight) at ([a-z ]+ [AP]M|midnight|noon)"
        assert re.fullmatch(rf"Okay\. Your next alarm is {when}\.", said), said
        assert handle(engine, "I'm up") == said
        # Set again by the scheduler, not by the person: "cancel that" leaves it.
        assert handle(engine, "cancel that") == "Okay."
        [again] = engine.timers.timers()
        assert again.repeat is not None
        # Cancelled when the words say which: all of them.
        told = handle(engine, "what alarms do I have")
        when = told.removeprefix("Your alarm is set for ").split(";")[0]
        assert handle(engine, "delete all my alarms") == f"Cancelled your alarm for {when}."
        assert engine.timers.timers() == []
    finally:
        engine.close()


def test_the_next_alarm_is_cancelled_as_one_rings_when_said_so(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    try:
        handle(engine, "set an alarm for 7 a.m.")
        rung(engine.timers)
        said = handle(engine, "cancel my alarm")
        assert re.fullmatch(r"Okay\. Your next alarm is [a-z ]+ at seven AM\.", said), said
        assert handle(engine, "cancel my next alarm").startswith("Cancelled your alarm for")
        assert engine.timers.timers() == []
    finally:
        engine.close()


def test_snooze_rings_again_in_nine_minutes_or_as_long_as_said(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    try:
        assert handle(engine, "snooze") == "There is no alarm to snooze."
        rung(engine.timers)
        assert handle(engine, "snooze").startswith("Snoozed: I'll ring again at ")
        [snoozed] = engine.timers.timers()
        assert snoozed.alarm and 530 < snoozed.left_seconds <= 540
        # A new snooze takes its place.
        handle(engine, "snooze for 5 minutes")
        [snoozed] = engine.timers.timers()
        assert 290 < snoozed.left_seconds <= 300
        # Stopped, the snooze rings no more.
        assert handle(engine, "turn off the alarm") == "Okay."
        assert engine.timers.timers() == []
    finally:
        engine.close()


def test_cancel_that_undoes_only_what_was_answered_last(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    try:
        handle(engine, "set an alarm for 7 a.m.")
        handle(engine, "add milk to my shopping list")
        engine.last_said = "Added milk to your shopping list."  # as the turn's report says
        # The milk, not the alarm set before it.
        assert handle(engine, "cancel that") == "Took milk off your list."
        assert len(engine.timers.timers()) == 1
        said = handle(engine, "remind me to call the doctor in 10 minutes")
        engine.last_said = said
        assert handle(engine, "cancel that") == "Cancelled the reminder to call the doctor."
        said = handle(engine, "set a timer for 5 minutes")
        engine.last_said = "The capital of France is Paris."  # the model answered since
        assert handle(engine, "cancel that") == "Okay."
        assert [timer.description for timer in engine.timers.timers()][-1] == "5 minutes"
    finally:
        engine.close()


def test_a_repeat_takes_the_place_of_a_one_off_it_rings_at(
    matcher: IntentMatcher, context: IntentContext
) -> None:
    say(matcher, context, "Set an alarm for 7 a.m.")
    assert say(matcher, context, "Wake me up at 7 every day.") == (
        "Alarm set for seven AM every day, starting tomorrow."
    )
    [alarm] = context.timers.timers()
    assert alarm.repeat is not None
    assert say(matcher, context, "Set an alarm for 7 a.m. on Friday.") == (
        "You already have an alarm for seven AM every day."
    )


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London"])
def test_alarms_across_the_night_the_clocks_go_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone: str
) -> None:
    """A week ahead is a week and an hour then; 7 AM is still said as 7 AM."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        saturday = datetime(2026, 10, 31, 7, 45) if zone.startswith("America") else None
        saturday = saturday or datetime(2026, 10, 24, 7, 45)
        wall = Wall(saturday)
        timers = Timers(Announcements(), tmp_path / "timers.json", wall.seconds)
        context = bare_context(timers=timers, now=lambda: wall.now)
        matcher = IntentMatcher(load_registry(), Config().devices)
        try:
            assert say(matcher, context, "Wake me up at 7 every Saturday.") == (
                "Alarm set for seven AM every Saturday, starting on Saturday next week."
            )
            assert say(matcher, context, "Set an alarm for 7 a.m. tomorrow.") == (
                "Alarm set for seven AM tomorrow."
            )
            assert say(matcher, context, "What alarms do I have?") == (
                "You have 2 alarms: seven AM tomorrow and seven AM every Saturday."
            )
        finally:
            timers.close()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_alarm_is_cancelled_by_its_day_never_a_repeat(
    matcher: IntentMatcher, context: IntentContext
) -> None:
    say(matcher, context, "Set an alarm for 7 a.m. tomorrow.")
    say(matcher, context, "Wake me up at 6 on weekends.")
    assert say(matcher, context, "Cancel the alarm on Friday.") == (
        "You have no alarm then. You have alarms for seven AM tomorrow and six AM on weekends."
    )
    assert say(matcher, context, "Cancel my alarm for Saturday.") == (
        "That is your alarm for six AM on weekends: cancelling it cancels every day's."
        " Say cancel the six AM alarm to do so."
    )
    assert say(matcher, context, "Cancel tomorrow's alarm.") == (
        "Cancelled your alarm for seven AM tomorrow."
    )
