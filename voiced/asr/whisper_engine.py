"""Whisper tiny.en on faster-whisper (CTranslate2, int8): decodes the whole command
at its endpoint."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voiced.asr import AsrError, require_dir
from voiced.audio import int16_to_float32
from voiced.config import AsrConfig

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, model_path: Path, config: AsrConfig) -> None:
        require_dir(model_path, MODEL_FILES, "Whisper")
        from faster_whisper import WhisperModel

        self.model_path = model_path
        self.config = config
        self._model = WhisperModel(
            str(model_path), device="cpu", compute_type="int8", cpu_threads=config.threads
        )

    def start(self, grammar: Sequence[str] | None = None) -> WhisperSession:
        # Whisper has no grammar; it is steered toward the phrases by a prompt.
        prompt = " ".join(grammar) if grammar else None
        return WhisperSession(self, prompt)

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> str:
        try:
            segments, _info = self._model.transcribe(
                int16_to_float32(samples),
                language=self.config.language,
                beam_size=self.config.beam_size,
                temperature=self.config.temperature,
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,
                initial_prompt=prompt,
            )
            return " ".join(segment.text.strip() for segment in segments).strip()
        except Exception as err:
            raise AsrError(f"Whisper failed on {len(samples)} samples: {err}") from err


class WhisperSession:
    def __init__(self, recognizer: WhisperRecognizer, prompt: str | None) -> None:
        self._recognizer = recognizer
        self._prompt = prompt
        self._chunks: list[np.ndarray] = []

    def accept(self, samples: np.ndarray) -> str | None:
        self._chunks.append(samples)
        return None

    def finish(self) -> str:
        if not self._chunks:
            return ""
        return self._recognizer.transcribe(np.concatenate(self._chunks), self._prompt)
