"""Loading every model once at start, in the order that fails fastest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiced.asr import Recognizer, load_recognizer
from voiced.config import Config
from voiced.engines import Llm, Tts, Vad, WakeWord
from voiced.health import Health
from voiced.llm_config import LocalLlmConfig
from voiced.smart_turn import SmartTurn

log = logging.getLogger(__name__)


@dataclass
class Models:
    wake: WakeWord
    vad: Vad
    recognizer: Recognizer
    llm: Llm
    tts: Tts
    # The end-of-turn model; None with config turn_end.enabled false.
    smart_turn: SmartTurn | None = None

    def close(self) -> None:
        self.llm.close()


def llm_path(config: Config) -> Path:
    """The local GGUF file the configuration names (the fallback's, for a server)."""
    local = config.llm if isinstance(config.llm, LocalLlmConfig) else config.llm.local()
    if not isinstance(local, LocalLlmConfig):
        raise ValueError(f"llm.engine {config.llm.engine} runs no local model")
    return local.model_path(config.models_dir)


def load_models(
    config: Config,
    progress: Callable[[str], None] | None = None,
    health: Health | None = None,
) -> Models:
    """Load and warm every model; raises ModelError naming the first that cannot load."""

    def step(what: str) -> None:
        log.info("loading %s", what)
        if progress is not None:
            progress(what)

    models_dir = config.models_dir
    step("the language model")
    # The LLM is read in on its own thread, then evaluates its prompt while the others load.
    llm = config.llm.load(models_dir, health)
    try:
        # Inside: a Ctrl-C while the file is read closes the worker too (noted, if the
        # read outlasts close()'s wait: voiced/native_threads.py).
        llm.wait_constructed()
        step("the wake word model")
        wake = config.wake.load(models_dir)
        step("the voice activity model")
        vad = config.vad.load(models_dir, config.endpoint.vad_threshold)
        step("the speech recogniser")
        recognizer = load_recognizer(models_dir, config.asr)
        step("the end-of-turn model")
        smart_turn = SmartTurn(models_dir) if config.turn_end.enabled else None
        step("the voice")
        tts = config.tts.load(models_dir)
        tts.warm_up()
        step("the language model's prompt")
        llm.wait_ready()
    except BaseException:
        llm.close()
        raise
    return Models(wake, vad, recognizer, llm, tts, smart_turn)
