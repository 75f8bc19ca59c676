"""The words of timers: the durations people say, the sentences of the timer intents
(Home Assistant's and voiced's own), and a duration's slots read as seconds.

A duration fills the slots hours, minutes and seconds ("start_hours" ... for the one that
names a timer: "the 5 minute timer"); the digits after a decimal point fill a slot of their
own ("hours_decimals"). A duration said without its unit fills others (clock_whole,
unitless_number, ...), read by voiced.intents.timer_readings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from voiced.intents import IntentError
from voiced.intents.ha_sentences import ha_sentences
from voiced.numbers import in_words

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
    # Whisper writes "one thirty" (told apart in timer_readings).
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
    "timer_running": "(running|set|going|on)",
    "timer_have": "(do i have|have i got|are <timer_running>|are there)",
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
    # decimals ("1.5", "1.15"); "1.30 hours", which is a clock's or a decimal's; and "one
    # thirty minutes", a clock's or a number's.
    "timer_unitless": (
        "(<timer_clock>|{timer_digits:unitless_digits}"
        "|{timer_number_said:unitless_number}|{timer_hundred_and:unitless_number}"
        f"|{{timer_number:unitless_number}}.{{timer_unitless_decimals:unitless_number{DECIMALS}}}"
        "|{timer_number:clock_whole}.{timer_tens_but_none:clock_sixtieths}( |-)"
        "{timer_clock_unit:clock_unit}"
        # "one thirty minutes": a clock's form with its unit ("1:30 minutes" is read as
        # a clock), or a hundred and thirty minutes said so.
        "|{timer_clock_hour:clock_whole} ({timer_sixty:clock_sixtieths}"
        "|{timer_sixty_said:clock_sixtieths})( |-){timer_clock_unit:said_unit})"
    ),
    # Where a timer is started: "in the kitchen", a configured area or a room, and nothing
    # else ("set a timer for 20 minutes and turn off the light" is no timer sentence).
    "timer_where": "(in|on) [the|my] ({area}|{timer_room:area})",
    # The timer acted on: "the timer", "the 5 minute timer", "the timer for an hour", and
    # by the name it was set with: "the pasta timer", "the timer for the eggs".
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
    # With a name ("set a pasta timer for 10 minutes", "... for the eggs"), kept with it.
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
                # The timers asked about together: the model answered "I don't have any
                # timers." with three running.
                "(what|which|how many) timers [<timer_have>]",
                "(do|have) i [got] (have|got) any timers [<timer_running>]",
                "(are there|is there) any timer[s] [<timer_running>]",
                "any timers [<timer_running>]",
                "(list|tell me|say) <timer_all>",
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
        # "Pause" alone: the timer is all voiced can pause (the model answered it).
        {"sentences": ["pause [it]"]},
    ],
    "HassUnpauseTimer": [
        {"sentences": ["(resume|continue|unpause) <timer_all>"], "slots": {"all_timers": True}},
        {"sentences": ["(resume|unpause) [it]"]},
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


# A device switched later: "turn off the kitchen light in 10 minutes", "... the lights in
# the kitchen ...", "... all the lights ..." (SwitchLater, voiced's own), by the fixed slot
# "state".
SWITCH_LATER_TARGETS = {
    "{name}": {},
    "<light> <in> [<the>] {area}": {"domain": "light"},
    "{area} <light>": {"domain": "light"},
    "<all> <light> [<everywhere>]": {"domain": "light"},
}


def switch_sentences(when_after: str, when_before: str) -> list[dict[str, Any]]:
    """A device switched later, said with when after it ("... in 10 minutes") or before
    the whole ("in 10 minutes turn ..."), by the fixed slot "state"."""
    return [
        {
            "sentences": [
                f"<turn> {said} [<the>] {target} {when_after}",
                f"<turn> [<the>] {target} {said} {when_after}",
                f"{when_before} <turn> {said} [<the>] {target}",
                f"{when_before} <turn> [<the>] {target} {said}",
            ],
            "slots": {"state": state, **slots},
        }
        for state, said in (("on", "on"), ("off", "(off|out)"))
        for target, slots in SWITCH_LATER_TARGETS.items()
    ]


SWITCH_LATER_SENTENCES = switch_sentences("(in|after) <timer_duration>", "in <timer_duration>")


def sentences() -> dict[str, Any]:
    """The timer plugin's sentences: Home Assistant's, with voiced's own added."""
    grammar = ha_sentences(INTENTS)
    grammar["lists"].update(DURATION_LISTS)
    grammar["lists"].update(UNITLESS_LISTS)
    grammar["lists"]["timer_name"] = {"wildcard": True}
    grammar["lists"]["timer_room"] = {"values": ROOMS}
    grammar["expansion_rules"].update(RULES)
    grammar["intents"]["HassStartTimer"]["data"].append({"sentences": START_SENTENCES})
    for intent, blocks in OWN_SENTENCES.items():
        grammar["intents"][intent]["data"].extend(blocks)
    for intent, one_timer in ONE_TIMER_SENTENCES.items():
        grammar["intents"][intent]["data"].append({"sentences": one_timer})
    grammar["intents"]["SwitchLater"] = {"data": SWITCH_LATER_SENTENCES}
    grammar["intents"]["TimerWithoutUnit"] = {
        "data": [
            {"sentences": UNITLESS_SENTENCES},
            *(
                {"sentences": words, "slots": {"change": change}}
                for change, words in UNITLESS_CHANGE_SENTENCES.items()
            ),
        ]
    }
    return grammar


def duration_seconds(slots: Mapping[str, Any], prefix: str = "") -> int:
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
