"""Voice to voice on the replay path as the live path measures it (tests/voice_to_voice.py):
the sound clock, the end of the speech, the comparison, and a paced replay on the fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import (
    PLAIN_ENDPOINT,
    FakeEngines,
    FakeRecognizer,
    FakeTts,
    fake_config,
    silence,
    speech,
    wake,
)
from tests.voice_to_voice import SoundClock, last_loud_seconds, live_beside_replay, paced_replay
from voiced.sinks import NullSink
from voiced.wavio import WavWriter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_first_sound_is_dated_where_the_loud_audio_plays() -> None:
    clock = Clock(10.0)
    sound = SoundClock(NullSink(), clock)
    sound.write(np.zeros(1000, np.int16), 1000)  # plays 10.0-11.0
    clock.now = 10.2
    sound.write(np.concatenate([np.zeros(250, np.int16), np.full(10, 3000, np.int16)]), 1000)
    assert sound.first_written_at == 10.0
    # The second write waits for the first to end: its loud part sounds at 11.0 + 0.25.
    assert sound.first_sound_at == pytest.approx(11.25)


def test_a_late_write_plays_when_it_comes() -> None:
    clock = Clock(5.0)
    sound = SoundClock(NullSink(), clock)
    sound.write(np.zeros(100, np.int16), 1000)  # plays 5.0-5.1
    clock.now = 7.0
    sound.write(np.full(10, -3000, np.int16), 1000)
    assert sound.first_sound_at == pytest.approx(7.0)


def test_quiet_audio_is_not_a_sound() -> None:
    sound = SoundClock(NullSink(), Clock(1.0))
    sound.write(np.full(1000, 400, np.int16), 1000)
    assert sound.first_written_at == 1.0
    assert sound.first_sound_at is None


def test_the_speech_ends_at_the_last_loud_sample() -> None:
    samples = np.zeros(32000, np.int16)
    samples[8000:16000] = 2000
    samples[16500] = -900  # within half a second: the same speech
    assert last_loud_seconds(samples) == 16500 / 16000
    with pytest.raises(ValueError):
        last_loud_seconds(np.zeros(100, np.int16))


def test_live_and_replay_are_compared_figure_by_figure() -> None:
    live = [
        {"recording": "kitchen-light-on", "heard_s": heard, "logged_s": logged}
        for heard, logged in ((0.9, 0.7), (1.1, 0.8), (1.0, 0.75))
    ] + [{"recording": "ask-capital", "heard_s": 2.0, "logged_s": 1.9}]
    replayed = {
        "commands/kitchen-light-on": [
            {"heard_s": 0.85, "voice_to_voice_s": 0.6},
            {"heard_s": None, "voice_to_voice_s": 0.7},
        ],
    }
    compared = live_beside_replay(["commands/kitchen-light-on", "ask-capital"], live, replayed)
    assert compared["commands/kitchen-light-on"] == {
        "live_heard_s": 1.0,
        "replay_heard_s": 0.85,
        "live_minus_replay_heard_s": 0.15,
        "live_logged_s": 0.75,
        "replay_latency_s": 0.65,
        "logged_minus_latency_s": 0.1,
    }
    assert compared["ask-capital"]["live_heard_s"] == 2.0
    assert compared["ask-capital"]["live_minus_replay_heard_s"] is None


class LoudTts(FakeTts):
    """A tone for each sentence, loud from its first sample."""

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        for samples in super().synthesize(text, cached):
            yield np.full(len(samples), 3000, np.int16)


def test_a_paced_replay_dates_the_speech_on_the_recordings_own_clock(tmp_path: Path) -> None:
    path = tmp_path / "command.wav"
    writer = WavWriter(path)
    script = [*silence(0.4), *wake(), *speech(0.48), *silence(1.2)]
    writer.write(np.concatenate(script), 16000)
    writer.close()
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?"]), tts=LoudTts())
    config = fake_config(tmp_path, endpoint=PLAIN_ENDPOINT)
    turn, heard = paced_replay(config, engines, path)
    assert turn["answered_by"] == "intent"
    assert heard is not None and turn["latency_s"] is not None
    # The reply is loud from its first sample, and the VAD's last speech is received no
    # sooner than the recording's last loud sample is due: as heard is never shorter than
    # the daemon's own figure, and longer by at most that chunk and its lateness.
    assert -0.002 <= heard - turn["latency_s"] < 1.0
