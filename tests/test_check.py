"""`voiced check`'s own judgements, the probes' children and PortAudio stood in for."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from voiced import check, probes, wall_clock
from voiced.config import Config, parse_config
from voiced.probes import PROBES, Outcome
from voiced.wall_clock import UNSYNCED_MAXERROR_US, clock_known_synchronised

WAKE = next(probe for probe in PROBES if probe.name == "wake")


def checked(
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    outcomes: Sequence[Outcome] = (),
) -> tuple[int, list[str]]:
    """`voiced check` on `config`: its exit code and its lines."""

    def probe_all(
        _args: Sequence[str], report: Callable[[Outcome], None] | None = None
    ) -> list[Outcome]:
        for outcome in outcomes:
            if report is not None:
                report(outcome)
        return list(outcomes)

    monkeypatch.setattr(check, "probe_all", probe_all)
    monkeypatch.setattr(check, "_devices", lambda _config: "inputs: mic; outputs: speaker")
    out = io.StringIO()
    code = check.run_checks(config, None, out)
    return code, out.getvalue().splitlines()


def test_a_relative_models_dir_is_said_to_be_taken_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = Outcome(WAKE, False, "wake word front end model missing: models/wakeword/x.onnx")
    code, lines = checked(parse_config({"models_dir": "models"}), monkeypatch, [missing])
    assert code == check.EX_MISSING
    assert lines[0] == (
        f"ok       configuration: valid; models in {tmp_path / 'models'} "
        f"(relative to the current directory, {tmp_path})"
    )
    [note] = [line for line in lines if line.startswith("note")]
    assert "run `voiced check` in the directory voiced runs in" in note
    assert "/var/lib/voiced" in note


def test_no_note_on_the_models_dir_when_every_model_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sounddevice

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sounddevice, "query_devices", query_devices)
    config = parse_config({"audio": {"input_device": "No Such Mic"}})
    monkeypatch.setattr(check, "probe_all", lambda _args, _report: [Outcome(WAKE, True, "ok")])
    out = io.StringIO()
    assert check.run_checks(config, None, out) == check.EX_MISSING
    assert not [line for line in out.getvalue().splitlines() if line.startswith("note")]


def test_an_absolute_models_dir_is_named_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = Outcome(WAKE, False, "wake word front end model missing")
    _code, lines = checked(parse_config({"models_dir": str(tmp_path)}), monkeypatch, [missing])
    assert lines[0] == f"ok       configuration: valid; models in {tmp_path}"
    assert not [line for line in lines if line.startswith("note")]


DEVICES = [
    {"name": "USB PnP Sound Device", "max_input_channels": 1, "max_output_channels": 0},
    {"name": "bcm2835 Headphones", "max_input_channels": 0, "max_output_channels": 2},
]


def query_devices(device: str | int | None = None, kind: str | None = None) -> object:
    """PortAudio's devices as sounddevice looks them up: by index, or by part of a name."""
    if device is None:
        return DEVICES
    found = [
        info
        for index, info in enumerate(DEVICES)
        if (device == index or str(device).lower() in info["name"].lower())  # type: ignore[attr-defined]
        and info[f"max_{kind}_channels"] > 0
    ]
    if not found:
        raise ValueError(f"No {kind} device matching {device!r}")
    return found[0]


