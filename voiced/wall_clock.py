"""Whether the wall clock can be trusted yet, and when it steps.

A Raspberry Pi has no real-time clock: after a reboot the wall clock starts where
fake-hwclock or systemd-timesyncd left it (the shutdown time, or older) and is stepped
forward when it is set from the network, seconds to minutes later, or never, offline.
Timers restored from timers.json, whose ends are wall-clock times, follow it until it is
known good.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# systemd-timesyncd creates this file (on /run, so once per boot) when it first sets the
# clock from a time source (systemd-time-wait-sync.service(8) reads it). It can be read
# inside voiced's sandbox.
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
# The kernel marks the clock unsynchronised when its maximum error reaches 16 s;
# timedatectl's "System clock synchronized" reads it so, not STA_UNSYNC, which may be set
# only to keep the kernel from writing the RTC.
UNSYNCED_MAXERROR_US = 16_000_000
# The wall clock moving by more than this against the monotonic one is a step, not a
# slew (NTP slews at most 0.5 ms a second; chrony faster, but a slewed clock is as good).
STEP_SECONDS = 2.0


def clock_known_synchronised(flag: Path = TIMESYNC_FLAG) -> bool:
    """True when the wall clock is known to have been set from a time source: timesyncd's
    flag file, or else the kernel's maximum error (which voiced's sandbox cannot read:
    ProtectClock= refuses even a read-only adjtimex()). False when neither says so."""
    try:
        if flag.exists():
            return True
    except OSError:  # unreadable: ask the kernel
        pass
    maxerror = kernel_maxerror_us()
    return maxerror is not None and maxerror < UNSYNCED_MAXERROR_US


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    """struct timex (adjtimex(2)) up to `maxerror`, the rest room for the kernel to fill."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        # tick .. tai and glibc's padding: 11 longs, 2 ints and 11 ints at most.
        ("_rest", ctypes.c_long * 32),
    ]


@functools.cache
def _adjtimex() -> Any:
    """libc's adjtimex, or None: not Linux, or refused (ProtectClock= refuses it for the
    life of the process, so it is asked once: the scheduler looks every few seconds)."""
    try:
        adjtimex = ctypes.CDLL(None, use_errno=True).adjtimex
    except (OSError, AttributeError):  # not Linux
        return None
    if adjtimex(ctypes.byref(_Timex())) < 0:
        log.debug("adjtimex() refused: errno %d", ctypes.get_errno())
        return None
    return adjtimex


def kernel_maxerror_us() -> int | None:
    """The kernel's maximum error of the wall clock in microseconds (adjtimex() with
    modes 0 only reads); None where it cannot be read."""
    adjtimex = _adjtimex()
    timex = _Timex()
    if adjtimex is None or adjtimex(ctypes.byref(timex)) < 0:
        return None
    return int(timex.maxerror)


class StepWatch:
    """Notices wall-clock steps: the wall clock moving against the monotonic one. Pure:
    it is told both clocks."""

    def __init__(self, wall: float, monotonic: float) -> None:
        self._offset = wall - monotonic

    def step(self, wall: float, monotonic: float) -> float:
        """How far the wall clock stepped since it was last seen to (forward positive), or
        0.0 while it has moved less than STEP_SECONDS."""
        moved = (wall - monotonic) - self._offset
        if abs(moved) <= STEP_SECONDS:
            return 0.0
        self._offset = wall - monotonic
        return moved
