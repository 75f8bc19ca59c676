"""Resident pages of a mapped file let go, all of them or a byte range, and a GGUF file's
tensor layout read from its header."""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiced import memory
from voiced.gguf_tensors import tensor_spans
from voiced.mapped_pages import MAPS, mapped_ranges, release_mapped_file, release_unread_pages

MB = 2**20
FILE_BYTES = 16 * MB


def resident_kb(start: int, end: int) -> int:
    """The resident size of the mapping that starts at `start`, from /proc/self/smaps."""
    lines = Path("/proc/self/smaps").read_text().splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"{start:x}-{end:x} "):
            for field in lines[index + 1 :]:
                if field.startswith("Rss:"):
                    return int(field.split()[1])
    raise AssertionError("mapping not found")


@pytest.fixture
def mapped(tmp_path: Path) -> Iterator[tuple[Path, mmap.mmap]]:
    path = tmp_path / "model.bin"
    path.write_bytes(bytes(range(256)) * (FILE_BYTES // 256))
    with path.open("rb") as file:
        mapping = mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ)
    sum(mapping[::4096])  # read a byte of every page: all resident
    yield path, mapping
    mapping.close()


def the_range(path: Path) -> tuple[int, int]:
    [(start, end, offset)] = mapped_ranges(path, MAPS.read_text())
    assert offset == 0
    return start, end


def test_the_mapping_of_a_file_is_found_through_a_symbolic_link(mapped, tmp_path) -> None:
    path, _mapping = mapped
    link = tmp_path / "link.bin"
    link.symlink_to(path)
    start, end = the_range(link)
    assert end - start == FILE_BYTES


def test_releasing_drops_the_resident_pages_and_the_data_reads_back(mapped) -> None:
    path, mapping = mapped
    start, end = the_range(path)
    assert resident_kb(start, end) >= FILE_BYTES // 1024 * 0.9
    assert release_mapped_file(path) == FILE_BYTES
    assert resident_kb(start, end) < FILE_BYTES // 1024 * 0.1
    assert mapping[FILE_BYTES - 1] == 255 and mapping[1000] == 1000 % 256


def test_releasing_a_part_keeps_the_rest(mapped) -> None:
    path, _mapping = mapped
    start, end = the_range(path)
    # Not page-aligned: only the whole pages inside the part are let go.
    released = release_mapped_file(path, (100, 8 * MB + 100))
    assert released == 8 * MB - mmap.PAGESIZE
    assert FILE_BYTES // 1024 * 0.4 < resident_kb(start, end) < FILE_BYTES // 1024 * 0.6


def test_an_unmapped_file_releases_nothing(tmp_path: Path) -> None:
    path = tmp_path / "other.bin"
    path.write_bytes(b"x")
    assert release_mapped_file(path) == 0


def gguf_string(text: str) -> bytes:
    return struct.pack("<Q", len(text)) + text.encode()


def write_gguf(path: Path, tensors: dict[str, int], data_bytes: int, alignment: int) -> int:
    """A GGUF file with one string and one alignment key, `tensors` (name: offset in the
    data) of one dimension; returns where its data starts."""
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 2)
    header += gguf_string("general.name") + struct.pack("<I", 8) + gguf_string("test")
    header += gguf_string("general.alignment") + struct.pack("<II", 4, alignment)
    for name, offset in tensors.items():
        header += gguf_string(name) + struct.pack("<IQIQ", 1, 16, 0, offset)
    start = -(-len(header) // alignment) * alignment
    path.write_bytes(header + bytes(start - len(header) + data_bytes))
    return start


def test_tensor_spans_come_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    start = write_gguf(path, {"output.weight": 0, "token_embd.weight": 4096}, 12288, 64)
    assert start % 64 == 0
    assert tensor_spans(path) == {
        "output.weight": (start, start + 4096),
        "token_embd.weight": (start + 4096, start + 12288),
    }


def test_the_embedding_of_a_model_with_its_own_output_is_released_each_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "_after_each_turn", {})
    released: list[tuple[int, int] | None] = []
    monkeypatch.setattr(
        "voiced.mapped_pages.release_mapped_file",
        lambda path, part=None: released.append(part) or 0,
    )
    own = tmp_path / "own.gguf"
    start = write_gguf(own, {"output.weight": 0, "token_embd.weight": 4096}, 12288, 32)
    tied = tmp_path / "tied.gguf"
    write_gguf(tied, {"token_embd.weight": 0}, 4096, 32)
    release_unread_pages(tied)  # its table is the output matrix, read every token
    release_unread_pages(own)
    assert released == [None, None]
    memory.give_back_freed_memory()
    memory.give_back_freed_memory()
    assert released[2:] == [(start + 4096, start + 12288)] * 2


def test_a_model_file_gone_while_running_never_ends_a_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moved or deleted while the daemon runs: its release at each turn's end finds it
    unmapped, and no release may raise out of the turn's end."""
    monkeypatch.setattr(memory, "_after_each_turn", {})
    gone = tmp_path / "gone.gguf"
    assert release_mapped_file(gone) == 0

    def broken() -> None:
        raise RuntimeError("cannot")

    memory.release_after_each_turn("broken", broken)
    memory.give_back_freed_memory()


def test_a_header_that_cannot_be_read_leaves_the_pages(tmp_path: Path) -> None:
    odd = tmp_path / "odd.gguf"
    odd.write_bytes(b"GGUF" + bytes(8))
    release_unread_pages(odd)  # no exception: the model llama.cpp loaded stays loaded
