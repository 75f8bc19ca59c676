"""A duration said without its unit ("1:30", "5", "1.5", "1.30 hours"): what it may mean,
as the question asks it, and the answer that chooses one ("an hour and a half", "minutes").
Why each reading is asked: docs/timers.md."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from hassil import Intents, recognize_all

from voiced.intents import Action, Choice, IntentError
from voiced.intents.ha_sentences import ha_sentences
from voiced.intents.matcher import whole
from voiced.intents.timer_sentences import (
    ANSWER_LISTS,
    ANSWER_RULES,
    ANSWER_SENTENCES,
    DECIMALS,
    UNIT_SECONDS,
    duration_seconds,
)


class Reading(NamedTuple):
    """A duration that words without a unit may mean: as the question says it (None: not
    said, though an answer may name it), and what names it in an answer: its duration in
    seconds, and its unit or its first part ("hours", "one hour")."""

    said: str | None
    seconds: int
    names: frozenset[int | str]


def unitless_readings(slots: Mapping[str, Any]) -> list[Reading]:
    """What a duration said without a unit may mean, in the order asked. "130" is how
    Whisper writes "one thirty", and a hundred and thirty: the clock's readings are asked
    about, and an answer may name the number's ("130 minutes")."""
    if "clock_unit" in slots:
        return _clock_or_decimal(slots)
    if "said_unit" in slots:
        return _clock_or_number(slots)
    if "clock_whole" in slots:
        return _clock_readings(_count(slots["clock_whole"]), _count(slots.get("clock_sixtieths")))
    if "unitless_number" + DECIMALS in slots:
        return _decimal_readings(slots)
    if "unitless_digits" not in slots:
        return _plain_readings(_count(slots.get("unitless_number")))
    number = _count(slots["unitless_digits"])
    hour, minutes = divmod(number, 100)
    if not hour or not 0 < minutes < 60:
        return _plain_readings(number)
    return _with_unsaid(_clock_readings(hour, minutes), _plain_readings(number))


def _with_unsaid(asked: list[Reading], unsaid: list[Reading]) -> list[Reading]:
    """The readings asked about, and others not asked that an answer may name by their
    duration alone ("130 minutes" of "130"), but for one of an asked reading's."""
    durations = {reading.seconds for reading in asked}
    return asked + [
        Reading(None, reading.seconds, frozenset({reading.seconds}))
        for reading in unsaid
        if reading.seconds not in durations
    ]


def _clock_readings(before: int, after: int) -> list[Reading]:
    """ "1:30": an hour and 30 minutes, or a minute and 30 seconds; "0:30": 30 minutes or
    30 seconds."""
    first, rest = (before, after) if before else (after, 0)
    readings = []
    for unit in ("hours", "minutes") if before else ("minutes", "seconds"):
        size = UNIT_SECONDS[unit]
        # The part after the colon is of the unit below: sixty of it make one.
        seconds = first * size + rest * size // 60
        names = frozenset({seconds, unit, first * size})
        readings.append(Reading(_as_asked(first, unit, rest), seconds, names))
    return readings


def _decimal_readings(slots: Mapping[str, Any]) -> list[Reading]:
    """ "1.5": 1.5 hours or 1.5 minutes, named in an answer by the unit or the whole part
    ("one hour"). Never seconds: a timer runs whole seconds, not 1.5 of them. Whisper
    writes "one point two five" "1.25", "one fifteen" "115", but "one thirty" "1.30" (and
    1.3 as "1.3"): two digits ending in 0, below 60, after a whole number are a clock's
    ("45.30" as "45:30"), asked as "1:30" is, the decimal named only by an answer ("1.3
    hours"). Measured in docs/timers.md."""
    whole, decimals = slots.get("unitless_number"), slots.get("unitless_number" + DECIMALS)
    digits = str(decimals)
    if digits.isdecimal() and not int(digits):
        return _plain_readings(_count(whole))  # "1.0" is 1
    readings = []
    for unit in ("hours", "minutes"):
        seconds = duration_seconds({unit: whole, unit + DECIMALS: decimals})
        first = _count(whole) * UNIT_SECONDS[unit]
        names = frozenset({seconds, unit} | ({first} if first else set()))
        # Said as a decimal is written: "1.6 hours", not "1.60 hours".
        readings.append(Reading(f"{whole}.{digits.rstrip('0')} {unit}", seconds, names))
    clock = len(digits) == 2 and digits.endswith("0") and int(digits) < 60 and _count(whole)
    if clock:
        return _with_unsaid(_clock_readings(_count(whole), int(digits)), readings)
    return readings


