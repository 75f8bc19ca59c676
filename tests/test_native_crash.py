"""A native library that crashes is named, never a silent death: the probes run by setup and
`voiced check`, and the Python stack of a daemon killed by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL
from tests.llm_left_running import QUESTION, TORN_DOWN
from tests.notify_socket import NotifySocket
from tests.test_service import start, wait_for_log, write_config
from voiced.probes import FAULT_ENV, PROBES, probe_in_child

# The cache setup keeps llama-cpp-python's wheel in, as it was before the tests gave the
# session a private cache: a setup run that finds the venv stale reuses the wheel there
# instead of compiling it for minutes.
USER_CACHE = os.environ.get("XDG_CACHE_HOME")


def test_a_library_that_crashes_is_named_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "llm")
    [llm] = [probe for probe in PROBES if probe.name == "llm"]
    outcome = probe_in_child(llm, [])
    assert not outcome.ok
    assert "llama.cpp" in outcome.detail and "SIGSEGV" in outcome.detail
    assert "LLAMA_CMAKE_ARGS" in outcome.detail and "AMX" in outcome.detail


@pytest.mark.slow
def test_voiced_check_names_a_crashing_library(tmp_path: Path) -> None:
    config = tmp_path / "voiced.yaml"
    config.write_text(f"models_dir: {ROOT / 'models'}\n")
    result = subprocess.run(
        [sys.executable, "-m", "voiced.cli", "check", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, FAULT_ENV: "wake"},
    )  # fmt: skip
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1, result.stdout
    assert "wake word" in problems[0] and "crashed with SIGSEGV" in problems[0]
    # The others were still tried, each in its own process.
    assert "ok       language model" in result.stdout


@pytest.mark.slow
def test_setup_names_a_crashing_library_and_fails() -> None:
    env = {**os.environ, FAULT_ENV: "asr"}
    env.pop("XDG_CACHE_HOME")
    if USER_CACHE is not None:
        env["XDG_CACHE_HOME"] = USER_CACHE
    result = subprocess.run(
        ["scripts/setup"], cwd=ROOT, capture_output=True, text=True, timeout=900, env=env
    )
    assert result.returncode == 1
    assert "speech recognition: the speech recogniser" in result.stderr
    assert "crashed with SIGSEGV" in result.stderr
    assert "ok       language model" in result.stderr


@pytest.mark.slow
def test_a_daemon_killed_by_a_signal_leaves_its_python_stack(tmp_path: Path) -> None:
    """What systemd's journal shows of a crash: every thread's Python stack, so the stage
    that was running is named (here the listening loop)."""
    notify = NotifySocket(tmp_path / "notify")
    config = tmp_path / "voiced.yaml"
    write_config(config)
    log: list[str] = []
    process = start(config, notify, log)
    try:
        notify.wait_for("READY=1", 120)
        # READY=1 comes just before the loop starts: the wake word heard in the played file
        # shows the main thread inside the loop, where it stays (silence follows the file).
        wait_for_log(log, "wake word hey_jarvis", 60)
        process.send_signal(signal.SIGSEGV)
        assert process.wait(timeout=10) == -signal.SIGSEGV
        wait_for_log(log, "Fatal Python error: Segmentation fault", 5)
        stack = "".join(log)
        assert "voiced/turn/loop.py" in stack and "in run" in stack
    finally:
        if process.poll() is None:
            process.kill()
        notify.close()


def died_of(signal_number: int) -> type:
    """A Popen whose child died of that signal at once."""

    class Died:
        returncode = -signal_number

        def __init__(self, *args: object, **kwargs: object) -> None: ...

        def __enter__(self) -> Died:
            return self

        def __exit__(self, *exc: object) -> None: ...

        def communicate(self, timeout: float | None = None) -> tuple[str, str]:
            return "", ""

    return Died


def test_a_signal_without_a_name_is_reported_by_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real-time signal (SIGRTMIN+1, 35 on Linux) has no name in Python's enum."""
    monkeypatch.setattr(subprocess, "Popen", died_of(35))
    outcome = probe_in_child(PROBES[0], [])
    assert not outcome.ok and "crashed with signal 35" in outcome.detail


def test_a_child_killed_by_sigkill_is_said_to_lack_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel's out-of-memory killer, most often: no rebuild of the library helps."""
    monkeypatch.setattr(subprocess, "Popen", died_of(9))
    llm = next(probe for probe in PROBES if probe.name == "llm")
    outcome = probe_in_child(llm, [])
    assert not outcome.ok and "killed (SIGKILL)" in outcome.detail
    assert "memory" in outcome.detail and "rebuild" not in outcome.detail


@pytest.mark.slow
def test_a_process_ending_with_the_llm_in_a_model_call_exits_with_its_code(
    tmp_path: Path,
) -> None:
    """`voiced ask` interrupted while llama.cpp reads the question, on a machine slower
    than close()'s wait: the worker is left in its call. The process was torn down under
    it and died of SIGSEGV (in ggml's graph computation, as exit() destroyed its static
    objects) more often than not; it now ends at once with its code (130 after Ctrl-C)."""
    config = tmp_path / "voiced.yaml"
    config.write_text(
        f"models_dir: {MODELS_DIR}\nllm:\n  model: {TEST_LLM_MODEL}\n"
        f"state_file: {{path: {tmp_path / 'state.json'}}}\n"
    )
    command = ["ask", "--config", str(config), "--out", str(tmp_path / "reply.wav"), QUESTION]
    result = subprocess.run(
        [sys.executable, "-m", "tests.llm_left_running", *command],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    said = "\n".join(line[:200] for line in result.stderr.splitlines()[-8:])
    assert result.returncode == 130, said
    # The worker was indeed still in its call as the process ended, and nothing was torn
    # down under it.
    assert "exiting with the llm thread still in a native call" in result.stderr
    assert TORN_DOWN not in result.stderr
