"""Answering a matched command: its handler at once, a question asked first ("Unlock the
front door?", "Did you mean: ...?") and the answer to it, heard next."""

from __future__ import annotations

import threading

from voiced.asr import Decoder
from voiced.asr.heard_check import ACT, ASK, NOT_CAUGHT, HeardCheck, did_you_mean
from voiced.intents import Action, Choice, Confirmation, IntentMatch
from voiced.intents.engine import IntentAnswer, IntentEngine
from voiced.speculation import Speculation
from voiced.turn.heard import HeardChecker
from voiced.turn.turn import Turn

NOT_CONFIRMED = "Okay, I won't."


class Questions:
    """An action asked about, done only on a yes said next. Asked on the turn thread,
    looked at by the listening thread (to listen without the wake word): guarded by one
    lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: IntentAnswer | None = None

    def ask(self, asked: IntentAnswer) -> None:
        with self._lock:
            self._asked = asked

    @property
    def waiting(self) -> bool:
        """A question awaits its answer."""
        return self.asked() is not None

    def asked(self) -> IntentAnswer | None:
        """The question awaiting its answer, left waiting."""
        with self._lock:
            return self._asked

    def take(self) -> IntentAnswer | None:
        """The question asked, if any; it is answered (or dropped) by the next turn."""
        with self._lock:
            asked, self._asked = self._asked, None
            return asked


class IntentResponder:
    """On the turn thread: a matched intent answered by its handler, without the LLM."""

    def __init__(self, intents: IntentEngine, checker: HeardChecker, questions: Questions) -> None:
        self.intents = intents
        self.checker = checker
        self.questions = questions

    def heard(
        self,
        turn: Turn,
        wake_word: str,
        speculation: Speculation | None,
        decode: Decoder | None,
        match: IntentMatch,
    ) -> HeardCheck | None:
        """The check of a biased command's audio: made during the silence by the
        speculation, else here."""
        recognized = speculation.recognized if speculation is not None else None
        if speculation is not None and recognized is not None and recognized.match is not None:
            heard = speculation.heard_check()
        else:
            decoder = speculation.decode if speculation is not None else decode
            if not self.checker.active or decoder is None:
                return None
            heard = self.checker.check_now(turn, decoder, match, wake_word)
        if heard is not None:
            turn.mark("heard_check_s")
            turn.report.heard_check = heard.to_json()
            turn.log("heard check: %s (%s)", heard.decision, heard.reason, stage="recognition")
        return heard

    def carry_out(self, turn: Turn, match: IntentMatch, heard: HeardCheck | None = None) -> None:
        turn.report.intent = {"name": match.name, "slots": match.slots}
        if heard is not None and heard.decision != ACT:
            self._withhold(turn, match, heard)
            return
        answer = self.intents.answer(match)
        turn.mark("intent_done_s")
        turn.report.error = answer.error
        # A question cut before it was heard is not asked: nobody could answer it.
        if answer.confirmation is not None and not turn.cancelled:
            turn.report.confirmation = "asked"
            self.questions.ask(answer)
        turn.speak(answer.response, cached=True)

    def _withhold(self, turn: Turn, match: IntentMatch, heard: HeardCheck) -> None:
        """A command the audio did not clearly support: asked about ("Did you mean: ...?",
        done only on a yes said next), or not caught. Never done now."""
        turn.log("%s withheld: %s", match.name, heard.reason, stage="intent")
        if heard.decision != ASK:
            turn.speak(NOT_CAUGHT, cached=True)
            return
        found = self.intents.registry.handler(match.name)
        if found is None:
            turn.speak(NOT_CAUGHT, cached=True)
            return
        _, handler = found
        context = self.intents.context

        def act() -> str | Action:
            said = handler(match, context)
            # A yes to "Did you mean" does not also answer a second question.
            return said.question if isinstance(said, Confirmation | Choice) else said

        question = did_you_mean(turn.report.transcript)
        if turn.cancelled:  # cut before it was heard: nobody could answer it
            return
        self.questions.ask(
            IntentAnswer(match, question, done=False, confirmation=Confirmation(question, act))
        )
        turn.report.confirmation = "asked"
        turn.mark("intent_done_s")
        turn.speak(question)

    def answer_question(self, turn: Turn, asked: IntentAnswer) -> None:
        """The words after a question ("Unlock the front door?", "Turn the kitchen light on
        or off?"): the answer it asked for does it, anything else does not."""
        report = turn.report
        report.answered_by = "intent"
        report.intent = {"name": asked.match.name, "slots": asked.match.slots}
        answer = self.intents.reply(asked, report.transcript)
        if answer is not None:
            report.confirmation = "confirmed"
            turn.mark("intent_done_s")
            report.error = answer.error
            turn.speak(answer.response, cached=True)
        else:
            report.confirmation = "declined"
            turn.log("%s declined: not done", asked.match.name, stage="intent")
            turn.speak(NOT_CONFIRMED, cached=True)