def _clock_or_decimal(slots: Mapping[str, Any]) -> list[Reading]:
    """ "1.30 hours": an hour and 30 minutes as Whisper writes "one thirty hours", or 1.3
    hours; both of the unit said, so an answer names one by its duration ("an hour and a
    half", "1.3 hours")."""
    unit, whole = str(slots["clock_unit"]), _count(slots.get("clock_whole"))
    after = _count(slots.get("clock_sixtieths"))
    if unit not in ("hours", "minutes") or not 0 < after < 60:
        raise IntentError(f"I can't use {whole}.{after:02} {unit} as a time.")
    size = UNIT_SECONDS[unit]
    below = "minutes" if unit == "hours" else "seconds"
    clock = whole * size + after * size // 60
    decimal = duration_seconds({unit: whole, unit + DECIMALS: str(after).rstrip("0")})
    return [
        Reading(
            _as_asked(whole, unit, after) if whole else _as_asked(after, below, 0),
            clock,
            frozenset({clock}),
        ),
        Reading(f"{whole}.{str(after).rstrip('0')} {unit}", decimal, frozenset({decimal})),
    ]


def _clock_or_number(slots: Mapping[str, Any]) -> list[Reading]:
    """ "one thirty minutes": a minute and 30 seconds, as "1:30 minutes" is read, or a
    hundred and thirty minutes said as people say it ("one oh five": 105). "one minute"
    names the first, "130 minutes" the second."""
    unit, whole = str(slots["said_unit"]), _count(slots.get("clock_whole"))
    after = _count(slots.get("clock_sixtieths"))
    if unit not in ("hours", "minutes") or not whole or not 0 <= after < 60:
        raise IntentError(f"I can't use {whole} {after:02} {unit} as a time.")
    size, number = UNIT_SECONDS[unit], whole * 100 + after
    clock = whole * size + after * size // 60
    return [
        Reading(_as_asked(whole, unit, after), clock, frozenset({clock, whole * size})),
        Reading(_as_asked(number, unit, 0), number * size, frozenset({number * size})),
    ]


def _plain_readings(number: int) -> list[Reading]:
    """ "5": 5 hours, 5 minutes or 5 seconds."""
    return [
        Reading(_as_asked(number, unit, 0), number * size, frozenset({number * size, unit}))
        for unit, size in UNIT_SECONDS.items()
    ]


def _count(value: object) -> int:
    """A slot's whole number; what is none (a model's tool call) is refused as a time."""
    return duration_seconds({"seconds": value})


def _as_asked(number: int, unit: str, rest: int) -> str:
    """A reading as the question says it: "1 hour 30", "2 minutes"."""
    said = f"{number} {unit.removesuffix('s') if number == 1 else unit}"
    return f"{said} {rest}" if rest else said


@dataclass(frozen=True)
class DurationChoice(Choice):
    """A Choice between durations, answered by one: each option is chosen by what `names`
    holds for it, durations (in seconds) and a unit ("hours"). An answer that names none
    ("two hours", "no") or more than one chooses nothing."""

    names: Mapping[str, frozenset[int | str]]

    def chosen(self, answer: str) -> Callable[[], str | Action] | None:
        said = _durations_said(answer)
        named = [option for option, names in self.names.items() if names & said]
        return self.options[named[0]] if len(named) == 1 else None


def _durations_said(answer: str) -> set[int | str]:
    """Every way the answer reads as a duration (in seconds) or a unit alone ("minutes");
    "minute" is either."""
    said: set[int | str] = set()
    for result in recognize_all(answer, answer_grammar(), language="en"):
        slots = {name: whole(entity.value) for name, entity in result.entities.items()}
        if "unit" in slots:
            said.add(str(slots["unit"]))
            continue
        with contextlib.suppress(IntentError):
            said.add(duration_seconds(slots))
    return said


@cache
def answer_grammar() -> Intents:
    """Compiled when first asked for: the question is seldom asked."""
    return Intents.from_dict(
        {
            "language": "en",
            "intents": {"TimerAnswer": {"data": [{"sentences": ANSWER_SENTENCES}]}},
            "lists": ANSWER_LISTS,
            "expansion_rules": ANSWER_RULES,
            "skip_words": ha_sentences([])["skip_words"],
        }
    )
