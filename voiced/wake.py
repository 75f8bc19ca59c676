"""Wake word detection: openWakeWord's ONNX models run straight on onnxruntime.

The shared front end turns audio into log-mel frames (melspectrogram.onnx) and
every 80 ms into a 96-value speech embedding (embedding_model.onnx, over the last
76 mel frames); each wake word model scores the last 16 embeddings.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voiced.audio import SAMPLES_PER_CHUNK
from voiced.errors import ModelError
from voiced.onnx import load_session
from voiced.words import words

log = logging.getLogger(__name__)

MEL_BINS = 32
MEL_FRAMES_PER_EMBEDDING = 76
MEL_FRAMES_PER_CHUNK = 8
EMBEDDING_SIZE = 96
# The mel model needs 3 hops of context before each chunk to give 8 whole frames.
MEL_CONTEXT_SAMPLES = 160 * 3
# Scores of the first chunks after a reset are unreliable: the buffers hold padding.
WARMUP_CHUNKS = 5
# Words of a wake phrase that are no name: voiced saying "hey" does not say the wake word.
CALLS = frozenset({"hey", "hi", "hello", "ok", "okay"})
# How long after voiced last wrote audio of a sentence naming the wake word a detection
# may still be its own voice: the speaker's buffer and the slice playing (0.3 s), the way
# back through the room (0.1-0.2 s), the chunk's way in (50-100 ms), and the model's score
# staying up after the word ends (up to 0.55 s after the speech, Piper's voice on
# hey_jarvis), with room for a listening thread running behind.
OWN_VOICE_TAIL_SECONDS = 1.5


class WakeWordDetector:
    """Scores 80 ms chunks for one wake word; owned by the listening thread."""

    def __init__(self, models_dir: Path, name: str, threshold: float) -> None:
        directory = models_dir / "wakeword"
        self.name = name
        self.threshold = threshold
        self._mel = load_session(directory / "melspectrogram.onnx", "wake word front end")
        self._embed = load_session(directory / "embedding_model.onnx", "wake word front end")
        self.path = _model_path(directory, name)
        self._model = load_session(self.path, f"wake word {name!r}")
        self._model_input = self._model.get_inputs()[0].name
        self._window = int(self._model.get_inputs()[0].shape[1] or 16)
        self.reset()

    def reset(self) -> None:
        """Forget all heard audio (after a turn, so the reply does not leak into the next)."""
        self._context = np.zeros(MEL_CONTEXT_SAMPLES, dtype=np.int16)
        self._mel_frames = np.ones((MEL_FRAMES_PER_EMBEDDING, MEL_BINS), dtype=np.float32)
        self._embeddings = np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        silence = self._embed_window(self._mel_frames)
        self._embeddings = np.repeat(silence[None, :], self._window, axis=0)
        self._chunks_seen = 0

    def score(self, chunk: np.ndarray) -> float:
        """Score one chunk of exactly SAMPLES_PER_CHUNK samples; 0..1."""
        if len(chunk) != SAMPLES_PER_CHUNK:
            raise ValueError(f"wake word chunks are {SAMPLES_PER_CHUNK} samples, got {len(chunk)}")
        audio = np.concatenate([self._context, chunk])
        self._context = chunk[-MEL_CONTEXT_SAMPLES:]
        mel = self._mel.run(None, {"input": audio.astype(np.float32)[None, :]})[0]
        # The same scaling openWakeWord applies to bring the mel model near its training data.
        mel = np.squeeze(mel) / 10.0 + 2.0
        self._mel_frames = np.vstack([self._mel_frames, mel])[-MEL_FRAMES_PER_EMBEDDING:]
        embedding = self._embed_window(self._mel_frames)
        self._embeddings = np.vstack([self._embeddings, embedding])[-self._window :]
        self._chunks_seen += 1
        if self._chunks_seen <= WARMUP_CHUNKS:
            return 0.0
        features = self._embeddings[None, :, :].astype(np.float32)
        return float(np.squeeze(self._model.run(None, {self._model_input: features})[0]))

    def _embed_window(self, mel_frames: np.ndarray) -> np.ndarray:
        window = mel_frames[-MEL_FRAMES_PER_EMBEDDING:].astype(np.float32)[None, :, :, None]
        return np.squeeze(self._embed.run(None, {"input_1": window})[0]).astype(np.float32)


def wake_phrase_words(wake_word: str) -> list[str]:
    """The words of a wake model's phrase: its name without the version ("hey_jarvis",
    "hey_jarvis_v0.1": hey, jarvis)."""
    return re.sub(r"_v\d+(?:\.\d+)*$", "", wake_word.lower()).split("_")


class OwnVoice:
    """voiced's own voice saying the wake word's name ("I am Jarvis, ...") comes back
    through the room and scores as high as the person saying it (0.96-0.99 on hey_jarvis,
    after echo cancellation too): it would cut its own reply. So while a sentence whose
    words name the wake word is played, and OWN_VOICE_TAIL_SECONDS after its last audio
    is written, a wake detection is taken for voiced's own and ignored. Other sentences
    leave the wake word alone: the person can still cut them.

    Threads: the synthesis thread asks `names`; the playback thread calls `playing`; the
    listening thread asks `heard_at`. The moment they share is under a lock."""

    def __init__(self, wake_word: str, clock: Callable[[], float] = time.monotonic) -> None:
        phrase = wake_phrase_words(wake_word)
        # The name in the phrase ("jarvis" of "hey jarvis"); a phrase of calls alone, whole.
        self.words = frozenset(word for word in phrase if word not in CALLS) or frozenset(phrase)
        self._clock = clock
        self._lock = threading.Lock()
        # From the first write of the name to OWN_VOICE_TAIL_SECONDS after its last.
        self._since = self._until = -math.inf

    def names(self, text: str) -> bool:
        """Whether voiced saying `text` says a word of the wake word's name."""
        said = {re.sub(r"'s$", "", word) for word in words(text)}
        return not self.words.isdisjoint(said)

    def playing(self) -> None:
        """Audio of a sentence naming the wake word is being written to the speaker now."""
        now = self._clock()
        with self._lock:
            if now > self._until:
                self._since = now
            self._until = now + OWN_VOICE_TAIL_SECONDS

    def heard_at(self, received_at: float) -> bool:
        """Whether audio that entered at `received_at` (time.monotonic) may hold voiced
        saying the wake word."""
        with self._lock:
            return self._since <= received_at <= self._until


