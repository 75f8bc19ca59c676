"""`voiced replay --echo`: the replies come back into the recording through a simulated
loudspeaker and room, and the canceller takes them out again, in a subprocess as a person
would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, recording, words
from voiced.wavio import read_wav

pytestmark = pytest.mark.slow


def replay_with_echo(tmp_path: Path, level_db: str, *extra: str) -> dict[str, object]:
    config = tmp_path / "voiced.yaml"
    config.write_text(
        f"models_dir: {MODELS_DIR}\n"
        f"llm: {{model: {TEST_LLM_MODEL}, temperature: 0.0, seed: 0, max_tokens: 400,"
        " context_tokens: 4096}\n"
        f"state_file: {{path: {tmp_path / 'state.json'}}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "reply.wav"
    result = subprocess.run(
        [
            sys.executable, "-m", "voiced.cli", "replay", str(recording("barge-in-echo/piper")),
            "--echo", level_db, "--config", str(config), "--out", str(out), "--report", "-",
            *extra,
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    report["log"] = result.stderr
    report["reply_samples"] = len(read_wav(out)) if out.exists() else 0
    return report


def test_a_wake_word_under_the_echo_of_the_answer_cuts_it(tmp_path: Path) -> None:
    report = replay_with_echo(tmp_path, "-5")
    story, time_now = report["turns"]  # type: ignore[misc]
    assert story["interrupted"] and story["reply_audio_seconds"] > 1.0, report["log"]
    assert words(time_now["transcript"]) >= {"what", "time", "is", "it"}
    assert time_now["intent"]["name"] == "HassGetCurrentTime"
    # The canceller found the simulated room's delay: 120 ms and the high-pass's 8 ms.
    assert "echo delay 0.1" in str(report["log"]), report["log"]


def test_echo_is_refused_out_of_range(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voiced.cli", "replay", str(recording("silence")), "--echo", "99"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "simulate_db" in result.stderr
