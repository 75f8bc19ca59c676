"""`voiced run`: the pipeline on the microphone as a systemd service.

Readiness, status and watchdog go to systemd; SIGTERM stops, SIGHUP reloads the
configuration (a bad one is rejected and the old one kept; a changed one is loaded once no
turn is under way, so a reload never cuts a reply) and says what came of it in the reload
answer file (`voiced reload` waits on it); a lost or missing microphone is waited for with
back-off, and the watchdog keeps being fed meanwhile.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config import Config, ConfigError, load_config
from voiced.devices.imported import DeviceImports, imports_devices
from voiced.errors import VoicedError
from voiced.health import Health, Supervisor
from voiced.messages import AudioChunk
from voiced.models import Models, load_models
from voiced.notify import Notifier
from voiced.pipeline import Pipeline
from voiced.presence import Presence, node_id
from voiced.reload_answer import (
    APPLIED,
    LOADING,
    REJECTED,
    RELOADED,
    UNCHANGED,
    WAITING,
    ReloadAnswers,
    answer_path,
)
from voiced.sinks import SPEAKER_BUFFER_SECONDS, SpeakerSink
from voiced.sources import (
    CHUNK_DEADLINE_SECONDS,
    AudioInputError,
    AudioSource,
    MicrophoneSource,
    WavFileSource,
)
from voiced.timers import Timers
from voiced.wavio import WavError

log = logging.getLogger(__name__)

# A lost microphone is looked for again after 0.5 s, 1 s, then every 2 s: back within
# 5 s of its return. A look restarts PortAudio (about 20 ms of CPU on x86-64).
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 2.0
# The same failure is logged again only after this long.
RETRY_LOG_SECONDS = 60.0
# Restarting PortAudio closes the speaker's stream and drops what its buffer holds: not
# while a reply or an announcement is synthesised or played, nor until the last audio
# written has played out of the device's buffer.
SPEAKER_QUIET_SECONDS = SPEAKER_BUFFER_SECONDS + 0.3
# Asked of systemd before each model loads: a slow SD card must not fail the start.
LOAD_STEP_TIMEOUT_SECONDS = 60.0
# Without a systemd watchdog the supervisor still logs stuck stages this often.
DEFAULT_SUPERVISION_SECONDS = 5.0
REJECTED_SAYING = "reload rejected, keeping the running configuration"
WAITING_SAYING = "configuration changed: reloading once this turn is over"
UNCHANGED_SAYING = "configuration unchanged"


@dataclass
class Signals:
    """What the signal handlers asked for; `wake` interrupts listening and waiting.

    SIGHUP only asks for the file to be read again (`reread`): the listening thread reads
    it between chunks, and stops listening (`reload`) only when something must change and
    no turn is under way. So it interrupts listening only while nothing is listened to
    (a wait for the microphone, mute, a start still loading). The handlers run on the
    main thread, which is the listening thread: `listening` is its own flag."""

    stop: bool = False
    reload: bool = False
    reread: bool = False
    listening: bool = False
    wake: threading.Event = field(default_factory=threading.Event)

    def install(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self._set("stop"))
        signal.signal(signal.SIGINT, lambda *_: self._set("stop"))
        signal.signal(signal.SIGHUP, lambda *_: self._reread())

    def _set(self, what: str) -> None:
        setattr(self, what, True)
        self.wake.set()

    def _reread(self) -> None:
        self.reread = True
        if not self.listening:
            self.wake.set()


def refresh_audio_devices() -> None:
    """PortAudio freezes its device list when it starts: restart it to see a replugged device."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


class _Heard:
    """A source that tells when its first chunk comes: the microphone truly works."""

    def __init__(
        self,
        source: AudioSource,
        on_first_chunk: Callable[[], None],
        after_chunk: Callable[[], None] = lambda: None,
    ) -> None:
        self.source = source
        self.waits_for_replies = source.waits_for_replies
        self.on_first_chunk = on_first_chunk
        self.after_chunk = after_chunk

    def capture_position(self, at: float | None = None) -> int | None:
        """The source's own clock (the echo canceller places what is played on it)."""
        position = getattr(self.source, "capture_position", None)
        return position(at) if position is not None else None

    def chunks(self) -> Generator[AudioChunk, None, None]:
        with closing(self.source.chunks()) as chunks:
            for chunk in chunks:
                self.on_first_chunk()
                self.on_first_chunk = lambda: None
                yield chunk
                self.after_chunk()


