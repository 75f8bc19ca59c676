"""Echo cancellation: what voiced says is taken out of what it hears, so that the wake
word (barge-in) and the VAD hear the person, not the loudspeaker.

The audio written to the speaker is the reference. Each write is resampled to 16 kHz and
placed where the loudspeaker plays it on the capture's clock (`SpeakerTimeline`): right
after the audio before it while that still plays, or, once the speaker has run dry (a
new reply, a pause between sentences), where the capture stands as it is written (plus
what a converting sink holds back and plays first: `TappedSink`), to the sample. Each
heard chunk takes the reference of its own samples (silence where nothing played). What
is left is the bulk delay of the device buffers and the room, estimated by
cross-correlation while voiced speaks, and the filter's tail. The filter is reset only
when a new delay is found: it keeps what it learned of the room and goes on adapting at
the next reply, which starts where its echo starts (if the device starts a dry speaker
as steadily as its clock says: docs/audio.md). When a new delay resets it, it first
learns from the audio already held, so the first reply is cancelled from its first
seconds.

Where the capture stands comes from the source (`capture_position`: samples heard since
its first chunk began, chunked or not, at the moment the write was handed to the sink;
the room of a replay reads it for the same moment). A source without it (a test's) places a write
that finds the speaker dry at the next chunk taken: up to a chunk (80 ms) from where its
echo starts, by a different amount each reply. The converter to 16 kHz is flushed as each
reply ends (`end_reply`) and when the speaker runs dry, so that the 7-37 ms it holds back
do not shift what comes next.

Threads: the playback thread calls `played` and `end_reply`; the listening thread calls
`process` and, as a capture begins (`Echo.around`), `ReferenceQueue.listen_to`. The
reference queue (its pieces, its timeline with the converter, the capture's position
read at each write) is under the queue's lock; everything else belongs to the listening
thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from voiced.audio import (
    SAMPLE_RATE,
    end_conversion,
    float32_to_int16,
    int16_to_float32,
    seconds_to_samples,
)
from voiced.messages import AudioChunk

if TYPE_CHECKING:
    from voiced.echo_sim import SimulatedRoom
    from voiced.sources import AudioSource
    from voiced.speex import SpeexEcho
    from voiced.tts import AudioSink

log = logging.getLogger(__name__)

SPEEX_FRAME_SAMPLES = 160  # 10 ms
# Reference held for a listener that falls behind, at most (then the oldest is dropped).
QUEUE_SECONDS = 30.0
# The delay is estimated on this much audio, every ESTIMATE_EVERY_SECONDS while voiced
# speaks; a new delay is taken when two estimates in a row agree within AGREE_SECONDS.
ESTIMATE_WINDOW_SECONDS = 1.0
ESTIMATE_EVERY_SECONDS = 0.5
AGREE_SECONDS = 0.004
# The cross-correlation peak must stand this far above the rest of it.
PEAK_PROMINENCE = 6.0
# The band searched for the delay, and lags this close to the ends of the range searched
# are refused (a peak there is the window's edge, not an echo; no device is that fast).
ESTIMATE_BAND_HZ = (300.0, 4000.0)
EDGE_SAMPLES = 16
# A reference quieter than this (RMS of 32768) is not worth estimating on.
ACTIVE_LEVEL = 100.0
# The reference is delayed this much less than the estimate: the filter's first taps
# take up the error, and the echo never comes before its reference.
DELAY_MARGIN_SECONDS = 0.01
# When a delay is taken, the new filter first learns from the audio already held (heard,
# and played lined up by the new delay) this many times over: a fresh filter needs
# seconds of echo to cancel well, and the first reply's first seconds are all there is.
TRAIN_PASSES = 3


SIMULATE_DB_RANGE = (-40.0, 40.0)


def simulate_db(text: str) -> float:
    """`voiced replay --echo LEVEL_DB`, checked as the configuration would check it."""
    level = float(text)
    low, high = SIMULATE_DB_RANGE
    if not low <= level <= high:
        raise ValueError(f"--echo {level} is outside {low} to {high} dB")
    return level


class EchoConfig(BaseModel):
    """`echo:` in voiced.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # Take what voiced says out of what it hears (Speex's canceller).
    cancel: bool = True
    # The room's echo tail the filter models; longer costs more CPU.
    filter_seconds: float = Field(0.128, gt=0.0, le=0.5)
    # The bulk delay between writing audio and hearing it is searched up to this.
    max_delay_seconds: float = Field(0.5, ge=0.0, le=2.0)
    # What is left after the filter is attenuated by up to this while voiced speaks
    # (Speex's residual echo suppressor); 0: off. Measured on the barge-in recordings it
    # lowered the wake word's score under the person's voice more than the echo's.
    suppress_db: int = Field(0, ge=0, le=90)
    # For `voiced replay`: a loudspeaker in a room simulated, its echo mixed into the
    # recordings with the person's speech this many dB above it (-10: the echo 10 dB
    # louder). null: no simulation.
    simulate_db: float | None = Field(None, ge=SIMULATE_DB_RANGE[0], le=SIMULATE_DB_RANGE[1])
    # With simulate_db: the simulated loudspeaker's clock this many parts per million
    # faster (negative: slower) than the microphone's, as on two separate USB devices.
    simulate_drift_ppm: float = Field(0.0, ge=-1000.0, le=1000.0)


