"""The speaker's sink on a device that refuses the voice's rate: PortAudio replaced by a
stream that keeps what is written to it."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
import sounddevice

from voiced import echo
from voiced.audio import SAMPLE_RATE, int16_to_float32
from voiced.echo import EchoCanceller, EchoConfig, TappedSink
from voiced.sinks import AudioOutputError, SpeakerSink

VOICE_RATE = 22_050
DEVICE_RATE = 48_000


class Stream:
    """A sounddevice output stream that keeps every write."""

    opened: ClassVar[list[Stream]] = []

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.written: list[np.ndarray] = []
        self.closed = False
        Stream.opened.append(self)

    def start(self) -> None:
        pass

    def write(self, data: np.ndarray) -> None:
        self.written.append(data[:, 0].copy())

    def stop(self) -> None:
        pass

    def close(self, ignore_errors: bool = False) -> None:
        self.closed = True

    def take(self) -> np.ndarray:
        out = np.concatenate(self.written) if self.written else np.zeros(0, np.float32)
        self.written.clear()
        return out


@pytest.fixture
def device(monkeypatch: pytest.MonkeyPatch) -> list[Stream]:
    """A speaker at 48 kHz only (a USB speaker on bare ALSA)."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise sounddevice.PortAudioError("Invalid sample rate")

    info = {"index": 0, "name": "USB speaker", "default_samplerate": float(DEVICE_RATE)}
    monkeypatch.setattr(sounddevice, "query_devices", lambda _device, kind: info)
    monkeypatch.setattr(sounddevice, "check_output_settings", refuse)
    monkeypatch.setattr(sounddevice, "OutputStream", Stream)
    Stream.opened = []
    return Stream.opened


def tone(seconds: float) -> np.ndarray:
    t = np.arange(round(VOICE_RATE * seconds)) / VOICE_RATE
    return (0.8 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)


def speak(sink: SpeakerSink, samples: np.ndarray) -> None:
    """Written in 0.1 s slices, as the speaker's playback thread writes."""
    step = VOICE_RATE // 10
    for start in range(0, len(samples), step):
        sink.write(samples[start : start + step], VOICE_RATE)


def test_a_reply_is_played_to_its_end(device: list[Stream]) -> None:
    sink = SpeakerSink(None)
    speak(sink, tone(1.0))
    sink.end_reply(cut=False)
    [stream] = device
    played = stream.take()
    # All of it, at the device's rate: soxr held back ~33 ms until the reply ended.
    assert abs(len(played) - DEVICE_RATE) <= 2
    speak(sink, np.zeros(VOICE_RATE // 10, np.int16))
    assert np.abs(stream.take()).max() < 0.01  # the next reply starts with its own audio


def test_a_cut_reply_leaves_nothing_for_the_next(device: list[Stream]) -> None:
    sink = SpeakerSink(None)
    speak(sink, tone(1.0))
    sink.end_reply(cut=True)
    [stream] = device
    stream.take()
    speak(sink, np.zeros(VOICE_RATE // 10, np.int16))
    assert np.abs(stream.take()).max() < 0.01


def test_a_closed_sink_opens_nothing_again(device: list[Stream]) -> None:
    """A reload closes the old speaker: a write coming late from its playback thread must
    not reopen the device (a hw: card takes one stream: the new speaker's)."""
    sink = SpeakerSink(None)
    speak(sink, tone(0.2))
    sink.close()
    with pytest.raises(AudioOutputError, match="closed"):
        speak(sink, tone(0.1))
    [stream] = device
    assert stream.closed


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def onset(audio: np.ndarray, rate: int, after: float) -> float:
    """When (seconds) the first sound after `after` s begins that follows 30 ms of quiet."""
    loud = np.abs(audio) > 0.1 * np.abs(audio).max()
    quiet = round(0.03 * rate)
    for index in np.flatnonzero(loud):
        if index >= after * rate + quiet and not loud[index - quiet : index].any():
            return float(index / rate)
    raise AssertionError("no onset")


def test_after_a_pause_between_sentences_the_reference_starts_where_the_speaker_does(
    device: list[Stream], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sink's converter holds back the end of a sentence (13-37 ms at 48 kHz) and
    plays it in front of the next write: after a pause (the speaker dry), the next
    sentence is heard that much after it was written, and its reference is placed there."""
    clock = Clock()
    monkeypatch.setattr(echo, "time", clock)
    canceller = EchoCanceller(EchoConfig())
    canceller.reference.listen_to(lambda at: round(at * SAMPLE_RATE))
    sink = TappedSink(SpeakerSink(None), [canceller])
    [first, second] = tone(0.47), np.concatenate([np.zeros(VOICE_RATE // 20, np.int16), tone(0.5)])
    speak(sink, first)
    [stream] = device
    stream.take()
    clock.now = 2.0  # the speaker ran dry long ago; the stream plays from now on
    speak(sink, second)
    played = stream.take()
    sink.end_reply(cut=False)
    reference = int16_to_float32(canceller.reference.take(3 * SAMPLE_RATE))
    heard_at = 2.0 + onset(played, DEVICE_RATE, 0.0)
    assert abs(onset(reference, SAMPLE_RATE, 1.0) - heard_at) <= 2 / SAMPLE_RATE
