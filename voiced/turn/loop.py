"""The listening loop, and the only code of the turn that starts threads.

Whoever starts a thread owns it. The threads of a running pipeline:

| thread: started by          | owns                              | joined to the others by      |
|-----------------------------|-----------------------------------|------------------------------|
| listening: the caller of    | the Listener (wake word, VAD, the | the speculation queue        |
| `TurnLoop.run` (the daemon's| recogniser's sessions), the       | (Speculation, Stop);         |
| main thread, replay)        | Speculator, the turn thread       | CurrentTurn's lock (a cut);  |
|                             |                                   | Questions' lock; OwnVoice's  |
|                             |                                   | lock (voiced says the name)  |
| turn: `TurnLoop.run`, one a | its Turn and report, the intent   | Speculation events (ready,   |
| command (HeardCommand,      | engine's calls for it             | checked, done); the speaker's|
| Taken)                      |                                   | sentence queue               |
| speculation:                | the Speculation it works on, a    | its queue in; Speculation    |
| `start_speculator`          | question's Turn until the endpoint| events out; the speaker's    |
|                             | takes it (`Speculation.finished`) | sentence queue               |
| tts: `start_speaker`        | the voice                         | sentences in (Say, Prepare,  |
|                             |                                   | EndReply, Stop); audio out   |
| playback: `start_speaker`   | the sink; every Reply's figures   | audio in (Audio, Failed,     |
|                             |                                   | EndReply, Stop); Reply events|
|                             |                                   | OwnVoice's lock              |
| llm: `LlmWorker`            | the language model, freed as the  | requests in (Generation,     |
| (voiced/llm.py)             | thread ends (close() may leave it | Stop); each Generation's     |
|                             | in a model call: it ends later,   | pieces out (Piece,           |
|                             | voiced/native_threads.py)         | GenerationFailed, Ended)     |
| timers: `Timers`            | the wait for the next timer's end | the table's lock; `announce` |
| (voiced/timers.py)          |                                   | → Speaker.speak, which waits |
|                             |                                   | on the speaker's condition   |

A turn is cut (barge-in, stop) from the listening thread through `CurrentTurn`: the
`Turn` guards what a cut touches with its own lock. The listening thread also tells the
speaker whether it holds the floor (`Speaker.floor`: a command heard or answered), so
that an announcement waits for the turn to end, and is cut when a command begins.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Generator

from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK, SECONDS_PER_CHUNK, seconds_to_samples
from voiced.config import Config, EndpointConfig
from voiced.echo import Echo
from voiced.follow_up import FollowUp
from voiced.health import Health
from voiced.listener import HeardCommand, Listener
from voiced.messages import AudioChunk
from voiced.pause_judge import PauseJudge
from voiced.report import TurnReport
from voiced.sources import CHUNK_DEADLINE_SECONDS, AudioSource
from voiced.speaker import Speaker
from voiced.speculation import Speculation, Speculator, Taken
from voiced.tts import AudioSink
from voiced.turn.intent import Questions
from voiced.turn.ports import Voice
from voiced.turn.turn import CurrentTurn
from voiced.volume import Volume
from voiced.wake import OwnVoice

log = logging.getLogger(__name__)

# Far longer than one chunk or one command takes: past them, a stage is stuck.
LISTENING_DEADLINE_SECONDS = 5.0
# On stop, a reply in progress is cut and given this long to end.
STOP_GRACE_SECONDS = 2.0

# Answers a command: the turn's whole work (voiced.turn.router.Router.answer).
Answer = Callable[[HeardCommand, str | None, Taken], TurnReport]


def start(
    name: str,
    target: Callable[[], None],
    announce: Callable[[threading.Thread], None] = lambda _thread: None,
) -> threading.Thread:
    """A daemon thread running `target`; `announce` is told of it before it runs."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    announce(thread)
    thread.start()
    return thread


