"""A process that left a worker in a native call ends with its code, its output written,
and none of the teardown that would run under that worker's thread."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

# A thread that never leaves its call, given up on as close() gives up on a worker; then
# a normal exit, which would run the teardown (atexit first).
LEFT_RUNNING = """
import atexit, sys, threading
from voiced.native_threads import end_process, may_be_left

ended = threading.Event()
threading.Thread(target=threading.Event().wait, name="stuck", daemon=True).start()
may_be_left("stuck", ended)
atexit.register(lambda: print("torn down", file=sys.stderr))
print("the report", end="")
sys.exit(end_process(7))
"""

# close()'s wait cut by Ctrl-C (a second one, or the first pressed while it waits): the
# worker was noted before the wait, and is still known to run after it.
INTERRUPTED_WAIT = """
import atexit, os, signal, sys, threading
from voiced.native_threads import end_process, may_be_left, still_running

ended = threading.Event()
threading.Thread(target=threading.Event().wait, name="stuck", daemon=True).start()
may_be_left("stuck", ended)
threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    ended.wait(30)
except KeyboardInterrupt:
    print(still_running(), end="")
atexit.register(lambda: print("torn down", file=sys.stderr))
sys.exit(end_process(0))
"""

# An error out of the command with a worker left: said as Python says it, exit code 1.
FAILED_COMMAND = """
import atexit, sys, threading
import voiced.cli
from voiced.native_threads import may_be_left

def main(argv=None):
    may_be_left("stuck", threading.Event())
    raise RuntimeError("the command failed")

voiced.cli.main = main
atexit.register(lambda: print("torn down", file=sys.stderr))
voiced.cli.run()
"""


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_a_worker_left_running_ends_the_process_with_its_code_and_output() -> None:
    result = python(LEFT_RUNNING)
    assert result.returncode == 7
    assert result.stdout == "the report"  # written, though the pipe buffered it
    assert "torn down" not in result.stderr


def test_without_a_worker_left_running_the_process_exits_as_usual() -> None:
    result = python(LEFT_RUNNING.replace('may_be_left("stuck", ended)', "ended.set()"))
    assert result.returncode == 7
    assert result.stdout == "the report"
    assert "torn down" in result.stderr


def test_a_wait_cut_by_ctrl_c_still_knows_the_worker_runs() -> None:
    result = python(INTERRUPTED_WAIT)
    assert (result.returncode, result.stdout) == (0, "['stuck']")
    assert "torn down" not in result.stderr


def test_a_command_failing_with_a_worker_left_says_so_and_exits_1() -> None:
    result = python(FAILED_COMMAND)
    assert result.returncode == 1
    assert "RuntimeError: the command failed" in result.stderr
    assert "torn down" not in result.stderr


def test_two_workers_of_one_name_left_are_named_once_with_their_count() -> None:
    """After a reload, the old model's worker and the new one's may both be left."""
    two = LEFT_RUNNING.replace(
        'may_be_left("stuck", ended)',
        'may_be_left("stuck", ended)\nmay_be_left("stuck", threading.Event())\n'
        "import logging; logging.basicConfig()",
    )
    result = python(two)
    assert result.returncode == 7
    assert "exiting with the stuck (2) threads still in a native call" in result.stderr
