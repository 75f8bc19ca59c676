"""Echo cancellation with numbers: Speex's canceller on a simulated loudspeaker and room,
the delay found by cross-correlation, the reference kept in step with the capture."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import recording
from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK, seconds_to_samples
from voiced.echo import (
    CleanedSource,
    Echo,
    EchoCanceller,
    EchoConfig,
    ReferenceQueue,
    TappedSink,
    estimate_delay,
)
from voiced.echo_sim import (
    BULK_DELAY_SECONDS,
    ECHO_RMS,
    HIGH_PASS_TAPS,
    PERSON_PEAK,
    SimulatedRoom,
    active_rms,
    high_pass,
    room_impulse_response,
)
from voiced.messages import AudioChunk
from voiced.sinks import NullSink
from voiced.sources import WavFileSource
from voiced.wavio import read_wav

# Where the simulated echo's direct sound lands: the bulk delay and the high-pass's
# group delay (a linear-phase FIR of HIGH_PASS_TAPS).
TRUE_DELAY_SECONDS = BULK_DELAY_SECONDS + (HIGH_PASS_TAPS - 1) / 2 / SAMPLE_RATE


def reply_audio() -> np.ndarray:
    """Speech standing for a reply: questions of the test recordings, back to back."""
    return np.concatenate([read_wav(recording(name)) for name in ("ask-moon", "ask-sky")])


def through_room(
    reply: np.ndarray, heard: np.ndarray, level_db: float, canceller: EchoCanceller | None
) -> tuple[np.ndarray, np.ndarray]:
    """Play `reply` chunk by chunk while `heard` is captured: (what the microphone got,
    what the canceller made of it)."""
    room = SimulatedRoom(level_db)
    room.speech_rms = ECHO_RMS  # the person's speech at its own level, scaled by level_db
    raw, cleaned = [], []
    for start in range(0, len(heard), SAMPLES_PER_CHUNK):
        piece = reply[start : start + SAMPLES_PER_CHUNK]
        if len(piece):
            room.played(piece, SAMPLE_RATE)
            if canceller is not None:
                canceller.played(piece, SAMPLE_RATE)
        chunk = room.process(heard[start : start + SAMPLES_PER_CHUNK])
        raw.append(chunk)
        cleaned.append(canceller.process(chunk) if canceller is not None else chunk)
    return np.concatenate(raw), np.concatenate(cleaned)


def level_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) + 1e-9))


def above_300_hz(samples: np.ndarray) -> np.ndarray:
    spectrum = np.fft.rfft(samples.astype(np.float64))
    spectrum[np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE) < 300] = 0
    return np.fft.irfft(spectrum, len(samples))


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.astype(np.int32) - b.astype(np.int32)


def test_the_echo_of_a_reply_is_cancelled_by_more_than_10_db_once_learned() -> None:
    reply = reply_audio()
    canceller = EchoCanceller(EchoConfig())
    raw, cleaned = through_room(reply, np.zeros(len(reply), np.int16), 0.0, canceller)
    # After the first 4 s (the delay found, the filter converged).
    learned = slice(seconds_to_samples(4.0), len(reply))
    assert level_db(raw[learned]) - level_db(cleaned[learned]) > 10.0
    assert abs(canceller.delay / SAMPLE_RATE - TRUE_DELAY_SECONDS) < 0.02
    canceller.close()


def cancelled(canceller: EchoCanceller, heard: np.ndarray) -> np.ndarray:
    return np.concatenate(
        [
            canceller.process(heard[start : start + SAMPLES_PER_CHUNK])
            for start in range(0, len(heard) - SAMPLES_PER_CHUNK + 1, SAMPLES_PER_CHUNK)
        ]
    )


def test_while_nothing_is_played_the_input_passes_untouched() -> None:
    person = read_wav(recording("ask-capital"))
    canceller = EchoCanceller(EchoConfig())
    cleaned = cancelled(canceller, person)
    assert np.array_equal(cleaned, person[: len(cleaned)])
    assert canceller.cpu_seconds < 0.05
    canceller.close()


def test_speech_passes_the_canceller_while_a_silent_reply_plays() -> None:
    person = read_wav(recording("ask-capital"))
    canceller = EchoCanceller(EchoConfig())
    # A reply of the faintest sound: the filter runs, and has nothing to cancel.
    canceller.played(np.ones(len(person), np.int16), SAMPLE_RATE)
    cleaned = cancelled(canceller, person)
    kept = person[: len(cleaned)]
    # What is heard is what was said, but for the canceller's own DC filter, which takes
    # the lowest frequencies (nothing a voice needs below 300 Hz).
    changed = above_300_hz(difference(kept, cleaned))
    assert level_db(changed) < level_db(above_300_hz(kept)) - 14.0
    canceller.close()


def test_the_person_is_heard_over_the_echo_after_cancellation() -> None:
    """The person speaks 5 dB below the echo of a reply; cancelled, the person's part of
    the signal is louder than the echo left."""
    reply = reply_audio()
    person = np.zeros(len(reply), np.int16)
    said = read_wav(recording("ask-capital"))
    at = seconds_to_samples(6.0)
    person[at : at + len(said)] = said[: len(reply) - at]
    canceller = EchoCanceller(EchoConfig())
    _, with_person = through_room(reply, person, -5.0, canceller)
    canceller.close()
    echo_only = EchoCanceller(EchoConfig())
    _, without = through_room(reply, np.zeros(len(reply), np.int16), -5.0, echo_only)
    echo_only.close()
    span = slice(at, at + len(said))
    left_echo = without[span]
    assert level_db(difference(with_person[span], left_echo)) > level_db(left_echo) + 3.0


def test_delay_is_found_by_cross_correlation_and_not_in_noise() -> None:
    rng = np.random.default_rng(1)
    played = (rng.standard_normal(SAMPLE_RATE * 2) * 3000).astype(np.int16)
    max_lag = 4000
    lag = 1234
    heard = played[max_lag - lag : max_lag - lag + SAMPLE_RATE].copy()
    assert estimate_delay(heard, played[: SAMPLE_RATE + max_lag], max_lag) == lag
    unrelated = (rng.standard_normal(SAMPLE_RATE) * 3000).astype(np.int16)
    assert estimate_delay(unrelated, played[: SAMPLE_RATE + max_lag], max_lag) is None


def test_the_reference_is_taken_at_the_capture_pace_with_silence_between() -> None:
    queue = ReferenceQueue()
    queue.push(np.arange(1, 101, dtype=np.int16), SAMPLE_RATE)
    first = queue.take(60)
    second = queue.take(60)
    assert list(first) == list(range(1, 61))
    assert list(second[:40]) == list(range(61, 101)) and not second[40:].any()
    assert not queue.take(10).any()


def test_the_simulated_room_delays_high_passes_and_sets_the_level() -> None:
    response = room_impulse_response()
    assert int(np.argmax(np.abs(response))) == seconds_to_samples(BULK_DELAY_SECONDS)
    # Nothing below the high-pass's cut-off comes through: 50 Hz is 20 dB down.
    gain_50hz = abs(np.sum(high_pass() * np.exp(-2j * np.pi * 50 / SAMPLE_RATE * np.arange(255))))
    assert gain_50hz < 0.1
    reply = reply_audio()
    raw, _ = through_room(reply, np.zeros(len(reply), np.int16), 0.0, None)
    echo_level = active_rms(raw.astype(np.float32) / 32768)
    assert echo_level is not None and abs(20 * np.log10(echo_level / ECHO_RMS)) < 1.5
    assert not raw[: seconds_to_samples(BULK_DELAY_SECONDS) - 1].any()


VOICE_RATE = 22_050


def marked_reply(seconds: float, seed: int) -> np.ndarray:
    """Noise at the voice's rate, its first sample a click that marks where it begins."""
    rng = np.random.default_rng(seed)
    reply = (rng.standard_normal(round(VOICE_RATE * seconds)) * 2000).astype(np.int16)
    reply[0], reply[1:40] = 32767, 0
    return reply


