"""What the turn code needs of each engine: exactly the calls it makes, so that a real
engine and a test's fake both fit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np

from voiced.asr import Recognizer
from voiced.llm import Generation


class WakeWord(Protocol):
    name: str

    def score(self, chunk: np.ndarray) -> float:
        """The wake word's score for one chunk of heard audio."""

    def reset(self) -> None:
        """Forget what was heard (its buffers would fire on an old wake word)."""


class VoiceActivity(Protocol):
    threshold: float

    def probabilities(self, samples: np.ndarray) -> list[float]:
        """One speech probability per whole VAD frame now complete."""

    def reset(self) -> None: ...


class Llm(Protocol):
    def ask(self, user: str, speculative: bool = False) -> Generation:
        """Begin answering `user`; the pieces stream out of the generation."""

    def remember(self, generation: Generation) -> None:
        """Keep an adopted speculative answer in the conversation."""


class Voice(Protocol):
    sample_rate: int

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        """int16 audio of `text` at `sample_rate`, in pieces."""


class Engines(Protocol):
    """Every engine a turn uses (voiced.models.Models, or a test's fakes)."""

    @property
    def wake(self) -> WakeWord: ...

    @property
    def vad(self) -> VoiceActivity: ...

    @property
    def recognizer(self) -> Recognizer: ...

    @property
    def llm(self) -> Llm: ...

    @property
    def tts(self) -> Voice: ...
