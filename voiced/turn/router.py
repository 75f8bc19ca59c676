"""One heard command, answered: recognised (or adopted from the speculation at its
pause), then routed to the responder that answers it, and reported."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from voiced.asr import Decoder
from voiced.errors import VoicedError
from voiced.follow_up import FollowUp
from voiced.health import Health
from voiced.intents import REPEAT_INTENT
from voiced.intents.engine import IntentEngine
from voiced.listener import HeardCommand
from voiced.memory import give_back_freed_memory
from voiced.messages import WakeDetected
from voiced.report import TurnReport
from voiced.speaker import Speaker
from voiced.speculation import HeldAnswer, Recognized, Speculation
from voiced.turn.heard import RECOGNITION_DEADLINE_SECONDS, strip_wake_phrase
from voiced.turn.intent import IntentResponder, Questions
from voiced.turn.llm import LlmResponder
from voiced.turn.ports import Engines
from voiced.turn.record import close_report, new_report, record_command, record_reply
from voiced.turn.turn import CurrentTurn, Turn

APOLOGY = "Sorry, something went wrong with that."


class Router:
    """Answers one command at a time, on the turn thread (or the listening thread, for a
    recording that waits for each reply). Hands a begun turn to `current` so that a
    barge-in can cut it, and a question it asks to `questions`."""

    def __init__(
        self,
        engines: Engines,
        speaker: Speaker,
        intents: IntentEngine,
        intent: IntentResponder,
        llm: LlmResponder,
        health: Health,
        status: Callable[[str], None],
        follow_up: FollowUp,
    ) -> None:
        self.engines = engines
        self.follow_up = follow_up
        self.speaker = speaker
        self.intents = intents
        self.intent = intent
        self.llm = llm
        self.health = health
        self.status = status
        # Told each turn's report as the turn ends (on the turn thread).
        self.turn_done: Callable[[TurnReport], None] = lambda report: None
        self.current = CurrentTurn()
        self.questions: Questions = intent.questions
        self._ids_lock = threading.Lock()
        self._last_id = 0

    def new_turn(self, wake: WakeDetected, held: bool = False) -> Turn:
        """A turn for a command woken by `wake` (on the turn or the speculation thread)."""
        with self._ids_lock:
            self._last_id += 1
            turn_id = self._last_id
        report = new_report(wake, self.engines.recognizer.name)
        return Turn(turn_id, self.speaker, report, held=held)

    def answer(
        self,
        command: HeardCommand,
        input_name: str | None = None,
        speculation: Speculation | None = None,
        discarded: int = 0,
    ) -> TurnReport:
        """Recognise, answer and speak one command. Never raises: a failed turn is reported.
        A `speculation` on the whole command is adopted: its transcript, and the answer
        it began to a question."""
        recognized = speculation.wait_recognized() if speculation is not None else None
        if recognized is None:
            speculation = None  # the endpoint decodes the command itself
        # A question whose answer began during the silence.
        answering = speculation.turn() if speculation is not None else None
        turn = answering or self.new_turn(command.wake)
        report = turn.report
        decode: Decoder | None = None
        held: HeldAnswer | None = None
        self.current.begin(turn)
        try:
            self.status("thinking")
            if speculation is not None and answering is not None:
                # The speculation thread streams the answer into this turn: heard from
                # now on, and the turn thread's own once the stream has ended. What was
                # heard is logged now, at the endpoint, not when the answer is done.
                turn.release()
                heard = recognized.transcript if recognized is not None else ""
                turn.log("heard: %r", heard, stage="recognition")
                held = speculation.finished()
            record_command(report, command, input_name, discarded)
            if recognized is not None:
                report.speculation = "used"
                turn.reached("asr_final_s", recognized.at)
                report.transcript, woke = recognized.transcript, recognized.woke
            else:
                with self.health.busy("recognition", RECOGNITION_DEADLINE_SECONDS):
                    decode = command.session.final_decoder()
                    text = decode()
                turn.mark("asr_final_s")
                report.transcript = strip_wake_phrase(text, command.wake.wake_word)
                woke = report.transcript != text.strip()
            if held is None:
                turn.log("heard: %r", report.transcript, stage="recognition")
            self._route(turn, command, woke, speculation, recognized, held, decode)
        except Exception as err:  # a turn always ends cleanly, with an apology
            # An error of a stage is told in its message; anything else needs its trace.
            trace = None if isinstance(err, VoicedError) else err
            turn.log("failed: %s", err, stage="turn", level=logging.ERROR, exc_info=trace)
            report.error = str(err)
            turn.speak(APOLOGY, cached=True)
        finally:
            self._finish(turn, command, speculation.decode if speculation else decode)
        return report

    def _route(
        self,
        turn: Turn,
        command: HeardCommand,
        woke: bool,
        speculation: Speculation | None,
        recognized: Recognized | None,
        held: HeldAnswer | None,
        decode: Decoder | None,
    ) -> None:
        """Who answers: the question asked last turn, the answer begun in the silence, a
        matched intent, or the LLM."""
        report = turn.report
        asked = self.questions.take()
        if asked is not None and self._asks_to_repeat(report.transcript):
            # "What did you say?" to a question: said again, and still waiting for its answer.
            self.questions.ask(asked)
            asked = None
        # "Hey Jarvis, ..." is a new command, not the answer to the question.
        if command.follow_up and asked is not None and not woke:
            self.intent.answer_question(turn, asked)
            return
        if asked is not None:
            turn.log("%s not confirmed in time: not done", asked.match.name, stage="intent")
        if command.follow_up and asked is None:
            # Heard in the window after an answer, with no wake word: a turn only when it
            # is clearly speech meant for voiced (voiced/follow_up.py).
            decoder = speculation.decode if speculation is not None else decode
            if not self.follow_up.accepts(report, decoder.decodings if decoder else []):
                return
        if not report.transcript:
            return
        if held is not None:
            # The answer began during the silence, and was heard as it went on.
            report.answered_by = "llm"
            self.llm.adopt(turn, held)
            return
        match = recognized.match if recognized is not None else None
        match = match or self.intents.match(report.transcript)
        if match is not None:
            # A command is answered by its handler at once, without the LLM.
            report.answered_by = "intent"
            wake_word = command.wake.wake_word
            heard = self.intent.heard(turn, wake_word, speculation, decode, match)
            self.intent.carry_out(turn, match, heard)
        else:
            report.answered_by = "llm"
            self.llm.answer(turn)

    def _asks_to_repeat(self, transcript: str) -> bool:
        match = self.intents.match(transcript) if transcript else None
        return match is not None and match.name == REPEAT_INTENT

    def _finish(self, turn: Turn, command: HeardCommand, decoder: Decoder | None) -> None:
        """Play the reply to its end and close the report; the turn can no longer be cut."""
        reply = turn.reply
        if reply is not None:
            self.status("speaking")
            self.speaker.end(reply)
            reply.wait()
            self.current.end(turn)
            record_reply(turn, reply, self.engines.tts.sample_rate, command)
        self.llm.keep(turn)
        report = close_report(turn, command, [] if decoder is None else decoder.decodings)
        turn.log(
            "answered by %s, first audio after %s s",
            report.answered_by,
            report.latency_s,
            stage="reply",
            LATENCY_S=report.latency_s,
        )
        self.current.end(turn)
        self.follow_up.answered(report)
        give_back_freed_memory()
        # Speech judged not meant for voiced is nobody's business: not shown anywhere.
        if not self.follow_up.rejected(report):
            if report.response:  # for "repeat that"
                self.intents.last_said = report.response
            self.turn_done(report)
        self.status("listening")
