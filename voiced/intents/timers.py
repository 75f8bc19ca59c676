"""Built-in plugin: timers (HassStartTimer, HassCancelTimer, HassCancelAllTimers,
HassTimerStatus, HassPauseTimer, HassUnpauseTimer, HassIncreaseTimer, HassDecreaseTimer),
and TimerWithoutUnit: a duration said without its unit ("set a timer for 1:30", "... for
5", "... for 1.15", "add 1:30 to the timer"), or as a clock or a decimal ("... for 1.30
hours"), is asked about.

"The timer" is the newest one that fits; "the 5 minute timer" is the newest set for 5
minutes, whatever is done to it. voiced keeps no names: of one timer, "the pasta timer"
means it; of several, it names none. voiced's timers all run on this one device: an area
named ("the kitchen timer") changes nothing."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import Any, NamedTuple

from hassil import Intents, recognize_all

from voiced.intents import (
    Action,
    Choice,
    Confirmation,
    IntentContext,
    IntentError,
    IntentMatch,
    Plugin,
)
from voiced.intents.ha_sentences import ha_sentences
from voiced.intents.matcher import whole
from voiced.numbers import in_words
from voiced.timers import (
    MAX_NAMED_TIMERS,
    MAX_TIMER_SECONDS,
    TimerError,
    TimerState,
    describe_duration,
    describe_left,
)

INTENTS = [
    "HassStartTimer",
    "HassCancelTimer",
    "HassCancelAllTimers",
    "HassTimerStatus",
    "HassPauseTimer",
    "HassUnpauseTimer",
    "HassIncreaseTimer",
    "HassDecreaseTimer",
]
UNIT_SECONDS = {"hours": 3600, "minutes": 60, "seconds": 1}
# The slot that holds the digits after a unit's decimal point: "hours_decimals".
DECIMALS = "_decimals"

# A duration as people say it, in any sentence, into the slots hours, minutes and seconds
# (with a prefix: "start_" for the duration that names a timer). How a unit is said after a
# number ("5 mins", "2 hrs"), and the list of one of it said without a number ("an hour",
# and "hour" alone: "the hour timer").
UNIT_WORDS = {
    "hours": "(hour[s]|hr[s])",
    "minutes": "(minute[s]|min[s])",
    "seconds": "(second[s]|sec[s])",
}
ONE_OF_UNIT = {"hours": "timer_an_hour", "minutes": "timer_a_minute", "seconds": "timer_a_second"}


def _duration(prefix: str, more: str = "") -> str:
    """ "an hour and 15 minutes", "1 hour 20" (minutes after hours), "150 seconds", "two and a
    half minutes", "2 hours and a half", "three quarters of an hour", "2.5 minutes"; `more`
    is said between a number and its unit ("5 more minutes")."""
    slot = {unit: prefix + unit for unit in UNIT_SECONDS}
    # A decimal as Whisper writes it ("1.25 hours"): the digits after the point in a slot
    # of their own, so that "1.05" is not "1.5".
    number = {
        unit: (
            f"({{timer_number:{name}}}[.{{timer_decimals:{name}{DECIMALS}}}]"
            f"|{{timer_hundred_and:{name}}})"
        )
        for unit, name in slot.items()
    }
    h, m, s = (
        f"({number[unit]}{more}( |-){UNIT_WORDS[unit]}|{{{ONE_OF_UNIT[unit]}:{slot[unit]}}})"
        for unit in UNIT_SECONDS
    )
    # Parts of an hour are minutes, parts of a minute seconds.
    hour_part, minute_part = (
        f"{{timer_part:{slot['minutes']}}}",
        f"{{timer_part:{slot['seconds']}}}",
    )
    forms = [
        f"{h} [[and] ({m} [[and] {s}]|{s}|{number['minutes']}|{hour_part})]",
        f"{m} [[and] ({s}|{number['seconds']}|{minute_part})]",
        s,
        f"{number['hours']} and {hour_part}( |-)hour[s]",
        f"{number['minutes']} and {minute_part}( |-)minute[s]",
        f"{hour_part} [of] [a|an] hour",
        f"{minute_part} [of] [a|an] minute",
        # A clock's form, as Whisper writes "one thirty": of three parts, hours, minutes
        # and seconds; of two, the unit after it says which ("1:30 hours"). Two alone are
        # no duration (TimerWithoutUnit asks which).
        f"{_clock(slot['hours'], slot['minutes'])}:{{timer_sixty:{slot['seconds']}}}",
        f"{_clock(slot['hours'], slot['minutes'])}( |-){UNIT_WORDS['hours']}",
        f"{_clock(slot['minutes'], slot['seconds'])}( |-){UNIT_WORDS['minutes']}",
    ]
    return "(" + "|".join(forms) + ")"


def _clock(whole: str, sixtieths: str) -> str:
    """ "1:30" into two slots."""
    return f"{{timer_number:{whole}}}:{{timer_sixty:{sixtieths}}}"


def _hundreds_with_and() -> list[dict[str, Any]]:
    """hassil's number words leave out the "and" of "one hundred and twenty"."""
    return [
        {"in": in_words(str(number)).replace("hundred", "hundred and"), "out": number}
        for number in range(101, 1000)
        if number % 100
    ]


