"""One spoken turn after another: the same pipeline for the microphone and for recordings.

A facade over voiced/turn/: it builds the parts once and wires them together; the work
is theirs (the table of threads is in voiced/turn/loop.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from voiced.config import Config
from voiced.echo import Echo
from voiced.follow_up import FollowUp
from voiced.health import Health
from voiced.intents.engine import IntentEngine
from voiced.intents.tools import ToolGate
from voiced.listener import HeardCommand, Listener
from voiced.pause_judge import PauseJudge, listening_endpoint
from voiced.report import TurnReport
from voiced.sources import AudioSource
from voiced.speculation import Speculation, Taken
from voiced.timers import Timers
from voiced.tts import AudioSink
from voiced.turn.heard import HeardChecker, strip_wake_phrase
from voiced.turn.intent import IntentResponder, Questions
from voiced.turn.llm import LlmResponder
from voiced.turn.loop import TurnLoop, start_speaker, start_speculator
from voiced.turn.ports import Engines
from voiced.turn.router import Router
from voiced.turn.speculate import SpeculativeWork
from voiced.volume import Volume
from voiced.wake import OwnVoice

__all__ = ["Pipeline", "strip_wake_phrase"]

log = logging.getLogger(__name__)


class Pipeline:
    """The wake word, the command heard, and its answer spoken, turn after turn."""

    def __init__(
        self,
        config: Config,
        models: Engines,
        sink: AudioSink,
        health: Health | None = None,
        intents: IntentEngine | None = None,
        timers: Timers | None = None,
    ) -> None:
        self.config = config
        self.models = models
        self.health = health or Health()
        # The played audio is the echo canceller's reference (voiced/echo.py).
        self.echo = Echo(config.echo)
        # voiced saying the wake word's name ("I am Jarvis") must not cut its own reply.
        self.own_voice = OwnVoice(models.wake.name)
        # How loud voiced speaks: the speaker plays at it, the volume intent sets it.
        self.volume = intents.volume if intents else Volume(config.state_file.volume_file)
        self.speaker = start_speaker(
            models.tts, self.echo.tap(sink), self.health, self.own_voice, self.volume
        )
        try:
            self._build(config, models, intents, timers)
        except BaseException:
            # A part that fails to build (a bad plugin, a device back end) leaves no threads.
            self.close()
            raise

    def _build(
        self,
        config: Config,
        models: Engines,
        intents: IntentEngine | None,
        timers: Timers | None,
    ) -> None:
        # After an answer, a few seconds to go on without the wake word.
        self.follow_up = FollowUp(config.conversation)
        # `timers`: the running pipeline's, borrowed by a reload (IntentEngine).
        self.intents = intents or IntentEngine(
            config, announce=self.announce, timers=timers, volume=self.volume
        )
        vocabulary = self.intents.matcher.vocabulary() if config.asr.command_bias else None
        endpoint = listening_endpoint(config.endpoint, config.turn_end)
        self.listener = Listener(
            models.wake,
            models.vad,
            models.recognizer,
            config.wake,
            endpoint,
            vocabulary,
            self.own_voice,
        )
        # Whether a pause ends the command: the voice and the words (voiced/turn_end.py).
        self.pause_judge = PauseJudge(config.turn_end, config.endpoint, models.smart_turn)
        # What the daemon is doing, for systemd's STATUS= and the log.
        self.status: Callable[[str], None] = lambda text: log.debug("status: %s", text)
        # Each turn's report when it ends (voiced's entities in Home Assistant show it).
        self.on_turn_done: Callable[[TurnReport], None] = lambda report: None
        # A command that changes something, heard with the command bias, is acted on only
        # when a decoding without the bias agrees (voiced/asr/heard_check.py).
        self.checker = HeardChecker(config, self.intents, self.health)
        intent = IntentResponder(self.intents, self.checker, Questions())
        tool_gate = ToolGate(self.intents.registry, config.devices)
        llm = LlmResponder(config, models.llm, tool_gate, intent.carry_out)
        self.router = Router(
            models,
            self.speaker,
            self.intents,
            intent,
            llm,
            self.health,
            self._status,
            self.follow_up,
        )
        self.router.turn_done = self._turn_done
        work = SpeculativeWork(
            self.intents, self.checker, self.speaker, llm, self.health, self.router.new_turn
        )
        self.speculator = start_speculator(config.endpoint, work)
        self.loop = TurnLoop(
            config,
            self.listener,
            self.speculator,
            self._answer_taken,
            self.router.current,
            self.router.questions,
            self.health,
            self._status,
            self.pause_judge,
            self.echo,
            self.follow_up,
            self.speaker.floor,
        )

    @property
    def idle(self) -> bool:
        """No command is being heard (nor an answer or a follow-up awaited), no turn is
        being answered, and nothing is being announced (closing the speaker for a reload
        would drop it). Asked on the listening thread, between chunks."""
        return (
            not self.listener.capturing and not self.loop.answering and not self.speaker.announcing
        )

    @property
    def quiet(self) -> bool:
        """Between two runs of the loop (the microphone lost or the loop stopped): no turn
        is still being answered and nothing is announced. A reload may close it now."""
        return not self.loop.turn_running and not self.speaker.announcing

    @property
    def check_heard(self) -> bool:
        return self.checker.enabled

    @check_heard.setter
    def check_heard(self, enabled: bool) -> None:
        self.checker.enabled = enabled

    def run(
        self,
        source: AudioSource,
        stop: threading.Event | None = None,
        input_name: Callable[[], str | None] = lambda: None,
    ) -> list[TurnReport]:
        """Listen to `source` until it ends or `stop` is set; return every turn's report."""
        return self.loop.run(source, stop, input_name)

    def answer(
        self,
        command: HeardCommand,
        input_name: str | None = None,
        speculation: Speculation | None = None,
        discarded: int = 0,
    ) -> TurnReport:
        """Recognise, answer and speak one command. Never raises: a failed turn is reported."""
        return self.router.answer(command, input_name, speculation, discarded)

    def announce(self, text: str, wanted: Callable[[], bool] | None = None) -> None:
        """Speak something nobody asked for just now (a timer ending, an MQTT say): between
        turns, so the caller's thread waits for the turn in progress (Speaker.speak), and
        drops it if `wanted` then says it no longer is."""
        log.info("announcing: %s", text)
        # A timer that ended while voiced was down rings while the intent engine is still
        # being built (its timers start in its constructor): there is none to tell yet.
        intents: IntentEngine | None = getattr(self, "intents", None)

        def said() -> None:  # for "what did you say?"; not when it is dropped
            if intents is not None:
                intents.last_said = text

        reply = self.speaker.speak(text, wanted=wanted, queued=said)
        if intents is None or not (reply.cancelled.is_set() and self.speaker.closing):
            return
        # Closed for a reload that took the timers over: the new pipeline says it (a timer
        # already taken off the table would otherwise never ring).
        successor = intents.timers.announce
        if successor != self.announce:
            log.info("announcement handed to the reloaded pipeline")
            successor(text, wanted=wanted)

    def close(self) -> None:
        # Also called on a half-built pipeline: only what exists is closed.
        for part in ("speculator", "intents", "speaker", "echo"):
            if hasattr(self, part):
                getattr(self, part).close()

    def _answer_taken(
        self, command: HeardCommand, input_name: str | None, taken: Taken
    ) -> TurnReport:
        return self.answer(command, input_name, taken.speculation, taken.discarded)

    # Looked up on each call: the daemon sets `status` and `on_turn_done` after the
    # pipeline is built.
    def _status(self, text: str) -> None:
        self.status(text)

    def _turn_done(self, report: TurnReport) -> None:
        self.on_turn_done(report)