@pytest.mark.parametrize(
    "audio, problems",
    [
        ({"input_device": "usb pnp", "output_device": "Headphones"}, []),
        ({"input_device": 0, "output_device": 1}, []),
        (
            {"input_device": "No Such Mic", "output_device": "No Such Speaker"},
            [
                "PROBLEM  microphone: audio.input_device 'No Such Mic' matches no input device"
                " here (No input device matching 'No Such Mic')",
                "PROBLEM  speaker: audio.output_device 'No Such Speaker' matches no output"
                " device here (No output device matching 'No Such Speaker')",
            ],
        ),
        # The headphones have no microphone: an index of the wrong kind is named too.
        ({"input_device": 1}, ["PROBLEM  microphone: audio.input_device 1 matches no input"]),
        # A WAV file stands where the microphone stands: the microphone is not opened.
        ({"input_device": "No Such Mic", "input_file": "{wav}"}, []),
    ],
)
def test_the_configured_microphone_and_speaker_are_looked_up(
    audio: dict[str, object],
    problems: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sounddevice

    from tests.helpers import recording

    monkeypatch.setattr(sounddevice, "query_devices", query_devices)
    audio = {k: str(recording("silence")) if v == "{wav}" else v for k, v in audio.items()}
    config = parse_config({"audio": audio})
    out = io.StringIO()
    monkeypatch.setattr(check, "probe_all", lambda _args, _report: [])
    code = check.run_checks(config, None, out)
    lines = out.getvalue().splitlines()
    assert "ok       audio devices: inputs: USB PnP Sound Device; outputs: bcm2835 Headphones" in (
        lines
    )
    found = [line for line in lines if line.startswith("PROBLEM")]
    assert len(found) == len(problems)
    for line, start in zip(found, problems, strict=True):
        assert line.startswith(start)
        assert "fix: a name (or part of one) from the audio devices above" in line
    assert lines[-1] == ("all good" if not problems else f"{len(problems)} problem(s)")
    assert code == (check.EX_MISSING if problems else check.EX_OK)


def test_an_unreachable_llm_server_without_a_fallback_is_a_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    code, lines = checked(parse_config({"llm": {"engine": "openai", "url": url}}), monkeypatch)
    [server] = [line for line in lines if "language model server" in line]
    assert server.startswith(f"PROBLEM  language model server: server {url[:-3]} unreachable")
    assert "llm.fallback is null: no question is answered" in server
    assert (code, lines[-1]) == (check.EX_MISSING, "1 problem(s)")


def test_an_unreachable_llm_server_with_a_fallback_is_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.servers import free_port

    llm = {
        "engine": "openai",
        "url": f"http://127.0.0.1:{free_port()}/v1",
        "fallback": {"model": "SmolLM2-135M-Instruct.Q4_1.gguf"},
    }
    code, lines = checked(parse_config({"llm": llm}), monkeypatch)
    [server] = [line for line in lines if "language model server" in line]
    assert server.startswith("warning  language model server: server http://127.0.0.1:")
    assert server.endswith("the local fallback answers meanwhile")
    assert (code, lines[-1]) == (check.EX_OK, "no problems; 1 warning(s) above")


def test_an_llm_token_file_that_cannot_be_read_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether or not the server is up, and with a fallback: it will not mend itself."""
    from tests.servers import free_port

    token_file = tmp_path / "llm-token"
    llm = {
        "engine": "openai",
        "url": f"http://127.0.0.1:{free_port()}/v1",
        "token_file": str(token_file),
    }
    code, lines = checked(parse_config({"llm": llm}), monkeypatch)
    [server] = [line for line in lines if "language model server" in line]
    assert server.startswith(
        f"PROBLEM  language model server: cannot read the LLM token_file {token_file}: "
        "No such file or directory"
    )
    assert code == check.EX_MISSING


def test_the_end_of_turn_model_is_tried_when_the_turn_end_is_on(tmp_path: Path) -> None:
    """`voiced run` loads it at start: a models directory without it must not pass."""
    from voiced.errors import ModelError
    from voiced.probes import run_probe

    with pytest.raises(ModelError, match=r"end-of-turn model missing: .*smart-turn"):
        run_probe(parse_config({"models_dir": str(tmp_path)}), "turn")
    off = parse_config({"models_dir": str(tmp_path), "turn_end": {"enabled": False}})
    assert run_probe(off, "turn") == "off (turn_end.enabled: false)"


def test_the_echo_canceller_is_tried_when_echo_cancelling_is_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voiced import speex
    from voiced.probes import run_probe

    assert run_probe(parse_config({}), "echo") == "libspeexdsp, a 0.128 s filter"

    def missing() -> None:
        raise speex.SpeexUnavailable("libspeexdsp not found: install Debian's libspeexdsp1")

    monkeypatch.setattr(speex, "_load", missing)
    with pytest.raises(speex.SpeexUnavailable, match="libspeexdsp1"):
        run_probe(parse_config({}), "echo")
    assert run_probe(parse_config({"echo": {"cancel": False}}), "echo") == (
        "off (echo.cancel: false)"
    )


def test_a_crash_in_libspeexdsp_is_named_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiced.probes import FAULT_ENV, probe_in_child

    monkeypatch.setenv(FAULT_ENV, "echo")
    [echo] = [probe for probe in PROBES if probe.name == "echo"]
    outcome = probe_in_child(echo, [])
    assert not outcome.ok
    assert outcome.detail == (
        "libspeexdsp (Speex) crashed with SIGSEGV during one echo-cancelled chunk; fix: "
        "reinstall Debian's libspeexdsp1, or set echo.cancel: false"
    )


@pytest.mark.parametrize(
    "flag, maxerror_us, line",
    [
        (False, UNSYNCED_MAXERROR_US, "warning  clock: not known to be set from a time source"),
        (True, UNSYNCED_MAXERROR_US, "ok       clock: set from a time source"),
        (False, 20_000, "ok       clock: set from a time source"),
    ],
)
def test_a_clock_no_time_source_has_set_is_a_warning(
    flag: bool, maxerror_us: int, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set by timesyncd (its flag file) or by any other daemon (the kernel's maximum
    error): ok. Neither: a Pi's clock after a reboot, which the time told follows."""
    synchronized = tmp_path / "synchronized"
    if flag:
        synchronized.touch()
    monkeypatch.setattr(wall_clock, "kernel_maxerror_us", lambda: maxerror_us)
    monkeypatch.setattr(
        wall_clock, "clock_known_synchronised", lambda: clock_known_synchronised(synchronized)
    )
    code, lines = checked(parse_config({}), monkeypatch)
    [clock] = [said for said in lines if " clock: " in said]
    assert clock.startswith(line)
    assert code == check.EX_OK
    if line.startswith("warning"):
        assert "nor does the kernel say so" in clock
        assert "fix: a time service (systemd-timesyncd or chrony)" in clock


def test_probes_run_two_at_a_time_and_are_reported_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The later probes finish first here: each is still reported in the order of PROBES,
    and never more than two children run at once."""
    lock = threading.Lock()
    running, most = 0, 0

    def child(probe: probes.Probe, _args: Sequence[str]) -> Outcome:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05 * (len(PROBES) - PROBES.index(probe)))
        with lock:
            running -= 1
        return Outcome(probe, True, probe.name)

    monkeypatch.setattr(probes, "probe_in_child", child)
    reported: list[str] = []
    outcomes = probes.probe_all([], lambda outcome: reported.append(outcome.detail))
    assert reported == [outcome.detail for outcome in outcomes] == [p.name for p in PROBES]
    assert most == probes.PROBES_AT_ONCE == 2


def test_a_check_interrupted_starts_no_more_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the first outcome is reported: the probes queued are never started."""
    started: list[str] = []

    def child(probe: probes.Probe, _args: Sequence[str]) -> Outcome:
        started.append(probe.name)
        time.sleep(0.1)
        return Outcome(probe, True, probe.name)

    def interrupted(_outcome: Outcome) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(probes, "probe_in_child", child)
    with pytest.raises(KeyboardInterrupt):
        probes.probe_all([], interrupted)
    time.sleep(0.5)
    # The first two, and at most one more each that a free thread took before the interrupt.
    assert 2 <= len(started) <= 2 * probes.PROBES_AT_ONCE < len(PROBES)
    assert started == [probe.name for probe in PROBES[: len(started)]]
