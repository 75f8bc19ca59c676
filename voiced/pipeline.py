"""One spoken turn after another: the same pipeline for the microphone and for recordings."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from voiced.config import Config
from voiced.errors import VoicedError
from voiced.health import Health
from voiced.intents import IntentMatch
from voiced.intents.engine import IntentEngine
from voiced.intents.tools import ToolCallRefused, ToolCallSniffer, ToolGate
from voiced.listener import HeardCommand, Listener
from voiced.llm import Generation
from voiced.models import Models
from voiced.report import TurnReport
from voiced.sentences import SentenceSplitter
from voiced.sources import AudioSource
from voiced.speakable import CodeBlockFilter, speakable
from voiced.tts import AudioSink, Reply, Speaker

log = logging.getLogger(__name__)

# Far longer than one chunk or one command takes: past them, a stage is stuck.
LISTENING_DEADLINE_SECONDS = 5.0
# On stop, a reply in progress is cut and given this long to end.
STOP_GRACE_SECONDS = 2.0
RECOGNITION_DEADLINE_SECONDS = 30.0

APOLOGY = "Sorry, something went wrong with that."
REFUSED = "Sorry, I can't do that."
NO_ANSWER = "Sorry, I have no answer to that."


def strip_wake_phrase(text: str, wake_word: str) -> str:
    """Drop the wake phrase (or its tail) that the pre-roll lets into the transcript."""
    phrase = wake_word.lower().split("_")
    words = text.split()
    heard = [re.sub(r"\W", "", word.lower()) for word in words[: len(phrase)]]
    # The whole phrase, or its tail when the pre-roll caught only the end of it.
    for start in range(len(phrase)):
        tail = phrase[start:]
        if heard[: len(tail)] == tail:
            rest = " ".join(words[len(tail) :]).lstrip(" ,.!?;:-")
            return rest[:1].upper() + rest[1:]
    return text.strip()


class Pipeline:
    def __init__(
        self,
        config: Config,
        models: Models,
        sink: AudioSink,
        health: Health | None = None,
        intents: IntentEngine | None = None,
    ) -> None:
        self.config = config
        self.models = models
        self.health = health or Health()
        self.speaker = Speaker(models.tts, sink, self.health)
        self.intents = intents or IntentEngine(config, announce=self.announce)
        self.tool_gate = ToolGate(self.intents.registry, config.devices)
        vocabulary = self.intents.matcher.vocabulary() if config.asr.command_bias else None
        self.listener = Listener(
            models.wake, models.vad, models.recognizer, config.wake, config.endpoint, vocabulary
        )
        # What the daemon is doing, for systemd's STATUS= and the log.
        self.status: Callable[[str], None] = lambda text: log.debug("status: %s", text)
        self._turn_thread: threading.Thread | None = None
        self._turns_started = 0
        # The generation and reply of the turn in progress, so that it can be cut.
        self._current: tuple[Generation | None, Reply | None] = (None, None)

    def run(
        self,
        source: AudioSource,
        stop: threading.Event | None = None,
        input_name: Callable[[], str | None] = lambda: None,
    ) -> list[TurnReport]:
        """Listen to `source` until it ends or `stop` is set; return every turn's report."""
        turns: list[TurnReport] = []

        def answer(command: HeardCommand) -> None:
            turns.append(self.answer(command, input_name()))

        self.status("listening")
        chunks = source.chunks()
        stopped = False
        for chunk in chunks:
            if stop is not None and stop.is_set():
                stopped = True
                break
            if self._turn_thread is not None:
                if self._turn_thread.is_alive():
                    continue  # the reply is being spoken: its own sound must not wake us
                self._turn_thread = None
                self.listener.reset()
                self.status("listening")
            with self.health.busy("listening", LISTENING_DEADLINE_SECONDS):
                command = self.listener.feed(chunk)
            if command is None:
                continue
            if source.waits_for_replies:
                answer(command)
                self.listener.reset()
            else:
                self._turn_thread = threading.Thread(
                    target=answer, args=(command,), name="turn", daemon=True
                )
                self._turn_thread.start()
        chunks.close()  # releases the microphone now, not when collected
        if self._turn_thread is not None:
            if stopped:
                self._cancel_turn()
            self._turn_thread.join(STOP_GRACE_SECONDS if stopped else None)
            self._turn_thread = None
        if not stopped and (last := self.listener.end_of_input()) is not None:
            answer(last)
        self.listener.reset()
        return turns

    def _cancel_turn(self) -> None:
        """Cut the reply being produced: stop generating and drop the audio not yet played."""
        generation, reply = self._current
        if generation is not None:
            generation.cancel()
        if reply is not None:
            reply.cancelled.set()

    def answer(self, command: HeardCommand, input_name: str | None = None) -> TurnReport:
        """Recognise, answer and speak one command. Never raises: a failed turn is reported."""
        self._turns_started += 1
        turn = _Turn(
            self._turns_started,
            self.speaker,
            TurnReport(
                wake_word=command.wake.wake_word,
                wake_at_s=command.wake.at_s,
                input=input_name,
                speech_end_at_s=command.speech_end_at_s,
                partials=list(command.partials),
                asr_engine=self.models.recognizer.name,
            ),
        )
        report = turn.report
        try:
            self.status("thinking")
            with self.health.busy("recognition", RECOGNITION_DEADLINE_SECONDS):
                text = command.session.finish()
            turn.mark("asr_final_s")
            report.transcript = strip_wake_phrase(text, command.wake.wake_word)
            turn.log("heard: %r", report.transcript, stage="recognition")
            if not report.transcript:
                return report
            match = self.intents.match(report.transcript)
            if match is not None:
                # A command is answered by its handler at once, without the LLM.
                report.answered_by = "intent"
                self._carry_out(turn, match)
            else:
                report.answered_by = "llm"
                self._ask_llm(turn)
        except VoicedError as err:
            turn.log("failed: %s", err, stage="turn", level=logging.ERROR)
            report.error = str(err)
            turn.speak(APOLOGY)
        finally:
            if turn.reply is not None:
                self.status("speaking")
                self._finish_reply(turn, command)
            report.response = " ".join(turn.spoken)
            report.timings = {
                "endpoint_wait_s": round(command.endpoint_at - command.speech_end_received_at, 3),
                **{
                    name: None if at is None else round(at - command.endpoint_at, 3)
                    for name, at in turn.marks.items()
                },
            }
            turn.log(
                "answered by %s, first audio after %s s",
                report.answered_by,
                report.latency_s,
                stage="reply",
                LATENCY_S=report.latency_s,
            )
            self.status("listening")
        return report

    def _carry_out(self, turn: _Turn, match: IntentMatch) -> None:
        turn.report.intent = {"name": match.name, "slots": match.slots}
        answer = self.intents.answer(match)
        turn.mark("intent_done_s")
        turn.speak(answer.response)

    def _ask_llm(self, turn: _Turn) -> None:
        generation = self.models.llm.ask(turn.report.transcript)
        self._current = (generation, turn.begin())
        splitter = SentenceSplitter(self.config.tts.first_clause_min_chars)
        # A reply that is a tool call is held back and checked, never spoken.
        sniffer = ToolCallSniffer()
        code = CodeBlockFilter()
        for piece in generation:
            for sentence in splitter.feed(code.feed(sniffer.feed(piece))):
                self._speak_text(turn, sentence)
        # Cut by the token cap: the unfinished last sentence is not spoken.
        if generation.finish_reason != "length" or not turn.spoken:
            rest = code.feed(sniffer.flush()) + code.flush()
            for sentence in [*splitter.feed(rest), *splitter.flush()]:
                self._speak_text(turn, sentence)
        turn.marks["llm_first_token_s"] = generation.first_token_at
        turn.marks["llm_done_s"] = generation.done_at or time.monotonic()
        turn.report.llm_completion_tokens = generation.completion_tokens
        if sniffer.is_call:
            self._act_on_tool_call(turn, sniffer.call_text)
        elif not turn.spoken:
            turn.speak(NO_ANSWER)

    def _speak_text(self, turn: _Turn, sentence: str) -> None:
        """Speak a sentence of the model's, without its markdown, emoji and URLs."""
        spoken = speakable(sentence)
        if spoken:
            turn.speak(spoken)

    def _act_on_tool_call(self, turn: _Turn, output: str) -> None:
        try:
            match = self.tool_gate.check(output)
        except ToolCallRefused as err:
            turn.log("tool call refused: %s", err, stage="llm", level=logging.WARNING)
            turn.speak(REFUSED)
            return
        self._carry_out(turn, match)

    def _finish_reply(self, turn: _Turn, command: HeardCommand) -> None:
        reply, report = turn.reply, turn.report
        if reply is None:
            return
        self.speaker.end(reply)
        reply.wait()
        self._current = (None, None)
        turn.marks["tts_first_audio_s"] = reply.first_audio_at
        turn.mark("reply_done_s")
        report.reply_audio_seconds = round(reply.samples_spoken / self.models.tts.sample_rate, 3)
        if reply.error is not None and report.error is None:
            report.error = str(reply.error)
        if reply.first_audio_at is not None:
            report.latency_s = round(reply.first_audio_at - command.speech_end_received_at, 3)

    def announce(self, text: str) -> None:
        """Speak something nobody asked for just now (a timer ending)."""
        log.info("announcing: %s", text)
        self.speaker.speak(text)

    def close(self) -> None:
        self.intents.close()
        self.speaker.close()


class _Turn:
    """One turn in progress: its report, stage marks, reply and the sentences spoken."""

    def __init__(self, turn_id: int, speaker: Speaker, report: TurnReport) -> None:
        self.turn_id = turn_id
        self.speaker = speaker
        self.report = report
        self.marks: dict[str, float | None] = {}
        self.reply: Reply | None = None
        self.spoken: list[str] = []

    def begin(self) -> Reply:
        if self.reply is None:
            self.reply = self.speaker.begin()
        return self.reply

    def mark(self, stage: str) -> None:
        self.marks[stage] = time.monotonic()

    def speak(self, sentence: str) -> None:
        self.marks.setdefault("first_sentence_s", time.monotonic())
        self.spoken.append(sentence)
        self.speaker.say(self.begin(), sentence)

    def log(
        self, message: str, *args: object, stage: str, level: int = logging.INFO, **fields: object
    ) -> None:
        # Under systemd these become journal fields: TURN_ID, STAGE, LATENCY_S.
        extra = {"TURN_ID": self.turn_id, "STAGE": stage, **fields}
        log.log(level, f"turn %d {message}", self.turn_id, *args, extra=extra)
