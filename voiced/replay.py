"""`voiced replay`: recordings through the daemon's own pipeline, a WAV writer as the speaker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voiced.config import Config
from voiced.models import Models
from voiced.pipeline import Pipeline
from voiced.report import replay_report
from voiced.sinks import NullSink, PacedSink, WavSink
from voiced.sources import WavFileSource
from voiced.tts import AudioSink


def replay(
    config: Config,
    models: Models,
    source: WavFileSource,
    out: Path | None = None,
) -> dict[str, Any]:
    """Play the source's recordings back to back into the pipeline; return the report."""
    written = WavSink(out) if out else NullSink()
    sink: AudioSink = PacedSink(written) if source.realtime else written
    pipeline = Pipeline(config, models, sink)
    try:
        turns = pipeline.run(
            source, input_name=lambda: str(source.current) if source.current else None
        )
    finally:
        pipeline.close()
    inputs = [str(path) for path, _samples in source.recordings]
    return replay_report(inputs, source.audio_seconds, turns)
