"""timers.json: what is kept across a restart, read back checked and bounded."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiced.files import UnreadableFileError, kept_aside_note, read_json_file
from voiced.timer_table import (
    MAX_ALARM_SECONDS,
    MAX_NAME_CHARS,
    MAX_TIMER_SECONDS,
    DeviceAction,
    Repeat,
)

# Bounds on what is read from timers.json: voiced writes a few hundred bytes per timer
# and three levels of nesting ({"timers": [{...}]}).
MAX_FILE_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 8
MAX_DESCRIPTION_CHARS = 100
MAX_REMINDER_CHARS = 200
# The most devices one timer switches ("the lights" of a large house; 20 kB of ids).
MAX_ACTION_DEVICES = 1000
# No timer ended before 2000-01-01: an earlier end is not a time voiced wrote.
EARLIEST_END = 946_684_800.0


@dataclass(frozen=True)
class SavedTimer:
    """A timer as timers.json keeps it: when it ends on the wall clock, or, paused, what
    it has left; and its name, if it was set with one."""

    description: str
    seconds: float | None
    ends_at: float | None
    paused_left_seconds: float | None = None
    name: str | None = None
    # The device it switches when it ends, in place of ringing.
    then: DeviceAction | None = None
    # An alarm, for a time of day (its description, "seven AM").
    alarm: bool = False
    # What it reminds of ("to call your mom").
    reminder: str | None = None
    # When an alarm rings again.
    repeat: Repeat | None = None


@dataclass
class TimersFile:
    """What was read from timers.json, and what was wrong with it."""

    timers: list[SavedTimer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The wall clock was known set when the file was written (files written before this
    # was kept say nothing, and were taken to be so).
    clock_set: bool = True


def read_timers_file(path: Path, now: float) -> TimersFile:
    """The timers in `path`, each checked; `now` is wall-clock time. Never raises: what
    is unusable is named in `problems`, and the usable timers are kept."""
    read = TimersFile()
    try:
        # A number out of range fails only its timer: the others are kept.
        data = read_json_file(path, MAX_FILE_BYTES, MAX_JSON_DEPTH, finite_only=False)
    except UnreadableFileError as err:
        read.problems.append(f"is {err}")
        return read
    except FileNotFoundError:  # gone since it was seen: no timers
        return read
    except OSError as err:
        read.problems.append(f"cannot be read ({err.strerror or err})")
        return read
    read.clock_set = not (isinstance(data, dict) and data.get("clock_set") is False)
    entries = data.get("timers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        read.problems.append('has no "timers" list')
        return read
    for number, entry in enumerate(entries, start=1):
        try:
            read.timers.append(_saved_timer(entry, now))
        except ValueError as err:
            read.problems.append(f"timer {number}: {err}")
    return read


def _saved_timer(entry: Any, now: float) -> SavedTimer:
    if not isinstance(entry, dict):
        raise ValueError("is not an object")
    description = _text(entry, "description", MAX_DESCRIPTION_CHARS)
    # Files written before timers had names have none.
    name = None if entry.get("name") is None else _text(entry, "name", MAX_NAME_CHARS)
    then = None if entry.get("then") is None else _device_action(entry["then"])
    alarm = entry.get("alarm", False)
    if not isinstance(alarm, bool):
        raise ValueError('"alarm" must be true or false')
    reminder = None
    if entry.get("reminder") is not None:
        reminder = _text(entry, "reminder", MAX_REMINDER_CHARS)
    repeat = None if entry.get("repeat") is None else _repeat(entry["repeat"])
    if repeat is not None and not alarm:
        raise ValueError('only an alarm has "repeat"')
    longest = MAX_ALARM_SECONDS if alarm else MAX_TIMER_SECONDS
    seconds = None
    if entry.get("seconds") is not None:
        seconds = _number(entry, "seconds", 0.0, longest)
    if ("ends_at" in entry) == ("paused_left_seconds" in entry):
        raise ValueError('needs either "ends_at" or "paused_left_seconds"')
    if "ends_at" in entry:
        ends_at = _number(entry, "ends_at", EARLIEST_END, now + longest)
        return SavedTimer(description, seconds, ends_at, None, name, then, alarm, reminder, repeat)
    if alarm:  # an alarm is never paused: voiced writes none so
        raise ValueError('an alarm needs "ends_at"')
    left = _number(entry, "paused_left_seconds", 0.0, MAX_TIMER_SECONDS)
    return SavedTimer(description, seconds, None, left, name, then, reminder=reminder)


def _device_action(then: Any) -> DeviceAction:
    """ "then": {"devices": ["kitchen_light"], "on": false, "said": "turn off the
    kitchen light"}. Whether those devices are still configured is known only when they
    are switched."""
    if not isinstance(then, dict):
        raise ValueError('"then" must be an object')
    on = then.get("on")
    if not isinstance(on, bool):
        raise ValueError('"then" needs "on": true or false')
    devices = then.get("devices")
    if not isinstance(devices, list) or not 0 < len(devices) <= MAX_ACTION_DEVICES:
        raise ValueError(f'"then" needs "devices": a list of 1-{MAX_ACTION_DEVICES} ids')
    try:
        ids = tuple(_checked_text(device, "device", MAX_DESCRIPTION_CHARS) for device in devices)
        said = _text(then, "said", MAX_DESCRIPTION_CHARS)
    except ValueError as err:
        raise ValueError(f'"then": {err}') from None
    return DeviceAction(ids, on, said)


def _repeat(repeat: Any) -> Repeat:
    """ "repeat": {"days": [0, 1, 2, 3, 4], "hour": 7, "minute": 0} (0 is Monday)."""
    if not isinstance(repeat, dict):
        raise ValueError('"repeat" must be an object')
    days, hour, minute = repeat.get("days"), repeat.get("hour"), repeat.get("minute")
    if (
        not isinstance(days, list)
        or not days
        or not all(type(day) is int and 0 <= day <= 6 for day in days)
    ):
        raise ValueError('"repeat" needs "days": weekdays 0-6 (0 is Monday)')
    if type(hour) is not int or not 0 <= hour <= 23 or type(minute) is not int:
        raise ValueError('"repeat" needs "hour" 0-23 and "minute" 0-59')
    if not 0 <= minute <= 59:
        raise ValueError('"repeat" needs "hour" 0-23 and "minute" 0-59')
    return Repeat(tuple(sorted(set(days))), hour, minute)


def _text(entry: dict[str, Any], key: str, most_chars: int) -> str:
    return _checked_text(entry.get(key), key, most_chars)


def _checked_text(value: Any, key: str, most_chars: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= most_chars or not value.isprintable():
        raise ValueError(f'"{key}" must be printable text of 1-{most_chars} characters')
    return value


def _number(entry: dict[str, Any], key: str, low: float, high: float) -> float:
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'"{key}" must be a number, got {type(value).__name__}')
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f'"{key}" must be a finite number, got {value!r:.40}')
    if not low < number <= high:
        raise ValueError(
            f'"{key}" must be above {low:.0f} and at most {high:.0f}, got {value!r:.40}'
        )
    return number


def check_note(path: Path) -> str | None:
    """What `voiced check` says of the timers file: a copy kept aside, or a file that will
    be at the next start; None when all is well."""
    note = kept_aside_note(path, "timers file")
    if note is not None or not path.exists():
        return note
    problems = read_timers_file(path, time.time()).problems
    if problems:
        return (
            f"timers file {path} is unusable ({listed(problems)}): it will be kept aside at start"
        )
    return None


def listed(problems: list[str]) -> str:
    """The first five problems, in one line."""
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


def timers_json(timers: Iterable[SavedTimer], clock_set: bool = True) -> str:
    """The file's text; `clock_set` False: the wall clock was not known set, so the
    ends were written on a clock that may still step."""
    entries: list[dict[str, object]] = []
    for timer in timers:
        entry: dict[str, object] = {"description": timer.description}
        if timer.name is not None:
            entry["name"] = timer.name
        if timer.alarm:
            entry["alarm"] = True
        if timer.reminder is not None:
            entry["reminder"] = timer.reminder
        if timer.repeat is not None:
            entry["repeat"] = {
                "days": list(timer.repeat.days),
                "hour": timer.repeat.hour,
                "minute": timer.repeat.minute,
            }
        if timer.then is not None:
            entry["then"] = {
                "devices": list(timer.then.device_ids),
                "on": timer.then.on,
                "said": timer.then.said,
            }
        if timer.seconds is not None:
            entry["seconds"] = timer.seconds
        if timer.ends_at is not None:
            entry["ends_at"] = timer.ends_at
        else:
            entry["paused_left_seconds"] = timer.paused_left_seconds
        entries.append(entry)
    kept: dict[str, object] = {"timers": entries}
    if not clock_set:
        kept["clock_set"] = False
    return json.dumps(kept, indent=2) + "\n"
