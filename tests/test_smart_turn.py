"""Smart Turn: the numpy features against the original extractor from its wheel, and the
model's judgement on real recordings."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from voiced.audio import SAMPLE_RATE
from voiced.onnx import int8_products_saturate
from voiced.smart_turn import MODEL_FILE, WINDOW_SAMPLES, SmartTurn, features, window
from voiced.wavio import read_wav

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
REFERENCE = MODELS / "smart-turn" / "_whisper_features.py"
RECORDINGS = ROOT / "tests" / "recordings"
EXPECTED = json.loads((RECORDINGS / "pauses" / "expected.json").read_text())


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


@pytest.mark.slow
def test_the_model_hears_a_finished_question_and_a_dangling_filler() -> None:
    """After "What is the capital of Germany?" it says finished; after "Turn on the, um,"
    (0.2 s into each pause, the speech before it only) it does not."""
    if not (MODELS / "smart-turn").is_dir():
        pytest.skip("Smart Turn not fetched (scripts/fetch-models)")
    model = SmartTurn(MODELS)
    pause = int(0.2 * SAMPLE_RATE)
    finished = read_wav(RECORDINGS / "pauses" / "complete-capital.wav")
    end = int(EXPECTED["complete-capital"]["speech_end_seconds"] * SAMPLE_RATE)
    paused = read_wav(RECORDINGS / "pauses" / "um-lamp-1.3.wav")
    start = paused_at(paused, 1.3)

    assert model.probability(finished[: end + pause]) > 0.9
    assert model.probability(paused[: start + pause]) < 0.1


def paused_at(samples: np.ndarray, seconds: float) -> int:
    """Where the written pause of `seconds` (digital silence) begins."""
    silent = np.concatenate([[False], samples == 0, [False]])
    edges = np.flatnonzero(np.diff(silent.astype(np.int8)))
    for begin, end in zip(edges[::2], edges[1::2], strict=True):
        if abs((end - begin) / SAMPLE_RATE - seconds) < 0.02:
            return int(begin)
    raise AssertionError(f"no {seconds} s pause")


@pytest.mark.parametrize(
    ("machine", "flags", "saturates"),
    [
        ("x86_64", {"avx2", "fma"}, True),  # AMD Zen 1-3, Intel before Ice Lake
        ("x86_64", {"avx2", "avx512f", "avx512bw"}, True),  # Skylake-X: no VNNI
        ("x86_64", {"avx2", "avx512f", "avx512_vnni"}, False),
        ("x86_64", {"avx2", "avx_vnni"}, False),  # Alder Lake
        ("aarch64", {"asimd"}, False),
    ],
)
def test_int8_products_saturate_on_x86_without_vnni(
    machine: str, flags: set[str], saturates: bool
) -> None:
    assert int8_products_saturate(machine, flags) is saturates


@pytest.mark.slow
def test_the_model_is_computed_as_its_own_arithmetic_says_on_this_cpu() -> None:
    """On any CPU, what SmartTurn says is what the model's quantize/dequantize graph says
    run op by op. Fused int8 kernels on x86 without VNNI saturate: on "Turn on the kitchen
    light." 0.28 s into the pause they said 0.06 where the graph says 0.6."""
    import onnxruntime

    if not (MODELS / "smart-turn").is_dir():
        pytest.skip("Smart Turn not fetched (scripts/fetch-models)")
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    as_written = onnxruntime.InferenceSession(
        str(MODELS / MODEL_FILE), options, providers=["CPUExecutionProvider"]
    )
    model = SmartTurn(MODELS)
    samples = read_wav(RECORDINGS / "commands" / "kitchen-light-on.wav")
    last_loud = int(np.flatnonzero(np.abs(samples.astype(np.int32)) > 500)[-1])
    command = samples[int(1.4 * SAMPLE_RATE) :]  # after "hey jarvis", as the listener cuts it
    for pause_s in (0.2, 0.28):
        heard = command[: last_loud - int(1.4 * SAMPLE_RATE) + int(pause_s * SAMPLE_RATE)]
        written = as_written.run(None, {"input_features": features(heard)[None]})[0]
        # Other fusions (layer norms, GELU) move it by up to 0.035 here; saturation by 0.55.
        assert model.probability(heard) == pytest.approx(float(np.ravel(written)[0]), abs=0.1)
