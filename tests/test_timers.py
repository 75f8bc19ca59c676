"""Timers: their spoken durations, firing, cancelling, and an announcement spoken by a
running pipeline when one ends."""

from __future__ import annotations

import json
import logging
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEngines, FakeSink, fake_config
from voiced import timers as timers_module
from voiced.config import Config
from voiced.models import Models
from voiced.pipeline import Pipeline
from voiced.sinks import WavSink
from voiced.timers import TimerError, Timers, describe_duration

# Long enough for a timer thread to run on a loaded machine; short against the timers here.
SETTLE_SECONDS = 0.6


class Announcements:
    """Stands in for the speaker: what would have been announced, and when."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.at: list[float] = []
        self._lock = threading.Lock()
        self.first = threading.Event()

    def __call__(self, text: str, wanted: Callable[[], bool] | None = None) -> None:
        if wanted is not None and not wanted():  # as Speaker.speak drops it
            return
        with self._lock:
            self.texts.append(text)
            self.at.append(time.monotonic())
        self.first.set()


@pytest.fixture
def announced() -> Announcements:
    return Announcements()


@pytest.fixture
def timers(announced: Announcements) -> Iterator[Timers]:
    running = Timers(announced)
    yield running
    running.close()


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (1, "1 second"),
        (2, "2 seconds"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (90, "1 minute and 30 seconds"),
        (300, "5 minutes"),
        (600, "10 minutes"),
        (3600, "1 hour"),
        (3605, "1 hour and 5 seconds"),
        (3661, "1 hour, 1 minute and 1 second"),
        (5400, "1 hour and 30 minutes"),
        (7322, "2 hours, 2 minutes and 2 seconds"),
        (59.6, "1 minute"),  # rounded to whole seconds
        (0.4, "0 seconds"),
    ],
)
def test_describe_duration(seconds: float, spoken: str) -> None:
    assert describe_duration(seconds) == spoken


def test_a_timer_is_announced_once_when_it_ends(timers: Timers, announced: Announcements) -> None:
    started = time.monotonic()
    description = timers.start(0.2)
    assert description == describe_duration(0.2)
    assert timers.running() == [description]

    assert announced.first.wait(5), "the timer was not announced within 5 s"
    assert announced.at[0] - started >= 0.2 - 0.01  # not before it ends
    time.sleep(SETTLE_SECONDS)
    assert announced.texts == [f"Your timer for {description} is done."]
    assert timers.running() == []


@pytest.mark.parametrize("seconds", [0, -5])
def test_a_timer_needs_a_positive_duration(timers: Timers, seconds: float) -> None:
    with pytest.raises(ValueError, match="positive duration"):
        timers.start(seconds)
    assert timers.running() == []


def test_a_cancelled_timer_is_not_announced(timers: Timers, announced: Announcements) -> None:
    description = timers.start(0.2)
    assert timers.cancel() == description
    assert timers.running() == []
    time.sleep(SETTLE_SECONDS)
    assert announced.texts == []
    assert timers.cancel() is None  # nothing left to cancel


def test_cancel_takes_the_timer_named_by_its_id(timers: Timers) -> None:
    timers.start(60)
    timers.start(120)
    first, _second = timers.timers()
    assert timers.cancel(first.timer_id) == "1 minute"
    assert timers.running() == ["2 minutes"]
    assert timers.cancel(first.timer_id) is None  # gone already: nothing else is cancelled
    assert timers.running() == ["2 minutes"]


def test_cancel_takes_the_newest_timer(timers: Timers, announced: Announcements) -> None:
    first = timers.start(0.3)
    assert timers.start(30) == "30 seconds"
    assert timers.cancel() == "30 seconds"
    assert timers.running() == [first]
    assert announced.first.wait(5)
    time.sleep(SETTLE_SECONDS)
    assert announced.texts == [f"Your timer for {first} is done."]


def test_a_named_timer_is_announced_by_its_name(timers: Timers, announced: Announcements) -> None:
    assert timers.start(0.2, "the Pasta") == "0 seconds"
    [state] = timers.timers()
    assert state.name == "pasta"
    assert announced.first.wait(5), "the timer was not announced within 5 s"
    time.sleep(SETTLE_SECONDS)
    assert announced.texts == ["Your pasta timer is done."]


def test_a_name_that_is_no_name_starts_an_unnamed_timer(timers: Timers) -> None:
    timers.start(60, "the big pot of pasta sauce")
    timers.start(60, "")
    assert [state.name for state in timers.timers()] == [None, None]


def test_close_cancels_every_timer(timers: Timers, announced: Announcements) -> None:
    timers.start(0.2)
    timers.start(0.3)
    timers.start(60)
    assert len(timers.running()) == 3
    timers.close()
    assert timers.running() == []
    time.sleep(SETTLE_SECONDS)
    assert announced.texts == []


class RecordingSink:
    """A WAV file sink that also tells the test when audio arrives, and how much."""

    def __init__(self, path: Path) -> None:
        self.wav = WavSink(path)
        self.samples = 0
        self.sample_rate = 0
        self.first_write_at: float | None = None
        self.closed = False
        self._lock = threading.Lock()

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        self.wav.write(samples, sample_rate)
        with self._lock:
            if self.first_write_at is None:
                self.first_write_at = time.monotonic()
            self.samples += len(samples)
            self.sample_rate = sample_rate

    def end_reply(self, cut: bool) -> None:
        self.wav.end_reply(cut)

    def seconds(self) -> float:
        with self._lock:
            return self.samples / self.sample_rate if self.sample_rate else 0.0

    def close(self) -> None:
        self.closed = True
        self.wav.close()


@pytest.mark.slow
def test_a_running_pipeline_speaks_the_timer_announcement(
    config: Config, models: Models, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="voiced.pipeline")
    out = tmp_path / "out.wav"
    sink = RecordingSink(out)
    pipeline = Pipeline(config, models, sink)
    try:
        started = time.monotonic()
        description = pipeline.intents.timers.start(0.5)
        # "Your timer for ... is done." lasts well over a second once spoken.
        deadline = started + 10
        while sink.seconds() < 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        spoken_seconds = sink.seconds()
    finally:
        pipeline.close()

    assert spoken_seconds >= 1.0, f"only {spoken_seconds} s spoken within 10 s"
    assert sink.first_write_at is not None and sink.first_write_at - started >= 0.5 - 0.01
    assert pipeline.intents.timers.running() == []
    announcements = [
        record.getMessage() for record in caplog.records if record.name == "voiced.pipeline"
    ]
    assert announcements == [f"announcing: Your timer for {description} is done."]
    # Closing the pipeline closed the sink, and the file holds what was played.
    assert sink.closed
    with wave.open(str(out), "rb") as written:
        assert written.getframerate() == models.tts.sample_rate
        assert written.getnframes() / written.getframerate() >= 1.0


class FakeClock:
    """Wall-clock seconds that a test moves on, as if the daemon had been stopped."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_timers_survive_a_restart(tmp_path: Path, announced: Announcements) -> None:
    path = tmp_path / "timers.json"
    clock = FakeClock()
    before = Timers(announced, path, clock)
    before.start(300)
    before.start(5400)
    before.close()  # the daemon stops; its timers are kept
    clock.now += 60
    after = Timers(announced, path, clock)
    try:
        assert after.running() == ["5 minutes", "1 hour and 30 minutes"]
        assert after.cancel() == "1 hour and 30 minutes"
        assert [t["description"] for t in json.loads(path.read_text())["timers"]] == ["5 minutes"]
    finally:
        after.close()
    assert announced.texts == []


