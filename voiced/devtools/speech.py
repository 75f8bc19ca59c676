"""Speech made for tests and measurements: Piper and espeak-ng voices, silence and pink
noise (sox), all as float32 audio at 16 kHz."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from voiced.audio import SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[2]
RATE = SAMPLE_RATE
PIPER_VOICE = ROOT / "models" / "piper" / "en_US-joe-medium.onnx"


def piper(text: str) -> np.ndarray:
    from piper import PiperVoice

    voice = PiperVoice.load(str(PIPER_VOICE))
    audio = np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text)])
    return resample(audio, voice.config.sample_rate)


def espeak(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", raw.name, text], check=True
        )
        return read(Path(raw.name))


def read(path: Path) -> np.ndarray:
    import soundfile

    audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return resample(audio.mean(axis=1), rate)


def resample(audio: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    return soxr.resample(audio, rate, RATE) if rate != RATE else audio


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] as 16-bit samples, clipped."""
    return np.clip(np.round(audio * 32767), -32768, 32767).astype("<i2")


def pink_noise(path: Path, seconds: str, volume: str) -> None:
    command = ["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(path)]
    subprocess.run([*command, "synth", seconds, "pinknoise", "vol", volume], check=True)


def speak(kind: str, text: str) -> np.ndarray:
    if kind == "piper_trimmed":
        return trimmed(piper(text))
    return piper(text) if kind == "piper" else espeak(text)


def trimmed(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Without the near-silence before and after the words."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def speech_end_in(audio: np.ndarray, threshold: float = 0.02) -> float:
    """Where the last speech ends (the last sample above `threshold`), in seconds."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return round(float(loud[-1] + 1) / RATE, 3) if len(loud) else 0.0


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)
