"""The small typed messages that stages pass to one another."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiced.audio import samples_to_seconds


@dataclass(frozen=True)
class AudioChunk:
    """Heard audio: 16 kHz mono int16 samples, and where they start in the input."""

    samples: np.ndarray
    start_s: float
    # Wall-clock (time.monotonic) moment the chunk entered the pipeline.
    received_at: float

    @property
    def end_s(self) -> float:
        return self.start_s + samples_to_seconds(len(self.samples))


@dataclass(frozen=True)
class WakeDetected:
    wake_word: str
    score: float
    at_s: float


@dataclass(frozen=True)
class Stop:
    """On a worker's queue: the worker ends (after passing it on, if it feeds another)."""
