"""Timers read back at start from timers.json (voiced/timer_file.py) into the table
(voiced/timer_table.py): those still running or paused go on, those that ended while
voiced was down are said once, and an unusable file is kept aside, not overwritten.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from voiced.files import keep_aside
from voiced.timer_file import SavedTimer, listed, read_timers_file
from voiced.timer_table import TimerError, TimerTable, missed_sentence

log = logging.getLogger(__name__)

# A timer that ended while the daemon was down is still announced at start, unless it
# ended longer ago than this: then it is only logged.
LATE_ANNOUNCE_SECONDS = 3600.0


@dataclass(frozen=True)
class Restored:
    # What to say once the scheduler starts: the timers that ended while voiced was down.
    missed: str | None
    # False when an unusable file could not be kept aside: it must not be replaced.
    persist: bool
    # The file no longer says what the table holds: it is written again.
    rewrite: bool
    # The running timers restored whose ends were written on a set wall clock: read on
    # this one, they follow its first step.
    running_ids: tuple[int, ...] = ()


def restore_timers(path: Path, table: TimerTable, wall: float, now: float) -> Restored:
    """Add the timers kept in `path` to `table`; `wall` is the file's clock, `now` the
    table's."""
    read = read_timers_file(path, wall)
    missed: list[SavedTimer] = []
    left_behind = 0
    waiting: list[tuple[float, SavedTimer]] = []
    for saved in read.timers:
        if saved.ends_at is None:
            waiting.append((saved.paused_left_seconds or 0.0, saved))
            continue
        if saved.ends_at > wall:
            waiting.append((saved.ends_at - wall, saved))
            continue
        if wall - saved.ends_at <= LATE_ANNOUNCE_SECONDS:
            missed.append(saved)
        else:
            left_behind += 1
        # An alarm that repeats is set again for its next time; with no duration set, so
        # that "cancel that" does not take it for one just set.
        if saved.repeat is not None:
            again = dataclasses.replace(saved, seconds=None)
            waiting.append((saved.repeat.next_after(wall) - wall, again))
    # Beyond the limit, the timers that end soonest are kept.
    if len(waiting) > table.max_timers:
        read.problems.append(
            f"holds {len(waiting)} timers, more than max_timers ({table.max_timers});"
            f" the {table.max_timers} that end soonest are kept"
        )
        by_end = sorted(range(len(waiting)), key=lambda index: waiting[index][0])
        waiting = [waiting[index] for index in sorted(by_end[: table.max_timers])]
    # In the file's order, oldest first: "the timer" is the newest set, as before.
    running_ids: list[int] = []
    for left, saved in waiting:
        paused = saved.ends_at is None
        try:
            state = table.add(
                now,
                left,
                saved.description,
                saved.seconds,
                paused=paused,
                name=saved.name,
                then=saved.then,
                alarm=saved.alarm,
                reminder=saved.reminder,
                repeat=saved.repeat,
            )
        except TimerError as err:  # checked when read; a repeat's next time is not
            log.error("%s not restored: %s", saved.description, err)
            continue
        # Ends written on a clock not known set are on the clock of now, whatever step
        # comes (a restart before the clock was set, an offline Pi): they follow no step.
        if not paused and read.clock_set:
            running_ids.append(state.timer_id)
    if left_behind:
        log.info(
            "%d timer(s) ended over %.0f s ago, while voiced was not running: not announced",
            left_behind,
            LATE_ANNOUNCE_SECONDS,
        )
    if missed:
        log.info("%d timer(s) ended while voiced was not running", len(missed))
    persist = True
    if read.problems:
        persist = _keep_aside(path, wall, read.problems, len(table))
    log.info("timers restored from %s: %d", path, len(table))
    return Restored(
        missed_sentence(missed) if missed else None,
        persist,
        bool(missed or left_behind or read.problems),
        tuple(running_ids),
    )


def _keep_aside(path: Path, wall: float, problems: list[str], restored: int) -> bool:
    """Move an unusable file aside; False when it cannot be moved."""
    shown = listed(problems)
    try:
        kept = keep_aside(path, wall)
    except OSError as err:
        log.error(
            "timers file %s is unusable (%s) and cannot be moved aside (%s): it is left "
            "as it is, and timers will not survive a restart until it is moved",
            path,
            shown,
            err.strerror or err,
        )
        return False
    log.warning(
        "timers file %s is unusable (%s): kept as %s; %d usable timer(s) restored",
        path,
        shown,
        kept,
        restored,
    )
    return True
