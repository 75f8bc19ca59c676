"""Smoke tests of the native libraries, each in a child process of its own.

A segfault inside llama.cpp, CTranslate2, Vosk, onnxruntime or libspeexdsp kills the process
before any Python handler runs: the daemon would die with no word of why. So `scripts/setup`,
`scripts/install` and `voiced check` first let each library do one small real inference in a
child, as the configuration uses it (the end-of-turn model and the echo canceller only when
they are on), and a child that dies by a signal is reported by name: which library, which
signal, and the fix.

    python -m voiced.probes [--config FILE] [--models-dir DIR]    # every probe, a line each
    python -m voiced.probes --child NAME ...                       # one probe, in this process
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from voiced.config import EX_CONFIG, Config, ConfigError, load_config
from voiced.errors import VoicedError

# For tests: the probe named here kills its own child with SIGSEGV before it starts, as a
# crashing library would, so the report can be seen without a broken build.
FAULT_ENV = "VOICED_PROBE_FAULT"
# Children run two at a time: each is mostly imports and one small inference, so two take
# about a third off the check on two cores. Two children hold less than the daemon, which
# loads every model in one process: a machine that runs voiced runs two probes.
PROBES_AT_ONCE = 2
# A probe that takes longer has hung; loading the LLM on a Pi is the slowest (~20 s).
PROBE_TIMEOUT_SECONDS = 300.0

# The probes' child processes running now (probe_all's threads add and remove them).
_children_lock = threading.Lock()
_children: set[subprocess.Popen[str]] = set()

REBUILD_LLAMA = (
    "rebuild llama-cpp-python for this CPU: `scripts/setup` chooses the features from "
    "/proc/cpuinfo (never the AMX kernels, which crash); to choose them yourself, set "
    "LLAMA_CMAKE_ARGS (e.g. '-DGGML_NATIVE=OFF -DGGML_AVX2=ON') and run it again"
)
REINSTALL = "reinstall the venv (`rm -r .venv && scripts/setup`) and report the CPU model"


@dataclass(frozen=True)
class Probe:
    name: str
    # What `voiced check` calls it.
    title: str
    library: str
    work: str
    fix: str


PROBES = (
    Probe("wake", "wake word", "onnxruntime (openWakeWord)", "one wake-word inference", REINSTALL),
    Probe("vad", "voice activity", "onnxruntime (Silero VAD)", "one voice-activity inference",
          REINSTALL),
    Probe("asr", "speech recognition", "the speech recogniser (CTranslate2 or Vosk)",
          "one decode", REINSTALL),
    Probe("llm", "language model", "llama.cpp (llama-cpp-python)",
          "one token of the language model", REBUILD_LLAMA),
    Probe("turn", "end of turn", "onnxruntime (Smart Turn)", "one end-of-turn inference",
          REINSTALL),
    Probe("tts", "voice", "onnxruntime (Piper)", "one spoken sentence", REINSTALL),
    Probe("echo", "echo cancelling", "libspeexdsp (Speex)", "one echo-cancelled chunk",
          "reinstall Debian's libspeexdsp1, or set echo.cancel: false"),
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    ok: bool
    detail: str


def run_probe(config: Config, name: str) -> str:
    """Do `name`'s one inference here, in this process; returns what was loaded."""
    import numpy as np

    from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK

    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGSEGV)
    models_dir = config.models_dir
    # Quiet noise, not zeros: a decoder may take another path on exact silence.
    noise = np.random.default_rng(0).normal(0, 30, SAMPLE_RATE).astype(np.int16)
    if name == "llm":
        from voiced.llm import LlmWorker
        from voiced.models import llm_path

        # A server (llm.engine openai) is no native library: `voiced check` asks it.
        local = config.llm.local()
        if local is None:
            return f"no local model (llm.engine {config.llm.engine}, no fallback)"
        # Loading ends with the system prompt evaluated and one token generated.
        worker = LlmWorker(llm_path(config), local)
        try:
            worker.wait_ready()
        finally:
            worker.close()
        cores = "all cores" if worker.cpus is None else f"cores {worker.cpus}"
        answer = f"{llm_path(config)} ({worker.threads} threads, {cores})"
        return answer if local is config.llm else f"fallback {answer}"
    if name == "asr":
        from voiced.asr import load_recognizer

        recognizer = load_recognizer(models_dir, config.asr)
        session = recognizer.start()
        session.accept(noise)
        session.finish()
        if (threads := recognizer.threads) is not None:
            return f"{recognizer.model_path} ({threads} thread{'' if threads == 1 else 's'})"
        return str(recognizer.model_path)
    if name == "tts":
        tts = config.tts.load(models_dir)
        if not sum(len(audio) for audio in tts.synthesize("Ready.")):
            raise VoicedError("the voice spoke no audio")
        return f"{config.tts.voice} at {tts.sample_rate} Hz"
    if name == "wake":
        detector = config.wake.load(models_dir)
        for start in range(0, SAMPLE_RATE - SAMPLES_PER_CHUNK + 1, SAMPLES_PER_CHUNK):
            detector.score(noise[start : start + SAMPLES_PER_CHUNK])
        return str(getattr(detector, "path", config.wake.model))
    if name == "turn":
        if not config.turn_end.enabled:
            return "off (turn_end.enabled: false)"
        from voiced.smart_turn import MODEL_FILE, SmartTurn

        SmartTurn(models_dir).probability(noise)
        return str(models_dir / MODEL_FILE)
    if name == "echo":
        if not config.echo.cancel:
            return "off (echo.cancel: false)"
        from voiced.audio import seconds_to_samples
        from voiced.echo import SPEEX_FRAME_SAMPLES
        from voiced.speex import SpeexEcho

        speex = SpeexEcho(
            SPEEX_FRAME_SAMPLES,
            seconds_to_samples(config.echo.filter_seconds),
            SAMPLE_RATE,
            config.echo.suppress_db,
        )
        try:
            chunk = noise[:SAMPLES_PER_CHUNK]
            speex.process(chunk, chunk)
        finally:
            speex.close()
        return f"libspeexdsp, a {config.echo.filter_seconds:g} s filter"
    if name == "vad":
        vad = config.vad.load(models_dir, config.endpoint.vad_threshold)
        vad.probabilities(noise)
        return str(getattr(vad, "path", config.vad.engine))
    raise ValueError(f"no probe called {name!r}")


