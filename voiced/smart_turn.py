"""End of turn from the voice: Smart Turn v3.2 (Daily, BSD-2-Clause), a small int8 Whisper
encoder that gives the probability that the speaker has finished, from the last 8 s of audio.

Its input is Whisper's log-mel spectrogram of exactly 8 s, computed here in numpy the way the
model was trained (pipecat's `_whisper_features.py`, itself after Hugging Face's
`WhisperFeatureExtractor`, Apache-2.0; tests/test_smart_turn.py compares the two). What
matters: shorter audio is padded with zeros at the START (the end of the speech stays at the
end of the window), and the waveform is normalised over the whole padded window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE
from voiced.onnx import load_session

MODEL_FILE = "smart-turn/smart-turn-v3.2-cpu.onnx"
WINDOW_SECONDS = 8
WINDOW_SAMPLES = WINDOW_SECONDS * SAMPLE_RATE
FFT_SIZE = 400  # 25 ms frames
HOP_SAMPLES = 160  # every 10 ms: 800 frames in the window
MEL_BANDS = 80
_VARIANCE_FLOOR = 1e-7
_POWER_FLOOR = 1e-10


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_step = 27.0 / np.log(6.4)
    linear = 3.0 * hz / 200.0
    logarithmic = 15.0 + np.log(np.maximum(hz, 1e-12) / 1000.0) * log_step
    return np.where(hz >= 1000.0, logarithmic, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    linear = 200.0 * mel / 3.0
    logarithmic = 1000.0 * np.exp(np.log(6.4) / 27.0 * (mel - 15.0))
    return np.where(mel >= 15.0, logarithmic, linear)


def _mel_filters() -> np.ndarray:
    """Triangular filters, area-normalised (Slaney), shape (bands, FFT bins)."""
    edges_hz = _mel_to_hz(np.linspace(0.0, _hz_to_mel(np.array(SAMPLE_RATE / 2)), MEL_BANDS + 2))
    bins_hz = np.linspace(0, SAMPLE_RATE // 2, FFT_SIZE // 2 + 1)
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bins_hz[None, :]) / (upper - centre)
    filters = np.maximum(0.0, np.minimum(rising, falling))
    return filters * (2.0 / (upper - lower))


_FILTERS = _mel_filters()
# Periodic Hann window (as torch.hann_window).
_WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FFT_SIZE) / FFT_SIZE)


def window(samples: np.ndarray) -> np.ndarray:
    """The last 8 s of 16 kHz audio as floats in [-1, 1], zero-padded at the start."""
    audio = samples.astype(np.float32)
    if samples.dtype == np.int16:
        audio /= 32768.0
    audio = audio[-WINDOW_SAMPLES:]
    return np.concatenate([np.zeros(WINDOW_SAMPLES - len(audio), np.float32), audio])


def features(samples: np.ndarray) -> np.ndarray:
    """Whisper's log-mel features of `window(samples)`: float32, (80, 800)."""
    audio = window(samples)
    # Normalised in float32, over the padded window, as the model was trained.
    audio = (audio - audio.mean()) / np.sqrt(audio.var() + _VARIANCE_FLOOR)
    half = FFT_SIZE // 2
    padded = np.pad(audio.astype(np.float64), (half, half), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, FFT_SIZE)[::HOP_SAMPLES]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=-1)) ** 2
    log_mel = np.log10(np.maximum(_POWER_FLOOR, _FILTERS @ power.T))[:, :-1]
    log_mel = np.maximum(log_mel, log_mel.max() - 8.0)
    return ((log_mel + 4.0) / 4.0).astype(np.float32)


class SmartTurn:
    """Owned by the listening thread. One call takes 40-150 ms on one core (docs/endpoint.md)."""

    def __init__(self, models_dir: Path, threads: int = 1) -> None:
        # No memory pattern: 10 MB less at the process's peak, no slower (docs/memory.md).
        self._session: Any = load_session(
            models_dir / MODEL_FILE, "end-of-turn", threads, pattern=False, quantized=True
        )

    def probability(self, samples: np.ndarray) -> float:
        """The probability that the speech in `samples` (16 kHz, its end last) is a
        finished turn; the audio should end with the pause (~0.2 s) after the words."""
        batch = features(samples)[None, :, :]
        output = self._session.run(None, {"input_features": batch})[0]
        return float(np.asarray(output).reshape(-1)[0])
