"""WAV files at the edges: read any common WAV into heard-audio format, write spoken audio."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voiced.audio import SAMPLE_RATE


class WavError(Exception):
    """A WAV file cannot be read; the message names the file and the reason."""


def to_heard_format(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Convert float audio of shape (frames,) or (frames, channels) to 16 kHz mono int16."""
    import soxr

    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if sample_rate != SAMPLE_RATE and len(data):
        data = soxr.resample(data, sample_rate, SAMPLE_RATE, quality="HQ")
    return np.clip(np.round(data * 32768.0), -32768, 32767).astype(np.int16)


def read_wav(path: Path) -> np.ndarray:
    """Read a WAV file of any common kind as 16 kHz mono int16 samples."""
    import soundfile

    if not path.exists():
        raise WavError(f"{path}: no such file")
    if not path.is_file():
        raise WavError(f"{path}: not a file")
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, OSError) as err:
        raise WavError(f"{path}: not a readable WAV file ({_reason(err)})") from err
    if info.format not in ("WAV", "WAVEX", "RF64"):
        raise WavError(f"{path}: not a WAV file (it is {info.format_info or info.format})")
    if info.samplerate <= 0 or info.channels <= 0:
        raise WavError(
            f"{path}: impossible header ({info.samplerate} Hz, {info.channels} channels)"
        )
    try:
        audio, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as err:
        raise WavError(f"{path}: cannot read the audio data ({_reason(err)})") from err
    if len(audio) == 0:
        raise WavError(f"{path}: holds no audio")
    return to_heard_format(audio, sample_rate)


def _reason(err: Exception) -> str:
    """libsndfile's message without the path it repeats ("Error opening 'x.wav': ...")."""
    text = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    return text.split("': ", 1)[-1].strip().rstrip(".")


class WavWriter:
    """Writes spoken audio to a 16-bit mono WAV file at the voice's own rate."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: wave.Wave_write | None = None
        self._sample_rate = 0

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = wave.open(str(self.path), "wb")  # noqa: SIM115 - open across writes
            self._file.setnchannels(1)
            self._file.setsampwidth(2)
            self._file.setframerate(sample_rate)
            self._sample_rate = sample_rate
        elif sample_rate != self._sample_rate:
            raise ValueError(
                f"{self.path}: sample rate changed from {self._sample_rate} to {sample_rate} Hz"
            )
        self._file.writeframes(samples.astype("<i2").tobytes())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
