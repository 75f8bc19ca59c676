"""The one internal format for heard audio, and the buffers that cut it into frames.

Heard audio is 16 kHz, 16-bit, mono PCM everywhere inside voiced; it is converted
once where it enters (microphone, WAV file). Every size below derives from these
few constants.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2
CHANNELS = 1
MS_PER_CHUNK = 80
# openWakeWord consumes 80 ms frames; every source yields chunks of this size.
SAMPLES_PER_CHUNK = SAMPLE_RATE * MS_PER_CHUNK // 1000
SECONDS_PER_CHUNK = SAMPLES_PER_CHUNK / SAMPLE_RATE


def seconds_to_samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def samples_to_seconds(samples: int) -> float:
    return samples / SAMPLE_RATE


def int16_to_float32(samples: np.ndarray) -> np.ndarray:
    """Scale int16 PCM to float32 in [-1, 1), as the neural models expect."""
    return samples.astype(np.float32) / 32768.0


def float32_to_int16(samples: np.ndarray) -> np.ndarray:
    """Scale float audio in [-1, 1] to int16 PCM, rounded, out-of-range values clipped."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def without_leading_silence(
    samples: np.ndarray, sample_rate: int, level: int, keep_seconds: float
) -> np.ndarray:
    """`samples` (int16) from `keep_seconds` before the first sample louder than `level`;
    all of them when none is, or when the sound begins sooner than that."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > level)
    if not len(loud):
        return samples
    start = int(loud[0]) - round(keep_seconds * sample_rate)
    return samples[start:] if start > 0 else samples


def end_conversion(resampler: Any, cut: bool) -> np.ndarray:
    """What a streaming converter (soxr.ResampleStream) still holds back of a reply, as
    float32 (nothing when the reply was `cut`); the converter starts afresh after it."""
    tail = np.zeros(0, np.float32)
    if not cut:
        tail = np.asarray(resampler.resample_chunk(tail, last=True), np.float32)
    resampler.clear()
    return tail


class FrameBuffer:
    """Cuts reads of any length into frames of exactly `samples_per_frame` samples."""

    def __init__(self, samples_per_frame: int) -> None:
        if samples_per_frame <= 0:
            raise ValueError(f"samples_per_frame must be positive, got {samples_per_frame}")
        self.samples_per_frame = samples_per_frame
        self._pending = np.zeros(0, dtype=np.int16)

    def push(self, samples: np.ndarray) -> list[np.ndarray]:
        """Add samples; return every whole frame now available, oldest first."""
        data = np.concatenate([self._pending, samples.astype(np.int16, copy=False)])
        whole = len(data) // self.samples_per_frame * self.samples_per_frame
        frames = [
            data[start : start + self.samples_per_frame]
            for start in range(0, whole, self.samples_per_frame)
        ]
        self._pending = data[whole:]
        return frames

    def flush(self) -> np.ndarray | None:
        """Return the partial frame left over, zero-padded to a whole frame, or None."""
        if len(self._pending) == 0:
            return None
        frame = np.zeros(self.samples_per_frame, dtype=np.int16)
        frame[: len(self._pending)] = self._pending
        self._pending = np.zeros(0, dtype=np.int16)
        return frame

    def clear(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)


class PrerollBuffer:
    """A bounded ring of the most recent chunks, so the words said right after the
    wake word are not clipped when recognition starts."""

    def __init__(self, max_samples: int) -> None:
        self.max_samples = max(0, max_samples)
        self._chunks: deque[np.ndarray] = deque()
        self._samples = 0

    def push(self, samples: np.ndarray) -> None:
        if self.max_samples == 0:
            return
        self._chunks.append(samples)
        self._samples += len(samples)
        while self._chunks and self._samples - len(self._chunks[0]) >= self.max_samples:
            self._samples -= len(self._chunks.popleft())

    def take(self) -> np.ndarray:
        """Return the newest `max_samples` samples held, and empty the buffer."""
        if not self._chunks:
            return np.zeros(0, dtype=np.int16)
        data = np.concatenate(list(self._chunks))[-self.max_samples :]
        self.clear()
        return data

    def clear(self) -> None:
        self._chunks.clear()
        self._samples = 0
