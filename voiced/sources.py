"""Where heard audio comes from: a WAV file or a microphone, both as 80 ms chunks of
16 kHz mono int16.

A source that keeps a clock also says where its capture stood at any moment
(`capture_position`: samples heard since its first chunk began, in a chunk yet or not):
the echo canceller places what is played on it (voiced/echo.py)."""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK, FrameBuffer
from voiced.errors import VoicedError
from voiced.messages import AudioChunk
from voiced.wavio import read_wav, to_heard_format

log = logging.getLogger(__name__)


OVERFLOW_REPORT_SECONDS = 10.0
# PortAudio hands audio over this often. A block as long as a chunk (80 ms) would hold
# each chunk back until a block boundary: up to 80 ms more before the end of speech is heard.
SECONDS_PER_BLOCK = 0.02
# PortAudio's input buffer (sounddevice's default, "high").
INPUT_LATENCY: str | float = "high"
# The converter's quality (soxr): HQ holds back about 23 ms of audio on average, LQ about
# 12 ms, but LQ is 13 dB down at 7 kHz, where the recogniser hears fricatives.
# Measured on PulseAudio only (scripts/capture-delay, 2026-12-05, medians of 16-20 tones):
# the chunk holding a sound came 42-49 ms after it filled with these settings, 20-28 ms
# with 10 ms blocks, the "low" latency and LQ. Not taken: a Pi's bare ALSA device at the
# low latency leaves the Python callback a fraction of the headroom under a busy CPU, and
# LQ's effect on recognition is unmeasured (docs/audio.md).
RESAMPLE_QUALITY = "HQ"
# How often the reader looks whether the stream has ended (an audio server gone, a device
# unplugged: PortAudio ends the stream) while no audio comes.
POLL_SECONDS = 0.1
# No audio this long from a running stream: the microphone is lost. The first audio of a
# stream just opened may take longer (an audio server starting its stream).
STALLED_SECONDS = 1.0
FIRST_AUDIO_SECONDS = 5.0
# Audio held for a listener that falls behind, before blocks are dropped.
BUFFERED_SECONDS = 16.0
# Longer than a healthy source keeps its reader waiting for one chunk (the first audio of
# a new stream: FIRST_AUDIO_SECONDS), with opening and closing the stream: past it, the
# listening thread is frozen in the audio stack (a sound server that stopped answering
# holds Pa_StopStream), and the health supervisor says so (voiced/turn/loop.py).
CHUNK_DEADLINE_SECONDS = 15.0
# The microphone's clock follows the soonest of this many last blocks (a second's worth).
CLOCK_BLOCKS = 50


class AudioInputError(VoicedError):
    """The microphone cannot be opened or read."""


class AudioSource(Protocol):
    # True: the source waits while a reply is produced (fast replay), so every turn
    # is whole; False: audio keeps coming at its own pace, as from a microphone.
    waits_for_replies: bool

    def chunks(self) -> Generator[AudioChunk, None, None]: ...


