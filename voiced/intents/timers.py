"""Built-in plugin: timers (HassStartTimer, HassCancelTimer, HassCancelAllTimers,
HassTimerStatus, HassPauseTimer, HassUnpauseTimer, HassIncreaseTimer, HassDecreaseTimer),
and TimerWithoutUnit: a duration said without its unit ("set a timer for 1:30", "... for
5", "... for 1.15", "add 1:30 to the timer"), or as a clock or a decimal ("... for 1.30
hours"), is asked about.

"The timer" is the newest one that fits; "the 5 minute timer" is the newest set for 5
minutes, whatever is done to it; "the pasta timer" the newest set with that name ("set a
pasta timer for 10 minutes"). Of one unnamed timer, any name means it; of several, a name
no timer has names none, and the answer says which there are. voiced's timers all run on
this one device: an area named ("the kitchen timer") changes nothing, unless a timer was
set with it as its name.

The words are in timer_sentences, the readings of a duration without its unit in
timer_readings; this module decides what each intent does."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import NamedTuple

from voiced.config import SENSITIVE_KINDS
from voiced.intents import (
    Action,
    Confirmation,
    IntentContext,
    IntentError,
    IntentMatch,
    Plugin,
)
from voiced.intents.home import describe, switch_verbs, targets_of
from voiced.intents.timer_readings import (
    DurationChoice,
    answer_grammar,
    unitless_readings,
)
from voiced.intents.timer_sentences import INTENTS, UNIT_SECONDS, duration_seconds, sentences
from voiced.timers import (
    MAX_NAMED_TIMERS,
    MAX_TIMER_SECONDS,
    DeviceAction,
    TimerError,
    TimerState,
    describe_duration,
    describe_left,
    kind_of,
    timer_called,
    timer_name,
)
from voiced.words import spoken_list

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
# while", "set a timer for 5 minutes for a bit"), never a name.
TIME_WORDS = re.compile(
    r"\d|\b(hour|hr|minute|min|second|sec|half|moment|while|bit|now)s?\b", re.IGNORECASE
)


def plugin() -> Plugin:
    return Plugin(
        name="timers",
        description="timers that are announced when they end",
        sentences=sentences(),
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
            "SwitchLater": switch_later,
        },
        # Every handler but cancelling only reads the timers, or returns an Action or a
        # Choice.
        side_effect_free=frozenset([*INTENTS, "TimerWithoutUnit", "SwitchLater"])
        - {"HassCancelTimer", "HassCancelAllTimers"},
    )


def start_timer(match: IntentMatch, context: IntentContext) -> Action:
    return _starting(duration_seconds(match.slots), match, context)


def _starting(seconds: int, match: IntentMatch, context: IntentContext) -> Action:
    """A timer said to be somewhere ("in the kitchen") runs here all the same: voiced has
    one speaker, and the answer says where it rings."""
    if seconds <= 0:
        raise IntentError("That is no time at all: no timer set.")
    where = " It will ring here." if "area" in match.slots else ""
    said = _said_name(match)
    # Words of time are how long, not what for: the timer starts unnamed.
    name = None if said is None or TIME_WORDS.search(said) else timer_name(said)

    called = "Timer" if name is None else f"{name[:1].upper()}{name[1:]} timer"
    start = acting(lambda: context.timers.start(seconds, name))
    return Action(f"{called} set for {describe_duration(seconds)}.{where}", start)


def switch_later(match: IntentMatch, context: IntentContext) -> Action:
    """ "Turn off the kitchen light in 10 minutes" (or the lights of an area, or every
    light): a timer that switches them when it ends, without a word. Locks and garage
    doors are only ever switched when said."""
    seconds = duration_seconds(match.slots)
    if seconds <= 0:
        raise IntentError("That is no time at all: nothing set.")
    then = device_action(match, context)
    start = acting(lambda: context.timers.start(seconds, then=then))
    return Action(f"I'll {then.said} in {describe_duration(seconds)}.", start)


def device_action(match: IntentMatch, context: IntentContext) -> DeviceAction:
    """What a device switched later does (SwitchLater, SwitchAt): the devices the words
    name, on or off by the slot "state". Locks and garage doors are only ever switched
    when said: IntentError."""
    targets = targets_of(match, context)
    on_verb, off_verb = switch_verbs(targets, context)
    what = describe(targets, match, context)
    if any(context.device_kinds[device_id] in SENSITIVE_KINDS for device_id in targets):
        raise IntentError(f"I only {on_verb} or {off_verb} {what} when you say so.")
    on = match.slots["state"] == "on"
    return DeviceAction(tuple(targets), on, f"{on_verb if on else off_verb} {what}")


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
    readings = [reading for reading in unitless_readings(match.slots) if reading.seconds]
    if not readings:
        raise IntentError(f"That is no time at all: {meant.nothing}.")
    readings = [reading for reading in readings if reading.seconds <= MAX_TIMER_SECONDS]
    asked = [reading.said for reading in readings if reading.said]
    if not asked:
        raise IntentError("A timer can run for at most a week.")
    if len(asked) == 1:
        [only] = [reading for reading in readings if reading.said]
        return Confirmation(meant.question_of_one.format(only.said), partial(act, only.seconds))
    answer_grammar()  # compiled while the question is said, not when it is answered
    return DurationChoice(
        ", ".join(asked[:-1]) + f", or {asked[-1]}?",
        {describe_duration(reading.seconds): partial(act, reading.seconds) for reading in readings},
        {describe_duration(reading.seconds): reading.names for reading in readings},
    )


def _changing(timer_id: int, sign: int, context: IntentContext, seconds: int) -> Action:
    """Time added to (`sign` -1: taken off) the timer chosen when the question was asked,
    if it still runs when the answer comes."""
    timer = next((timer for timer in only_timers(context) if timer.timer_id == timer_id), None)
    if timer is None:
        raise IntentError("That timer has just ended.")
    return _adding(timer, context, sign * seconds)


def cancel_timer(match: IntentMatch, context: IntentContext) -> Action | str:
    if (stop := stop_ringing_timer(match, context)) is not None:
        return stop
    timer = _chosen(match, context, lambda timer: True)
    if context.timers.cancel(timer.timer_id) is None:
        return f"Your {timer_called(timer)} has just ended."
    return f"Cancelled the {timer_called(timer)}."


def cancel_all_timers(match: IntentMatch, context: IntentContext) -> str:
    """Every timer, wherever it runs: an area named ("all the kitchen timers") changes
    nothing, as for one timer. Those that ring are stopped too."""
    rang = context.timers.stop_ringing("timer")
    timers = only_timers(context)
    cancelled = [timer for timer in timers if context.timers.cancel(timer.timer_id) is not None]
    if not cancelled:
        return "Okay." if rang else "There is no timer running."
    if len(cancelled) == 1:
        return f"Cancelled the {timer_called(cancelled[0])}."
    return f"Cancelled all {len(cancelled)} timers."


def stop_ringing_timer(match: IntentMatch, context: IntentContext) -> Action | None:
    """ "Stop the timer" as a timer rings: its ringing stopped ("Okay."). Not when the
    words name, by its name or its length, a running timer and not a ringing one: that
    one is cancelled."""
    ringing = ringing_of_kind(context, "timer")
    if not ringing:
        return None
    if _names_one_of(match, only_timers(context)) and not _names_one_of(match, ringing):
        return None
    return Action("Okay.", stopping(context, "timer"))


def _names_one_of(match: IntentMatch, timers: list[TimerState]) -> bool:
    """Whether the words name one of `timers` by its name ("the pasta timer") or the
    length it was set for ("the 5 minute timer"), never by a guess."""
    for slot in ("timer_name", "area"):
        said = match.slots.get(slot)
        name = timer_name(said) if isinstance(said, str) else None
        if name is not None and _with_name(timers, name):
            return True
    if not any(f"start_{unit}" in match.slots for unit in UNIT_SECONDS):
        return False
    description = describe_duration(duration_seconds(match.slots, "start_"))
    return any(timer.description == description for timer in timers)


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
        f"Paused the {timer_called(timer)}, with {left} left.",
        acting(lambda: context.timers.pause(timer.timer_id)),
    )


def unpause_timer(match: IntentMatch, context: IntentContext) -> Action:
    every = _all_at_once(match, context, pause=False)
    if every is not None:
        return every
    timer = _chosen(match, context, lambda timer: timer.paused)
    left = describe_left(timer.left_seconds)
    return Action(
        f"Resumed the {timer_called(timer)}, with {left} left.",
        acting(lambda: context.timers.resume(timer.timer_id)),
    )


def _all_at_once(match: IntentMatch, context: IntentContext, pause: bool) -> Action | None:
    """ "Pause all timers" ("resume ..."): every timer that runs (is paused), when several
    are said; None when the words act as they do on one timer (one, or one to change)."""
    timers = only_timers(context)
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
    return _add_time(match, context, duration_seconds(match.slots))


def decrease_timer(match: IntentMatch, context: IntentContext) -> Action:
    return _add_time(match, context, -duration_seconds(match.slots))


def _add_time(match: IntentMatch, context: IntentContext, seconds: float) -> Action:
    if seconds == 0:
        raise IntentError("That is no time at all: nothing changed.")
    return _adding(_chosen(match, context, lambda timer: True), context, seconds)


def _adding(timer: TimerState, context: IntentContext, seconds: float) -> Action:
    left = timer.left_seconds + seconds
    change = acting(lambda: context.timers.add_time(timer.timer_id, seconds))
    amount = describe_duration(abs(seconds))
    if seconds >= 0:
        said = f"Added {amount} to the {timer_called(timer)}"
    else:
        said = f"Took {amount} off the {timer_called(timer)}"
    if left <= 0:
        return Action(f"{said}, which ends it.", change)
    return Action(f"{said}: {describe_left(left)} left.", change)


def _named(match: IntentMatch, context: IntentContext) -> list[TimerState]:
    """The timers the words name: "the 5 minute timer" names those set for 5 minutes,
    "the pasta timer" those set with that name, "the timer" every one. None named by a
    duration or a name: an IntentError says so."""
    timers = only_timers(context)
    if "timer_name" in match.slots:
        return _by_name(match, timers)
    # Home Assistant's sentences read "the kitchen timer" as a place; "set a kitchen timer
    # for 10 minutes" gave a timer that name.
    area = match.slots.get("area")
    if isinstance(area, str) and (called := timer_name(area)) is not None:
        with_name = _with_name(timers, called)
        if with_name:
            return with_name
    if not any(f"start_{unit}" in match.slots for unit in UNIT_SECONDS):
        return timers
    description = describe_duration(duration_seconds(match.slots, "start_"))
    named = [timer for timer in timers if timer.description == description]
    if not named:
        raise IntentError(f"There is no timer for {description}.")
    return named


def _by_name(match: IntentMatch, timers: list[TimerState]) -> list[TimerState]:
    """The timers set with the name said. Of none, the only timer when it has no name (a
    name can mean only it); otherwise none is acted on by a guess, and an IntentError
    says which timers there are."""
    said = _said_name(match)
    if said is not None and TIME_WORDS.search(said):
        # A time no sentence reads: which timer it names is not known.
        example = BY_ITS_TIME.get(match.name, BY_ITS_TIME["HassCancelTimer"])
        raise IntentError(
            f"I can't tell which timer that is. Say one by its time, like: {example}."
        )
    name = None if said is None else timer_name(said)
    with_name = [] if name is None else _with_name(timers, name)
    if with_name:
        return with_name
    if not timers or (len(timers) == 1 and timers[0].name is None):
        return timers
    none = "I can't tell which timer that is." if name is None else f"There is no {name} timer."
    raise IntentError(f"{none} You have {_timers_listed(timers)}.")


def _said_name(match: IntentMatch) -> str | None:
    """The name the words give a timer, as heard; a model's tool call may give anything."""
    said = match.slots.get("timer_name")
    return said if isinstance(said, str) else None


