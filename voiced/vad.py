"""Voice activity: the Silero VAD ONNX model, which noise does not fool the way an
energy threshold is fooled."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiced.audio import SAMPLE_RATE, FrameBuffer, int16_to_float32, samples_to_seconds
from voiced.onnx import load_session

# Silero VAD works on 30 ms windows at 16 kHz.
SAMPLES_PER_VAD_FRAME = 480
SECONDS_PER_VAD_FRAME = samples_to_seconds(SAMPLES_PER_VAD_FRAME)


class SileroVad:
    """Speech probability per 30 ms frame; keeps the model's recurrent state between calls."""

    def __init__(self, models_dir: Path, threshold: float) -> None:
        self.threshold = threshold
        self.path = models_dir / "wakeword" / "silero_vad.onnx"
        self._session = load_session(self.path, "voice activity")
        self._frames = FrameBuffer(SAMPLES_PER_VAD_FRAME)
        self._sample_rate = np.array(SAMPLE_RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((2, 1, 64), dtype=np.float32)
        self._c = np.zeros((2, 1, 64), dtype=np.float32)
        self._frames.clear()

    def probabilities(self, samples: np.ndarray) -> list[float]:
        """Feed any number of samples; one probability per whole frame now complete."""
        return [self._frame_probability(frame) for frame in self._frames.push(samples)]

    def _frame_probability(self, frame: np.ndarray) -> float:
        inputs = {
            "input": int16_to_float32(frame)[None, :],
            "sr": self._sample_rate,
            "h": self._h,
            "c": self._c,
        }
        output, self._h, self._c = self._session.run(None, inputs)
        return float(np.squeeze(output))
