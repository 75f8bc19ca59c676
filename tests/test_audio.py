import numpy as np
import pytest

from voiced.audio import FrameBuffer, PrerollBuffer, without_leading_silence


def samples(start: int, stop: int) -> np.ndarray:
    return np.arange(start, stop, dtype=np.int16)


def test_frame_buffer_cuts_a_long_read_into_exact_frames():
    buffer = FrameBuffer(4)
    frames = buffer.push(samples(0, 10))
    assert [frame.tolist() for frame in frames] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_frame_buffer_keeps_leftovers_across_pushes():
    buffer = FrameBuffer(4)
    assert buffer.push(samples(0, 3)) == []
    frames = buffer.push(samples(3, 9))
    assert [frame.tolist() for frame in frames] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert buffer.flush().tolist() == [8, 0, 0, 0]


def test_frame_buffer_frames_are_int16_of_exact_size_for_odd_reads():
    buffer = FrameBuffer(5)
    frames = []
    for size in [1, 7, 2, 3, 11, 1]:
        frames += buffer.push(np.ones(size, dtype=np.int16))
    assert len(frames) == 25 // 5
    assert all(len(frame) == 5 and frame.dtype == np.int16 for frame in frames)


def test_frame_buffer_flush_zero_pads_the_partial_frame_and_empties():
    buffer = FrameBuffer(4)
    buffer.push(samples(1, 3))
    assert buffer.flush().tolist() == [1, 2, 0, 0]
    assert buffer.flush() is None


def test_frame_buffer_flush_with_nothing_left_returns_none():
    buffer = FrameBuffer(4)
    buffer.push(samples(0, 8))
    assert buffer.flush() is None


@pytest.mark.parametrize("size", [0, -1])
def test_frame_buffer_rejects_non_positive_frame_size(size):
    with pytest.raises(ValueError, match="positive"):
        FrameBuffer(size)


def test_preroll_take_returns_only_the_newest_max_samples():
    preroll = PrerollBuffer(5)
    for start in range(0, 12, 3):
        preroll.push(samples(start, start + 3))
    assert preroll.take().tolist() == [7, 8, 9, 10, 11]


def test_preroll_stays_bounded_while_pushed_for_a_long_time():
    preroll = PrerollBuffer(10)
    for start in range(0, 10_000, 4):
        preroll.push(samples(start, start + 4))
    assert preroll._samples < 10 + 4
    assert len(preroll._chunks) <= 4


def test_preroll_with_less_than_max_returns_everything():
    preroll = PrerollBuffer(100)
    preroll.push(samples(0, 3))
    preroll.push(samples(3, 5))
    assert preroll.take().tolist() == [0, 1, 2, 3, 4]


def test_preroll_take_empties_the_buffer():
    preroll = PrerollBuffer(5)
    preroll.push(samples(0, 5))
    preroll.take()
    assert len(preroll.take()) == 0


def test_preroll_of_zero_size_keeps_nothing():
    preroll = PrerollBuffer(0)
    preroll.push(samples(0, 5))
    assert len(preroll.take()) == 0


def test_leading_silence_is_cut_to_what_is_kept_before_the_first_loud_sample():
    samples = np.concatenate([np.full(1000, 50, np.int16), np.full(500, -4000, np.int16)])
    kept = without_leading_silence(samples, 16_000, level=100, keep_seconds=0.01)
    assert len(kept) == 160 + 500 and kept[160] == -4000


def test_leading_silence_left_alone_when_there_is_no_sound_or_it_begins_at_once():
    quiet = np.zeros(800, np.int16)
    assert without_leading_silence(quiet, 16_000, 100, 0.01) is quiet
    soon = np.concatenate([np.zeros(100, np.int16), np.full(100, 900, np.int16)])
    assert without_leading_silence(soon, 16_000, 100, 0.01) is soon
