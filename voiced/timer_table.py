"""The timer table: running and paused timers on the monotonic clock, and how they are
spoken of. Pure: no thread, no file, no clock of its own (the caller passes `now`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from voiced.errors import VoicedError
from voiced.words import spoken_list

# The longest a timer may run (or have left, once added to): a week.
MAX_TIMER_SECONDS = 7 * 24 * 3600.0
# An alarm a week ahead, "every Sunday", is an hour further across the night the clocks
# go back.
MAX_ALARM_SECONDS = MAX_TIMER_SECONDS + 3600.0
# How many timers run at once, unless the configuration says (state_file.max_timers).
DEFAULT_MAX_TIMERS = 50
# At most this many timers are named one by one in a spoken answer.
MAX_NAMED_TIMERS = 3
# A timer shortened to within this of its end has ended.
LEFT_EPSILON_SECONDS = 1e-6
# A timer's name ("pasta", "the kids' bath"): longer words are a sentence, not a name.
MAX_NAME_WORDS = 4
MAX_NAME_CHARS = 40
# Said before a name and no part of it: "the eggs" is the eggs timer.
NAME_ARTICLES = frozenset({"the", "a", "an", "my", "our"})


class TimerError(VoicedError):
    """A timer could not be started or changed; the message is fit to be spoken."""


def describe_duration(seconds: float) -> str:
    """90 -> '1 minute and 30 seconds', 5400 -> '1 hour and 30 minutes'."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if value
    ]
    if not parts:
        return "0 seconds"
    return spoken_list(parts)


def describe_left(seconds: float) -> str:
    """The time a timer has left, as precisely as a person wants it: whole seconds under a
    minute (never "0 seconds" while it runs), 5 s steps under ten minutes, whole minutes
    above. The coarser steps also keep the words the same between the pause that shows a
    complete question and its confirmed end, so they are synthesised ahead."""
    if seconds <= 60:
        return describe_duration(max(1, math.ceil(seconds)))
    step = 5 if seconds < 600 else 60
    return describe_duration(round(seconds / step) * step)


def timer_name(said: str) -> str | None:
    """The name a timer is kept and asked for by, from the words said: "The  Eggs" ->
    "eggs", "egg timer" -> "egg"; None when they are no name (nothing, over MAX_NAME_WORDS
    words or MAX_NAME_CHARS characters, or not printable)."""
    words = [word for word in (w.strip(".,!?;:") for w in said.lower().split()) if word]
    while words and words[0] in NAME_ARTICLES:
        words.pop(0)
    while len(words) > 1 and words[-1] == "timer":  # "a timer called egg timer"
        words.pop()
    name = " ".join(words)
    if not words or len(words) > MAX_NAME_WORDS or len(name) > MAX_NAME_CHARS:
        return None
    return name if name.isprintable() else None


@dataclass(frozen=True)
class DeviceAction:
    """What a timer does when it ends, in place of ringing: devices switched ("turn off
    the kitchen light in 10 minutes", "... the lights in the kitchen ..."). `said` is how
    it is spoken of: "turn off the kitchen light"."""

    device_ids: tuple[str, ...]
    on: bool
    said: str


@dataclass(frozen=True)
class Repeat:
    """When an alarm rings again: at `hour`:`minute` on the weekdays `days` (0 is
    Monday), on this machine's clock and time zone."""

    days: tuple[int, ...]
    hour: int
    minute: int

    def next_after(self, wall: float) -> float:
        """The next such moment after `wall` (wall-clock seconds)."""
        today = datetime.fromtimestamp(wall).date()
        for ahead in range(8):
            day = today + timedelta(days=ahead)
            if day.weekday() in self.days:
                at = self.on(day).timestamp()
                if at > wall:
                    return at
        raise ValueError(f"an alarm repeats on some day, got days {self.days}")

    def on(self, day: date) -> datetime:
        return datetime.combine(day, time(self.hour, self.minute))


