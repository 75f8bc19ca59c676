"""The `voiced` command in a subprocess: replay end to end, and bad input of every kind."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, recording
from voiced.config import LlmConfig
from voiced.volume import gain_of

VOICED = [sys.executable, "-m", "voiced.cli"]


def voiced(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICED, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repeatable(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "voiced.yaml",
        f"models_dir: {MODELS_DIR}\nllm: {{model: {TEST_LLM_MODEL}, temperature: 0.0}}\n"
        "asr: {temperature: 0.0}\n"
        f"state_file: {{path: {tmp_path / 'state.json'}}}\n",
    )


@pytest.mark.slow
def test_replay_subprocess_writes_report_and_reply(tmp_path: Path, repeatable: Path) -> None:
    out, report_path = tmp_path / "reply.wav", tmp_path / "report.json"
    result = voiced(
        "replay", recording("ask-capital"), "--config", repeatable,
        "--out", out, "--report", report_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    [turn] = report["turns"]
    assert "capital" in turn["transcript"].lower()
    assert turn["answered_by"] == "llm" and turn["response"]
    assert out.stat().st_size > 10_000
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_replay_report_to_stdout(repeatable: Path) -> None:
    result = voiced("replay", recording("silence"), "--config", repeatable, "--report", "-")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The models alone take a few hundred MB.
    assert 100 < report.pop("peak_rss_mb") < 2000
    assert report == {
        "input": str(recording("silence")),
        "audio_seconds": 3.0,
        "turns": [],
    }


@pytest.mark.slow
def test_48khz_stereo_24bit_recording_is_converted_and_understood(
    tmp_path: Path, repeatable: Path
) -> None:
    converted = tmp_path / "ask-48k-stereo-24bit.wav"
    subprocess.run(
        ["sox", recording("ask-capital"), "-r", "48000", "-c", "2", "-b", "24", converted],
        check=True,
    )
    result = voiced("replay", converted, "--config", repeatable, "--report", "-")
    assert result.returncode == 0, result.stderr
    [turn] = json.loads(result.stdout)["turns"]
    assert "france" in turn["transcript"].lower()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_file_that_is_not_a_wav_is_a_one_line_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("these are not samples\n" * 20)
    assert_one_line_error(voiced("replay", text), str(text), "not a readable WAV")


def test_wav_cut_inside_its_header_is_a_one_line_error(tmp_path: Path) -> None:
    cut = tmp_path / "cut.wav"
    cut.write_bytes(recording("ask-capital").read_bytes()[:30])
    assert_one_line_error(voiced("replay", cut), str(cut))


@pytest.mark.parametrize("command", [["ask", "what time is it"], ["replay", "{silence}"]])
def test_a_report_into_a_missing_directory_is_a_one_line_error_before_any_work(
    tmp_path: Path, command: list[str]
) -> None:
    """Said at once: the whole turn was done (every model loaded), then a traceback, and
    the report was lost."""
    command = [str(recording("silence")) if arg == "{silence}" else arg for arg in command]
    report, out = tmp_path / "no-such-dir" / "report.json", tmp_path / "reply.wav"
    result = voiced(*command, "--out", out, "--report", report)
    assert_one_line_error(result, f"--report {report}: there is no directory {report.parent}")
    assert not out.exists()


def test_missing_wav_is_a_one_line_error(tmp_path: Path) -> None:
    assert_one_line_error(voiced("replay", tmp_path / "nowhere.wav"), "no such file")


@pytest.mark.slow
def test_wav_cut_inside_its_audio_plays_what_it_holds(tmp_path: Path, repeatable: Path) -> None:
    data = recording("ask-capital").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) * 3 // 4])
    result = voiced("replay", cut, "--config", repeatable, "--report", "-")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["audio_seconds"] < 4.0


def test_missing_model_names_the_file_and_the_fix(tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR / "wakeword", models / "wakeword")
    shutil.copytree(MODELS_DIR / "piper", models / "piper")
    config = write_config(tmp_path / "voiced.yaml", f"models_dir: {models}\n")

    result = voiced("replay", recording("silence"), "--config", config)

    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert str(models / "llm" / LlmConfig().model) in message
    assert "scripts/fetch-models" in message
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_check_reports_a_missing_model_and_fails(tmp_path: Path) -> None:
    config = write_config(tmp_path / "voiced.yaml", f"models_dir: {tmp_path / 'empty'}\n")
    result = voiced("check", "--config", config)
    assert result.returncode == 1
    assert "PROBLEM  wake word" in result.stdout
    assert "PROBLEM  language model" in result.stdout


@pytest.mark.slow
def test_check_passes_with_the_embedded_models(repeatable: Path) -> None:
    result = voiced("check", "--config", repeatable)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "speech recognition (whisper)" in result.stdout
    assert re.search(r"whisper-tiny\.en \([12] threads?\)", result.stdout), result.stdout


@pytest.mark.parametrize(
    "text, needle",
    [
        ("llm:\n  temprature: 0.1\n", "unknown key 'llm.temprature'"),
        ("endpoint:\n  silence_seconds: -1\n", "endpoint.silence_seconds = -1"),
        ("asr:\n  engine: kaldi\n", "asr.engine = 'kaldi'"),
        ("wake:\n  model: alexa\nwake:\n  model: hey_jarvis\n", "duplicate key 'wake'"),
    ],
)
def test_bad_config_stops_with_exit_78_naming_the_key(
    tmp_path: Path, text: str, needle: str
) -> None:
    config = write_config(tmp_path / "voiced.yaml", text)
    result = voiced("replay", recording("silence"), "--config", config)
    assert result.returncode == 78
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_say_writes_speech_to_a_wav(tmp_path: Path, repeatable: Path) -> None:
    out = tmp_path / "said.wav"
    result = voiced(
        "say", "Hello there. The kitchen light is on.", "--config", repeatable, "--out", out
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 20_000
    # At the volume last set by voice, kept beside the state file.
    (tmp_path / "volume.json").write_text('{"level": 4}')
    softer = tmp_path / "softer.wav"
    result = voiced(
        "say", "Hello there. The kitchen light is on.", "--config", repeatable, "--out", softer
    )
    assert result.returncode == 0, result.stderr
    peaks = []
    for path in (out, softer):
        with wave.open(str(path), "rb") as said:
            samples = np.frombuffer(said.readframes(said.getnframes()), dtype=np.int16)
        peaks.append(int(np.abs(samples.astype(np.int32)).max()))
    assert peaks[1] == pytest.approx(peaks[0] * gain_of(4), abs=2)
