"""The OpenMP threads of llama.cpp and CTranslate2 sleep soon when they wait."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT


def spin_count_seen_by_llama_cpp(environment: dict[str, str]) -> str:
    """GOMP_SPINCOUNT as it is when llama_cpp (and so libgomp) loads after voiced."""
    code = "import os, voiced.llm, llama_cpp; print(os.environ.get('GOMP_SPINCOUNT'))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_openmp_threads_spin_briefly() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    assert spin_count_seen_by_llama_cpp(environment) == "10000"


def test_a_spin_count_set_by_the_user_is_kept() -> None:
    assert spin_count_seen_by_llama_cpp({**os.environ, "GOMP_SPINCOUNT": "500"}) == "500"
