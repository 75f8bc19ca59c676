"""What the turn code needs of each engine: exactly the calls it makes, so that a real
engine and a test's fake both fit. The wake word and the VAD are voiced.engines' own
protocols; the turn uses less of the LLM and the voice than voiced.engines declares
(loading, warming and closing are the daemon's), so those two are narrower here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np

from voiced.asr import Recognizer
from voiced.engines import Vad as VoiceActivity
from voiced.engines import WakeWord
from voiced.generation import Generation
from voiced.smart_turn import SmartTurn


class Llm(Protocol):
    def ask(self, user: str, speculative: bool = False) -> Generation:
        """Begin answering `user`; the pieces stream out of the generation."""

    def remember(self, generation: Generation, said: str | None = None) -> None:
        """Keep an adopted speculative answer in the conversation, or `said`: what was
        heard of an answer cut short or cut while it was spoken, in its place."""


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

    @property
    def smart_turn(self) -> SmartTurn | None:
        """The end-of-turn model; None when turn_end is off (the words alone judge)."""
