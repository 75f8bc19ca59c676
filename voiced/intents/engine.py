"""Answering a matched intent: its plugin's handler, the devices and timers it acts on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from voiced.config import Config
from voiced.devices import BackendError
from voiced.intents import (
    MAX_CHOICE_WORDS,
    OPENING_VERBS,
    REFUSALS,
    Action,
    Choice,
    Confirmation,
    IntentContext,
    IntentError,
    IntentMatch,
)
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import Registry, load_registry
from voiced.shopping_list import ShoppingList
from voiced.timers import DeviceAction, Timers
from voiced.volume import Volume
from voiced.words import words as words_of

log = logging.getLogger(__name__)

# The answers that confirm: yes-words and phrases, with nothing but words said along with a
# yes ("yes, go ahead please") and the question's own words ("yes, unlock it" to "Unlock the
# front door?"). Any other word is a no: "yes, lock it", "yes, unlock the back door",
# "okay, what's the weather" ask for something else, and "yes, no, wait" takes the yes back.
YES = frozenset(
    {"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "confirm", "confirmed",
     "affirmative", "absolutely", "definitely", "alright"}
)  # fmt: skip
YES_PHRASES = (
    ("do", "it"), ("go", "ahead"), ("please", "do"), ("go", "on"), ("of", "course"),
    ("all", "right"), ("that's", "right"), ("i'm", "sure"), ("i", "am", "sure"),
    ("go", "for", "it"), ("sure", "thing"), ("that's", "fine"),
)  # fmt: skip
# Words said along with a yes that add nothing to it; alone they are no yes.
WITH_YES = frozenset(
    {"please", "now", "thanks", "thank", "you", "uh", "um", "oh", "then", "and", "it", "just"}
)
# Words of a question that are no part of what it asks to do ("Did you mean: ...?").
NOT_ASKED = frozenset({"did", "you", "mean"}) | REFUSALS
# Verbs that ask for the same action: "yes, open it" to "Unlock the front door?".
SAME_ACTION = (OPENING_VERBS, frozenset({"turn", "switch"}))


def is_refusal(text: str) -> bool:
    """A short no ("no", "no thanks", "don't", "cancel that"); a longer text with a no
    in it says something else ("no, set the desk lamp to 40 percent")."""
    said = words_of(text)
    return 0 < len(said) <= MAX_CHOICE_WORDS and bool(set(said) & REFUSALS)


def is_yes(text: str, question: str = "") -> bool:
    """Whether an answer to `question` ("Unlock the front door?") says yes, and nothing
    but yes and what the question asks."""
    asked = set(words_of(question)) - NOT_ASKED
    for verbs in SAME_ACTION:
        if asked & verbs:
            asked |= verbs
    words = words_of(text)
    said_yes = False
    at = 0
    while at < len(words):
        phrase = next((p for p in YES_PHRASES if tuple(words[at : at + len(p)]) == p), ())
        if phrase:
            said_yes, at = True, at + len(phrase)
            continue
        if words[at] in YES:
            said_yes = True
        elif words[at] not in WITH_YES and words[at] not in asked:
            return False
        at += 1
    return said_yes


@dataclass(frozen=True)
class IntentAnswer:
    match: IntentMatch
    response: str
    # Why the command failed (a device back end's error), for the report.
    error: str | None = field(default=None, kw_only=True)
    # False when the command could not be carried out (unknown device, back end down), or
    # waits for a spoken yes.
    done: bool
    # The action held until the person says yes (or chooses one); `response` asks for it.
    confirmation: Confirmation | Choice | None = None
    # What "cancel that" does next (Action.undo).
    undo: Action | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Ahead:
    """What answering a command will say (None: not known before it is answered), and
    whether answering it changes something at once (an Action, or a handler that acts
    itself); reading, asking first and refusing change nothing."""

    words: str | None
    acts: bool
    # It asks first (a Confirmation or a Choice): `words` is the question.
    asks: bool = False


class IntentEngine:
    def __init__(
        self,
        config: Config,
        # Pipeline.announce: a text, and for a timer that rings again `wanted=` (Timers).
        announce: Callable[..., None],
        registry: Registry | None = None,
        timers: Timers | None = None,
        volume: Volume | None = None,
    ) -> None:
        from voiced.devices.registry import Devices

        self.registry = registry or load_registry()
        self.devices = Devices(config)
        self._announce = announce
        # A reload builds its engine on the running engine's `timers`, borrowed (never
        # closed here) until take_timers_from: they run on, on their own clock, and no
        # second scheduler reads them back from the file.
        self._owns_timers = timers is None
        self.timers = timers or Timers(
            announce,
            config.state_file.timers_file,
            max_timers=config.state_file.max_timers,
            act=self._act_later,
        )
        self.matcher = IntentMatcher(self.registry, config.devices)
        # How loud voiced speaks: the pipeline's speaker plays at it.
        self.volume = volume or Volume(config.state_file.volume_file)
        # What voiced said last: set by the pipeline after each turn and announcement (one
        # thread at a time: announcements wait for the turn in progress).
        self._last_said: str | None = None
        # The intents of the command answered last, what was said of it and its undo
        # ("cancel that" undoes it); set and cleared on the same one thread at a time.
        self._last_done: tuple[frozenset[str], str, Action | None] | None = None
        self.context = IntentContext(
            devices=self.devices,
            device_names={device.id: device.name for device in config.devices},
            device_kinds={device.id: device.kind for device in config.devices},
            device_areas={device.id: device.area for device in config.devices},
            timers=self.timers,
            last_said=lambda: self.last_said,
            last_done=self.last_done,
            last_undo=self.last_undo,
            volume=self.volume,
            # Read from its file at each use: nothing is loaded here.
            shopping_list=ShoppingList(config.state_file.shopping_list_file),
        )

    @property
    def last_said(self) -> str | None:
        return self._last_said

    @last_said.setter
    def last_said(self, text: str | None) -> None:
        self._last_said = text
        # Something else said since (the model's answer, an announcement): nothing to undo.
        if self._last_done is not None and self._last_done[1] != text:
            self._last_done = None

    def last_done(self) -> frozenset[str]:
        """The intents of the command answered last, if nothing else was said since."""
        return frozenset() if self._last_done is None else self._last_done[0]

    def last_undo(self) -> Action | None:
        """The undo of the command answered last, if nothing else was said since."""
        return None if self._last_done is None else self._last_done[2]

    def match(self, text: str) -> IntentMatch | None:
        return self.matcher.match(text)

    def answer(self, match: IntentMatch) -> IntentAnswer:
        answered = self._answer(match)
        if answered.done:
            names = frozenset({match.name, *(part.name for part in match.parts)})
            self._last_done = (names, answered.response, answered.undo)
        return answered

    def _answer(self, match: IntentMatch) -> IntentAnswer:
        if match.parts:
            return self._answer_each(match)
        found = self.registry.handler(match.name)
        if found is None:
            return IntentAnswer(match, "Sorry, I can't do that.", done=False)
        _, handler = found
        return self._run(match, lambda: handler(match, self.context))

    def words_ahead(self, match: IntentMatch) -> str | None:
        """What answering `match` will say unless its action fails, found without acting,
        for an intent its plugin lists as side-effect free; else None."""
        return self.ahead(match).words

    def ahead(self, match: IntentMatch) -> Ahead:
        """What answering `match` will say, and whether it changes something, found by
        calling its handler once without acting (side-effect-free intents only)."""
        if match.parts:
            each = [self.ahead(part) for part in match.parts]
            known = [part.words for part in each if part.words is not None]
            return Ahead(
                words=" ".join(known) if len(known) == len(each) else None,
                acts=any(part.acts for part in each),
                asks=any(part.asks for part in each),
            )
        found = self.registry.handler(match.name)
        if found is None:  # "Sorry, I can't do that.": nothing changes
            return Ahead(words=None, acts=False)
        plugin, handler = found
        if match.name not in plugin.side_effect_free:
            # A command naming no configured device is refused by name, whoever handles it.
            return Ahead(words=None, acts="unknown_device" not in match.slots)
        try:
            said = handler(match, self.context)
        except IntentError as err:  # "I don't know a device called ...": said as it is
            return Ahead(words=str(err), acts=False)
        except Exception:  # the handler runs again on the confirmed command, and reports it
            # It may act then: checked as one that acts, never taken unchecked.
            return Ahead(words=None, acts=True)
        if isinstance(said, Action):
            return Ahead(words=said.say, acts=True)
        if isinstance(said, Confirmation | Choice):
            return Ahead(words=said.question, acts=False, asks=True)
        return Ahead(words=said, acts=False)

    def _answer_each(self, several: IntentMatch) -> IntentAnswer:
        """Several commands said as one, answered in order, their replies one after the
        other. One that would ask first (unlocking, "on or off?") is said alone, before
        anything of the list is done: its yes could not be told from the others'."""
        for part in several.parts:
            if self.ahead(part).asks:
                said = part.text.strip().rstrip(".!?")
                return IntentAnswer(
                    several, f"Say {said[:1].lower()}{said[1:]} on its own, please.", done=False
                )
        answers = [self.answer(part) for part in several.parts]
        return IntentAnswer(
            several,
            " ".join(answer.response for answer in answers),
            done=all(answer.done for answer in answers),
            error=next((answer.error for answer in answers if answer.error), None),
        )

    def confirmed(self, asked: IntentAnswer) -> IntentAnswer:
        """Carry out the action that `asked` waited for a yes to."""
        if not isinstance(asked.confirmation, Confirmation):
            raise ValueError("that answer asked for no confirmation")
        log.info("%s confirmed", asked.match.name)
        return self._run(asked.match, asked.confirmation.act)

    def answers(self, asked: IntentAnswer, text: str) -> bool:
        """Whether `text` answers the question `asked` asked at all, doing nothing: a yes,
        a no, or one of its choices. A typed text that does not is a new request."""
        question = asked.confirmation
        if is_refusal(text):
            return True
        if isinstance(question, Choice):
            return question.chosen(text) is not None
        return is_yes(text, question.question if question is not None else asked.response)

    def reply(self, asked: IntentAnswer, text: str) -> IntentAnswer | None:
        """The words said after the question `asked` asked: the action they confirm or
        choose, carried out; None when they do neither (nothing is done)."""
        question = asked.confirmation
        if isinstance(question, Choice):
            act = question.chosen(text)
            if act is None:
                return None
            log.info("%s answered: %r", asked.match.name, text)
            return self._run(asked.match, act)
        said = question.question if question is not None else asked.response
        return self.confirmed(asked) if is_yes(text, said) else None

    def _run(
        self, match: IntentMatch, act: Callable[[], str | Action | Confirmation | Choice]
    ) -> IntentAnswer:
        undo = None
        try:
            said = act()
            if isinstance(said, Action):
                said.act()
                undo = said.undo
                said = said.say
        except IntentError as err:
            return IntentAnswer(match, str(err), done=False)
        except BackendError as err:
            log.error("%s failed: %s", match.name, err)
            device = self.context.device_names.get(str(match.slots.get("name")))
            what = err.unreached or (f"the {device}" if device else "that device")
            return IntentAnswer(
                match, f"Sorry, I couldn't reach {what}.", done=False, error=str(err)
            )
        except Exception:  # a third-party handler's bug ends this turn, not the daemon
            log.exception("intent handler %s.%s failed", match.plugin, match.name)
            return IntentAnswer(match, "Sorry, that went wrong.", done=False)
        if isinstance(said, Confirmation | Choice):
            log.info("%s waits for a spoken answer", match.name)
            return IntentAnswer(match, said.question, done=False, confirmation=said)
        return IntentAnswer(match, said, done=True, undo=undo)

    def take_timers_from(self, running: IntentEngine) -> None:
        """After a reload: the timers this engine borrowed from `running` are its own,
        and they are announced through it."""
        if running.timers is not self.timers:
            raise ValueError("the timers were not borrowed from that engine")
        running._owns_timers, self._owns_timers = False, True
        self.timers.announce = self._announce
        self.timers.act = self._act_later

    def _act_later(self, action: DeviceAction) -> None:
        """What a timer was set to do ("turn off the kitchen light in 10 minutes"), on the
        timers' thread when it ends: done without a word, as it was asked for; a device
        that fails leaves the others switched, and the failure is said."""
        failed = False
        for device_id in action.device_ids:
            try:
                self.devices.turn(device_id, action.on)
            except Exception as err:  # a device gone from the configuration, a back end down
                log.error("cannot %s: %s: %s", action.said, device_id, err)
                failed = True
        if failed:
            self._announce(f"Sorry, I couldn't {action.said}.")

    def close(self) -> None:
        if self._owns_timers:
            self.timers.close()
        self.devices.close()
