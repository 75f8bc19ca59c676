"""Loading every model once at start, in the order that fails fastest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiced.asr import Recognizer, load_recognizer
from voiced.config import Config
from voiced.health import Health
from voiced.llm import LlmWorker
from voiced.smart_turn import SmartTurn
from voiced.tts import PiperTts
from voiced.vad import SileroVad
from voiced.wake import WakeWordDetector

log = logging.getLogger(__name__)


@dataclass
class Models:
    wake: WakeWordDetector
    vad: SileroVad
    recognizer: Recognizer
    llm: LlmWorker
    tts: PiperTts
    # The end-of-turn model; None with config turn_end.enabled false.
    smart_turn: SmartTurn | None = None

    def close(self) -> None:
        self.llm.close()


def llm_path(config: Config) -> Path:
    """The configured GGUF file; when it is missing, the fallback model with a warning.
    With neither present, the configured file: loading it names what is missing."""
    folder = config.models_dir / "llm"
    chosen = folder / config.llm.model
    if chosen.is_file() or config.llm.fallback_model is None:
        return chosen
    fallback = folder / config.llm.fallback_model
    if not fallback.is_file():
        return chosen
    log.warning(
        "LLM model %s is missing (scripts/fetch-models fetches it): using %s instead",
        chosen,
        fallback.name,
    )
    return fallback


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
    llm = LlmWorker(llm_path(config), config.llm, health)
    llm.wait_constructed()
    try:
        step("the wake word model")
        wake = WakeWordDetector(models_dir, config.wake.model, config.wake.threshold)
        step("the voice activity model")
        vad = SileroVad(models_dir, config.endpoint.vad_threshold)
        step("the speech recogniser")
        recognizer = load_recognizer(models_dir, config.asr)
        step("the end-of-turn model")
        smart_turn = SmartTurn(models_dir) if config.turn_end.enabled else None
        step("the voice")
        tts = PiperTts(models_dir, config.tts)
        tts.warm_up()
        step("the language model's prompt")
        llm.wait_ready()
    except BaseException:
        llm.close()
        raise
    return Models(wake, vad, recognizer, llm, tts, smart_turn)
