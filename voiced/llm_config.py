"""The `llm` section: what every language model engine shares (the conversation and how
an answer is sampled), then each engine's own keys, told apart by `engine:`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from voiced.sections import HttpUrl, Section

if TYPE_CHECKING:
    from voiced.engines import Llm
    from voiced.health import Health

log = logging.getLogger(__name__)

DEFAULT_SYSTEM_PROMPT = (
    "You are Jarvis, a voice assistant in a home. Answer in one to three short "
    "sentences of plain spoken English, with no lists and no markdown. You cannot see "
    "or change any device, and you have no internet: you do not know the weather, the "
    "news, the time or anything else that is happening now. When asked to do or check "
    "such a thing, say that you cannot; never say that you did it."
)


class LlmSettings(Section):
    """The keys every engine reads: the same conversation, whoever answers it."""

    # The registered name of the engine (entry points voiced.engines.llm).
    engine: str

    # It says what the model cannot do, so that it does not pretend to (measured by
    # scripts/answer-quality): devices and live facts are the intents' business.
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    max_tokens: Annotated[int, Field(ge=1, le=4096)] = 96
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.2
    top_p: Annotated[float, Field(gt=0, le=1)] = 0.9
    seed: Annotated[int, Field(ge=-1, le=2**32 - 1)] = 0
    # The conversation (without the system prompt) is kept within this many tokens;
    # the oldest turns are dropped first.
    history_token_budget: Annotated[int, Field(ge=0, le=32768)] = 640
    # Wall-clock limit of one answer; past it the answer is cut short, and a model call
    # stuck this long stops the watchdog pings.
    turn_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0

    def shared(self) -> dict[str, Any]:
        """The keys every engine reads, as this section has them."""
        return {name: getattr(self, name) for name in LlmSettings.model_fields if name != "engine"}

    def load(self, models_dir: Path, health: Health | None = None) -> Llm:
        """The engine, starting to load (wait_ready waits for it)."""
        raise NotImplementedError

    def local(self) -> LocalLlmConfig | None:
        """The model this engine runs in-process, if any."""
        return None


class LocalLlmConfig(LlmSettings):
    """A GGUF model run in this process by llama-cpp-python."""

    engine: Literal["local"] = "local"
    # A GGUF file in models/llm: Qwen2.5-Coder-0.5B-Instruct Q4_K_M by default
    # (scripts/fetch-models). When it is missing, fallback_model is used with a warning.
    model: str = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    fallback_model: str | None = "SmolLM2-135M-Instruct.Q4_1.gguf"
    # The KV cache holds this many tokens (12 KB each for the default model): room for the
    # system prompt, the history below and the answer.
    context_tokens: Annotated[int, Field(ge=256, le=32768)] = 1024
    # Map the model file instead of reading it into memory: its pages that inference never
    # reads (the token embedding table, tensors repacked at load) are then let go after
    # loading, 87 MB of the default model (voiced/mapped_pages.py).
    mmap: bool = True
    # CPU cores the LLM worker is pinned to: a list, "all" (unpinned) or "auto" (on 4 or
    # more cores the fastest but one, leaving a core to capture and playback; unpinned on
    # fewer). Its threads: null is one per pinned core.
    cpus: Literal["all", "auto"] | list[Annotated[int, Field(ge=0, le=4095)]] = "auto"
    threads: Annotated[int, Field(ge=1, le=64)] | None = None
    # The LLM worker's niceness: on shared cores the audio path comes first.
    nice: Annotated[int, Field(ge=0, le=19)] = 10
    # Where it shares every core with the audio path (unpinned, or pinned to them all),
    # the LLM waits between its model calls while the end-of-turn model looks at a pause
    # or a reply's first sentence is synthesised (voiced/give_way.py).
    give_way: bool = True
    # Keep the evaluated system prompt on disk (in $XDG_CACHE_HOME/voiced), so that a
    # restart does not evaluate it again.
    prompt_cache: bool = True

    @field_validator("cpus")
    @classmethod
    def _cpus_not_empty(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("must list at least one core, or be 'all'")
        return value

    @model_validator(mode="after")
    def _answer_fits(self) -> LocalLlmConfig:
        if self.max_tokens >= self.context_tokens:
            raise ValueError(
                f"max_tokens ({self.max_tokens}) must be less than context_tokens "
                f"({self.context_tokens}): the answer and its question share the context"
            )
        return self

    def model_path(self, models_dir: Path) -> Path:
        """The configured GGUF file; when it is missing, the fallback model with a warning.
        With neither present, the configured file: loading it names what is missing."""
        folder = models_dir / "llm"
        chosen = folder / self.model
        if chosen.is_file() or self.fallback_model is None:
            return chosen
        fallback = folder / self.fallback_model
        if not fallback.is_file():
            return chosen
        log.warning(
            "LLM model %s is missing (scripts/fetch-models fetches it): using %s instead",
            chosen,
            fallback.name,
        )
        return fallback

    def load(self, models_dir: Path, health: Health | None = None) -> Llm:
        from voiced.llm import LlmWorker

        return LlmWorker(self.model_path(models_dir), self, health)

    def local(self) -> LocalLlmConfig | None:
        return self


class OpenAiLlmConfig(LlmSettings):
    """An OpenAI-compatible server (llama.cpp's llama-server, Ollama, vLLM) answers; the
    local model in `fallback`, when given, answers when the server cannot."""

    engine: Literal["openai"]
    # The API's base URL, as OpenAI's clients take it: .../v1 (chat/completions follows).
    url: HttpUrl
    # The model the server is asked for (servers with one model ignore it).
    model: str = "default"
    # A bearer token, read from this file, or else from this environment variable.
    token_file: Path | None = None
    token_env: str = "VOICED_LLM_TOKEN"
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 2.0
    # No first word from the server this long after asking: the local model answers.
    first_token_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 4.0
    # The local model that answers when the server cannot; null: the turn apologises.
    fallback: LocalLlmConfig | None = None

    def local(self) -> LocalLlmConfig | None:
        return self.fallback

    def load(self, models_dir: Path, health: Health | None = None) -> Llm:
        from voiced.llm_openai import OpenAiLlm

        settings = self.fallback_settings()
        local = None if settings is None else settings.load(models_dir, health)
        return OpenAiLlm(self, local, health)

    def fallback_settings(self) -> LocalLlmConfig | None:
        """The fallback continues the same conversation, under the same rules: the shared
        keys are the server's."""
        if self.fallback is None:
            return None
        return self.fallback.model_copy(update=self.shared())