class ToHeardRate:
    """Played audio (int16 at the voice's rate) as float32 at 16 kHz, resampled in a
    stream (no clicks at the edges of the writes)."""

    # The loudspeaker's clock against the microphone's (echo_sim.DriftedRate: not 1).
    factor = 1.0

    def __init__(self) -> None:
        self._resamplers: dict[int, Any] = {}

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        data = int16_to_float32(samples)
        if sample_rate == SAMPLE_RATE:
            return data
        resampler = self._resamplers.get(sample_rate)
        if resampler is None:
            import soxr

            resampler = soxr.ResampleStream(sample_rate, SAMPLE_RATE, 1, dtype="float32")
            self._resamplers[sample_rate] = resampler
        return np.asarray(resampler.resample_chunk(data), dtype=np.float32)

    def end_reply(self, cut: bool) -> np.ndarray:
        """Called as a reply ends: what the converters hold back of it (soxr: 7-37 ms), at
        16 kHz, or nothing when it was `cut` (the speaker drops it too); they start afresh.
        Left in, it would come out at the front of the next reply, and shift it."""
        tails = [end_conversion(resampler, cut) for resampler in self._resamplers.values()]
        return np.concatenate(tails) if tails else np.zeros(0, np.float32)


# Played audio (float32, 16 kHz), each piece with where it begins on the capture's clock.
Pieces = list[tuple[int, np.ndarray]]
# Where a capture stood at a moment (time.monotonic()): samples heard since its first
# chunk began, in a chunk yet or not; None when unknown (sources.py, `capture_position`).
CapturePosition = Callable[[float], int | None]


