"""scripts/bench's figures of the language model alone: tokens per second inside voiced
against raw llama-cpp-python, and the LLM turns' first audio with `llm.engine: openai` (the
same model behind llama-cpp-python's server on a loopback port) against the local engine."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from voiced.config import Config
from voiced.devtools.bench_baselines import Raw
from voiced.devtools.bench_turns import (
    LLM_TURNS,
    LONG_ANSWER,
    RECORDINGS,
    median,
    ratio,
    voiced_turn,
)
from voiced.models import Models, llm_path


def tokens_per_second(first_at: float, done_at: float, tokens: int) -> float | None:
    if tokens < 2 or done_at <= first_at:
        return None
    return (tokens - 1) / (done_at - first_at)


def voiced_generation_speed(models: Models) -> float | None:
    models.llm.conversation.exchanges.clear()
    generation = models.llm.ask(LONG_ANSWER)
    for _ in generation:
        pass
    assert generation.first_token_at is not None and generation.done_at is not None
    return tokens_per_second(
        generation.first_token_at, generation.done_at, generation.completion_tokens
    )


def raw_generation_speed(config: Config, raw: Raw) -> float | None:
    first_at = None
    tokens = 0
    for chunk in raw.stream(LONG_ANSWER, config.llm.max_tokens):
        if chunk["choices"][0]["text"]:
            first_at = first_at or time.monotonic()
            tokens += 1
    done_at = time.monotonic()
    return tokens_per_second(first_at or done_at, done_at, tokens)


def remote_engine_first_audio(config: Config, models: Models, runs: int) -> dict[str, Any]:
    """Transcript -> first audio of the LLM turns with llm.engine openai (llama-cpp-python's
    server on a loopback port, serving the same model with the same threads) against the
    local engine, turn by turn in the same run."""
    import dataclasses

    from tests.llm_server import LlmServer
    from voiced.llm_config import OpenAiLlmConfig
    from voiced.llm_openai import OpenAiLlm

    local = config.llm.local()
    if local is None:
        return {}
    log_dir = tempfile.TemporaryDirectory()
    server = LlmServer(
        Path(log_dir.name) / "server.log",
        llm_path(config),
        local.context_tokens,
        models.llm.threads,  # type: ignore[attr-defined]
    )
    try:
        server.start()
        # Timed, never replaced: the server's first word is waited for as long as a turn.
        limit = local.turn_timeout_seconds
        remote_config = OpenAiLlmConfig(
            engine="openai", url=server.url, first_token_timeout_seconds=limit, **local.shared()
        )
        remote = OpenAiLlm(remote_config)
        remote_models = dataclasses.replace(models, llm=remote)
        paths = [RECORDINGS / f"{name}.wav" for name in LLM_TURNS]
        voiced_turn(config, remote_models, paths[0])  # the server's system prompt, cached
        figures: dict[str, list[float]] = {"local": [], "remote": []}
        for _ in range(runs):
            for path in paths:
                for engine, used in (("local", models), ("remote", remote_models)):
                    seconds = voiced_turn(config, used, path)["transcript_to_audio_s"]
                    if seconds is not None:
                        figures[engine].append(seconds)
        remote.close()
    finally:
        server.stop()
        log_dir.cleanup()
    local_s, remote_s = median(figures["local"]), median(figures["remote"])
    return {"local_s": local_s, "remote_s": remote_s, "remote_over_local": ratio(remote_s, local_s)}
