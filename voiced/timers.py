"""Timers: one scheduler thread for all of them, announced out loud when they end, and
kept in timers.json so that they survive a restart. The table is voiced/timer_table.py,
the file voiced/timer_file.py, reading it back at start voiced/timer_restore.py.

| thread                        | owns                              | joined by              |
|-------------------------------|-----------------------------------|------------------------|
| the caller's (the pipeline's) | nothing: it calls Timers' methods | `_changed`, a lock and |
| "timers", started by `Timers` | the wait for the next end, the    | condition around the   |
|                               | look at the wall clock (`_watch`, | table (and `_watch`,   |
|                               | `_following_wall`), the alarms    | `_following_wall`,     |
|                               | set again (`_set_again`), the one | `_rang`, `_ringing`),  |
|                               | that rang last (`_rang`), what    | that wakes it          |
|                               | rings still (`_ringing`), and the |                        |
|                               | `announce` calls                  |                        |

A running timer ends on the monotonic clock, so a wall-clock step (a Raspberry Pi without
a real-time clock setting its time from the network) neither fires it early nor holds it;
only the file speaks wall-clock time, which is what lasts across a restart. The timers
restored from the file are the exception while the wall clock is not known to be set
(voiced/wall_clock.py): their ends were read on it, so they follow its first step, and
the file is written again on the new clock. So are the alarms set while it is not:
"7 AM" was read on it.

A timer or an alarm that ends rings until it is stopped ("stop", "stop the alarm",
"snooze"): its sentence is said again every `ring_every` seconds, for at most `ring_for`
seconds. A reminder, or a timer that switches a device, is said (or done) once.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiced import wall_clock
from voiced.files import write_atomically
from voiced.timer_file import (
    EARLIEST_END,
    MAX_FILE_BYTES,
    SavedTimer,
    check_note,
    read_timers_file,
    timers_json,
)
from voiced.timer_restore import LATE_ANNOUNCE_SECONDS, restore_timers
from voiced.timer_table import (
    DEFAULT_MAX_TIMERS,
    MAX_ALARM_SECONDS,
    MAX_NAMED_TIMERS,
    MAX_TIMER_SECONDS,
    DeviceAction,
    Repeat,
    TimerError,
    TimerState,
    TimerTable,
    check_left,
    describe_duration,
    describe_left,
    ended_sentence,
    kind_of,
    missed_sentence,
    timer_called,
    timer_name,
)
from voiced.wall_clock import StepWatch

# How often the scheduler looks at the wall clock while it may still step and a timer
# runs: a restored timer rings at most this late after the clock is set.
WALL_CLOCK_LOOK_SECONDS = 5.0
# A timer or an alarm that ended is said again this long after it was last said, until
# it is stopped, for at most RING_FOR_SECONDS (as a kitchen timer or a clock radio rings;
# nobody in the room may have heard it the first time).
RING_EVERY_SECONDS = 15.0
RING_FOR_SECONDS = 600.0

# What the rest of voiced (and its tests) import from here.
__all__ = [
    "DEFAULT_MAX_TIMERS",
    "EARLIEST_END",
    "LATE_ANNOUNCE_SECONDS",
    "MAX_FILE_BYTES",
    "MAX_NAMED_TIMERS",
    "MAX_TIMER_SECONDS",
    "DeviceAction",
    "Repeat",
    "SavedTimer",
    "TimerError",
    "TimerState",
    "TimerTable",
    "Timers",
    "check_note",
    "describe_duration",
    "describe_left",
    "ended_sentence",
    "kind_of",
    "missed_sentence",
    "read_timers_file",
    "timer_called",
    "timer_name",
    "timers_json",
]

log = logging.getLogger(__name__)


@dataclass
class Ringing:
    """What rings still: the timers and alarms that ended and were not stopped, the
    sentence said of them, when they began to ring and when they are said again
    (monotonic seconds), and those whose first announcement has not begun (a stop said
    before it began was not said of them)."""

    states: list[TimerState]
    sentence: str
    since: float
    again_at: float
    unheard: set[int]


class Timers:
    """Running timers; when some end, `announce` is called (on the scheduler thread) with
    one sentence to speak. With a `path`, they are kept there (written atomically) and
    survive a restart. `clock` is the wall clock (the file's time), `monotonic` the clock
    timers run on, `synchronised` says whether the wall clock is known to be set."""

    def __init__(
        self,
        # Called with the text, and, for what rings again, `wanted=` a callable that says
        # whether it still rings once the turns let it be said (Pipeline.announce).
        announce: Callable[..., None],
        path: Path | None = None,
        clock: Callable[[], float] = time.time,
        max_timers: int = DEFAULT_MAX_TIMERS,
        monotonic: Callable[[], float] = time.monotonic,
        synchronised: Callable[[], bool] | None = None,
        act: Callable[[DeviceAction], None] | None = None,
        ring_every: float = RING_EVERY_SECONDS,
        ring_for: float = RING_FOR_SECONDS,
    ) -> None:
        self.announce = announce
        # 0 (either): what ends is said once.
        self.ring_every, self.ring_for = ring_every, ring_for
        # What a timer that switches a device does when it ends (the intent engine's
        # devices); called on the scheduler thread, as `announce` is.
        self.act = act or (lambda action: log.error("no devices to %s", action.said))
        self.path = path
        self._clock = clock
        self._monotonic = monotonic
        # Looked up when made, not when this module was read (the tests set it).
        self._synchronised = synchronised or wall_clock.clock_known_synchronised
        self._table = TimerTable(max_timers)
        self._changed = threading.Condition()
        self._write_lock = threading.Lock()
        self._closed = False
        # Said once the scheduler starts: the timers that ended while voiced was down.
        self._missed: str | None = None
        # The alarm that rang last, and when (monotonic), for rang_lately.
        self._rang: tuple[float, TimerState] | None = None
        # What rings still, until stopped (stop_ringing) or rung for ring_for seconds.
        self._ringing: Ringing | None = None
        # False when an unusable file could not be kept aside: it must not be replaced.
        self._persist = path is not None
        wall, now = self._clock(), self._monotonic()
        # While the wall clock may still be stepped: what it was against the monotonic one,
        # and the restored timers whose ends were read on it, which follow its first step.
        self._watch: StepWatch | None = None
        self._following_wall: set[int] = set()
        self._restored_at = now
        if path is not None and not self._synchronised():
            self._watch = StepWatch(wall, now)
        if path is not None and path.exists():  # not a link to nothing either
            restored = restore_timers(path, self._table, wall, now)
            self._missed, self._persist = restored.missed, restored.persist
            if self._watch is not None and restored.running_ids:
                self._following_wall.update(restored.running_ids)
                log.info(
                    "the wall clock is not known to be set: %d restored timer(s) follow it"
                    " until it is",
                    len(restored.running_ids),
                )
            if restored.rewrite:
                self._write()
        self._thread = threading.Thread(target=self._run, name="timers", daemon=True)
        self._thread.start()

    def start(
        self,
        seconds: float,
        name: str | None = None,
        then: DeviceAction | None = None,
        reminder: str | None = None,
    ) -> str:
        """Start a timer, called `name` as timer_name keeps it (unnamed when that is no
        name), that does `then` or reminds of `reminder` in place of ringing; its spoken
        description. TimerError beyond the limits."""
        check_left(seconds)
        description = describe_duration(seconds)
        kept_name = None if name is None else timer_name(name)
        with self._changed:
            state = self._table.add(
                self._monotonic(),
                seconds,
                description,
                seconds,
                name=kept_name,
                then=then,
                reminder=reminder,
            )
            self._changed.notify()
        self._write()
        log.info("timer started: %s", timer_called(state))
        return description

    def start_alarm(
        self,
        at: float,
        said: str,
        then: DeviceAction | None = None,
        reminder: str | None = None,
        repeat: Repeat | None = None,
        name: str | None = None,
    ) -> TimerState:
        """Set an alarm for `at` on the wall clock, spoken of as `said` ("seven AM"),
        that does `then` or reminds of `reminder` in place of ringing, and, with `repeat`,
        is set again each time it rings; kept by `name`, if given. TimerError when that
        is not within a week ahead."""
        with self._changed:
            seconds = at - self._clock()
            if not seconds > 0:
                raise TimerError(f"It's already past {said}.")
            check_left(seconds, MAX_ALARM_SECONDS)
            state = self._table.add(
                self._monotonic(),
                seconds,
                said,
                seconds,
                name=name,
                then=then,
                alarm=True,
                reminder=reminder,
                repeat=repeat,
            )
            # Set on a wall clock that may still step: it rings at `at` on the clock set.
            if self._watch is not None:
                self._following_wall.add(state.timer_id)
            self._changed.notify()
        self._write()
        log.info("alarm set: %s, in %.0f s", said, seconds)
        return state

    def cancel(self, timer_id: int | None = None) -> str | None:
        """Cancel the timer `timer_id` (None: the newest); its description, or None when
        there is no such timer (it has ended)."""
        with self._changed:
            now = self._monotonic()
            if timer_id is None:
                states = self._table.states(now)
                if not states:
                    return None
                timer_id = states[-1].timer_id
            removed = self._table.remove(timer_id, now)
            if removed is None:
                return None
            self._changed.notify()
        self._write()
        log.info("timer cancelled: %s", timer_called(removed))
        return removed.description

    def running(self) -> list[str]:
        """The descriptions of every timer, paused ones too, oldest first."""
        return [state.description for state in self.timers()]

    def timers(self) -> list[TimerState]:
        """Every timer as it is now, oldest first."""
        with self._changed:
            return self._table.states(self._monotonic())

    def rang_lately(self, within: float) -> TimerState | None:
        """The alarm that rang last, if it rang within the last `within` seconds: what
        "stop the alarm" and "snooze" speak of."""
        with self._changed:
            if self._rang is None or self._monotonic() - self._rang[0] > within:
                return None
            return self._rang[1]

    def ringing(self) -> list[TimerState]:
        """The timers and alarms that ended and ring still, oldest first."""
        with self._changed:
            return [] if self._ringing is None else list(self._ringing.states)

    def stop_ringing(self, kind: str | None = None) -> list[TimerState]:
        """Stop what rings (only the `kind` given: "timer" or "alarm"); what was
        stopped. The rest rings on."""
        with self._changed:
            ringing = self._ringing
            if ringing is None:
                return []
            stopped = [
                state
                for state in ringing.states
                if kind in (None, kind_of(state)) and state.timer_id not in ringing.unheard
            ]
            left = [state for state in ringing.states if state not in stopped]
            if not left:
                self._ringing = None
            elif stopped:
                ringing.states, ringing.sentence = left, ended_sentence(left)
            self._changed.notify()
        if stopped:
            log.info("stopped ringing: %s", ", ".join(timer_called(s) for s in stopped))
        return stopped

    def pause(self, timer_id: int) -> TimerState:
        def pause(now: float) -> TimerState:
            state = self._table.pause(timer_id, now)
            # Paused, it keeps the time it was said to have, whatever the wall clock does.
            self._following_wall.discard(timer_id)
            return state

        return self._change("paused", pause)

    def resume(self, timer_id: int) -> TimerState:
        return self._change("resumed", lambda now: self._table.resume(timer_id, now))

    def add_time(self, timer_id: int, seconds: float) -> TimerState:
        """Lengthen a timer, or shorten it (negative `seconds`): to nothing, it ends."""
        return self._change(
            f"changed by {seconds:+.0f} s", lambda now: self._table.add_time(timer_id, seconds, now)
        )

    def close(self) -> None:
        """Stop the clocks of this process; the file keeps the timers for the next one."""
        with self._changed:
            self._closed = True
            self._table.clear()
            self._changed.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _change(self, what: str, change: Callable[[float], TimerState]) -> TimerState:
        with self._changed:
            state = change(self._monotonic())
            self._changed.notify()
        self._write()
        log.info("%s %s: %.0f s left", timer_called(state), what, state.left_seconds)
        return state

    def _run(self) -> None:
        """The scheduler: sleeps until the next timer ends or the timers change, and, while
        the wall clock may still step, looks at it every WALL_CLOCK_LOOK_SECONDS."""
        if self._missed is not None:
            self._say(self._missed)
        while True:
            with self._changed:
                if self._closed:
                    return
                now = self._monotonic()
                stepped, missed = self._follow_wall_clock(now)
                ended = self._table.pop_due(now)
                self._set_again([*missed, *ended], now)
                again = self._ring_again(now)
                if not (stepped or ended or again):
                    self._changed.wait(self._sleep_seconds(now))
                    continue
            if again:
                self._say(again, wanted=functools.partial(self._rings_still, again))
                self._rung()
            if not (stepped or ended):
                continue
            # After a step the file is written on the new clock, for every timer.
            self._write()
            if missed:
                self._say(missed_sentence(missed))
            for state in ended:
                log.info("timer done: %s", timer_called(state))
            ringing = [state for state in ended if state.then is None]
            alarms = [state for state in ringing if kind_of(state) == "alarm"]
            if alarms:
                with self._changed:
                    self._rang = (now, alarms[-1])
            if ringing:
                # Ringing before it is said: a "stop" said over it stops it.
                rings_on = [state for state in ringing if state.reminder is None]
                if self._ring_on(rings_on, now):
                    ids = {state.timer_id for state in rings_on}
                    heard = functools.partial(self._heard, ids)
                    self._say(ended_sentence(ringing), wanted=heard)
                else:
                    self._say(ended_sentence(ringing))
                self._rung()
            for state in ended:
                if state.then is not None:
                    self._act(state.then)

    def _ring_on(self, states: list[TimerState], now: float) -> bool:
        """What just ended rings on (with what rings already), said again `ring_every`
        seconds after it is said (_rung); False when nothing does."""
        if not states or self.ring_every <= 0 or self.ring_for <= 0:
            return False
        with self._changed:
            before = self._ringing
            unheard = {state.timer_id for state in states}
            if before is not None:
                states, unheard = [*before.states, *states], before.unheard | unheard
            # Rung for ring_for from the newest end: each was heard of for as long.
            self._ringing = Ringing(states, ended_sentence(states), now, float("inf"), unheard)
        return True

    def _heard(self, timer_ids: set[int]) -> bool:
        """Their first announcement begins (Speaker.speak asks, once the turns let it be
        said): a stop from now on stops them. Always wanted."""
        with self._changed:
            if self._ringing is not None:
                self._ringing.unheard -= timer_ids
        return True

    def _ring_again(self, now: float) -> str | None:
        """Under the lock: the sentence to say again now, if it is time; ringing ends
        after `ring_for` seconds."""
        ringing = self._ringing
        if ringing is None:
            return None
        if now - ringing.since >= self.ring_for:
            log.info("rang for %.0f s unanswered: %s", now - ringing.since, ringing.sentence)
            self._ringing = None
            return None
        if now < ringing.again_at:
            return None
        ringing.again_at = float("inf")  # said now: the next time counts from its end
        return ringing.sentence

    def _rung(self) -> None:
        """Said again: the next time is `ring_every` seconds after it ended."""
        with self._changed:
            if self._ringing is not None:
                self._ringing.again_at = self._monotonic() + self.ring_every

    def _set_again(self, ended: list[TimerState], now: float) -> None:
        """Under the lock: each alarm that repeats, set again for its next time."""
        wall = self._clock()
        for state in ended:
            if state.repeat is None:
                continue
            seconds = state.repeat.next_after(wall) - wall
            try:
                # No duration set: "cancel that" as it rings is not for this one.
                again = self._table.add(
                    now,
                    seconds,
                    state.description,
                    None,
                    name=state.name,
                    then=state.then,
                    alarm=True,
                    reminder=state.reminder,
                    repeat=state.repeat,
                )
            except TimerError as err:  # as many timers as allowed, set meanwhile
                log.error("%s not set again: %s", timer_called(state), err)
                continue
            if self._watch is not None:
                self._following_wall.add(again.timer_id)
            log.info("%s set again, in %.0f s", timer_called(again), seconds)

    def _sleep_seconds(self, now: float) -> float | None:
        deadline = self._table.next_deadline()
        if self._ringing is not None:
            again = min(self._ringing.again_at, self._ringing.since + self.ring_for)
            deadline = again if deadline is None else min(deadline, again)
        if deadline is None:
            return None  # nothing runs: a change wakes the scheduler
        if self._watch is not None:
            return min(deadline - now, WALL_CLOCK_LOOK_SECONDS)
        return deadline - now

    def _follow_wall_clock(self, now: float) -> tuple[bool, list[TimerState]]:
        """On the scheduler thread, under the lock: whether the wall clock stepped, and the
        restored timers that the step shows ended while voiced was off.
        Once it stepped, or is known to be set, the monotonic clock is as good."""
        if self._watch is None:
            return False, []
        # The flag first: a clock set between the two is then still seen to step.
        synchronised = self._synchronised()
        step = self._watch.step(self._clock(), now)
        missed: list[TimerState] = []
        if step:
            log.info(
                "the wall clock stepped by %+.1f s: %d restored timer(s) move with it",
                step,
                len(self._following_wall),
            )
            missed = self._move_restored(step, now)
        if step or synchronised:
            self._watch = None
            self._following_wall.clear()
        return bool(step), missed

    def _move_restored(self, step: float, now: float) -> list[TimerState]:
        """Move each restored timer's end as the wall clock stepped, so that it ends when
        its `ends_at` says on the new clock. Those that ended before they were restored are
        taken out, and returned to be said as having ended while voiced was off (within
        LATE_ANNOUNCE_SECONDS, as at start); those that ended since are left to ring."""
        missed: list[TimerState] = []
        left_behind = 0
        for timer_id in sorted(self._following_wall):
            # The clock jumped forward: the same `ends_at` is that much sooner.
            state = self._table.move_end(timer_id, -step, now)
            if state is None:  # ended, cancelled or paused meanwhile
                continue
            ended_at = now + state.left_seconds
            if ended_at >= self._restored_at:
                continue
            self._table.remove(timer_id, now)
            if self._restored_at - ended_at <= LATE_ANNOUNCE_SECONDS:
                missed.append(state)
            else:
                left_behind += 1
        if missed or left_behind:
            log.info(
                "%d timer(s) ended while voiced was not running, as the set clock shows",
                len(missed) + left_behind,
            )
        return missed

    def _act(self, action: DeviceAction) -> None:
        try:
            self.act(action)
        except Exception:  # the scheduler outlives a failed action
            log.exception("cannot %s", action.said)

    def _rings_still(self, sentence: str) -> bool:
        """Whether `sentence` is still what rings: a turn heard meanwhile may have
        stopped it, or stopped some of it (the rest is said at the next ring). Said, it
        is heard of, all of it (its first announcement may have been lost)."""
        with self._changed:
            ringing = self._ringing
            if ringing is None or ringing.sentence != sentence:
                return False
            ringing.unheard.clear()
            return True

    def _say(self, text: str, wanted: Callable[[], bool] | None = None) -> None:
        try:
            if wanted is None:
                self.announce(text)
            else:
                self.announce(text, wanted=wanted)
        except Exception:  # the scheduler outlives a failed announcement
            log.exception("cannot announce %r", text)

    def _write(self) -> None:
        if not self._persist or self.path is None:
            return
        # One writer at a time, each writing the newest state: the last write wins.
        with self._write_lock:
            with self._changed:
                if self._closed:
                    return
                wall, now = self._clock(), self._monotonic()
                clock_set = self._watch is None
                saved = [
                    SavedTimer(
                        state.description,
                        state.seconds,
                        None if state.paused else wall + state.left_seconds,
                        state.left_seconds if state.paused else None,
                        state.name,
                        state.then,
                        state.alarm,
                        state.reminder,
                        state.repeat,
                    )
                    for state in self._table.states(now)
                ]
            try:
                write_atomically(self.path, timers_json(saved, clock_set))
            except OSError as err:
                # The timers still run in this process; only a restart would forget them.
                log.error("cannot keep the timers in %s: %s", self.path, err)