class WakeGate:
    """Turns scores into detections: a threshold and a refractory period, in audio time."""

    def __init__(self, threshold: float, refractory_seconds: float) -> None:
        self.threshold = threshold
        self.refractory_seconds = refractory_seconds
        self._quiet_until_s = -1.0

    def fires(self, score: float, at_s: float) -> bool:
        if score < self.threshold or at_s < self._quiet_until_s:
            return False
        self._quiet_until_s = at_s + self.refractory_seconds
        return True

    def reset(self) -> None:
        """A new audio source starts its clock at 0: a refractory period measured on the
        old one would silence the wake word on the new one until its clock caught up."""
        self._quiet_until_s = -1.0


def _model_path(directory: Path, name: str) -> Path:
    exact = directory / f"{name}.onnx"
    if exact.exists():
        return exact
    versions = sorted(directory.glob(f"{name}_v*.onnx"))
    if versions:
        return versions[-1]
    known = sorted(
        p.stem.rsplit("_v", 1)[0]
        for p in directory.glob("*.onnx")
        if p.stem not in ("melspectrogram", "embedding_model", "silero_vad")
    )
    raise ModelError(
        f"wake word model {name!r} not found in {directory}"
        + (f" (installed: {', '.join(known)})" if known else ""),
        fix="scripts/fetch-models",
    )