def _with_name(timers: list[TimerState], name: str) -> list[TimerState]:
    """The timers set with `name` (as timer_name keeps it); of none, those set with its
    plural or singular: "egg" names the "eggs" timer, "potato" the "potatoes" one."""
    kept = [(timer, timer_name(timer.name or "")) for timer in timers]
    same = [timer for timer, called in kept if called == name]
    if same:
        return same
    forms = {name + "s", name + "es"}
    return [
        timer
        for timer, called in kept
        if called is not None and (called in forms or name in (called + "s", called + "es"))
    ]


def _timers_listed(timers: list[TimerState]) -> str:
    """The timers there are, in a few words: "a timer for 5 minutes and an eggs timer";
    beyond MAX_NAMED_TIMERS, the named ones first and how many more."""
    shown = timers
    if len(timers) > MAX_NAMED_TIMERS:
        shown = sorted(timers, key=lambda timer: timer.name is None)[:MAX_NAMED_TIMERS]
    called = [timer_called(timer) for timer in shown]
    parts = [f"{'an' if said[0] in 'aeiou' else 'a'} {said}" for said in called]
    if len(timers) > len(shown):
        parts.append(f"{len(timers) - len(shown)} more")
    return spoken_list(parts)


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
    raise IntentError(f"Your {timer_called(timer)} is {state}.")


