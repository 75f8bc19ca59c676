"""The LLM giving way to the short model calls a person waits on, where they share cores.

On a 2-core machine the LLM's threads work on both cores. A call of the audio path beside
them (the end-of-turn model's look at a pause, the synthesis of a reply's first sentence)
took twice as long or more, and slowed the LLM as long as it ran: the two cores of a small
VM share more than they seem (docs/performance.md). Taking turns is quicker for the call
and costs the LLM no more, so the LLM worker waits between its model calls (a slice of a
prompt, a token) while any such call is under way.

Threads: `held` is entered by the listening thread (a look) and the synthesis thread (a
reply's first sentence), `wait` by the LLM worker; the count of calls under way is under
the condition `_changed`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The longest the LLM waits at one point: a call held longer than this (a stuck voice)
# must not stop the answer.
LONGEST_WAIT_SECONDS = 1.0


class GiveWay:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._under_way = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """While the body runs, the LLM makes no new model call."""
        with self._changed:
            self._under_way += 1
        try:
            yield
        finally:
            with self._changed:
                self._under_way -= 1
                if not self._under_way:
                    self._changed.notify_all()

    @property
    def under_way(self) -> int:
        """How many calls hold the LLM back now."""
        with self._changed:
            return self._under_way

    def wait(self) -> bool:
        """Wait until no call is under way (at most LONGEST_WAIT_SECONDS); whether any was."""
        with self._changed:
            if not self._under_way:
                return False
            self._changed.wait_for(lambda: not self._under_way, LONGEST_WAIT_SECONDS)
            return True


# The process's own: a process has one set of cores. The LLM worker waits on it only where
# it shares every core with the audio path (llm.give_way, voiced/llm.py).
AUDIO_FIRST = GiveWay()
