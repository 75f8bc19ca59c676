"""A native library that crashes is named, never a silent death: the build flags chosen for
the CPU, the probes run by setup and `voiced check`, and the Python stack of a daemon killed
by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.test_service import NotifySocket, start, wait_for_log, write_config
from voiced.buildflags import cmake_args
from voiced.probes import FAULT_ENV, PROBES, probe_in_child

SAPPHIRE_RAPIDS = (
    "processor\t: 0\nflags\t\t: fpu sse4_2 avx f16c fma bmi2 avx2 avx512f avx512dq avx512cd "
    "avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 avx_vnni amx_bf16 amx_tile amx_int8\n"
    "processor\t: 1\nflags\t\t: fpu\n"
)
EPYC_ZEN2 = "flags\t\t: fpu sse4_2 avx f16c fma bmi2 avx2\n"
PI4_A72 = "processor\t: 0\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU part\t: 0xd08\n"
PI5_A76 = "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid "
PI5_A76 += "asimdrdm lrcpc dcpop asimddp\n"


def options(args: list[str]) -> dict[str, str]:
    return dict(arg.removeprefix("-D").split("=", 1) for arg in args)


def test_amx_is_never_built_and_native_is_off() -> None:
    chosen = options(cmake_args("x86_64", SAPPHIRE_RAPIDS))
    assert chosen["GGML_NATIVE"] == "OFF"
    assert {chosen[k] for k in ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")} == {"OFF"}
    # Everything else the CPU has is used.
    for option in ("GGML_AVX2", "GGML_AVX512", "GGML_AVX512_VNNI", "GGML_AVX512_BF16"):
        assert chosen[option] == "ON", option


def test_features_the_cpu_lacks_are_off() -> None:
    chosen = options(cmake_args("x86_64", EPYC_ZEN2))
    assert chosen["GGML_AVX2"] == "ON" and chosen["GGML_FMA"] == "ON"
    assert chosen["GGML_AVX512"] == "OFF" and chosen["GGML_AVX_VNNI"] == "OFF"
    # No flags line at all (a sandbox hides /proc/cpuinfo): every optional kernel off.
    bare = options(cmake_args("x86_64", ""))
    assert bare["GGML_NATIVE"] == "OFF" and bare["GGML_AVX"] == "OFF"


def test_raspberry_pi_cores() -> None:
    assert options(cmake_args("aarch64", PI4_A72))["GGML_CPU_ARM_ARCH"] == "armv8-a"
    assert options(cmake_args("aarch64", PI5_A76))["GGML_CPU_ARM_ARCH"] == (
        "armv8.2-a+fp16+dotprod"
    )
    assert cmake_args("riscv64", "") == []


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
    result = subprocess.run(
        ["scripts/setup"], cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, FAULT_ENV: "asr"},
    )  # fmt: skip
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
        process.send_signal(signal.SIGSEGV)
        assert process.wait(timeout=10) == -signal.SIGSEGV
        wait_for_log(log, "Fatal Python error: Segmentation fault", 5)
        stack = "".join(log)
        assert "voiced/pipeline.py" in stack and "in run" in stack
    finally:
        if process.poll() is None:
            process.kill()
        notify.close()
