"""ONNX sessions' memory settings, and the language model's mapped pages let go."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MODELS_DIR
from voiced.config import Config
from voiced.gguf_tensors import tensor_spans
from voiced.llm import LlmWorker
from voiced.mapped_pages import MAPS, mapped_ranges
from voiced.onnx import load_session
from voiced.smart_turn import MODEL_FILE

pytestmark = pytest.mark.slow


def test_a_session_without_a_pattern_plans_no_memory_block() -> None:
    path = MODELS_DIR / MODEL_FILE
    assert load_session(path, "end-of-turn").get_session_options().enable_mem_pattern
    planless = load_session(path, "end-of-turn", pattern=False)
    assert not planless.get_session_options().enable_mem_pattern


def resident_bytes(path: Path) -> int:
    """The resident bytes of this process's mappings of `path`, from /proc/self/smaps."""
    [(start, end, _offset)] = mapped_ranges(path, MAPS.read_text())
    lines = Path("/proc/self/smaps").read_text().splitlines()
    index = lines.index(next(line for line in lines if line.startswith(f"{start:x}-{end:x} ")))
    rss = next(line for line in lines[index + 1 :] if line.startswith("Rss:"))
    return int(rss.split()[1]) * 1024


def test_the_default_model_keeps_its_embedding_table_out_of_memory() -> None:
    config = Config()
    path = config.llm.local().model_path(config.models_dir)  # type: ignore[union-attr]
    spans = tensor_spans(path)
    if "output.weight" not in spans:
        pytest.skip(f"{path.name} reads its embedding table as its output matrix")
    worker = LlmWorker(path, config.llm.local())  # type: ignore[arg-type]
    try:
        worker.wait_ready(120)
        assert "".join(worker.ask("What is the capital of France?"))
        start, end = spans["token_embd.weight"]
        # Loaded, warmed and answering: everything but the table (and a few of its rows).
        assert resident_bytes(path) < path.stat().st_size - 0.8 * (end - start)
    finally:
        worker.close()
