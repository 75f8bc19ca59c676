"""A change of the announced devices reloads the daemon between turns, never inside one."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from tests.fakes import FakeEngines, FakeRecognizer, fake_config, fake_pipeline
from voiced.daemon import Daemon


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
