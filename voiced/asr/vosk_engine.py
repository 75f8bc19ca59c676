"""Vosk's KaldiRecognizer: streaming recognition, partial results, runtime grammar."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voiced.asr import AsrError, require_dir
from voiced.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

MODEL_FILES = ("am", "conf", "graph")
# Vosk's grammar keyword for "anything else".
UNKNOWN_WORD = "[unk]"


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model_path: Path) -> None:
        require_dir(model_path, MODEL_FILES, "Vosk")
        import vosk

        vosk.SetLogLevel(-1)
        self.model_path = model_path
        try:
            self._model = vosk.Model(str(model_path))
        except Exception as err:
            raise AsrError(f"Vosk cannot load the model in {model_path}: {err}") from err

    def start(self, grammar: Sequence[str] | None = None) -> VoskSession:
        import vosk

        if grammar:
            phrases = json.dumps([*grammar, UNKNOWN_WORD], ensure_ascii=False)
            recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, phrases)
        else:
            recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        return VoskSession(recognizer)


class VoskSession:
    """Decodes as audio arrives, so the transcript is ready when speech ends."""

    def __init__(self, recognizer: Any) -> None:
        self._recognizer = recognizer
        # Vosk closes an utterance at each pause it hears; a command may span several.
        self._finished_parts: list[str] = []
        self._last_partial = ""

    def accept(self, samples: np.ndarray) -> str | None:
        if self._recognizer.AcceptWaveform(samples.astype("<i2").tobytes()):
            self._keep(json.loads(self._recognizer.Result()).get("text", ""))
            partial = ""
        else:
            partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        text = " ".join([*self._finished_parts, partial]).strip()
        if text and text != self._last_partial:
            self._last_partial = text
            return text
        return None

    def finish(self) -> str:
        self._keep(json.loads(self._recognizer.FinalResult()).get("text", ""))
        return " ".join(self._finished_parts).strip()

    def decoder(self) -> Callable[[], str]:
        """What was heard so far: Vosk has decoded it already, as the partial result."""
        text = self._last_partial
        return lambda: text

    def _keep(self, text: str) -> None:
        words = [word for word in text.split() if word != UNKNOWN_WORD]
        if words:
            self._finished_parts.append(" ".join(words))
