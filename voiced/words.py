"""The words of a transcript as voiced compares them: lower case, punctuation dropped,
apostrophes kept ("what's" is one word)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w']+")

_ONES = """zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen"""
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
ONES = {word: value for value, word in enumerate(_ONES.split())}
TENS = {word: 10 * value for value, word in enumerate(_TENS.split(), start=2)}
_TENS_DIGITS = frozenset(str(value) for value in TENS.values())


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def words_with_digits(text: str) -> list[str]:
    """The words, numbers below a hundred as digits and "%" as "percent": Whisper writes
    the same speech "five minutes" in one decoding and "5 minutes" in another, "fifty
    percent" and "50%"."""
    spelled = words(text.replace("%", " percent"))
    out: list[str] = []
    for word in spelled:
        if word in ONES and out and out[-1] in _TENS_DIGITS and 1 <= ONES[word] <= 9:
            out[-1] = str(int(out[-1]) + ONES[word])  # "twenty five" (or "twenty-five")
        elif word in ONES:
            out.append(str(ONES[word]))
        elif word in TENS:
            out.append(str(TENS[word]))
        else:
            out.append(word)
    return out
