"""Paths and configuration shared by the tests."""

from __future__ import annotations

from pathlib import Path

from voiced.config import Config, parse_config

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "recordings"
MODELS_DIR = ROOT / "models"


def recording(name: str) -> Path:
    return RECORDINGS / f"{name}.wav"


def repeatable_config(**sections: object) -> Config:
    """The defaults, made repeatable: greedy LLM decoding and Whisper at temperature 0."""
    data: dict[str, object] = {
        "llm": {"temperature": 0.0, "seed": 0},
        "asr": {"temperature": 0.0},
    }
    for name, values in sections.items():
        if isinstance(values, dict):
            data.setdefault(name, {}).update(values)
        else:  # a list section (devices) is replaced whole
            data[name] = values
    return parse_config({"models_dir": str(MODELS_DIR), **data}, "test configuration")