def _said_after_the_hour(number: int) -> str:
    """ "oh five", "thirty", "twenty five" (or "twenty-five"): of "one oh five", ..."""
    if number < 10:
        return f"oh {in_words(str(number))}"
    return in_words(str(number)).replace(" ", "( |-)")


DURATION_LISTS: dict[str, dict[str, Any]] = {
    # Figures or words: above Home Assistant's 100 ("120 minutes"), and 0, which a
    # handler refuses rather than leave the words to the model.
    "timer_number": {"range": {"from": 0, "to": 999}},
    "timer_hundred_and": {"values": _hundreds_with_and()},
    # The digits after a decimal point, one or two, as written: "5" of "2.5", "05" of "1.05".
    # Not "30" of "1.30": Whisper writes "one thirty" so, and 1.3 is written "1.3".
    "timer_decimals": {
        "values": [str(n) for n in range(10)] + [f"{n:02}" for n in range(100) if n % 10 or not n]
    },
    # After a clock's colon: two digits, "00" to "59".
    "timer_sixty": {"values": [{"in": f"{n:02}", "out": n} for n in range(60)]},
    "timer_an_hour": {"values": [{"in": "[a|an] (hour|hr)", "out": 1}]},
    "timer_a_minute": {"values": [{"in": "[a] (minute|min)", "out": 1}]},
    "timer_a_second": {"values": [{"in": "[a] (second|sec)", "out": 1}]},
    "timer_part": {
        "values": [
            {"in": "[a] half", "out": 30},
            {"in": "[a|one] quarter", "out": 15},
            {"in": "three quarters", "out": 45},
        ]
    },
}
# A duration said without its unit: a clock's form ("one" of "one thirty", "thirty" and
# "oh five"), or a number alone.
UNITLESS_LISTS: dict[str, dict[str, Any]] = {
    "timer_clock_hour": {"range": {"from": 1, "to": 23}},
    # A number alone, in figures ("130" may be a clock's) or in words (never a clock's).
    "timer_digits": {"range": {"from": 0, "to": 9999, "words": False}},
    "timer_number_said": {"range": {"from": 0, "to": 999, "digits": False}},
    "timer_sixty_said": {
        "values": [{"in": _said_after_the_hour(n), "out": n} for n in range(1, 60)]
    },
    "timer_tens_but_none": {"values": [{"in": f"{n:02}", "out": n} for n in range(10, 60, 10)]},
    # The digits after a point, one or two: "1.5" and "1.25" are decimals, "1.30" how
    # Whisper writes "one thirty" (told apart by _decimal_readings).
    "timer_unitless_decimals": {
        "values": [str(n) for n in range(10)] + [f"{n:02}" for n in range(100)]
    },
    # The unit after "1.30": a clock's (an hour and 30 minutes) or a decimal's (1.3 hours).
    "timer_clock_unit": {
        "values": [{"in": UNIT_WORDS[unit], "out": unit} for unit in ("hours", "minutes")]
    },
}
# The expansion rules voiced's sentences are built on.
RULES = {
    "timer_duration": _duration(""),
    # Time added or taken: "add 5 more minutes".
    "timer_amount": _duration("", more=" [more|extra]"),
    "timer_start_duration": _duration("start_"),
    "timer_left": "(left|remaining)",
    "timer_stop": "(<timer_cancel>|delete|remove|clear|end|kill|(turn|switch|shut) off)",
    "timer_all": "(every timer|[all|both] [[of] (the|my)] timers)",
    # "1:30", which Whisper writes for "one thirty": which units is not said.
    "timer_clock": (
        f"({_clock('clock_whole', 'clock_sixtieths')}"
        # Whisper writes "one thirty" so too: "1 30", "one thirty", "one oh five"; and
        # "1.30", read with the decimals (below) and told from them by its digits.
        "|{timer_clock_hour:clock_whole} ({timer_sixty:clock_sixtieths}"
        "|{timer_sixty_said:clock_sixtieths}))"
    ),
    # A number said without a unit: a clock's form, a number alone ("5", "130") or with
    # decimals ("1.5", "1.15"); and "1.30 hours", which is a clock's or a decimal's.
    "timer_unitless": (
        "(<timer_clock>|{timer_digits:unitless_digits}"
        "|{timer_number_said:unitless_number}|{timer_hundred_and:unitless_number}"
        f"|{{timer_number:unitless_number}}.{{timer_unitless_decimals:unitless_number{DECIMALS}}}"
        "|{timer_number:clock_whole}.{timer_tens_but_none:clock_sixtieths}( |-)"
        "{timer_clock_unit:clock_unit})"
    ),
    # Where a timer is started: "in the kitchen", a configured area or a room, and nothing
    # else ("set a timer for 20 minutes and turn off the light" is no timer sentence).
    "timer_where": "(in|on) [the|my] ({area}|{timer_room:area})",
    # The timer acted on: "the timer", "the 5 minute timer", "the timer for an hour", and
    # by a name, which voiced does not keep: "the pasta timer", "the timer for the eggs".
    "timer_which": (
        "[the|my] (timer|<timer_start_duration> timer|timer for <timer_start_duration>"
        "|{timer_name} timer|timer (named|called|for) {timer_name})"
    ),
}
# Rooms a timer may be said to be in, besides the configured areas.
ROOMS = [
    "kitchen", "living room", "lounge", "sitting room", "family room", "dining room",
    "bedroom", "guest room", "spare room", "nursery", "playroom", "bathroom", "office",
    "study", "den", "hall", "hallway", "landing", "garage", "basement", "cellar", "attic",
    "loft", "utility room", "laundry room", "pantry", "garden", "patio", "conservatory",
]  # fmt: skip
START_SENTENCES = [
    "<timer_set> [a|an|the|my] timer [for] <timer_duration> [<timer_where>]",
    "<timer_set> [a|an|the|my] timer <timer_where> [for] <timer_duration>",
    "<timer_set> [a|an|the|my] <timer_duration> timer [<timer_where>]",
    "[a|an] <timer_duration> timer [<timer_where>]",
    "[a|an] timer for <timer_duration> [<timer_where>]",
    # With a name ("set a pasta timer for 10 minutes"): voiced keeps no names, but the
    # words still start a timer rather than reach the model.
    "<timer_set> [a|an|the|my] {timer_name} timer [for] <timer_duration> [<timer_where>]",
    "<timer_set> [a|an|the|my] timer (named|called) {timer_name} [for] <timer_duration>",
    "<timer_set> [a|an|the|my] <timer_duration> {timer_name} timer [<timer_where>]",
    "<timer_set> [a|an|the|my] (timer [for] <timer_duration>|<timer_duration> timer) "
    "(named|called|for) {timer_name}",
]
# "Set a timer for 1:30": an hour and 30 minutes, or a minute and 30 seconds? "Set a timer
# for 5": hours, minutes or seconds? Asked.
UNITLESS_SENTENCES = [
    "<timer_set> [a|an|the|my] timer for <timer_unitless> [<timer_where>]",
    "<timer_set> [a|an|the|my] <timer_unitless> timer [<timer_where>]",
    "[a|an] <timer_unitless> timer [<timer_where>]",
    "[a|an] timer for <timer_unitless> [<timer_where>]",
]
# "Add 1:30 to the timer", "take 1.15 off the pasta timer": time added or taken, asked
# about likewise, by the fixed slot "change". The timer is named: "add 5" alone may be
# anything.
UNITLESS_CHANGE_SENTENCES = {
    "add": [
        "add [another|an extra] <timer_unitless> [more|extra] to <timer_which>",
        "(extend|increase|lengthen) <timer_which> by <timer_unitless>",
    ],
    "take": [
        "(<timer_remove>|knock|subtract) [another] <timer_unitless> (off|from) <timer_which>",
        "(decrease|reduce|shorten|cut) <timer_which> by <timer_unitless>",
    ],
}
# The answer to that question: a duration ("an hour and a half", "one minute", "ninety
# seconds") or a unit ("hours", "the minutes one"), with a few words said along with it.
ANSWER_SENTENCES = [
    "[<timer_answer_lead>] [the] <timer_duration> [one|timer]",
    "[<timer_answer_lead>] [in] [the] {timer_unit:unit} [one]",
]
ANSWER_RULES = {
    "timer_duration": RULES["timer_duration"],
    "timer_answer_lead": "(it's|it is|make it|i mean|i meant|i said)",
}
ANSWER_LISTS = {
    **DURATION_LISTS,
    "timer_unit": {"values": [{"in": said, "out": unit} for unit, said in UNIT_WORDS.items()]},
}

