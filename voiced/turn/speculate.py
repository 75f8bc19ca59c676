"""The work done on the speculation thread at a pause in a command: recognise it so far;
for a question, begin the answer, held unheard until the endpoint confirms it; for a
command, synthesise the words it will say and check what was heard, acting on nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from voiced.asr.heard_check import HeardCheck, check_failed
from voiced.health import Health
from voiced.intents.engine import IntentEngine
from voiced.messages import WakeDetected
from voiced.speaker import Speaker
from voiced.speculation import HeldAnswer, Recognized, Speculation
from voiced.turn.heard import RECOGNITION_DEADLINE_SECONDS, HeardChecker, strip_wake_phrase
from voiced.turn.llm import LlmResponder
from voiced.turn.turn import Turn

log = logging.getLogger(__name__)


class SpeculativeWork:
    """Called by the Speculator's worker, one speculation at a time."""

    def __init__(
        self,
        intents: IntentEngine,
        checker: HeardChecker,
        speaker: Speaker,
        llm: LlmResponder,
        health: Health,
        new_turn: Callable[[WakeDetected, bool], Turn],
    ) -> None:
        self.intents = intents
        self.checker = checker
        self.speaker = speaker
        self.llm = llm
        self.health = health
        self.new_turn = new_turn

    def __call__(self, speculation: Speculation) -> None:
        recognized, turn = self._recognize(speculation)
        speculation.settle_check(self._check(speculation, recognized))
        if turn is None or recognized is None:
            return
        turn.report.transcript = recognized.transcript
        try:
            speculation.settle_answer(HeldAnswer(said=self.llm.stream(turn, speculative=True)))
        except Exception as err:  # told by the turn that adopts it
            speculation.settle_answer(HeldAnswer(error=err))

    def _recognize(self, speculation: Speculation) -> tuple[Recognized | None, Turn | None]:
        """What the command so far says, and the turn begun if it is a question."""
        progress = speculation.progress
        try:
            with self.health.busy("speculation", RECOGNITION_DEADLINE_SECONDS):
                text = speculation.decode()
            transcript = strip_wake_phrase(text, progress.wake.wake_word)
            # Words after a question voiced asked are its answer, matched at the endpoint.
            command = bool(transcript) and not progress.follow_up
            match = self.intents.match(transcript) if command else None
            recognized = Recognized(transcript, transcript != text.strip(), match, time.monotonic())
        except Exception as err:  # the endpoint decodes it again
            log.warning("speculative recognition failed: %s", err)
            speculation.settle(None, None)
            return None, None

        def begin() -> Turn:
            return self.new_turn(progress.wake, True)

        # A question (a command that matches no intent): its answer can begin.
        return recognized, speculation.settle(recognized, begin if command and not match else None)

    def _check(self, speculation: Speculation, recognized: Recognized | None) -> HeardCheck | None:
        """For a command: its words synthesised ahead, and (meanwhile) the same audio
        decoded without the bias."""
        if recognized is None or recognized.match is None or speculation.discarded:
            return None
        match = recognized.match
        try:
            ahead = self.intents.ahead(match)
            if ahead.words:
                self.speaker.prepare(ahead.words)
            with self.health.busy("speculation", RECOGNITION_DEADLINE_SECONDS):
                wake_word = speculation.progress.wake.wake_word
                heard = self.checker.check(speculation.decode, match, wake_word, ahead)
        except Exception as err:  # unchecked is never acted on
            log.warning("preparing or checking the command failed: %s", err)
            return check_failed(err)
        if heard is None:
            self.decode_for_turn_end(speculation)
        return heard

    def decode_for_turn_end(self, speculation: Speculation) -> None:
        """A whole command the check does not decode again (it only reads: "what time is
        it?"): decoded without the bias all the same when the command pause is shorter than
        the short one, which it earns when that decoding says the same words with nothing
        after them and the voice is sure, or when such words count over a doubting voice
        (voiced/pause_judge.py). Only the decoder runs again (the encoder's output is kept).
        A failure here costs the command its shorter pause, never its answer."""
        turn_end = self.checker.config.turn_end
        if (
            not speculation.complete_command
            or speculation.discarded
            or not turn_end.enabled
            or (
                turn_end.command_pause_seconds >= turn_end.short_pause_seconds
                and not turn_end.clean_command_over_voice
            )
        ):
            return
        try:
            with self.health.busy("speculation", RECOGNITION_DEADLINE_SECONDS):
                speculation.decode.without_bias()
        except Exception as err:  # the end of turn keeps the short pause
            log.warning("decoding the command again for the end of turn failed: %s", err)