def acting(change: Callable[[], object]) -> Callable[[], None]:
    """An Action's `act` that starts or changes a timer (or an alarm): what keeps it
    from it (as many as allowed, a timer that ended meanwhile) is said."""

    def act() -> None:
        try:
            change()
        except TimerError as err:
            raise IntentError(str(err)) from err

    return act


def _status(timer: TimerState, whose: str) -> str:
    left = describe_left(timer.left_seconds)
    if timer.paused:
        return f"{whose} {timer_called(timer)} is paused, with {left} left."
    return f"{whose} {timer_called(timer)} has {left} left."


def soonest_of_kind(context: IntentContext, kind: str) -> list[TimerState]:
    """The alarms or the reminders (timer_table.kind_of), soonest first."""
    return sorted(
        (timer for timer in context.timers.timers() if kind_of(timer) == kind),
        key=lambda timer: timer.left_seconds,
    )


def ringing_of_kind(context: IntentContext, kind: str) -> list[TimerState]:
    """The timers or the alarms (timer_table.kind_of) that ring still."""
    return [timer for timer in context.timers.ringing() if kind_of(timer) == kind]


def cancelling(context: IntentContext, chosen: list[TimerState]) -> Callable[[], None]:
    """An Action's `act` that cancels the timers `chosen` (one ended meanwhile is gone)."""

    def act() -> None:
        for timer in chosen:
            context.timers.cancel(timer.timer_id)

    return act


def stopping(context: IntentContext, kind: str | None = None) -> Callable[[], None]:
    """An Action's `act` that stops what rings (only the `kind` given)."""

    def act() -> None:
        context.timers.stop_ringing(kind)

    return act


def cancelled_several(count: int, what: str) -> str:
    """What is said of several alarms or reminders cancelled: "Cancelled both alarms."."""
    return f"Cancelled {'both' if count == 2 else f'all {count}'} {what}."


def only_timers(context: IntentContext) -> list[TimerState]:
    """The timers, oldest first, without the alarms and reminders (voiced/intents/alarms.py,
    reminders.py); a device switched at a time of day is a timer."""
    return [timer for timer in context.timers.timers() if kind_of(timer) == "timer"]