# What Home Assistant's sentences lack for the other timer intents: the question as
# people ask it, with or without "on the timer", and time added or taken in any duration.
OWN_SENTENCES: dict[str, list[dict[str, Any]]] = {
    "HassTimerStatus": [
        {
            "sentences": [
                "how (much time|long) [is|do i have|have i got] <timer_left> [on <timer_which>]",
                "how much time's <timer_left> [on <timer_which>]",
                "(what's|what is) <timer_left> on <timer_which>",
                "how much (longer|time) [is] (on|for) <timer_which>",
                "how long (until|till|before) <timer_which> (goes off|rings|ends|is done)",
                "check [on] <timer_which>",
                "(is <timer_which>|are <timer_all>) [still] (running|going|on)",
            ]
        }
    ],
    "HassCancelAllTimers": [
        {"sentences": ["<timer_stop> <timer_all>", "(turn|switch|shut) <timer_all> off"]}
    ],
    # "Pause all timers", "resume both timers".
    "HassPauseTimer": [
        {"sentences": ["(pause|hold) <timer_all>"], "slots": {"all_timers": True}},
        # A pause, not a cancel: "stop the timer for a moment".
        {
            "sentences": [
                "(stop|pause|hold) <timer_which> for (a (moment|bit|while|sec|second)|now)"
            ]
        },
    ],
    "HassUnpauseTimer": [
        {"sentences": ["(resume|continue|unpause) <timer_all>"], "slots": {"all_timers": True}}
    ],
    # Time added or taken as people say it, with no "to the timer" while one runs.
    "HassIncreaseTimer": [
        {
            "sentences": [
                "add [another|an extra] <timer_amount> [to <timer_which>]",
                "(extend|increase|lengthen) <timer_which> by <timer_amount>",
            ]
        }
    ],
    "HassDecreaseTimer": [
        {
            "sentences": [
                "(<timer_remove>|knock|subtract) [another] <timer_amount> "
                "(off [<timer_which>]|from <timer_which>)",
                "(decrease|reduce|shorten|cut) <timer_which> by <timer_amount>",
            ]
        }
    ],
}