def start_speaker(
    tts: Voice,
    sink: AudioSink,
    health: Health | None = None,
    own_voice: OwnVoice | None = None,
    volume: Volume | None = None,
) -> Speaker:
    """A speaker with its synthesis and playback threads running."""
    speaker = Speaker(tts, sink, health, own_voice, volume)
    speaker.threads = [start("tts", speaker.synthesize_loop), start("playback", speaker.play_loop)]
    return speaker


def start_speculator(config: EndpointConfig, run: Callable[[Speculation], None]) -> Speculator:
    """A speculator with its worker thread running `run` on each speculation."""
    speculator = Speculator(config, run)
    speculator.threads = [start("speculation", speculator.work)]
    return speculator


def next_chunk_in(source: AudioSource, chunk: AudioChunk) -> float:
    """Seconds until the chunk after `chunk` is heard whole, on the source's own clock
    (`capture_position`) where it has one: none when it is already (the listening thread
    is behind). Without a clock, a chunk's length after `chunk` was taken."""
    capture_position = getattr(source, "capture_position", None)
    heard = capture_position(time.monotonic()) if capture_position is not None else None
    if heard is None:
        return max(0.0, chunk.received_at + SECONDS_PER_CHUNK - time.monotonic())
    due = seconds_to_samples(chunk.end_s) + SAMPLES_PER_CHUNK
    return max(0.0, (due - heard) / SAMPLE_RATE)


