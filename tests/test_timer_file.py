"""timers.json as a hostile file: whatever it holds, voiced starts with one timer thread,
no traceback, timers checked (finite, in a sane range, at most max_timers), and a file it
cannot use whole is kept aside under a new name, never silently replaced."""

from __future__ import annotations

import io
import json
import logging
import math
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import scratch_directory
from voiced.check import run_checks
from voiced.config import Config, StateFileConfig
from voiced.files import json_depth
from voiced.timers import (
    EARLIEST_END,
    LATE_ANNOUNCE_SECONDS,
    MAX_FILE_BYTES,
    MAX_TIMER_SECONDS,
    SavedTimer,
    Timers,
    read_timers_file,
    timers_json,
)

NOW = 1_800_000_000.0  # the wall clock of these tests (2027-01-15)


class Said:
    """Stands in for the speaker."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.any = threading.Event()

    def __call__(self, text: str, wanted: Callable[[], bool] | None = None) -> None:
        if wanted is not None and not wanted():  # as Speaker.speak drops it
            return
        self.texts.append(text)
        self.any.set()


def start(path: Path, said: Said | None = None, **options: Any) -> Timers:
    return Timers(said or Said(), path, clock=lambda: NOW, **options)


def kept_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.unreadable-*"))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "timers.json"


@pytest.fixture
def timers_of(path: Path) -> Iterator[Any]:
    started: list[Timers] = []

    def timers_of(content: str | bytes, **options: Any) -> Timers:
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        started.append(start(path, **options))
        return started[-1]

    yield timers_of
    for timers in started:
        timers.close()


def entry(ends_in: float, description: str = "5 minutes") -> dict[str, Any]:
    return {"description": description, "seconds": 300.0, "ends_at": NOW + ends_in}


def test_a_file_of_an_older_voiced_is_read(path: Path, timers_of: Any) -> None:
    older = {"timers": [{"description": "5 minutes", "ends_at": NOW + 120}]}
    timers = timers_of(json.dumps(older))
    [state] = timers.timers()
    assert state.description == "5 minutes" and state.seconds is None
    assert 119 < state.left_seconds <= 120
    assert kept_files(path) == []


def test_running_and_paused_timers_are_written_and_read_back(path: Path) -> None:
    saved = [
        SavedTimer("5 minutes", 300.0, NOW + 200.5),
        SavedTimer("1 hour", 3600.0, None, 1234.5),
        SavedTimer("10 minutes", 600.0, NOW + 500, name="pasta"),
        SavedTimer("2 minutes", 120.0, None, 60.0, "eggs"),
    ]
    path.write_text(timers_json(saved))
    read = read_timers_file(path, NOW)
    assert read.problems == [] and read.timers == saved
    # An unnamed timer is written as before names were kept.
    assert ["name" in t for t in json.loads(path.read_text())["timers"]] == [
        False,
        False,
        True,
        True,
    ]


def test_a_named_timer_is_read_back_with_its_name(path: Path, timers_of: Any) -> None:
    named = {"timers": [{"description": "10 minutes", "name": "pasta", "ends_at": NOW + 120}]}
    [state] = timers_of(json.dumps(named)).timers()
    assert (state.description, state.name) == ("10 minutes", "pasta")
    assert kept_files(path) == []


@pytest.mark.parametrize(
    "name",
    ['""', '"' + "x" * 41 + '"', '"pasta\\u0007"', '"line\\nbreak"', "5", '["pasta"]', "true"],
    ids=["empty", "too-long", "bell", "newline", "number", "list", "bool"],
)
def test_a_bad_name_is_refused_with_its_timer_and_the_file_kept(
    path: Path, timers_of: Any, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    good = json.dumps(entry(60, "1 minute"))
    text = (
        f'{{"timers": [{good}, {{"description": "bad", "name": {name}, "ends_at": {NOW + 90}}}]}}'
    )
    timers = timers_of(text)
    assert 'timer 2: "name" must be printable text of 1-40 characters' in caplog.text
    assert timers.running() == ["1 minute"]
    [kept] = kept_files(path)
    assert kept.read_text() == text
    assert [t["description"] for t in json.loads(path.read_text())["timers"]] == ["1 minute"]


def test_a_null_name_is_no_name(path: Path, timers_of: Any) -> None:
    text = json.dumps({"timers": [{"description": "1 minute", "name": None, "ends_at": NOW + 60}]})
    [state] = timers_of(text).timers()
    assert state.name is None and kept_files(path) == []


@pytest.mark.parametrize(
    ("ends_at", "why"),
    [
        ("1e400", "must be a finite number"),  # read as infinity
        ("Infinity", "must be a finite number"),
        ("-Infinity", "must be a finite number"),
        ("NaN", "must be a finite number"),
        ("253402300799", "must be above"),  # the last second of 9999
        ("1" + "0" * 5000, "must be a finite number"),  # too long for Python to read
        ("12.5", "must be above"),  # 1970
        ('"1800000100"', "must be a number"),
        ("true", "must be a number"),
        ("null", "must be a number"),
    ],
)
def test_an_end_time_out_of_range_is_refused_and_the_file_kept(
    path: Path, timers_of: Any, caplog: pytest.LogCaptureFixture, ends_at: str, why: str
) -> None:
    good = json.dumps(entry(60, "1 minute"))
    text = f'{{"timers": [{good}, {{"description": "bad", "ends_at": {ends_at}}}]}}'
    said = Said()
    timers = timers_of(text, said=said)
    assert why in caplog.text
    # The good timer runs; the bad one never fires (nor at once, as NaN did).
    assert timers.running() == ["1 minute"]
    time.sleep(0.2)
    assert said.texts == []
    [kept] = kept_files(path)
    assert kept.read_text() == text  # nothing lost
    assert f"kept as {kept}" in caplog.text
    assert [t["description"] for t in json.loads(path.read_text())["timers"]] == ["1 minute"]


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"timers": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"timers": [{"description": "5 minutes", "ends_at": 1800000100, "x": '
        + "{" * 10_000,
        '{"timers": [{"description": "5 minutes"',
        "",
        b"\xff\xfe{}",
        '{"timers": {"description": "5 minutes"}}',
        "[]",
        "null",
    ],
    ids=["nested", "nested-timers", "nested-unclosed", "cut", "empty", "binary", "object",
         "list", "null"],
)  # fmt: skip
def test_an_unusable_file_is_kept_aside_and_said_in_the_log(
    path: Path, timers_of: Any, caplog: pytest.LogCaptureFixture, content: str | bytes
) -> None:
    original = content.encode() if isinstance(content, str) else content
    timers = timers_of(content)
    assert timers.running() == []
    [kept] = kept_files(path)
    assert kept.read_bytes() == original
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unusable" in warnings[0].getMessage()
    assert str(kept) in warnings[0].getMessage()
    # A new timer is kept in a new file; the old one stays where it was put.
    timers.start(30)
    assert [t["description"] for t in json.loads(path.read_text())["timers"]] == ["30 seconds"]
    assert kept.read_bytes() == original


def test_a_fifo_or_a_device_is_not_read(path: Path) -> None:
    os.mkfifo(path)  # opened for reading, it would wait for a writer forever
    timers = start(path)
    timers.close()
    [kept] = kept_files(path)
    assert stat.S_ISFIFO(kept.stat().st_mode)
    assert json.loads(path.read_text()) == {"timers": []}  # a new file in its place
    path.unlink()
    path.symlink_to("/dev/zero")  # read, it never ends
    timers = start(path)
    timers.close()
    assert len(kept_files(path)) == 2


def test_a_file_larger_than_the_limit_is_not_read_whole(path: Path, timers_of: Any) -> None:
    huge = '{"timers": [], "padding": "' + "x" * MAX_FILE_BYTES + '"}'
    timers_of(huge)
    [kept] = kept_files(path)
    assert kept.stat().st_size == len(huge)


def test_a_file_that_cannot_be_moved_aside_is_left_alone(
    path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_text("{not json")

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("voiced.files.os.rename", refuse)
    timers = start(path)
    try:
        assert "cannot be moved aside" in caplog.text
        timers.start(30)  # runs, but is not written over the file
        assert path.read_text() == "{not json"
    finally:
        timers.close()


def test_check_says_a_timers_file_will_be_and_was_kept_aside(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("voiced.probes.PROBES", ())  # the models are checked elsewhere
    config = Config(state_file=StateFileConfig(path=path.with_name("state.json")))

    def warnings() -> list[str]:
        out = io.StringIO()
        run_checks(config, None, out)
        return [line for line in out.getvalue().splitlines() if "timers file" in line]

    assert warnings() == []
    path.write_text('{"timers": [{"description": "5 minutes", "ends_at": NaN}]}')
    assert warnings() == [
        f'warning  timers file {path} is unusable (timer 1: "ends_at" must be a finite number,'
        " got nan): it will be kept aside at start"
    ]
    start(path).close()
    [kept] = kept_files(path)
    assert warnings() == [
        f"warning  timers file {path} could not be read and was kept as {kept}: take what "
        "you need from it, then delete it"
    ]


def test_10000_ended_timers_are_said_in_one_sentence(path: Path, timers_of: Any) -> None:
    """A file of 10,000 timers that ended while voiced was down: one sentence, at once."""
    ended = [entry(-60 - n * 0.01) for n in range(10_000)]
    said = Said()
    started = time.monotonic()
    timers = timers_of(json.dumps({"timers": ended}), said=said)
    assert said.any.wait(5)
    elapsed = time.monotonic() - started
    time.sleep(0.2)
    assert said.texts == ["10000 timers ended while I was off."]
    assert timers.running() == []
    assert json.loads(path.read_text()) == {"timers": []}
    assert elapsed < 3, f"{elapsed:.2f} s to start and say it"  # measured 0.1-0.2 s


def test_timers_ended_long_ago_are_not_announced(path: Path, timers_of: Any) -> None:
    old = [entry(-LATE_ANNOUNCE_SECONDS - 60) for _ in range(3)]
    recent = [entry(-30, "1 minute"), entry(-20, "2 minutes")]
    said = Said()
    timers_of(json.dumps({"timers": old + recent}), said=said)
    assert said.any.wait(5)
    time.sleep(0.1)
    assert said.texts == ["2 timers ended while I was off."]


def test_10000_future_timers_start_one_thread_and_keep_max_timers(
    path: Path, timers_of: Any, caplog: pytest.LogCaptureFixture
) -> None:
    future = [entry(60 + n) for n in range(10_000)]
    threads_before = threading.active_count()
    started = time.monotonic()
    timers = timers_of(json.dumps({"timers": future}), max_timers=50)
    elapsed = time.monotonic() - started
    assert threading.active_count() == threads_before + 1
    states = timers.timers()
    # The 50 that end soonest are kept; the file with all 10,000 is kept aside.
    assert len(states) == 50
    assert max(state.left_seconds for state in states) <= 60 + 49
    assert "more than max_timers (50)" in caplog.text
    [kept] = kept_files(path)
    assert len(json.loads(kept.read_text())["timers"]) == 10_000
    assert elapsed < 3, f"{elapsed:.2f} s to start"  # measured 0.1-0.2 s


def test_a_thousand_timers_run_on_one_thread(path: Path, timers_of: Any) -> None:
    future = [entry(60 + n) for n in range(1000)]
    threads_before = threading.active_count()
    timers = timers_of(json.dumps({"timers": future}), max_timers=1000)
    assert threading.active_count() == threads_before + 1
    assert len(timers.timers()) == 1000
    assert kept_files(path) == []


def test_json_depth() -> None:
    assert json_depth("{}") == 1
    assert json_depth('{"timers": [{"description": "[[[{{{"}]}') == 3
    assert json_depth(r'["\"[[[", [[]]]') == 3
    assert json_depth("[" * 1000, stop_above=8) == 9  # stops counting early


# -- whatever the file holds -------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
field_values = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=NOW - 2 * LATE_ANNOUNCE_SECONDS, max_value=NOW + 2 * MAX_TIMER_SECONDS)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.just(EARLIEST_END)
    | json_values
)
timer_entries = st.dictionaries(
    st.sampled_from(["description", "name", "seconds", "ends_at", "paused_left_seconds", "other"]),
    field_values | st.text(max_size=120),
    max_size=5,
)
timer_files = (
    st.builds(lambda entries: {"timers": entries}, st.lists(timer_entries, max_size=8))
    | json_values
)


def check_start(content: bytes) -> None:
    """Start on `content`: no exception, one thread, only sane timers, nothing lost."""
    with scratch_directory() as directory:
        path = Path(directory) / "timers.json"
        path.write_bytes(content)
        problems = read_timers_file(path, NOW).problems  # never raises
        threads_before = threading.active_count()
        timers = start(path)
        try:
            assert threading.active_count() == threads_before + 1
            for state in timers.timers():
                assert math.isfinite(state.left_seconds)
                assert 0 < state.left_seconds <= MAX_TIMER_SECONDS
                assert 0 < len(state.description) <= 100 and state.description.isprintable()
                name = state.name
                assert name is None or (0 < len(name) <= 40 and name.isprintable())
            kept = kept_files(path)
            if problems:  # refused in whole or in part: the file is kept as it was
                assert len(kept) == 1 and kept[0].read_bytes() == content
            else:
                assert kept == []
            if path.exists():  # what voiced wrote back, or left, reads without a problem
                assert read_timers_file(path, NOW).problems == []
        finally:
            timers.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timer_files)
def test_any_json_in_the_timers_file(data: Any) -> None:
    check_start(json.dumps(data).encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_in_the_timers_file(content: bytes) -> None:
    check_start(content)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(codec="utf-8"), min_size=1, max_size=30).filter(str.isprintable),
            st.none() | st.floats(min_value=1, max_value=MAX_TIMER_SECONDS),
            st.floats(min_value=1, max_value=MAX_TIMER_SECONDS),
            st.booleans(),
            st.none()
            | st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).filter(
                str.isprintable
            ),
        ),
        max_size=10,
    )
)
def test_every_timer_voiced_writes_is_read_back(
    timers: list[tuple[str, float | None, float, bool, str | None]],
) -> None:
    saved = [
        SavedTimer(description, seconds, None, left, name)
        if paused
        else SavedTimer(description, seconds, NOW + left, name=name)
        for description, seconds, left, paused, name in timers
    ]
    with scratch_directory() as directory:
        path = Path(directory) / "timers.json"
        path.write_text(timers_json(saved), encoding="utf-8")
        read = read_timers_file(path, NOW)
    assert read.problems == [] and read.timers == saved


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_slip_in_a_valid_file_loses_nothing(data: st.DataObject) -> None:
    """One character added, removed or changed anywhere in a file voiced wrote."""
    text = timers_json(
        [SavedTimer("5 minutes", 300.0, NOW + 250), SavedTimer("1 hour", 3600.0, None, 99.5)]
    )
    at = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from(list('{}[]",:0123456789.eE-+ nulltrueINaf\\')))
    how = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    slipped = {
        "insert": text[:at] + char + text[at:],
        "delete": text[:at] + text[at + 1 :],
        "replace": text[:at] + char + text[at + 1 :],
    }[how]
    check_start(slipped.encode())
