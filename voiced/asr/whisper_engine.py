"""Whisper tiny.en on faster-whisper (CTranslate2, int8): decodes the whole command at
its endpoint, or the command so far at a pause (speculation).

Every decode pays for Whisper's whole 30-second window. Shorter windows (as whisper.cpp's
audio_ctx) were measured 2-4x faster here (a 10 s window: 0.54 → 0.26 s per command), but
Whisper, trained on 30 s, then repeats commands ("Turn off the kitchen light. Turn off
the kitchen light.") and hears commands in noise: intent accuracy fell from 95.8 % to
83-87 % on the command recordings, padded with silent features or silent audio alike."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from voiced.asr import AsrError, require_dir
from voiced.audio import int16_to_float32, seconds_to_samples
from voiced.config import AsrConfig

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
# Samples this quiet at the end of a command are digital silence; a fixed tail replaces them.
SILENCE_LEVEL = 30
TAIL_SECONDS = 0.5


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
        return self.decoder()()

    def decoder(self) -> Callable[[], str]:
        """The decoding of what was fed so far, to run on another thread while more is fed.
        Whisper's words change with a few milliseconds more or less of silence after them
        ("capital of Italy" / "capital immediately"): the digital silence at the end is cut
        and a fixed tail put in its place, so that a speculation at a pause and the decoding
        at the endpoint hear the same audio."""
        if not self._chunks:
            return lambda: ""
        samples = np.concatenate(self._chunks)
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
        end = int(loud[-1]) + 1 if len(loud) else len(samples)
        tail = np.zeros(seconds_to_samples(TAIL_SECONDS), np.int16)
        audio = np.concatenate([samples[:end], tail])
        return lambda: self._recognizer.transcribe(audio, self._prompt)
