"""`voiced replay`: recordings through the daemon's own pipeline, a WAV writer as the speaker;
`voiced ask`: typed requests entering that pipeline where the transcript does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from voiced.asr import Decoder, Decoding
from voiced.config import Config
from voiced.listener import HeardCommand
from voiced.messages import WakeDetected
from voiced.models import Models
from voiced.pipeline import Pipeline
from voiced.report import TurnReport, replay_report
from voiced.sinks import NullSink, PacedSink, WavSink
from voiced.sources import WavFileSource
from voiced.tts import AudioSink
from voiced.turn.ports import Engines


def replay(
    config: Config,
    models: Models,
    source: WavFileSource,
    out: Path | None = None,
) -> dict[str, Any]:
    """Play the source's recordings back to back into the pipeline; return the report."""
    written = WavSink(out) if out else NullSink()
    sink: AudioSink = PacedSink(written) if source.realtime else written
    turns = replay_turns(config, models, source, sink)
    inputs = [str(path) for path, _samples in source.recordings]
    return replay_report(inputs, source.audio_seconds, turns)


def replay_turns(
    config: Config, models: Engines, source: WavFileSource, sink: AudioSink
) -> list[TurnReport]:
    """The turns of the source's recordings through a pipeline speaking to `sink`."""
    pipeline = Pipeline(config, models, sink)
    try:
        return pipeline.run(
            source, input_name=lambda: str(source.current) if source.current else None
        )
    finally:
        pipeline.close()


class TypedDecoder:
    """The decoding of a typed request: its text, with no bias to check (it is exactly what
    was asked)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> str:
        return self.text

    def without_bias(self) -> str | None:
        return None

    @property
    def decodings(self) -> list[Decoding]:
        return [Decoding(transcript=self.text, biased=False)]


class TypedSession:
    """A typed request where a recogniser's session stands: its text is the transcript."""

    def __init__(self, text: str) -> None:
        self._decoder = TypedDecoder(text)

    def accept(self, samples: np.ndarray) -> str | None:
        return None

    def finish(self) -> str:
        return self._decoder.text

    def final_decoder(self) -> Decoder:
        return self._decoder

    def decoder(self) -> Decoder:
        return self._decoder


def typed_command(text: str, wake_word: str, answer: bool = False) -> HeardCommand:
    """A command heard as `text`, its endpoint now: what the listener hands the pipeline.
    An `answer` to the question voiced asked last is handed over as words said after it
    without the wake word are."""
    now = time.monotonic()
    return HeardCommand(
        wake=WakeDetected(wake_word=wake_word, score=1.0, at_s=0.0),
        session=TypedSession(text),
        samples=np.zeros(0, dtype=np.int16),
        speech_end_at_s=0.0,
        speech_end_received_at=now,
        endpoint_at=now,
        partials=[],
        follow_up=answer,
    )


def ask(config: Config, models: Models, texts: list[str], sink: AudioSink) -> dict[str, Any]:
    """Answer typed requests, one turn each, as the pipeline answers spoken ones. A text
    after a question voiced asked ("1 hour 30, or 1 minute 30?") that answers it (a yes, a
    no, one of its choices) is taken as the answer; any other is a new request, and the
    question is dropped, as when a new command is said instead of an answer."""
    pipeline = Pipeline(config, models, sink)
    try:
        turns = []
        for text in texts:
            asked = pipeline.router.questions.asked()
            answer = asked is not None and pipeline.intents.answers(asked, text)
            turns.append(pipeline.answer(typed_command(text, config.wake.model, answer)))
    finally:
        pipeline.close()
    return replay_report(texts, 0.0, turns)
