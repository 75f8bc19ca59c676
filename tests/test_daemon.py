"""`voiced run` as a real process: waiting for a microphone, stopping on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL

# Every test here loads the real models.
pytestmark = pytest.mark.slow


def start_daemon(tmp_path: Path, input_device: str) -> subprocess.Popen[str]:
    config = tmp_path / "voiced.yaml"
    config.write_text(
        f"models_dir: {MODELS_DIR}\nllm: {{model: {TEST_LLM_MODEL}}}\n"
        f"state_file: {{path: {tmp_path / 'state.json'}}}\n"
        f"audio:\n  input_device: {input_device}\n"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "voiced.cli", "run", "--config", str(config)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen[str], needle: str, timeout_seconds: float) -> list[str]:
    assert process.stderr is not None
    deadline = time.monotonic() + timeout_seconds
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} never logged; got:\n{''.join(lines)}")


def test_missing_microphone_leaves_it_waiting_and_sigterm_stops_it(tmp_path: Path) -> None:
    daemon = start_daemon(tmp_path, "no-such-microphone")
    try:
        read_until(daemon, "ready", timeout_seconds=120)
        lines = read_until(daemon, "retrying in 2 s", timeout_seconds=30)
        assert any("microphone 'no-such-microphone' not found" in line for line in lines)
        assert daemon.poll() is None, "the daemon gave up instead of waiting"

        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
