"""Intents: plugins declare sentence templates (hassil's language, as data) and small
handlers that return the text to speak (or an Action, a Confirmation or a Choice). Plugins are
found through the entry-point group `voiced.intents`; the built-in ones register the
same way as third-party ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from voiced.devices import DeviceState
from voiced.errors import VoicedError
from voiced.timers import DeviceAction, Repeat, TimerState
from voiced.words import words as words_of

ENTRY_POINT_GROUP = "voiced.intents"
# What switching a device "on" and "off" is called, per Home Assistant domain: as in its
# intents, "on" locks a lock and opens a garage door.
VERBS_OF_DOMAIN = {"lock": ("lock", "unlock"), "cover": ("open", "close")}
SWITCH_VERBS = ("turn on", "turn off")
# The verbs that open the home to someone: they wait for a spoken yes.
OPENING_VERBS = frozenset({"unlock", "open"})


# Intents matched on words that lack what a command needs: they ask what is meant ("the
# kitchen light": on or off? "a timer for 1:30": hours or minutes?).
ASKING_INTENTS = frozenset({"DeviceWithoutAction", "TimerWithoutUnit"})
# "Repeat that", "what did you say?" (voiced/intents/nevermind.py): says voiced's last
# words again; a question still waiting stays waiting (voiced/turn/router.py).
REPEAT_INTENT = "RepeatLast"


def verbs_of(domain: str) -> tuple[str, str]:
    """The ("on", "off") verbs of a domain."""
    return VERBS_OF_DOMAIN.get(domain, SWITCH_VERBS)


class IntentError(VoicedError):
    """An intent could not be carried out; the message is fit to be spoken."""


@dataclass(frozen=True)
class IntentMatch:
    name: str
    slots: dict[str, Any]
    plugin: str
    text: str
    # The template block's `response` (Home Assistant's name for the form of the answer:
    # "which", "one_yesno", ...), when it has one.
    response: str | None = None
    # The commands of several said as one (voiced/intents/compound.py), in order.
    parts: tuple[IntentMatch, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether the words are a whole command: they name configured things and, for a
        device, what to do to it. A turn may end early only on a complete one."""
        if self.parts:
            return all(part.complete for part in self.parts)
        return "unknown_device" not in self.slots and self.name not in ASKING_INTENTS


class DeviceControl(Protocol):
    """What handlers may do to devices (voiced.devices.registry.Devices)."""

    def turn(self, device_id: str, on: bool) -> None: ...

    def set_brightness(self, device_id: str, percent: int) -> None: ...

    def reported_state(self, device_id: str) -> DeviceState:
        """What the device is now, as its back end reports it (voiced.devices.DeviceState)."""

    def state(self, device_id: str) -> DeviceState:
        """What voiced last knew of the device (commanded or reported), without asking it."""


class TimerControl(Protocol):
    def start(
        self,
        seconds: float,
        name: str | None = None,
        then: DeviceAction | None = None,
        reminder: str | None = None,
    ) -> str:
        """Start a timer, called `name` if given ("pasta"), that does `then` or reminds
        of `reminder` when it ends in place of ringing; return its spoken description ("5
        minutes")."""

    def start_alarm(
        self,
        at: float,
        said: str,
        then: DeviceAction | None = None,
        reminder: str | None = None,
        repeat: Repeat | None = None,
        name: str | None = None,
    ) -> TimerState:
        """Set an alarm for `at` (wall-clock seconds), spoken of as `said` ("seven AM"),
        that does `then` or reminds of `reminder` when it is time in place of ringing,
        and, with `repeat`, is set again each time; kept by `name`, if given."""

    def cancel(self, timer_id: int | None = None) -> str | None:
        """Cancel the timer `timer_id` (None: the newest); its description, or None when
        there is no such timer."""

    def timers(self) -> list[TimerState]:
        """Every timer as it is now, oldest first."""

    def rang_lately(self, within: float) -> TimerState | None:
        """The alarm that rang last, if it rang within the last `within` seconds."""

    def ringing(self) -> list[TimerState]:
        """The timers and alarms that ended and ring still (said again until stopped)."""

    def stop_ringing(self, kind: str | None = None) -> list[TimerState]:
        """Stop what rings (only the `kind` given: "timer" or "alarm"); what stopped."""

    def pause(self, timer_id: int) -> TimerState: ...

    def resume(self, timer_id: int) -> TimerState: ...

    def add_time(self, timer_id: int, seconds: float) -> TimerState:
        """Lengthen a timer, or shorten it (negative `seconds`): to nothing, it ends."""


class VolumeControl(Protocol):
    """How loud voiced speaks, 1-10 (voiced.volume.Volume)."""

    @property
    def level(self) -> int: ...

    def set(self, level: int) -> int:
        """Set the level (kept within 1-10); the level set."""


