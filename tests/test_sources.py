"""The microphone source on a fake PortAudio: its failures become AudioInputError, the
error the daemon waits out and retries."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import sounddevice

from tests.fakes import WAIT_SECONDS, FakeEngines, fake_config, fake_pipeline, silence
from tests.helpers import recording
from voiced import sources
from voiced.audio import SAMPLES_PER_CHUNK
from voiced.daemon import Daemon
from voiced.health import Health
from voiced.messages import AudioChunk
from voiced.sources import (
    CHUNK_DEADLINE_SECONDS,
    AudioInputError,
    MicrophoneSource,
    WavFileSource,
)

START_TIMED_OUT = "Error starting stream: Wait timed out [PaErrorCode -9987]"


class FlakyStream:
    """An input stream whose first start fails as Pa_StartStream's race does on Pi audio
    HATs; later ones start, and hand over 20 ms blocks of silence."""

    started: ClassVar[list[FlakyStream]] = []

    def __init__(self, callback: Any, blocksize: int, **_settings: object) -> None:
        self.callback = callback
        self.blocksize = blocksize
        self.active = False
        self.closed = False
        self._stop = threading.Event()

    def start(self) -> None:
        FlakyStream.started.append(self)
        if len(FlakyStream.started) == 1:
            raise sounddevice.PortAudioError(START_TIMED_OUT)
        self.active = True
        threading.Thread(target=self._feed, daemon=True).start()

    def _feed(self) -> None:
        status = type("Status", (), {"input_overflow": False})()
        while not self._stop.wait(0.02):
            self.callback(np.zeros((self.blocksize, 1), np.float32), self.blocksize, None, status)

    def stop(self, ignore_errors: bool = True) -> None:
        self._stop.set()
        self.active = False

    def close(self, ignore_errors: bool = True) -> None:
        self.stop()
        self.closed = True

    def __enter__(self) -> FlakyStream:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@pytest.fixture
def flaky_microphone(monkeypatch: pytest.MonkeyPatch) -> list[FlakyStream]:
    info = {"index": 1, "name": "IQaudIOCODEC", "default_samplerate": 48_000.0}
    monkeypatch.setattr(sounddevice, "query_devices", lambda _device, kind: info)
    monkeypatch.setattr(sounddevice, "InputStream", FlakyStream)
    FlakyStream.started = []
    return FlakyStream.started


def test_a_stream_that_fails_to_start_is_a_lost_microphone(
    flaky_microphone: list[FlakyStream],
) -> None:
    with pytest.raises(AudioInputError, match="Wait timed out"):
        next(MicrophoneSource(None).chunks())
    [failed] = flaky_microphone
    assert failed.closed
    # The next try opens it.
    chunks = MicrophoneSource(None).chunks()
    assert len(next(chunks).samples) > 0
    chunks.close()
    assert flaky_microphone[1].closed


def test_the_daemon_retries_a_microphone_that_failed_to_start(
    flaky_microphone: list[FlakyStream], tmp_path: Path
) -> None:
    config = fake_config(tmp_path)
    with fake_pipeline(config, FakeEngines()) as pipeline:
        daemon = Daemon(config, None, refresh_devices=lambda: None)
        heard = threading.Event()
        daemon._microphone_heard = heard.set  # type: ignore[method-assign]

        def stop_once_heard() -> None:
            heard.wait(WAIT_SECONDS)
            daemon.signals.stop = True
            daemon.signals.wake.set()

        threading.Thread(target=stop_once_heard, daemon=True).start()
        daemon._listen(pipeline)  # returns on the stop, having raised nothing

    assert heard.is_set() and len(flaky_microphone) == 2


class SilentStream(FlakyStream):
    """Starts, then sends nothing (a sound server that stopped answering)."""

    def start(self) -> None:
        FlakyStream.started.append(self)
        self.active = True


def test_a_stalled_microphone_is_logged_before_its_stream_is_closed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Closing waits on the sound server: if it hangs there, the log already says why."""
    info = {"index": 1, "name": "USB mic", "default_samplerate": 48_000.0}
    monkeypatch.setattr(sounddevice, "query_devices", lambda _device, kind: info)
    monkeypatch.setattr(sounddevice, "InputStream", SilentStream)
    monkeypatch.setattr(sources, "FIRST_AUDIO_SECONDS", 0.2)
    said_at_stop: list[list[str]] = []
    monkeypatch.setattr(
        SilentStream,
        "stop",
        lambda self, ignore_errors=True: said_at_stop.append(caplog.messages[:]),
    )
    caplog.set_level(logging.INFO, logger="voiced.sources")

    with pytest.raises(AudioInputError, match="stopped sending audio"):
        next(MicrophoneSource(None).chunks())

    assert any("closing microphone 'USB mic'" in message for message in said_at_stop[0])