def test_a_name_survives_a_restart(tmp_path: Path, announced: Announcements) -> None:
    path = tmp_path / "timers.json"
    clock = FakeClock()
    before = Timers(announced, path, clock)
    before.start(600, "pasta")
    before.start(300)
    before.start(120, "eggs")
    before.pause(before.timers()[2].timer_id)
    before.close()
    saved = json.loads(path.read_text())["timers"]
    assert [t.get("name") for t in saved] == ["pasta", None, "eggs"]
    clock.now += 60
    after = Timers(announced, path, clock)
    try:
        names = [(t.name, t.description, t.paused) for t in after.timers()]
        assert names == [
            ("pasta", "10 minutes", False),
            (None, "5 minutes", False),
            ("eggs", "2 minutes", True),
        ]
        # Written again with the names kept.
        after.cancel(after.timers()[1].timer_id)
        assert [t.get("name") for t in json.loads(path.read_text())["timers"]] == [
            "pasta",
            "eggs",
        ]
    finally:
        after.close()
    assert announced.texts == []


def test_a_restart_keeps_the_newest_timer_the_newest(
    tmp_path: Path, announced: Announcements
) -> None:
    """ "The timer" is the newest set: restored soonest-ending first, a long timer set
    before a short one became "the timer" after a restart or a reload."""
    path = tmp_path / "timers.json"
    clock = FakeClock()
    before = Timers(announced, path, clock)
    before.start(2400)
    before.start(480)
    before.close()
    after = Timers(announced, path, clock)
    try:
        assert after.running() == ["40 minutes", "8 minutes"]
        assert after.cancel() == "8 minutes"
    finally:
        after.close()


