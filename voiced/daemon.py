"""`voiced run`: the pipeline on the microphone, until asked to stop, through microphone loss."""

from __future__ import annotations

import logging
import threading

from voiced.config import Config
from voiced.models import load_models
from voiced.pipeline import Pipeline
from voiced.sinks import SpeakerSink
from voiced.sources import AudioInputError, MicrophoneSource

log = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


def refresh_audio_devices() -> None:
    """PortAudio freezes its device list when it starts: restart it to see a replugged device."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


def run_daemon(config: Config, stop: threading.Event) -> None:
    models = load_models(config)
    pipeline = Pipeline(config, models, SpeakerSink(config.audio.output_device))
    log.info("ready")
    retry_seconds = RETRY_FIRST_SECONDS
    try:
        while not stop.is_set():
            try:
                pipeline.run(MicrophoneSource(config.audio.input_device), stop=stop)
                retry_seconds = RETRY_FIRST_SECONDS
            except AudioInputError as err:
                pipeline.status("waiting for microphone")
                log.warning("%s; retrying in %.0f s", err, retry_seconds)
                if stop.wait(retry_seconds):
                    break
                retry_seconds = min(retry_seconds * 2, RETRY_MAX_SECONDS)
                refresh_audio_devices()
    finally:
        pipeline.close()
        models.close()
