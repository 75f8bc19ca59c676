import pytest

from voiced.endpoint import Endpointer, EndpointTimes, Event

# Binary-exact durations, so sums of chunks hit the limits exactly.
CHUNK = 0.125
TIMES = EndpointTimes(
    silence_seconds=0.5,
    min_speech_seconds=0.25,
    start_timeout_seconds=2.0,
    max_command_seconds=4.0,
)


def feed(endpointer: Endpointer, seconds: float, is_speech: bool) -> list[Event]:
    """Feed `seconds` of audio in CHUNK pieces; return the events other than NONE."""
    events = []
    for _ in range(round(seconds / CHUNK)):
        event = endpointer.feed(CHUNK, is_speech)
        if event is not Event.NONE:
            events.append((endpointer.elapsed_s, event))
    return events


def test_speech_then_enough_silence_ends_the_command():
    endpointer = Endpointer(TIMES)
    assert feed(endpointer, 0.25, False) == []
    assert feed(endpointer, 1.0, True) == [(0.5, Event.SPEECH_STARTED)]
    assert feed(endpointer, 0.5, False) == [(1.75, Event.ENDPOINT)]
    assert endpointer.done


def test_silence_shorter_than_the_limit_does_not_end_the_command():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 0.5, True)
    assert feed(endpointer, 0.375, False) == []
    assert not endpointer.done


def test_speech_resuming_before_the_silence_runs_out_continues_the_command():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 0.5, True)
    feed(endpointer, 0.375, False)
    assert feed(endpointer, 0.25, True) == []
    # The silence count starts again: 0.375 s more is still not enough.
    assert feed(endpointer, 0.375, False) == []
    assert feed(endpointer, 0.125, False) == [(1.625, Event.ENDPOINT)]


def test_a_click_shorter_than_min_speech_does_not_start_speech():
    endpointer = Endpointer(TIMES)
    assert feed(endpointer, 0.125, True) == []
    assert feed(endpointer, 0.125, False) == []
    assert not endpointer.speech_started
    assert endpointer.speech_start_s is None


def test_clicks_separated_by_silence_do_not_add_up_to_speech():
    endpointer = Endpointer(TIMES)
    for _ in range(3):
        assert feed(endpointer, 0.125, True) == []
        assert feed(endpointer, 0.125, False) == []
    assert not endpointer.speech_started


def test_no_speech_times_out_at_the_start_timeout():
    endpointer = Endpointer(TIMES)
    assert feed(endpointer, 2.5, False) == [(2.0, Event.TIMEOUT)]
    assert endpointer.done


def test_only_clicks_still_time_out():
    endpointer = Endpointer(TIMES)
    events = []
    for _ in range(10):
        events += feed(endpointer, 0.125, True) + feed(endpointer, 0.125, False)
    assert events == [(2.0, Event.TIMEOUT)]


def test_speech_started_just_before_the_timeout_is_not_timed_out():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 1.75, False)
    assert feed(endpointer, 0.5, True) == [(2.0, Event.SPEECH_STARTED)]
    assert feed(endpointer, 0.25, False) == []


def test_continuous_speech_is_cut_at_max_command_seconds():
    endpointer = Endpointer(TIMES)
    events = feed(endpointer, 6.0, True)
    assert events == [(0.25, Event.SPEECH_STARTED), (4.0, Event.ENDPOINT)]


def test_max_command_seconds_also_applies_during_a_short_pause():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 3.875, True)
    assert feed(endpointer, 0.125, False) == [(4.0, Event.ENDPOINT)]


def test_speech_start_and_last_speech_end_times():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 0.5, False)
    feed(endpointer, 0.125, True)  # a click
    feed(endpointer, 0.25, False)
    feed(endpointer, 0.75, True)
    feed(endpointer, 0.25, False)
    feed(endpointer, 0.5, True)
    feed(endpointer, 0.5, False)
    assert endpointer.speech_start_s == pytest.approx(0.875)
    assert endpointer.last_speech_end_s == pytest.approx(2.375)
    assert endpointer.done


def test_no_events_after_done():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 0.5, True)
    feed(endpointer, 0.5, False)
    assert endpointer.done
    elapsed = endpointer.elapsed_s
    assert feed(endpointer, 5.0, True) == []
    assert feed(endpointer, 5.0, False) == []
    assert endpointer.elapsed_s == elapsed
    assert endpointer.last_speech_end_s == pytest.approx(0.5)


def test_no_events_after_timeout():
    endpointer = Endpointer(TIMES)
    feed(endpointer, 2.0, False)
    assert feed(endpointer, 1.0, True) == []
    assert not endpointer.speech_started
