"""`voiced check`: the configuration, every model and the audio devices, one line each."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from voiced import timers, wall_clock
from voiced.asr import choose_engine
from voiced.config import Config
from voiced.devices import state_file
from voiced.errors import VoicedError
from voiced.files import kept_aside_note
from voiced.llm_config import OpenAiLlmConfig
from voiced.probes import Outcome, child_args_of, print_outcome, probe_all

EX_OK = 0
EX_MISSING = 1


def run_checks(config: Config, config_path: Path | None, out: Any = sys.stdout) -> int:
    """Load each model for real, each in a child process (a library that crashes is named
    with its fix instead of killing the check); print what works and what does not."""
    said = {"ok": 0, "warning": 0, "PROBLEM": 0}

    def say(mark: str, text: str) -> None:
        said[mark] += 1
        print(f"{mark:8} {text}", file=out)

    say("ok", f"configuration: valid; models in {_models_dir(config)}")
    for deprecated in config.deprecated_keys:
        say("warning", f"configuration: {deprecated}")
    engine = choose_engine(config.models_dir, config.asr)

    def report(outcome: Outcome) -> None:
        asr = outcome.probe.name == "asr"
        print_outcome(outcome, out, f"{outcome.probe.title} ({engine})" if asr else None)

    outcomes = probe_all(child_args_of(config_path, None), report)
    said["PROBLEM"] += sum(not outcome.ok for outcome in outcomes)
    if (server := _llm_server(config)) is not None:
        say(*server)
    try:
        say("ok", f"audio devices: {_devices(config)}")
    except VoicedError as err:
        # The daemon waits for a missing microphone; replay needs none.
        say("warning", f"audio devices: {err}")
    else:
        for problem in _configured_devices(config):
            say("PROBLEM", problem)
    notes = (
        state_file.check_note(config.state_file.path),
        timers.check_note(config.state_file.timers_file),
        kept_aside_note(config.state_file.shopping_list_file, "shopping list"),
    )
    for note in notes:
        if note is not None:
            say("warning", note)
    say(*_clock())
    failures, warnings = said["PROBLEM"], said["warning"]
    if not all(outcome.ok for outcome in outcomes) and not config.models_dir.is_absolute():
        print(
            f"note     models_dir {str(config.models_dir)!r} is taken from the current "
            "directory: run `voiced check` in the directory voiced runs in (the service's: "
            "/var/lib/voiced), or make models_dir absolute",
            file=out,
        )
    if failures:
        print(f"{failures} problem(s)", file=out)
    elif warnings:
        print(f"no problems; {warnings} warning(s) above", file=out)
    else:
        print("all good", file=out)
    return EX_OK if not failures else EX_MISSING


def _llm_server(config: Config) -> tuple[str, str] | None:
    """With llm.engine openai: whether the server answers now. Down, it is a warning when
    the local fallback answers meanwhile, and a problem when nothing does; a token that
    cannot be read is a problem of the configuration, whatever the server does."""
    if not isinstance(config.llm, OpenAiLlmConfig):
        return None
    from voiced.llm_openai import server_state

    title = "language model server"
    try:
        state = server_state(config.llm)
    except VoicedError as err:
        return "PROBLEM", f"{title}: {err}; fix: the token file (or variable) the server wants"
    if state.answers:
        return "ok", f"{title}: {state.note}"
    if config.llm.local() is not None:
        return "warning", f"{title}: {state.note}; the local fallback answers meanwhile"
    return "PROBLEM", (
        f"{title}: {state.note}, and llm.fallback is null: no question is answered until it "
        "answers; fix: start it (under systemd, allow its address: IPAddressAllow=), or set "
        "llm.fallback"
    )


def _clock() -> tuple[str, str]:
    """Whether the wall clock has been set from a time source since boot. A Raspberry Pi
    has no clock of its own: until it is set, the time and date voiced tells, and the ends
    of timers restored at start, follow a clock that may be hours or days behind."""
    if wall_clock.clock_known_synchronised():
        return "ok", "clock: set from a time source"
    kernel = (
        "the kernel could not be asked"
        if wall_clock.kernel_maxerror_us() is None
        else "nor does the kernel say so"
    )
    return "warning", (
        f"clock: not known to be set from a time source since boot (no systemd-timesyncd "
        f"flag, {kernel}): the time and date voiced tells, and restored timers, follow it; "
        "fix: a time service (systemd-timesyncd or chrony) that reaches a time source (on "
        "a board with a battery-backed clock that is set, this can be ignored)"
    )


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
