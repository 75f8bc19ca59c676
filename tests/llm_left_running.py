"""`voiced` on the real models, interrupted (Ctrl-C) as soon as llama.cpp starts reading
the first question, on what stands for a machine slower than LlmWorker.close's wait: the
process ends with the LLM worker left in a model call.

    python -m tests.llm_left_running ask --config voiced.yaml --out reply.wav QUESTION

A teardown that begins while that worker still runs says so on stderr (`TORN_DOWN`): the
teardown under it is what crashed such a process (SIGSEGV) instead of letting it exit
with its code.
"""

from __future__ import annotations

import atexit
import signal
import sys
import time

import voiced.llm
from voiced.cli import run
from voiced.generation import Generation
from voiced.llm import LlmWorker

TORN_DOWN = "teardown began with the LLM worker still running"
# Far more words than any spoken question: llama.cpp reads them for about a second.
QUESTION = "Please remember these words: " + " ".join(
    f"apple{n} river{n} stone{n}" for n in range(80)
)


def run_interrupted(argv: list[str]) -> None:
    asked: list[LlmWorker] = []
    real_ask = LlmWorker.ask

    def ask_then_interrupt(worker: LlmWorker, user: str, speculative: bool = False) -> Generation:
        generation = real_ask(worker, user, speculative)
        asked.append(worker)
        while generation.prompt_tokens == 0 and generation.done_at is None:
            time.sleep(0.001)  # until the worker evaluates the prompt's first slice
        signal.raise_signal(signal.SIGINT)
        return generation

    def report_teardown() -> None:
        if any(worker._thread.is_alive() for worker in asked):
            print(TORN_DOWN, file=sys.stderr, flush=True)

    LlmWorker.ask = ask_then_interrupt  # type: ignore[method-assign]
    voiced.llm.CLOSE_WAIT_SECONDS = 0.0
    atexit.register(report_teardown)
    run(argv)


if __name__ == "__main__":
    run_interrupted(sys.argv[1:])
