"""`voiced check`'s own judgements, the probes' children and PortAudio stood in for."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from voiced import check
from voiced.config import Config, parse_config
from voiced.probes import PROBES, Outcome

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


def test_an_absolute_models_dir_is_named_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = Outcome(WAKE, False, "wake word front end model missing")
    _code, lines = checked(parse_config({"models_dir": str(tmp_path)}), monkeypatch, [missing])
    assert lines[0] == f"ok       configuration: valid; models in {tmp_path}"
    assert not [line for line in lines if line.startswith("note")]