class TurnLoop:
    """Runs on the listening thread: feeds the listener, speculates at pauses, answers
    each command on a turn thread, and cuts the turn when the wake word is heard during
    its reply."""

    def __init__(
        self,
        config: Config,
        listener: Listener,
        speculator: Speculator,
        answer: Answer,
        current: CurrentTurn,
        questions: Questions,
        health: Health,
        status: Callable[[str], None],
        pause_judge: PauseJudge,
        echo: Echo,
        follow_up: FollowUp,
        floor: Callable[[bool], None] = lambda taken: None,
    ) -> None:
        self.config = config
        self.pause_judge = pause_judge
        self.echo = echo
        self.follow_up = follow_up
        self.listener = listener
        self.speculator = speculator
        self.answer = answer
        self.current = current
        self.questions = questions
        self.health = health
        self.status = status
        # Told whether a command is being heard or answered (Speaker.floor).
        self.floor = floor
        self._floor_taken = False
        self._turn_thread: threading.Thread | None = None
        # Turns a barge-in cut that were still waiting (a slow decode) after
        # STOP_GRACE_SECONDS: they end on their own, and run() returns their reports too.
        self._cut_turns: list[threading.Thread] = []

    @property
    def answering(self) -> bool:
        """A turn is being answered, or has just ended and the loop has not yet listened
        afresh after it (for the answer to a question it asked, or a follow-up): the
        listening thread's own view, which changes only on that thread."""
        return self._turn_thread is not None

    @property
    def turn_running(self) -> bool:
        """A turn's thread is still answering: true even after the loop has stopped (the
        microphone lost mid-turn), which `answering` cannot tell from a turn just ended."""
        thread = self._turn_thread
        return thread is not None and thread.is_alive()

    def run(
        self,
        source: AudioSource,
        stop: threading.Event | None = None,
        input_name: Callable[[], str | None] = lambda: None,
    ) -> list[TurnReport]:
        """Listen to `source` until it ends or `stop` is set; return every turn's report."""
        turns: list[TurnReport] = []

        def answer(command: HeardCommand, taken: Taken) -> None:
            report = self.answer(command, input_name(), taken)
            if not self.follow_up.ignored(report):
                turns.append(report)

        self.status("listening")
        self.current.expect(threading.current_thread())  # replays answer on this thread
        try:
            return self._run(source, stop, answer, turns)
        finally:
            # Nobody is heard any more (the input ended, or the microphone is lost):
            # announcements go on.
            self._hold_floor(False)

    def _run(
        self,
        source: AudioSource,
        stop: threading.Event | None,
        answer: Callable[[HeardCommand, Taken], None],
        turns: list[TurnReport],
    ) -> list[TurnReport]:
        # What voiced plays is taken out of what the microphone hears (voiced/echo.py).
        chunks = self.echo.around(source).chunks()
        stopped = False
        while (chunk := self._next_chunk(chunks)) is not None:
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
                command = self.listener.feed(chunk) or self._follow_pause(source, chunk)
            # Held from the wake word (or a follow-up heard) until the answer has ended.
            self._hold_floor(command is not None or self.listener.capturing)
            if command is None:
                continue
            taken = self.speculator.take(command.speech_end_at_s)
            if source.waits_for_replies:
                answer(command, taken)
                self._listen_afresh(chunk.end_s)
            else:
                turn = functools.partial(answer, command, taken)
                self._turn_thread = start("turn", turn, announce=self.current.expect)
        with self.health.busy("microphone", CHUNK_DEADLINE_SECONDS):
            chunks.close()  # releases the microphone now, not when collected
        if self._turn_thread is not None:
            if stopped:
                self.current.cut()
            self._turn_thread.join(STOP_GRACE_SECONDS if stopped else None)
            self._turn_thread = None
        for thread in self._cut_turns:
            thread.join(STOP_GRACE_SECONDS if stopped else None)
        self._cut_turns.clear()
        if not stopped and (last := self.listener.end_of_input()) is not None:
            # A cut that came as the turn before was ending is not this one's.
            self.current.expect(threading.current_thread())
            self._hold_floor(True)
            answer(last, self.speculator.take(last.speech_end_at_s))
        self.speculator.reset()
        self.listener.reset()
        return turns

    def _next_chunk(self, chunks: Generator[AudioChunk, None, None]) -> AudioChunk | None:
        """The next chunk heard; None when the input ends. Opening, reading and closing
        the microphone happen in here: a thread frozen there (a sound server that stopped
        answering) is a stage stuck past its deadline, and the watchdog is no longer fed."""
        with self.health.busy("microphone", CHUNK_DEADLINE_SECONDS):
            return next(chunks, None)

    def _hold_floor(self, taken: bool) -> None:
        """Tell the speaker when a command begins to be heard, and when its answer is
        over: announcements wait for it (voiced/speaker.py)."""
        if taken != self._floor_taken:
            self._floor_taken = taken
            self.floor(taken)

    def _follow_pause(self, source: AudioSource, chunk: AudioChunk) -> HeardCommand | None:
        """Speculate at a pause in the command being heard; end it there when it is a
        complete command (early end)."""
        progress = self.listener.progress
        started = self.speculator.update(progress)
        if started is not None and source.waits_for_replies:
            # Recordings are fed far faster than decoding takes: wait for it, so that
            # replays are repeatable (as if recognition took no audio time); a command's
            # check without the bias too, which the end of the turn may wait for.
            started.ready.wait()
            started.checked.wait()
        current = self.speculator.current
        if self.config.turn_end.enabled:
            ended = self.pause_judge.ends(progress, current, self.listener.heard_so_far)
            # Where recognition is slower than the pause (a 2-core Zen 3: the words of a
            # command came 0.4-0.5 s into it), the turn would wait for the next chunk after
            # them, up to 80 ms more: they are waited for until it is heard.
            if (
                not ended
                and current is not None
                and self.pause_judge.words_awaited(progress, current)
                and current.checked.wait(next_chunk_in(source, chunk))
            ):
                ended = self.pause_judge.ends(progress, current, self.listener.heard_so_far)
            return self.listener.end_now() if ended else None
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

    def _listen_afresh(self, at_s: float) -> None:
        """After a reply: the wake word, or the answer to a question the reply asked, from
        `at_s` in the input."""
        self.speculator.reset()
        self.listener.reset()
        follow_up_s = self.follow_up.window_seconds()
        if self.questions.waiting:
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
        self.current.cut()
        # A turn still waiting (a slow decode) ends on its own, cut: its cut is its own,
        # not the next command's (CurrentTurn).
        self._turn_thread.join(STOP_GRACE_SECONDS)
        self._cut_turns = [
            thread for thread in [*self._cut_turns, self._turn_thread] if thread.is_alive()
        ]
        self._turn_thread = None
        self.status("listening")
