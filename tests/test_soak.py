"""A short soak: many mixed turns through one pipeline leak no memory, descriptors or
threads, and the history stays within its budget. (The full 1,000-turn soak is run by
hand: scripts/soak; its figures are in the README.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL

# Every test here loads the real models.
pytestmark = pytest.mark.slow


def test_short_soak_leaks_nothing(tmp_path: Path) -> None:
    config = tmp_path / "voiced.yaml"
    # A small history budget, so that the history is full after the warm-up and old
    # exchanges are dropped during the soak.
    config.write_text(
        f"models_dir: {MODELS_DIR}\nllm:\n  model: {TEST_LLM_MODEL}\n  history_token_budget: 200\n"
        "  temperature: 0.0\n"
    )
    soak_command = [sys.executable, str(ROOT / "scripts" / "soak"), "--config", str(config)]
    # The bound, as for the long soak. Descriptors and threads must not grow at all.
    bounds = ["--turns", "50", "--every", "5", "--max-growth", "0.05"]
    result = subprocess.run(
        [*soak_command, *bounds, "--json", str(tmp_path / "soak.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    soak = json.loads((tmp_path / "soak.json").read_text())
    assert soak["turns"] >= 50
    assert soak["answered"]["intent"] > 10 and soak["answered"]["llm"] > 10
    assert soak["answered"]["errors"] == 0
    assert soak["turns_over_budget"] == 0
    assert max(sample["history_tokens"] for sample in soak["samples"]) <= 200
    assert soak["fd_growth"] == 0 and soak["thread_growth"] == 0
    assert soak["rss_growth"] < 0.05
