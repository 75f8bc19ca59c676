"""Smart Turn: the numpy features against the original extractor from its wheel, and the
model's judgement on real recordings."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from voiced.audio import SAMPLE_RATE
from voiced.smart_turn import WINDOW_SAMPLES, features, window
from voiced.wavio import read_wav

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
REFERENCE = MODELS / "smart-turn" / "_whisper_features.py"
RECORDINGS = ROOT / "tests" / "recordings"


def reference() -> ModuleType:
    """pipecat's own extractor, unpacked beside the model by scripts/fetch-models."""
    if not REFERENCE.is_file():
        pytest.skip("Smart Turn not fetched (scripts/fetch-models)")
    spec = importlib.util.spec_from_file_location("smart_turn_reference", REFERENCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_features(samples: np.ndarray) -> np.ndarray:
    """As pipecat's LocalSmartTurnAnalyzerV3 prepares float audio: the last 8 s, zeros
    before it, then the extractor."""
    audio = samples[-WINDOW_SAMPLES:]
    audio = np.pad(audio, (WINDOW_SAMPLES - len(audio), 0))
    return reference().compute_whisper_log_mel_features(audio, do_normalize=True)


@pytest.mark.parametrize("seconds", [0.3, 2.5, 8.0, 11.0])
def test_features_match_the_original_extractor(seconds: float) -> None:
    rng = np.random.default_rng(7)
    samples = (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 3000).astype(np.int16)
    ours = features(samples)
    theirs = reference_features(samples.astype(np.float32) / 32768.0)
    assert ours.shape == theirs.shape == (80, 800)
    np.testing.assert_allclose(ours, theirs, atol=2e-5)


def test_features_match_on_speech() -> None:
    samples = read_wav(RECORDINGS / "ask-capital.wav")
    np.testing.assert_allclose(
        features(samples),
        reference_features(samples.astype(np.float32) / 32768.0),
        atol=2e-5,
    )


def test_short_audio_is_padded_at_the_start() -> None:
    samples = np.full(SAMPLE_RATE, 1000, np.int16)
    padded = window(samples)
    assert len(padded) == WINDOW_SAMPLES
    assert not padded[:-SAMPLE_RATE].any()
    assert padded[-1] == pytest.approx(1000 / 32768)
