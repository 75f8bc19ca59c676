"""Speech synthesis with Piper, and the speaker that plays sentence N while N+1 is
synthesised."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voiced.engines import Tts
from voiced.errors import ModelError, VoicedError
from voiced.health import Health
from voiced.onnx import load_session
from voiced.sentences import SentenceSplitter
from voiced.speech_config import PiperTtsConfig

log = logging.getLogger(__name__)


# Longer than any sentence takes to synthesise or a chunk to play: past it, a stage is stuck.
SYNTHESIS_DEADLINE_SECONDS = 30.0
PLAYBACK_DEADLINE_SECONDS = 10.0
# Audio written to the sink at a time.
PLAYBACK_SLICE_SECONDS = 0.1
# How often a held reply looks whether it was cut while it waits to be released.
HOLD_POLL_SECONDS = 0.005


class TtsError(VoicedError):
    """Synthesis failed for one sentence."""


class AudioSink(Protocol):
    """Where spoken audio goes: a speaker or a WAV file. Converts from the voice's rate."""

    def write(self, samples: np.ndarray, sample_rate: int) -> None: ...

    def close(self) -> None: ...


# Piper's working memory grows with what it speaks in one run (about 20 MB a second of
# audio) and onnxruntime's pool keeps the largest size it ever needed: a long sentence
# late in the daemon's life would grow it for good. So a sentence is spoken in runs of at
# most this many phonemes (about 5 s of speech), and the voice is warmed with a run that
# long: the pool has its full size from the start.
MAX_PHONEMES_PER_RUN = 100
# Where a long run is cut, best first: after a clause's punctuation, else between words.
_CLAUSE_MARKS = frozenset(",;:\u2014")
_WORD_GAPS = frozenset(" ")
_WARM_UP_TEXT = (
    "Good morning, the kitchen light is on, the front door is locked, "
    "and the weather looks clear and bright for the whole afternoon and evening."
)


