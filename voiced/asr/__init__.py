"""Speech recognition behind one small engine interface.

An engine starts a session per command; the session is fed heard audio as it
arrives (a streaming engine decodes as it goes and offers partial text) and
gives the final text at the endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voiced.asr_config import AsrSettings, WhisperAsrConfig
from voiced.errors import ModelError, VoicedError


class AsrError(VoicedError):
    """Recognition failed for one command."""


@dataclass(frozen=True)
class Decoding:
    """One decoding of a command: with the command bias or without it, and Whisper's own
    confidence in it (None where the engine gives none)."""

    transcript: str
    biased: bool
    # Mean log-probability per token, and the probability that there was no speech.
    avg_log_prob: float | None = None
    no_speech_prob: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "biased": self.biased,
            "transcript": self.transcript,
            "avg_log_prob": None if self.avg_log_prob is None else round(self.avg_log_prob, 3),
            "no_speech_prob": None
            if self.no_speech_prob is None
            else round(self.no_speech_prob, 3),
        }


class Decoder(Protocol):
    """The decoding of the audio of one command up to some moment, made when called (on
    any thread), and again without the command bias when asked."""

    def __call__(self) -> str:
        """The text, heard as the session was started (with the bias, if it was given)."""

    def without_bias(self) -> str | None:
        """The same audio decoded again without the bias; None when the first decoding had
        none (it already is unbiased)."""

    @property
    def decodings(self) -> list[Decoding]:
        """Every decoding made so far, in order."""


class RecognizerSession(Protocol):
    def accept(self, samples: np.ndarray) -> str | None:
        """Feed heard audio; return the new partial text, if the engine has one."""

    def finish(self) -> str:
        """The final text of everything fed."""

    def final_decoder(self) -> Decoder:
        """The final decoding of everything fed, at the endpoint (`finish` is its text)."""

    def decoder(self) -> Decoder:
        """The decoding of what was fed so far, to run on another thread while the session
        is fed on (speculation at a pause), or at the endpoint."""


class Recognizer(Protocol):
    name: str
    model_path: Path
    # The threads it decodes on; None where the engine does not say (Vosk).
    threads: int | None

    def start(self, grammar: Sequence[str] | None = None) -> RecognizerSession:
        """A session for one command, optionally limited to the `grammar` phrases."""


def whisper_dir(models_dir: Path, config: WhisperAsrConfig) -> Path:
    return config.model_path(models_dir)


def choose_engine(models_dir: Path, config: AsrSettings) -> str:
    """The engine that runs: `auto` picks Vosk when its model is installed."""
    return config.chosen(models_dir).engine


def load_recognizer(models_dir: Path, config: AsrSettings) -> Recognizer:
    return config.load(models_dir)


def require_dir(path: Path, files: Sequence[str], role: str) -> None:
    missing = [name for name in files if not (path / name).exists()]
    if missing:
        what = "missing" if not path.is_dir() else f"incomplete (no {', '.join(missing)})"
        raise ModelError(f"{role} model {path} is {what}", fix="scripts/fetch-models")
