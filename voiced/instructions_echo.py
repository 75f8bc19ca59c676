"""A sentence of the model's that repeats its own instructions, told apart so that it is
not spoken. Asked "What time is it in the kitchen?", the default model answered "I cannot.
I do not know the weather, the news, the time or anything else that is happening now.
When asked to do or check such a thing, say that you cannot.": its system prompt, read
out. An answer of its own shares a few words with the prompt at most ("I cannot see or
change any device" shares six), never a run as long as QUOTED_WORDS."""

from __future__ import annotations

import re

# Words in a row that only a quotation of the instructions shares with them.
QUOTED_WORDS = 8
_WORD = re.compile(r"[a-z0-9']+")


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[at : at + QUOTED_WORDS]) for at in range(len(words) - QUOTED_WORDS + 1)}


class InstructionsEcho:
    """The instructions' runs of QUOTED_WORDS words, made once; `quotes` is then pure."""

    def __init__(self, instructions: str) -> None:
        self._runs = _runs(instructions)

    def quotes(self, sentence: str) -> bool:
        """Whether `sentence` repeats QUOTED_WORDS words in a row of the instructions."""
        return not self._runs.isdisjoint(_runs(sentence))
