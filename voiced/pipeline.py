"""One spoken turn after another: the same pipeline for the microphone and for recordings."""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Callable

from voiced.asr import Decoder
from voiced.asr.heard_check import (
    ACT,
    ASK,
    NOT_CAUGHT,
    HeardCheck,
    check_failed,
    did_you_mean,
    judge,
)
from voiced.config import Config
from voiced.echo import Echo
from voiced.errors import VoicedError
from voiced.follow_up import FollowUp
from voiced.health import Health
from voiced.intents import Action, Choice, Confirmation, IntentMatch
from voiced.intents.engine import Ahead, IntentAnswer, IntentEngine
from voiced.intents.tools import ToolCallRefused, ToolCallSniffer, ToolGate
from voiced.listener import HeardCommand, Listener
from voiced.llm import Generation
from voiced.memory import give_back_freed_memory
from voiced.messages import AudioChunk, WakeDetected
from voiced.models import Models
from voiced.report import TurnReport
from voiced.sentences import SentenceSplitter
from voiced.sources import AudioSource
from voiced.speakable import CodeBlockFilter, speakable
from voiced.speculation import Speculation, Speculator
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
NOT_CONFIRMED = "Okay, I won't."


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
        self.echo = Echo(config.echo)
        self.speaker = Speaker(models.tts, self.echo.tap(sink), self.health)
        self.follow_up = FollowUp(config.conversation)
        self.intents = intents or IntentEngine(config, announce=self.announce)
        self.tool_gate = ToolGate(self.intents.registry, config.devices)
        vocabulary = self.intents.matcher.vocabulary() if config.asr.command_bias else None
        self.listener = Listener(
            models.wake, models.vad, models.recognizer, config.wake, config.endpoint, vocabulary
        )
        # What the daemon is doing, for systemd's STATUS= and the log.
        self.status: Callable[[str], None] = lambda text: log.debug("status: %s", text)
        self._turn_thread: threading.Thread | None = None
        self._turn_ids = itertools.count(1)
        self.speculator = Speculator(config.endpoint, self._speculate)
        # The turn being answered, so that it can be cut (barge-in, stop). A cut asked for
        # before the turn thread has its turn (it may still wait for a speculation's
        # decode) is kept and applied as the turn begins.
        self._current: _Turn | None = None
        self._current_lock = threading.Lock()
        self._cut_before_start = False
        # An action asked about ("Unlock the front door?"), done only on a yes said next.
        self._asked: IntentAnswer | None = None
        # A command that changes something, heard with the command bias, is acted on only
        # when a decoding without the bias agrees (voiced/asr/heard_check.py).
        self.check_heard = True

    def run(
        self,
        source: AudioSource,
        stop: threading.Event | None = None,
        input_name: Callable[[], str | None] = lambda: None,
    ) -> list[TurnReport]:
        """Listen to `source` until it ends or `stop` is set; return every turn's report."""
        turns: list[TurnReport] = []

        def answer(command: HeardCommand, speculated: tuple[Speculation | None, int]) -> None:
            report = self.answer(command, input_name(), *speculated)
            if not self.follow_up.ignored(report):
                turns.append(report)

        self.status("listening")
        self._cut_before_start = False
        chunks = self.echo.around(source).chunks()
        stopped = False
        for chunk in chunks:
            if stop is not None and stop.is_set():
                stopped = True
                break
            if self._turn_thread is not None:
                if self._turn_thread.is_alive():
                    self._listen_for_barge_in(chunk)
                    continue
                self._turn_thread = None
                self._listen_afresh(chunk.start_s)
            with self.health.busy("listening", LISTENING_DEADLINE_SECONDS):
                command = self.listener.feed(chunk) or self._follow_pause(source)
            if command is None:
                continue
            speculated = self.speculator.take(command.speech_end_at_s)
            if source.waits_for_replies:
                answer(command, speculated)
                self._listen_afresh(chunk.end_s)
            else:
                self._cut_before_start = False
                self._turn_thread = threading.Thread(
                    target=answer, args=(command, speculated), name="turn", daemon=True
                )
                self._turn_thread.start()
        chunks.close()  # releases the microphone now, not when collected
        if self._turn_thread is not None:
            if stopped:
                self._cancel_turn()
            self._turn_thread.join(STOP_GRACE_SECONDS if stopped else None)
            self._turn_thread = None
        if not stopped and (last := self.listener.end_of_input()) is not None:
            answer(last, self.speculator.take(last.speech_end_at_s))
        self.speculator.reset()
        self.listener.reset()
        return turns

    def _follow_pause(self, source: AudioSource) -> HeardCommand | None:
        """Speculate at a pause in the command being heard; end it there when it is a
        complete command (early end)."""
        progress = self.listener.progress
        started = self.speculator.update(progress)
        if started is not None and source.waits_for_replies:
            # Recordings are fed far faster than decoding takes: wait for it, so that
            # replays are repeatable (as if recognition took no audio time).
            started.ready.wait()
        current = self.speculator.current
        early_end_s = self.config.endpoint.early_end_seconds
        if (
            early_end_s > 0
            and progress is not None
            and progress.pause_s + 1e-9 >= early_end_s
            and current is not None
            and current.complete_command
        ):
            return self.listener.end_now()
        return None

    def _speculate(self, speculation: Speculation) -> None:
        """On the speculation thread: recognise the command so far; for a question, begin
        the answer, held unheard until the endpoint confirms it; for a command, synthesise
        the words it will say, and act only once it is confirmed."""
        progress = speculation.progress
        turn = None
        try:
            with self.health.busy("speculation", RECOGNITION_DEADLINE_SECONDS):
                text = speculation.decode()
            speculation.transcript = strip_wake_phrase(text, progress.wake.wake_word)
            speculation.woke = speculation.transcript != text.strip()
            if speculation.transcript and not progress.follow_up:
                speculation.match = self.intents.match(speculation.transcript)
            speculation.recognized_at = time.monotonic()
            if speculation.transcript and not progress.follow_up and not speculation.match:
                # A question: its answer can begin.
                with speculation.lock:
                    if not speculation.discarded:
                        turn = speculation.turn = _Turn(
                            next(self._turn_ids),
                            self.speaker,
                            self._new_report(progress.wake),
                            held=True,
                        )
        except Exception as err:  # the endpoint decodes it again
            log.warning("speculative recognition failed: %s", err)
        finally:
            # What the speculation is (a transcript, a match, an answer begun) is settled.
            speculation.ready.set()
        try:
            if speculation.match is not None and not speculation.discarded:
                ahead = self.intents.ahead(speculation.match)
                if ahead.words:
                    self.speaker.prepare(ahead.words)
                # While the words are synthesised: the same audio decoded without the bias.
                with self.health.busy("speculation", RECOGNITION_DEADLINE_SECONDS):
                    speculation.heard = self._check_heard(
                        speculation.decode, speculation.match, progress.wake.wake_word, ahead
                    )
        except Exception as err:  # unchecked is never acted on
            log.warning("preparing or checking the command failed: %s", err)
            speculation.heard = check_failed(err)
        finally:
            # The turn waits for this: it is set whatever happened above.
            speculation.checked.set()
        if turn is None:
            return
        turn.report.transcript = speculation.transcript
        try:
            speculation.reply_state = self._stream_llm(turn, speculative=True)
        except VoicedError as err:
            speculation.error = err

    def _listen_afresh(self, at_s: float) -> None:
        """After a reply: the wake word, or the answer to a question the reply asked, from
        `at_s` in the input."""
        self.speculator.reset()
        self.listener.reset()
        follow_up_s = self.follow_up.window_seconds()
        if self._asked is not None:
            self.listener.listen_without_wake(at_s, self.config.confirm.timeout_seconds)
        elif follow_up_s is not None:
            min_speech_s = self.config.conversation.min_speech_seconds
            self.listener.listen_without_wake(at_s, follow_up_s, min_speech_s)
        self.status("listening")

    def _listen_for_barge_in(self, chunk: AudioChunk) -> None:
        """While a turn is answered, only the wake word is listened for: heard, it cuts the
        reply and the new command is heard from there."""
        if not self.config.wake.barge_in:
            return
        with self.health.busy("listening", LISTENING_DEADLINE_SECONDS):
            self.listener.feed(chunk)
        if not self.listener.capturing or self._turn_thread is None:
            return
        log.info("wake word during the reply: cutting it")
        self._cancel_turn()
        self._turn_thread.join(STOP_GRACE_SECONDS)
        self._turn_thread = None
        self.status("listening")

    def _cancel_turn(self) -> None:
        """Cut the reply being produced: stop generating and drop the audio not yet played."""
        with self._current_lock:
            turn = self._current
            if turn is None:
                self._cut_before_start = True
        if turn is not None:
            turn.cancel()

    def _begin(self, turn: _Turn) -> None:
        """Make `turn` the one a barge-in cuts; cut it now if that was already asked."""
        with self._current_lock:
            self._current = turn
            cut, self._cut_before_start = self._cut_before_start, False
        if cut:
            turn.log("cut before it began", stage="turn")
            turn.cancel()

    def _new_report(self, wake: WakeDetected) -> TurnReport:
        return TurnReport(
            wake_word=wake.wake_word, wake_at_s=wake.at_s, asr_engine=self.models.recognizer.name
        )

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
        if speculation is not None:
            speculation.ready.wait()
            if not speculation.recognized:
                speculation = None  # the endpoint decodes the command itself
        # A question whose answer began during the silence.
        answering: _Turn | None = speculation.turn if speculation is not None else None
        turn = answering or _Turn(
            next(self._turn_ids), self.speaker, self._new_report(command.wake)
        )
        report = turn.report
        report.input = input_name
        report.speech_end_at_s = command.speech_end_at_s
        report.partials = list(command.partials)
        report.ended_early = command.ended_early
        report.speculations_discarded = discarded
        decode: Decoder | None = None
        self._begin(turn)
        try:
            self.status("thinking")
            if speculation is not None:
                report.speculation = "used"
                turn.marks["asr_final_s"] = speculation.recognized_at
                report.transcript = speculation.transcript
                woke = speculation.woke
            else:
                with self.health.busy("recognition", RECOGNITION_DEADLINE_SECONDS):
                    decode = command.session.final_decoder()
                    text = decode()
                turn.mark("asr_final_s")
                report.transcript = strip_wake_phrase(text, command.wake.wake_word)
                woke = report.transcript != text.strip()
            turn.log("heard: %r", report.transcript, stage="recognition")
            asked, self._asked = self._asked, None
            # "Hey Jarvis, ..." is a new command, not the answer to the question.
            if command.follow_up and asked is not None and not woke:
                self._answer_question(turn, asked)
                return report
            if asked is not None:
                turn.log("%s not confirmed in time: not done", asked.match.name, stage="intent")
            if command.follow_up and asked is None:
                decoder = speculation.decode if speculation is not None else decode
                if not self.follow_up.accepts(report, decoder.decodings if decoder else []):
                    return report
            if not report.transcript:
                return report
            if speculation is not None and answering is not None:
                # The answer began during the silence: now it may be heard.
                report.answered_by = "llm"
                self._adopt_llm_answer(answering, speculation)
                return report
            match = speculation.match if speculation is not None else None
            match = match or self.intents.match(report.transcript)
            if match is not None:
                # A command is answered by its handler at once, without the LLM.
                report.answered_by = "intent"
                self._carry_out(turn, match, self._heard(turn, command, speculation, decode, match))
            else:
                report.answered_by = "llm"
                self._ask_llm(turn)
        except VoicedError as err:
            turn.log("failed: %s", err, stage="turn", level=logging.ERROR)
            report.error = str(err)
            turn.speak(APOLOGY, cached=True)
        finally:
            if turn.reply is not None:
                self.status("speaking")
                self._finish_reply(turn, command)
            report.response = " ".join(turn.spoken)
            report.interrupted = turn.cancelled
            report.timings = {
                "endpoint_wait_s": round(command.endpoint_at - command.speech_end_received_at, 3),
                **{
                    name: None if at is None else round(at - command.endpoint_at, 3)
                    for name, at in turn.marks.items()
                },
            }
            report.after_endpoint_s = report.timings.get("tts_first_audio_s")
            decoder = speculation.decode if speculation is not None else decode
            report.decodes = [] if decoder is None else [d.to_json() for d in decoder.decodings]
            turn.log(
                "answered by %s, first audio after %s s",
                report.answered_by,
                report.latency_s,
                stage="reply",
                LATENCY_S=report.latency_s,
            )
            self._current = None
            self.follow_up.answered(report)
            give_back_freed_memory()
            self.status("listening")
        return report

    def _heard(
        self,
        turn: _Turn,
        command: HeardCommand,
        speculation: Speculation | None,
        decode: Decoder | None,
        match: IntentMatch,
    ) -> HeardCheck | None:
        """The check of a biased command's audio: made during the silence by the
        speculation, else here."""
        if speculation is not None and speculation.match is not None:
            speculation.checked.wait()
            heard = speculation.heard
        elif (
            self.check_heard
            and self.config.asr.command_bias
            and (decoder := speculation.decode if speculation else decode) is not None
        ):
            try:
                with self.health.busy("recognition", RECOGNITION_DEADLINE_SECONDS):
                    heard = self._check_heard(
                        decoder, match, command.wake.wake_word, self.intents.ahead(match)
                    )
            except Exception as err:  # unchecked is never acted on; the turn goes on
                turn.log("second decoding failed: %s", err, stage="recognition")
                heard = check_failed(err)
        else:
            return None
        if heard is not None:
            turn.mark("heard_check_s")
            turn.report.heard_check = heard.to_json()
            turn.log("heard check: %s (%s)", heard.decision, heard.reason, stage="recognition")
        return heard

    def _check_heard(
        self, decode: Decoder, match: IntentMatch, wake_word: str, ahead: Ahead
    ) -> HeardCheck | None:
        """For a command that would change something: decode its audio again without the
        command bias and compare the meanings. None when there is nothing to check (no
        bias, or an intent that only reads or asks anyway)."""
        if not (self.check_heard and self.config.asr.command_bias and ahead.acts):
            return None
        text = decode.without_bias()
        if text is None:
            return None
        unbiased_text = strip_wake_phrase(text, wake_word)
        unbiased = self.intents.match(unbiased_text) if unbiased_text else None
        device = next((d for d in self.config.devices if d.id == match.slots.get("name")), None)
        return judge(
            (match.name, match.slots),
            unbiased_text,
            None if unbiased is None else (unbiased.name, unbiased.slots),
            [] if device is None else [device.name, *device.aliases],
        )

    def _carry_out(self, turn: _Turn, match: IntentMatch, heard: HeardCheck | None = None) -> None:
        turn.report.intent = {"name": match.name, "slots": match.slots}
        if heard is not None and heard.decision != ACT:
            self._withhold(turn, match, heard)
            return
        answer = self.intents.answer(match)
        turn.mark("intent_done_s")
        turn.report.error = answer.error
        if answer.confirmation is not None:
            turn.report.confirmation = "asked"
            self._asked = answer
        turn.speak(answer.response, cached=True)

    def _withhold(self, turn: _Turn, match: IntentMatch, heard: HeardCheck) -> None:
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
        self._asked = IntentAnswer(
            match, question, done=False, confirmation=Confirmation(question, act)
        )
        turn.report.confirmation = "asked"
        turn.mark("intent_done_s")
        turn.speak(question)

    def _answer_question(self, turn: _Turn, asked: IntentAnswer) -> None:
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

    def _ask_llm(self, turn: _Turn) -> None:
        self._act_on_llm_answer(turn, self._stream_llm(turn))

    def _adopt_llm_answer(self, turn: _Turn, speculation: Speculation) -> None:
        """Release the answer begun during the silence, and let it run to its end."""
        turn.release()
        speculation.finished()
        if turn.generation is not None:
            self.models.llm.remember(turn.generation)
        if speculation.error is not None:
            raise speculation.error
        self._act_on_llm_answer(turn, speculation.reply_state)

    def _stream_llm(self, turn: _Turn, speculative: bool = False) -> ToolCallSniffer:
        """Ask the LLM and speak its answer as it comes; a tool call is held back whole."""
        # A reply that is a tool call is held back and checked, never spoken.
        sniffer = ToolCallSniffer()
        if turn.cancelled:  # cut before it was asked: the model is not woken for nothing
            turn.report.llm_finish_reason = "cancelled"
            return sniffer
        generation = turn.generation = self.models.llm.ask(turn.report.transcript, speculative)
        if turn.cancelled:  # cut while it was being asked
            generation.cancel()
        splitter = SentenceSplitter(self.config.tts.first_clause_min_chars)
        code = CodeBlockFilter()
        for piece in generation:
            for sentence in splitter.feed(code.feed(sniffer.feed(piece))):
                self._speak_text(turn, sentence)
        # Cut by the token cap or the time limit: the unfinished last sentence is not spoken.
        if generation.finish_reason not in ("length", "timeout") or not turn.spoken:
            rest = code.feed(sniffer.flush()) + code.flush()
            for sentence in [*splitter.feed(rest), *splitter.flush()]:
                self._speak_text(turn, sentence)
        turn.marks["llm_first_token_s"] = generation.first_token_at
        turn.marks["llm_done_s"] = generation.done_at or time.monotonic()
        turn.report.llm_completion_tokens = generation.completion_tokens
        if generation.exchange is not None:
            turn.report.llm_reply = generation.exchange.assistant
        turn.report.llm_prompt_tokens = generation.prompt_tokens
        turn.report.llm_prompt_tokens_evaluated = generation.prompt_tokens_evaluated
        turn.report.llm_finish_reason = generation.finish_reason
        return sniffer

    def _act_on_llm_answer(self, turn: _Turn, sniffer: ToolCallSniffer) -> None:
        """After the answer: carry out a tool call it was, or apologise for no answer."""
        if turn.cancelled:
            return
        if sniffer.is_call:
            self._act_on_tool_call(turn, sniffer.call_text)
        elif not turn.spoken:
            turn.speak(NO_ANSWER, cached=True)

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
            turn.speak(REFUSED, cached=True)
            return
        self._carry_out(turn, match)

    def _finish_reply(self, turn: _Turn, command: HeardCommand) -> None:
        reply, report = turn.reply, turn.report
        if reply is None:
            return
        self.speaker.end(reply)
        reply.wait()
        self._current = None
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
        self.speculator.close()
        self.intents.close()
        self.speaker.close()
        self.echo.close()


