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
import signal
import sys
import threading

log = logging.getLogger(__name__)

_lock = threading.Lock()
# Each worker that may be left in a native call: its thread's name, and the event its
# thread sets once it is out of the library for good. Not Thread.is_alive(): on Python
# 3.11 a join() cut by Ctrl-C marks a thread stopped that still runs (bpo-45274's branch).
_workers: list[tuple[str, threading.Event]] = []


def may_be_left(name: str, ended: threading.Event) -> None:
    """Note a worker that close() is about to wait for: until `ended` is set, the process
    ends without tearing down under it. Noted before the wait, which a Ctrl-C may cut."""
    with _lock:
        # Those out of their calls are forgotten; this one is noted once.
        _workers[:] = [
            (held, done) for held, done in _workers if not (done.is_set() or done is ended)
        ]
        _workers.append((name, ended))


def still_running() -> list[str]:
    """The names of the noted workers that are not out of their native calls yet."""
    with _lock:
        return [name for name, ended in _workers if not ended.is_set()]


def end_process(code: int) -> int:
    """`code`, for the usual exit; or, with a thread left running that has not ended, the
    end of the process here, with `code`, and without the teardown that crashes it."""
    running = still_running()
    if not running:
        return code
    # A Ctrl-C now would leave through the teardown after all.
    with contextlib.suppress(ValueError):  # not the main thread: it cannot be had there
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    # After a reload two workers of one name may be left: "llm (2)", not "llm, llm".
    named = [
        name if (n := running.count(name)) == 1 else f"{name} ({n})"
        for name in dict.fromkeys(running)
    ]
    log.warning(
        "exiting with the %s %s still in a native call: without tearing down under it",
        ", ".join(named),
        "thread" if len(running) == 1 else "threads",
    )
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe or stream: nothing more can be said there.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
