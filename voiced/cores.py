"""Which CPU cores the LLM worker runs on, and how its threads yield to the audio path."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from voiced.errors import ModelError

log = logging.getLogger(__name__)

SYS_CPU = Path("/sys/devices/system/cpu")
# Below this many cores, pinning would leave the LLM too few to be worth it: the work
# shares every core and the audio path is protected by priority instead.
MIN_CORES_TO_PIN = 4


def core_speed(cpu: int, sys_cpu: Path = SYS_CPU) -> int:
    """How fast a core is, from what the kernel knows: its capacity on big.LITTLE
    systems, else its top frequency; 0 when neither is known."""
    for name in ("cpu_capacity", "cpufreq/cpuinfo_max_freq"):
        try:
            return int((sys_cpu / f"cpu{cpu}" / name).read_text())
        except (OSError, ValueError):
            continue
    return 0


def fastest_cores(available: set[int], sys_cpu: Path = SYS_CPU) -> list[int]:
    """The fastest cores but one, so that one core is left for capture and playback."""
    speeds = {cpu: core_speed(cpu, sys_cpu) for cpu in available}
    top = max(speeds.values())
    chosen = sorted(cpu for cpu, speed in speeds.items() if speed == top)
    if len(chosen) == len(available):
        chosen = chosen[:-1]
    return chosen


def unavailable_cpus(cpus: list[int]) -> tuple[list[int], list[int]]:
    """Of the listed cores, those this process may not use; and those it may."""
    available = os.sched_getaffinity(0)
    return [cpu for cpu in cpus if cpu not in available], sorted(available)


def resolve_cpus(cpus: str | list[int], sys_cpu: Path = SYS_CPU) -> list[int] | None:
    """The cores to pin the LLM to, or None to leave it unpinned."""
    available = os.sched_getaffinity(0)
    if cpus == "all":
        return None
    if cpus == "auto":
        if len(available) < MIN_CORES_TO_PIN:
            return None
        return fastest_cores(available, sys_cpu)
    chosen = [cpu for cpu in cpus if cpu in available]
    if not chosen:
        raise ModelError(
            f"llm.cpus {cpus} names no core this process may use ({sorted(available)})"
        )
    return chosen


def shares_every_core(cpus: list[int] | None) -> bool:
    """Whether an LLM pinned to `cpus` (None: unpinned) leaves no core of this process to
    the audio path alone."""
    return cpus is None or set(cpus) >= os.sched_getaffinity(0)


def lower_this_thread(nice: int) -> None:
    """Lower the calling thread's priority; threads it starts later inherit it. Raising it
    again would need CAP_SYS_NICE, which the service does not have."""
    if nice <= 0:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError as err:
        log.warning("cannot lower the priority of %s: %s", threading.current_thread().name, err)
