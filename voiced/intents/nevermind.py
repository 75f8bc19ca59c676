"""Built-in plugin: "never mind" (HassNevermind) ends the turn with a short acknowledgement,
never an answer made up by the LLM. "Cancel that" just after a timer was set cancels it."""

from __future__ import annotations

from voiced.intents import Action, IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences
from voiced.words import words

INTENTS = ["HassNevermind"]
ACKNOWLEDGEMENT = "Okay."
# How long after a timer is set "cancel that" means it: the undo of a misheard "Timer set
# for 50 minutes.", said as the next command.
JUST_SET_SECONDS = 60.0

OWN_SENTENCES = [
    "never mind [that|then]",
    "forget (it|that|about it)",
    "cancel (that|it)",
    "(that's|that is) all",
    "nothing",
]


def plugin() -> Plugin:
    sentences = ha_sentences(INTENTS)
    sentences["intents"]["HassNevermind"]["data"].append({"sentences": OWN_SENTENCES})
    return Plugin(
        name="nevermind",
        description='"never mind": the turn ends',
        sentences=sentences,
        handlers={"HassNevermind": never_mind},
        side_effect_free=frozenset(INTENTS),
    )


def never_mind(match: IntentMatch, context: IntentContext) -> str | Action:
    """ "Okay.", or, for "cancel that" while the newest timer was set a moment ago, that
    timer cancelled: "Okay." alone sounded as if it were, and it rang later."""
    if "cancel" not in words(match.text):
        return ACKNOWLEDGEMENT
    just_set = [
        timer
        for timer in context.timers.timers()
        if timer.seconds is not None
        and not timer.paused
        # Lengthened since, it is no longer the timer just set.
        and 0 <= timer.seconds - timer.left_seconds < JUST_SET_SECONDS
    ]
    if not just_set:
        return ACKNOWLEDGEMENT
    newest = max(just_set, key=lambda timer: timer.timer_id)

    def cancel() -> None:
        context.timers.cancel(newest.timer_id)

    return Action(f"Cancelled the timer for {newest.description}.", cancel)