class ShoppingListControl(Protocol):
    """The shopping list kept on the device (voiced.shopping_list.ShoppingList). Each call
    may raise IntentError, its message fit to be spoken (the file cannot be read, the list
    is full)."""

    def items(self) -> list[str]:
        """The items, oldest first."""

    def add(self, items: Sequence[str]) -> list[str]:
        """Add those not on the list yet, in order; the ones added."""

    def remove(self, items: Sequence[str]) -> list[str]:
        """Take them off the list; the ones taken off, as the list held them."""

    def clear(self) -> int:
        """Empty the list; how many items it held."""


@dataclass
class IntentContext:
    """Everything a handler may use. Device names and areas come from the configuration."""

    devices: DeviceControl
    device_names: dict[str, str]
    device_kinds: dict[str, str]
    device_areas: dict[str, str | None]
    timers: TimerControl
    now: Callable[[], datetime] = field(default=datetime.now)
    # What voiced said last (a reply or an announcement), for "repeat that"; None before.
    last_said: Callable[[], str | None] = field(default=lambda: None)
    # How loud voiced speaks (voiced.volume.Volume); None where nothing plays.
    volume: VolumeControl | None = None
    # The intents of the command voiced answered last, when nothing was said since (an
    # answer of the model, an announcement): what "cancel that" may undo. None: not kept.
    last_done: Callable[[], frozenset[str]] | None = None
    # Under the same condition, the undo of that command's Action (Action.undo); None.
    last_undo: Callable[[], Action | None] = field(default=lambda: None)
    # The shopping list kept on the device (voiced.shopping_list.ShoppingList).
    shopping_list: ShoppingListControl | None = None


@dataclass(frozen=True)
class Action:
    """What a handler returns to leave the acting to voiced: `act` does it, and `say` is
    what to say once it is done. voiced calls `act` only for the confirmed command; a
    handler that returns an Action and changes nothing itself can be listed in its
    plugin's `side_effect_free`, and its words are then synthesised during the silence
    that confirms the command."""

    say: str
    act: Callable[[], None]
    # What "cancel that", said as the next command, does: the change taken back (None:
    # it cannot be). Called on the turn thread of that command, like `act`.
    undo: Action | None = None


@dataclass(frozen=True)
class Confirmation:
    """What a handler returns for an action that must not happen on a misheard word
    (unlocking a door): voiced asks `question`, and calls `act` only on a yes in the very
    next turn. `act` returns what to say, as a handler does."""

    question: str
    act: Callable[[], str | Action]


@dataclass(frozen=True)
class Choice:
    """What a handler returns when the words name what to act on but not what to do ("the
    kitchen light"): voiced asks `question`, and the very next turn, heard without the wake
    word, chooses by a word of `options` ("on", "off"). The act of the one option named is
    carried out; no option, words of two different ones, or any word that is neither an
    option's, the question's nor one said along with a choice ("is it on?", "I'm going
    out"), and nothing is done."""

    question: str
    # An answer's word -> what to do then (returns what to say, as a handler does).
    options: Mapping[str, Callable[[], str | Action]]

    def chosen(self, answer: str) -> Callable[[], str | Action] | None:
        """The act the answer names, if it names exactly one."""
        said = words_of(answer)
        words = set(said)
        # A longer answer is another command ("hey jarvis, turn on the fan"), not a choice.
        if len(said) > MAX_CHOICE_WORDS or words & REFUSALS:
            return None
        # A question or chatter that holds an option's word ("what's on tv?") chooses nothing.
        asked = set(words_of(self.question)) - {"or"}
        if words - set(self.options) - asked - WITH_CHOICE:
            return None
        acts = {id(act): act for word, act in self.options.items() if word in words}
        return next(iter(acts.values())) if len(acts) == 1 else None


# The most words an answer to a Choice has: "turn it off please".
MAX_CHOICE_WORDS = 4
# Words said along with a choice that add nothing to it: "switch it off please".
WITH_CHOICE = frozenset({"turn", "switch", "it", "them", "please", "now", "just", "thanks"})
# Words that turn down what was asked, whatever else is said.
REFUSALS = frozenset(
    {"no", "not", "don't", "dont", "nope", "cancel", "never", "neither", "nothing"}
)

Handler = Callable[[IntentMatch, IntentContext], "str | Action | Confirmation | Choice"]


@dataclass
class Plugin:
    """A plugin: hassil intent data (intents, lists, expansion_rules, skip_words) and a
    handler per intent name."""

    name: str
    sentences: dict[str, Any]
    handlers: dict[str, Handler]
    description: str = ""
    # Intents whose handler changes nothing when called: it only reads (the time), or
    # returns an Action, a Confirmation or a Choice. voiced may call it before the command is
    # confirmed, to have its words ready the moment it is.
    side_effect_free: frozenset[str] = frozenset()

    def templates(self) -> dict[str, list[str]]:
        """Every sentence template per intent, for `voiced intents`."""
        intents = self.sentences.get("intents", {})
        return {
            name: [sentence for block in intent.get("data", []) for sentence in block["sentences"]]
            for name, intent in intents.items()
        }
