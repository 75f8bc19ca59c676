"""Speech recognition behind one small engine interface.

An engine starts a session per command; the session is fed heard audio as it
arrives (a streaming engine decodes as it goes and offers partial text) and
gives the final text at the endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from voiced.config import AsrConfig
from voiced.errors import ModelError, VoicedError


class AsrError(VoicedError):
    """Recognition failed for one command."""


class RecognizerSession(Protocol):
    def accept(self, samples: np.ndarray) -> str | None:
        """Feed heard audio; return the new partial text, if the engine has one."""

    def finish(self) -> str:
        """The final text of everything fed."""

    def decoder(self) -> Callable[[], str]:
        """A call that gives the text of what was fed so far, to run on another thread
        while the session is fed on (speculation at a pause)."""


class Recognizer(Protocol):
    name: str
    model_path: Path

    def start(self, grammar: Sequence[str] | None = None) -> RecognizerSession:
        """A session for one command, optionally limited to the `grammar` phrases."""


def whisper_dir(models_dir: Path, config: AsrConfig) -> Path:
    return models_dir / "whisper" / config.whisper_model


def vosk_dir(models_dir: Path, config: AsrConfig) -> Path:
    return models_dir / "vosk" / config.vosk_model


def choose_engine(models_dir: Path, config: AsrConfig) -> str:
    """`auto` picks Vosk when its model is installed, Whisper otherwise."""
    if config.engine != "auto":
        return config.engine
    return "vosk" if (vosk_dir(models_dir, config) / "am").is_dir() else "whisper"


def load_recognizer(models_dir: Path, config: AsrConfig) -> Recognizer:
    engine = choose_engine(models_dir, config)
    if engine == "vosk":
        from voiced.asr.vosk_engine import VoskRecognizer

        return VoskRecognizer(vosk_dir(models_dir, config))
    from voiced.asr.whisper_engine import WhisperRecognizer

    return WhisperRecognizer(whisper_dir(models_dir, config), config)


def require_dir(path: Path, files: Sequence[str], role: str) -> None:
    missing = [name for name in files if not (path / name).exists()]
    if missing:
        what = "missing" if not path.is_dir() else f"incomplete (no {', '.join(missing)})"
        raise ModelError(f"{role} model {path} is {what}", fix="scripts/fetch-models")
