"""scripts/turn-end-data's parts: every pause of 0.2 s or more in the test recordings,
replayed through voiced's pipeline with the 80 ms chunks falling in one or several places,
with what the voice (Smart Turn, at several lengths of silence) and the words (the
speculative transcript, and the same audio decoded without the command bias) said of it,
how long the pause grew as the voice activity model measured it, and whether the speaker
had in fact finished there."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE
from voiced.config import Config
from voiced.devtools.bench_turns import RECORDINGS, chunk_place, source_after_silence
from voiced.devtools.speech import speech_end_in
from voiced.listener import CaptureProgress
from voiced.models import load_models
from voiced.pause_judge import PauseJudge, audio_at
from voiced.replay import replay
from voiced.speculation import Speculation
from voiced.wavio import read_wav

# A pause this close to the end of the speech is the end of the turn.
FINAL_WITHIN_S = 0.3
# The lengths of silence the voice is judged on (the pause as the voice activity model
# measures it): the policy's first judgement, and later ones a policy may ask again at.
VOICE_AT_S = (0.2, 0.28, 0.36, 0.44, 0.52)
OTHERS = [
    "ask-capital",
    "ask-moon",
    "ask-plants",
    "ask-joke",
    "ask-sky",
    "espeak-ask-capital",
    "pause-corrected-command",
    "pause-mid-command",
    "pause-mid-question",
    "incomplete-command",
    *(
        f"commands/{name}"
        for name in [
            "kitchen-light-on",
            "kitchen-light-off",
            "coffee-maker-on",
            "bedroom-lamp-off",
            "kitchen-light-50",
            "timer-five-minutes",
            "time-piper",
            "date-espeak",
            "state-kitchen-light",
            "weather-today",
            "never-mind",
            "living-room-light-on",
        ]
    ),
]
# The bench's own pause recordings pause this long inside.
BENCH_PAUSE_S = 0.4


def positions(count: int) -> list[int]:
    """`count` places for the chunks, spread over one chunk: samples of silence first."""
    return [chunk_place(i, count) for i in range(count)]


def speech_end_s(path: Path) -> float:
    """The end of the last speech in a recording (sample level above 0.02)."""
    return speech_end_in(read_wav(path).astype(np.float32) / 32768)


class Recorder(PauseJudge):
    """Judges every pause as the pipeline does, notes it, and never ends the turn."""

    def __init__(self, judge: PauseJudge) -> None:
        super().__init__(judge.config, judge.endpoint, judge.smart_turn)
        self.pauses: list[dict[str, Any]] = []

    def ends(
        self, progress: CaptureProgress | None, speculation: Speculation | None, audio: Any
    ) -> bool:
        super().ends(progress, speculation, audio)
        if progress is None or progress.pause_s + 1e-9 < self.config.voice_after_seconds:
            return False
        at_s = round(progress.wake.at_s + progress.last_speech_end_s, 3)
        row = self.pauses[-1] if self.pauses and self.pauses[-1]["at_s"] == at_s else None
        if row is None:
            row = {
                "at_s": at_s,
                "voices": {},
                "words": None,
                "transcript": None,
                "complete_command": False,
                "unbiased": None,
                "check": None,
                "max_pause_s": 0.0,
            }
            self.pauses.append(row)
        row["max_pause_s"] = round(max(row["max_pause_s"], progress.pause_s), 3)
        if self.smart_turn is not None:
            samples = None
            for wanted in VOICE_AT_S:
                key = f"{wanted:.2f}"
                if key in row["voices"] or progress.pause_s + 1e-9 < wanted:
                    continue
                samples = audio() if samples is None else samples
                row["voices"][key] = round(
                    self.smart_turn.probability(audio_at(samples, progress.pause_s, wanted)),
                    3,
                )
        words = self._words(progress, speculation)
        if (
            speculation is None
            or speculation.progress.last_speech_end_s != progress.last_speech_end_s
        ):
            return False  # no speculation on this pause (yet)
        if words is not None and row["words"] is None:
            row["words"] = words.value
            heard = speculation.recognized
            row["transcript"] = heard.transcript if heard is not None else None
            row["complete_command"] = speculation.complete_command
        if row["unbiased"] is None and speculation.checked.is_set():
            row["unbiased"] = [d.transcript for d in speculation.decode.decodings if not d.biased]
            check = speculation.heard_check()
            row["check"] = None if check is None else check.decision
        return False


def replay_at(config: Config, models: Any, path: Path, lead_samples: int) -> dict[str, Any]:
    """A recording replayed (words waited for) with `lead_samples` of silence first."""
    return replay(config, models, source_after_silence(path, lead_samples))


def collect(
    config: Config, leads: Sequence[int], names: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every pause of every recording at every place of the chunks."""
    import voiced.pipeline

    models = load_models(config)
    manifest = json.loads((RECORDINGS / "pauses" / "expected.json").read_text())
    if names is None:
        names = [f"pauses/{name}" for name in manifest] + OTHERS
    rows = []
    recorders: list[Recorder] = []
    original = voiced.pipeline.PauseJudge

    def spy(*args: Any, **kwargs: Any) -> Recorder:
        recorder = Recorder(original(*args, **kwargs))
        recorders.append(recorder)
        return recorder

    voiced.pipeline.PauseJudge = spy  # type: ignore[misc,assignment]
    try:
        for name in names:
            path = RECORDINGS / f"{name}.wav"
            short = name.removeprefix("pauses/")
            end_s = (
                manifest[short]["speech_end_seconds"] if short in manifest else speech_end_s(path)
            )
            for lead in leads:
                recorders.clear()
                models.llm.conversation.exchanges.clear()
                replay_at(config, models, path, lead)
                for pause in recorders[0].pauses:
                    final = pause["at_s"] >= end_s + lead / SAMPLE_RATE - FINAL_WITHIN_S
                    row = {"recording": name, "lead": lead, "final": final, **pause}
                    rows.append(row)
                    voices = " ".join(f"{p:.2f}" for p in pause["voices"].values())
                    print(
                        f"{name:34s} {lead:5d} {'END ' if final else 'mid '} "
                        f"{pause['max_pause_s']:.2f} [{voices}] {pause['words'] or '-':10s} "
                        f"{pause['transcript']!r} {pause['unbiased']!r} {pause['check']}",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        voiced.pipeline.PauseJudge = original  # type: ignore[misc]
    models.close()
    return rows


def pause_length_s(recording: str, manifest: dict[str, Any]) -> float:
    """How long the pause inside a recording is (the bench's own pause recordings: 0.4 s)."""
    name = recording.removeprefix("pauses/")
    if name != recording:
        return float(manifest[name]["pause_seconds"])
    return BENCH_PAUSE_S


def evaluate(
    rows: list[dict[str, Any]], wait_of: Callable[[dict[str, Any]], float]
) -> dict[str, Any]:
    """What a policy (`wait_of`: the silence it waits at a pause) does with these pauses: the
    pauses inside sentences it cuts (its wait reached before the pause, as the voice
    activity model measured it, was over), by pause length, and the silence it waits at
    the real ends (words known at once, as in a replay)."""
    manifest = json.loads((RECORDINGS / "pauses" / "expected.json").read_text())
    cut: dict[float, list[str]] = {}
    waits: dict[str, list[float]] = {}
    for row in rows:
        wait = wait_of(row)
        if row["final"]:
            waits.setdefault(row["recording"], []).append(wait)
            continue
        length = pause_length_s(row["recording"], manifest)
        cut.setdefault(length, [])
        if wait <= row["max_pause_s"] + 1e-9:
            cut[length].append(f"{row['recording'].removeprefix('pauses/')}@{row['lead']}")
    every = [wait for values in waits.values() for wait in values]
    return {
        "cut": {length: len(names) for length, names in sorted(cut.items())},
        "cut_at": sorted(name for names in cut.values() for name in names),
        "end_waits": {wait: every.count(wait) for wait in sorted(set(every))},
        "median_end_wait_s": sorted(every)[len(every) // 2] if every else None,
        "waits": {name: sorted(values) for name, values in waits.items()},
    }