def test_an_ended_timer_whose_ring_waits_cannot_be_paused(tmp_path: Path) -> None:
    """While the scheduler says one timer's end, another that ended stays in the table:
    paused with nothing left it never rang, and the file could not keep it."""
    clock = FakeClock()
    ringing = threading.Event()
    timers = Timers(lambda text, wanted=None: ringing.wait(5), tmp_path / "timers.json", clock)
    try:
        first, second = timers.start(1), timers.start(2)
        assert (first, second) == ("1 second", "2 seconds")
        time.sleep(2.2)  # the first rings (held), the second ends meanwhile
        [late] = timers.timers()
        with pytest.raises(TimerError, match="has just ended"):
            timers.pause(late.timer_id)
    finally:
        ringing.set()
        timers.close()
    assert [path.name for path in tmp_path.iterdir()] == ["timers.json"]  # none kept aside


@pytest.mark.parametrize(
    ("names", "said"),
    [
        ((None, None), "Your timer for 1 minute ended while I was off."),
        (("pasta", "eggs"), "Your pasta timer ended while I was off."),
    ],
)
def test_timer_that_ended_while_stopped_is_announced_at_start(
    tmp_path: Path, announced: Announcements, names: tuple[str | None, str | None], said: str
) -> None:
    path = tmp_path / "timers.json"
    clock = FakeClock()
    before = Timers(announced, path, clock)
    before.start(60, names[0])
    before.start(120, names[1])
    before.close()
    clock.now += 90  # the first ended while stopped, the second has 30 s left
    after = Timers(announced, path, clock)
    try:
        assert announced.first.wait(5)
        assert announced.texts == [said]
        assert [(t.description, t.name) for t in after.timers()] == [("2 minutes", names[1])]
    finally:
        after.close()


def test_timers_that_ended_while_stopped_are_said_in_one_sentence(
    tmp_path: Path, announced: Announcements
) -> None:
    path = tmp_path / "timers.json"
    clock = FakeClock()
    before = Timers(announced, path, clock)
    for minutes in (1, 2, 3, 10):
        before.start(minutes * 60)
    before.close()
    clock.now += 200
    after = Timers(announced, path, clock)
    try:
        assert announced.first.wait(5)
        time.sleep(0.1)
        assert announced.texts == ["3 timers ended while I was off."]
        assert after.running() == ["10 minutes"]
        assert [t["description"] for t in json.loads(path.read_text())["timers"]] == ["10 minutes"]
    finally:
        after.close()


