"""Loading ONNX models on onnxruntime with errors that name the file."""

from __future__ import annotations

import functools
import logging
import platform
from pathlib import Path
from typing import Any

from voiced.buildflags import X86_MACHINES, cpu_flags, this_cpuinfo
from voiced.errors import ModelError
from voiced.onnx_unsigned import NotRewritable, unsigned_int8_weights

log = logging.getLogger(__name__)

# x86-64 instructions that multiply 8-bit integers into 32-bit sums.
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni"})


def int8_products_saturate(machine: str, flags: set[str]) -> bool:
    """Whether onnxruntime's fused int8 matrix products are inexact on this CPU. On x86-64
    without VNNI they add each pair of 8-bit products into 16 bits (VPMADDUBSW), which
    saturates: the end-of-turn model then said 0.06 where its own arithmetic says 0.61
    (an AVX2 AMD EPYC, 2026-12-06). Elsewhere the sums are exact."""
    return machine in X86_MACHINES and not flags & VNNI_FLAGS


@functools.cache
def this_cpu_saturates_int8() -> bool:
    return int8_products_saturate(platform.machine(), cpu_flags(this_cpuinfo()))


def load_session(
    path: Path,
    role: str,
    threads: int = 1,
    varied_shapes: bool = False,
    pattern: bool = True,
    quantized: bool = False,
) -> Any:
    """`threads` 0: onnxruntime's default, one per core. A model whose inputs vary in
    shape from run to run (`varied_shapes`) gets no memory pattern: onnxruntime would
    plan one block per input shape it meets, and keep each. Without a memory `pattern`
    a run takes its tensors from the arena as it needs them, reusing what earlier nodes
    freed, instead of one block planned for every tensor of the run: the end-of-turn
    model's arena is 10 MB smaller that way, and no slower. A `quantized` model (int8,
    quantize/dequantize pairs), where the fused int8 kernels saturate, gets its int8
    weights stored as uint8 (voiced/onnx_unsigned.py), whose fused kernels sum exactly;
    where that cannot be done it runs unfused, its weights dequantized once at load and
    multiplied in float (the end-of-turn model: 86 ms a call fused as uint8, 106 ms
    unfused, 2026-12-07)."""
    import onnxruntime

    if not path.is_file():
        raise ModelError(f"{role} model missing: {path}", fix="scripts/fetch-models")
    options = onnxruntime.SessionOptions()
    # Small real-time models: one thread each, so they never fight the LLM for cores.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_mem_pattern = pattern and not varied_shapes
    model: str | bytes = str(path)
    if quantized and this_cpu_saturates_int8():
        model = _unsaturated(path, role, options)
    try:
        return onnxruntime.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as err:  # onnxruntime raises its own untyped errors for bad files
        raise ModelError(
            f"{role} model {path} is not a valid ONNX model ({type(err).__name__})",
            fix="scripts/fetch-models",
        ) from err


def _unsaturated(path: Path, role: str, options: Any) -> str | bytes:
    """The model to load on a CPU whose uint8-by-int8 kernels saturate: its weights as
    uint8, or else the file as it is, computed unfused."""
    try:
        model = unsigned_int8_weights(path.read_bytes())
    except NotRewritable as err:
        log.info(
            "%s model computed unfused: this CPU's int8 kernels saturate (no VNNI), "
            "and its weights cannot be made unsigned: %s",
            role,
            err,
        )
        options.add_session_config_entry("session.disable_quant_qdq", "1")
        return str(path)
    except OSError as err:
        raise ModelError(f"{role} model {path} cannot be read: {err.strerror}") from err
    log.info(
        "%s model's int8 weights stored as uint8: this CPU's int8 kernels saturate (no VNNI)", role
    )
    return model
