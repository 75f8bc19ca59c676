"""WAV files at the edges: read any common WAV into heard-audio format, write spoken audio."""

from __future__ import annotations

import logging
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE, float32_to_int16

log = logging.getLogger(__name__)

# The rates a recording may have: below, or above, no microphone records speech (a header
# of 1 Hz would be upsampled 16,000 times, in memory).
MIN_RATE_HZ = 4_000
MAX_RATE_HZ = 192_000
# The longest recording read: all of it is held in memory, at its own rate and at 16 kHz.
MAX_SECONDS = 3600.0


class WavError(Exception):
    """A WAV file cannot be read; the message names the file and the reason."""


def to_heard_format(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Convert float audio of shape (frames,) or (frames, channels) to 16 kHz mono int16."""
    import soxr

    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if sample_rate != SAMPLE_RATE and len(data):
        data = soxr.resample(data, sample_rate, SAMPLE_RATE, quality="HQ")
    return float32_to_int16(data)


def read_wav(path: Path) -> np.ndarray:
    """Read a WAV file of any common kind as 16 kHz mono int16 samples."""
    import soundfile

    header, info = _described(path)
    try:
        audio, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as err:
        raise WavError(f"{path}: cannot read the audio data ({_reason(err)})") from err
    except MemoryError as err:  # many channels at a high rate: too large to hold
        raise WavError(f"{path}: too large to read into memory") from err
    if len(audio) == 0:
        raise WavError(f"{path}: holds no audio")
    _warn_if_cut(path, header, len(audio) * info.channels * _bytes_per_sample(info.subtype))
    try:
        return to_heard_format(audio, sample_rate)
    except MemoryError as err:
        raise WavError(f"{path}: too large to convert in memory") from err


def check_wav(path: Path) -> None:
    """What read_wav would refuse by the file's header alone (not there, not a WAV, an
    absurd rate, too long, empty), without reading its audio: a WavError naming it."""
    _, info = _described(path)
    if info.frames == 0:
        raise WavError(f"{path}: holds no audio")


def _described(path: Path) -> tuple[RiffHeader | None, Any]:
    """The file's RIFF header (when it has one) and libsndfile's description of it."""
    import soundfile

    if not path.exists():
        raise WavError(f"{path}: no such file")
    if not path.is_file():
        raise WavError(f"{path}: not a file")
    try:
        header = _check_header(path)
    except OSError as err:
        raise WavError(f"{path}: cannot read ({err.strerror})") from err
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, OSError) as err:
        raise WavError(f"{path}: not a readable WAV file ({_reason(err)})") from err
    if info.format not in ("WAV", "WAVEX", "RF64"):
        raise WavError(f"{path}: not a WAV file (it is {info.format_info or info.format})")
    if info.samplerate <= 0 or info.channels <= 0:
        raise WavError(
            f"{path}: impossible header ({info.samplerate} Hz, {info.channels} channels)"
        )
    if not MIN_RATE_HZ <= info.samplerate <= MAX_RATE_HZ:
        raise WavError(
            f"{path}: a sample rate of {info.samplerate} Hz is not a recording's"
            f" ({MIN_RATE_HZ}-{MAX_RATE_HZ} Hz are read)"
        )
    # libsndfile counts the frames the file holds, not those its header promises.
    if info.frames / info.samplerate > MAX_SECONDS:
        raise WavError(
            f"{path}: {info.frames / info.samplerate / 3600:.1f} hours of audio; at most"
            f" {MAX_SECONDS / 3600:g} hour is read at once: cut it into parts"
        )
    return header, info


def _bytes_per_sample(subtype: str) -> int:
    sizes = {"PCM_U8": 1, "PCM_S8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4}
    return sizes.get(subtype, 8 if subtype == "DOUBLE" else 2)


@dataclass(frozen=True)
class RiffHeader:
    channels: int | None
    sample_rate: int | None
    block_align: int | None
    data_bytes: int | None


def _check_header(path: Path) -> RiffHeader | None:
    """Impossible values libsndfile lets through (a block size of 0) are an error here."""
    header = _parse_riff(path)
    if header is None:
        return None
    for name, value in (
        ("channels", header.channels),
        ("sample rate", header.sample_rate),
        ("block size", header.block_align),
    ):
        if value == 0:
            raise WavError(f"{path}: impossible header ({name} 0)")
    return header


def _warn_if_cut(path: Path, header: RiffHeader | None, bytes_read: int) -> None:
    """A header that promises more audio than the file holds: say so once, keep what exists."""
    declared = header.data_bytes if header else None
    if declared is not None and declared > bytes_read + 8:
        log.warning(
            "%s: the header promises %d bytes of audio but the file holds %d; reading what exists",
            path,
            declared,
            bytes_read,
        )


def _parse_riff(path: Path) -> RiffHeader | None:
    """The fmt values and data size a RIFF/WAVE header gives, or None for other files."""
    fmt: tuple[int, ...] | None = None
    with path.open("rb") as file:
        start = file.read(12)
        if len(start) < 12 or start[:4] != b"RIFF" or start[8:12] != b"WAVE":
            return None
        while len(chunk := file.read(8)) == 8:
            name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt " and size >= 16:
                values = file.read(14)
                if len(values) < 14:
                    return None  # cut inside the header: libsndfile says what is wrong
                fmt = struct.unpack("<HHIIH", values)
                file.seek(size - 14 + (size & 1), 1)
            elif name == b"data":
                return RiffHeader(
                    fmt[1] if fmt else None, fmt[2] if fmt else None, fmt[4] if fmt else None, size
                )
            else:
                file.seek(size + (size & 1), 1)
    if fmt is None:
        return None
    return RiffHeader(fmt[1], fmt[2], fmt[4], None)


def _reason(err: Exception) -> str:
    """libsndfile's message without the path it repeats ("Error opening 'x.wav': ...")."""
    text = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    return text.split("': ", 1)[-1].strip().rstrip(".")


class WavWriter:
    """Writes spoken audio to a 16-bit mono WAV file at the voice's own rate."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: wave.Wave_write | None = None
        self._sample_rate = 0

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = wave.open(str(self.path), "wb")  # noqa: SIM115 - open across writes
            self._file.setnchannels(1)
            self._file.setsampwidth(2)
            self._file.setframerate(sample_rate)
            self._sample_rate = sample_rate
        elif sample_rate != self._sample_rate:
            raise ValueError(
                f"{self.path}: sample rate changed from {self._sample_rate} to {sample_rate} Hz"
            )
        self._file.writeframes(samples.astype("<i2").tobytes())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
