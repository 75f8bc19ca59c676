"""Resident pages of a mapped model file that inference never reads again, let go.

llama.cpp maps the GGUF file and populates the whole mapping at load, so every page of it
counts as resident. Two kinds are never read by inference: the token embedding table, of
which each token reads only its own row (94 MB of the default model's 463), and the
tensors repacked into llama.cpp's own faster layout at load (28 MB). Dropping the
mapping's page table entries once the model is loaded leaves the file in the page cache;
the next evaluation faults back in, from memory, only the pages it reads.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import os
from pathlib import Path

from voiced.gguf_tensors import tensor_spans
from voiced.memory import release_after_each_turn

log = logging.getLogger(__name__)

# sys/mman.h: drop the range's page table entries; a shared file mapping is read again
# from the page cache on the next access, with no I/O while the file is cached.
MADV_DONTNEED = 4
MAPS = Path("/proc/self/maps")
EMBEDDING = "token_embd.weight"
OUTPUT = "output.weight"


def mapped_ranges(path: Path, maps: str) -> list[tuple[int, int, int]]:
    """The mappings of `path`'s file in `maps` (the text of /proc/PID/maps) as (start,
    end, file offset of start), the file told by its device and inode, so that a symbolic
    link in its path does not matter."""
    stat = path.stat()
    ranges = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 6:
            continue
        span, _perms, offset, device, inode, _name = fields
        major, minor = (int(part, 16) for part in device.split(":"))
        if int(inode) != stat.st_ino or os.makedev(major, minor) != stat.st_dev:
            continue
        start, end = (int(address, 16) for address in span.split("-"))
        ranges.append((start, end, int(offset, 16)))
    return ranges


def _pages_within(start: int, end: int) -> tuple[int, int]:
    """The whole pages inside [start, end)."""
    page = mmap.PAGESIZE
    return -(-start // page) * page, end // page * page


def release_mapped_file(path: Path, part: tuple[int, int] | None = None) -> int:
    """Drop this process's resident pages of `path`'s mappings, of its byte range `part`
    only when given; the bytes let go (0 where it is not mapped, or off Linux)."""
    try:
        ranges = mapped_ranges(path, MAPS.read_text())
        libc = ctypes.CDLL(None, use_errno=True)
        madvise = libc.madvise
    except (OSError, AttributeError):  # the file gone (moved, deleted) is not mapped
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    released = 0
    for start, end, offset in ranges:
        if part is not None:  # the part's addresses in this mapping
            start, end = max(start, start + part[0] - offset), min(end, start + part[1] - offset)
            start, end = _pages_within(start, end)
        if end <= start:
            continue
        if madvise(start, end - start, MADV_DONTNEED) == 0:
            released += end - start
        else:
            log.warning("cannot release the mapped pages of %s: errno %d", path, ctypes.get_errno())
    return released


def release_unread_pages(path: Path) -> None:
    """Once a mapped GGUF model is loaded: drop all its resident pages (inference reads
    back those it uses), and, where the model has an output matrix of its own, its token
    embedding table's again as each turn ends: each token read its row, and the pages
    around it (the kernel maps 64 KB around a fault), so the table would come back
    resident over a long run."""
    released = release_mapped_file(path)
    if released == 0:
        log.info("%s: no mapped pages found to release", path.name)
    try:
        spans = tensor_spans(path)
    except Exception as err:  # an optimisation: a model llama.cpp loaded stays loaded
        log.warning("%s: its tensors not read (%s): the table's pages stay", path.name, err)
        return
    if EMBEDDING in spans and OUTPUT in spans:  # else the output matrix is the table
        embedding = spans[EMBEDDING]
        release_after_each_turn(str(path), lambda: release_mapped_file(path, embedding))
