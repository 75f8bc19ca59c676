"""Built-in plugin: reminders (ReminderSet, ReminderStatus, ReminderCancel, voiced's own).
"Remind me to call my mom at 5 p.m.", "remind me in 20 minutes to take the bins out",
"remind me about the meeting tomorrow at 9", "remind me to take my pills every day at 8"
(on weekdays, on weekends, every Monday), "what reminders do I have?", "cancel the
reminder to call my mom". The model answered "I'm sorry, but I can't help with that."

A reminder is a timer (in so long) or an alarm (at a time of day, set again each time
for one that repeats) that says what it was set for in place of ringing: "This is your
reminder to call your mom." Kept in timers.json ("reminder"), said at start when its time
came while voiced was down. What to be reminded of is kept as said to the person: "my"
becomes "your"."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from voiced.intents import Action, IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.alarm_time import LISTS as TIME_LISTS
from voiced.intents.alarm_time import RULES as TIME_RULES
from voiced.intents.alarm_time import (
    alarm_moment,
    day_in_words,
    moment_after,
    repeat_in_words,
    repeat_of,
)
from voiced.intents.clock import time_in_words
from voiced.intents.ha_sentences import own_sentences
from voiced.intents.timer_sentences import DURATION_LISTS, duration_seconds
from voiced.intents.timer_sentences import RULES as DURATION_RULES
from voiced.intents.timers import acting, cancelled_several, cancelling, soonest_of_kind
from voiced.timer_file import MAX_REMINDER_CHARS
from voiced.timers import (
    MAX_NAMED_TIMERS,
    TimerState,
    describe_duration,
    describe_left,
)
from voiced.words import spoken_list
from voiced.words import words as words_of

INTENTS = ("ReminderSet", "ReminderStatus", "ReminderCancel")
# A reminder of more words is a sentence misheard, or several things at once.
MAX_REMINDER_WORDS = 20
# The person's words, as said back to them.
SAID_BACK = {
    "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i": "you",
    "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd",
}  # fmt: skip
# Words of a reminder said again and again: kept only with a time of day ("every day at
# 8"), as an alarm that repeats. WHEN_REPEATING says when; REPEATING may be anything
# ("to check each window").
REPEATING = re.compile(r"\b(every|each|daily|weekdays|weekends)\b", re.IGNORECASE)
WHEN_REPEATING = re.compile(
    r"\b((every|each) (day|morning|afternoon|evening|night|weekday|week|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|daily|on week(day|end)s)\b",
    re.IGNORECASE,
)
# "I am" said back; "am" alone is the morning's ("the 9 am meeting").
I_AM = re.compile(r"\bi am\b", re.IGNORECASE)

# "to" or "about" what, then when: in so long, or at a time of day (and its day).
WHAT = "(to {reminder_to}|about {reminder_about})"
REPEAT = "{alarm_repeat:alarm_repeat}"
SET_SENTENCES = [
    # Again and again: "every day", "on weekdays", "every Monday", at a time of day.
    f"remind me {WHAT} at <alarm_time> {REPEAT}",
    f"remind me {WHAT} {REPEAT} at <alarm_time>",
    f"remind me {REPEAT} at <alarm_time> {WHAT}",
    f"remind me at <alarm_time> {REPEAT} {WHAT}",
    f"set a [repeating|recurring] reminder (for|at) <alarm_time> {REPEAT} {WHAT}",
    f"set a [repeating|recurring] reminder {REPEAT} (for|at) <alarm_time> {WHAT}",
    f"set a [repeating|recurring] reminder {WHAT} at <alarm_time> {REPEAT}",
    f"remind me {WHAT} (in|after) <timer_duration>",
    f"remind me (in|after) <timer_duration> {WHAT}",
    f"remind me {WHAT} at <alarm_when>",
    f"remind me {WHAT} {{alarm_day:alarm_day}} at <alarm_time>",
    f"remind me at <alarm_when> {WHAT}",
    f"remind me {{alarm_day:alarm_day}} at <alarm_time> {WHAT}",
    f"set a reminder (for|in) <timer_duration> {WHAT}",
    f"set a reminder (for|at) <alarm_when> {WHAT}",
    f"set a reminder {WHAT} (in|after) <timer_duration>",
    f"set a reminder {WHAT} at <alarm_when>",
    # No time said: asked for, never guessed.
    f"(remind me|set a reminder) {WHAT}",
]
# "A daily reminder": every day.
DAILY_SENTENCES = [
    f"set a daily reminder (for|at) <alarm_time> {WHAT}",
    f"set a daily reminder {WHAT} at <alarm_time>",
]
STATUS_SENTENCES = [
    "(what|which) reminders [do i have|have i got|are set|are there]",
    "(do|have) i [got] (have|got) any reminders [set]",
    "(are there|is there) any reminder[s] [set]",
    "(list|tell me|read me) [all] [of] my reminders",
]
CANCEL_RULE = "(cancel|delete|remove|clear|forget)"
CANCEL_SENTENCES = [
    "<reminder_cancel> [my|the] reminder",
    f"<reminder_cancel> [my|the] reminder {WHAT}",
]
CANCEL_ALL_SENTENCES = [
    "<reminder_cancel> (all [of] [my|the] reminders|every reminder|my reminders)"
]


def plugin() -> Plugin:
    intents: dict[str, dict[str, list[dict[str, Any]]]] = {
        "ReminderSet": {
            "data": [
                {"sentences": SET_SENTENCES},
                {"sentences": DAILY_SENTENCES, "slots": {"alarm_repeat": "daily"}},
            ]
        },
        "ReminderStatus": {"data": [{"sentences": STATUS_SENTENCES}]},
        "ReminderCancel": {
            "data": [
                {"sentences": CANCEL_SENTENCES},
                {"sentences": CANCEL_ALL_SENTENCES, "slots": {"all": True}},
            ]
        },
    }
    lists = {
        **DURATION_LISTS,
        **TIME_LISTS,
        "reminder_to": {"wildcard": True},
        "reminder_about": {"wildcard": True},
    }
    rules = {
        "timer_duration": DURATION_RULES["timer_duration"],
        **TIME_RULES,
        "reminder_cancel": CANCEL_RULE,
    }
    return Plugin(
        name="reminders",
        description="reminders in so long or at a time of day",
        sentences=own_sentences(intents, lists, rules),
        handlers={
            "ReminderSet": set_reminder,
            "ReminderStatus": reminder_status,
            "ReminderCancel": cancel_reminder,
        },
        # Set and cancel return an Action; the status only reads.
        side_effect_free=frozenset(INTENTS),
    )


def reminded_of(slots: dict[str, Any]) -> str:
    """What a reminder is for, as said back: "to call your mom", "about the meeting".
    IntentError for nothing, or too much to be one thing."""
    lead = "to" if "reminder_to" in slots else "about"
    said = I_AM.sub("you are", str(slots.get(f"reminder_{lead}", "")).strip(" .,!?"))
    words = [SAID_BACK.get(word.lower(), word) for word in said.split()]
    if not words_of(said):
        raise IntentError("What should I remind you of?")
    phrase = f"{lead} {' '.join(words)}"
    if len(words) > MAX_REMINDER_WORDS or len(phrase) > MAX_REMINDER_CHARS:
        raise IntentError("That is too much for one reminder: say it in fewer words.")
    if not phrase.isprintable():
        raise IntentError("I can't keep that as a reminder.")
    return phrase


def set_reminder(match: IntentMatch, context: IntentContext) -> Action:
    phrase = reminded_of(match.slots)
    if not {"alarm_hour", "alarm_named", "hours", "minutes", "seconds"} & match.slots.keys():
        if REPEATING.search(phrase):
            raise IntentError(f"When should I remind you {phrase}? Say it with a time of day.")
        raise IntentError(
            f"When should I remind you {phrase}? Say it with a time: in 10 minutes, or at 5 PM."
        )
    if "alarm_hour" in match.slots or "alarm_named" in match.slots:
        now = context.now()
        moment = alarm_moment(match.slots, now)
        said = time_in_words(moment)
        repeat = repeat_of(match.slots)
        if repeat is None and WHEN_REPEATING.search(phrase):
            # "every day" heard as part of what to be reminded of: not kept as once.
            raise IntentError(f"Say when to remind you {phrase} as: every day at 8 AM.")
        if repeat is not None:
            when = f"at {said} {repeat_in_words(repeat)}, starting {day_in_words(moment, now)}"
        else:
            when = f"at {said} {day_in_words(moment, now)}"

        def start() -> object:
            return context.timers.start_alarm(
                moment.timestamp(), said, reminder=phrase, repeat=repeat
            )

    else:
        seconds = duration_seconds(match.slots)
        if seconds <= 0:
            raise IntentError("That is no time at all: no reminder set.")
        when = f"in {describe_duration(seconds)}"

        def start() -> object:
            return context.timers.start(seconds, reminder=phrase)

    return Action(f"I'll remind you {phrase} {when}.", acting(start))


def reminder_status(match: IntentMatch, context: IntentContext) -> str:
    now = context.now()
    reminders = _reminders(context)
    if not reminders:
        return "You have no reminders."
    if len(reminders) == 1:
        return f"You have one reminder: {_listed(reminders, now)}."
    more = len(reminders) - MAX_NAMED_TIMERS
    named = _listed(reminders[:MAX_NAMED_TIMERS], now, more)
    return f"You have {len(reminders)} reminders: {named}."


def cancel_reminder(match: IntentMatch, context: IntentContext) -> Action:
    now = context.now()
    reminders = _reminders(context)
    if not reminders:
        raise IntentError("You have no reminders.")
    if match.slots.get("all"):
        chosen = reminders
    elif "reminder_to" in match.slots or "reminder_about" in match.slots:
        asked = words_of(reminded_of(match.slots))
        chosen = [r for r in reminders if words_of(r.reminder or "") == asked]
        if not chosen:
            raise IntentError(f"You have no reminder {' '.join(asked)}.")
    elif len(reminders) == 1:
        chosen = reminders
    else:
        raise IntentError(
            f"You have {len(reminders)} reminders: {_listed(reminders, now)}. Say which one"
            " to cancel, by what it is for."
        )

    act = cancelling(context, chosen)
    if len(chosen) == 1:
        return Action(f"Cancelled your reminder {chosen[0].reminder}.", act)
    return Action(cancelled_several(len(chosen), "reminders"), act)


def _reminders(context: IntentContext) -> list[TimerState]:
    return soonest_of_kind(context, "reminder")


def _listed(reminders: list[TimerState], now: datetime, more: int = 0) -> str:
    """ "to call your mom at five PM today", "about the meeting in 20 minutes"."""
    said = [f"{reminder.reminder} {_when(reminder, now)}" for reminder in reminders]
    if more > 0:
        said.append(f"{more} more")
    return spoken_list(said)


def _when(reminder: TimerState, now: datetime) -> str:
    if not reminder.alarm:
        return f"in {describe_left(reminder.left_seconds)}"
    moment = moment_after(now, reminder.left_seconds)
    if reminder.repeat is not None:
        return f"at {time_in_words(moment)} {repeat_in_words(reminder.repeat)}"
    return f"at {time_in_words(moment)} {day_in_words(moment, now)}"
