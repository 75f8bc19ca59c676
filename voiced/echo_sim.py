"""A loudspeaker in a room, simulated for `voiced replay --echo`: what voiced says comes
back into the recordings it hears, as into a microphone next to its speaker.

The reply goes through:
  1. a high-pass (a small loudspeaker gives nothing below ~200 Hz): a windowed-sinc FIR;
  2. soft clipping (the loudspeaker driven hard): tanh, full scale kept at full scale;
  3. a room impulse response, synthesised: silence for the bulk delay (device buffers and
     the path to the microphone), a direct sound, then exponentially decaying Gaussian
     noise (reverberation, amplitude down 60 dB after RT60_SECONDS); fixed seed;
  4. a gain that brings the echo to ECHO_RMS (-20 dBFS, active level: RMS of the 20 ms
     frames louder than ACTIVE_RMS), and the recording is scaled to put the person's speech
     `level_db` above it (-10: the echo 10 dB louder) before the two are added. The echo
     keeps one level, as a loudspeaker at a fixed volume would. Where the person's
     loudest sample would pass PERSON_PEAK that way (from +0.4 to +2 dB up on the
     barge-in recordings), both are turned down together instead: the person stays
     `level_db` above the echo and is not clipped (a clipped microphone would add a
     distortion no linear canceller can follow).
The loudspeaker plays each write where a real one would (voiced.echo.SpeakerTimeline):
right after what it still plays, or, once it has run dry, where the recording's clock
stands as the write comes (`WavFileSource.capture_position`: to the sample, anywhere in
a chunk); without that clock, at the next chunk heard. Its echo is laid into the future
of the input from there, its tail too.

With `drift_ppm`, the loudspeaker's clock runs that many parts per million faster than
the microphone's (a speaker and a microphone on two USB devices: ~50-200 ppm): each
second it plays is heard in 1/(1 + ppm·1e-6) s, so over a reply the echo creeps ahead
of the reference the canceller holds.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from voiced.audio import SAMPLE_RATE, float32_to_int16, int16_to_float32, seconds_to_samples
from voiced.echo import CapturePosition, SpeakerTimeline, ToHeardRate, capture_at

HIGH_PASS_HZ = 200.0
HIGH_PASS_TAPS = 255
CLIP_DRIVE = 1.5
BULK_DELAY_SECONDS = 0.12
RT60_SECONDS = 0.3
RIR_SECONDS = 0.4
# Reverberation energy relative to the direct sound's.
REVERB_TO_DIRECT = 1.0
SEED = 25
FRAME_SAMPLES = 320  # 20 ms
ACTIVE_RMS = 300 / 32768
ECHO_RMS = 0.1
# The loudest the person's speech is made (-0.9 dBFS): above it the whole mix is turned down.
PERSON_PEAK = 0.9


def high_pass(taps: int = HIGH_PASS_TAPS, cutoff_hz: float = HIGH_PASS_HZ) -> np.ndarray:
    """A linear-phase FIR high-pass: an impulse minus a Hamming-windowed low-pass."""
    n = np.arange(taps) - (taps - 1) / 2
    low = np.sinc(2 * cutoff_hz / SAMPLE_RATE * n) * np.hamming(taps)
    low /= low.sum()
    kernel = -low
    kernel[(taps - 1) // 2] += 1.0
    return kernel


def room_impulse_response(
    delay_seconds: float = BULK_DELAY_SECONDS,
    rt60_seconds: float = RT60_SECONDS,
    length_seconds: float = RIR_SECONDS,
    seed: int = SEED,
) -> np.ndarray:
    """The bulk delay, a direct sound of 1, then decaying noise; see the module's text."""
    delay = seconds_to_samples(delay_seconds)
    length = seconds_to_samples(length_seconds)
    t = np.arange(length) / SAMPLE_RATE
    tail = np.random.default_rng(seed).standard_normal(length) * np.exp(-6.908 * t / rt60_seconds)
    # The first 2 ms after the direct sound are free of reflections.
    tail[: seconds_to_samples(0.002)] = 0.0
    tail *= np.sqrt(REVERB_TO_DIRECT / np.sum(tail**2))
    response = np.zeros(delay + length)
    response[delay] = 1.0
    response[delay:] += tail
    return response


def soft_clip(audio: np.ndarray, drive: float = CLIP_DRIVE) -> np.ndarray:
    return np.tanh(drive * audio) / np.tanh(drive)


def active_rms(audio: np.ndarray) -> float | None:
    """RMS over the 20 ms frames louder than ACTIVE_RMS (float audio); None if none are."""
    whole = len(audio) // FRAME_SAMPLES * FRAME_SAMPLES
    if whole == 0:
        return None
    frames = audio[:whole].reshape(-1, FRAME_SAMPLES).astype(np.float64)
    levels = np.sqrt(np.mean(frames**2, axis=1))
    loud = frames[levels > ACTIVE_RMS]
    return float(np.sqrt(np.mean(loud**2))) if len(loud) else None


