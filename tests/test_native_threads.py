"""A process that left a thread in a native call ends with its code, its output written,
and none of the teardown that would run under that thread."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

# A thread that never ends, given up on as close() gives up on a worker; then a normal
# exit, which would run the teardown (atexit first).
LEFT_RUNNING = """
import atexit, sys, threading
from voiced.native_threads import end_process, leave_running

thread = threading.Thread(target=threading.Event().wait, name="stuck", daemon=True)
thread.start()
leave_running(thread)
atexit.register(lambda: print("torn down", file=sys.stderr))
print("the report", end="")
sys.exit(end_process(7))
"""


def test_a_thread_left_running_ends_the_process_with_its_code_and_output() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LEFT_RUNNING],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 7
    assert result.stdout == "the report"  # written, though the pipe buffered it
    assert "torn down" not in result.stderr


def test_without_a_thread_left_running_the_process_exits_as_usual() -> None:
    code = LEFT_RUNNING.replace("leave_running(thread)", "")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 7
    assert result.stdout == "the report"
    assert "torn down" in result.stderr