def test_a_paused_timer_survives_a_restart_paused(tmp_path: Path, announced: Announcements) -> None:
    path = tmp_path / "timers.json"
    clock = FakeClock()
    before = Timers(announced, path, clock)
    before.start(300)
    before.start(600)
    [five, _ten] = before.timers()
    before.pause(five.timer_id)
    before.close()
    clock.now += 3 * 3600  # the running one ended long ago; the paused one waits
    after = Timers(announced, path, clock)
    try:
        [state] = after.timers()
        assert state.description == "5 minutes" and state.paused
        assert 299 < state.left_seconds <= 300
        resumed = after.resume(state.timer_id)
        assert not resumed.paused
        saved = json.loads(path.read_text())["timers"]
        assert [t["ends_at"] > clock.now + 299 for t in saved] == [True]
    finally:
        after.close()
    time.sleep(0.1)
    assert announced.texts == []


def test_timer_long_past_is_dropped_not_announced(tmp_path: Path, announced: Announcements) -> None:
    path = tmp_path / "timers.json"
    clock = FakeClock()
    Timers(announced, path, clock).start(60)
    clock.now += 2 * 3600
    after = Timers(announced, path, clock)
    assert after.running() == []
    time.sleep(0.1)
    assert announced.texts == []


def test_unusable_timers_file_is_kept_aside_not_replaced(
    tmp_path: Path, announced: Announcements, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "timers.json"
    path.write_text('{"timers": [{"description": "5 minutes"')
    timers = Timers(announced, path)
    assert "timers file" in caplog.text and "unusable" in caplog.text
    [kept] = tmp_path.glob("timers.json.unreadable-*")
    assert kept.read_text() == '{"timers": [{"description": "5 minutes"'
    timers.start(30)
    assert [t["description"] for t in json.loads(path.read_text())["timers"]] == ["30 seconds"]
    timers.close()


def test_every_timer_runs_on_one_scheduler_thread(timers: Timers, announced: Announcements) -> None:
    threads_before = threading.active_count()
    for seconds in (0.3, 0.1, 0.2, 60, 120):
        timers.start(seconds)
    assert threading.active_count() == threads_before
    deadline = time.monotonic() + 5
    while len(timers.running()) > 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert timers.running() == ["1 minute", "2 minutes"]
    time.sleep(0.1)
    # Each said once (the order is the table's: test_timer_table.py); two that end
    # together on a loaded machine are said in one sentence.
    singles = [text for text in announced.texts if text.startswith("Your timer for")]
    together = [int(text.split()[0]) for text in announced.texts if text not in singles]
    assert len(singles) + sum(together) == 3, announced.texts


def test_a_timer_started_sooner_than_the_one_awaited_wakes_the_scheduler(
    timers: Timers, announced: Announcements
) -> None:
    timers.start(3600)  # the scheduler now sleeps for an hour
    started = time.monotonic()
    timers.start(0.2)
    assert announced.first.wait(5)
    assert announced.at[0] - started < 2


def test_a_failed_announcement_does_not_stop_the_scheduler() -> None:
    said: list[str] = []

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        said.append(text)
        if len(said) == 1:
            raise RuntimeError("the speaker is gone")

    timers = Timers(announce)
    try:
        timers.start(0.1)
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.02)
        timers.start(0.1)
        while len(said) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(said) == 2
    finally:
        timers.close()


def test_close_ends_the_scheduler_thread(announced: Announcements) -> None:
    timers = Timers(announced)
    timers.start(60)
    names = [thread.name for thread in threading.enumerate()]
    assert "timers" in names
    threads_before = threading.active_count()
    timers.close()
    assert threading.active_count() == threads_before - 1


class UnsetWallClock:
    """A wall clock `error` seconds off the true time (behind when negative), running at
    the monotonic clock's pace until the test sets it, as the network does at boot."""

    def __init__(self, error: float) -> None:
        self.error = error
        self.synchronised = False

    def true_time(self) -> float:
        return 1_800_000_000.0 + time.monotonic()

    def __call__(self) -> float:
        return self.true_time() + self.error

    def set(self) -> None:
        self.error = 0.0
        self.synchronised = True