class WavFileSource:
    """A recording played into the pipeline, as fast as it takes it or at real pace."""

    def __init__(
        self, paths: list[Path], realtime: bool = False, silence_after: bool = False
    ) -> None:
        self.recordings = [(path, read_wav(path)) for path in paths]
        self.realtime = realtime
        # Go on with silence after the last file, as a microphone in a quiet room would.
        self.silence_after = silence_after
        self.waits_for_replies = not realtime
        # Set while chunks of each file are yielded, so turns can name their file.
        self.current: Path | None = None
        # With realtime, the monotonic time the recording's clock started: sample i is due
        # at started_at + i / SAMPLE_RATE, as a microphone that added nothing would hear it.
        self.started_at: float | None = None

    @property
    def audio_seconds(self) -> float:
        return sum(len(samples) for _, samples in self.recordings) / SAMPLE_RATE

    def capture_position(self, at: float | None = None) -> int | None:
        """With realtime, where the recording's clock stood at `at` (time.monotonic();
        default: now), in samples since its first chunk began; None without a clock (fast
        replay) or before it starts."""
        if not self.realtime or self.started_at is None:
            return None
        return int(((time.monotonic() if at is None else at) - self.started_at) * SAMPLE_RATE)

    def chunks(self) -> Generator[AudioChunk, None, None]:
        start = self.started_at = time.monotonic()
        position = 0
        for path, chunk in self._pieces():
            self.current = path
            if self.realtime:
                due = start + (position + SAMPLES_PER_CHUNK) / SAMPLE_RATE
                time.sleep(max(0.0, due - time.monotonic()))
            yield AudioChunk(chunk, start_s=position / SAMPLE_RATE, received_at=time.monotonic())
            position += SAMPLES_PER_CHUNK

    def _pieces(self) -> Iterator[tuple[Path | None, np.ndarray]]:
        """Each file's chunks (the last one zero-padded), then silence if asked for."""
        for path, samples in self.recordings:
            for offset in range(0, len(samples), SAMPLES_PER_CHUNK):
                chunk = samples[offset : offset + SAMPLES_PER_CHUNK]
                yield path, np.pad(chunk, (0, SAMPLES_PER_CHUNK - len(chunk)))
        silence = np.zeros(SAMPLES_PER_CHUNK, dtype=np.int16)
        while self.silence_after:
            yield None, silence


class CaptureClock:
    """Where a microphone's capture stands at any moment, in heard samples (counted as its
    chunks are), between the blocks PortAudio hands over every 20 ms. Every sample of a
    block was captured by the time the block comes; a block that comes late (a busy CPU)
    would put the capture too far back, so the clock runs at the heard rate from the
    block of the last CLOCK_BLOCKS that came soonest. The reader counts each block
    (`counted`), and tells it when audio was lost before one (`lost`: the blocks before
    the loss would put the capture ahead by the time lost); any thread reads `position`
    (one float is swapped, no lock)."""

    def __init__(self) -> None:
        self._heard = 0.0
        # Each block's moment less its samples' time: when the capture would have begun.
        self._began: deque[float] = deque(maxlen=CLOCK_BLOCKS)
        self._began_at: float | None = None

    def counted(self, heard_samples: float, came_at: float) -> None:
        self._heard += heard_samples
        self._began.append(came_at - self._heard / SAMPLE_RATE)
        self._began_at = min(self._began)

    def lost(self) -> None:
        """Audio was lost before the next block: the clock runs from the blocks after it."""
        self._began.clear()

    def position(self, now: float | None = None) -> int | None:
        """Where the capture stands at `now` (time.monotonic(); default: now)."""
        began_at = self._began_at
        if began_at is None:
            return None
        return int(((time.monotonic() if now is None else now) - began_at) * SAMPLE_RATE)


