"""The speaker: sentences of a reply synthesised on one thread and played on another, so
that the audio of sentence N plays while N+1 is synthesised.

What goes between the threads is one small message per kind, on two queues:

    turn ─Say/Prepare/EndReply/Stop─▶ synthesis ─Audio/Failed/EndReply/Stop─▶ playback

An announcement (a timer ending, an MQTT say) is spoken between turns, never inside one:
`speak` waits while a turn's reply is open (begun, not yet ended) or while the listening
thread holds the floor (a command is heard or answered: `floor`), then queues its
sentences whole. The person taking the floor (the wake word) cuts the announcement.

Threads: the synthesis and playback threads (started by voiced.turn.loop.start_speaker)
own the voice and the sink. A turn's thread calls begin/say/end; an announcer's thread
(timers, presence) `speak`; the listening thread `floor`. What they share (the open
replies, the announcements, the floor) is under one condition, `_turns`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from voiced.audio import without_leading_silence
from voiced.give_way import AUDIO_FIRST, GiveWay
from voiced.health import Health
from voiced.messages import Stop
from voiced.sentences import SentenceSplitter
from voiced.tts import AudioSink, TtsError
from voiced.turn.ports import Voice
from voiced.volume import Volume
from voiced.wake import OwnVoice

log = logging.getLogger(__name__)

# Longer than any sentence takes to synthesise or a chunk to play: past it, a stage is stuck.
SYNTHESIS_DEADLINE_SECONDS = 30.0
PLAYBACK_DEADLINE_SECONDS = 10.0
# Audio written to the sink at a time.
PLAYBACK_SLICE_SECONDS = 0.1
# The voice begins a sentence with tens of milliseconds of silence (24-51 ms on the
# confirmations measured); before a reply's first sound that is only a wait. Cut to this
# much before the first sample above the level, which a soft onset ("she", "f") passes
# within its first milliseconds.
LEAD_SILENCE_LEVEL = 100
LEAD_SILENCE_KEPT_SECONDS = 0.01
# How often a held reply looks whether it was cut while it waits to be released.
HOLD_POLL_SECONDS = 0.005
# How often a waiting announcement looks whether the replies it waits for were cut (a cut
# sets the reply's event, which the speaker does not hear of).
ANNOUNCE_POLL_SECONDS = 0.05


@dataclass
class Reply:
    """One turn's spoken reply, as it moves through synthesis and playback.

    The events cross threads; the figures are written by the playback thread alone (a
    synthesis error reaches it as a message) and read by the turn only after `done` is
    set."""

    first_audio_at: float | None = None
    samples_spoken: int = 0
    # The sentences whose audio began to play, in order: what the person heard of it
    # (the last perhaps cut).
    heard: list[str] = field(default_factory=list)
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    # Cleared for a reply prepared before it is known to be wanted (speculation): it is
    # synthesised, but nothing is played until it is released.
    released: threading.Event = field(default_factory=threading.Event)
    # Its synthesis failed: the rest of it is not synthesised. Written and read by the
    # synthesis thread alone; kept with the reply, so that a reply discarded unended
    # leaves nothing behind.
    synthesis_failed: bool = False
    # A sentence of it was synthesised (by the synthesis thread, which alone reads it):
    # the first holds the LLM back (voiced/give_way.py), the others need not.
    synthesised: bool = False

    def __post_init__(self) -> None:
        self.released.set()

    def wait(self, timeout_seconds: float | None = None) -> bool:
        return self.done.wait(timeout_seconds)

    def wait_until_released(self) -> bool:
        """False if the reply was cut while it was held."""
        while not self.released.wait(HOLD_POLL_SECONDS):
            if self.cancelled.is_set():
                return False
        return not self.cancelled.is_set()


@dataclass(frozen=True)
class Say:
    """A sentence of a reply, to synthesise and play."""

    reply: Reply
    text: str
    cached: bool


@dataclass(frozen=True)
class Prepare:
    """A sentence to synthesise into the phrase cache, unheard."""

    text: str


@dataclass(frozen=True)
class Audio:
    """Synthesised audio of a reply, at the voice's own rate."""

    reply: Reply
    samples: np.ndarray
    # Its sentence names the wake word: heard back, it is voiced's own (OwnVoice).
    names_wake_word: bool = False
    # The sentence, on its first audio only: once that plays, the sentence is heard.
    opens: str | None = None


@dataclass(frozen=True)
class Failed:
    """Synthesis failed for a sentence of this reply; it says nothing more."""

    reply: Reply
    error: Exception


@dataclass(frozen=True)
class EndReply:
    """No more sentences for this reply: once its audio is played, it is done."""

    reply: Reply


