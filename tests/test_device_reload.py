"""A change of the announced devices reloads the daemon between turns, never inside one."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.fakes import (
    FakeEngines,
    FakeRecognizer,
    FakeSink,
    FakeTts,
    PacedFakeSink,
    fake_config,
    fake_pipeline,
)
from voiced.config import Config
from voiced.daemon import Daemon
from voiced.errors import VoicedError
from voiced.pipeline import Pipeline
from voiced.timers import Timers


def test_a_device_change_waits_until_no_turn_is_heard_or_answered(tmp_path: Path) -> None:
    daemon = Daemon(fake_config(tmp_path), None)
    pipeline = SimpleNamespace(idle=False, listener=SimpleNamespace(capturing=True))
    after_chunk = daemon._after_chunk(pipeline)  # type: ignore[arg-type]

    daemon._devices_changed()  # a reply, a question or a follow-up is under way
    after_chunk()
    assert not daemon.signals.reload and not daemon.signals.wake.is_set()

    pipeline.listener.capturing = False
    pipeline.idle = True
    after_chunk()
    assert daemon.signals.reload and daemon.signals.wake.is_set()
    # Once: the next chunks reload nothing more.
    daemon.signals.reload = False
    daemon.signals.wake.clear()
    after_chunk()
    assert not daemon.signals.reload


def test_a_device_change_reloads_at_once_while_nothing_is_heard(tmp_path: Path) -> None:
    daemon = Daemon(fake_config(tmp_path), None)
    daemon._microphone_missing = True
    daemon._devices_changed()
    assert daemon.signals.reload and daemon.signals.wake.is_set()


def test_a_turn_just_ended_is_still_answered_until_the_loop_listens_afresh(
    tmp_path: Path,
) -> None:
    """Its thread may end between two chunks: until the loop has listened afresh (for the
    answer to its question), no reload may come."""
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?"]))
    with fake_pipeline(fake_config(tmp_path), engines) as pipeline:
        ended = threading.Thread(target=lambda: None)
        ended.start()
        ended.join()
        pipeline.loop._turn_thread = ended
        assert not pipeline.idle
        pipeline.loop._turn_thread = None
        assert pipeline.idle


def test_a_reload_hands_the_running_timers_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timers run on through a reload, in the same scheduler: read back from the file
    beside the running ones, one ending meanwhile rang twice, and a wall-clock step ended
    or lengthened them. A rejected reload leaves them with the running pipeline."""
    config = fake_config(tmp_path)
    daemon = Daemon(config, None)
    built: list[Pipeline] = []
    engines = FakeEngines()  # the models stay

    def start(config: Config, models: object = None, timers: Timers | None = None) -> tuple:
        built.append(Pipeline(config, engines, FakeSink(), timers=timers))
        if len(built) == 3:  # built, then a part of the daemon fails: closed again
            built[-1].close()
            raise VoicedError("a device back end failed")
        return engines, built[-1]

    monkeypatch.setattr(daemon, "_start", start)
    models, running = start(config)
    running.intents.timers.start(600)
    changed = fake_config(tmp_path, conversation={"follow_up_seconds": 3.0})
    monkeypatch.setattr("voiced.daemon.load_config", lambda path: changed)

    models, reloaded = daemon._reload(models, running)  # type: ignore[arg-type]
    timers = reloaded.intents.timers
    assert reloaded is not running and timers is running.intents.timers
    assert timers.announce == reloaded.announce
    assert [timer.description for timer in timers.timers()] == ["10 minutes"]

    # A reload the new pipeline fails: the running one keeps them, still running.
    monkeypatch.setattr(
        "voiced.daemon.load_config",
        lambda path: fake_config(tmp_path, conversation={"follow_up_seconds": 4.0}),
    )
    models, kept = daemon._reload(models, reloaded)  # type: ignore[arg-type]
    assert kept is reloaded and timers.announce == reloaded.announce
    assert [timer.description for timer in timers.timers()] == ["10 minutes"]
    reloaded.close()
    assert timers.timers() == []  # its owner closed them


def test_an_announcement_cut_by_a_reload_is_said_by_the_new_pipeline(tmp_path: Path) -> None:
    """A timer taken off the table as the reload closes the old speaker would never
    ring: the pipeline that took the timers over says it."""
    config = fake_config(tmp_path)
    old_sink, new_sink = PacedFakeSink(), PacedFakeSink()
    old = Pipeline(config, FakeEngines(tts=FakeTts(seconds_per_sentence=3.0)), old_sink)
    new = Pipeline(config, FakeEngines(), new_sink, timers=old.intents.timers)
    try:
        ringing = threading.Thread(target=old.announce, args=("Your timer is done.",))
        ringing.start()
        assert old_sink.played.wait(5)
        new.intents.take_timers_from(old.intents)
        old.close()  # as the reload does, mid-announcement
        ringing.join(10)
        assert not ringing.is_alive()
        assert new_sink.played.is_set() and new_sink.ends == [False]
    finally:
        new.close()
