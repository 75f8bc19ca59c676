"""The daemon's reload (SIGHUP) and its audio source, on fake engines."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import (
    Do,
    FakeEngines,
    FakeLlm,
    FakeRecognizer,
    FakeSink,
    ScriptedSource,
    command,
    silence,
)
from tests.helpers import recording
from voiced.config import Config
from voiced.daemon import Daemon, default_source
from voiced.models import Models
from voiced.pipeline import Pipeline
from voiced.sources import AudioInputError
from voiced.timers import Timers

STATE = "state_file:\n  path: {tmp}/state.json\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text.format(tmp=path.parent), encoding="utf-8")
    return path


class Harness:
    """A Daemon on fake engines whose pipelines are counted."""

    def __init__(self, tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
        from voiced.config import load_config

        self.path = write(tmp_path / "voiced.yaml", text)
        self.daemon = Daemon(load_config(self.path), self.path)
        self.engines = FakeEngines()
        self.built: list[Pipeline] = []

        def start(config: Config, models: object = None, timers: Timers | None = None) -> tuple:
            self.built.append(Pipeline(config, self.engines, FakeSink(), timers=timers))
            return self.engines, self.built[-1]

        monkeypatch.setattr(self.daemon, "_start", start)
        self.models, self.pipeline = start(self.daemon.config)

    def close(self) -> None:
        for pipeline in self.built:
            pipeline.close()


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    made: list[Harness] = []

    def make(text: str) -> Harness:
        made.append(Harness(tmp_path, text, monkeypatch))
        return made[-1]

    yield make
    for each in made:
        each.close()


def test_a_reload_to_an_input_file_that_is_not_there_is_refused(
    harness, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    running = harness(STATE)
    write(running.path, STATE + "audio:\n  input_file: {tmp}/doorbell.wav\n")
    with caplog.at_level(logging.INFO, logger="voiced.daemon"):
        _models, pipeline = running.daemon._reload(running.models, running.pipeline)
    assert pipeline is running.pipeline and len(running.built) == 1
    assert running.daemon.config.audio.input_file is None
    assert "reload rejected, keeping the running configuration" in caplog.text
    assert "doorbell.wav: no such file" in caplog.text


def test_an_input_file_gone_since_it_was_read_is_a_source_that_cannot_be_opened(
    tmp_path: Path,
) -> None:
    """Waited for as a missing microphone is: the daemon does not die."""
    from voiced.config import parse_config

    gone = tmp_path / "doorbell.wav"
    gone.write_bytes(recording("silence").read_bytes())
    config = parse_config({"audio": {"input_file": str(gone)}})
    default_source(config)
    gone.unlink()
    with pytest.raises(AudioInputError, match=r"audio\.input_file: .*doorbell\.wav: no such file"):
        default_source(config)


# The real Daemon.run on the fakes, its signals sent to this process.

CONFIG = STATE + "turn_end:\n  enabled: false\necho:\n  cancel: false\n"
CHANGED = CONFIG + "conversation:\n  follow_up_seconds: 3.0\n"
STORY = [f"Sentence number {n}. " for n in range(1, 9)]


def signal_self(signum: int) -> Do:
    return Do(lambda: os.kill(os.getpid(), signum))


def run_daemon(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    scripts: list[list[np.ndarray | Do]],
    llm: FakeLlm,
    reload_text: str | None = None,
) -> tuple[Daemon, list[str], int]:
    """The daemon on CONFIG, rewritten to `reload_text` once it runs; each time it opens
    its microphone it hears the next script (as a microphone, not waiting for replies).
    Returns the daemon, its log and how many times it opened the microphone."""
    path = write(tmp_path / "voiced.yaml", CONFIG)
    engines = FakeEngines(recognizer=FakeRecognizer(["Tell me a long story."]), llm=llm)
    models = Models(engines.wake, engines.vad, engines.recognizer, llm, engines.tts, None)  # type: ignore[arg-type]
    monkeypatch.setattr(llm, "close", lambda: None, raising=False)
    monkeypatch.setattr("voiced.daemon.load_models", lambda *_args, **_kwargs: models)
    monkeypatch.setattr("voiced.daemon.SpeakerSink", lambda _device: FakeSink())
    opened: list[int] = []

    def microphone(_config: Config) -> ScriptedSource:
        opened.append(1)
        if len(opened) > len(scripts):
            return ScriptedSource([signal_self(signal.SIGTERM)], waits_for_replies=False)
        return ScriptedSource(scripts[len(opened) - 1], waits_for_replies=False)

    from voiced.config import load_config

    daemon = Daemon(
        load_config(path), path, source_factory=microphone, refresh_devices=lambda: None
    )
    if reload_text is not None:
        write(path, reload_text)
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    }
    try:
        with caplog.at_level(logging.INFO, logger="voiced"):
            daemon.run()
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return daemon, caplog.messages, len(opened)


def story_told_with_a_sighup(after_sighup: list[np.ndarray | Do]) -> list[np.ndarray | Do]:
    """A question whose answer is eight sentences; SIGHUP while it is spoken."""
    return [*silence(1), *command(0.8, 1.0), *silence(1.0), signal_self(signal.SIGHUP),
            *after_sighup]  # fmt: skip


@pytest.mark.parametrize(
    "reload_text, said",
    [(CONFIG, "configuration unchanged"), (CONFIG + "endpoint:\n  silence_seconds: -1\n",
      "reload rejected, keeping the running configuration")],
    ids=["unchanged", "rejected"],
)  # fmt: skip
def test_a_sighup_that_changes_nothing_interrupts_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    reload_text: str,
    said: str,
) -> None:
    llm = FakeLlm(STORY, seconds_per_piece=0.05)
    ended = []
    script = story_told_with_a_sighup([*silence(0.5), Do(lambda: ended.append(1))])
    _daemon, messages, opened = run_daemon(
        tmp_path, monkeypatch, caplog, [script], llm, reload_text
    )
    assert any(message.startswith(said) for message in messages)
    [story] = llm.generations
    assert (story.completion_tokens, story.finish_reason) == (8, "stop")
    # The microphone was listened to to its end, not stopped for the reload.
    assert ended == [1] and opened == 2
    assert "configuration reloaded" not in " ".join(messages)


def test_a_sighup_that_changes_the_file_reloads_once_the_reply_is_spoken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    llm = FakeLlm(STORY, seconds_per_piece=0.05)
    ended = []
    # Heard long after the reply: the reload stops listening before the end of it.
    script = story_told_with_a_sighup([*silence(400), Do(lambda: ended.append(1))])
    daemon, messages, opened = run_daemon(tmp_path, monkeypatch, caplog, [script], llm, CHANGED)
    [story] = llm.generations
    assert (story.completion_tokens, story.finish_reason) == (8, "stop")
    assert "configuration changed: reloading once this turn is over" in messages
    assert any(message.startswith("configuration reloaded from") for message in messages)
    assert ended == [] and opened == 2
    assert daemon.config.conversation.follow_up_seconds == 3.0


def test_a_sighup_wakes_the_daemon_only_while_it_does_not_listen(tmp_path: Path) -> None:
    """While it listens the file is read between chunks; while it waits (for a missing
    microphone, muted) the wait is cut short so that the file is read at once."""
    from voiced.config import parse_config

    signals = Daemon(parse_config({}), None).signals
    signals.listening = True
    signals._reread()
    assert signals.reread and not signals.wake.is_set()
    signals.listening = False
    signals._reread()
    assert signals.wake.is_set()


# A missing microphone: PortAudio is restarted to see it come back, never over a reply.


def test_the_speaker_counts_as_busy_until_its_buffer_has_played() -> None:
    from voiced.health import Health

    now = [100.0]
    health = Health(clock=lambda: now[0])
    assert not health.active(("playback",), 0.5)
    with health.busy("playback", 10):
        assert health.active(("tts", "playback"), 0.5)
        assert not health.active(("tts",), 0.5)
    now[0] += 0.4
    assert health.active(("playback",), 0.5)
    now[0] += 0.2
    assert not health.active(("playback",), 0.5)


def test_portaudio_is_not_restarted_while_an_announcement_is_spoken(tmp_path: Path) -> None:
    """Each restart closes the speaker's stream, and what its buffer held is lost: a timer
    said while the microphone is unplugged lost 0.2 s every 2 s."""
    import threading
    import time

    from tests.fakes import FakeTts, fake_config, fake_pipeline
    from voiced.daemon import SPEAKER_QUIET_SECONDS
    from voiced.sinks import NullSink, PacedSink

    def no_microphone(_config: Config) -> ScriptedSource:
        raise AudioInputError("microphone 'usb' not found")

    restarts: list[float] = []
    engines = FakeEngines(tts=FakeTts(seconds_per_sentence=2.0))
    with fake_pipeline(fake_config(tmp_path), engines, PacedSink(NullSink())) as pipeline:  # type: ignore[arg-type]
        daemon = Daemon(
            pipeline.config,
            None,
            source_factory=no_microphone,
            refresh_devices=lambda: restarts.append(time.monotonic()),
        )
        started = time.monotonic()
        announcer = threading.Thread(target=pipeline.announce, args=("Your timer is done.",))
        announcer.start()

        def stop() -> None:
            daemon.signals.stop = True
            daemon.signals.wake.set()

        threading.Timer(4.0, stop).start()
        daemon._listen(pipeline)
        announcer.join()
    # Looks at 0.5 s and 1.5 s fell within the 2 s said: PortAudio was restarted after.
    assert restarts, "PortAudio was never restarted"
    assert all(at - started >= 2.0 + SPEAKER_QUIET_SECONDS - 0.2 for at in restarts), [
        round(at - started, 2) for at in restarts
    ]


def test_a_portaudio_restart_is_watched_as_the_microphone_is(tmp_path: Path) -> None:
    """A sound server that stopped answering holds the restart: the health supervisor
    sees it as a frozen microphone, not a daemon listening."""
    from tests.fakes import fake_config, fake_pipeline

    inside: list[bool] = []
    with fake_pipeline(fake_config(tmp_path), FakeEngines()) as pipeline:
        daemon = Daemon(
            pipeline.config,
            None,
            refresh_devices=lambda: inside.append(pipeline.health.active(("microphone",), 0)),
        )
        daemon._refresh_devices(pipeline)
    assert inside == [True]


def test_a_reload_waits_for_a_turn_the_lost_microphone_left_answering(
    tmp_path: Path,
) -> None:
    """The microphone lost mid-answer stops the loop, not the turn: a reload pending
    since the SIGHUP must not close the pipeline under it."""
    import threading
    import time

    from tests.fakes import fake_config, fake_pipeline

    def no_microphone(_config: Config) -> ScriptedSource:
        raise AudioInputError("microphone 'usb' not found")

    with fake_pipeline(fake_config(tmp_path), FakeEngines()) as pipeline:
        daemon = Daemon(
            pipeline.config, None, source_factory=no_microphone, refresh_devices=lambda: None
        )
        daemon._pending = fake_config(tmp_path, conversation={"follow_up_seconds": 3.0})
        answered = threading.Event()
        turn = threading.Thread(target=answered.wait, args=(5,))
        turn.start()
        pipeline.loop._turn_thread = turn
        threading.Timer(1.0, answered.set).start()
        started = time.monotonic()
        daemon._listen(pipeline)  # returns once the reload is asked for
        waited = time.monotonic() - started
        turn.join()
    assert daemon.signals.reload and waited >= 1.0, waited


# The log level: applied by a reload; alone, it reloads nothing.


@pytest.fixture
def root_level():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.INFO)
    yield root
    root.setLevel(before)


def test_a_change_of_the_log_level_alone_is_applied_without_a_reload(
    harness, root_level: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    running = harness(STATE)
    write(running.path, STATE + "logging:\n  level: debug\n")
    running.daemon.signals.reread = True
    with caplog.at_level(logging.INFO, logger="voiced.daemon"):
        running.daemon._reread_if_asked(idle=True)
    assert root_level.level == logging.DEBUG
    assert running.daemon.config.logging.level == "debug"
    assert "logging level set to debug" in caplog.messages
    # Neither the pipeline nor the models were touched; nothing waits to be reloaded.
    assert not running.daemon.signals.reload and len(running.built) == 1


def test_a_reload_applies_the_log_level_with_the_rest(harness, root_level: logging.Logger) -> None:  # type: ignore[no-untyped-def]
    running = harness(STATE)
    write(running.path, STATE + "logging:\n  level: warning\nconfirm:\n  timeout_seconds: 5\n")
    running.daemon.signals.reread = True
    running.daemon._reread_if_asked(idle=True)
    assert running.daemon.signals.reload
    running.daemon._reload(running.models, running.pipeline)
    assert len(running.built) == 2 and root_level.level == logging.WARNING


def test_with_v_the_log_level_stays_debug(
    harness, root_level: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    running = harness(STATE)
    running.daemon.verbose = True
    root_level.setLevel(logging.DEBUG)
    write(running.path, STATE + "logging:\n  level: error\n")
    running.daemon.signals.reread = True
    with caplog.at_level(logging.INFO, logger="voiced.daemon"):
        running.daemon._reread_if_asked(idle=True)
    assert root_level.level == logging.DEBUG
    assert "logging.level error not applied: -v logs everything" in caplog.messages