# The intents that act on one timer, said of any: "pause the 5 minute timer", "resume
# the pasta timer", "how long is left on the timer for an hour".
ONE_TIMER_SENTENCES = {
    "HassCancelTimer": ["<timer_stop> <timer_which>", "(turn|switch|shut) <timer_which> off"],
    "HassPauseTimer": ["(pause|hold) <timer_which>"],
    "HassUnpauseTimer": ["(resume|continue|unpause) <timer_which>"],
    "HassTimerStatus": [
        "(how much time|how long) [is] left on <timer_which>",
        "<timer_which> status",
        "status of <timer_which>",
    ],
}
# How to name one of several timers, for each intent that acts on one.
BY_ITS_TIME = {
    "HassCancelTimer": "cancel the 5 minute timer",
    "HassTimerStatus": "how long is left on the 5 minute timer",
    "HassPauseTimer": "pause the 5 minute timer",
    "HassUnpauseTimer": "resume the 5 minute timer",
    "HassIncreaseTimer": "add a minute to the 5 minute timer",
    "HassDecreaseTimer": "take a minute off the 5 minute timer",
}
# Words of time: a timer "name" that holds one is a duration said in a form no sentence
# knows ("the 5 minute and the 10 minute timer"), or for how long ("stop the timer for a
# while"), never a name.
TIME_WORDS = re.compile(
    r"\d|\b(hour|hr|minute|min|second|sec|half|moment|while|bit|now)s?\b", re.IGNORECASE
)


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    sentences["lists"].update(DURATION_LISTS)
    sentences["lists"].update(UNITLESS_LISTS)
    sentences["lists"]["timer_name"] = {"wildcard": True}
    sentences["lists"]["timer_room"] = {"values": ROOMS}
    sentences["expansion_rules"].update(RULES)
    sentences["intents"]["HassStartTimer"]["data"].append({"sentences": START_SENTENCES})
    for intent, blocks in OWN_SENTENCES.items():
        sentences["intents"][intent]["data"].extend(blocks)
    for intent, one_timer in ONE_TIMER_SENTENCES.items():
        sentences["intents"][intent]["data"].append({"sentences": one_timer})
    sentences["intents"]["TimerWithoutUnit"] = {
        "data": [
            {"sentences": UNITLESS_SENTENCES},
            *(
                {"sentences": said, "slots": {"change": change}}
                for change, said in UNITLESS_CHANGE_SENTENCES.items()
            ),
        ]
    }
    return Plugin(
        name="timers",
        description="timers that are announced when they end",
        sentences=sentences,
        handlers={
            "HassStartTimer": start_timer,
            "HassCancelTimer": cancel_timer,
            "HassCancelAllTimers": cancel_all_timers,
            "HassTimerStatus": timer_status,
            "HassPauseTimer": pause_timer,
            "HassUnpauseTimer": unpause_timer,
            "HassIncreaseTimer": increase_timer,
            "HassDecreaseTimer": decrease_timer,
            "TimerWithoutUnit": ask_which_unit,
        },
        # Every handler but cancelling only reads the timers, or returns an Action or a
        # Choice.
        side_effect_free=frozenset([*INTENTS, "TimerWithoutUnit"])
        - {"HassCancelTimer", "HassCancelAllTimers"},
    )