class SpeakerTimeline:
    """What a loudspeaker plays, at 16 kHz, each piece with the place where it begins on
    the capture's clock (samples since the capture's first chunk began). A write plays
    right after the audio written before it while that still plays; once the speaker has
    run dry, it starts where the capture stands as it is written (`now`). The device's own
    latency from a write to its sound is taken to be the same every time: the delay search
    finds it (a dry speaker on PulseAudio starts within a few ms of it: docs/audio.md).
    Used by one thread at a time (the owner's lock)."""

    def __init__(self, to_heard_rate: ToHeardRate) -> None:
        self._to_heard_rate = to_heard_rate
        # Where the converted audio ends; and where the audio written ends, at the
        # loudspeaker's pace (the converter holds some of it back).
        self._converted_end = 0
        self._written_end = 0.0

    def write(self, samples: np.ndarray, sample_rate: int, now: int) -> Pieces:
        """The pieces (place, float32 audio) that a write of `samples` plays, `now` being
        where the capture stands as it is written."""
        pieces = []
        if now > self._written_end:
            # The speaker ran dry: the end of what it played before (held back by the
            # converter) follows that audio, and this write starts where the capture is.
            pieces = self.end_reply(cut=False)
            self._converted_end = max(now, self._converted_end)
            self._written_end = float(self._converted_end)
        pieces.append(self._piece(self._to_heard_rate(samples, sample_rate)))
        speaker_rate = sample_rate * self._to_heard_rate.factor
        self._written_end += len(samples) * SAMPLE_RATE / speaker_rate
        return pieces

    def end_reply(self, cut: bool) -> Pieces:
        """As a reply ends: the end of it the converter held back (none if `cut`)."""
        tail = self._to_heard_rate.end_reply(cut)
        return [self._piece(tail)] if len(tail) else []

    def restart(self) -> None:
        """A new capture, its clock at 0: nothing played so far plays in it."""
        self._to_heard_rate.end_reply(cut=True)
        self._converted_end = 0
        self._written_end = 0.0

    def _piece(self, audio: np.ndarray) -> tuple[int, np.ndarray]:
        at = self._converted_end
        self._converted_end += len(audio)
        return at, audio


def capture_at(capture_position: CapturePosition | None, written_at: float, taken: int) -> int:
    """Where the capture stood as a write was handed to the sink: never before `taken`, the
    next sample the listener takes (what is before it was heard already); there when
    unknown."""
    position = capture_position(written_at) if capture_position is not None else None
    return taken if position is None else max(position, taken)


