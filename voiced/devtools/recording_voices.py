"""A test recording's voice named in one string, as scripts/make-recordings' tables name
it: "piper", "piper-fast" (sox tempo 1.4), "espeak:VOICE:WPM", or "human:FILE", a real
person's recording from Debian's pocketsphinx-testdata."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from voiced.devtools.recording_files import write_quietly
from voiced.devtools.speech import espeak, piper, read

POCKETSPHINX_DATA = Path("/usr/share/pocketsphinx/test/data")


def say_as(voice: str, text: str) -> np.ndarray:
    """A NOT_COMMANDS voice: piper, piper-fast, espeak:VOICE:WPM or human:FILE."""
    kind, _, rest = voice.partition(":")
    if kind == "human":
        path = POCKETSPHINX_DATA / rest
        if not path.exists():
            raise SystemExit(f"{path} is missing: apt-get install pocketsphinx-testdata")
        if path.suffix == ".raw":
            return np.fromfile(path, "<i2").astype(np.float32) / 32768
        return read(path)
    if kind == "espeak":
        name, wpm = rest.split(":")
        return espeak(text, name, int(wpm))
    audio = piper(text)
    if kind == "piper-fast":
        with tempfile.TemporaryDirectory() as scratch:
            slow, fast = Path(scratch) / "slow.wav", Path(scratch) / "fast.wav"
            write_quietly(slow, audio)
            subprocess.run(["sox", str(slow), str(fast), "tempo", "-s", "1.4"], check=True)
            return read(fast)
    return audio
