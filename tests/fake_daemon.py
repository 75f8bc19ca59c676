"""`voiced run` on the fake engines, in a process of its own: the real command line, signal
handling, notify messages and reload answers, ready in a second instead of loading models.

    python -m tests.fake_daemon --config voiced.yaml [-v]

Audio comes from the configuration's audio.input_file, as in the daemon. The fake LLM
tells a story of eight sentences, half a second each, to any question; the fake models
refuse to load an LLM named `missing.gguf`, as the real ones refuse a missing file.
"""

from __future__ import annotations

import sys
from typing import Any

import voiced.daemon
from tests.fakes import FakeEngines, FakeLlm, FakeRecognizer, FakeSink
from voiced.cli import main
from voiced.config import Config
from voiced.errors import ModelError
from voiced.models import Models

MISSING_MODEL = "missing.gguf"
STORY = [f"Sentence number {n}. " for n in range(1, 9)]
SECONDS_PER_SENTENCE = 0.5


def run_on_fakes(argv: list[str]) -> int:
    llm = FakeLlm(STORY, seconds_per_piece=SECONDS_PER_SENTENCE)
    llm.close = lambda: None  # type: ignore[attr-defined]
    engines = FakeEngines(recognizer=FakeRecognizer(["Tell me a long story."]), llm=llm)
    models = Models(engines.wake, engines.vad, engines.recognizer, llm, engines.tts, None)  # type: ignore[arg-type]

    def load_models(config: Config, progress: Any = None, **_kwargs: Any) -> Models:
        if progress is not None:
            progress("the language model")
        if config.llm.model == MISSING_MODEL:
            raise ModelError(f"LLM model missing: {MISSING_MODEL}", fix="scripts/fetch-models")
        return models

    voiced.daemon.load_models = load_models  # type: ignore[assignment]
    voiced.daemon.SpeakerSink = lambda _device: FakeSink()  # type: ignore[assignment,misc,return-value]
    return main(["run", *argv])


if __name__ == "__main__":
    sys.exit(run_on_fakes(sys.argv[1:]))
