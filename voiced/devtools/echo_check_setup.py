"""What scripts/echo-check measures with: the barge-in-echo recordings and where their two
wake words begin, voiced configured for them (the tests' small LLM, a simulated echo, the
canceller on or off), and how soon after its first word a wake word counts as heard."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiced.audio import SAMPLE_RATE
from voiced.config import Config, parse_config

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT / "tests" / "recordings" / "barge-in-echo"
# The small LLM of the tests: a long answer begins within a few seconds on a busy machine.
LLM = {"model": "SmolLM2-135M-Instruct.Q4_1.gguf", "temperature": 0.0, "seed": 0}
HEARD_WITHIN_SECONDS = 2.5
LOUD = 500  # of 32768


def configured(level_db: float | None, cancel: bool, state: Path) -> Config:
    return parse_config(
        {
            "models_dir": str(ROOT / "models"),
            "llm": {**LLM, "max_tokens": 400, "context_tokens": 4096},
            "asr": {"whisper": {"temperature": 0.0}},
            "state_file": {"path": str(state)},
            "echo": {"cancel": cancel, "simulate_db": level_db},
            # A question's answer is the whole reply here, no window after it.
            "conversation": {"follow_up_seconds": 0.0},
        },
        "echo-check",
    )


def wake_word_starts(samples: np.ndarray) -> tuple[float, float]:
    """Where the first and the second "hey jarvis" begin: the start of the recording's
    speech, and the first loud sample after its longest silence."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > LOUD)
    gaps = np.diff(loud)
    longest = int(np.argmax(gaps))
    return loud[0] / SAMPLE_RATE, loud[longest + 1] / SAMPLE_RATE