class PiperTts:
    """A Piper voice; synthesis yields int16 audio at the voice's own rate."""

    def __init__(self, models_dir: Path, config: PiperTtsConfig) -> None:
        model = models_dir / "piper" / f"{config.voice}.onnx"
        voice_config = model.with_suffix(".onnx.json")
        for path in (model, voice_config):
            if not path.is_file():
                raise ModelError(f"Piper voice file missing: {path}", fix="scripts/fetch-models")
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig

        session = load_session(model, "Piper voice", threads=0, varied_shapes=True)
        try:
            settings = PiperConfig.from_dict(json.loads(voice_config.read_text()))
        except (ValueError, KeyError, TypeError) as err:
            raise ModelError(f"Piper voice settings {voice_config} cannot be read ({err})") from err
        self._voice = PiperVoice(session=session, config=settings)
        self._synthesis = SynthesisConfig(length_scale=config.length_scale)
        self.sample_rate: int = self._voice.config.sample_rate
        self._cache = PhraseCache(int(config.cache_seconds * self.sample_rate))

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        """The audio of `text`. A `cached` sentence (a command's confirmation, a fixed
        phrase) is kept, and said again at once from the phrase cache."""
        if cached and (audio := self._cache.get(text)) is not None:
            yield from audio
            return
        audio = []
        try:
            for phonemes in self._runs(text):
                audio.append(self._speak(phonemes))
                yield audio[-1]
        except Exception as err:
            raise TtsError(f"Piper failed on {text!r}: {err}") from err
        if cached:
            self._cache.put(text, audio)

    def warm_up(self) -> None:
        """One run of the longest length spoken: the first real sentence pays for no
        set-up, and Piper's memory is at its full size from here on."""
        sentence = self._voice.phonemize(_WARM_UP_TEXT)[0]
        self._speak(sentence[:MAX_PHONEMES_PER_RUN])

    def _runs(self, text: str) -> Iterator[list[str]]:
        for sentence in self._voice.phonemize(text):
            yield from phoneme_runs(sentence, MAX_PHONEMES_PER_RUN)

    def _speak(self, phonemes: list[str]) -> np.ndarray:
        ids = self._voice.phonemes_to_ids(phonemes)
        result = self._voice.phoneme_ids_to_audio(ids, self._synthesis)
        # (A tuple only when alignments are asked for.)
        audio = result[0] if isinstance(result, tuple) else result
        # As Piper does for a sentence: loudest sample at full scale.
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1e-8:
            audio = audio / peak
        return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def phoneme_runs(phonemes: list[str], limit: int) -> Iterator[list[str]]:
    """A sentence's phonemes in runs of at most `limit`: cut after the last clause mark
    in the second half of a run, else at the last space, else (one endless word) at
    the limit."""
    while len(phonemes) > limit:
        head = phonemes[:limit]
        cut = _last_cut(head, _CLAUSE_MARKS, limit // 2) or _last_cut(head, _WORD_GAPS, 1) or limit
        run = phonemes[:cut]
        while run and run[-1] == " ":
            run = run[:-1]
        if run:
            yield run
        phonemes = phonemes[cut:]
        while phonemes and phonemes[0] == " ":
            phonemes = phonemes[1:]
    if phonemes:
        yield phonemes


def _last_cut(phonemes: list[str], marks: frozenset[str], earliest: int) -> int:
    """The position just after the last of `marks` at or after `earliest`; 0 if none."""
    for i in range(len(phonemes) - 1, earliest - 1, -1):
        if phonemes[i] in marks:
            return i + 1
    return 0


class PhraseCache:
    """Audio of recent sentences, the least recently used dropped first, within a bound
    on the samples kept."""

    def __init__(self, max_samples: int) -> None:
        self.max_samples = max_samples
        self._audio: OrderedDict[str, list[np.ndarray]] = OrderedDict()
        self._samples = 0
        self._lock = threading.Lock()

    def get(self, text: str) -> list[np.ndarray] | None:
        with self._lock:
            audio = self._audio.get(text)
            if audio is not None:
                self._audio.move_to_end(text)
            return audio

    def put(self, text: str, audio: list[np.ndarray]) -> None:
        samples = sum(len(chunk) for chunk in audio)
        if samples > self.max_samples:
            return
        with self._lock:
            if text in self._audio:
                return
            self._audio[text] = audio
            self._samples += samples
            while self._samples > self.max_samples:
                _text, dropped = self._audio.popitem(last=False)
                self._samples -= sum(len(chunk) for chunk in dropped)


@dataclass
class Reply:
    """One turn's spoken reply, as it moves through synthesis and playback."""

    first_audio_at: float | None = None
    sentences_spoken: int = 0
    samples_spoken: int = 0
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    # Cleared for a reply prepared before it is known to be wanted (speculation): it is
    # synthesised, but nothing is played until it is released.
    released: threading.Event = field(default_factory=threading.Event)

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


_END = object()


class Speaker:
    """A synthesis thread that owns the voice and a playback thread that owns the sink,
    joined by a queue: audio of sentence N plays while N+1 is synthesised."""

    def __init__(self, tts: Tts, sink: AudioSink, health: Health | None = None) -> None:
        self.health = health or Health()
        self.tts = tts
        self.sink = sink
        # A sentence of a reply, its end, or (reply None) a sentence to prepare.
        self._sentences: queue.Queue[tuple[Reply | None, Any] | None] = queue.Queue()
        self._audio: queue.Queue[tuple[Reply, Any] | None] = queue.Queue()
        self._synth_thread = threading.Thread(target=self._synthesize_loop, name="tts", daemon=True)
        self._play_thread = threading.Thread(target=self._play_loop, name="playback", daemon=True)
        self._synth_thread.start()
        self._play_thread.start()

    def begin(self, held: bool = False) -> Reply:
        reply = Reply()
        if held:
            reply.released.clear()
        return reply

    def say(self, reply: Reply, text: str, cached: bool = False) -> None:
        self._sentences.put((reply, (text, cached)))

    def prepare(self, text: str) -> None:
        """Synthesise `text` into the phrase cache, unheard: the words of a command whose
        end is still awaited, said at once from the cache when it is confirmed."""
        self._sentences.put((None, text))

    def end(self, reply: Reply) -> None:
        """No more sentences for this reply; `reply.done` is set once all is played."""
        self._sentences.put((reply, _END))

    def speak(self, text: str, cached: bool = False) -> Reply:
        """Speak a whole text, sentence by sentence, and wait until it is played."""
        splitter = SentenceSplitter()
        reply = self.begin()
        for sentence in [*splitter.feed(text + " "), *splitter.flush()]:
            self.say(reply, sentence, cached)
        self.end(reply)
        reply.wait()
        return reply

    def close(self) -> None:
        self._sentences.put(None)
        self._synth_thread.join(timeout=2)
        self._play_thread.join(timeout=2)
        self.sink.close()

    def _synthesize_loop(self) -> None:
        while (item := self._sentences.get()) is not None:
            reply, sentence = item
            if reply is None:
                self._prepare(sentence)
            elif sentence is _END:
                self._audio.put((reply, _END))
            elif not reply.cancelled.is_set() and reply.error is None:
                text, cached = sentence
                try:
                    with self.health.busy("tts", SYNTHESIS_DEADLINE_SECONDS):
                        for samples in self.tts.synthesize(text, cached):
                            if reply.cancelled.is_set():
                                break
                            self._audio.put((reply, samples))
                    reply.sentences_spoken += 1
                except TtsError as err:
                    log.error("%s", err)
                    reply.error = err
        self._audio.put(None)

    def _prepare(self, text: str) -> None:
        try:
            with self.health.busy("tts", SYNTHESIS_DEADLINE_SECONDS):
                for _samples in self.tts.synthesize(text, cached=True):
                    pass
        except TtsError as err:  # said again on the confirmed command, and reported there
            log.warning("%s", err)

    def _play_loop(self) -> None:
        while (item := self._audio.get()) is not None:
            reply, samples = item
            if samples is _END:
                reply.done.set()
                continue
            if not reply.wait_until_released():
                continue
            if reply.first_audio_at is None:
                reply.first_audio_at = time.monotonic()
            # Played in short slices: a cut (barge-in) stops within one slice, not at the
            # end of the sentence.
            step = max(1, int(self.tts.sample_rate * PLAYBACK_SLICE_SECONDS))
            for start in range(0, len(samples), step):
                if reply.cancelled.is_set():
                    break
                piece = samples[start : start + step]
                try:
                    with self.health.busy("playback", PLAYBACK_DEADLINE_SECONDS):
                        self.sink.write(piece, self.tts.sample_rate)
                except Exception as err:  # a failing speaker ends this reply, not the daemon
                    log.error("audio output failed: %s", err)
                    reply.error = err
                    reply.cancelled.set()
                    break
                reply.samples_spoken += len(piece)