def probe_in_child(
    probe: Probe, child_args: Sequence[str], timeout_seconds: float = PROBE_TIMEOUT_SECONDS
) -> Outcome:
    """Run one probe in a child process; a death by signal is named with its fix."""
    command = [sys.executable, "-m", "voiced.probes", "--child", probe.name, *child_args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        with _children_lock:
            _children.add(child)
        try:
            stdout, stderr = child.communicate(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return Outcome(probe, False, f"{probe.library} hung for {timeout_seconds:.0f} s")
        finally:
            with _children_lock:
                _children.discard(child)
    if child.returncode == -signal.SIGKILL:
        # Not a crash of the library: the kernel's out-of-memory killer, most often.
        return Outcome(
            probe,
            False,
            f"{probe.library} was killed (SIGKILL) during {probe.work}, most often for want "
            "of memory; fix: free memory or add swap (`journalctl -k` says what killed it)",
        )
    if child.returncode < 0:
        try:
            name = signal.Signals(-child.returncode).name
        except ValueError:  # a real-time signal has no name
            name = f"signal {-child.returncode}"
        return Outcome(
            probe,
            False,
            f"{probe.library} crashed with {name} during {probe.work}; fix: {probe.fix}",
        )
    lines = [line for line in stdout.splitlines() if line.strip()]
    if child.returncode != 0:
        errors = [line for line in stderr.splitlines() if line.strip()]
        why = errors[-1] if errors else f"exit code {child.returncode}"
        return Outcome(probe, False, f"{probe.library} failed during {probe.work}: {why}")
    return Outcome(probe, True, lines[-1] if lines else probe.work)


def probe_all(
    child_args: Sequence[str], report: Callable[[Outcome], None] | None = None
) -> list[Outcome]:
    """Every probe, `PROBES_AT_ONCE` children at a time; each outcome is reported in the
    order of PROBES as soon as it and those before it are known."""
    children = ThreadPoolExecutor(PROBES_AT_ONCE, thread_name_prefix="probe")
    try:
        running = [children.submit(probe_in_child, probe, child_args) for probe in PROBES]
        outcomes = []
        for child in running:
            outcome = child.result()
            if report is not None:
                report(outcome)
            outcomes.append(outcome)
    except BaseException:
        # Ctrl-C, or a report that failed: no probe starts after it, and those running end.
        children.shutdown(wait=False, cancel_futures=True)
        with _children_lock:
            for process in _children:
                process.kill()
        raise
    children.shutdown()
    return outcomes


def print_outcome(outcome: Outcome, out: TextIO = sys.stdout, title: str | None = None) -> None:
    """One line: ok or PROBLEM, what was tried (`title`, else the probe's), and the detail."""
    mark = "ok      " if outcome.ok else "PROBLEM "
    print(f"{mark} {title or outcome.probe.title}: {outcome.detail}", file=out, flush=True)


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if args.models_dir is not None:
        config = config.model_copy(update={"models_dir": args.models_dir})
    return config


def child_args_of(config_path: Path | None, models_dir: Path | None) -> list[str]:
    args = []
    if config_path is not None:
        args += ["--config", str(config_path)]
    if models_dir is not None:
        args += ["--models-dir", str(models_dir)]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voiced.probes", description="smoke-test each native library"
    )
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--child", choices=[probe.name for probe in PROBES])
    args = parser.parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as err:
        print(f"configuration: {err}", file=sys.stderr)
        return EX_CONFIG
    if args.child is not None:
        try:
            print(run_probe(config, args.child), flush=True)
        except VoicedError as err:
            # One line, the message and its fix: the parent shows the last line.
            print(err, file=sys.stderr)
            return 1
        return 0
    outcomes = probe_all(child_args_of(args.config, args.models_dir), print_outcome)
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