def default_source(config: Config) -> AudioSource:
    if config.audio.input_file is not None:
        # Checked when the configuration was read, but it may have gone since: a source
        # that cannot be opened, waited for as a missing microphone is.
        try:
            return WavFileSource([config.audio.input_file], realtime=True, silence_after=True)
        except WavError as err:
            raise AudioInputError(f"audio.input_file: {err}") from err
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
        verbose: bool = False,
        reload_answers: ReloadAnswers | None = None,
    ) -> None:
        self.config = config
        # `-v`: debug logging whatever logging.level says, reloads included.
        self.verbose = verbose
        # Where audio comes from: tests stand a failing source where the microphone stands.
        self.source_factory = source_factory or default_source
        self.refresh_devices = refresh_devices
        self.config_path = config_path
        self.notifier = notifier or Notifier()
        # What came of each SIGHUP, for `voiced reload` (written by the listening thread).
        self.reload_answers = reload_answers or ReloadAnswers(None)
        self.health = Health(hang_stage)
        self.signals = Signals()
        # Set while the microphone is missing: "listening" is not claimed until it hears.
        self._microphone_missing = False
        # Devices from Home Assistant and MQTT discovery; a change there reloads, once no
        # command is heard or answered (set by the discovery thread, read after each chunk).
        self._devices_stale = threading.Event()
        self.imports = DeviceImports(self._devices_changed, skip_node=node_id(config.mqtt))
        # voiced's own entities over MQTT (mqtt.entities); its mute closes the microphone.
        self.presence: Presence | None = None
        # A file read after a SIGHUP that differs from the running configuration: loaded
        # once no turn is under way (listening thread only).
        self._pending: Config | None = None

    def run(self) -> None:
        self.signals.install()
        self.reload_answers.started()
        interval = (self.notifier.watchdog_seconds or DEFAULT_SUPERVISION_SECONDS * 2) / 2
        supervisor = Supervisor(self.health, self.notifier.watchdog, interval)
        supervisor.start()
        if self.config.mqtt.entities:
            self.presence = Presence(self.config.mqtt, on_mute=lambda _: self.signals.wake.set())
            self.presence.start(self.config.mqtt.timeout_seconds)
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
            self.imports.close()
            if self.presence is not None:
                self.presence.close()
            supervisor.stop()

    def _start(
        self, config: Config, models: Models | None = None, timers: Timers | None = None
    ) -> tuple[Models, Pipeline]:
        def loading(what: str) -> None:
            self.notifier.extend_timeout(LOAD_STEP_TIMEOUT_SECONDS)
            self.notifier.status(f"loading {what}")
            self.reload_answers.loading(what)

        config = self.imports.apply(config)
        models = models or load_models(config, progress=loading, health=self.health)
        pipeline = Pipeline(
            config, models, SpeakerSink(config.audio.output_device), self.health, timers=timers
        )
        pipeline.status = self._status
        if self.presence is not None:
            pipeline.on_turn_done = self.presence.turn_done
            self.presence.attach(pipeline.announce, pipeline.intents.timers)
        return models, pipeline

    def _devices_changed(self) -> None:
        """MQTT discovery announced or removed a device: reloaded as by SIGHUP, but not
        in the middle of a turn (its reply, a question it asked, a follow-up): after the
        next chunk heard while idle, or at once while nothing is heard (muted, no
        microphone)."""
        self._devices_stale.set()
        if self._microphone_missing or (self.presence is not None and self.presence.muted):
            self._reload_stale_devices()

    def _reload_stale_devices(self) -> None:
        if self._devices_stale.is_set():
            self._devices_stale.clear()
            self.signals.reload = True
            self.signals.wake.set()

    def _status(self, text: str) -> None:
        if text == "listening" and self._microphone_missing:
            return
        self.notifier.status(text)
        if self.presence is not None:
            self.presence.status(text)
        log.debug("status: %s", text)

    def _microphone_heard(self) -> None:
        if self._microphone_missing:
            self._microphone_missing = False
            log.info("the microphone is back")
            self._status("listening")

    def _listen(self, pipeline: Pipeline) -> None:
        """Listen until a signal; wait out a missing or lost microphone."""
        retry_seconds = RETRY_FIRST_SECONDS
        last_logged: tuple[str, float] = ("", 0.0)
        while not (self.signals.stop or self.signals.reload):
            self.signals.wake.clear()
            # Nothing is listened to here, but a turn begun before the microphone was lost
            # may still be answered: a reload waits for it (the next look comes within 2 s).
            self._reread_if_asked(pipeline.quiet)
            if self.signals.reload:
                break
            if self.presence is not None and self.presence.muted:
                # Muted: the microphone stays closed until unmuted (or a signal).
                self._status("muted")
                self._reload_stale_devices()
                self.signals.wake.wait()
                continue
            try:
                source = _Heard(
                    self.source_factory(self.config),
                    self._microphone_heard,
                    self._after_chunk(pipeline),
                )
                self.signals.listening = True
                try:
                    pipeline.run(source, stop=self.signals.wake)
                finally:
                    self.signals.listening = False
                retry_seconds = RETRY_FIRST_SECONDS
            except AudioInputError as err:
                self._microphone_missing = True
                self._status("waiting for microphone")
                self._reload_stale_devices()
                # The next source's audio starts at 0 s: what was half heard is dropped.
                pipeline.speculator.reset()
                pipeline.listener.reset()
                message = f"{err}; retrying in {retry_seconds:g} s"
                now = time.monotonic()
                if message != last_logged[0] or now - last_logged[1] >= RETRY_LOG_SECONDS:
                    log.warning("%s", message)
                    last_logged = (message, now)
                if self.signals.wake.wait(retry_seconds):
                    continue
                retry_seconds = min(retry_seconds * 2, RETRY_MAX_SECONDS)
                self._refresh_devices(pipeline)

    def _after_chunk(self, pipeline: Pipeline) -> Callable[[], None]:
        presence = self.presence

        def after_chunk() -> None:
            # After each chunk the listener has taken: is a command being heard?
            if presence is not None:
                presence.capturing(pipeline.listener.capturing)
            idle = pipeline.idle
            self._reread_if_asked(idle)
            if idle:
                self._reload_stale_devices()

        return after_chunk

    def _reread_if_asked(self, idle: bool) -> None:
        """After a SIGHUP, read the file at once; a file that differs is loaded once `idle`
        (no command heard, answered or awaited): a reload never cuts a reply, and an
        unchanged or rejected file interrupts nothing."""
        if self.signals.reread:
            self.signals.reread = False
            self._pending = self._read_again(idle)
        if self._pending is not None and idle and not self.signals.reload:
            self.signals.reload = True
            self.signals.wake.set()

    def _read_again(self, idle: bool) -> Config | None:
        """The file as it is now, if the daemon must reload for it; else None, said."""
        try:
            new = load_config(self.config_path)
        except ConfigError as err:
            self.notifier.reloading()
            log.error("%s: %s", REJECTED_SAYING, err)
            self._ready()
            self.reload_answers.after_read(REJECTED, f"{REJECTED_SAYING}: {err}")
            return None
        if self._same_but_logging(new) and not imports_devices(new):
            # Nothing is reloaded for the log level alone: it is applied here.
            self.notifier.reloading()
            if new.logging != self.config.logging:
                outcome, said = APPLIED, self._apply_logging(new)
                self.config = new
            else:
                outcome, said = UNCHANGED, UNCHANGED_SAYING
                log.info("%s", said)
            self._ready()
            self.reload_answers.after_read(outcome, said)
            return None
        if idle:
            self.reload_answers.after_read(LOADING, "configuration changed: reloading")
        else:
            log.info("%s", WAITING_SAYING)
            self.reload_answers.after_read(WAITING, WAITING_SAYING)
        return new

    def _ready(self) -> None:
        """READY=1 after a reload, with the status it had before."""
        if self._microphone_missing:
            self.notifier.ready("waiting for microphone")
        elif self.presence is not None and self.presence.muted:
            self.notifier.ready("muted")
        else:
            self.notifier.ready("listening")

    def _refresh_devices(self, pipeline: Pipeline) -> None:
        """Restart PortAudio to see devices that came back; it closes every stream, so the
        speaker's is closed first and no reply is written meanwhile. Skipped while the
        speaker speaks (tried again at the next look): closing it would cut what it says."""
        if pipeline.health.active(("tts", "playback"), SPEAKER_QUIET_SECONDS):
            log.debug("PortAudio not restarted while the speaker speaks")
            return
        sink = pipeline.speaker.sink
        # Restarting PortAudio waits on the sound server: one that stopped answering holds
        # it, and the health supervisor must see that as it sees a frozen microphone.
        with pipeline.health.busy("microphone", CHUNK_DEADLINE_SECONDS):
            if isinstance(sink := getattr(sink, "inner", sink), SpeakerSink):
                with sink.closed():
                    self.refresh_devices()
            else:
                self.refresh_devices()

    def _reload(self, models: Models, pipeline: Pipeline) -> tuple[Models, Pipeline]:
        self.notifier.reloading()
        # The file read after a SIGHUP; for a change of the imported devices, read now.
        new, self._pending = self._pending, None
        if new is None:
            try:
                new = load_config(self.config_path)
            except ConfigError as err:
                return self._keep(models, pipeline, f"{REJECTED_SAYING}: {err}")
        if new == self.config and not imports_devices(new):
            log.info("%s", UNCHANGED_SAYING)
            self._ready()
            self.reload_answers.after_load(UNCHANGED, UNCHANGED_SAYING)
            return models, pipeline
        # Only the imported devices (or the log level) may have changed: the models stay.
        same_models = models if self._same_but_logging(new) else None
        # The timers run on through a reload, on their own clock: read back from the file
        # beside the running ones, one that ended meanwhile rang twice, and a wall-clock
        # step (a Pi setting its time from the network) ended or lengthened them.
        kept = [(c.state_file.timers_file, c.state_file.max_timers) for c in (new, self.config)]
        timers = pipeline.intents.timers if kept[0] == kept[1] else None
        self.reload_answers.after_load(LOADING, "configuration changed: reloading")
        try:
            # The new models load beside the old ones: a failure leaves the old ones running.
            new_models, new_pipeline = self._start(new, same_models, timers)
        except VoicedError as err:
            return self._keep(models, pipeline, f"{REJECTED_SAYING}: {err}")
        if timers is not None:
            new_pipeline.intents.take_timers_from(pipeline.intents)
        pipeline.close()
        if new_models is not models:
            models.close()
        self._apply_logging(new)
        self.config = new
        reloaded = f"configuration reloaded from {self.config_path}"
        self._ready()
        self.reload_answers.after_load(RELOADED, reloaded)
        # Logged last: whoever reads it finds systemd and a waiting `voiced reload` told.
        log.info("%s", reloaded)
        return new_models, new_pipeline

    def _keep(self, models: Models, pipeline: Pipeline, reason: str) -> tuple[Models, Pipeline]:
        """A reload that failed: the running configuration, models and pipeline stay."""
        self._ready()
        self.reload_answers.after_load(REJECTED, reason)
        log.error("%s", reason)  # last, as for a reload done
        return models, pipeline

    def _same_but_logging(self, new: Config) -> bool:
        """`new` is the running configuration but for `logging`, which needs no reload."""
        return new.model_copy(update={"logging": self.config.logging}) == self.config

    def _apply_logging(self, new: Config) -> str:
        """The log level of `new`, set at once (unless `-v` asked for debug); says what
        was done."""
        if new.logging == self.config.logging:
            return "logging level unchanged"
        if self.verbose:
            said = f"logging.level {new.logging.level} not applied: -v logs everything"
            log.info("%s", said)
            return said
        said = f"logging level set to {new.logging.level}"
        level = new.logging.level_number
        # Said while info is still (or already) logged, whichever way the level moves.
        if level > logging.INFO:
            log.info("%s", said)
        logging.getLogger().setLevel(level)
        if level <= logging.INFO:
            log.info("%s", said)
        return said


def run_daemon(
    config: Config, config_path: Path | None, hang_stage: str | None = None, verbose: bool = False
) -> None:
    answers = ReloadAnswers(answer_path())
    Daemon(
        config, config_path, hang_stage=hang_stage, verbose=verbose, reload_answers=answers
    ).run()
