"""scripts/echo-check's mixes: a person mixed into the echo of a spoken reply, at several
levels and moments, chunk by chunk through the canceller (or not) and the wake word model;
the same under clock drift; and the canceller's CPU per second of audio."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK
from voiced.devtools.echo_check_setup import (
    HEARD_WITHIN_SECONDS,
    RECORDINGS,
    configured,
    wake_word_starts,
)
from voiced.echo import EchoCanceller
from voiced.echo_sim import SimulatedRoom
from voiced.models import Models
from voiced.wavio import read_wav

# The echo cancelled is measured over this much of the reply before the person speaks.
ERLE_SECONDS = 1.0
# Clock drift: the person late in the reply, where the echo has drifted most.
DRIFT_PPM = [0.0, 100.0, 200.0, 500.0]
DRIFT_OFFSETS_SECONDS = [8.0, 12.0, 16.0]
DRIFT_LEVEL_DB = -5.0
# Where in the reply the person begins (seconds).
OFFSETS_SECONDS = [3.0, 5.0, 7.0, 9.0, 11.0]
REPLY_TEXT = (
    "Once upon a time, in a land far away, there lived a dragon named Ember. She lived in a"
    " lighthouse by the sea, and every night she lit the lamp with her fiery breath, so that"
    " the ships could find their way home through the storms. The sailors loved her, and they"
    " brought her fish and stories from distant lands."
)


def story(models: Models) -> tuple[np.ndarray, int]:
    """The reply, in voiced's voice at its own rate."""
    audio = np.concatenate(list(models.tts.synthesize(REPLY_TEXT, cached=False)))
    return audio.astype(np.int16), models.tts.sample_rate


def person(path: Path) -> np.ndarray:
    """The recording from just before its second wake word."""
    samples = read_wav(path)
    _first, second = wake_word_starts(samples)
    return samples[max(0, int((second - 0.1) * SAMPLE_RATE)) :]


def scores(
    models: Models,
    reply: tuple[np.ndarray, int],
    said: np.ndarray,
    at_s: float,
    level_db: float,
    cancel: bool,
    drift_ppm: float = 0.0,
) -> tuple[float, float, float | None]:
    """The highest wake word score where the person speaks, and before it; and the echo
    cancelled (ERLE, dB) over the ERLE_SECONDS before the person speaks."""
    audio, rate = reply
    length = int(len(audio) / rate * SAMPLE_RATE) + SAMPLE_RATE
    heard = np.zeros(length, dtype=np.int16)
    at = int(at_s * SAMPLE_RATE)
    heard[at : at + len(said)] = said[: max(0, length - at)]
    room = SimulatedRoom(level_db, drift_ppm)
    room.match_speech_of(type("Said", (), {"recordings": [(None, said)]})())
    echo_energy = residual_energy = 0.0
    canceller = (
        EchoCanceller(configured(level_db, True, Path("/dev/null")).echo) if cancel else None
    )
    step = int(rate * SAMPLES_PER_CHUNK / SAMPLE_RATE)
    if drift_ppm:
        # A chunk written ahead, as a writer paced by the loudspeaker keeps it fed: the
        # echo runs on at the loudspeaker's clock instead of starting afresh each write.
        room.played(np.zeros(step, dtype=np.int16), rate)
        if canceller is not None:
            canceller.played(np.zeros(step, dtype=np.int16), rate)
    wake = models.wake
    wake.reset()
    before = during = 0.0
    for n, start in enumerate(range(0, length - SAMPLES_PER_CHUNK + 1, SAMPLES_PER_CHUNK)):
        piece = audio[n * step : (n + 1) * step]
        if len(piece):
            room.played(piece, rate)
            if canceller is not None:
                canceller.played(piece, rate)
        chunk = room.process(heard[start : start + SAMPLES_PER_CHUNK])
        echoed = chunk
        if canceller is not None:
            chunk = canceller.process(chunk)
        if at - ERLE_SECONDS * SAMPLE_RATE <= start < at:
            echo_energy += float(np.sum(echoed.astype(np.float64) ** 2))
            residual_energy += float(np.sum(chunk.astype(np.float64) ** 2))
        score = wake.score(chunk)
        if start < at:
            before = max(before, score)
        elif start < at + HEARD_WITHIN_SECONDS * SAMPLE_RATE:
            during = max(during, score)
    if canceller is not None:
        canceller.close()
    erle = None
    if echo_energy > 0 and residual_energy > 0:
        erle = round(10 * np.log10(echo_energy / residual_energy), 1)
    return during, before, erle


