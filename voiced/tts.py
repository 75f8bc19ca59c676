"""Speech synthesis with Piper (the speaker that plays it is voiced/speaker.py)."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from voiced.audio import float32_to_int16
from voiced.errors import ModelError, VoicedError
from voiced.onnx import load_session
from voiced.speech_config import PiperTtsConfig

log = logging.getLogger(__name__)


class TtsError(VoicedError):
    """Synthesis failed for one sentence."""


class AudioSink(Protocol):
    """Where spoken audio goes: a speaker or a WAV file. Converts from the voice's rate."""

    def write(self, samples: np.ndarray, sample_rate: int) -> None: ...

    def end_reply(self, cut: bool) -> None:
        """A reply's last audio was written: what a converter holds back of it is played
        now (`cut`: dropped), so that none of it starts the next reply."""
        ...

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
        return float32_to_int16(audio)


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
