"""Choosing the LLM's cores from what the kernel says of each core."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from voiced import cores


def fake_sys_cpu(tmp_path: Path, **files: dict[int, int]) -> Path:
    """A /sys/devices/system/cpu with the given per-core files, e.g. cpu_capacity={0: 512}."""
    for name, values in files.items():
        for cpu, value in values.items():
            path = tmp_path / f"cpu{cpu}" / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{value}\n")
    return tmp_path


def test_big_cores_by_capacity_on_big_little(tmp_path: Path) -> None:
    sys_cpu = fake_sys_cpu(
        tmp_path, cpu_capacity={0: 414, 1: 414, 2: 414, 3: 414, 4: 1024, 5: 1024, 6: 1024, 7: 1024}
    )
    # The little cores are left to capture and playback.
    assert cores.fastest_cores(set(range(8)), sys_cpu) == [4, 5, 6, 7]


def test_top_frequency_when_there_is_no_capacity(tmp_path: Path) -> None:
    sys_cpu = fake_sys_cpu(
        tmp_path,
        cpufreq__cpuinfo_max_freq={0: 1800000, 1: 1800000, 2: 2400000, 3: 2400000, 4: 2400000},
    )
    assert cores.fastest_cores(set(range(5)), sys_cpu) == [2, 3, 4]


def test_equal_cores_leave_one_for_the_audio_path(tmp_path: Path) -> None:
    # A Raspberry Pi 5: four equal cores, nothing known of their speed.
    assert cores.fastest_cores({0, 1, 2, 3}, tmp_path) == [0, 1, 2]


def test_auto_leaves_fewer_than_four_cores_unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    assert cores.resolve_cpus("auto") is None


def test_auto_pins_on_four_cores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert cores.resolve_cpus("auto", tmp_path) == [0, 1, 2]


def test_listed_cores_are_kept_where_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert cores.resolve_cpus([2, 3, 9]) == [2, 3]
    assert cores.resolve_cpus("all") is None


def test_lowered_priority_is_inherited_by_threads_started_later() -> None:
    seen: dict[str, int] = {}
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lowered = min(before + 3, 19)

    def llm_thread() -> None:
        cores.lower_this_thread(lowered)
        seen["worker"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        child = threading.Thread(
            target=lambda: seen.update(
                child=os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            )
        )
        child.start()
        child.join()

    thread = threading.Thread(target=llm_thread)
    thread.start()
    thread.join()
    assert seen == {"worker": lowered, "child": lowered}
    # The rest of the process keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
