"""numpy's OpenBLAS computes on the calling thread: no worker of its own spins on the
cores the LLM works on (voiced/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT

# The threads of a process that imports voiced, then numpy (whose OpenBLAS starts its
# workers as it loads), and the setting OpenBLAS read.
CODE = (
    "import os, voiced, numpy; "
    "print(len(os.listdir('/proc/self/task')), os.environ.get('OPENBLAS_NUM_THREADS'))"
)


def threads_after_numpy(environment: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    threads, setting = done.stdout.split()
    return int(threads), setting


def test_openblas_starts_no_worker_threads() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert threads_after_numpy(environment) == (1, "1")


def test_an_openblas_thread_count_set_by_the_user_is_kept() -> None:
    threads, setting = threads_after_numpy({**os.environ, "OPENBLAS_NUM_THREADS": "2"})
    assert setting == "2"
    assert threads == min(2, os.cpu_count() or 1)
