"""A quantized ONNX model's int8 weights rewritten as uint8, for the same arithmetic.

DequantizeLinear computes (x - zero_point) * scale; adding 128 to both x and its zero
point leaves every value as it was. onnxruntime's fused kernels then multiply uint8 by
uint8, which x86-64 without VNNI sums exactly, where its uint8-by-int8 kernel saturates
(voiced/onnx.py). The model is read and written at the protobuf wire level, so no onnx
package is needed: only the initializers are rewritten, every other byte is kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# Field numbers of onnx.proto: ModelProto.graph; GraphProto.node, .initializer, .input;
# ValueInfoProto.name; NodeProto.input, .op_type, .attribute; AttributeProto.g, .graphs;
# TensorProto.data_type, .int32_data, .name, .raw_data, .external_data.
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT = 1, 5, 11
VALUE_INFO_NAME = 1
NODE_INPUT, NODE_OP_TYPE, NODE_ATTRIBUTE = 1, 4, 5
ATTRIBUTE_GRAPH, ATTRIBUTE_GRAPHS = 6, 11
TENSOR_DATA_TYPE, TENSOR_INT32_DATA, TENSOR_NAME, TENSOR_RAW_DATA = 2, 5, 8, 9
TENSOR_EXTERNAL_DATA = 13
UINT8, INT8 = 2, 3
VARINT, LENGTH = 0, 2
FIXED_SIZES = {1: 8, 5: 4}


class NotRewritable(ValueError):
    """The model's int8 tensors are not all weights and zero points of DequantizeLinear."""


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise NotRewritable("a varint runs past the end of its message")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32 values are written as 64-bit two's complement
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _fields(data: bytes) -> Iterator[tuple[int, int, bytes, int | bytes]]:
    """(field number, wire type, the field's bytes as written, its value) for each field."""
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == VARINT:
            value, pos = _read_varint(data, pos)
        elif wire == LENGTH:
            size, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        elif wire in FIXED_SIZES:
            value, pos = data[pos : pos + FIXED_SIZES[wire]], pos + FIXED_SIZES[wire]
        else:
            raise NotRewritable(f"wire type {wire} (groups) is not in ONNX files")
        if pos > len(data):
            raise NotRewritable("a field runs past the end of its message")
        yield number, wire, data[start:pos], value


def _field(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | LENGTH) + _varint(len(value)) + value


def _strings(message: bytes, number: int) -> list[str]:
    return [
        value.decode("utf-8")
        for field, wire, _, value in _fields(message)
        if field == number and wire == LENGTH and isinstance(value, bytes)
    ]


def _tensor_name_and_type(tensor: bytes) -> tuple[str, int]:
    name, data_type = "", 0
    for field, _, _, value in _fields(tensor):
        if field == TENSOR_NAME and isinstance(value, bytes):
            name = value.decode("utf-8")
        elif field == TENSOR_DATA_TYPE and isinstance(value, int):
            data_type = value
    return name, data_type


def _check_uses(graph: bytes, int8_names: set[str]) -> None:
    """Every int8 initializer must be input 0 or 2 of DequantizeLinear, and each such node
    must have both int8: a node with an unsigned x and a default int8 zero point, or any
    other operator reading the tensor, would compute something else."""
    for field, _, _, node in _fields(graph):
        if not isinstance(node, bytes):
            continue
        if field == GRAPH_INPUT and set(_strings(node, VALUE_INFO_NAME)) & int8_names:
            raise NotRewritable("an int8 initializer is also a graph input, of its own type")
        if field != GRAPH_NODE:
            continue
        inputs = _strings(node, NODE_INPUT)
        op_type = "".join(_strings(node, NODE_OP_TYPE))
        for _, _, _, attribute in (f for f in _fields(node) if f[0] == NODE_ATTRIBUTE):
            if isinstance(attribute, bytes) and any(
                number in (ATTRIBUTE_GRAPH, ATTRIBUTE_GRAPHS) for number, *_ in _fields(attribute)
            ):
                raise NotRewritable(f"{op_type} holds a subgraph, which is not read")
        used = [index for index, name in enumerate(inputs) if name in int8_names]
        if not used:
            continue
        if op_type != "DequantizeLinear" or not set(used) <= {0, 2}:
            raise NotRewritable(f"an int8 tensor is input {used} of {op_type}")
        if len(inputs) < 3 or set(used) != {0, 2}:
            raise NotRewritable("a DequantizeLinear has an int8 input without an int8 zero point")


def _unsigned_tensor(tensor: bytes) -> bytes:
    out = bytearray()
    for field, _, written, value in _fields(tensor):
        if field == TENSOR_DATA_TYPE:
            out += _varint(TENSOR_DATA_TYPE << 3 | VARINT) + _varint(UINT8)
        elif field == TENSOR_RAW_DATA and isinstance(value, bytes):
            out += _field(TENSOR_RAW_DATA, (np.frombuffer(value, np.uint8) ^ 0x80).tobytes())
        elif field == TENSOR_INT32_DATA:
            values: list[int] = []
            if isinstance(value, int):
                values.append(value)
            else:
                pos = 0
                while pos < len(value):
                    number, pos = _read_varint(value, pos)
                    values.append(number)
            signed = [number - (1 << 64) if number >= 1 << 63 else number for number in values]
            out += _field(TENSOR_INT32_DATA, b"".join(_varint(v + 128) for v in signed))
        elif field == TENSOR_EXTERNAL_DATA:
            raise NotRewritable("a tensor's data is in another file")
        else:
            out += written
    return bytes(out)


def unsigned_int8_weights(model: bytes) -> bytes:
    """`model` with every int8 initializer, all of them DequantizeLinear weights and their
    zero points, stored as uint8 plus 128. Raises NotRewritable where that would change
    what the model computes."""
    out = bytearray()
    for field, _, written, graph in _fields(model):
        if field != MODEL_GRAPH or not isinstance(graph, bytes):
            out += written
            continue
        int8_names = {
            name
            for number, _, _, tensor in _fields(graph)
            if number == GRAPH_INITIALIZER and isinstance(tensor, bytes)
            for name, data_type in [_tensor_name_and_type(tensor)]
            if data_type == INT8
        }
        if not int8_names:
            raise NotRewritable("the model has no int8 initializers")
        _check_uses(graph, int8_names)
        rewritten = bytearray()
        for number, _, field_bytes, tensor in _fields(graph):
            if (
                number == GRAPH_INITIALIZER
                and isinstance(tensor, bytes)
                and _tensor_name_and_type(tensor)[1] == INT8
            ):
                field_bytes = _field(GRAPH_INITIALIZER, _unsigned_tensor(tensor))
            rewritten += field_bytes
        out += _field(MODEL_GRAPH, bytes(rewritten))
    return bytes(out)
