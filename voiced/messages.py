"""The small typed messages that stages pass to one another."""

from __future__ import annotations

from dataclasses import dataclass, field

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
class Transcript:
    text: str
    engine: str


@dataclass(frozen=True)
class Sentence:
    text: str
    index: int


@dataclass(frozen=True)
class SpokenAudio:
    """Synthesised audio at the voice's own sample rate."""

    samples: np.ndarray
    sample_rate: int
    sentence_index: int = field(default=0)