class Speaker:
    """Owns the voice (on the synthesis thread) and the sink (on the playback thread).
    `own_voice` is told when a sentence naming the wake word plays (the listening thread
    then takes a wake word heard for voiced's own)."""

    def __init__(
        self,
        tts: Voice,
        sink: AudioSink,
        health: Health | None = None,
        own_voice: OwnVoice | None = None,
        volume: Volume | None = None,
        give_way: GiveWay = AUDIO_FIRST,
    ) -> None:
        self.health = health or Health()
        self.tts = tts
        # A reply's first sentence, whose audio a person waits for, holds the LLM back.
        self.give_way = give_way
        self.sink = sink
        self.own_voice = own_voice
        # How loud: its gain is read for each sentence played.
        self.volume = volume or Volume()
        self._sentences: queue.Queue[Say | Prepare | EndReply | Stop] = queue.Queue()
        self._audio: queue.Queue[Audio | Failed | EndReply | Stop] = queue.Queue()
        # Started by voiced.turn.loop.start_speaker, joined on close.
        self.threads: list[threading.Thread] = []
        # Turns' replies begun and not ended; announcements queued or playing; whether the
        # listening thread holds the floor. An announcement waits on it.
        self._turns = threading.Condition()
        self._open: list[Reply] = []
        self._announcing: list[Reply] = []
        self._floor_taken = False
        # Set by close: nothing more is synthesised or played, and nothing is waited for.
        self._closing = threading.Event()

    def begin(self, held: bool = False) -> Reply:
        """A turn's reply: announcements wait until it has ended (or was cut)."""
        reply = Reply()
        if held:
            reply.released.clear()
        with self._turns:
            self._open = [*self._still_open(), reply]
        return reply

    def say(self, reply: Reply, text: str, cached: bool = False) -> None:
        self._sentences.put(Say(reply, text, cached))

    def prepare(self, text: str) -> None:
        """Synthesise `text` into the phrase cache, unheard: the words of a command whose
        end is still awaited, said at once from the cache when it is confirmed."""
        self._sentences.put(Prepare(text))

    def end(self, reply: Reply) -> None:
        """No more sentences for this reply; `reply.done` is set once all is played."""
        self._sentences.put(EndReply(reply))
        with self._turns:
            self._open = [open_ for open_ in self._still_open() if open_ is not reply]
            self._turns.notify_all()

    def speak(
        self,
        text: str,
        cached: bool = False,
        wanted: Callable[[], bool] | None = None,
        queued: Callable[[], None] | None = None,
    ) -> Reply:
        """Announce a whole text, sentence by sentence, between turns (see the module's
        text), and wait until it is played or cut. `wanted`, asked once the turns let it
        be said: False drops it (a timer stopped by the turn it waited for). `queued` is
        told once it is to be said, not dropped, before a turn can begin after it."""
        splitter = SentenceSplitter()
        sentences = [*splitter.feed(text + " "), *splitter.flush()]
        reply = Reply()
        with self._turns:
            while (self._floor_taken or self._still_open()) and not self._closing.is_set():
                self._turns.wait(ANNOUNCE_POLL_SECONDS)
            # The pipeline closes (nobody is left to say it), or it is no longer wanted.
            if self._closing.is_set() or (wanted is not None and not wanted()):
                reply.cancelled.set()
                reply.done.set()
                return reply
            # Queued whole: a reply begun from now on is spoken after it.
            for sentence in sentences:
                self.say(reply, sentence, cached)
            self._sentences.put(EndReply(reply))
            self._announcing.append(reply)
            if queued is not None:
                queued()
        try:
            reply.wait()
        finally:
            with self._turns:
                self._announcing.remove(reply)
        return reply

    def floor(self, taken: bool) -> None:
        """The listening thread: a command is being heard or answered (True), or voiced
        is between turns (False). Taken, it cuts the announcements queued or playing:
        the person spoke over them."""
        with self._turns:
            if taken and not self._floor_taken:
                for reply in self._announcing:
                    if not reply.cancelled.is_set():
                        log.info("announcement cut: a command is being heard")
                        reply.cancelled.set()
            self._floor_taken = taken
            self._turns.notify_all()

    @property
    def closing(self) -> bool:
        """Closed, or closing: nothing more is said."""
        return self._closing.is_set()

    @property
    def announcing(self) -> bool:
        """An announcement is queued or being played."""
        with self._turns:
            return any(not reply.cancelled.is_set() for reply in self._announcing)

    def _still_open(self) -> list[Reply]:
        """The turns' open replies, less those cut (a cut reply may never be ended)."""
        self._open = [reply for reply in self._open if not reply.cancelled.is_set()]
        return self._open

    def close(self) -> None:
        """What is queued or playing is dropped (within one slice), the threads end, and
        the sink is closed for good: a reload's old speaker must not hold the device."""
        with self._turns:
            self._closing.set()
            for reply in [*self._open, *self._announcing]:
                reply.cancelled.set()
            self._turns.notify_all()
        self._sentences.put(Stop())
        for thread in self.threads:
            thread.join(timeout=2)
        self.sink.close()

    def synthesize_loop(self) -> None:
        """The synthesis thread: sentences in, audio out."""
        while not isinstance(item := self._sentences.get(), Stop):
            if isinstance(item, Prepare):
                self._prepare(item.text)
            elif isinstance(item, EndReply):
                self._audio.put(item)
            else:
                self._synthesize(item)
        self._audio.put(item)

    def _synthesize(self, say: Say) -> None:
        reply = say.reply
        if reply.cancelled.is_set() or reply.synthesis_failed or self._closing.is_set():
            return
        names_wake_word = self.own_voice is not None and self.own_voice.names(say.text)
        first, reply.synthesised = not reply.synthesised, True
        try:
            with (
                self.health.busy("tts", SYNTHESIS_DEADLINE_SECONDS),
                self.give_way.held() if first else contextlib.nullcontext(),
            ):
                opens: str | None = say.text
                for samples in self.tts.synthesize(say.text, say.cached):
                    if reply.cancelled.is_set():
                        break
                    self._audio.put(Audio(reply, samples, names_wake_word, opens))
                    opens = None
        except TtsError as err:
            log.error("%s", err)
            reply.synthesis_failed = True
            self._audio.put(Failed(reply, err))

    def _prepare(self, text: str) -> None:
        try:
            with self.health.busy("tts", SYNTHESIS_DEADLINE_SECONDS):
                for _samples in self.tts.synthesize(text, cached=True):
                    pass
        except TtsError as err:  # said again on the confirmed command, and reported there
            log.warning("%s", err)

    def play_loop(self) -> None:
        """The playback thread: audio in, to the sink."""
        while not isinstance(item := self._audio.get(), Stop):
            if isinstance(item, EndReply):
                self._end(item.reply)
            elif isinstance(item, Failed):
                if item.reply.error is None:
                    item.reply.error = item.error
            else:
                self._play(item)

    def _end(self, reply: Reply) -> None:
        """The reply's audio is all written: the sink plays out what it holds back of it,
        or drops it if the reply was cut; then the reply is done."""
        try:
            with self.health.busy("playback", PLAYBACK_DEADLINE_SECONDS):
                self.sink.end_reply(cut=reply.cancelled.is_set() or self._closing.is_set())
        except Exception as err:  # a failing speaker ends this reply, not the daemon
            log.error("audio output failed: %s", err)
            if reply.error is None:
                reply.error = err
        reply.done.set()

    def _play(self, audio: Audio) -> None:
        reply, samples = audio.reply, audio.samples
        own_voice = self.own_voice if audio.names_wake_word else None
        if not reply.wait_until_released():
            return
        if reply.first_audio_at is None:
            reply.first_audio_at = time.monotonic()
            samples = without_leading_silence(
                samples, self.tts.sample_rate, LEAD_SILENCE_LEVEL, LEAD_SILENCE_KEPT_SECONDS
            )
        samples = at_gain(samples, self.volume.gain)
        # Played in short slices: a cut (barge-in) stops within one slice, not at the
        # end of the sentence.
        step = max(1, int(self.tts.sample_rate * PLAYBACK_SLICE_SECONDS))
        for start in range(0, len(samples), step):
            if reply.cancelled.is_set() or self._closing.is_set():
                break
            piece = samples[start : start + step]
            try:
                with self.health.busy("playback", PLAYBACK_DEADLINE_SECONDS):
                    if own_voice is not None:
                        own_voice.playing()
                    self.sink.write(piece, self.tts.sample_rate)
                    if own_voice is not None:  # a blocking write returns as it plays
                        own_voice.playing()
            except Exception as err:  # a failing speaker ends this reply, not the daemon
                log.error("audio output failed: %s", err)
                if reply.error is None:
                    reply.error = err
                reply.cancelled.set()
                break
            if start == 0 and audio.opens is not None:
                reply.heard.append(audio.opens)
            reply.samples_spoken += len(piece)


def at_gain(samples: np.ndarray, gain: float) -> np.ndarray:
    """16-bit samples scaled by `gain` (at most 1: never louder than synthesised)."""
    if gain >= 1.0:
        return samples
    return (samples.astype(np.float32) * gain).round().astype(samples.dtype)
