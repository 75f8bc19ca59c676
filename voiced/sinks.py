"""Where spoken audio goes: a WAV file, or a speaker through sounddevice."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import end_conversion, int16_to_float32
from voiced.errors import VoicedError
from voiced.wavio import WavWriter

log = logging.getLogger(__name__)

# A paced write returns this much before its audio would end, as a device buffer would.
PACED_LEAD_SECONDS = 0.1
# Audio the speaker's device buffer holds ahead. PortAudio's usual 35 ms ran dry (the reply
# stuttered) whenever the playback thread waited for a busy CPU; the first sound comes as
# soon as with a small buffer, and a cut reply stops this much later.
SPEAKER_BUFFER_SECONDS = 0.2


class AudioOutputError(VoicedError):
    """The speaker cannot be opened or written."""


class WavSink:
    """Collects every reply of a run in one WAV file at the voice's rate."""

    def __init__(self, path: Path) -> None:
        self._writer = WavWriter(path)

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        self._writer.write(samples, sample_rate)

    def end_reply(self, cut: bool) -> None:
        pass  # nothing converted, nothing held

    def close(self) -> None:
        self._writer.close()


class NullSink:
    """Discards audio (replay without --out)."""

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        pass

    def end_reply(self, cut: bool) -> None:
        pass

    def close(self) -> None:
        pass


class PacedSink:
    """Takes as long as a speaker would to play what it is given: a recording replayed at
    real pace then meets the reply as a microphone would (a wake word may cut it)."""

    def __init__(self, inner: WavSink | NullSink) -> None:
        self.inner = inner
        self._free_at = 0.0

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        self.inner.write(samples, sample_rate)
        now = time.monotonic()
        self._free_at = max(self._free_at, now) + len(samples) / sample_rate
        time.sleep(max(0.0, self._free_at - now - PACED_LEAD_SECONDS))

    def end_reply(self, cut: bool) -> None:
        self.inner.end_reply(cut)

    def close(self) -> None:
        self.inner.close()


class SpeakerSink:
    """A blocking sounddevice output stream, opened on the first write at the voice's rate
    when the device takes it, else at the device's own rate (converted here, once, by a
    streaming converter: it holds back ~33 ms of each reply until `end_reply`).

    A write that fails (the speaker unplugged, the audio server gone) closes the stream,
    and the next write opens it again: the reply is lost, not the speaker. Once `close`d
    it opens nothing again (a reload's new sink may need the device)."""

    def __init__(self, device: str | int | None) -> None:
        self.device = device
        self._stream: Any = None
        self._resampler: Any = None
        # What went into the converter since it last started afresh (at the voice's rate,
        # `_voice_rate`) and what came out (at the device's): the difference it holds back.
        self._voice_rate = self._device_rate = 0
        self._converted_in = 0
        self._converted_out = 0
        # Held by each write and while PortAudio restarts: a restart closes every stream.
        self._lock = threading.Lock()
        self._closed = False

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        with self._lock:
            if self._closed:
                raise AudioOutputError(f"speaker {self.device!r} is closed")
            if self._stream is None:
                self._open(sample_rate)
            data = int16_to_float32(samples)
            if self._resampler is not None:
                data = self._resampler.resample_chunk(data)
                self._converted_in += len(samples)
                self._converted_out += len(data)
            self._write_stream(data)

    def held_back_seconds(self) -> float:
        """How much of what was written the converter still holds back: played in front of
        the next write (7-37 ms with soxr; 0 when the device takes the voice's rate). The
        echo reference places a write that finds the speaker dry that much later
        (`voiced.echo.TappedSink`)."""
        with self._lock:
            if self._resampler is None or self._stream is None:
                return 0.0
            held = self._converted_in / self._voice_rate - self._converted_out / self._device_rate
            return max(0.0, held)

    def end_reply(self, cut: bool) -> None:
        with self._lock:
            resampler = self._resampler
            if resampler is None:
                return
            tail = end_conversion(resampler, cut)  # and ready for the next reply
            self._converted_in = self._converted_out = 0
            if len(tail) == 0 or self._stream is None:
                return
            self._write_stream(tail)

    def _write_stream(self, data: np.ndarray) -> None:
        """Play `data` (float32 at the stream's rate); a failure closes the stream, and the
        next write opens it again. Under the lock."""
        import sounddevice

        try:
            self._stream.write(data.reshape(-1, 1))
        except sounddevice.PortAudioError as err:
            self._close_quietly()
            raise AudioOutputError(f"speaker {self.device!r} failed: {err}") from err

    def _open(self, sample_rate: int) -> None:
        import sounddevice
        import soxr

        self._resampler = None
        self._voice_rate = sample_rate
        self._converted_in = self._converted_out = 0
        try:
            info: Any = sounddevice.query_devices(self.device, kind="output")
            rate = sample_rate
            try:
                sounddevice.check_output_settings(info["index"], channels=1, samplerate=rate)
            except sounddevice.PortAudioError:
                rate = int(info["default_samplerate"])
                self._resampler = soxr.ResampleStream(sample_rate, rate, 1, dtype="float32")
            self._device_rate = rate
            self._stream = sounddevice.OutputStream(
                device=info["index"],
                channels=1,
                samplerate=rate,
                dtype="float32",
                latency=SPEAKER_BUFFER_SECONDS,
            )
            self._stream.start()
        except (ValueError, sounddevice.PortAudioError) as err:
            self._close_quietly()
            raise AudioOutputError(f"speaker {self.device!r} cannot be opened: {err}") from err
        log.info("speaking on %r at %d Hz", info["name"], rate)

    def _close_quietly(self) -> None:
        """Drop the stream at once, after an error or for a restart of PortAudio."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close(ignore_errors=True)

    @contextmanager
    def closed(self) -> Iterator[None]:
        """No stream open and no write until the block ends (PortAudio restarting)."""
        with self._lock:
            self._close_quietly()
            yield

    def close(self) -> None:
        import sounddevice

        with self._lock:
            self._closed = True
            if self._stream is not None:
                try:
                    self._stream.stop()  # lets the last audio play out
                except sounddevice.PortAudioError as err:
                    log.warning("speaker %r failed while closing: %s", self.device, err)
                self._close_quietly()
