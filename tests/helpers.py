"""Paths and configuration shared by the tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from voiced.config import Config, parse_config

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "recordings"
MODELS_DIR = ROOT / "models"
# Tests that need a language model, not the default's knowledge, use the small fast one.
TEST_LLM_MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"


def recording(name: str) -> Path:
    return RECORDINGS / f"{name}.wav"


def words(text: str) -> set[str]:
    """The words of a transcript, lower case, without punctuation."""
    return set(re.findall(r"[a-z']+", text.lower()))


def saved_devices(path: Path) -> dict[str, Any]:
    """The devices in the state_file back end's file at `path`; none before it is written."""
    if not path.exists():
        return {}
    devices: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["devices"]
    return devices


def repeatable_config(**sections: object) -> Config:
    """The defaults, made repeatable: greedy LLM decoding and Whisper at temperature 0."""
    data: dict[str, object] = {
        "llm": {"model": TEST_LLM_MODEL, "temperature": 0.0, "seed": 0},
        "asr": {"temperature": 0.0},
    }
    for name, values in sections.items():
        if isinstance(values, dict):
            data.setdefault(name, {}).update(values)
        else:  # a list section (devices) is replaced whole
            data[name] = values
    return parse_config({"models_dir": str(MODELS_DIR), **data}, "test configuration")
