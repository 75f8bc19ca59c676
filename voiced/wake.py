"""Wake word detection: openWakeWord's ONNX models run straight on onnxruntime.

The shared front end turns audio into log-mel frames (melspectrogram.onnx) and
every 80 ms into a 96-value speech embedding (embedding_model.onnx, over the last
76 mel frames); each wake word model scores the last 16 embeddings.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from voiced.audio import SAMPLES_PER_CHUNK
from voiced.errors import ModelError
from voiced.onnx import load_session

log = logging.getLogger(__name__)

MEL_BINS = 32
MEL_FRAMES_PER_EMBEDDING = 76
MEL_FRAMES_PER_CHUNK = 8
EMBEDDING_SIZE = 96
# The mel model needs 3 hops of context before each chunk to give 8 whole frames.
MEL_CONTEXT_SAMPLES = 160 * 3
# Scores of the first chunks after a reset are unreliable: the buffers hold padding.
WARMUP_CHUNKS = 5


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