class Called(Protocol):
    """A timer as it is spoken of: running (TimerState) or read from the file."""

    @property
    def description(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def then(self) -> DeviceAction | None: ...

    @property
    def alarm(self) -> bool: ...

    @property
    def reminder(self) -> str | None: ...

    @property
    def repeat(self) -> Repeat | None: ...


def kind_of(timer: Called) -> str:
    """ "reminder", "alarm" (one that rings at a time of day), or "timer" (a device
    switched at a time of day is one): which intents list and cancel it."""
    if timer.reminder is not None:
        return "reminder"
    return "alarm" if timer.alarm and timer.then is None else "timer"


def timer_called(timer: Called) -> str:
    """How a timer is spoken of, after "the" or "your": "pasta timer", or, unnamed, "timer
    for 10 minutes"; an alarm "seven AM alarm"."""
    if timer.reminder is not None:
        return f"reminder {timer.reminder}"
    if timer.then is not None:
        return f"timer to {timer.then.said}"
    if timer.alarm:
        return f"{timer.description} alarm"
    if timer.name is not None:
        return f"{timer.name} timer"
    return f"timer for {timer.description}"


@dataclass(frozen=True)
class TimerState:
    """One timer as it is at one moment: what handlers see."""

    timer_id: int
    # The duration it was set for, as said ("5 minutes").
    description: str
    # The duration it was set for; None for one restored from a file that did not say.
    seconds: float | None
    left_seconds: float
    paused: bool
    # The name it was set with ("pasta", as timer_name keeps it); None for an unnamed one.
    name: str | None = None
    # What it does when it ends, in place of ringing; None: it rings.
    then: DeviceAction | None = None
    # It ends at a time of day, its `description` ("seven AM"): an alarm, or with `then`
    # a device switched then. Timer intents leave alarms alone, alarm intents timers.
    alarm: bool = False
    # What it reminds of when it ends, in place of ringing, as said to the person ("to
    # call your mom", "about the meeting"): a reminder (voiced/intents/reminders.py).
    reminder: str | None = None
    # An alarm that rings again: when it rings, the next is set.
    repeat: Repeat | None = None


@dataclass
class _Entry:
    timer_id: int
    description: str
    seconds: float | None
    # Monotonic seconds at which it ends, while it runs; None while paused.
    deadline: float | None
    # What it has left, while paused.
    paused_left_seconds: float = 0.0
    name: str | None = None
    then: DeviceAction | None = None
    alarm: bool = False
    reminder: str | None = None
    repeat: Repeat | None = None

    def left(self, now: float) -> float:
        return self.paused_left_seconds if self.deadline is None else self.deadline - now

    def state(self, now: float) -> TimerState:
        return TimerState(
            self.timer_id,
            self.description,
            self.seconds,
            self.left(now),
            self.deadline is None,
            self.name,
            self.then,
            self.alarm,
            self.reminder,
            self.repeat,
        )


class TimerTable:
    """The timers and when each ends, on one monotonic clock. No thread, lock or file:
    every method is told the time, so it is tested with numbers."""

    def __init__(self, max_timers: int = DEFAULT_MAX_TIMERS) -> None:
        if max_timers < 1:
            raise ValueError(f"max_timers must be at least 1, got {max_timers}")
        self.max_timers = max_timers
        self._entries: dict[int, _Entry] = {}
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._entries)

    def add(
        self,
        now: float,
        left_seconds: float,
        description: str,
        seconds: float | None = None,
        paused: bool = False,
        name: str | None = None,
        then: DeviceAction | None = None,
        alarm: bool = False,
        reminder: str | None = None,
        repeat: Repeat | None = None,
    ) -> TimerState:
        if len(self._entries) >= self.max_timers:
            raise TimerError(f"I can keep at most {self.max_timers} timers at once.")
        check_left(left_seconds, MAX_ALARM_SECONDS if alarm else MAX_TIMER_SECONDS)
        entry = _Entry(
            self._next_id,
            description,
            seconds,
            deadline=None if paused else now + left_seconds,
            paused_left_seconds=left_seconds if paused else 0.0,
            name=name,
            then=then,
            alarm=alarm,
            reminder=reminder,
            repeat=repeat,
        )
        self._entries[entry.timer_id] = entry
        self._next_id += 1
        return entry.state(now)

    def states(self, now: float) -> list[TimerState]:
        """Every timer, oldest first."""
        return [entry.state(now) for entry in self._entries.values()]

    def remove(self, timer_id: int, now: float) -> TimerState | None:
        entry = self._entries.pop(timer_id, None)
        return None if entry is None else entry.state(now)

    def pause(self, timer_id: int, now: float) -> TimerState:
        entry = self._entry(timer_id)
        if entry.deadline is None:
            raise TimerError(f"The {timer_called(entry)} is already paused.")
        if entry.deadline - now <= LEFT_EPSILON_SECONDS:
            # Ended, its ring not yet taken (the scheduler still says another): paused
            # with nothing left it would never ring, and the file could not keep it.
            raise TimerError(f"Your {timer_called(entry)} has just ended.")
        entry.paused_left_seconds = entry.deadline - now
        entry.deadline = None
        return entry.state(now)

    def resume(self, timer_id: int, now: float) -> TimerState:
        entry = self._entry(timer_id)
        if entry.deadline is not None:
            raise TimerError(f"The {timer_called(entry)} is not paused.")
        entry.deadline = now + entry.paused_left_seconds
        entry.paused_left_seconds = 0.0
        return entry.state(now)

    def add_time(self, timer_id: int, seconds: float, now: float) -> TimerState:
        """Lengthen (or, negative, shorten) a timer. Shortened to nothing, it is removed
        unannounced (the answer to the person says it ended) and its state has 0 left."""
        if not math.isfinite(seconds):
            raise ValueError(f"a timer is changed by a finite time, got {seconds}")
        entry = self._entry(timer_id)
        left = entry.left(now) + seconds
        # Within a microsecond of its end is ended: (now + t) - now + -t can come out at
        # 2e-16, and a deadline that close to now would read as 0 left.
        if left <= LEFT_EPSILON_SECONDS:
            del self._entries[timer_id]
            return dataclasses.replace(entry.state(now), left_seconds=0.0, paused=False)
        check_left(left)
        if entry.deadline is None:
            entry.paused_left_seconds = left
        else:
            entry.deadline = now + left
        return entry.state(now)

    def move_end(self, timer_id: int, seconds: float, now: float) -> TimerState | None:
        """Move a running timer's end by `seconds` (earlier when negative), to at most a
        week from `now`; it may end by it (then pop_due takes it). None when it is not
        running: ended, cancelled or paused."""
        entry = self._entries.get(timer_id)
        if entry is None or entry.deadline is None:
            return None
        longest = MAX_ALARM_SECONDS if entry.alarm else MAX_TIMER_SECONDS
        entry.deadline = min(entry.deadline + seconds, now + longest)
        return entry.state(now)

    def pop_due(self, now: float) -> list[TimerState]:
        """Remove and return the running timers that have ended by `now`, soonest first."""
        due = sorted(
            (e for e in self._entries.values() if e.deadline is not None and e.deadline <= now),
            key=lambda e: (e.deadline, e.timer_id),
        )
        for entry in due:
            del self._entries[entry.timer_id]
        return [entry.state(now) for entry in due]

    def next_deadline(self) -> float | None:
        """When the next running timer ends (monotonic seconds); None when none runs."""
        deadlines = [e.deadline for e in self._entries.values() if e.deadline is not None]
        return min(deadlines, default=None)

    def clear(self) -> None:
        self._entries.clear()

    def _entry(self, timer_id: int) -> _Entry:
        entry = self._entries.get(timer_id)
        if entry is None:
            raise TimerError("That timer has just ended.")
        return entry


