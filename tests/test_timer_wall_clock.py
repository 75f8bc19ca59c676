"""The wall clock as timers see it: whether it is known to be set, and its steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiced import wall_clock
from voiced.wall_clock import STEP_SECONDS, StepWatch, clock_known_synchronised


def test_timesyncd_flag_file_says_the_clock_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wall_clock, "kernel_maxerror_us", lambda: None)
    flag = tmp_path / "synchronized"
    assert not clock_known_synchronised(flag)
    flag.touch()
    assert clock_known_synchronised(flag)


@pytest.mark.parametrize(
    ("maxerror_us", "known"),
    [(None, False), (16_000_000, False), (15_999_999, True), (12_000, True)],
)
def test_without_the_flag_the_kernels_maximum_error_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maxerror_us: int | None, known: bool
) -> None:
    """None: adjtimex() refused, as ProtectClock= does in voiced's unit."""
    monkeypatch.setattr(wall_clock, "kernel_maxerror_us", lambda: maxerror_us)
    assert clock_known_synchronised(tmp_path / "synchronized") is known


def test_the_kernels_maximum_error_is_read_or_nothing() -> None:
    maxerror = wall_clock.kernel_maxerror_us()
    assert maxerror is None or 0 <= maxerror <= 100_000_000


def test_a_step_is_the_wall_clock_moving_against_the_monotonic_one() -> None:
    watch = StepWatch(wall=5000.0, monotonic=100.0)
    assert watch.step(5010.0, 110.0) == 0.0  # both moved on
    assert watch.step(5011.0 + STEP_SECONDS, 111.0) == 0.0  # slewed, within STEP_SECONDS
    assert watch.step(5311.0, 111.0) == pytest.approx(300.0)  # set from the network
    assert watch.step(5312.0, 112.0) == 0.0  # measured from the step now
    assert watch.step(5013.0, 113.0) == pytest.approx(-300.0)  # set back