def start_timer(match: IntentMatch, context: IntentContext) -> Action:
    return _starting(_seconds(match.slots), match, context)


def _starting(seconds: int, match: IntentMatch, context: IntentContext) -> Action:
    """A timer said to be somewhere ("in the kitchen") runs here all the same: voiced has
    one speaker, and the answer says where it rings."""
    if seconds <= 0:
        raise IntentError("That is no time at all: no timer set.")
    where = " It will ring here." if "area" in match.slots else ""

    def start() -> None:
        try:
            context.timers.start(seconds)
        except TimerError as err:
            raise IntentError(str(err)) from err

    return Action(f"Timer set for {describe_duration(seconds)}.{where}", start)


class Reading(NamedTuple):
    """A duration that words without a unit may mean: as the question says it (None: not
    said, though an answer may name it), and what names it in an answer: its duration in
    seconds, and its unit or its first part ("hours", "one hour")."""

    said: str | None
    seconds: int
    names: frozenset[int | str]


class UnitlessChange(NamedTuple):
    """What a duration said without its unit is for: the intent it is once its unit is
    known, the question when one reading is left, and what a duration of no time leaves."""

    intent: str
    question_of_one: str
    nothing: str


# By the slot "change": a timer started, or time added to the timer or taken off it.
UNITLESS_CHANGES = {
    None: UnitlessChange("HassStartTimer", "Set a timer for {}?", "no timer set"),
    "add": UnitlessChange("HassIncreaseTimer", "Add {} to the timer?", "nothing changed"),
    "take": UnitlessChange("HassDecreaseTimer", "Take {} off the timer?", "nothing changed"),
}


