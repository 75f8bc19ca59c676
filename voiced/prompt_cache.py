"""The evaluated system prompt, kept on disk so that a restart does not evaluate it again.

llama.cpp writes a context's KV cells and their tokens to a session file; the file's name
carries a key of everything the cells depend on (the model file, the prompt's tokens, the
context size, the llama.cpp build), so a stale file is never loaded, only left behind.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SUFFIX = ".llmstate"


def cache_dir() -> Path:
    # The systemd unit points XDG_CACHE_HOME into its CacheDirectory.
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "voiced"


def cache_path(model_path: Path, tokens: list[int], context_tokens: int) -> Path:
    stat = model_path.stat()
    key = hashlib.sha256()
    for part in (
        str(model_path.resolve()),
        str(stat.st_size),
        str(stat.st_mtime_ns),
        str(context_tokens),
        version("llama_cpp_python"),
        ",".join(map(str, tokens)),
    ):
        key.update(part.encode() + b"\0")
    return cache_dir() / f"{model_path.stem}-{key.hexdigest()[:16]}{SUFFIX}"


def load(llama: Any, path: Path, tokens: list[int]) -> bool:
    """Restore the KV cells of `tokens` from `path`; False (and a cold cache) if it cannot."""
    import llama_cpp

    if not path.is_file():
        return False
    stored = (llama_cpp.llama_token * len(tokens))()
    count = ctypes.c_size_t(0)
    ok = llama_cpp.llama_state_load_file(
        llama.ctx, str(path).encode(), stored, len(tokens), ctypes.byref(count)
    )
    if not ok or list(stored[: count.value]) != tokens:
        log.warning("prompt cache %s does not match; evaluating the prompt again", path)
        llama.reset()
        return False
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)
    return True


def save(llama: Any, path: Path, tokens: list[int]) -> None:
    """Write the KV cells of `tokens` (already evaluated) to `path`, atomically."""
    import llama_cpp

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    array = (llama_cpp.llama_token * len(tokens))(*tokens)
    if not llama_cpp.llama_state_save_file(llama.ctx, str(partial).encode(), array, len(tokens)):
        partial.unlink(missing_ok=True)
        raise OSError(f"llama.cpp could not write {partial}")
    os.replace(partial, path)
    remove_stale(path)


def remove_stale(path: Path) -> None:
    """Remove this model's files of other prompts: stale now (the directory stays small).
    Only names cache_path gives this model, not another model's whose name begins as this
    one's does ("model" and "model-v2")."""
    model_stem = path.name.rsplit("-", 1)[0]
    own = re.compile(re.escape(model_stem) + r"-[0-9a-f]{16}" + re.escape(SUFFIX))
    for old in path.parent.iterdir():
        if old != path and own.fullmatch(old.name):
            old.unlink(missing_ok=True)
