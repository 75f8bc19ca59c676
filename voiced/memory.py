"""Memory a turn freed goes back to the system when the turn ends.

glibc keeps what the native libraries free (a Whisper decode alone leaves ~11 MB behind)
resident in its arenas and reuses it in no particular order, so the daemon sat 15-30 MB
above what it holds and drifted by tens of MB over hundreds of turns. malloc_trim(0)
hands every wholly free page back: 1.5-3.3 ms per turn, measured with no slower decoding
or synthesis in the turn after it (Whisper 0.431 vs 0.432 s, medians of 80 turns)."""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def _glibc_function(name: str) -> Callable[..., int] | None:
    """A function of the C library the interpreter runs on (found without a subprocess,
    such as ldconfig); None where it lacks it (musl has no malloc_trim)."""
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    return function


_malloc_trim = _glibc_function("malloc_trim")
_mallopt = _glibc_function("mallopt")

# mallopt's parameters (malloc.h).
_M_ARENA_MAX = -8
# One heap per thread that allocates (up to 8 a core) keeps what each frees apart from
# the others; two are enough for the few threads that allocate at once.
ARENA_MAX = 2


def limit_heap_growth() -> None:
    """Set glibc's allocator for a long-running process with a few busy threads: two heaps
    instead of up to 16 here. Call it before any thread starts; a no-op off glibc.

    glibc's mmap threshold is left to glibc: fixed at 128 KiB (until 2026-12-06), every
    large buffer of a Whisper decode or an end-of-turn call was mapped and faulted in
    afresh, and a decode took 0.27-0.34 s instead of 0.18-0.23 s (an AVX2 AMD EPYC, one
    process each way, interleaved), for 26 MB less at the peak of the bench's nine
    recordings (926 against 952 MB); malloc_trim after each turn gives the heap back."""
    if _mallopt is not None:
        _mallopt(_M_ARENA_MAX, ARENA_MAX)


# What else lets go of memory as each turn ends, by what it releases.
_after_each_turn: dict[str, Callable[[], object]] = {}


def release_after_each_turn(key: str, release: Callable[[], object]) -> None:
    """Call `release` as each turn ends, in place of any earlier one of the same key."""
    _after_each_turn[key] = release


def give_back_freed_memory() -> None:
    """Return the pages freed since the last call to the system (a no-op off glibc), and
    release what was asked to be released as each turn ends."""
    for key, release in list(_after_each_turn.items()):
        try:
            release()
        except Exception as err:  # called as each turn ends: it must never end a turn
            log.warning("releasing %s failed: %s", key, err)
    if _malloc_trim is not None:
        _malloc_trim(0)
