"""`voiced check`: the configuration, every model and the audio devices, one line each."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from voiced.asr import choose_engine
from voiced.config import Config
from voiced.devices import state_file
from voiced.errors import VoicedError

EX_OK = 0
EX_MISSING = 1


def run_checks(config: Config, out: Any = sys.stdout) -> int:
    """Load each model for real; print what works and what does not, and how to fix it."""
    from voiced.asr import load_recognizer
    from voiced.llm import LlmWorker
    from voiced.models import llm_path
    from voiced.tts import PiperTts
    from voiced.vad import SileroVad
    from voiced.wake import WakeWordDetector

    models_dir = config.models_dir
    engine = choose_engine(models_dir, config.asr)

    def load_llm() -> str:
        worker = LlmWorker(llm_path(config), config.llm)
        try:
            worker.wait_ready()
        finally:
            worker.close()
        cores = "all cores" if worker.cpus is None else f"cores {worker.cpus}"
        return f"{llm_path(config)} ({worker.threads} threads, {cores})"

    checks: list[tuple[str, Callable[[], str]]] = [
        ("configuration", lambda: f"valid; models in {models_dir.resolve()}"),
        ("wake word", lambda: str(WakeWordDetector(models_dir, config.wake.model, 0.5).path)),
        ("voice activity", lambda: str(SileroVad(models_dir, 0.5).path)),
        (
            f"speech recognition ({engine})",
            lambda: str(load_recognizer(models_dir, config.asr).model_path),
        ),
        ("language model", load_llm),
        (
            "voice",
            lambda: f"{config.tts.voice} at {PiperTts(models_dir, config.tts).sample_rate} Hz",
        ),
    ]
    failures = 0
    for name, check in checks:
        try:
            detail = check()
            print(f"ok       {name}: {detail}", file=out)
        except VoicedError as err:
            failures += 1
            print(f"PROBLEM  {name}: {err}", file=out)
    try:
        print(f"ok       audio devices: {_devices(config)}", file=out)
    except VoicedError as err:
        # The daemon waits for a missing microphone; replay needs none.
        print(f"warning  audio devices: {err}", file=out)
    if (note := state_file.check_note(config.state_file.path)) is not None:
        print(f"warning  {note}", file=out)
    print("all good" if not failures else f"{failures} problem(s)", file=out)
    return EX_OK if not failures else EX_MISSING


def _devices(config: Config) -> str:
    """The devices PortAudio sees; a missing library or device is reported, not fatal here."""
    try:
        import sounddevice
    except OSError as err:
        raise VoicedError(f"PortAudio is not installed ({err}); install libportaudio2") from err
    devices: Any = sounddevice.query_devices()
    inputs = [d["name"] for d in devices if d["max_input_channels"] > 0]
    outputs = [d["name"] for d in devices if d["max_output_channels"] > 0]
    if not inputs:
        raise VoicedError(
            f"no microphone found (wanted {config.audio.input_device or 'the default'}); "
            "`voiced replay` works without one"
        )
    return f"inputs: {', '.join(inputs)}; outputs: {', '.join(outputs) or 'none'}"
