"""The end-of-turn recordings (tests/recordings/pauses and its expected.json, made by
scripts/make-recordings): sentences with a pause inside, said with several pause lengths
by Piper, espeak-ng and real people, and whole sentences with none."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voiced.devtools.recording_files import OUT, write
from voiced.devtools.recording_voices import say_as
from voiced.devtools.speech import RATE, espeak, piper, silence, speech_end_in, trimmed

# Sentences with a pause inside, for end-of-turn (tests/recordings/pauses, scripts/bench):
# name -> (what comes before the pause, text before it, text after it); each is said with
# every pause in PAUSE_SECONDS. Piper's words are trimmed, so the pause is what is written.
PAUSE_SECONDS = (0.4, 0.7, 1.0, 1.3)
PAUSED_SENTENCES = {
    "comma-umbrella": ("comma", "If it rains tomorrow,", "should I take an umbrella?"),
    "comma-timer": ("comma", "When the pasta is on,", "set a timer for ten minutes."),
    "and-lights": ("conjunction", "Turn off the kitchen light and", "the ceiling fan."),
    "and-sky": ("conjunction", "Why is the sky blue and", "why are sunsets red?"),
    "um-lamp": ("filler", "Turn on the, um,", "the bedroom lamp."),
    "um-capital": ("filler", "What is the, um,", "the capital of Germany?"),
}
# The same in espeak-ng's voice: its falling tone sounds finished to Smart Turn mid-sentence.
ESPEAK_PAUSED = {
    "espeak-and-lights": ("conjunction", "Turn off the kitchen light and", "the ceiling fan."),
    "espeak-comma-umbrella": ("comma", "If it rains tomorrow,", "should I take an umbrella?"),
}
# Real people (pocketsphinx-testdata's LibriVox readings, public domain): the clip is cut
# where its words part (found with Whisper's word times and the quietest 10 ms nearby) and
# the pause put in: name -> (what comes before it, clip, seconds into the clip, its words).
LIBRIVOX = "librivox/sense_and_sensibility_01_austen_64kb-"
HUMAN_PAUSED = {
    "human-0890-and": (
        "conjunction",
        f"{LIBRIVOX}0890.wav",
        2.5,
        "unless to be rather cold hearted and rather selfish is to be ill disposed",
    ),
    "human-0920-comma": (
        "comma",
        f"{LIBRIVOX}0920.wav",
        2.6,
        "had he married a more amiable woman he might have been made still more respectable"
        " than he was",
    ),
    "human-0880-an": ("word", f"{LIBRIVOX}0880.wav", 1.31, "he was not an ill disposed young man"),
    "human-0930-made": (
        "word",
        f"{LIBRIVOX}0930.wav",
        1.78,
        "he might even have been made amiable himself",
    ),
}
# Whole sentences with nothing after them, and real clips with their own pauses only.
COMPLETE = {
    "complete-umbrella": ("piper", "Should I take an umbrella tomorrow?"),
    "complete-lights": ("piper", "Turn off the kitchen light and the ceiling fan."),
    "complete-lamp": ("piper", "Turn on the bedroom lamp."),
    "complete-capital": ("piper", "What is the capital of Germany?"),
    "human-0870-whole": (
        f"human:{LIBRIVOX}0870.wav",
        "and mister john dashwood had then leisure to consider how much there might be"
        " prudently in his power to do for them",
    ),
    "human-0920-whole": (
        f"human:{LIBRIVOX}0920.wav",
        "had he married a more amiable woman he might have been made still more respectable"
        " than he was",
    ),
}


def word_boundary(audio: np.ndarray, at_s: float, within_s: float = 0.08) -> int:
    """The quietest 10 ms near `at_s`: where two words part in a real recording."""
    hop = RATE // 100
    start = max(0, int((at_s - within_s) * RATE))
    stop = min(len(audio) - hop, int((at_s + within_s) * RATE))
    energies = [float(np.square(audio[i : i + hop]).mean()) for i in range(start, stop, hop // 4)]
    return start + int(np.argmin(energies)) * (hop // 4) + hop // 2


def make_pauses(wanted: Callable[[Path], bool]) -> None:
    """tests/recordings/pauses and its expected.json: what was said, where it paused and
    for how long, and when the speech ends (a turn ended before then was cut)."""
    folder = OUT / "pauses"
    manifest_path = folder / "expected.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    wake = [silence(0.5), piper("Hey Jarvis!"), silence(0.3)]

    def keep(name: str, audio: np.ndarray, text: str, after: str, pause: float) -> None:
        write(folder / f"{name}.wav", audio)
        manifest[name] = {
            "text": text,
            "after": after,
            "pause_seconds": pause,
            "speech_end_seconds": speech_end_in(audio),
        }

    for sentences, speak in ((PAUSED_SENTENCES, piper), (ESPEAK_PAUSED, espeak)):
        for name, (after, before, rest) in sentences.items():
            for pause in PAUSE_SECONDS:
                if wanted(folder / f"{name}-{pause}.wav"):
                    words = [trimmed(speak(before)), silence(pause), trimmed(speak(rest))]
                    audio = np.concatenate([*wake, *words, silence(1.5)])
                    keep(f"{name}-{pause}", audio, f"{before} {rest}", after, pause)
    for name, (after, clip, at_s, text) in HUMAN_PAUSED.items():
        for pause in PAUSE_SECONDS:
            if wanted(folder / f"{name}-{pause}.wav"):
                spoken = say_as(f"human:{clip}", text)
                cut = word_boundary(spoken, at_s)
                words = [spoken[:cut], silence(pause), spoken[cut:]]
                audio = np.concatenate([*wake, *words, silence(1.5)])
                keep(f"{name}-{pause}", audio, text, after, pause)
    for name, (voice, text) in COMPLETE.items():
        if wanted(folder / f"{name}.wav"):
            spoken = say_as(voice, text)
            spoken = trimmed(spoken) if voice == "piper" else spoken
            keep(name, np.concatenate([*wake, spoken, silence(1.5)]), text, "none", 0.0)
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")
