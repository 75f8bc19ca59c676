"""scripts/echo-check --live: where each reply's echo lands on a real audio stack, against
where the canceller places its reference.

A private PulseAudio (tests/pulse.py) whose speaker sink is looped back into its
microphone sink (module-loopback, LOOP_LATENCY_MS: the room of tests/test_live_echo.py),
voiced's own MicrophoneSource and SpeakerSink on it. Bursts of noise stand for replies,
written in 0.1 s slices as the playback thread writes, BURSTS of them about 1.2 s apart
(anywhere within a chunk). First with the speaker dry between them, as voiced plays:
each burst's reference placed on the capture's clock as it is written (now), or at the
next chunk the listener takes (before 2026-12-06). Then with the speaker kept fed with
silence between them: each burst placed right after the audio written before it. The
figure is how far each burst's echo lands from its place, less the median: the filter
carries over from one reply to the next only if that is within about a sample
(echo_check_replies).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE

LOOP_LATENCY_MS = 60
BURSTS = 12
VOICE_RATE = 22_050
BURST_SECONDS = 0.3
GAP_SECONDS = 1.2
SLICE_SECONDS = 0.1
SEED = 3


def found_at(heard: np.ndarray, burst: np.ndarray, place: int) -> int:
    """Where `burst` (16 kHz) begins in `heard`, searched in the second after `place`."""
    part = heard[place : place + SAMPLE_RATE]
    size = 1 << int(np.ceil(np.log2(len(part) + len(burst))))
    correlation = np.fft.irfft(np.fft.rfft(part, size) * np.conj(np.fft.rfft(burst, size)), size)
    return place + int(np.argmax(correlation[: len(part)]))


def spread(offsets: list[int]) -> dict[str, Any]:
    middle = int(np.median(offsets))
    return {
        "offsets_samples": [offset - middle for offset in offsets],
        "spread_samples": max(offsets) - min(offsets),
        "std_samples": round(float(np.std(offsets)), 1),
    }


def live_placement() -> dict[str, Any]:
    import shutil

    from tests.pulse import MIC_SINK, PULSEAUDIO, SPEAKER_SINK, PulseServer

    if not shutil.which("pactl") or not Path(PULSEAUDIO).exists():
        return {"skipped": "pulseaudio and pulseaudio-utils are not installed"}
    server = PulseServer()
    try:
        server.start()
        server.loop_back(SPEAKER_SINK, MIC_SINK, LOOP_LATENCY_MS, 100)
        # PortAudio's ALSA "pulse" device finds the server here; read when it starts.
        os.environ.update(server.env)
        return measure()
    finally:
        server.close()


def measure() -> dict[str, Any]:
    import soxr

    from voiced.sinks import SpeakerSink
    from voiced.sources import MicrophoneSource

    microphone = MicrophoneSource("pulse")
    heard: list[np.ndarray] = []
    taken = [0]
    stop = threading.Event()

    def listen() -> None:
        chunks = microphone.chunks()
        for chunk in chunks:
            heard.append(chunk.samples)
            taken[0] += len(chunk.samples)
            if stop.is_set():
                break
        chunks.close()

    listener = threading.Thread(target=listen, name="listening")
    listener.start()
    while microphone.capture_position() is None:
        time.sleep(0.05)
    time.sleep(1.0)
    speaker = SpeakerSink("pulse")
    rng = np.random.default_rng(SEED)
    burst = (rng.standard_normal(round(BURST_SECONDS * VOICE_RATE)) * 6000).astype(np.int16)
    step = round(SLICE_SECONDS * VOICE_RATE)

    def write(samples: np.ndarray) -> None:
        for start in range(0, len(samples), step):
            speaker.write(samples[start : start + step], VOICE_RATE)

    # The speaker dry between bursts: placed on the capture's clock, or at the next chunk.
    on_the_clock, at_the_next_chunk = [], []
    for _ in range(BURSTS):
        time.sleep(GAP_SECONDS + rng.uniform(0.0, 0.08))
        position = microphone.capture_position()
        on_the_clock.append(position if position is not None else taken[0])
        at_the_next_chunk.append(taken[0])
        write(burst)
        speaker.end_reply(cut=False)
    # The speaker kept fed with silence: each burst right after what was written before.
    time.sleep(GAP_SECONDS)
    first = microphone.capture_position() or taken[0]
    written, fed = 0, []
    for _ in range(BURSTS):
        gap = np.zeros(round(VOICE_RATE * (GAP_SECONDS + rng.uniform(0.0, 0.08))), np.int16)
        write(gap)
        written += len(gap)
        fed.append(first + round(written * SAMPLE_RATE / VOICE_RATE))
        write(burst)
        written += len(burst)
    write(np.zeros(VOICE_RATE, np.int16))
    stop.set()
    listener.join(5)
    speaker.close()

    audio = np.concatenate(heard).astype(np.float64)
    reference = soxr.resample(burst.astype(np.float64), VOICE_RATE, SAMPLE_RATE)
    return {
        kind: spread([found_at(audio, reference, place) - place for place in places])
        for kind, places in (
            ("dry, on the capture's clock", on_the_clock),
            ("dry, at the next chunk", at_the_next_chunk),
            ("fed with silence", fed),
        )
    }