def ask_which_unit(match: IntentMatch, context: IntentContext) -> DurationChoice | Confirmation:
    """ "Set a timer for 1:30" (Whisper's "one thirty") is an hour and 30 minutes or a
    minute and 30 seconds, "set a timer for 5" 5 hours, minutes or seconds, "... for
    1.5" 1.5 hours or minutes; no timer starts on a guess, and no time is added or taken
    on one ("add 1:30 to the timer"). Asked as it was said ("1 hour 30, or 1 minute
    30?"): the answer that names one reading starts it (adds it, takes it), by its
    duration ("an hour and a half", "ninety seconds"), its first part ("one minute") or
    its unit ("hours"). Only readings of at most a week are asked; of one, a yes starts
    it ("Set a timer for 999 minutes 59?")."""
    change = match.slots.get("change")
    # A model's tool call may give anything, a list too (no key of a dict).
    if not isinstance(change, str | None) or change not in UNITLESS_CHANGES:
        raise IntentError("I can only add time to a timer or take it off.")
    meant = UNITLESS_CHANGES[change]
    # As that intent: "add a minute to the 5 minute timer" names one of several. The
    # timer is the one named when asked: no timer to change is said at once, and the
    # answer changes this one, never one that is newest by then.
    acting = replace(match, name=meant.intent)
    act: Callable[[int], Action]
    if change is None:
        act = partial(_starting, match=acting, context=context)
    else:
        timer = _chosen(acting, context, lambda timer: True)
        act = partial(_changing, timer.timer_id, 1 if change == "add" else -1, context)
    readings = [reading for reading in _readings(match.slots) if reading.seconds]
    if not readings:
        raise IntentError(f"That is no time at all: {meant.nothing}.")
    readings = [reading for reading in readings if reading.seconds <= MAX_TIMER_SECONDS]
    asked = [reading.said for reading in readings if reading.said]
    if not asked:
        raise IntentError("A timer can run for at most a week.")
    if len(asked) == 1:
        [only] = [reading for reading in readings if reading.said]
        return Confirmation(meant.question_of_one.format(only.said), partial(act, only.seconds))
    _answer_grammar()  # compiled while the question is said, not when it is answered
    return DurationChoice(
        ", ".join(asked[:-1]) + f", or {asked[-1]}?",
        {describe_duration(reading.seconds): partial(act, reading.seconds) for reading in readings},
        {describe_duration(reading.seconds): reading.names for reading in readings},
    )


def _changing(timer_id: int, sign: int, context: IntentContext, seconds: int) -> Action:
    """Time added to (`sign` -1: taken off) the timer chosen when the question was asked,
    if it still runs when the answer comes."""
    timer = next((timer for timer in context.timers.timers() if timer.timer_id == timer_id), None)
    if timer is None:
        raise IntentError("That timer has just ended.")
    return _adding(timer, context, sign * seconds)


def _readings(slots: Mapping[str, Any]) -> list[Reading]:
    """What a duration said without a unit may mean, in the order asked. "130" is how
    Whisper writes "one thirty", and a hundred and thirty: the clock's readings are asked
    about, and an answer may name the number's ("130 minutes")."""
    if "clock_unit" in slots:
        return _clock_or_decimal(slots)
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
        seconds = _seconds({unit: whole, unit + DECIMALS: decimals})
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
    decimal = _seconds({unit: whole, unit + DECIMALS: str(after).rstrip("0")})
    return [
        Reading(
            _as_asked(whole, unit, after) if whole else _as_asked(after, below, 0),
            clock,
            frozenset({clock}),
        ),
        Reading(f"{whole}.{str(after).rstrip('0')} {unit}", decimal, frozenset({decimal})),
    ]


def _plain_readings(number: int) -> list[Reading]:
    """ "5": 5 hours, 5 minutes or 5 seconds."""
    return [
        Reading(_as_asked(number, unit, 0), number * size, frozenset({number * size, unit}))
        for unit, size in UNIT_SECONDS.items()
    ]


