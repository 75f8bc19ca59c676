"""Loading ONNX models on onnxruntime with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voiced.errors import ModelError


def load_session(
    path: Path, role: str, threads: int = 1, varied_shapes: bool = False, pattern: bool = True
) -> Any:
    """`threads` 0: onnxruntime's default, one per core. A model whose inputs vary in
    shape from run to run (`varied_shapes`) gets no memory pattern: onnxruntime would
    plan one block per input shape it meets, and keep each. Without a memory `pattern`
    a run takes its tensors from the arena as it needs them, reusing what earlier nodes
    freed, instead of one block planned for every tensor of the run: the end-of-turn
    model's arena is 10 MB smaller that way, and no slower."""
    import onnxruntime

    if not path.is_file():
        raise ModelError(f"{role} model missing: {path}", fix="scripts/fetch-models")
    options = onnxruntime.SessionOptions()
    # Small real-time models: one thread each, so they never fight the LLM for cores.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_mem_pattern = pattern and not varied_shapes
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as err:  # onnxruntime raises its own untyped errors for bad files
        raise ModelError(
            f"{role} model {path} is not a valid ONNX model ({type(err).__name__})",
            fix="scripts/fetch-models",
        ) from err
