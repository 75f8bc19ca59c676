"""`voiced run`: the pipeline on the microphone as a systemd service.

Readiness, status and watchdog go to systemd; SIGTERM stops, SIGHUP reloads the
configuration (a bad one is rejected and the old one kept); a lost or missing
microphone is waited for with back-off, and the watchdog keeps being fed meanwhile.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config import Config, ConfigError, load_config
from voiced.errors import VoicedError
from voiced.health import Health, Supervisor
from voiced.models import Models, load_models
from voiced.notify import Notifier
from voiced.pipeline import Pipeline
from voiced.sinks import SpeakerSink
from voiced.sources import AudioInputError, AudioSource, MicrophoneSource, WavFileSource

log = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
# Asked of systemd before each model loads: a slow SD card must not fail the start.
LOAD_STEP_TIMEOUT_SECONDS = 60.0
# Without a systemd watchdog the supervisor still logs stuck stages this often.
DEFAULT_SUPERVISION_SECONDS = 5.0


@dataclass
class Signals:
    """What the signal handlers asked for; `wake` interrupts listening and waiting."""

    stop: bool = False
    reload: bool = False
    wake: threading.Event = field(default_factory=threading.Event)

    def install(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self._set("stop"))
        signal.signal(signal.SIGINT, lambda *_: self._set("stop"))
        signal.signal(signal.SIGHUP, lambda *_: self._set("reload"))

    def _set(self, what: str) -> None:
        setattr(self, what, True)
        self.wake.set()


def refresh_audio_devices() -> None:
    """PortAudio freezes its device list when it starts: restart it to see a replugged device."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


def default_source(config: Config) -> AudioSource:
    if config.audio.input_file is not None:
        return WavFileSource([config.audio.input_file], realtime=True, silence_after=True)
    return MicrophoneSource(config.audio.input_device)


class Daemon:
    def __init__(
        self,
        config: Config,
        config_path: Path | None,
        notifier: Notifier | None = None,
        hang_stage: str | None = None,
        source_factory: Callable[[Config], AudioSource] | None = None,
        refresh_devices: Callable[[], None] = refresh_audio_devices,
    ) -> None:
        self.config = config
        # Where audio comes from: tests stand a failing source where the microphone stands.
        self.source_factory = source_factory or default_source
        self.refresh_devices = refresh_devices
        self.config_path = config_path
        self.notifier = notifier or Notifier()
        self.health = Health(hang_stage)
        self.signals = Signals()

    def run(self) -> None:
        self.signals.install()
        interval = (self.notifier.watchdog_seconds or DEFAULT_SUPERVISION_SECONDS * 2) / 2
        supervisor = Supervisor(self.health, self.notifier.watchdog, interval)
        supervisor.start()
        models, pipeline = self._start(self.config)
        self.notifier.ready("listening")
        log.info("ready")
        try:
            while not self.signals.stop:
                self._listen(pipeline)
                if self.signals.reload and not self.signals.stop:
                    self.signals.reload = False
                    models, pipeline = self._reload(models, pipeline)
        finally:
            self.notifier.stopping()
            log.info("stopping")
            pipeline.close()
            models.close()
            supervisor.stop()

    def _start(self, config: Config) -> tuple[Models, Pipeline]:
        def loading(what: str) -> None:
            self.notifier.extend_timeout(LOAD_STEP_TIMEOUT_SECONDS)
            self.notifier.status(f"loading {what}")

        models = load_models(config, progress=loading, health=self.health)
        pipeline = Pipeline(config, models, SpeakerSink(config.audio.output_device), self.health)
        pipeline.status = self._status
        return models, pipeline

    def _status(self, text: str) -> None:
        self.notifier.status(text)
        log.debug("status: %s", text)

    def _listen(self, pipeline: Pipeline) -> None:
        """Listen until a signal; wait out a missing or lost microphone."""
        retry_seconds = RETRY_FIRST_SECONDS
        while not (self.signals.stop or self.signals.reload):
            self.signals.wake.clear()
            try:
                pipeline.run(self.source_factory(self.config), stop=self.signals.wake)
                retry_seconds = RETRY_FIRST_SECONDS
            except AudioInputError as err:
                self._status("waiting for microphone")
                log.warning("%s; retrying in %.0f s", err, retry_seconds)
                if self.signals.wake.wait(retry_seconds):
                    continue
                retry_seconds = min(retry_seconds * 2, RETRY_MAX_SECONDS)
                self.refresh_devices()

    def _reload(self, models: Models, pipeline: Pipeline) -> tuple[Models, Pipeline]:
        self.notifier.reloading()
        try:
            new = load_config(self.config_path)
        except ConfigError as err:
            log.error("reload rejected, keeping the running configuration: %s", err)
            self.notifier.ready("listening")
            return models, pipeline
        if new == self.config:
            log.info("configuration unchanged")
            self.notifier.ready("listening")
            return models, pipeline
        try:
            # The new models load beside the old ones: a failure leaves the old ones running.
            new_models, new_pipeline = self._start(new)
        except VoicedError as err:
            log.error("reload rejected, keeping the running configuration: %s", err)
            self.notifier.ready("listening")
            return models, pipeline
        pipeline.close()
        models.close()
        self.config = new
        log.info("configuration reloaded from %s", self.config_path)
        self.notifier.ready("listening")
        return new_models, new_pipeline


def run_daemon(config: Config, config_path: Path | None, hang_stage: str | None = None) -> None:
    Daemon(config, config_path, hang_stage=hang_stage).run()
