"""A timer or an alarm that ends rings until it is stopped: said again every so often, for
at most so long (voiced/timers.py); "stop", "stop the timer", "stop the alarm" and
"snooze" stop it (voiced/intents/nevermind.py, timers.py, alarms.py)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from tests.test_alarms import handle
from tests.test_timers import Announcements, wait_for
from voiced.intents.engine import IntentEngine
from voiced.timers import DeviceAction, Timers

# Said again this often in these tests (15 s in voiced).
EVERY = 0.15


@pytest.fixture
def announced() -> Announcements:
    return Announcements()


@pytest.fixture
def timers(announced: Announcements) -> Iterator[Timers]:
    running = Timers(announced, ring_every=EVERY, ring_for=30)
    yield running
    running.close()


def test_a_timer_that_ends_is_said_again_until_stopped(
    timers: Timers, announced: Announcements
) -> None:
    timers.start(0.05, name="pasta")
    assert wait_for(lambda: len(announced.texts) >= 3)
    assert set(announced.texts) == {"Your pasta timer is done."}, announced.texts
    # Each time after the last was said, not all at once.
    gaps = [later - earlier for earlier, later in itertools.pairwise(announced.at)]
    assert all(gap >= EVERY * 0.9 for gap in gaps), gaps
    [ringing] = timers.ringing()
    assert ringing.name == "pasta"
    [stopped] = timers.stop_ringing()
    assert stopped == ringing
    said = len(announced.texts)
    time.sleep(EVERY * 3)
    assert len(announced.texts) == said
    assert timers.ringing() == []


def test_ringing_ends_by_itself_after_its_time(announced: Announcements) -> None:
    timers = Timers(announced, ring_every=0.05, ring_for=0.3)
    try:
        timers.start(0.05)
        assert wait_for(lambda: bool(timers.ringing()))
        assert wait_for(lambda: not timers.ringing(), 3)
        said = len(announced.texts)
        assert 2 <= said <= 8, announced.texts
        time.sleep(0.3)
        assert len(announced.texts) == said
    finally:
        timers.close()


def test_a_reminder_or_a_switch_is_said_or_done_once(
    timers: Timers, announced: Announcements
) -> None:
    switched: list[DeviceAction] = []
    timers.act = switched.append
    timers.start(0.05, reminder="to take the bins out")
    action = DeviceAction("HassTurnOff", ("light.kitchen",), "turn off the kitchen light")
    timers.start(0.05, then=action)
    assert wait_for(lambda: bool(announced.texts) and bool(switched))
    time.sleep(EVERY * 3)
    assert announced.texts == ["This is your reminder to take the bins out."]
    assert switched == [action]
    assert timers.ringing() == []


def test_a_stop_said_over_the_first_ring_stops_it(announced: Announcements) -> None:
    """ "Hey Jarvis, stop" cuts the announcement, and the turn stops the ringing before
    the scheduler is back from saying it: it is not said again."""
    holder: list[Timers] = []

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        announced(text, wanted)  # its first announcement begins: it is heard
        holder[0].stop_ringing()

    timers = Timers(announce, ring_every=EVERY, ring_for=30)
    holder.append(timers)
    try:
        timers.start(0.05)
        assert announced.first.wait(5)
        time.sleep(EVERY * 3)
        assert len(announced.texts) == 1
        assert timers.ringing() == []
    finally:
        timers.close()


def test_stopping_one_kind_leaves_the_other_ringing(
    timers: Timers, announced: Announcements
) -> None:
    timers.start(0.05)
    timers.start_alarm((datetime.now() + timedelta(seconds=0.05)).timestamp(), "seven AM")
    assert wait_for(lambda: len(timers.ringing()) == 2)
    [timer] = timers.stop_ringing("timer")
    assert not timer.alarm
    [alarm] = timers.ringing()
    assert alarm.alarm
    said = len(announced.texts)
    assert wait_for(lambda: len(announced.texts) > said)
    assert announced.texts[-1] == "It's seven AM. This is your alarm."


def ring(engine: IntentEngine, text: str) -> None:
    """Set by `text` to end in a moment, and wait until it rings."""
    handle(engine, text)
    assert wait_for(lambda: bool(engine.timers.ringing()))


def test_stop_stops_what_rings(engine: IntentEngine) -> None:
    ring(engine, "set a timer for 1 second")
    assert handle(engine, "stop") == "Okay."
    assert engine.timers.ringing() == []


def test_stop_the_timer_stops_the_ringing_one_and_leaves_one_running(
    engine: IntentEngine,
) -> None:
    handle(engine, "set a timer for 10 minutes")
    ring(engine, "set a timer for 1 second")
    assert handle(engine, "stop the timer") == "Okay."
    assert engine.timers.ringing() == []
    [running] = engine.timers.timers()
    assert running.description == "10 minutes"
    # Named by its length, a running timer is the one cancelled.
    ring(engine, "set a timer for 1 second")
    assert handle(engine, "cancel the 10 minute timer") == "Cancelled the timer for 10 minutes."
    assert engine.timers.ringing() != []
    assert handle(engine, "cancel the timer") == "Okay."
    assert engine.timers.ringing() == []


def test_stop_the_alarm_and_snooze_stop_a_ringing_alarm(engine: IntentEngine) -> None:
    engine.timers.start_alarm(time.time() + 0.05, "seven AM")
    assert wait_for(lambda: bool(engine.timers.ringing()))
    assert handle(engine, "snooze").startswith("Snoozed: I'll ring again at ")
    assert engine.timers.ringing() == []
    engine.timers.start_alarm(time.time() + 0.05, "seven AM")
    assert wait_for(lambda: bool(engine.timers.ringing()))
    assert handle(engine, "stop the alarm").startswith("Okay.")
    assert engine.timers.ringing() == []


def test_a_ring_that_waited_for_a_turn_which_stopped_it_is_not_said() -> None:
    """The ring comes due while "hey Jarvis, stop" is being heard: it waits for the turn
    (Speaker.speak), the turn stops the ringing, and the ring is then dropped."""
    said: list[str] = []
    waiting = threading.Event()
    turn_done = threading.Event()

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        if said:  # a ring again: held by the turn in progress
            waiting.set()
            turn_done.wait(5)
        if wanted is None or wanted():
            said.append(text)

    timers = Timers(announce, ring_every=EVERY, ring_for=30)
    try:
        timers.start(0.05)
        assert waiting.wait(5)
        timers.stop_ringing()
        turn_done.set()
        time.sleep(EVERY * 3)
        assert len(said) == 1, said
    finally:
        timers.close()


def test_cancel_all_timers_as_one_rings_cancels_the_others_too(engine: IntentEngine) -> None:
    handle(engine, "set a timer for 20 minutes")
    ring(engine, "set a timer for 1 second")
    assert handle(engine, "cancel all timers") == "Cancelled the timer for 20 minutes."
    assert engine.timers.timers() == [] and engine.timers.ringing() == []
    ring(engine, "set a timer for 1 second")
    assert handle(engine, "cancel all timers") == "Okay."
    assert engine.timers.ringing() == []


def test_cancel_that_as_one_rings_still_cancels_the_timer_just_set(engine: IntentEngine) -> None:
    ring(engine, "set a timer for 1 second")
    handle(engine, "set a timer for 7 minutes")
    assert handle(engine, "cancel that") == "Cancelled the timer for 7 minutes."
    assert engine.timers.timers() == [] and engine.timers.ringing() == []


def test_a_stop_said_before_a_timer_was_heard_of_leaves_it_ringing() -> None:
    """One timer rings; another ends while "stop" is being heard, its announcement held
    by that turn: the stop was not said of it, so it is said after, and rings on."""
    said: list[str] = []
    held, turn_done = threading.Event(), threading.Event()

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        if "eggs" in text and not turn_done.is_set():
            held.set()  # Speaker.speak waits for the turn in progress
            turn_done.wait(5)
        if wanted is None or wanted():
            said.append(text)

    timers = Timers(announce, ring_every=30, ring_for=60)
    try:
        timers.start(0.05, name="pasta")
        assert wait_for(lambda: bool(said))
        timers.start(0.05, name="eggs")
        assert held.wait(5)
        # The turn's "stop": what was heard of stops; the eggs were not yet.
        [stopped] = timers.stop_ringing()
        assert stopped.name == "pasta"
        turn_done.set()
        assert wait_for(lambda: len(said) == 2)
        assert said[1] == "Your eggs timer is done."
        [ringing] = timers.ringing()
        assert ringing.name == "eggs"
        assert [state.name for state in timers.stop_ringing()] == ["eggs"]
    finally:
        timers.close()


def test_a_ring_said_again_is_heard_of_though_its_first_was_lost() -> None:
    """The first announcement failed (it never reached the speaker): once the ring is
    said again, a stop stops it."""
    said: list[str] = []

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        said.append(text)
        if len(said) == 1:
            raise RuntimeError("the speaker is gone")  # before asking `wanted`
        if wanted is not None:
            wanted()

    timers = Timers(announce, ring_every=EVERY, ring_for=30)
    try:
        timers.start(0.05, name="pasta")
        assert wait_for(lambda: len(said) >= 2)
        [stopped] = timers.stop_ringing()
        assert stopped.name == "pasta"
    finally:
        timers.close()