class MicrophoneSource:
    """A sounddevice input stream at the device's native rate, converted once here."""

    waits_for_replies = False

    def __init__(self, device: str | int | None) -> None:
        self.device = device
        self.name = "the default microphone" if device is None else f"microphone {device!r}"
        # Blocks lost because PortAudio or the listener fell behind.
        self.overflows = 0
        self._overflows_reported = 0
        self._next_report_at = 0.0
        # The open stream's clock (it knows nothing before the stream's first block).
        self._clock = CaptureClock()

    def capture_position(self, at: float | None = None) -> int | None:
        """Where the capture stood at `at` (time.monotonic(); default: now): samples heard
        since the stream's first chunk began, in a chunk yet or not; None before its first
        block."""
        return self._clock.position(at)

    def chunks(self) -> Generator[AudioChunk, None, None]:
        import sounddevice
        import soxr

        try:
            info: Any = sounddevice.query_devices(self.device, kind="input")
        except (ValueError, sounddevice.PortAudioError) as err:
            raise AudioInputError(f"{self.name} not found ({err})") from err
        native_rate = int(info["default_samplerate"])
        blocks: queue.Queue[tuple[np.ndarray, float, bool]] = queue.Queue(
            maxsize=int(BUFFERED_SECONDS / SECONDS_PER_BLOCK)
        )
        # A block was dropped since the last one handed on.
        dropped = False

        def on_audio(data: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
            # The PortAudio callback only hands the block on, with when it came and whether
            # audio was lost before it, and counts losses: no work here.
            nonlocal dropped
            if status.input_overflow:
                self.overflows += 1
            try:
                lost = bool(dropped or status.input_overflow)
                blocks.put_nowait((data.copy(), time.monotonic(), lost))
                dropped = False
            except queue.Full:
                self.overflows += 1
                dropped = True

        # A streaming resampler keeps its state across blocks: no clicks at block edges.
        resampler = soxr.ResampleStream(
            native_rate, SAMPLE_RATE, 1, dtype="float32", quality=RESAMPLE_QUALITY
        )
        name = info["name"]
        stream = None
        try:
            stream = sounddevice.InputStream(
                device=info["index"],
                channels=1,
                samplerate=native_rate,
                dtype="float32",
                blocksize=int(native_rate * SECONDS_PER_BLOCK),
                latency=INPUT_LATENCY,
                callback=on_audio,
            )
            # Pa_StartStream fails now and then on Pi audio HATs ("Wait timed out",
            # -9987): a lost microphone, retried, not the daemon's end.
            stream.start()
        except sounddevice.PortAudioError as err:
            if stream is not None:
                stream.close(ignore_errors=True)
            raise AudioInputError(f"microphone {name!r} cannot be opened: {err}") from err
        log.info("listening on %r at %d Hz", name, native_rate)
        self._clock = CaptureClock()
        try:
            yield from self._read(stream, blocks, resampler, name, native_rate)
        except AudioInputError as err:
            # Said before closing: a sound server that stopped answering holds the close.
            log.info("closing microphone %r (%s)", name, err)
            raise
        finally:
            stream.stop(ignore_errors=True)
            stream.close(ignore_errors=True)
            log.debug("microphone %r closed", name)

    def _read(
        self,
        stream: Any,
        blocks: queue.Queue[tuple[np.ndarray, float, bool]],
        resampler: Any,
        name: str,
        native_rate: int,
    ) -> Generator[AudioChunk, None, None]:
        """The running stream's audio, in chunks; AudioInputError when it is lost."""
        import sounddevice

        frames = FrameBuffer(SAMPLES_PER_CHUNK)
        position = 0
        silent_since = time.monotonic()
        allowed_seconds = FIRST_AUDIO_SECONDS
        try:
            while True:
                try:
                    block, came_at, lost_before = blocks.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    if not stream.active:
                        raise AudioInputError(f"microphone {name!r} went away") from None
                    if time.monotonic() - silent_since > allowed_seconds:
                        raise AudioInputError(
                            f"microphone {name!r} stopped sending audio"
                        ) from None
                    continue
                silent_since = time.monotonic()
                allowed_seconds = STALLED_SECONDS
                self._report_overflows()
                if lost_before:
                    self._clock.lost()
                self._clock.counted(len(block) * SAMPLE_RATE / native_rate, came_at)
                heard = resampler.resample_chunk(block[:, 0])
                for chunk in frames.push(to_heard_format(heard, SAMPLE_RATE)):
                    yield AudioChunk(chunk, position / SAMPLE_RATE, time.monotonic())
                    position += SAMPLES_PER_CHUNK
        except sounddevice.PortAudioError as err:
            raise AudioInputError(f"microphone {name!r} failed: {err}") from err

    def _report_overflows(self) -> None:
        """Log lost audio at most every OVERFLOW_REPORT_SECONDS."""
        now = time.monotonic()
        if self.overflows != self._overflows_reported and now >= self._next_report_at:
            log.warning("audio input overflows: %d so far (audio was lost)", self.overflows)
            self._overflows_reported = self.overflows
            self._next_report_at = now + OVERFLOW_REPORT_SECONDS