def check_left(seconds: float, longest: float = MAX_TIMER_SECONDS) -> None:
    if not seconds > 0:  # also NaN
        raise ValueError(f"a timer needs a positive duration, got {seconds} s")
    if seconds > longest:
        raise TimerError("A timer can run for at most a week.")


def ended_sentence(ended: Sequence[Called]) -> str:
    """What is said when timers end while voiced runs: one sentence however many, and
    one for each alarm ("It's seven AM. This is your alarm.") and reminder ("This is
    your reminder to call your mom.")."""
    said = [
        f"This is your reminder {timer.reminder}."
        if timer.reminder is not None
        else f"It's {timer.description}. This is your alarm."
        for timer in ended
        if kind_of(timer) != "timer"
    ]
    timers = [timer for timer in ended if kind_of(timer) == "timer"]
    if len(timers) == 1:
        said.append(f"Your {timer_called(timers[0])} is done.")
    elif timers:
        said.append(f"{len(timers)} timers are done.")
    return " ".join(said)


def missed_sentence(missed: Sequence[Called]) -> str:
    """What is said at start for the timers that ended while voiced was not running. A
    device a timer was to switch is not switched that late, and that is said."""
    alarms = [timer for timer in missed if kind_of(timer) == "alarm"]
    reminders = [timer for timer in missed if kind_of(timer) == "reminder"]
    ringing = [timer for timer in missed if kind_of(timer) == "timer" and timer.then is None]
    said = [
        f"I didn't {timer.then.said}: I was off when it was time."
        for timer in missed
        if timer.then is not None
    ]
    if len(ringing) == 1:
        said.insert(0, f"Your {timer_called(ringing[0])} ended while I was off.")
    elif ringing:
        said.insert(0, f"{len(ringing)} timers ended while I was off.")
    said[:0] = [
        *(f"Your {timer_called(alarm)} went off while I was off." for alarm in alarms),
        *(f"I was off when it was time for your reminder {timer.reminder}." for timer in reminders),
    ]
    return " ".join(said)