class WedgedSource:
    """Hears a little, then is lost, and its close never returns until `released` (a
    Pa_StopStream waiting on a sound server that stopped answering)."""

    waits_for_replies = False

    def __init__(self) -> None:
        self.released = threading.Event()
        self.closing = threading.Event()

    def chunks(self) -> Generator[AudioChunk, None, None]:
        try:
            for position in range(3):
                yield AudioChunk(silence(0.08)[0], position * 0.08, time.monotonic())
            raise AudioInputError("microphone 'USB mic' stopped sending audio")
        finally:
            self.closing.set()
            self.released.wait(WAIT_SECONDS)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_listening_thread_frozen_in_the_audio_stack_is_a_stuck_stage(tmp_path: Path) -> None:
    clock = Clock()
    health = Health(clock=clock)
    source = WedgedSource()
    errors: list[BaseException] = []
    with fake_pipeline(fake_config(tmp_path), FakeEngines()) as pipeline:
        pipeline.loop.health = health

        def listen() -> None:
            try:
                pipeline.run(source)
            except AudioInputError as err:
                errors.append(err)

        listening = threading.Thread(target=listen, daemon=True)
        listening.start()
        assert source.closing.wait(WAIT_SECONDS)
        clock.now += CHUNK_DEADLINE_SECONDS - 1
        assert health.stuck() == []
        clock.now += 2  # the supervisor withholds the watchdog's pings from here
        assert health.stuck() == ["microphone"]
        source.released.set()
        listening.join(WAIT_SECONDS)

    assert [str(err) for err in errors] == ["microphone 'USB mic' stopped sending audio"]
    assert health.stuck() == []


def test_the_microphone_clock_runs_from_its_soonest_block() -> None:
    """Where the capture stands between blocks: a block that came late (a busy CPU) does
    not put the capture back; the clock runs on at the heard rate."""
    clock = sources.CaptureClock()
    assert clock.position() is None
    # 20 ms blocks (320 heard samples), the capture begun at t=100 s: the second block
    # came 5 ms late.
    clock.counted(320, 100.020)
    clock.counted(320, 100.045)
    clock.counted(320, 100.060)
    assert clock.position(100.060) == 960
    assert clock.position(100.0625) == 1000  # between blocks, to the sample


def test_a_recording_at_real_pace_keeps_a_clock_and_a_fast_one_none() -> None:
    fast = WavFileSource([recording("silence")])
    next(fast.chunks())
    assert fast.capture_position() is None
    paced = WavFileSource([recording("silence")], realtime=True)
    assert paced.capture_position() is None  # not started
    chunks = paced.chunks()
    next(chunks)  # due once the first chunk has filled: 80 ms
    position = paced.capture_position()
    assert position is not None and SAMPLES_PER_CHUNK <= position < 3 * SAMPLES_PER_CHUNK
    chunks.close()


class LossyStream(FlakyStream):
    """20 ms blocks at the capture's pace; before the 11th, 100 ms of audio is lost, as
    PortAudio reports an overflow. Each block's moment is kept."""

    def start(self) -> None:
        self.active = True
        self.fed: list[float] = []
        threading.Thread(target=self._feed, daemon=True).start()

    def _feed(self) -> None:
        started = time.monotonic()
        for index in range(30):
            lost = index >= 10
            due = started + (index + 1) * 0.02 + (0.1 if lost else 0.0)
            time.sleep(max(0.0, due - time.monotonic()))
            status = type("Status", (), {"input_overflow": index == 10})()
            self.fed.append(time.monotonic())
            block = np.zeros((self.blocksize, 1), np.float32)
            self.callback(block, self.blocksize, None, status)
        self.active = False


def test_a_lost_block_does_not_put_the_microphone_clock_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The blocks before a loss began 100 ms sooner than the capture of those after it
    says: the clock runs from the blocks after it."""
    info = {"index": 1, "name": "USB mic", "default_samplerate": 16_000.0}
    streams: list[LossyStream] = []

    def open_stream(**settings: Any) -> LossyStream:
        streams.append(LossyStream(**settings))
        return streams[-1]

    monkeypatch.setattr(sounddevice, "query_devices", lambda _device, kind: info)
    monkeypatch.setattr(sounddevice, "InputStream", open_stream)
    source = MicrophoneSource(None)
    with pytest.raises(AudioInputError, match="went away"):
        for _chunk in source.chunks():
            pass
    assert source.overflows == 1
    [stream] = streams
    # 30 blocks of 320 samples heard by the last one's moment (give or take the callback).
    position = source.capture_position(stream.fed[-1])
    assert position is not None and abs(position - 30 * 320) < 80
