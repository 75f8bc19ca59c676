"""Memory freed during a turn goes back to the system when the turn ends."""

from __future__ import annotations

from voiced.memory import give_back_freed_memory
from voiced.report import resident_mb

BLOCK_BYTES = 100 * 1024  # below glibc's mmap threshold: from the heap, as decode buffers
BLOCKS = 400


def test_freed_heap_memory_is_given_back() -> None:
    blocks = [bytearray(BLOCK_BYTES) for _ in range(BLOCKS)]  # zeroed: resident
    # Allocated last, it keeps the heap's top in use, so glibc cannot shrink it by itself.
    pin = bytearray(BLOCK_BYTES)
    del blocks
    held = resident_mb()
    give_back_freed_memory()
    given_back = held - resident_mb()
    assert given_back > 0.5 * BLOCK_BYTES * BLOCKS / 2**20, f"only {given_back:.1f} MB given back"
    del pin
