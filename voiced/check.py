"""`voiced check`: the configuration, every model and the audio devices, one line each."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from voiced import timers
from voiced.asr import choose_engine
from voiced.config import Config
from voiced.devices import state_file
from voiced.errors import VoicedError
from voiced.probes import Outcome, child_args_of, print_outcome, probe_all

EX_OK = 0
EX_MISSING = 1


def run_checks(config: Config, config_path: Path | None, out: Any = sys.stdout) -> int:
    """Load each model for real, each in a child process (a library that crashes is named
    with its fix instead of killing the check); print what works and what does not."""
    print(f"ok       configuration: valid; models in {_models_dir(config)}", file=out)
    for deprecated in config.deprecated_keys:
        print(f"warning  configuration: {deprecated}", file=out)
    engine = choose_engine(config.models_dir, config.asr)

    def report(outcome: Outcome) -> None:
        asr = outcome.probe.name == "asr"
        print_outcome(outcome, out, f"{outcome.probe.title} ({engine})" if asr else None)

    outcomes = probe_all(child_args_of(config_path, None), report)
    failures = sum(not outcome.ok for outcome in outcomes)
    try:
        print(f"ok       audio devices: {_devices(config)}", file=out)
    except VoicedError as err:
        # The daemon waits for a missing microphone; replay needs none.
        print(f"warning  audio devices: {err}", file=out)
    else:
        for problem in _configured_devices(config):
            print(f"PROBLEM  {problem}", file=out)
            failures += 1
    notes = (
        state_file.check_note(config.state_file.path),
        timers.check_note(config.state_file.timers_file),
    )
    for note in notes:
        if note is not None:
            print(f"warning  {note}", file=out)
    if failures and not config.models_dir.is_absolute():
        print(
            f"note     models_dir {str(config.models_dir)!r} is taken from the current "
            "directory: run `voiced check` in the directory voiced runs in (the service's: "
            "/var/lib/voiced), or make models_dir absolute",
            file=out,
        )
    print("all good" if not failures else f"{failures} problem(s)", file=out)
    return EX_OK if not failures else EX_MISSING


def _models_dir(config: Config) -> str:
    """Where the models are looked for, and against what a relative path was resolved."""
    models_dir = config.models_dir
    if models_dir.is_absolute():
        return str(models_dir)
    return f"{models_dir.resolve()} (relative to the current directory, {Path.cwd()})"


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


def _configured_devices(config: Config) -> list[str]:
    """The configured microphone and speaker that PortAudio cannot find, as the daemon looks
    them up: one line each, naming the key and its value. The daemon would wait for such a
    microphone forever, and fail every reply on such a speaker."""
    import sounddevice

    wanted = [("output", "speaker", "audio.output_device", config.audio.output_device)]
    if config.audio.input_file is None:  # else the microphone is not opened
        wanted.insert(0, ("input", "microphone", "audio.input_device", config.audio.input_device))
    problems = []
    for kind, what, key, value in wanted:
        if value is None:  # the system default: listed above, or warned about
            continue
        try:
            sounddevice.query_devices(value, kind=kind)
        except (ValueError, sounddevice.PortAudioError) as err:
            why = " ".join(str(err).split())
            problems.append(
                f"{what}: {key} {value!r} matches no {kind} device here ({why}); fix: a name "
                "(or part of one) from the audio devices above, or null for the default"
            )
    return problems
