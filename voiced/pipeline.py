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
from voiced.listener import HeardCommand, Listener
from voiced.llm import Generation
from voiced.models import Models
from voiced.report import TurnReport
from voiced.sentences import SentenceSplitter
from voiced.sources import AudioSource
from voiced.tts import AudioSink, Reply, Speaker

log = logging.getLogger(__name__)

# Far longer than one chunk or one command takes: past them, a stage is stuck.
LISTENING_DEADLINE_SECONDS = 5.0
# On stop, a reply in progress is cut and given this long to end.
STOP_GRACE_SECONDS = 2.0
RECOGNITION_DEADLINE_SECONDS = 30.0

APOLOGY = "Sorry, something went wrong with that."
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
        self, config: Config, models: Models, sink: AudioSink, health: Health | None = None
    ) -> None:
        self.config = config
        self.models = models
        self.health = health or Health()
        self.listener = Listener(
            models.wake, models.vad, models.recognizer, config.wake, config.endpoint
        )
        self.speaker = Speaker(models.tts, sink, self.health)
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
        report = TurnReport(
            wake_word=command.wake.wake_word,
            wake_at_s=command.wake.at_s,
            input=input_name,
            speech_end_at_s=command.speech_end_at_s,
            partials=list(command.partials),
            asr_engine=self.models.recognizer.name,
        )
        self._turns_started += 1
        turn_id = self._turns_started
        marks: dict[str, float | None] = {}
        reply: Reply | None = None
        spoken: list[str] = []
        try:
            self.status("thinking")
            with self.health.busy("recognition", RECOGNITION_DEADLINE_SECONDS):
                text = command.session.finish()
            marks["asr_final_s"] = time.monotonic()
            report.transcript = strip_wake_phrase(text, command.wake.wake_word)
            log.info(
                "turn %d heard: %r",
                turn_id,
                report.transcript,
                extra={"TURN_ID": turn_id, "STAGE": "recognition"},
            )
            if not report.transcript:
                return report
            reply = self.speaker.begin()
            report.answered_by = "llm"
            generation = self.models.llm.ask(report.transcript)
            self._current = (generation, reply)
            splitter = SentenceSplitter(self.config.tts.first_clause_min_chars)
            for piece in generation:
                for sentence in splitter.feed(piece):
                    self._speak(reply, sentence, spoken, marks)
            # Cut by the token cap: the unfinished last sentence is not spoken.
            if generation.finish_reason != "length" or not spoken:
                for sentence in splitter.flush():
                    self._speak(reply, sentence, spoken, marks)
            marks["llm_first_token_s"] = generation.first_token_at
            marks["llm_done_s"] = generation.done_at or time.monotonic()
            report.llm_completion_tokens = generation.completion_tokens
            if not spoken:
                self._speak(reply, NO_ANSWER, spoken, marks)
        except VoicedError as err:
            log.error(
                "turn %d failed: %s", turn_id, err, extra={"TURN_ID": turn_id, "STAGE": "turn"}
            )
            report.error = str(err)
            reply = reply or self.speaker.begin()
            self._speak(reply, APOLOGY, spoken, marks)
        finally:
            if reply is not None:
                self.status("speaking")
                self.speaker.end(reply)
                reply.wait()
                self._current = (None, None)
                marks["tts_first_audio_s"] = reply.first_audio_at
                marks["reply_done_s"] = time.monotonic()
                report.reply_audio_seconds = round(
                    reply.samples_spoken / self.models.tts.sample_rate, 3
                )
                if reply.error is not None and report.error is None:
                    report.error = str(reply.error)
                if reply.first_audio_at is not None:
                    report.latency_s = round(
                        reply.first_audio_at - command.speech_end_received_at, 3
                    )
            report.response = " ".join(spoken)
            report.timings = {
                "endpoint_wait_s": round(command.endpoint_at - command.speech_end_received_at, 3),
                **{
                    name: None if at is None else round(at - command.endpoint_at, 3)
                    for name, at in marks.items()
                },
            }
            log.info(
                "turn %d answered by %s, first audio after %s s",
                turn_id,
                report.answered_by,
                report.latency_s,
                extra={"TURN_ID": turn_id, "STAGE": "reply", "LATENCY_S": report.latency_s},
            )
            self.status("listening")
        return report

    def close(self) -> None:
        self.speaker.close()

    def _speak(
        self, reply: Reply, sentence: str, spoken: list[str], marks: dict[str, float | None]
    ) -> None:
        marks.setdefault("first_sentence_s", time.monotonic())
        spoken.append(sentence)
        self.speaker.say(reply, sentence)
