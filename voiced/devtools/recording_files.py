"""Where scripts/make-recordings puts the test recordings and how it writes one: 16-bit
mono WAV at 16 kHz, with a line saying what was written (or without, for a scratch file)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voiced.devtools.speech import RATE, ROOT, to_int16

OUT = ROOT / "tests" / "recordings"


def write(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = to_int16(audio)
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(pcm.tobytes())
    print(f"{path.relative_to(ROOT)}: {len(pcm) / RATE:.1f} s")


def write_quietly(path: Path, audio: np.ndarray) -> None:
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(to_int16(audio).tobytes())