def played_in_slices(queue: ReferenceQueue, reply: np.ndarray) -> None:
    """As the playback thread writes: 0.1 s at a time."""
    for start in range(0, len(reply), VOICE_RATE // 10):
        queue.push(reply[start : start + VOICE_RATE // 10], VOICE_RATE)


@pytest.mark.parametrize("cut", [False, True])
def test_each_reply_begins_the_reference_where_its_first_write_is_queued(cut: bool) -> None:
    """The converter to 16 kHz holds back the end of each reply: it is queued as the reply
    ends (or dropped, if it was cut), not at the front of the next reply, which would
    shift that reply's reference by 7-37 ms."""
    queue = ReferenceQueue()
    for seed in range(4):
        reply = marked_reply(0.77 + 0.13 * seed, seed)
        played_in_slices(queue, reply)
        queue.end_reply(cut)
        expected = round(len(reply) * SAMPLE_RATE / VOICE_RATE)
        held = queue.take(expected + SAMPLES_PER_CHUNK)
        end = int(np.flatnonzero(held)[-1]) + 1
        if cut:
            assert end < expected - 100  # its last 7-37 ms were never played
        else:
            assert abs(end - expected) <= 2  # the whole reply, to its end
        # The click comes out at the reference's first samples, never later.
        assert int(np.argmax(held[:1000])) <= 3
        assert not queue.take(SAMPLES_PER_CHUNK).any()  # the queue ran dry before the next


def test_a_reply_starting_mid_chunk_is_placed_to_the_sample_on_the_capture_clock() -> None:
    """Each reply's reference begins where the capture stood as its first write came,
    anywhere within a chunk, with silence before it: not at the next chunk taken (up to
    a chunk off, a different amount each reply, so the filter met each reply shifted)."""
    queue = ReferenceQueue()
    capture = [0]
    queue.listen_to(lambda _at: capture[0])
    heard = 0
    for seed, phase in enumerate([517, 1203, 0, 77]):
        # The listener has taken every chunk up to `heard`; the capture is `phase` further
        # on (and a chunk more: a chunk reaches the listener after it has filled).
        capture[0] = heard + SAMPLES_PER_CHUNK + phase
        reply = marked_reply(0.5 + 0.1 * seed, seed)
        played_in_slices(queue, reply)
        queue.end_reply(cut=False)
        held = np.concatenate([queue.take(SAMPLES_PER_CHUNK) for _ in range(20)])
        assert int(np.argmax(held)) == SAMPLES_PER_CHUNK + phase
        assert not held[: SAMPLES_PER_CHUNK + phase].any()
        heard += len(held)


def test_a_write_while_the_speaker_still_plays_follows_the_audio_before_it() -> None:
    """A write plays after what the speaker still holds, wherever the capture stands; once
    the speaker has run dry, the next starts where the capture is, silence before it."""
    queue = ReferenceQueue()
    capture = [300]
    queue.listen_to(lambda _at: capture[0])
    queue.push(np.full(1600, 1000, np.int16), SAMPLE_RATE)
    capture[0] = 1000  # before the first write's end (1900): it still plays
    queue.push(np.full(1600, 2000, np.int16), SAMPLE_RATE)
    capture[0] = 5000  # after the second's end (3500): the speaker ran dry
    queue.push(np.full(1600, 3000, np.int16), SAMPLE_RATE)
    held = queue.take(7000)
    expected = np.zeros(7000, np.int16)
    expected[300:1900], expected[1900:3500], expected[5000:6600] = 1000, 2000, 3000
    assert np.array_equal(held, expected)


def test_a_reply_long_after_the_last_one_nobody_heard_starts_the_queue_afresh() -> None:
    """A closed capture's clock runs on and nothing takes the reference: a reply an hour
    after the last one is queued on its own, not behind an hour of silence (115 MB)."""
    queue = ReferenceQueue()
    capture = [0]
    queue.listen_to(lambda _at: capture[0])
    queue.push(np.full(1600, 1000, np.int16), SAMPLE_RATE)
    capture[0] = 3600 * SAMPLE_RATE
    tracemalloc.start()
    try:
        queue.push(np.full(1600, 2000, np.int16), SAMPLE_RATE)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    queue.take(capture[0] - SAMPLES_PER_CHUNK)
    held = queue.take(1600 + 2 * SAMPLES_PER_CHUNK)
    expected = np.zeros(len(held), np.int16)
    expected[SAMPLES_PER_CHUNK : SAMPLES_PER_CHUNK + 1600] = 2000
    assert np.array_equal(held, expected)


class ClockedSource:
    """A recording with a clock that runs on after its chunks end, as a closed
    microphone's does."""

    waits_for_replies = False

    def __init__(self) -> None:
        self.clock = 0

    def capture_position(self, _at: float | None = None) -> int:
        return self.clock

    def chunks(self) -> Iterator[AudioChunk]:
        for index in range(3):
            self.clock += SAMPLES_PER_CHUNK
            yield AudioChunk(np.zeros(SAMPLES_PER_CHUNK, np.int16), index * 0.08, 0.0)


def test_a_capture_that_ends_no_longer_places_what_is_played() -> None:
    """Muted, the source is gone: its clock no longer places the replies (nothing hears
    them), so the queue does not grow with the time it keeps running."""
    echo = Echo(EchoConfig())
    sink = echo.tap(NullSink())
    source = ClockedSource()
    for _chunk in echo.around(source).chunks():
        pass
    assert echo.canceller is not None
    queue = echo.canceller.reference
    for hours in (1, 2):
        source.clock = hours * 3600 * SAMPLE_RATE
        sink.write(np.full(1600, 1000, np.int16), SAMPLE_RATE)
    assert queue._queued <= 2 * 1600
    assert queue._capture_position is None


def test_the_tap_tells_every_step_where_a_reply_ends() -> None:
    step = Recorded()
    sink = TappedSink(NullSink(), [step])
    sink.end_reply(cut=True)
    assert step.ends == [True]


def test_the_tap_gives_every_step_one_moment_for_a_write() -> None:
    """The simulated room and the reference read the capture's clock for the same moment,
    so they place a write at the same sample (read one after the other, they were 16-24
    samples apart in a replay: the room's convolution between the two readings)."""
    room, reference = Recorded(), Recorded()
    sink = TappedSink(NullSink(), [room, reference])
    sink.write(np.zeros(220, np.int16), 22050)
    assert room.moments == reference.moments and None not in room.moments


class Recorded:
    def __init__(self) -> None:
        self.heard: list[int] = []
        self.moments: list[float | None] = []
        self.ends: list[bool] = []

    def played(
        self, samples: np.ndarray, sample_rate: int, written_at: float | None = None
    ) -> None:
        self.heard.append(len(samples))
        self.moments.append(written_at)

    def end_reply(self, cut: bool) -> None:
        self.ends.append(cut)

    def process(self, samples: np.ndarray) -> np.ndarray:
        return samples + 1


def test_the_tap_hears_every_write_and_the_source_passes_every_step(tmp_path: Path) -> None:
    step = Recorded()
    sink = TappedSink(NullSink(), [step])
    sink.write(np.zeros(220, np.int16), 22050)
    assert step.heard == [220]
    source = WavFileSource([recording("silence")])
    cleaned = CleanedSource(source, [step, step])
    chunk = next(iter(cleaned.chunks()))
    assert isinstance(chunk, AudioChunk) and chunk.samples[0] == 2
    assert cleaned.recordings is source.recordings  # the source's own attributes


def test_echo_off_leaves_sink_and_source_as_they_are() -> None:
    echo = Echo(EchoConfig(cancel=False))
    sink = NullSink()
    source = WavFileSource([recording("silence")])
    assert echo.tap(sink) is sink and echo.around(source) is source


@pytest.mark.parametrize("bad", [{"filter_seconds": 0}, {"simulate_db": 100}, {"cancel": "x"}])
def test_echo_config_refuses_bad_values(bad: dict[str, object]) -> None:
    from voiced.config import ConfigError, parse_config

    with pytest.raises(ConfigError):
        parse_config({"echo": bad}, "test")


def test_a_closed_canceller_passes_audio_and_never_crashes() -> None:
    canceller = EchoCanceller(EchoConfig())
    canceller.close()
    canceller.played(np.full(SAMPLES_PER_CHUNK, 1000, np.int16), SAMPLE_RATE)
    chunk = np.arange(SAMPLES_PER_CHUNK, dtype=np.int16)
    assert np.array_equal(canceller.process(chunk), chunk)
    canceller.speex.reset()
    canceller.close()


def test_the_simulated_room_is_for_recordings_only() -> None:
    echo = Echo(EchoConfig(cancel=False, simulate_db=-5.0))
    sink = echo.tap(NullSink())

    class Microphone:
        waits_for_replies = False

        def chunks(self) -> Iterator[AudioChunk]:
            yield AudioChunk(np.zeros(SAMPLES_PER_CHUNK, np.int16), 0.0, 0.0)

    microphone = Microphone()
    assert echo.around(microphone) is microphone
    sink.write(np.full(2205, 5000, np.int16), 22050)  # nothing is kept for it
    assert echo.room is not None and not echo.room.active
    replayed = Echo(EchoConfig(cancel=False, simulate_db=-5.0))
    replayed.tap(NullSink())
    assert isinstance(replayed.around(WavFileSource([recording("silence")])), CleanedSource)


def test_a_recording_is_cancelled_only_with_the_simulated_room() -> None:
    """A recording holds no echo of voiced's replies: without the room no canceller runs
    on it. A microphone's is, with what was played before it began forgotten."""
    echo = Echo(EchoConfig())
    echo.tap(NullSink())
    source = WavFileSource([recording("silence")])
    assert echo.around(source) is source
    assert echo.canceller is not None
    echo.canceller.played(np.full(2205, 5000, np.int16), 22050)

    class Microphone:
        waits_for_replies = False

        def chunks(self) -> Iterator[AudioChunk]:
            yield AudioChunk(np.zeros(SAMPLES_PER_CHUNK, np.int16), 0.0, 0.0)

    assert isinstance(echo.around(Microphone()), CleanedSource)
    assert not echo.canceller.reference.take(SAMPLES_PER_CHUNK).any()
    echo.close()


def room_for(level_db: float) -> SimulatedRoom:
    room = SimulatedRoom(level_db)
    room.match_speech_of(WavFileSource([recording("ask-capital")]))
    return room


def person_heard(level_db: float) -> np.ndarray:
    person = read_wav(recording("ask-capital"))
    room = room_for(level_db)
    chunks = range(0, len(person) - SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK)
    return np.concatenate([room.process(person[i : i + SAMPLES_PER_CHUNK]) for i in chunks])


@pytest.mark.parametrize("level_db", [10.0, 20.0, 40.0])
def test_a_loud_person_is_not_clipped(level_db: float) -> None:
    """`--echo 20`: turned up to 20 dB above the echo at its fixed level, the person
    clipped (a third of the speech at full scale); the mix is turned down instead."""
    loudest = np.abs(person_heard(level_db).astype(np.int32)).max() / 32768
    assert loudest == pytest.approx(PERSON_PEAK, abs=0.01)


def test_turned_down_the_person_stays_that_far_above_the_echo() -> None:
    level_db = 10.0
    room = room_for(level_db)
    reply = reply_audio()
    echo = []
    for start in range(0, len(reply), SAMPLES_PER_CHUNK):
        room.played(reply[start : start + SAMPLES_PER_CHUNK], SAMPLE_RATE)
        echo.append(room.process(np.zeros(SAMPLES_PER_CHUNK, np.int16)))
    person_level = active_rms(person_heard(level_db).astype(np.float32) / 32768)
    echo_level = active_rms(np.concatenate(echo).astype(np.float32) / 32768)
    assert person_level is not None and echo_level is not None
    assert echo_level < ECHO_RMS * 0.9  # the echo was turned down with the person
    assert 20 * np.log10(person_level / echo_level) == pytest.approx(level_db, abs=1.0)


def test_a_quiet_person_is_mixed_as_before() -> None:
    """At the levels of the barge-in figures nothing is turned down: the echo stays at
    -20 dBFS and the person is only scaled."""
    person = read_wav(recording("ask-capital"))[:SAMPLES_PER_CHUNK]
    room = room_for(-5.0)
    gain = ECHO_RMS * 10 ** (-5.0 / 20) / room.speech_rms
    expected = np.clip(np.round(person / 32768 * gain * 32767), -32768, 32767)
    assert np.abs(room.process(person).astype(np.int32) - expected).max() <= 1


def test_the_simulated_echo_is_laid_before_the_listener_takes_its_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The listening thread takes chunks while a write's echo is worked out: it waits for
    the echo to be laid, and hears it from its start (taken in between, the start was
    lost: those samples held the reference and no echo)."""
    from voiced import echo_sim

    room = room_for(0.0)
    room.listen_to(None)
    heard: list[np.ndarray] = []
    real_convolve = echo_sim.convolve

    def convolve_while_listening(signal: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        if kernel is room.room:  # the room's response: the listener takes the echo's time
            silence = np.zeros(SAMPLES_PER_CHUNK, np.int16)
            listener = threading.Thread(
                target=lambda: heard.extend(room.process(silence) for _ in range(4))
            )
            listener.start()
            listener.join(0.3)
        return real_convolve(signal, kernel)

    monkeypatch.setattr(echo_sim, "convolve", convolve_while_listening)
    room.played(np.full(SAMPLE_RATE // 2, 8000, np.int16), SAMPLE_RATE)
    deadline = time.monotonic() + 5
    while len(heard) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    echo = np.concatenate(heard)
    direct = round(TRUE_DELAY_SECONDS * SAMPLE_RATE)
    assert np.abs(echo[direct : direct + 100]).max() > 1000