def mixed_cases(models: Models, paths: list[Path], levels: list[float]) -> dict[str, Any]:
    reply = story(models)
    threshold = models.wake.threshold  # type: ignore[attr-defined]
    silent = np.zeros(SAMPLE_RATE, dtype=np.int16)
    out: dict[str, Any] = {}
    for level in levels:
        row: dict[str, Any] = {}
        for cancel in (False, True):
            cases = []
            for path in paths:
                said = person(path)
                for offset in OFFSETS_SECONDS:
                    during, before, erle = scores(models, reply, said, offset, level, cancel)
                    cases.append(
                        {
                            "recording": path.stem,
                            "offset_s": offset,
                            "score": round(during, 3),
                            "score_before": round(before, 3),
                            "heard": bool(during >= threshold),
                            "false_wake": bool(before >= threshold),
                            "erle_db": erle,
                        }
                    )
            # The echo alone, the person silent throughout.
            _during, alone, _erle = scores(models, reply, silent, 1e6, level, cancel)
            row["cancelled" if cancel else "raw"] = {
                "cases": cases,
                "echo_only_score": round(alone, 3),
                "echo_only_false_wake": bool(alone >= threshold),
            }
            print(f"echo-check: mixed, {level:+.0f} dB, cancel {cancel}", file=sys.stderr)
        out[str(level)] = row
    return out


def drift_cases(models: Models, paths: list[Path]) -> dict[str, Any]:
    """The loudspeaker's clock DRIFT_PPM faster than the microphone's: heard, cancelled,
    at DRIFT_LEVEL_DB, with the person late in the reply."""
    reply = story(models)
    threshold = models.wake.threshold  # type: ignore[attr-defined]
    out: dict[str, Any] = {"reply_seconds": round(len(reply[0]) / reply[1], 1)}
    for ppm in DRIFT_PPM:
        cases = []
        for path in paths:
            said = person(path)
            for offset in DRIFT_OFFSETS_SECONDS:
                during, before, erle = scores(
                    models, reply, said, offset, DRIFT_LEVEL_DB, True, ppm
                )
                cases.append(
                    {
                        "recording": path.stem,
                        "offset_s": offset,
                        "score": round(during, 3),
                        "heard": bool(during >= threshold),
                        "false_wake": bool(before >= threshold),
                        "erle_db": erle,
                    }
                )
        print(f"echo-check: drift {ppm:.0f} ppm", file=sys.stderr, flush=True)
        out[str(ppm)] = cases
    return out


def canceller_cpu_per_second(level_db: float) -> float:
    """CPU seconds the canceller takes per second of audio while a reply echoes (a
    recording stands for the reply), on this thread alone."""
    reply = np.concatenate([read_wav(path) for path in sorted(RECORDINGS.glob("*.wav"))])
    config = configured(level_db, True, Path("/dev/null")).echo
    room, canceller = SimulatedRoom(level_db), EchoCanceller(config)
    for start in range(0, len(reply) - SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK):
        piece = reply[start : start + SAMPLES_PER_CHUNK]
        room.played(piece, SAMPLE_RATE)
        canceller.played(piece, SAMPLE_RATE)
        canceller.process(room.process(np.zeros(SAMPLES_PER_CHUNK, dtype=np.int16)))
    canceller.close()
    return canceller.cpu_seconds / canceller.audio_seconds
