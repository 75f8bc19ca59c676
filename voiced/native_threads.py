"""Threads left inside a native library, and how a process that has one ends.

A worker whose close() gave up waiting (voiced/llm.py: llama.cpp in a call that does not
stop in time, or cannot be stopped at all) is left to finish that call on its own thread.
A process that exits the usual way meanwhile is torn down under it: the interpreter's
finalization, then exit()'s handlers, which destroy libggml-cpu's static objects while
the thread's graph computation still reads them (SIGSEGV in
ggml_cpu_extra_compute_forward, instead of the process's exit code). A process that left
such a thread ends with os._exit instead, once its logs and output are flushed: nothing
is torn down under the thread, and the kernel frees what it held.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

_lock = threading.Lock()
_left: list[threading.Thread] = []


def leave_running(thread: threading.Thread) -> None:
    """Note that `thread` was given up on while inside a native call."""
    with _lock:
        _left[:] = [*(left for left in _left if left.is_alive()), thread]


def still_running() -> list[str]:
    """The names of the threads left running that have not ended yet."""
    with _lock:
        return [thread.name for thread in _left if thread.is_alive()]


def end_process(code: int) -> int:
    """`code`, for the usual exit; or, with a thread left running that has not ended, the
    end of the process here, with `code`, and without the teardown that crashes it."""
    running = still_running()
    if not running:
        return code
    log.warning(
        "exiting with the %s thread still in a native call: without tearing down under it",
        ", ".join(running),
    )
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe or stream: nothing more can be said there.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
