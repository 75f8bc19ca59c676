"""Memory freed during a turn goes back to the system when the turn ends."""

from __future__ import annotations

import subprocess
import sys

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


FREED_AFTER_A_LARGE_BLOCK = """
from voiced.memory import give_back_freed_memory, limit_heap_growth
from voiced.report import resident_mb
limit_heap_growth()
big = bytearray(16 * 2**20)
del big  # glibc raises its mmap threshold past 16 MB here
blocks = [bytearray(2**20) for _ in range(64)]
pin = bytearray(2**20)
held = resident_mb()
del blocks
kept = resident_mb()
give_back_freed_memory()
print(held - kept, held - resident_mb())
"""


def test_large_blocks_stay_for_reuse_during_a_turn_and_go_back_after_it() -> None:
    """As the daemon sets glibc: 1 MB blocks freed after a 16 MB one stay in the heap (the
    next decode reuses them instead of faulting fresh pages in), and go back to the
    system when the turn ends."""
    during, after = map(
        float,
        subprocess.run(
            [sys.executable, "-c", FREED_AFTER_A_LARGE_BLOCK],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split(),
    )
    assert during < 16, (during, after)
    assert after > 48, (during, after)


def test_releases_asked_for_run_as_each_turn_ends(monkeypatch) -> None:
    from voiced import memory

    monkeypatch.setattr(memory, "_after_each_turn", {})
    calls: list[str] = []
    memory.release_after_each_turn("a", lambda: calls.append("old"))
    memory.release_after_each_turn("a", lambda: calls.append("a"))  # replaces the old one
    memory.release_after_each_turn("b", lambda: calls.append("b"))
    give_back_freed_memory()
    assert calls == ["a", "b"]
