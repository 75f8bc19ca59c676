"""Built-in plugin: "never mind" and "stop" (HassNevermind) end the turn with a short
acknowledgement, never an answer made up by the LLM; "cancel that" (or "undo that") just
after a timer was set cancels it, and as the next command after one that can be taken
back (Action.undo: a device switched, an item added to or taken off the shopping list)
takes it back.
"Thank you" (Thanks, voiced's own) is answered "You're welcome.", and "repeat that"
(RepeatLast, voiced's own) with what voiced said last."""

from __future__ import annotations

from collections.abc import Callable

from voiced.intents import REPEAT_INTENT, Action, IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences
from voiced.intents.timers import stopping
from voiced.timers import TimerState, timer_called
from voiced.words import words

INTENTS = ["HassNevermind"]
THANKS = "Thanks"
ACKNOWLEDGEMENT = "Okay."
WELCOME = "You're welcome."
# How long after a timer is set "cancel that" means it: the undo of a misheard "Timer set
# for 50 minutes.", said as the next command.
JUST_SET_SECONDS = 60.0
# The intents that set what "cancel that" may undo.
SETTING_INTENTS = frozenset(
    {"HassStartTimer", "SwitchLater", "SwitchAt", "AlarmSet", "AlarmSnooze", "ReminderSet"}
)

OWN_SENTENCES = [
    "never mind [that|then]",
    "forget (it|that|about it)",
    "cancel (that|it)",
    "undo (that|it)",
    "(that's|that is) all",
    "nothing",
    # The model answered "Stop." with "I'm sorry, but I can't assist with that."
    "stop [it|that|talking|please]",
    "(be|keep) quiet [please]",
    "quiet [please]",
    # Whisper writes a hush so; the model answered it.
    "(shh|shhh|shush|hush|sh) [please]",
    "(that's|that is) enough",
    "enough",
]
# The model answered "Thank you." with "How can I assist you today?", a new question.
THANKS_SENTENCES = [
    "thank you [very much|so much|a lot] [jarvis]",
    "thanks [a lot|so much|very much] [jarvis]",
    "(cheers|much appreciated|great thanks|ok thanks|okay thanks|perfect thanks)",
]

# The model answered "Repeat that." and "What did you say?" with "I cannot."
REPEAT_SENTENCES = [
    "[please] repeat (that|it|yourself|the answer|what you said) [again] [please]",
    "[(can|could|would) you] (repeat|say) (that|it) again [please]",
    "[(can|could|would) you] repeat (that|it) [please]",
    "what did you [just] say",
    "what was that [again]",
    "come again",
    "pardon [me]",
    "[sorry] I (didn't|did not) (catch|hear) (that|it|you)",
]
NOTHING_SAID = "I haven't said anything yet."
NOTHING_TO_UNDO = "There's nothing to undo."
# The words that ask for the last command to be taken back, not merely for quiet.
TAKE_BACK_WORDS = frozenset({"cancel", "undo"})


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    sentences["intents"]["HassNevermind"]["data"].append({"sentences": OWN_SENTENCES})
    sentences["intents"][THANKS] = {"data": [{"sentences": THANKS_SENTENCES}]}
    sentences["intents"][REPEAT_INTENT] = {"data": [{"sentences": REPEAT_SENTENCES}]}
    return Plugin(
        name="nevermind",
        description='"never mind", "stop", "thank you" and "repeat that"',
        sentences=sentences,
        handlers={"HassNevermind": never_mind, THANKS: thanks, REPEAT_INTENT: repeat_last},
        side_effect_free=frozenset([*INTENTS, THANKS, REPEAT_INTENT]),
    )


def thanks(match: IntentMatch, context: IntentContext) -> str:
    return WELCOME


def repeat_last(match: IntentMatch, context: IntentContext) -> str:
    return context.last_said() or NOTHING_SAID


def never_mind(match: IntentMatch, context: IntentContext) -> str | Action:
    """ "Okay.", and what rings stopped ("stop" as a timer or an alarm rings); or, for
    "cancel that" while the newest timer was set a moment ago, that timer cancelled (and
    what rings stopped): "Okay." alone sounded as if it were, and it rang later; or, for
    "cancel that" as the next command after one that can be taken back, that undone."""
    stop = stopping(context) if context.timers.ringing() else None
    said = words(match.text)
    takes_back = not TAKE_BACK_WORDS.isdisjoint(said)
    newest = _just_set(context) if takes_back else None
    if newest is not None:
        timer = newest

        def cancel() -> None:
            context.timers.cancel(timer.timer_id)

        return with_stop(Action(f"Cancelled the {timer_called(timer)}.", cancel), stop)
    undo = context.last_undo() if takes_back else None
    if undo is not None:
        return with_stop(undo, stop)
    if "undo" in said:
        return with_stop(Action(NOTHING_TO_UNDO, lambda: None), stop)
    return ACKNOWLEDGEMENT if stop is None else Action(ACKNOWLEDGEMENT, stop)


def with_stop(action: Action, stop: Callable[[], None] | None) -> Action:
    """`action`, and what rings stopped with it."""
    if stop is None:
        return action

    def both() -> None:
        action.act()
        stop()

    return Action(action.say, both)


def _just_set(context: IntentContext) -> TimerState | None:
    """For "cancel that": the newest timer, if it was set a moment ago by the command
    answered last (not a timer set before another command)."""
    if context.last_done is not None and not context.last_done() & SETTING_INTENTS:
        return None
    just_set = [
        timer
        for timer in context.timers.timers()
        if timer.seconds is not None
        and not timer.paused
        # Lengthened since, it is no longer the timer just set.
        and 0 <= timer.seconds - timer.left_seconds < JUST_SET_SECONDS
    ]
    return max(just_set, key=lambda timer: timer.timer_id) if just_set else None
