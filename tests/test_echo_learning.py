"""The canceller's first seconds and a loudspeaker on another clock: a new delay is learned
from the audio already held, and the simulated room's clock drift is what it says."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_echo import level_db, reply_audio, through_room
from voiced import echo
from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK, seconds_to_samples
from voiced.devtools import echo_check_replies
from voiced.echo import Echo, EchoCanceller, EchoConfig
from voiced.echo_sim import SimulatedRoom
from voiced.sinks import NullSink


def cancelled_db(raw: np.ndarray, cleaned: np.ndarray, start_s: float, end_s: float) -> float:
    part = slice(seconds_to_samples(start_s), seconds_to_samples(end_s))
    return level_db(raw[part]) - level_db(cleaned[part])


def test_the_filter_learns_a_new_delay_from_the_audio_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """The delay is found about 1 s into the reply; the second after it is cancelled far
    better when the reset filter first learns from the second already heard."""
    reply = reply_audio()
    silent = np.zeros(len(reply), np.int16)
    figures = {}
    for passes in (0, echo.TRAIN_PASSES):
        monkeypatch.setattr(echo, "TRAIN_PASSES", passes)
        canceller = EchoCanceller(EchoConfig())
        raw, cleaned = through_room(reply, silent, 0.0, canceller)
        assert canceller.lag is not None
        figures[passes] = cancelled_db(raw, cleaned, 1.5, 2.5)
        canceller.close()
    assert figures[echo.TRAIN_PASSES] > 10.0, figures
    assert figures[echo.TRAIN_PASSES] > figures[0] + 4.0, figures


def test_the_filter_carries_over_to_replies_that_start_mid_chunk() -> None:
    """Three replies 3 s apart, each starting anywhere within a chunk, on a loudspeaker
    that plays them at its own clock's place (scripts/echo-check --replies): placed on
    the capture's clock, the second and third are cancelled from their first second by
    what the filter learned on the first; placed at the next chunk taken, they were not."""
    replies = echo_check_replies.replies()[:3]
    lengths = [round(len(reply) * SAMPLE_RATE / echo_check_replies.VOICE_RATE) for reply in replies]
    starts = echo_check_replies.reply_starts(lengths, anywhere=True)
    assert all(start % SAMPLES_PER_CHUNK for start in starts[1:])  # mid-chunk
    ways = ("on the capture's clock", "at the next chunk")
    figures = {
        way: np.mean(
            echo_check_replies.run(replies, starts, echo_check_replies.WAYS[way])[1:], axis=0
        )
        for way in ways
    }
    on_the_clock, at_the_next_chunk = (
        figures["on the capture's clock"],
        figures["at the next chunk"],
    )
    assert on_the_clock[0] > 12.0, figures
    assert on_the_clock[0] > at_the_next_chunk[0] + 8.0, figures


def echo_of_a_burst(drift_ppm: float, at_s: float) -> np.ndarray:
    """The simulated room's echo of a burst of noise played `at_s` into 10 s of playback."""
    rng = np.random.default_rng(1)
    played = np.zeros(seconds_to_samples(10.0), np.int16)
    burst = slice(seconds_to_samples(at_s), seconds_to_samples(at_s + 0.2))
    played[burst] = (rng.standard_normal(burst.stop - burst.start) * 3000).astype(np.int16)
    room = SimulatedRoom(0.0, drift_ppm)
    # A chunk written ahead, as a writer paced by the loudspeaker keeps it fed: the echo
    # runs on at the loudspeaker's clock instead of starting afresh at each write.
    room.played(np.zeros(SAMPLES_PER_CHUNK, np.int16), SAMPLE_RATE)
    heard = []
    for start in range(0, len(played), SAMPLES_PER_CHUNK):
        room.played(played[start : start + SAMPLES_PER_CHUNK], SAMPLE_RATE)
        heard.append(room.process(np.zeros(SAMPLES_PER_CHUNK, np.int16)))
    return np.concatenate(heard).astype(np.float64)


def lag_between(a: np.ndarray, b: np.ndarray) -> int:
    """How many samples `b` comes before `a`."""
    size = 1 << int(np.ceil(np.log2(2 * len(a))))
    correlation = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lag = int(np.argmax(correlation))
    return lag if lag < size // 2 else lag - size


def test_a_faster_loudspeaker_clock_brings_the_echo_earlier_and_earlier() -> None:
    # 1000 ppm: 1 ms a second. The burst at 1 s is heard ~1 ms earlier than at 9 s,
    # relative to a room on one clock (the resampler's own latency cancels out).
    early = lag_between(echo_of_a_burst(0.0, 1.0), echo_of_a_burst(1000.0, 1.0))
    late = lag_between(echo_of_a_burst(0.0, 9.0), echo_of_a_burst(1000.0, 9.0))
    assert late - early == pytest.approx(8 * SAMPLE_RATE / 1000, abs=4)


def test_the_drift_reaches_the_room_and_is_refused_out_of_range() -> None:
    config = EchoConfig(simulate_db=-5.0, simulate_drift_ppm=100.0)
    handle = Echo(config)
    handle.tap(NullSink())
    assert handle.room is not None
    assert handle.room._to_heard_rate.factor == pytest.approx(1.0001)  # type: ignore[union-attr]
    handle.close()
    with pytest.raises(ValueError):
        EchoConfig(simulate_drift_ppm=5000.0)
