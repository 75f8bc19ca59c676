"""scripts/bench's live path: `voiced run` on a private PulseAudio, voice to voice as a person
waits, beside the replay figure of the same recordings; and how it is printed."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voiced.devtools.bench_turns import RECORDINGS, median, progress

# Recordings measured on the live path too (one question, two commands): each turn of it
# plays at real pace, so not all of them.
LIVE_TURNS = ["ask-capital", "commands/kitchen-light-on", "commands/time-piper"]


def live_path(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """`voiced run` on a private PulseAudio (tests/pulse.py), each LIVE_TURNS recording
    played into its microphone and the reply recorded from its speaker: voice to voice as a
    person waits, beside the replay --realtime figure of the same recording in this run."""
    import shutil

    from tests.pulse import PULSEAUDIO, live_voice_to_voice

    if not shutil.which("paplay") or not Path(PULSEAUDIO).exists():
        return {"skipped": "pulseaudio and pulseaudio-utils are not installed"}
    progress("live path: voiced run on PulseAudio")
    turns = live_voice_to_voice(
        [RECORDINGS / f"{name}.wav" for name in LIVE_TURNS], args.runs, args.config
    )
    per_recording = {}
    for name in LIVE_TURNS:
        mine = [turn for turn in turns if turn["recording"] == Path(name).name]
        live = median([turn["heard_s"] for turn in mine])
        replayed = median([turn["voice_to_voice_s"] for turn in runs[name]])
        per_recording[name] = {
            "live_heard_s": live,
            "live_logged_s": median([turn["logged_s"] for turn in mine]),
            "replay_realtime_s": replayed,
            "live_minus_replay_s": None
            if live is None or replayed is None
            else round(live - replayed, 3),
        }
    return {"per_recording": per_recording, "turns": turns}


def show_live_path(result: dict[str, Any], row: Callable[..., None]) -> None:
    """The live path's lines of the printed table, each figure through `row`."""
    live = result["live_path"]
    print(f"live path (voiced run on PulseAudio) beside replay --realtime, {result['runs']} runs")
    if "skipped" in live:
        print(f"  skipped: {live['skipped']}")
    else:
        print("  voice to voice: live as heard (the daemon's own figure), replay --realtime")
        for name, figures in live["per_recording"].items():
            row(
                f"  {name}",
                f"{figures['live_heard_s']} ({figures['live_logged_s']})",
                f"{figures['replay_realtime_s']}  live - replay {figures['live_minus_replay_s']}"
                "  target <= 0.1",
            )
