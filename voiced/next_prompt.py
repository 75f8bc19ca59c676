"""The tokens the next turn's prompt will start with, known as soon as an answer ends.

Evaluated then, while the worker is idle, they leave only the next question's own tokens
(and the few the template closes it with) for the next turn, where the person waits; and
an answer whose text tokenizes otherwise than it was generated is read again then too.
"""

from __future__ import annotations

from typing import Protocol


class Template(Protocol):
    def tokens(self, messages: list[dict[str, str]]) -> list[int]: ...


def next_prompt_prefix(
    template: Template, history: list[dict[str, str]], pending: tuple[str, str] | None = None
) -> list[int]:
    """The start every next prompt shares, after `history` (the system prompt and the
    exchanges kept) and a `pending` exchange (question, answer) that joins it if adopted:
    up to where the next question's own text begins."""
    messages = list(history)
    if pending is not None:
        messages += [
            {"role": "user", "content": pending[0]},
            {"role": "assistant", "content": pending[1]},
        ]
    one, two = (
        template.tokens([*messages, {"role": "user", "content": question}])
        for question in ("a", "b")
    )
    shared = 0
    for first, second in zip(one, two, strict=False):
        if first != second:
            break
        shared += 1
    return one[:shared]
