"""The daemon's reload (SIGHUP) and its audio source, on fake engines."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.fakes import FakeEngines, FakeSink
from tests.helpers import recording
from voiced.config import Config
from voiced.daemon import Daemon, default_source
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
