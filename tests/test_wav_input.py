"""Every common WAV converts at the edge; broken ones are a one-line WavError, never a crash."""

from __future__ import annotations

import logging
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from voiced.wavio import WavError, read_wav


def tone(path: Path, rate: int, channels: int, bits: int, encoding: str = "signed-integer") -> Path:
    """One second of 440 Hz at half scale, made by sox in the asked-for format."""
    subprocess.run(
        ["sox", "-n", "-r", str(rate), "-c", str(channels), "-b", str(bits), "-e", encoding,
         str(path), "synth", "1", "sine", "440", "vol", "0.5"],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize(
    "bits, encoding",
    [(8, "unsigned-integer"), (16, "signed-integer"), (24, "signed-integer"),
     (32, "signed-integer"), (32, "floating-point")],
)  # fmt: skip
@pytest.mark.parametrize("channels", [1, 2])
def test_every_common_kind_becomes_16khz_mono_int16(
    tmp_path: Path, rate: int, bits: int, encoding: str, channels: int
) -> None:
    samples = read_wav(tone(tmp_path / "tone.wav", rate, channels, bits, encoding))
    assert samples.dtype == np.int16
    assert len(samples) == pytest.approx(16_000, abs=40)
    rms = np.sqrt(np.mean(samples[1000:-1000].astype(np.float64) ** 2)) / 32768
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_a_header_promising_more_than_the_file_holds_reads_what_exists_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    whole = tone(tmp_path / "whole.wav", 16000, 1, 16).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with caplog.at_level(logging.WARNING):
        samples = read_wav(cut)
    assert len(samples) == pytest.approx(8000, abs=40)
    warnings = [r for r in caplog.records if "promises" in r.getMessage()]
    assert len(warnings) == 1


def wav_header(channels: int, rate: int, block_align: int, data: bytes = b"\0" * 64) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block_align, block_align, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"RIFF",
        b"not a wav at all, just text\n" * 4,
        wav_header(1, 16000, 2, data=b""),
        wav_header(0, 16000, 2),
        wav_header(1, 0, 2),
        wav_header(1, 16000, 0),
    ],
    ids=["empty", "riff-only", "text", "zero-length-data", "0-channels", "0-hz", "0-block"],
)
def test_broken_files_are_a_wav_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(content)
    with pytest.raises(WavError, match=r"broken\.wav") as caught:
        read_wav(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("rate", "data_bytes", "says"),
    [
        (1, 200_000, "1 Hz"),  # upsampled whole: a MemoryError before
        (100, 2_000_000, "100 Hz"),  # 2.8 h of audio at 16 kHz, 1.9 GB to make it
        (3_999, 64, "3999 Hz"),
        (192_001, 64, "192001 Hz"),
        (4_000, 4_000 * 2 * 3_601, "1.0 hours"),  # a little over an hour
    ],
)
def test_absurd_rates_and_lengths_are_a_wav_error(
    tmp_path: Path, rate: int, data_bytes: int, says: str
) -> None:
    path = tmp_path / "odd.wav"
    path.write_bytes(wav_header(1, rate, 2, data=bytes(data_bytes)))
    with pytest.raises(WavError, match=says):
        read_wav(path)


@pytest.mark.parametrize("rate", [4_000, 192_000])
def test_the_edge_rates_are_read(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "edge.wav"
    path.write_bytes(wav_header(1, rate, 2, data=bytes(rate * 2)))
    assert len(read_wav(path)) == pytest.approx(16_000, abs=40)


SEED_WAV = wav_header(1, 16000, 2, data=np.arange(-800, 800, 4, dtype="<i2").tobytes())


@settings(
    max_examples=examples(300),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    flips=st.lists(st.tuples(st.integers(0, len(SEED_WAV) - 1), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, len(SEED_WAV)),
)
def test_mutated_wav_bytes_never_crash_the_reader(
    tmp_path: Path, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(SEED_WAV)
    for index, value in flips:
        data[index] = value
    path = tmp_path / "fuzzed.wav"
    path.write_bytes(bytes(data[:cut]))
    try:
        samples = read_wav(path)
    except WavError:
        return
    assert samples.dtype == np.int16