class ReferenceQueue:
    """What was played, at 16 kHz, each piece where it plays on the capture's clock,
    waiting for the heard chunk of the same samples; silence between."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pieces: list[np.ndarray] = []
        self._queued = 0
        # Where the first queued sample plays, and where the next take begins.
        self._start = 0
        self._taken = 0
        self._capture_position: CapturePosition | None = None
        self._timeline = SpeakerTimeline(ToHeardRate())

    def listen_to(self, capture_position: CapturePosition | None) -> None:
        """A capture begins, its chunks counted from 0: what was played before it is no
        echo of it. `capture_position` says where it stood at any moment (None, or
        returning None: unknown, and a write that finds the speaker dry starts at the next
        chunk taken)."""
        with self._lock:
            self._pieces.clear()
            self._queued = self._start = self._taken = 0
            self._timeline.restart()
            self._capture_position = capture_position

    def push(self, samples: np.ndarray, sample_rate: int, written_at: float | None = None) -> None:
        """Called by the playback thread with each write (int16, at the voice's rate),
        handed to the speaker at `written_at` (time.monotonic(); default: now)."""
        if written_at is None:
            written_at = time.monotonic()
        with self._lock:
            now = capture_at(self._capture_position, written_at, self._taken)
            for at, piece in self._timeline.write(samples, sample_rate, now):
                self._queue(at, float32_to_int16(piece))

    def end_reply(self, cut: bool) -> None:
        """Called by the playback thread as a reply ends: the end of it the converter held
        back is queued (a cut reply's is dropped, as the speaker drops it)."""
        with self._lock:
            for at, piece in self._timeline.end_reply(cut):
                self._queue(at, float32_to_int16(piece))

    def _queue(self, at: int, reference: np.ndarray) -> None:
        """`reference` played from `at` on the capture's clock. Locked."""
        end = self._start + self._queued if self._queued else self._taken
        if at < end:  # its beginning was heard already (the listener took silence there)
            reference, at = reference[end - at :], end
        if not len(reference):
            return
        if self._queued and at - end > seconds_to_samples(QUEUE_SECONDS):
            # Nobody took the audio queued (a capture closed, its clock running on): what
            # comes this long after it starts the queue afresh, not behind its silence.
            self._pieces.clear()
            self._queued = 0
        if not self._queued:
            self._start = at
        elif at > end:
            self._pieces.append(np.zeros(at - end, dtype=np.int16))
            self._queued += at - end
        self._pieces.append(reference)
        self._queued += len(reference)
        # A listener this far behind: the oldest is dropped, the rest keeps its place.
        while self._queued > seconds_to_samples(QUEUE_SECONDS) and self._pieces:
            dropped = len(self._pieces.pop(0))
            self._queued -= dropped
            self._start += dropped

    def take(self, count: int) -> np.ndarray:
        """The reference of the next `count` samples heard, silence where nothing played."""
        out = np.zeros(count, dtype=np.int16)
        with self._lock:
            filled = min(count, self._start - self._taken) if self._queued else count
            while filled < count and self._pieces:
                piece = self._pieces[0]
                used = min(count - filled, len(piece))
                out[filled : filled + used] = piece[:used]
                filled += used
                self._start += used
                self._queued -= used
                if used == len(piece):
                    self._pieces.pop(0)
                else:
                    self._pieces[0] = piece[used:]
            self._taken += count
        return out


def estimate_delay(heard: np.ndarray, played: np.ndarray, max_lag: int) -> int | None:
    """The lag (samples) by which `played` reaches `heard`, by GCC-PHAT (the cross-
    correlation with every frequency weighted alike, so the room's colouring and the
    voice's low frequencies do not blur the peak), over the band where a loudspeaker
    plays speech (ESTIMATE_BAND_HZ: elsewhere whitening would only amplify noise); None
    when no clear peak, or one at the edge of the range searched.
    `played` holds `max_lag` samples more than `heard`, before it."""
    size = 1 << int(np.ceil(np.log2(len(played) + len(heard))))
    spectrum = np.fft.rfft(heard.astype(np.float64), size) * np.conj(
        np.fft.rfft(played.astype(np.float64), size)
    )
    spectrum /= np.abs(spectrum) + 1e-9
    frequencies = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    low, high = ESTIMATE_BAND_HZ
    spectrum[(frequencies < low) | (frequencies > high)] = 0.0
    correlation = np.fft.irfft(spectrum, size)
    # heard[i] ~ played[i + max_lag - lag]: lag L sits at index (L - max_lag) mod size.
    lags = np.arange(0, max_lag + 1)
    values = correlation[(lags - max_lag) % size]
    best = int(np.argmax(values))
    if best <= EDGE_SAMPLES or best >= max_lag - EDGE_SAMPLES:
        return None
    rest = np.delete(values, slice(max(0, best - 8), best + 9))
    spread = float(np.std(rest)) if len(rest) else 0.0
    if spread == 0.0 or values[best] / spread < PEAK_PROMINENCE:
        return None
    return int(lags[best])


class EchoCanceller:
    """The listening thread's canceller: the reference queue, the delay, Speex's filter."""

    def __init__(self, config: EchoConfig, speex: SpeexEcho | None = None) -> None:
        if speex is None:
            from voiced.speex import SpeexEcho

            speex = SpeexEcho(
                SPEEX_FRAME_SAMPLES,
                seconds_to_samples(config.filter_seconds),
                SAMPLE_RATE,
                config.suppress_db,
            )
        self.speex = speex
        self.reference = ReferenceQueue()
        self.max_lag = seconds_to_samples(config.max_delay_seconds)
        # Longer than the delay and the filter: an echo lasts no longer.
        window = max(
            seconds_to_samples(ESTIMATE_WINDOW_SECONDS),
            seconds_to_samples(config.filter_seconds) + self.max_lag,
        )
        # The last heard audio, and the reference over the same time plus max_lag before.
        self._heard = np.zeros(window, dtype=np.int16)
        self._played = np.zeros(window + self.max_lag, dtype=np.int16)
        # The delay found (samples), and the one the reference is delayed by: none until
        # one is found.
        self.lag: int | None = None
        self.delay = 0
        self._candidate: int | None = None
        self._since_estimate = 0
        # CPU seconds spent here, and audio seconds cleaned, for the bench.
        self.cpu_seconds = 0.0
        self.audio_seconds = 0.0

    def played(
        self, samples: np.ndarray, sample_rate: int, written_at: float | None = None
    ) -> None:
        self.reference.push(samples, sample_rate, written_at)

    def end_reply(self, cut: bool) -> None:
        self.reference.end_reply(cut)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """A heard chunk without the echo of what was played."""
        started = time.thread_time()
        played = self.reference.take(len(samples))
        self._since_estimate += len(samples)
        if self._since_estimate >= seconds_to_samples(ESTIMATE_EVERY_SECONDS):
            self._since_estimate = 0
            # On the audio held before this chunk: a new delay's filter learns from it and
            # goes on with this chunk, each sample seen once in order.
            self._update_delay()
        self._heard = np.concatenate([self._heard[len(samples) :], samples])
        self._played = np.concatenate([self._played[len(samples) :], played])
        if self._played.any():
            # The reference as it was `delay` samples ago, lined up with what is heard now.
            end = len(self._played) - self.delay
            aligned = self._played[end - len(samples) : end]
            cleaned = self.speex.process(samples, aligned)
        else:
            # Nothing played for longer than any echo lasts: what is heard passes untouched
            # (Speex's own DC filter would change it) and costs nothing.
            cleaned = samples
        self.cpu_seconds += time.thread_time() - started
        self.audio_seconds += len(samples) / SAMPLE_RATE
        return cleaned

    def _update_delay(self) -> None:
        if float(np.sqrt(np.mean(self._played[-len(self._heard) :].astype(np.float64) ** 2))) < (
            ACTIVE_LEVEL
        ):
            return
        lag = estimate_delay(self._heard, self._played, self.max_lag)
        if lag is None:
            return
        candidate, self._candidate = self._candidate, lag
        if candidate is None or abs(candidate - lag) > seconds_to_samples(AGREE_SECONDS):
            return
        if self.lag is None or abs(lag - self.lag) > seconds_to_samples(AGREE_SECONDS):
            was = "none" if self.lag is None else f"{self.lag / SAMPLE_RATE:.3f} s"
            log.info("echo delay %.3f s (was %s)", lag / SAMPLE_RATE, was)
            self.lag = lag
            self.delay = max(0, lag - seconds_to_samples(DELAY_MARGIN_SECONDS))
            self.speex.reset()
            self._train()

    def _train(self) -> None:
        """Adapt the reset filter on what was heard and played, lined up by the new delay.
        The held audio ends where the next chunk begins, so the filter's own memory of the
        reference runs on without a break."""
        aligned = self._played[self.max_lag - self.delay : len(self._played) - self.delay]
        whole = len(self._heard) // SPEEX_FRAME_SAMPLES * SPEEX_FRAME_SAMPLES
        start = len(self._heard) - whole
        for _ in range(TRAIN_PASSES):
            self.speex.process(self._heard[start:], aligned[start:])

    def close(self) -> None:
        self.speex.close()


class Step(Protocol):
    """Something that hears what is played and changes what is heard."""

    def played(
        self, samples: np.ndarray, sample_rate: int, written_at: float | None = None
    ) -> None: ...

    def end_reply(self, cut: bool) -> None: ...

    def process(self, samples: np.ndarray) -> np.ndarray: ...


class TappedSink:
    """A sink that also hands everything written to it to `listeners`, as it is handed to
    the sink: a write that finds the speaker dry plays from about then (a blocking write
    has room at once), any other after what the speaker still holds, however long the
    write then blocks (PortAudio) or not (a file, the paced sink of a replay).

    A sink that converts to the device's rate (SpeakerSink) holds back the end of what was
    written, and plays it in front of the next write: a write after a pause between
    sentences comes out that much later than it was handed over. Such a sink says how
    much (`held_back_seconds`, optional), and the listeners take the write as handed over
    that much later: the reference and the echo start at the same sample."""

    def __init__(self, inner: AudioSink, listeners: list[Step]) -> None:
        self.inner = inner
        self.listeners = listeners

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        # One moment for every listener: the simulated room and the reference place the
        # write at the same sample.
        written_at = time.monotonic()
        held_back = getattr(self.inner, "held_back_seconds", None)
        if held_back is not None:
            written_at += held_back()
        for listener in self.listeners:
            listener.played(samples, sample_rate, written_at)
        self.inner.write(samples, sample_rate)

    def end_reply(self, cut: bool) -> None:
        for listener in self.listeners:
            listener.end_reply(cut)
        self.inner.end_reply(cut)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> object:
        # The daemon closes a speaker's stream while PortAudio restarts.
        return getattr(self.inner, name)


class CleanedSource:
    """A source whose chunks pass through the simulated room (replay) and the canceller."""

    def __init__(
        self,
        inner: AudioSource,
        steps: list[Step],
        ended: Callable[[], None] | None = None,
    ) -> None:
        self.inner = inner
        self.steps = steps
        self.waits_for_replies = inner.waits_for_replies
        # Called as the source's chunks end (muted, the microphone lost, the recording over).
        self._ended = ended

    def chunks(self) -> Generator[AudioChunk, None, None]:
        chunks = self.inner.chunks()
        try:
            for chunk in chunks:
                samples = chunk.samples
                for step in self.steps:
                    samples = step.process(samples)
                yield AudioChunk(samples, chunk.start_s, chunk.received_at)
        finally:
            chunks.close()
            if self._ended is not None:
                self._ended()

    def __getattr__(self, name: str) -> object:
        # A recording's name (`current`) and the like, for the report.
        return getattr(self.inner, name)


class Echo:
    """What the pipeline holds: the canceller (when on) and the simulated room (when
    replaying with one), put around its sink and its source."""

    def __init__(self, config: EchoConfig) -> None:
        self.config = config
        self.canceller = EchoCanceller(config) if config.cancel else None
        self.room: SimulatedRoom | None = None

    def tap(self, sink: AudioSink) -> AudioSink:
        """The sink, telling the canceller what it plays (and the simulated room)."""
        if self.config.simulate_db is not None:
            from voiced.echo_sim import SimulatedRoom

            self.room = SimulatedRoom(self.config.simulate_db, self.config.simulate_drift_ppm)
        listeners: list[Step] = [p for p in (self.room, self.canceller) if p is not None]
        return TappedSink(sink, listeners) if listeners else sink

    def around(self, source: AudioSource) -> AudioSource:
        """The source, with the room's echo mixed in and then cancelled. Both place what is
        played on the source's own clock (`capture_position`), when it has one."""
        capture_position = getattr(source, "capture_position", None)
        steps: list[Step] = []
        if self.room is not None:
            if self.room.match_speech_of(source):
                self.room.listen_to(capture_position)
                steps.append(self.room)
            else:
                log.warning("echo.simulate_db is for recordings (voiced replay): ignored")
        # A recording holds no echo of voiced's replies unless the room is simulated.
        recorded = bool(getattr(source, "recordings", None))
        if self.canceller is not None and (self.room in steps or not recorded):
            # What was played before this source began (while muted, say) is no echo of it.
            self.canceller.reference.listen_to(capture_position)
            steps.append(self.canceller)
        return CleanedSource(source, steps, self._capture_ended) if steps else source

    def _capture_ended(self) -> None:
        """The source's chunks ended: its clock (which may run on, a closed microphone's
        does) no longer places what is played, and nothing queued is heard."""
        if self.canceller is not None:
            self.canceller.reference.listen_to(None)

    def close(self) -> None:
        if self.canceller is not None:
            self.canceller.close()