def _count(value: object) -> int:
    """A slot's whole number; what is none (a model's tool call) is refused as a time."""
    return _seconds({"seconds": value})


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
    for result in recognize_all(answer, _answer_grammar(), language="en"):
        slots = {name: whole(entity.value) for name, entity in result.entities.items()}
        if "unit" in slots:
            said.add(str(slots["unit"]))
            continue
        with contextlib.suppress(IntentError):
            said.add(_seconds(slots))
    return said


@cache
def _answer_grammar() -> Intents:
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


def cancel_timer(match: IntentMatch, context: IntentContext) -> str:
    timer = _chosen(match, context, lambda timer: True)
    if context.timers.cancel(timer.timer_id) is None:
        return f"Your timer for {timer.description} has just ended."
    return f"Cancelled the timer for {timer.description}."


def cancel_all_timers(match: IntentMatch, context: IntentContext) -> str:
    """Every timer, wherever it runs: an area named ("all the kitchen timers") changes
    nothing, as for one timer."""
    timers = context.timers.timers()
    cancelled = [timer for timer in timers if context.timers.cancel(timer.timer_id) is not None]
    if not cancelled:
        return "There is no timer running."
    if len(cancelled) == 1:
        return f"Cancelled the timer for {cancelled[0].description}."
    return f"Cancelled all {len(cancelled)} timers."


def timer_status(match: IntentMatch, context: IntentContext) -> str:
    timers = _named(match, context)
    if not timers:
        return "There is no timer running."
    if len(timers) == 1:
        return _status(timers[0], "Your")
    # Soonest first, paused ones last.
    timers.sort(key=lambda timer: (timer.paused, timer.left_seconds))
    if len(timers) <= MAX_NAMED_TIMERS:
        return f"You have {len(timers)} timers. " + " ".join(_status(t, "The") for t in timers)
    if timers[0].paused:
        return f"You have {len(timers)} timers, all paused."
    soonest = describe_left(timers[0].left_seconds)
    return f"You have {len(timers)} timers. The next one ends in {soonest}."


def pause_timer(match: IntentMatch, context: IntentContext) -> Action:
    every = _all_at_once(match, context, pause=True)
    if every is not None:
        return every
    timer = _chosen(match, context, lambda timer: not timer.paused)
    left = describe_left(timer.left_seconds)
    return Action(
        f"Paused the timer for {timer.description}, with {left} left.",
        _acting(lambda: context.timers.pause(timer.timer_id)),
    )


def unpause_timer(match: IntentMatch, context: IntentContext) -> Action:
    every = _all_at_once(match, context, pause=False)
    if every is not None:
        return every
    timer = _chosen(match, context, lambda timer: timer.paused)
    left = describe_left(timer.left_seconds)
    return Action(
        f"Resumed the timer for {timer.description}, with {left} left.",
        _acting(lambda: context.timers.resume(timer.timer_id)),
    )


def _all_at_once(match: IntentMatch, context: IntentContext, pause: bool) -> Action | None:
    """ "Pause all timers" ("resume ..."): every timer that runs (is paused), when several
    are said; None when the words act as they do on one timer (one, or one to change)."""
    timers = context.timers.timers()
    changing = [timer for timer in timers if timer.paused != pause]
    if not match.slots.get("all_timers") or len(timers) <= 1 or len(changing) == 1:
        return None
    if not changing:
        state = "already paused" if pause else "running"
        raise IntentError(f"Your {len(timers)} timers are all {state}.")
    change = context.timers.pause if pause else context.timers.resume

    def act() -> None:
        for timer in changing:
            # One that ends meanwhile is announced as it ends; the others change.
            with contextlib.suppress(TimerError):
                change(timer.timer_id)

    return Action(f"{'Paused' if pause else 'Resumed'} {len(changing)} timers.", act)


def increase_timer(match: IntentMatch, context: IntentContext) -> Action:
    return _add_time(match, context, _seconds(match.slots))


def decrease_timer(match: IntentMatch, context: IntentContext) -> Action:
    return _add_time(match, context, -_seconds(match.slots))


