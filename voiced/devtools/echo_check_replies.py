"""scripts/echo-check --replies: how well the replies after the first are cancelled when
each starts anywhere within a capture chunk, as on a device.

The room here is built apart from the canceller and from the room of `voiced replay
--echo`: the loudspeaker plays each reply from the moment its first write comes, on the
capture's clock (sample-exact), to its end without a break, and the echo is the whole
played track through the simulated loudspeaker and room of voiced/echo_sim.py (high-pass,
clipping, 120 ms bulk delay and reverberation), brought to -20 dBFS. The playback
thread writes 0.1 s slices at the voice's rate, each LEAD_SECONDS before the audio
before it ends (as a speaker's buffer or PacedSink lets it); the listening thread takes
each 80 ms chunk CAPTURE_LATENCY_SECONDS after it filled. The replies are the speech of
tests/recordings/ask-*.wav at 22.05 kHz, REPLY_GAP_SECONDS apart, each starting on a
chunk boundary or anywhere within a chunk (a fixed seed). The figure is the echo
cancelled (dB) in the 1st, 2nd and 3rd second of each reply after the first, averaged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK, float32_to_int16, seconds_to_samples
from voiced.devtools.echo_check_setup import ROOT
from voiced.echo import CapturePosition, EchoCanceller, EchoConfig
from voiced.echo_sim import (
    ECHO_RMS,
    active_rms,
    convolve,
    high_pass,
    room_impulse_response,
    soft_clip,
)
from voiced.wavio import read_wav

VOICE_RATE = 22_050
REPLY_GAP_SECONDS = 3.0
# The playback thread's slices (voiced/speaker.py), and how long before the audio before it
# ends each comes.
WRITE_SECONDS = 0.1
LEAD_SECONDS = 0.1
# A chunk reaches the listening thread this long after its last sample was captured
# (scripts/capture-delay: 42-49 ms on PulseAudio).
CAPTURE_LATENCY_SECONDS = 0.045
SECONDS_MEASURED = 3
SEED = 6
# Where the replies begin within a chunk.
PLACES = ("on a chunk boundary", "anywhere in a chunk")
# Tells a canceller where the capture stands (a reading of the simulated capture's clock).
Clocked = Callable[[EchoCanceller, CapturePosition], None]


def replies() -> list[np.ndarray]:
    """The speech of the ask-* recordings at the voice's rate, standing for replies."""
    import soxr

    paths = sorted((ROOT / "tests" / "recordings").glob("ask-*.wav"))
    return [
        np.round(soxr.resample(read_wav(path).astype(np.float64), SAMPLE_RATE, VOICE_RATE))
        .clip(-32768, 32767)
        .astype(np.int16)
        for path in paths
    ]


