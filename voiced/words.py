"""The words of a transcript as voiced compares them: lower case, punctuation dropped,
apostrophes kept ("what's" is one word)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w']+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