class _Turn:
    """One turn in progress: its report, stage marks, reply and the sentences spoken."""

    def __init__(
        self, turn_id: int, speaker: Speaker, report: TurnReport, held: bool = False
    ) -> None:
        self.turn_id = turn_id
        self.speaker = speaker
        self.report = report
        # A speculative turn's reply is prepared but not played until it is released.
        self.held = held
        self._reply_lock = threading.Lock()
        self.marks: dict[str, float | None] = {}
        self.reply: Reply | None = None
        self.generation: Generation | None = None
        self.spoken: list[str] = []
        self.cancelled = False

    def begin(self) -> Reply:
        with self._reply_lock:
            if self.reply is None:
                self.reply = self.speaker.begin(held=self.held)
                if self.cancelled:
                    self.reply.cancelled.set()
            return self.reply

    def release(self) -> None:
        with self._reply_lock:
            self.held = False
            if self.reply is not None:
                self.reply.released.set()

    def cancel(self) -> None:
        """Stop generating and drop the audio not yet played (also of what comes later)."""
        self.cancelled = True
        if self.generation is not None:
            self.generation.cancel()
        if self.reply is not None:
            self.reply.cancelled.set()

    def mark(self, stage: str) -> None:
        self.marks[stage] = time.monotonic()

    def speak(self, sentence: str, cached: bool = False) -> None:
        """Say a sentence; a `cached` one (a fixed phrase, a command's confirmation) is
        kept by the voice and said at once the next time."""
        self.marks.setdefault("first_sentence_s", time.monotonic())
        self.spoken.append(sentence)
        self.speaker.say(self.begin(), sentence, cached)

    def log(
        self, message: str, *args: object, stage: str, level: int = logging.INFO, **fields: object
    ) -> None:
        # Under systemd these become journal fields: TURN_ID, STAGE, LATENCY_S.
        extra = {"TURN_ID": self.turn_id, "STAGE": stage, **fields}
        log.log(level, f"turn %d {message}", self.turn_id, *args, extra=extra)
