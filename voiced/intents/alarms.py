"""Built-in plugin: alarms at a time of day (AlarmSet, AlarmStatus, AlarmCancel, voiced's
own; Home Assistant has none). "Set an alarm for 7 a.m.", "wake me up at 6:30 tomorrow",
"when is my alarm?", "cancel the 7 a.m. alarm", "wake me up at 6:30 on weekdays"; as one
rings, "stop the alarm" (AlarmStop) and "snooze" (AlarmSnooze); and a device switched at
a time of day (SwitchAt): "turn off the kitchen light at 10 p.m.". The model answered "I
cannot set an alarm for 7 am." and "I'm sorry, but I can't assist with that."

An alarm is a timer that ends at a time of day (voiced/timers.py, `start_alarm`): kept in
timers.json, rung by the same scheduler ("It's seven AM. This is your alarm."), said at
start when it went off while voiced was down. The words of times: alarm_time.py."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from voiced.intents import Action, IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.alarm_time import (
    LISTS,
    RULES,
    alarm_moment,
    date_said,
    day_in_words,
    moment_after,
    repeat_in_words,
    repeat_of,
    said_hours,
)
from voiced.intents.clock import time_in_words
from voiced.intents.ha_sentences import own_sentences
from voiced.intents.timer_sentences import DURATION_LISTS, duration_seconds, switch_sentences
from voiced.intents.timer_sentences import RULES as DURATION_RULES
from voiced.intents.timers import (
    acting,
    cancelled_several,
    cancelling,
    device_action,
    ringing_of_kind,
    soonest_of_kind,
    stopping,
)
from voiced.timers import (
    MAX_NAMED_TIMERS,
    Repeat,
    TimerState,
    describe_left,
)
from voiced.words import spoken_list
from voiced.words import words as words_of

INTENTS = ("AlarmSet", "AlarmStatus", "AlarmCancel", "AlarmStop", "AlarmSnooze", "SwitchAt")
# Two alarms this close are one: "you already have it".
SAME_ALARM_SECONDS = 60
# "Turn off the alarm" this soon after one rang stops that one, never the alarms to come:
# an alarm that repeats is not cancelled by a person just woken.
JUST_RANG_SECONDS = 600.0
# "Snooze" this soon after an alarm rang sets it again in SNOOZE_SECONDS, or as long as said.
SNOOZE_AFTER_SECONDS = 1800.0
SNOOZE_SECONDS = 540
# The name a snooze's alarm is kept by: "stop the alarm" cancels it, a new snooze replaces it.
SNOOZE_NAME = "snooze"

SENTENCES = {
    "AlarmSet": [
        "(set|make|create|add|put) [an|a|the|my] [new] alarm (for|at|to) <alarm_when>",
        "(set|make|create) [an|a|my] alarm {alarm_day:alarm_day} (at|for) <alarm_time>",
        "wake me [up] (at|by) <alarm_when>",
        "wake me [up] {alarm_day:alarm_day} (at|by) <alarm_time>",
        "[an] alarm (for|at) <alarm_when>",
        # Again and again: "every day at 7", "on weekdays at 6:30".
        "(set|make|create|add) [an|a|the|my] [new] [repeating|recurring] alarm (for|at|to) "
        "<alarm_time> {alarm_repeat:alarm_repeat}",
        "(set|make|create|add) [an|a|my] [repeating|recurring] alarm "
        "{alarm_repeat:alarm_repeat} (at|for) <alarm_time>",
        "wake me [up] (at|by) <alarm_time> {alarm_repeat:alarm_repeat}",
        "wake me [up] {alarm_repeat:alarm_repeat} (at|by) <alarm_time>",
        "[an] alarm (for|at) <alarm_time> {alarm_repeat:alarm_repeat}",
    ],
    "AlarmStatus": [
        "(what|which) alarms [do i have|have i got|are set|are there|are on]",
        "(what time|when) is [my|the] [next] alarm [set] [for]",
        "(what time|when) (did|have) i set [my|the] alarm [for]",
        "(do|have) i [got] (have|got) (an|any) alarm[s] [set]",
        "is [my|the] alarm set",
        "(is|are) there any alarm[s] [set]",
        "(list|tell me|read me) [all] [of] my alarms",
        "how long (until|till|before) [my|the] [next] alarm [goes off]",
    ],
    "AlarmCancel": [
        "<alarm_stop> [my|the] [next] alarm",
        "(turn|switch|shut) [my|the] alarm off",
        "<alarm_stop> [my|the] alarm (for|at) <alarm_when>",
        "<alarm_stop> [my|the] <alarm_time> alarm [{alarm_day:alarm_day}]",
        # By its day alone: "cancel tomorrow's alarm", "cancel my alarm on Friday".
        "<alarm_stop> {alarm_day:alarm_day}'s alarm",
        "<alarm_stop> [my|the] alarm (for|on) {alarm_day:alarm_day}",
    ],
}
STOP_SENTENCES = [
    "(stop|silence|dismiss|quiet) [the|my|that] alarm",
    "i('m| am) (up|awake)",
]
SNOOZE_SENTENCES = [
    "snooze [it|the alarm|my alarm|that]",
    "snooze [it|the alarm|my alarm|that] for <timer_duration>",
]
# An alarm in so long, as a phone sets one: "set an alarm for 10 minutes".
IN_SENTENCES = [
    "(set|make) [an|a|my] alarm (for|in) <timer_duration> [from now]",
    "wake me [up] in <timer_duration>",
]
DAILY_SENTENCES = ["(set|make|create|add) [a|my] daily alarm (for|at) <alarm_time>"]
ALL_SENTENCES = [
    "<alarm_stop> (all [of] [my|the] alarms|every alarm|my alarms|[both|the] alarms)",
]
STOP_RULE = "(cancel|delete|remove|clear|disable|(turn|switch|shut) off)"
# A device switched at a time of day: "turn off the kitchen light at 10 p.m.", "... the
# lights in the kitchen at midnight", "at 7 a.m. turn on all the lights" (SwitchAt, voiced's
# own), by the fixed slot "state", as SwitchLater's "in 10 minutes".
SWITCH_AT_SENTENCES = switch_sentences("at <alarm_when>", "at <alarm_time> [{alarm_day:alarm_day}]")


def plugin() -> Plugin:
    intents: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {"data": [{"sentences": sentences}]} for name, sentences in SENTENCES.items()
    }
    intents["AlarmSet"]["data"].append(
        {"sentences": DAILY_SENTENCES, "slots": {"alarm_repeat": "daily"}}
    )
    intents["AlarmSet"]["data"].append({"sentences": IN_SENTENCES})
    intents["AlarmCancel"]["data"].append({"sentences": ALL_SENTENCES, "slots": {"all": True}})
    intents["SwitchAt"] = {"data": SWITCH_AT_SENTENCES}
    intents["AlarmStop"] = {"data": [{"sentences": STOP_SENTENCES}]}
    intents["AlarmSnooze"] = {"data": [{"sentences": SNOOZE_SENTENCES}]}
    return Plugin(
        name="alarms",
        description="alarms at a time of day: set, asked about, cancelled",
        sentences=own_sentences(
            intents,
            {**DURATION_LISTS, **LISTS},
            {**RULES, "alarm_stop": STOP_RULE, "timer_duration": DURATION_RULES["timer_duration"]},
        ),
        handlers={
            "AlarmSet": set_alarm,
            "AlarmStatus": alarm_status,
            "AlarmCancel": cancel_alarm,
            "AlarmStop": stop_alarm,
            "AlarmSnooze": snooze_alarm,
            "SwitchAt": switch_at,
        },
        # Set, cancel and switch return an Action; the status only reads.
        side_effect_free=frozenset(INTENTS),
    )


def set_alarm(match: IntentMatch, context: IntentContext) -> Action:
    now = context.now()
    if _said_duration(match):  # "in 10 minutes": from now, to the second
        seconds = duration_seconds(match.slots)
        if seconds <= 0:
            raise IntentError("That is no time at all: no alarm set.")
        moment = datetime.fromtimestamp(now.timestamp() + seconds)
    else:
        moment = alarm_moment(match.slots, now)
    repeat = repeat_of(match.slots)
    said = f"{time_in_words(moment)} {day_in_words(moment, now)}"
    if repeat is not None:
        said = f"{time_in_words(moment)} {repeat_in_words(repeat)}"
    alarms = _alarms(context)
    for alarm in alarms:
        same = abs((_moment_of(alarm, now) - moment).total_seconds()) < SAME_ALARM_SECONDS
        if same and alarm.repeat == repeat:
            raise IntentError(f"You already have an alarm for {said}.")
        if repeat is None and _rings_then(alarm.repeat, moment):
            raise IntentError(f"You already have an alarm for {_when(alarm, now)}.")
    # One-off alarms the new repeat rings at too would ring twice: it takes their place.
    covered = [a for a in alarms if a.repeat is None and _rings_then(repeat, _moment_of(a, now))]

    def act() -> None:
        for alarm in covered:
            context.timers.cancel(alarm.timer_id)
        context.timers.start_alarm(moment.timestamp(), time_in_words(moment), repeat=repeat)

    if repeat is not None:
        return Action(f"Alarm set for {said}, starting {day_in_words(moment, now)}.", acting(act))
    return Action(f"Alarm set for {said}.", acting(act))


def switch_at(match: IntentMatch, context: IntentContext) -> Action:
    """A device switched at a time of day, without a word (only a failure is said): an
    alarm that does what a SwitchLater timer does."""
    now = context.now()
    moment = alarm_moment(match.slots, now)
    then = device_action(match, context)
    act = acting(
        lambda: context.timers.start_alarm(moment.timestamp(), time_in_words(moment), then)
    )
    return Action(f"I'll {then.said} at {time_in_words(moment)} {day_in_words(moment, now)}.", act)


def alarm_status(match: IntentMatch, context: IntentContext) -> str:
    now = context.now()
    alarms = _alarms(context)
    if not alarms:
        return "You have no alarms set."
    if len(alarms) == 1:
        [alarm] = alarms
        left = describe_left(alarm.left_seconds)
        if alarm.repeat is not None:
            moment = _moment_of(alarm, now)
            return (
                f"Your alarm is set for {_when(alarm, now)}; the next is"
                f" {day_in_words(moment, now)}, in {left}."
            )
        return f"Your alarm is set for {_when(alarm, now)}, in {left}."
    named = [_when(alarm, now) for alarm in alarms[:MAX_NAMED_TIMERS]]
    if len(alarms) > MAX_NAMED_TIMERS:
        named.append(f"{len(alarms) - MAX_NAMED_TIMERS} more")
    return f"You have {len(alarms)} alarms: {spoken_list(named)}."


def stop_alarm(match: IntentMatch, context: IntentContext) -> Action | str:
    """ "Stop the alarm", "I'm up": the alarm ringing stops, and a snooze still to ring
    is cancelled; the next alarm is said."""
    if (
        not ringing_of_kind(context, "alarm")
        and context.timers.rang_lately(JUST_RANG_SECONDS) is None
    ):
        return "Your alarm isn't ringing."
    return _stopped(context)


def _stopped(context: IntentContext) -> Action:
    """An alarm that rings or just rang, stopped: its snooze cancelled too, never an alarm
    to come (an alarm of every weekday is not cancelled by a person just woken)."""
    now = context.now()
    alarms = _alarms(context)
    snoozes = [alarm for alarm in alarms if alarm.name == SNOOZE_NAME]
    coming = [alarm for alarm in alarms if alarm.name != SNOOZE_NAME]
    said = "Okay."
    if coming:
        moment = _moment_of(coming[0], now)
        said += f" Your next alarm is {day_in_words(moment, now)} at {time_in_words(moment)}."
    stop, cancel_snoozes = stopping(context, "alarm"), cancelling(context, snoozes)

    def act() -> None:
        stop()
        cancel_snoozes()

    return Action(said, act)


def snooze_alarm(match: IntentMatch, context: IntentContext) -> Action:
    """An alarm again in 9 minutes, or as long as said, in place of a snooze set before."""
    if context.timers.rang_lately(SNOOZE_AFTER_SECONDS) is None:
        raise IntentError("There is no alarm to snooze.")
    seconds = duration_seconds(match.slots) if _said_duration(match) else SNOOZE_SECONDS
    if seconds <= 0:
        raise IntentError("That is no time at all: nothing snoozed.")
    at = context.now().timestamp() + seconds
    said = time_in_words(datetime.fromtimestamp(at))
    before = [alarm for alarm in _alarms(context) if alarm.name == SNOOZE_NAME]

    stop, cancel_before = stopping(context, "alarm"), cancelling(context, before)

    def act() -> None:
        stop()
        cancel_before()
        context.timers.start_alarm(at, said, name=SNOOZE_NAME)

    return Action(f"Snoozed: I'll ring again at {said}.", acting(act))


def _said_duration(match: IntentMatch) -> bool:
    return any(unit in match.slots for unit in ("hours", "minutes", "seconds"))


def cancel_alarm(match: IntentMatch, context: IntentContext) -> Action | str:
    now = context.now()
    said_which = {"all", "alarm_hour", "alarm_named", "alarm_day"} & match.slots.keys()
    next_one = "next" in words_of(match.text)
    # "Turn off the alarm" as it rings: that one, not those to come.
    rang = ringing_of_kind(context, "alarm") or context.timers.rang_lately(JUST_RANG_SECONDS)
    if not (said_which or next_one) and rang:
        return _stopped(context)
    alarms = _alarms(context)
    if not alarms:
        raise IntentError("You have no alarms set.")
    if match.slots.get("all"):
        chosen = alarms
    elif next_one and not said_which:
        chosen = alarms[:1]
    elif "alarm_hour" in match.slots or "alarm_named" in match.slots:
        chosen = _at_time(match, alarms, now)
    elif "alarm_day" in match.slots:
        chosen = _on_day(match, alarms, now)
    elif len(alarms) == 1:
        chosen = alarms
    else:
        # Not a question: a bare "seven PM" in answer would match nothing.
        raise IntentError(
            f"You have {len(alarms)} alarms: {_listed(alarms, now)}."
            " Say the time of the one to cancel."
        )

    act = cancelling(context, chosen)
    if len(chosen) == 1:
        return Action(f"Cancelled your alarm for {_when(chosen[0], now)}.", act)
    return Action(cancelled_several(len(chosen), "alarms"), act)


def _at_time(match: IntentMatch, alarms: list[TimerState], now: datetime) -> list[TimerState]:
    """The one alarm at the time said (on the day said); IntentError for none or two."""
    hours, minute = said_hours(match.slots)
    day = match.slots.get("alarm_day")
    at_time = [
        alarm
        for alarm in alarms
        if (moment := _moment_of(alarm, now)).hour in hours and moment.minute == minute
    ]
    if day is not None and at_time:
        wanted = alarm_moment(match.slots, now).date()
        at_time = [alarm for alarm in at_time if _moment_of(alarm, now).date() == wanted]
    if not at_time:
        return _none_at(alarms, hours, minute, now)
    if len(at_time) > 1:
        raise IntentError(
            f"You have {len(at_time)} alarms then: {_listed(at_time, now)}. Say its day too."
        )
    return at_time


def _on_day(match: IntentMatch, alarms: list[TimerState], now: datetime) -> list[TimerState]:
    """The one alarm set for the day said, never one that repeats (cancelling it would
    cancel every day's); IntentError for none or two."""
    wanted = date_said(match.slots, now)
    on_day = [alarm for alarm in alarms if _moment_of(alarm, now).date() == wanted]
    if not on_day:
        raise IntentError(f"You have no alarm then. You have alarms for {_listed(alarms, now)}.")
    if len(on_day) > 1:
        raise IntentError(
            f"You have {len(on_day)} alarms then: {_listed(on_day, now)}. Say its time too."
        )
    if on_day[0].repeat is not None:
        raise IntentError(
            f"That is your alarm for {_when(on_day[0], now)}: cancelling it cancels every"
            f" day's. Say cancel the {time_in_words(_moment_of(on_day[0], now))} alarm to do so."
        )
    return on_day


def _none_at(
    alarms: list[TimerState], hours: list[int], minute: int, now: datetime
) -> list[TimerState]:
    asked = time_in_words(datetime.combine(now.date(), time(hours[0], minute)))
    if len(alarms) == 1:
        raise IntentError(
            f"You have no alarm at {asked}. Your alarm is for {_when(alarms[0], now)}."
        )
    raise IntentError(f"You have no alarm at {asked}. You have alarms for {_listed(alarms, now)}.")


def _alarms(context: IntentContext) -> list[TimerState]:
    return soonest_of_kind(context, "alarm")


def _rings_then(repeat: Repeat | None, moment: datetime) -> bool:
    """Whether an alarm that repeats so rings at `moment` (to the minute)."""
    return (
        repeat is not None
        and moment.weekday() in repeat.days
        and (moment.hour, moment.minute) == (repeat.hour, repeat.minute)
    )


def _moment_of(alarm: TimerState, now: datetime) -> datetime:
    return moment_after(now, alarm.left_seconds)


def _when(alarm: TimerState, now: datetime) -> str:
    """ "seven AM tomorrow", "seven AM on weekdays"."""
    moment = _moment_of(alarm, now)
    if alarm.repeat is not None:
        return f"{time_in_words(moment)} {repeat_in_words(alarm.repeat)}"
    return f"{time_in_words(moment)} {day_in_words(moment, now)}"


def _listed(alarms: list[TimerState], now: datetime) -> str:
    return spoken_list([_when(alarm, now) for alarm in alarms])