def convolve(signal: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Full linear convolution through the FFT."""
    size = len(signal) + len(kernel) - 1
    fft_size = 1 << int(np.ceil(np.log2(size)))
    out = np.fft.irfft(np.fft.rfft(signal, fft_size) * np.fft.rfft(kernel, fft_size), fft_size)
    return out[:size]


class DriftedRate(ToHeardRate):
    """Played audio (int16) as float32 at 16 kHz as a microphone on another clock hears
    it: resampled in a stream from the voice's rate times (1 + ppm·1e-6)."""

    def __init__(self, drift_ppm: float) -> None:
        super().__init__()
        self.factor = 1.0 + drift_ppm * 1e-6

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        resampler = self._resamplers.get(sample_rate)
        if resampler is None:
            import soxr

            rate = sample_rate * self.factor
            resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32")
            self._resamplers[sample_rate] = resampler
        data = int16_to_float32(samples)
        return np.asarray(resampler.resample_chunk(data), dtype=np.float32)


class SimulatedRoom:
    """Played audio in, its echo mixed into each heard chunk. The playback thread calls
    `played` and `end_reply` (and owns the loudspeaker's filter and level), the listening
    thread `process` and, as the recording begins, `listen_to`; the echo to come, the
    input's place, the recording's clock and where the loudspeaker plays (its timeline)
    are under a lock, held from placing a write to laying its echo."""

    def __init__(self, level_db: float, drift_ppm: float = 0.0) -> None:
        self.level_db = level_db
        self.active = True
        self.high_pass = high_pass()
        self.room = room_impulse_response()
        self._to_heard_rate: ToHeardRate | DriftedRate = (
            DriftedRate(drift_ppm) if drift_ppm else ToHeardRate()
        )
        self._timeline = SpeakerTimeline(self._to_heard_rate)
        self._lock = threading.Lock()
        # Echo from the input's present on, and where that present is (samples heard).
        self._future = np.zeros(0)
        self._heard = 0
        self._capture_position: CapturePosition | None = None
        # The high-pass runs on the stream: its tail carries into the next write.
        self._high_pass_tail = np.zeros(len(self.high_pass) - 1)
        # The person's active level and loudest sample; the echo's so far (sum of squares,
        # samples).
        self.speech_rms = ECHO_RMS
        self.speech_peak = 0.0
        self._echo_energy = 0.0
        self._echo_samples = 0

    def match_speech_of(self, source: object) -> bool:
        """Take the person's level from the recordings a WavFileSource plays. Any other
        source (a microphone) has a real room: the simulation switches itself off."""
        recordings = getattr(source, "recordings", None)
        if not recordings:
            self.active = False
            return False
        audio = int16_to_float32(np.concatenate([samples for _path, samples in recordings]))
        level = active_rms(audio)
        if level is not None:
            self.speech_rms = level
        self.speech_peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
        return True

    def loudspeaker(self, audio: np.ndarray) -> np.ndarray:
        """The high-pass (streamed) and the clipping of one write."""
        filtered = convolve(audio, self.high_pass)
        filtered[: len(self._high_pass_tail)] += self._high_pass_tail
        self._high_pass_tail = filtered[len(audio) :].copy()
        return soft_clip(np.clip(filtered[: len(audio)], -1.0, 1.0))

    def listen_to(self, capture_position: CapturePosition | None) -> None:
        """The recording begins: where its clock stands at any moment (None: unknown)."""
        with self._lock:
            self._capture_position = capture_position
            self._future = np.zeros(0)
            self._heard = 0
            self._timeline.restart()

    def played(
        self, samples: np.ndarray, sample_rate: int, written_at: float | None = None
    ) -> None:
        """A write, handed to the speaker at `written_at` (time.monotonic(); default: now)."""
        if not self.active:
            return
        if written_at is None:
            written_at = time.monotonic()
        # Placed and laid under one hold of the lock: the listening thread cannot take the
        # chunk where the echo begins in between (it waits, as it would for a real room).
        with self._lock:
            now = capture_at(self._capture_position, written_at, self._heard)
            for at, audio in self._timeline.write(samples, sample_rate, now):
                self._sound(at, audio.astype(np.float64))

    def end_reply(self, cut: bool) -> None:
        """The speaker plays the end of a reply its converter held back (drops it, cut)."""
        if not self.active:
            return
        with self._lock:
            for at, tail in self._timeline.end_reply(cut):
                self._sound(at, tail.astype(np.float64))

    def _sound(self, at: int, audio: np.ndarray) -> None:
        """Audio played (at 16 kHz) from `at` on the input's clock, its echo laid into the
        input's future. Locked."""
        sound = self.loudspeaker(audio)
        echo = convolve(sound, self.room)
        # The room's energy gain times the sound's level: the echo's level, before its
        # delay has passed.
        level = active_rms(sound)
        if level is not None:
            level *= float(np.sqrt(np.sum(self.room**2)))
            self._echo_energy += level**2 * len(audio)
            self._echo_samples += len(audio)
        gain = 0.0
        if self._echo_samples:
            echo_rms = np.sqrt(self._echo_energy / self._echo_samples)
            gain = ECHO_RMS / echo_rms
        offset = at - self._heard
        if offset < 0:  # its beginning was heard already, without it
            echo, offset = echo[-offset:], 0
        end = offset + len(echo)
        if len(self._future) < end:
            self._future = np.concatenate([self._future, np.zeros(end - len(self._future))])
        self._future[offset:end] += gain * echo

    def process(self, samples: np.ndarray) -> np.ndarray:
        """The heard chunk with the echo that reaches the microphone meanwhile."""
        count = len(samples)
        with self._lock:
            echo = np.zeros(count)
            now = self._future[:count]
            echo[: len(now)] = now
            self._future = self._future[count:]
            self._heard += count
        person = ECHO_RMS * 10 ** (self.level_db / 20) / self.speech_rms
        # The person no louder than PERSON_PEAK: the echo is turned down with it.
        loudest = person * self.speech_peak
        mix = PERSON_PEAK / loudest if loudest > PERSON_PEAK else 1.0
        return float32_to_int16(mix * (samples.astype(np.float64) / 32768.0 * person + echo))
