"""A missing, truncated or wrong model file is named with its fix, by `voiced check` and at
start-up; nothing half-starts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, recording

# Every test here loads the real models.
pytestmark = pytest.mark.slow

LLM = f"llm/{TEST_LLM_MODEL}"


def models_with(tmp_path: Path, broken: str, content: bytes | None) -> Path:
    """A copy of the models directory (linked) with one file replaced or removed."""
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models, copy_function=lambda src, dst: Path(dst).symlink_to(src))
    target = models / broken
    target.unlink()
    if content is not None:
        target.write_bytes(content)
    return models


def voiced(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = models.parent / "voiced.yaml"
    config.write_text(
        f"models_dir: {models}\nasr: {{engine: whisper}}\n"
        f"llm: {{model: {TEST_LLM_MODEL}, fallback_model: null}}\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "voiced.cli", *args, "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize(
    "broken, content, problem, needle",
    [
        (LLM, None, "language model", "LLM model missing"),
        (LLM, b"PK\x03\x04 a zip, not a model" * 10, "language model", "is not a GGUF file"),
        (LLM, (MODELS_DIR / LLM).read_bytes()[:4096], "language model", "cannot be loaded"),
        ("wakeword/hey_jarvis_v0.1.onnx", b"not onnx" * 100, "wake word", "not a valid ONNX"),
        ("wakeword/silero_vad.onnx", None, "voice activity", "model missing"),
        ("whisper/whisper-tiny.en/model.bin", None, "speech recognition", "incomplete"),
        ("piper/en_US-joe-medium.onnx.json", None, "voice", "Piper voice file missing"),
        ("smart-turn/smart-turn-v3.2-cpu.onnx", None, "end of turn", "end-of-turn model missing"),
    ],
    ids=["llm-missing", "llm-not-gguf", "llm-truncated", "onnx-garbage", "vad-missing",
         "whisper-incomplete", "voice-config-missing", "end-of-turn-missing"],
)  # fmt: skip
def test_check_and_start_up_name_the_file_and_the_fix(
    tmp_path: Path, broken: str, content: bytes | None, problem: str, needle: str
) -> None:
    models = models_with(tmp_path, broken, content)

    check = voiced(models, "check")
    assert check.returncode == 1
    [line] = [line for line in check.stdout.splitlines() if line.startswith(f"PROBLEM  {problem}")]
    assert needle in line and str(models / broken).rsplit("/", 1)[0] in line

    start = voiced(models, "replay", str(recording("silence")))
    assert start.returncode == 1
    assert needle in start.stderr and "fetch-models" in start.stderr
    assert "Traceback" not in start.stderr


def test_incomplete_vosk_model_is_named(tmp_path: Path) -> None:
    from voiced.asr.vosk_engine import VoskRecognizer
    from voiced.errors import ModelError

    partial = tmp_path / "vosk-model"
    shutil.copytree(MODELS_DIR / "vosk" / "vosk-model-small-ko-0.22" / "conf", partial / "conf")
    with pytest.raises(ModelError, match=r"incomplete \(no am, graph\).*fetch-models"):
        VoskRecognizer(partial)