def saved_timers(
    path: Path, ends_in: dict[str, float], clock: UnsetWallClock, name: str | None = None
) -> None:
    """timers.json as the last run left it: each timer ending `ends_in` seconds from now
    on the true clock; each called `name`, if given."""
    entries: list[dict[str, object]] = [
        {"description": description, "ends_at": clock.true_time() + seconds}
        for description, seconds in ends_in.items()
    ]
    if name is not None:
        for entry in entries:
            entry["name"] = name
    path.write_text(json.dumps({"timers": entries}))


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


@pytest.fixture
def looked_at_often(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduler looks at the wall clock every 20 ms, not every few seconds."""
    monkeypatch.setattr(timers_module, "WALL_CLOCK_LOOK_SECONDS", 0.02)


@pytest.mark.usefixtures("looked_at_often")
def test_a_timer_restored_on_a_clock_behind_rings_when_the_clock_is_set(
    tmp_path: Path, announced: Announcements
) -> None:
    """Set before a 5-minute reboot, with 1.5 s left: the clock, still at the shutdown
    time, says 301.5 s; once set, it rings at its time, not 5 minutes late."""
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(-300)
    saved_timers(path, {"20 minutes": 1.5}, clock)
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        [restored] = timers.timers()
        assert restored.left_seconds > 300
        time.sleep(0.2)  # looked at, no step: nothing moves
        [still] = timers.timers()
        assert still.left_seconds > 300
        set_at = time.monotonic()
        clock.set()
        assert announced.first.wait(5)
        assert announced.texts == ["Your timer for 20 minutes is done."]
        assert 1.0 < announced.at[0] - set_at < 1.5 + SETTLE_SECONDS
        assert timers.running() == []
    finally:
        timers.close()


@pytest.mark.usefixtures("looked_at_often")
def test_a_timer_that_ended_during_the_downtime_is_said_once_when_the_clock_is_set(
    tmp_path: Path, announced: Announcements
) -> None:
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(-300)
    # Ended a minute before the start; ends during this run; ends long after.
    saved_timers(path, {"5 minutes": -60, "2 minutes": 0.3, "1 hour": 3000}, clock)
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        assert timers.running() == ["5 minutes", "2 minutes", "1 hour"]
        time.sleep(0.5)
        clock.set()
        assert wait_for(lambda: len(announced.texts) >= 2)
        time.sleep(0.2)
        assert announced.texts == [
            "Your timer for 5 minutes ended while I was off.",
            "Your timer for 2 minutes is done.",
        ]
        [hour] = timers.timers()
        assert 2990 < hour.left_seconds < 3000
        [saved] = json.loads(path.read_text())["timers"]
        assert saved["description"] == "1 hour"
        assert abs(saved["ends_at"] - (clock.true_time() + hour.left_seconds)) < 0.5
    finally:
        timers.close()


@pytest.mark.usefixtures("looked_at_often")
def test_a_named_timer_the_set_clock_shows_ended_during_the_downtime_is_said_by_its_name(
    tmp_path: Path, announced: Announcements
) -> None:
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(-300)
    saved_timers(path, {"5 minutes": -60}, clock, name="pasta")
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        assert [t.name for t in timers.timers()] == ["pasta"]
        clock.set()
        assert announced.first.wait(5)
        time.sleep(0.2)
        assert announced.texts == ["Your pasta timer ended while I was off."]
        assert timers.timers() == []
    finally:
        timers.close()


@pytest.mark.usefixtures("looked_at_often")
def test_a_timer_started_on_a_clock_behind_is_not_moved_and_its_file_is_corrected(
    tmp_path: Path, announced: Announcements
) -> None:
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(-300)
    timers = Timers(announced, path, clock, synchronised=lambda: False)
    try:
        timers.start(600)
        [written] = json.loads(path.read_text())["timers"]
        assert abs(written["ends_at"] - (clock.true_time() + 300)) < 0.5  # wrong by the step
        clock.error = 0.0  # set, though nothing says so: the step alone tells
        assert wait_for(
            lambda: (
                abs(
                    json.loads(path.read_text())["timers"][0]["ends_at"] - (clock.true_time() + 600)
                )
                < 0.5
            )
        )
        [running] = timers.timers()
        assert 595 < running.left_seconds <= 600
    finally:
        timers.close()
    assert announced.texts == []


@pytest.mark.usefixtures("looked_at_often")
def test_a_clock_set_back_moves_a_restored_timer_later_but_not_a_new_one(
    tmp_path: Path, announced: Announcements
) -> None:
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(+300)  # ahead: the restored timer seemed to have 100 s left
    saved_timers(path, {"10 minutes": 400}, clock)
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        timers.start(60)
        [restored, new] = timers.timers()
        assert 99 < restored.left_seconds <= 100
        clock.set()
        assert wait_for(lambda: timers.timers()[0].left_seconds > 300)
        [restored, new] = timers.timers()
        assert 395 < restored.left_seconds <= 400
        assert 55 < new.left_seconds <= 60
    finally:
        timers.close()
    assert announced.texts == []


@pytest.mark.usefixtures("looked_at_often")
def test_restored_timers_stop_following_the_clock_once_it_is_known_set(
    tmp_path: Path, announced: Announcements
) -> None:
    """Once known set, or after its first step, a later step (the clock set by hand)
    moves no timer, restored or not; and a clock known set at start moves none."""
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(0.0)
    saved_timers(path, {"10 minutes": 400}, clock)
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        clock.synchronised = True
        time.sleep(0.2)  # looked at: known set
        clock.error = 3600
        time.sleep(0.2)
        [restored] = timers.timers()
        assert 395 < restored.left_seconds <= 400
    finally:
        timers.close()
    clock = UnsetWallClock(-300)
    saved_timers(path, {"10 minutes": 400}, clock)
    timers = Timers(announced, path, clock, synchronised=lambda: True)
    try:
        clock.error = 0.0
        time.sleep(0.2)
        [restored] = timers.timers()
        assert restored.left_seconds > 695
    finally:
        timers.close()
    assert announced.texts == []


def test_a_paused_restored_timer_keeps_what_it_was_said_to_have(
    tmp_path: Path, announced: Announcements, looked_at_often: None
) -> None:
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(-300)
    saved_timers(path, {"10 minutes": 400}, clock)
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        [restored] = timers.timers()
        paused = timers.pause(restored.timer_id)
        clock.set()
        time.sleep(0.2)
        [still] = timers.timers()
        assert still.paused and still.left_seconds == paused.left_seconds
    finally:
        timers.close()


@pytest.mark.usefixtures("looked_at_often")
def test_ends_written_on_a_clock_not_yet_set_follow_no_step(
    tmp_path: Path, announced: Announcements
) -> None:
    """voiced restarted before the clock was set (or an offline Pi): the file's ends were
    written on the clock of now, not on the true one, and must not move when it is set."""
    path = tmp_path / "timers.json"
    clock = UnsetWallClock(-300)
    first = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        first.start(600)
    finally:
        first.close()
    assert json.loads(path.read_text())["clock_set"] is False
    timers = Timers(announced, path, clock, synchronised=lambda: clock.synchronised)
    try:
        clock.set()
        assert wait_for(lambda: json.loads(path.read_text()).get("clock_set", True))
        [restored] = timers.timers()
        assert 590 < restored.left_seconds <= 600  # not 300 s sooner
    finally:
        timers.close()
    assert announced.texts == []
    assert "clock_set" not in json.loads(path.read_text())  # written on a set clock now


def test_a_timer_missed_while_down_is_said_by_a_pipeline_still_being_built(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its scheduler starts, and says it, inside the intent engine's constructor: before
    the pipeline holds the engine."""
    caplog.set_level(logging.INFO)
    config = fake_config(tmp_path)
    missed = {"description": "10 minutes", "seconds": 600, "ends_at": time.time() - 60}
    config.state_file.timers_file.write_text(json.dumps({"timers": [missed], "clock_set": True}))
    sink = FakeSink()
    pipeline = Pipeline(config, FakeEngines(), sink)
    try:
        assert sink.played.wait(5), "the missed timer was not said"
    finally:
        pipeline.close()
    assert "cannot announce" not in caplog.text
