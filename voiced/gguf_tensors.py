"""Where each tensor's data lies in a GGUF file, read from its header alone."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from voiced.errors import ModelError

# The sizes of GGUF's scalar value types, by type number (gguf.h); 8 is a string, 9 an array.
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY, _UINT32 = 8, 9, 4
DEFAULT_ALIGNMENT = 32
GGUF_MAGIC = b"GGUF"


def _read(file: BinaryIO, fmt: str) -> int:
    size = struct.calcsize(fmt)
    data = file.read(size)
    if len(data) != size:
        raise ModelError(f"GGUF file {file.name} ends inside its header")
    value: int = struct.unpack(fmt, data)[0]
    return value


def _string(file: BinaryIO) -> str:
    return file.read(_read(file, "<Q")).decode("utf-8", errors="replace")


def _skip_value(file: BinaryIO, kind: int) -> None:
    if kind == _STRING:
        file.seek(_read(file, "<Q"), 1)
    elif kind == _ARRAY:
        item, count = _read(file, "<I"), _read(file, "<Q")
        if item in _SCALAR_SIZES:
            file.seek(_SCALAR_SIZES[item] * count, 1)
        else:
            for _ in range(count):
                _skip_value(file, item)
    elif kind in _SCALAR_SIZES:
        file.seek(_SCALAR_SIZES[kind], 1)
    else:
        raise ModelError(f"GGUF file {file.name} has a value of unknown type {kind}")


def tensor_spans(path: Path) -> dict[str, tuple[int, int]]:
    """Each tensor's data as (start, end) byte offsets in the file; a tensor ends where the
    next begins (its alignment padding included), the last at the end of the file."""
    with path.open("rb") as file:
        if file.read(4) != GGUF_MAGIC:
            raise ModelError(f"{path} is not a GGUF file")
        _version, tensors, keys = _read(file, "<I"), _read(file, "<Q"), _read(file, "<Q")
        alignment = DEFAULT_ALIGNMENT
        for _ in range(keys):
            key, kind = _string(file), _read(file, "<I")
            if key == "general.alignment" and kind == _UINT32:
                alignment = _read(file, "<I")
            else:
                _skip_value(file, kind)
        offsets = {}
        for _ in range(tensors):
            name = _string(file)
            dimensions = _read(file, "<I")
            file.seek(8 * dimensions + 4, 1)  # its shape and element type
            offsets[name] = _read(file, "<Q")
        data_start = -(-file.tell() // alignment) * alignment
    size = path.stat().st_size
    ordered = sorted(offsets.items(), key=lambda item: item[1])
    ends = [offset for _name, offset in ordered[1:]] + [size - data_start]
    return {
        name: (data_start + offset, data_start + end)
        for (name, offset), end in zip(ordered, ends, strict=True)
    }