def reply_starts(heard_lengths: list[int], anywhere: bool) -> list[int]:
    """Where each reply begins on the capture's clock (samples)."""
    rng = np.random.default_rng(SEED)
    at, starts = SAMPLE_RATE, []
    for length in heard_lengths:
        at = -(-at // SAMPLES_PER_CHUNK) * SAMPLES_PER_CHUNK  # the next chunk boundary
        if anywhere:
            at += int(rng.integers(SAMPLES_PER_CHUNK))
        starts.append(at)
        at += length + seconds_to_samples(REPLY_GAP_SECONDS)
    return starts


def echo_of(played: np.ndarray) -> np.ndarray:
    """What the microphone hears of `played` (float, 16 kHz), at ECHO_RMS."""
    sound = soft_clip(np.clip(convolve(played, high_pass()), -1.0, 1.0))
    # The high-pass's own group delay stays in, as in the streamed room.
    echo = convolve(sound, room_impulse_response())[: len(played)]
    level = active_rms(echo)
    return echo * (ECHO_RMS / level) if level else echo


def run(
    voiced_replies: list[np.ndarray],
    starts: list[int],
    clocked: Clocked | None = None,
) -> list[list[float]]:
    """The echo cancelled (dB) in each of the first SECONDS_MEASURED seconds of each reply.
    `clocked`, if given, tells the canceller where the capture stands (the mend measured)."""
    import soxr

    heard_replies = [
        soxr.resample(reply.astype(np.float64) / 32768.0, VOICE_RATE, SAMPLE_RATE)
        for reply in voiced_replies
    ]
    total = starts[-1] + len(heard_replies[-1]) + seconds_to_samples(REPLY_GAP_SECONDS)
    total = total // SAMPLES_PER_CHUNK * SAMPLES_PER_CHUNK
    played = np.zeros(total)
    for start, heard in zip(starts, heard_replies, strict=True):
        played[start : start + len(heard)] = heard
    echo = float32_to_int16(echo_of(played).astype(np.float32))

    # The playback thread's writes, each (capture position when it comes, samples or None
    # for the reply's end), in time order.
    step = round(VOICE_RATE * WRITE_SECONDS)
    heard_step, lead = seconds_to_samples(WRITE_SECONDS), seconds_to_samples(LEAD_SECONDS)
    writes: list[tuple[int, np.ndarray | None]] = []
    for start, reply in zip(starts, voiced_replies, strict=True):
        for n, offset in enumerate(range(0, len(reply), step)):
            at = start + max(0, n * heard_step - lead)
            writes.append((at, reply[offset : offset + step]))
        writes.append((at, None))

    canceller = EchoCanceller(EchoConfig())
    now = [0]
    if clocked is not None:
        clocked(canceller, lambda _at: now[0])
    latency = seconds_to_samples(CAPTURE_LATENCY_SECONDS)
    cleaned = np.zeros(total, np.int16)
    pending = iter(writes)
    write = next(pending, None)
    for start in range(0, total, SAMPLES_PER_CHUNK):
        taken_at = start + SAMPLES_PER_CHUNK + latency
        while write is not None and write[0] <= taken_at:
            now[0], samples = write
            if samples is None:
                canceller.end_reply(cut=False)
            else:
                canceller.played(samples, VOICE_RATE)
            write = next(pending, None)
        chunk = echo[start : start + SAMPLES_PER_CHUNK]
        cleaned[start : start + SAMPLES_PER_CHUNK] = canceller.process(chunk)
    canceller.close()

    figures = []
    for start in starts:
        seconds = []
        for second in range(SECONDS_MEASURED):
            part = slice(start + second * SAMPLE_RATE, start + (second + 1) * SAMPLE_RATE)
            echo_energy = float(np.sum(echo[part].astype(np.float64) ** 2))
            left = float(np.sum(cleaned[part].astype(np.float64) ** 2))
            seconds.append(10 * float(np.log10(echo_energy / max(left, 1.0))))
        figures.append(seconds)
    return figures


def reply_cases() -> dict[str, Any]:
    """Per place of the replies' starts, per way of placing the reference: the echo
    cancelled in each second of each reply, and its mean over the replies after the
    first."""
    voiced_replies = replies()
    lengths = [round(len(reply) * SAMPLE_RATE / VOICE_RATE) for reply in voiced_replies]
    out: dict[str, Any] = {"replies": len(voiced_replies)}
    for place in PLACES:
        starts = reply_starts(lengths, anywhere=place == PLACES[1])
        row: dict[str, Any] = {"phase_samples": [s % SAMPLES_PER_CHUNK for s in starts]}
        for way, clocked in WAYS.items():
            figures = run(voiced_replies, starts, clocked)
            row[way] = {
                "by_reply": [[round(x, 1) for x in seconds] for seconds in figures],
                "mean_after_first": [round(float(x), 1) for x in np.mean(figures[1:], axis=0)],
            }
        out[place] = row
    return out


def clock_read_within(samples: int) -> Clocked:
    """The capture's clock read off by up to `samples` either way at each write, as a
    device's timing may be (a fixed seed)."""

    def listen(canceller: EchoCanceller, clock: CapturePosition) -> None:
        rng = np.random.default_rng(SEED)

        def read(at: float) -> int | None:
            position = clock(at)
            return None if position is None else position + int(rng.integers(-samples, samples + 1))

        canceller.reference.listen_to(read)

    return listen


# How the reference is placed: as the canceller does it with no capture clock (as before
# 2026-12-06, and for a source without one), on the capture's clock, and on that clock
# read less exactly.
WAYS: dict[str, Clocked | None] = {
    "at the next chunk": None,
    "on the capture's clock": lambda canceller, clock: canceller.reference.listen_to(clock),
    **{f"on the clock read to ±{n}": clock_read_within(n) for n in (1, 4, 16)},
}
