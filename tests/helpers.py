"""Paths and configuration shared by the tests."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from voiced.audio import SAMPLES_PER_CHUNK
from voiced.config import Config, parse_config
from voiced.vad import SAMPLES_PER_VAD_FRAME, SECONDS_PER_VAD_FRAME

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "recordings"
MODELS_DIR = ROOT / "models"
# The most a pause grows by from one chunk to the next, as the listener measures it: the
# voice activity frames one chunk completes (three of 30 ms in an 80 ms chunk). A turn
# ended at the first chunk whose pause reached a length heard less than this more.
PAUSE_PER_CHUNK_S = math.ceil(SAMPLES_PER_CHUNK / SAMPLES_PER_VAD_FRAME) * SECONDS_PER_VAD_FRAME
# Tests that need a language model, not the default's knowledge, use the small fast one.
TEST_LLM_MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Set by tests/conftest.py when the run is the fast tier (pytest -m "not slow").
FAST_TIER = False


def examples(full: int) -> int:
    """How many examples a property test tries: all of them in a whole run (scripts/test,
    or one test file), a quarter in the fast tier, which is run at every change."""
    return max(10, full // 4) if FAST_TIER else full


def recording(name: str) -> Path:
    return RECORDINGS / f"{name}.wav"


def words(text: str) -> set[str]:
    """The words of a transcript, lower case, without punctuation."""
    return set(re.findall(r"[a-z']+", text.lower()))


def saved_devices(path: Path) -> dict[str, Any]:
    """The devices in the state_file back end's file at `path`; none before it is written."""
    if not path.exists():
        return {}
    devices: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["devices"]
    return devices


def repeatable_config(**sections: object) -> Config:
    """The defaults, made repeatable: greedy LLM decoding and Whisper at temperature 0."""
    data: dict[str, Any] = {
        "llm": {"model": TEST_LLM_MODEL, "temperature": 0.0, "seed": 0},
        "asr": {"whisper": {"temperature": 0.0}},
    }
    for name, values in sections.items():
        if isinstance(values, dict):
            data.setdefault(name, {}).update(values)
        else:  # a list section (devices) is replaced whole
            data[name] = values
    return parse_config({"models_dir": str(MODELS_DIR), **data}, "test configuration")


def run_voiced(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The `voiced` command run to its end, with `env` added to this environment."""
    return subprocess.run(
        [sys.executable, "-m", "voiced.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def assert_nowhere(secrets: list[str], **outputs: str) -> None:
    """No secret is in any of the texts, named by keyword (stderr=..., report=...)."""
    for secret in secrets:
        for where, text in outputs.items():
            assert secret not in text, f"the secret {secret!r} is in the {where}"


# Memory-backed where the system has it: there fsync returns at once, so a property test
# that writes a file per example waits for no disk. Renames and reads behave as on disk.
SCRATCH_PARENT = Path("/dev/shm") if Path("/dev/shm").is_dir() else None


def scratch_directory() -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for one hypothesis example (tmp_path is one per test)."""
    return tempfile.TemporaryDirectory(dir=SCRATCH_PARENT)
