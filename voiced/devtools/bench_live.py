"""scripts/bench's live path: `voiced run` on a private PulseAudio, voice to voice as a person
waits, beside the replay figure of the same recordings; and how it is printed."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voiced.audio import SAMPLES_PER_CHUNK
from voiced.config import Config
from voiced.devtools.bench_turns import RECORDINGS, progress, voiced_turn
from voiced.models import Models

# Recordings measured on the live path too (one question, two commands): each turn of it
# plays at real pace, so not all of them.
LIVE_TURNS = ["ask-capital", "commands/kitchen-light-on", "commands/time-piper"]


def live_path(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """`voiced run` on a private PulseAudio (tests/pulse.py), each LIVE_TURNS recording
    played into its microphone and the reply recorded from its speaker: voice to voice as a
    person waits, beside the replay --realtime figure of the same recording in this run."""
    import shutil

    from tests.pulse import PULSEAUDIO, live_voice_to_voice
    from tests.voice_to_voice import live_beside_replay

    if not shutil.which("paplay") or not Path(PULSEAUDIO).exists():
        return {"skipped": "pulseaudio and pulseaudio-utils are not installed"}
    progress("live path: voiced run on PulseAudio")
    turns = live_voice_to_voice(
        [RECORDINGS / f"{name}.wav" for name in LIVE_TURNS], args.runs, args.config
    )
    per_recording = live_beside_replay(LIVE_TURNS, turns, runs)
    return {"per_recording": per_recording, "turns": turns}


def measure_live(config: Config, models: Models, args: argparse.Namespace) -> dict[str, Any]:
    """--only live: the replay --realtime turns of LIVE_TURNS, then the live path."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in LIVE_TURNS}
    for run in range(args.runs):
        for name in LIVE_TURNS:
            progress(f"run {run + 1}/{args.runs}: {name}")
            # The chunks fall in a new place each run, as a microphone's do.
            lead = run * SAMPLES_PER_CHUNK // args.runs
            runs[name].append(voiced_turn(config, models, RECORDINGS / f"{name}.wav", lead))
    models.close()
    return {"runs": args.runs, "replay_turns": runs, "live_path": live_path(args, runs)}


def show_live_path(result: dict[str, Any], row: Callable[..., None]) -> None:
    """The live path's lines of the printed table, each figure through `row`."""
    live = result["live_path"]
    print(f"live path (voiced run on PulseAudio) beside replay --realtime, {result['runs']} runs")
    if "skipped" in live:
        print(f"  skipped: {live['skipped']}")
    else:
        print("  as heard (last loud sample -> first loud reply sample): live, replay")
        for name, figures in live["per_recording"].items():
            row(
                f"  {name}",
                f"{figures['live_heard_s']} {figures['replay_heard_s']}",
                f"live - replay {figures['live_minus_replay_heard_s']}  target <= 0.1",
            )
        print("  the daemon's own figure (latency_s): live logged, replay")
        for name, figures in live["per_recording"].items():
            row(
                f"  {name}",
                f"{figures['live_logged_s']} {figures['replay_latency_s']}",
                f"live - replay {figures['logged_minus_latency_s']}",
            )


def show_live(result: dict[str, Any]) -> None:
    """--only live: the live path's lines alone."""

    def row(name: str, value: Any, target: str = "") -> None:
        print(f"  {name:<44} {'-' if value is None else value!s:>10}  {target}")

    show_live_path(result, row)
