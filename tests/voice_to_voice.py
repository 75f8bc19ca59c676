"""Voice to voice on `voiced replay --realtime`, measured as the live path measures it
(tests/pulse.py, live_voice_to_voice): from the last loud sample of the speech to the first
loud sample of the reply, both on one clock, so that the two paths compare like with like.

The recording is fed at real pace (WavFileSource: sample i is due at `started_at + i /
SAMPLE_RATE`, as from a microphone that adds nothing) and the reply is written at a
speaker's pace (PacedSink). The live path hears the reply's first sound on the speaker
sink; here a sound clock plays each write from when it comes, or from when the audio before
it ends if that is later (PacedSink's own rule), and dates the first loud sample in it.

The daemon's own figure, `latency_s`, starts later (at the chunk in which the VAD last heard
speech, as received) and ends earlier (at the first audio written, quiet or not): it is
kept beside these figures, never mixed with them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.pulse import MIC_RATE, speech_spans
from voiced.audio import SAMPLE_RATE
from voiced.config import Config
from voiced.devtools.bench_turns import median
from voiced.replay import replay_turns
from voiced.sinks import NullSink, PacedSink
from voiced.sources import WavFileSource
from voiced.tts import AudioSink
from voiced.turn.ports import Engines


class SoundClock:
    """A sink in front of another: when the first audio was written to it, and when the
    first loud sample of that audio sounds on a speaker that plays each write from when it
    comes, or when the audio before it ends if that is later."""

    def __init__(self, inner: AudioSink, clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.clock = clock
        self.first_written_at: float | None = None
        self.first_sound_at: float | None = None
        self._free_at = 0.0

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        if self.first_sound_at is None and len(samples):
            now = self.clock()
            if self.first_written_at is None:
                self.first_written_at = now
            plays_at = max(self._free_at, now)
            if spans := speech_spans(samples, sample_rate):
                self.first_sound_at = plays_at + spans[0][0] / sample_rate
            self._free_at = plays_at + len(samples) / sample_rate
        self.inner.write(samples, sample_rate)

    def end_reply(self, cut: bool) -> None:
        self.inner.end_reply(cut)

    def close(self) -> None:
        self.inner.close()


def last_loud_seconds(samples: np.ndarray) -> float:
    """Seconds from the first sample of a recording (16 kHz) to its last loud one, as the
    live path finds the end of the speech it played."""
    spans = speech_spans(samples, MIC_RATE)
    if not spans:
        raise ValueError("no speech in the recording")
    return spans[-1][1] / MIC_RATE


def paced_replay(
    config: Config, models: Engines, path: Path, lead_samples: int = 0
) -> tuple[dict[str, Any], float | None]:
    """One recording of one command through `voiced replay --realtime`'s pipeline (with a
    sound clock before the paced sink): the turn's
    report, and the seconds from the recording's last loud sample to the reply's first
    (None when nothing loud was said).

    `lead_samples` of silence go first: a microphone's chunks fall anywhere in the speech,
    a recording's always in the same place, and where they fall can change when the end
    of turn comes (kitchen-light-on ended early in 4 of 8 places, 2026-12-05)."""
    if SAMPLE_RATE != MIC_RATE:
        raise ValueError("the recording's clock and the live path's differ")
    source = WavFileSource([path], realtime=True)
    [(_path, samples)] = source.recordings
    samples = np.concatenate([np.zeros(lead_samples, np.int16), samples])
    source.recordings = [(path, samples)]
    sound = SoundClock(PacedSink(NullSink()))
    turns = replay_turns(config, models, source, sound)
    if len(turns) != 1:
        raise RuntimeError(f"{path}: {len(turns)} turns, not one")
    if source.started_at is None or sound.first_sound_at is None:
        return turns[0].to_json(), None
    speech_end_at = source.started_at + last_loud_seconds(samples)
    return turns[0].to_json(), round(sound.first_sound_at - speech_end_at, 3)


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 3)


def live_beside_replay(
    names: list[str],
    live_turns: list[dict[str, Any]],
    replay_turns: dict[str, list[dict[str, Any]]],
) -> dict[str, dict[str, float | None]]:
    """Per recording, medians: voice to voice as heard on both paths (live `heard_s`,
    replay `heard_s` from paced_replay) and their difference; and the daemon's own figure
    on both (live `logged_s`, replay `voice_to_voice_s`, which is the report's latency_s)
    and its difference."""
    compared = {}
    for name in names:
        live = [turn for turn in live_turns if turn["recording"] == Path(name).name]
        replayed = replay_turns.get(name, [])
        heard = median([turn["heard_s"] for turn in live])
        replay_heard = median([turn.get("heard_s") for turn in replayed])
        logged = median([turn["logged_s"] for turn in live])
        latency = median([turn["voice_to_voice_s"] for turn in replayed])
        compared[name] = {
            "live_heard_s": heard,
            "replay_heard_s": replay_heard,
            "live_minus_replay_heard_s": _minus(heard, replay_heard),
            "live_logged_s": logged,
            "replay_latency_s": latency,
            "logged_minus_latency_s": _minus(logged, latency),
        }
    return compared