def _add_time(match: IntentMatch, context: IntentContext, seconds: float) -> Action:
    if seconds == 0:
        raise IntentError("That is no time at all: nothing changed.")
    return _adding(_chosen(match, context, lambda timer: True), context, seconds)


def _adding(timer: TimerState, context: IntentContext, seconds: float) -> Action:
    left = timer.left_seconds + seconds
    change = _acting(lambda: context.timers.add_time(timer.timer_id, seconds))
    amount = describe_duration(abs(seconds))
    if seconds >= 0:
        said = f"Added {amount} to the timer for {timer.description}"
    else:
        said = f"Took {amount} off the timer for {timer.description}"
    if left <= 0:
        return Action(f"{said}, which ends it.", change)
    return Action(f"{said}: {describe_left(left)} left.", change)


def _seconds(slots: Mapping[str, Any], prefix: str = "") -> int:
    """The duration the slots say, in whole seconds (a timer runs no shorter: "1.33
    minutes" is 80). A model's tool call may give anything: what is not a number of hours,
    minutes or seconds is refused (IntentError), as is a negative one."""
    total = 0.0
    for unit, size in UNIT_SECONDS.items():
        value = slots.get(prefix + unit)
        if value is None:
            continue
        decimals = slots.get(prefix + unit + DECIMALS)
        said = value if decimals is None else f"{value}.{decimals}"
        # Only digits after the point: a tool call's "5e3" is no decimal.
        readable = not isinstance(value, bool) and (decimals is None or str(decimals).isdecimal())
        try:
            number = float(said) if readable else math.nan
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int of 400 digits
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise IntentError(f"I can't use {said} {unit} as a time.")
        total += number * size
    return math.floor(total + 0.5)


def _named(match: IntentMatch, context: IntentContext) -> list[TimerState]:
    """The timers the words name: "the 5 minute timer" names those set for 5 minutes,
    "the timer" names every one. None named by a duration: an IntentError says so."""
    timers = context.timers.timers()
    if "timer_name" in match.slots:
        return _by_name(match, timers)
    if not any(f"start_{unit}" in match.slots for unit in UNIT_SECONDS):
        return timers
    description = describe_duration(_seconds(match.slots, "start_"))
    named = [timer for timer in timers if timer.description == description]
    if not named:
        raise IntentError(f"There is no timer for {description}.")
    return named


def _by_name(match: IntentMatch, timers: list[TimerState]) -> list[TimerState]:
    """voiced keeps no names: of one timer, a name can mean only it; of several, it names
    none, and none is acted on by a guess (an IntentError says how to name one)."""
    example = BY_ITS_TIME.get(match.name, BY_ITS_TIME["HassCancelTimer"])
    if TIME_WORDS.search(str(match.slots["timer_name"])):
        # A time no sentence reads: which timer it names is not known.
        raise IntentError(
            f"I can't tell which timer that is. Say one by its time, like: {example}."
        )
    if len(timers) > 1:
        raise IntentError(
            f"I don't keep names for timers. Say which one by its time, like: {example}."
        )
    return timers


def _chosen(
    match: IntentMatch, context: IntentContext, fits: Callable[[TimerState], bool]
) -> TimerState:
    """The newest of the named timers that `fits` (pausing wants a running one); if none
    does, an IntentError says why."""
    named = _named(match, context)
    fitting = [timer for timer in named if fits(timer)]
    if fitting:
        return fitting[-1]
    if not named:
        raise IntentError("There is no timer running.")
    timer = named[-1]
    state = "already paused" if timer.paused else "not paused"
    raise IntentError(f"Your timer for {timer.description} is {state}.")


def _acting(change: Callable[[], TimerState]) -> Callable[[], None]:
    """An Action's `act` that changes a timer; a timer that ended meanwhile is said."""

    def act() -> None:
        try:
            change()
        except TimerError as err:
            raise IntentError(str(err)) from err

    return act


def _status(timer: TimerState, whose: str) -> str:
    left = describe_left(timer.left_seconds)
    if timer.paused:
        return f"{whose} timer for {timer.description} is paused, with {left} left."
    return f"{whose} timer for {timer.description} has {left} left."
