"""The native thread pools voiced loads leave the cores to others soon: the OpenMP threads
of llama.cpp and CTranslate2 sleep soon when they wait, and numpy's OpenBLAS computes on
the calling thread, with no worker of its own spinning on the cores the LLM works on
(voiced/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT


def printed_after_voiced(code: str, environment: dict[str, str]) -> str:
    """What `code` prints in a new process that imported voiced first."""
    done = subprocess.run(
        [sys.executable, "-c", f"import os, voiced; {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def spin_count_seen_by_llama_cpp(environment: dict[str, str]) -> str:
    """GOMP_SPINCOUNT as it is when llama_cpp (and so libgomp) loads after voiced."""
    code = "import voiced.llm, llama_cpp; print(os.environ.get('GOMP_SPINCOUNT'))"
    return printed_after_voiced(code, environment)


def threads_after_numpy(environment: dict[str, str]) -> tuple[int, str]:
    """The process's threads once numpy (whose OpenBLAS starts its workers as it loads) is
    imported after voiced, and the setting OpenBLAS read."""
    code = (
        "import numpy; "
        "print(len(os.listdir('/proc/self/task')), os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    threads, setting = printed_after_voiced(code, environment).split()
    return int(threads), setting


def test_openmp_threads_spin_briefly() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    assert spin_count_seen_by_llama_cpp(environment) == "10000"


def test_a_spin_count_set_by_the_user_is_kept() -> None:
    assert spin_count_seen_by_llama_cpp({**os.environ, "GOMP_SPINCOUNT": "500"}) == "500"


def test_openblas_starts_no_worker_threads() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert threads_after_numpy(environment) == (1, "1")


def test_an_openblas_thread_count_set_by_the_user_is_kept() -> None:
    threads, setting = threads_after_numpy({**os.environ, "OPENBLAS_NUM_THREADS": "2"})
    assert setting == "2"
    assert threads == min(2, os.cpu_count() or 1)
