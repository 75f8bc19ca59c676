"""A missing, truncated or wrong model file is named with its fix, by `voiced check` and at
start-up; nothing half-starts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, recording

# Every test here loads the real models.
pytestmark = pytest.mark.slow

LLM = f"llm/{TEST_LLM_MODEL}"

# id -> the file broken, what takes its place (None: removed), the check's title for it,
# and what `voiced check` and the start-up say of it.
BROKEN: dict[str, tuple[str, bytes | None, str, str]] = {
    "llm-missing": (LLM, None, "language model", "LLM model missing"),
    "llm-not-gguf": (
        LLM, b"PK\x03\x04 a zip, not a model" * 10, "language model", "is not a GGUF file"
    ),
    "llm-truncated": (
        LLM, (MODELS_DIR / LLM).read_bytes()[:4096], "language model", "cannot be loaded"
    ),
    "onnx-garbage": (
        "wakeword/hey_jarvis_v0.1.onnx", b"not onnx" * 100, "wake word", "not a valid ONNX"
    ),
    "vad-missing": ("wakeword/silero_vad.onnx", None, "voice activity", "model missing"),
    "whisper-incomplete": (
        "whisper/whisper-tiny.en/model.bin", None, "speech recognition", "incomplete"
    ),
    "voice-config-missing": (
        "piper/en_US-joe-medium.onnx.json", None, "voice", "Piper voice file missing"
    ),
    "end-of-turn-missing": (
        "smart-turn/smart-turn-v3.2-cpu.onnx", None, "end of turn", "end-of-turn model missing"
    ),
}  # fmt: skip
# `voiced check` tries every model in a child process of its own, so one check names each
# broken file of a directory: one check per LLM breakage (there is one LLM file), the
# others shared among them. The start-up stops at the first model that fails to load, so
# it is tried with each file broken alone.
CHECKED_TOGETHER = (
    ("llm-missing", "onnx-garbage", "vad-missing"),
    ("llm-not-gguf", "whisper-incomplete", "voice-config-missing"),
    ("llm-truncated", "end-of-turn-missing"),
)


def models_with(tmp_path: Path, *broken: str) -> Path:
    """A copy of the models directory (linked) with the files of the `broken` ids replaced
    or removed."""
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models, copy_function=lambda src, dst: Path(dst).symlink_to(src))
    for case in broken:
        path, content, _problem, _needle = BROKEN[case]
        target = models / path
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


Check = Callable[[str], tuple[tuple[str, ...], Path, subprocess.CompletedProcess[str]]]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Check:
    """`voiced check` on the directory where the case's file is broken (with the others
    of its group), run once per group: the group, the directory and what the check said."""
    done: dict[tuple[str, ...], tuple[Path, subprocess.CompletedProcess[str]]] = {}

    def check(case: str) -> tuple[tuple[str, ...], Path, subprocess.CompletedProcess[str]]:
        [group] = [group for group in CHECKED_TOGETHER if case in group]
        if group not in done:
            models = models_with(tmp_path_factory.mktemp("broken"), *group)
            done[group] = models, voiced(models, "check")
        return (group, *done[group])

    return check


@pytest.mark.parametrize("case", BROKEN)
def test_check_and_start_up_name_the_file_and_the_fix(
    tmp_path: Path, checked: Check, case: str
) -> None:
    broken, _content, problem, needle = BROKEN[case]
    group, models, check = checked(case)
    assert check.returncode == 1
    # Each broken file is named on a line of its own; the files beside it still load.
    problems = [line for line in check.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == len(group), check.stdout
    [line] = [line for line in check.stdout.splitlines() if line.startswith(f"PROBLEM  {problem}")]
    assert needle in line and str(models / broken).rsplit("/", 1)[0] in line

    start = voiced(models_with(tmp_path, case), "replay", str(recording("silence")))
    assert start.returncode == 1
    assert needle in start.stderr and "fetch-models" in start.stderr
    assert "Traceback" not in start.stderr


def test_every_broken_file_is_checked_once() -> None:
    assert sorted(case for group in CHECKED_TOGETHER for case in group) == sorted(BROKEN)


def test_incomplete_vosk_model_is_named(tmp_path: Path) -> None:
    from voiced.asr.vosk_engine import VoskRecognizer
    from voiced.errors import ModelError

    partial = tmp_path / "vosk-model"
    shutil.copytree(MODELS_DIR / "vosk" / "vosk-model-small-ko-0.22" / "conf", partial / "conf")
    with pytest.raises(ModelError, match=r"incomplete \(no am, graph\).*fetch-models"):
        VoskRecognizer(partial)
