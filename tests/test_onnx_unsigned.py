"""voiced/onnx_unsigned.py: int8 weights stored as uint8 compute what they computed, and a
model where that would not hold is refused, with the reason."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest

import voiced.onnx
from voiced.onnx_unsigned import (
    INT8,
    UINT8,
    NotRewritable,
    _field,
    _fields,
    _tensor_name_and_type,
    _varint,
    unsigned_int8_weights,
)
from voiced.smart_turn import MODEL_FILE, SmartTurn, features
from voiced.wavio import read_wav

MODELS = Path(__file__).resolve().parent.parent / "models"
RECORDINGS = Path(__file__).resolve().parent / "recordings"
FLOAT = 1


def number(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def text(field: int, value: str) -> bytes:
    return _field(field, value.encode())


def tensor(name: str, data_type: int, *data: bytes) -> bytes:
    return text(8, name) + number(2, data_type) + b"".join(data)


def node(op_type: str, inputs: list[str], output: str) -> bytes:
    return b"".join(text(1, name) for name in inputs) + text(2, output) + text(4, op_type)


def float_output(name: str, size: int) -> bytes:
    shape = _field(2, _field(1, number(1, size)))  # TensorShapeProto.dim.dim_value
    return text(1, name) + _field(2, _field(1, number(1, FLOAT) + shape))


def model(nodes: list[bytes], initializers: list[bytes], extra: bytes = b"") -> bytes:
    graph = b"".join(_field(1, n) for n in nodes) + text(2, "g")
    graph += b"".join(_field(5, t) for t in initializers) + extra
    graph += _field(12, float_output("y", 4))
    opset = _field(8, text(1, "") + number(2, 18))
    return number(1, 8) + opset + _field(7, graph)


FOUR = number(1, 4)  # TensorProto.dims
WEIGHTS = np.array([-128, -1, 0, 127], np.int8)
# The zero point written as int32_data, as exporters write scalars: -3 takes ten bytes.
ZERO_POINT = tensor("zp", INT8, _field(5, _varint(-3)))
SCALE = tensor("s", FLOAT, _field(9, np.float32(0.5).tobytes()))


def dequantized(initializers: list[bytes]) -> bytes:
    return model([node("DequantizeLinear", ["x", "s", "zp"], "y")], initializers)


def run(onnx_model: bytes) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {})[0])


def test_weights_as_uint8_dequantize_to_the_same_values() -> None:
    original = dequantized(
        [tensor("x", INT8, FOUR, _field(9, WEIGHTS.tobytes())), SCALE, ZERO_POINT]
    )
    rewritten = unsigned_int8_weights(original)
    np.testing.assert_array_equal(run(original), (WEIGHTS.astype(np.float32) + 3) * 0.5)
    np.testing.assert_array_equal(run(rewritten), run(original))
    graph = next(value for field, _, _, value in _fields(rewritten) if field == 7)
    assert isinstance(graph, bytes)
    types = {
        _tensor_name_and_type(value)
        for field, _, _, value in _fields(graph)
        if field == 5 and isinstance(value, bytes)
    }
    assert types == {("x", UINT8), ("zp", UINT8), ("s", FLOAT)}


def test_a_model_without_int8_weights_is_refused() -> None:
    weights = tensor("x", UINT8, FOUR, _field(9, bytes(4)))
    zero = tensor("zp", UINT8, _field(5, _varint(0)))
    with pytest.raises(NotRewritable, match="no int8"):
        unsigned_int8_weights(dequantized([weights, SCALE, zero]))


X = tensor("x", INT8, FOUR, _field(9, WEIGHTS.tobytes()))


@pytest.mark.parametrize(
    ("onnx_model", "reason"),
    [
        # Another operator reads the int8 tensor: it would see other numbers.
        (model([node("Cast", ["x"], "y")], [X]), r"input \[0\] of Cast"),
        # No zero point: the default one is 0 of x's type, which would become uint8.
        (
            model([node("DequantizeLinear", ["x", "s"], "y")], [X, SCALE]),
            "without an int8 zero point",
        ),
        # The tensor is declared a graph input too, of type int8.
        (
            model(
                [node("DequantizeLinear", ["x", "s", "zp"], "y")],
                [X, SCALE, ZERO_POINT],
                extra=_field(11, text(1, "x")),
            ),
            "also a graph input",
        ),
        # Its numbers are in a file beside the model.
        (
            dequantized(
                [tensor("x", INT8, FOUR, _field(13, text(1, "location"))), SCALE, ZERO_POINT]
            ),
            "in another file",
        ),
        (dequantized([X, SCALE, ZERO_POINT])[:-3], "past the end"),
    ],
)
def test_a_model_it_cannot_rewrite_exactly_is_refused(onnx_model: bytes, reason: str) -> None:
    with pytest.raises(NotRewritable, match=reason):
        unsigned_int8_weights(onnx_model)


def smart_turn_input() -> np.ndarray:
    samples = read_wav(RECORDINGS / "commands" / "kitchen-light-on.wav")
    return features(samples[int(1.4 * 16000) :])[None]  # after "hey jarvis"


def op_by_op(onnx_model: str | bytes) -> float:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(onnx_model, options, providers=["CPUExecutionProvider"])
    return float(np.ravel(session.run(None, {"input_features": smart_turn_input()})[0])[0])


@pytest.mark.slow
def test_the_end_of_turn_model_computes_the_same_with_uint8_weights() -> None:
    path = MODELS / MODEL_FILE
    if not path.is_file():
        pytest.skip("Smart Turn not fetched (scripts/fetch-models)")
    assert op_by_op(unsigned_int8_weights(path.read_bytes())) == op_by_op(str(path))


@pytest.mark.slow
@pytest.mark.parametrize("rewritable", [True, False])
def test_where_int8_saturates_the_model_is_loaded_unsigned_or_else_unfused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, rewritable: bool
) -> None:
    if not (MODELS / MODEL_FILE).is_file():
        pytest.skip("Smart Turn not fetched (scripts/fetch-models)")
    monkeypatch.setattr(voiced.onnx, "this_cpu_saturates_int8", lambda: True)
    if not rewritable:

        def refuse(model: bytes) -> bytes:
            raise NotRewritable("a test's refusal")

        monkeypatch.setattr(voiced.onnx, "unsigned_int8_weights", refuse)
    with caplog.at_level(logging.INFO, logger="voiced.onnx"):
        model = SmartTurn(MODELS)
    said = "stored as uint8" if rewritable else "computed unfused.*a test's refusal"
    assert any(re.search(said, r.getMessage()) for r in caplog.records)
    # Fusions other than the int8 products' (layer norms, GELU) move it a little.
    heard = read_wav(RECORDINGS / "commands" / "kitchen-light-on.wav")[int(1.4 * 16000) :]
    assert model.probability(heard) == pytest.approx(op_by_op(str(MODELS / MODEL_FILE)), abs=0.1)
