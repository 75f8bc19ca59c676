"""The timer table, told the time as numbers: when timers end, pausing, resuming, adding
and taking time, the limits; and the sentences said for timers that end."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiced.timers import (
    MAX_TIMER_SECONDS,
    SavedTimer,
    TimerError,
    TimerState,
    TimerTable,
    describe_left,
    ended_sentence,
    missed_sentence,
    timer_called,
    timer_name,
)

T0 = 1000.0  # a monotonic time


def add(table: TimerTable, now: float, seconds: float) -> TimerState:
    return table.add(now, seconds, f"{seconds:g} s", seconds)


def test_timers_end_in_order_at_their_deadlines() -> None:
    table = TimerTable()
    late = add(table, T0, 300)
    soon = add(table, T0, 60)
    assert table.next_deadline() == T0 + 60
    assert table.pop_due(T0 + 59.999) == []
    ended = table.pop_due(T0 + 60)
    assert [t.timer_id for t in ended] == [soon.timer_id]
    assert table.next_deadline() == T0 + 300
    assert [t.timer_id for t in table.pop_due(T0 + 1000)] == [late.timer_id]
    assert table.next_deadline() is None and len(table) == 0


def test_timers_ending_together_end_in_one_batch_soonest_first() -> None:
    table = TimerTable()
    for seconds in (30, 10, 20):
        add(table, T0, seconds)
    ended = table.pop_due(T0 + 3600)  # the clock jumped past all three
    assert [t.description for t in ended] == ["10 s", "20 s", "30 s"]
    assert ended_sentence(ended) == "3 timers are done."


def test_moving_an_end_follows_a_wall_clock_step_within_a_week() -> None:
    table = TimerTable()
    timer = add(table, T0, 300)
    paused = add(table, T0, 600)
    table.pause(paused.timer_id, T0)
    moved = table.move_end(timer.timer_id, -60, T0)
    assert moved is not None and moved.left_seconds == 240
    assert table.move_end(paused.timer_id, -60, T0) is None  # a paused one keeps its time
    assert table.move_end(99, -60, T0) is None
    # Set back by years, it is held to a week from now, never refused.
    held = table.move_end(timer.timer_id, 10 * 365 * 86400, T0)
    assert held is not None and held.left_seconds == MAX_TIMER_SECONDS
    # Moved past now, it has ended, and is taken as any ended timer is.
    table.move_end(timer.timer_id, -2 * MAX_TIMER_SECONDS, T0)
    assert [t.timer_id for t in table.pop_due(T0)] == [timer.timer_id]


def test_a_paused_timer_keeps_what_it_had_left_and_never_ends() -> None:
    table = TimerTable()
    timer = add(table, T0, 300)
    paused = table.pause(timer.timer_id, T0 + 100)
    assert paused.paused and paused.left_seconds == 200
    assert table.next_deadline() is None
    assert table.pop_due(T0 + 10_000) == []
    assert table.states(T0 + 10_000)[0].left_seconds == 200
    resumed = table.resume(timer.timer_id, T0 + 10_000)
    assert not resumed.paused and resumed.left_seconds == 200
    assert table.next_deadline() == T0 + 10_200


def test_pausing_twice_or_resuming_a_running_timer_is_refused() -> None:
    table = TimerTable()
    timer = add(table, T0, 300)
    with pytest.raises(TimerError, match="not paused"):
        table.resume(timer.timer_id, T0)
    table.pause(timer.timer_id, T0)
    with pytest.raises(TimerError, match="already paused"):
        table.pause(timer.timer_id, T0)


def test_a_timer_that_has_ended_cannot_be_changed() -> None:
    table = TimerTable()
    timer = add(table, T0, 10)
    table.pop_due(T0 + 10)
    with pytest.raises(TimerError, match="just ended"):
        table.pause(timer.timer_id, T0 + 10)
    with pytest.raises(TimerError, match="just ended"):
        table.add_time(timer.timer_id, 60, T0 + 10)


def test_adding_and_taking_time_moves_the_end() -> None:
    table = TimerTable()
    timer = add(table, T0, 300)
    assert table.add_time(timer.timer_id, 120, T0 + 60).left_seconds == 360
    assert table.next_deadline() == T0 + 420
    assert table.add_time(timer.timer_id, -60, T0 + 60).left_seconds == 300
    assert table.next_deadline() == T0 + 360
    # A paused timer too: what it has left changes, and it stays paused.
    table.pause(timer.timer_id, T0 + 60)
    changed = table.add_time(timer.timer_id, 30, T0 + 500)
    assert changed.paused and changed.left_seconds == 330


def test_taking_more_than_is_left_ends_the_timer_unannounced() -> None:
    table = TimerTable()
    timer = add(table, T0, 60)
    ended = table.add_time(timer.timer_id, -120, T0 + 10)
    assert ended.left_seconds == 0
    assert len(table) == 0 and table.pop_due(T0 + 100) == []


@pytest.mark.parametrize("seconds", [0, -1, math.nan, -math.inf])
def test_a_timer_needs_a_positive_duration(seconds: float) -> None:
    with pytest.raises(ValueError, match="positive duration"):
        add(TimerTable(), T0, seconds)


@pytest.mark.parametrize("seconds", [MAX_TIMER_SECONDS + 1, math.inf, 1e400])
def test_a_timer_longer_than_a_week_is_refused(seconds: float) -> None:
    with pytest.raises(TimerError, match="at most a week"):
        add(TimerTable(), T0, seconds)


def test_time_cannot_be_added_beyond_a_week() -> None:
    table = TimerTable()
    timer = add(table, T0, MAX_TIMER_SECONDS - 10)
    with pytest.raises(TimerError, match="at most a week"):
        table.add_time(timer.timer_id, 60, T0)
    with pytest.raises(ValueError, match="finite"):
        table.add_time(timer.timer_id, math.nan, T0)
    assert table.states(T0)[0].left_seconds == MAX_TIMER_SECONDS - 10


def test_at_most_max_timers_run() -> None:
    table = TimerTable(max_timers=3)
    for seconds in (10, 20, 30):
        add(table, T0, seconds)
    with pytest.raises(TimerError, match="at most 3 timers"):
        add(table, T0, 40)
    table.pop_due(T0 + 10)
    add(table, T0, 40)  # one ended: room for one more
    assert len(table) == 3


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["add", "pause", "resume", "more", "less", "tick"]),
            st.floats(min_value=0.5, max_value=10_000),
            st.integers(min_value=0, max_value=5),
        ),
        max_size=40,
    )
)
def test_any_sequence_keeps_the_table_consistent(
    steps: list[tuple[str, float, int]],
) -> None:
    """Whatever is done in whatever order: nothing raises but TimerError, every timer has
    a positive time left, a timer ends once, and exactly the running ones have a deadline."""
    table = TimerTable(max_timers=5)
    now = T0
    ended: list[int] = []
    for step, amount, index in steps:
        states = table.states(now)
        timer_id = states[index % len(states)].timer_id if states else 1
        try:
            if step == "add":
                add(table, now, amount)
            elif step == "pause":
                table.pause(timer_id, now)
            elif step == "resume":
                table.resume(timer_id, now)
            elif step == "more":
                table.add_time(timer_id, amount, now)
            elif step == "less":
                table.add_time(timer_id, -amount, now)
            else:
                now += amount
                ended += [state.timer_id for state in table.pop_due(now)]
        except TimerError:
            pass
        states = table.states(now)
        assert len(states) <= 5
        assert all(state.left_seconds > 0 for state in states)
        assert not {state.timer_id for state in states} & set(ended)
        running = [state for state in states if not state.paused]
        deadline = table.next_deadline()
        assert (deadline is None) == (not running)
        if deadline is not None:
            # now + (deadline - now) may differ from deadline in the last bit.
            soonest = min(now + state.left_seconds for state in running)
            assert deadline == pytest.approx(soonest, rel=0, abs=1e-9)
    assert len(ended) == len(set(ended))


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (0.2, "1 second"),  # never "0 seconds" while it runs
        (12.3, "13 seconds"),
        (60, "1 minute"),
        (61, "1 minute"),
        (64, "1 minute and 5 seconds"),
        (272, "4 minutes and 30 seconds"),
        (599, "10 minutes"),
        (629, "10 minutes"),
        (5460, "1 hour and 31 minutes"),
    ],
)
def test_time_left_is_said_as_precisely_as_wanted(seconds: float, spoken: str) -> None:
    assert describe_left(seconds) == spoken


def test_sentences_for_timers_that_ended() -> None:
    one = TimerState(1, "5 minutes", 300, 0, False)
    assert ended_sentence([one]) == "Your timer for 5 minutes is done."
    assert ended_sentence([one, one]) == "2 timers are done."
    assert missed_sentence([one]) == "Your timer for 5 minutes ended while I was off."
    assert missed_sentence([one] * 10_000) == "10000 timers ended while I was off."


def test_a_named_timer_is_spoken_of_by_its_name() -> None:
    pasta = TimerState(1, "10 minutes", 600, 0, False, "pasta")
    assert timer_called(pasta) == "pasta timer"
    assert timer_called(TimerState(2, "5 minutes", 300, 0, False)) == "timer for 5 minutes"
    assert ended_sentence([pasta]) == "Your pasta timer is done."
    assert ended_sentence([pasta, pasta]) == "2 timers are done."
    # Read from the file at start, as a running one.
    saved = SavedTimer("10 minutes", 600.0, 1_800_000_000.0, name="pasta")
    assert missed_sentence([saved]) == "Your pasta timer ended while I was off."


def test_a_named_timer_keeps_its_name_through_every_change() -> None:
    table = TimerTable()
    timer = table.add(T0, 600, "10 minutes", 600, name="pasta")
    assert timer.name == "pasta"
    assert table.pause(timer.timer_id, T0).name == "pasta"
    with pytest.raises(TimerError, match=r"^The pasta timer is already paused\.$"):
        table.pause(timer.timer_id, T0)
    assert table.resume(timer.timer_id, T0).name == "pasta"
    with pytest.raises(TimerError, match=r"^The pasta timer is not paused\.$"):
        table.resume(timer.timer_id, T0)
    assert table.add_time(timer.timer_id, 60, T0).name == "pasta"
    assert table.move_end(timer.timer_id, -60, T0) == TimerState(
        timer.timer_id, "10 minutes", 600, 600, False, "pasta"
    )
    ended = table.add_time(timer.timer_id, -600, T0)
    assert (ended.left_seconds, ended.name) == (0, "pasta")


def test_an_ended_named_timer_whose_ring_waits_says_its_name() -> None:
    table = TimerTable()
    timer = table.add(T0, 10, "10 seconds", 10, name="eggs")
    with pytest.raises(TimerError, match=r"^Your eggs timer has just ended\.$"):
        table.pause(timer.timer_id, T0 + 10)
    [ended] = table.pop_due(T0 + 10)
    assert ended.name == "eggs"


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("pasta", "pasta"),
        ("the eggs", "eggs"),
        ("The  Eggs", "eggs"),
        ("my Sunday roast", "sunday roast"),
        ("our kids' bath", "kids' bath"),
        ("an oven", "oven"),
        ("egg timer", "egg"),
        ("rice.", "rice"),
        ("the big pot of sauce", "big pot of sauce"),
        # More than 4 words or 40 characters is a sentence, not a name.
        ("the big pot of pasta sauce", None),
        ("x" * 41, None),
        ("x" * 40, "x" * 40),
        ("the", None),
        ("", None),
        ("timer", "timer"),
        ("pasta\x07", None),
    ],
)
def test_a_name_is_kept_as_said_without_its_article(said: str, name: str | None) -> None:
    assert timer_name(said) == name


def test_a_timer_shortened_by_all_it_has_left_ends_whatever_the_rounding() -> None:
    # (now + t) - now - t came out at 2e-16 here: a timer with nothing left was kept.
    table = TimerTable(max_timers=5)
    add(table, T0, 1.3130768210564554)
    assert table.add_time(1, -1.3130768210564554, T0).left_seconds == 0
    assert table.states(T0) == []


@given(st.text(max_size=60))
def test_a_name_kept_is_kept_as_it_is_and_fits_the_file(said: str) -> None:
    """Timers.start keeps a name again as timer_name does: the same name, within what
    timers.json reads back."""
    name = timer_name(said)
    if name is not None:
        assert timer_name(name) == name
        assert 0 < len(name) <= 40 and name.isprintable()
