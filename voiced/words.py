"""The words of a transcript as voiced compares them: lower case, punctuation dropped,
apostrophes kept ("what's" is one word)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

_WORD = re.compile(r"[\w']+")

_ONES = """zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen"""
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
ONES = {word: value for value, word in enumerate(_ONES.split())}
TENS = {word: 10 * value for value, word in enumerate(_TENS.split(), start=2)}
_TENS_DIGITS = frozenset(str(value) for value in TENS.values())


def words(text: str) -> list[str]:
    """The words, numbers among them; a typographic apostrophe is a plain one."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


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


# How alike the last word of a device's name and the word heard in its place must be to be
# that word heard differently ("lite" for "light", "lamb" for "lamp": difflib ratio). "kit"
# for "light" (0.5) or "heater" (0.36) is another word. Shorter words are never alike.
NAME_WORD_ALIKE_RATIO = 0.6
NAME_WORD_MIN_LETTERS = 3


def last_word_differs(heard: Sequence[str], name: Sequence[str]) -> tuple[str, str] | None:
    """(heard word, name's word) when `heard` is `name` with only its last word heard
    differently; None otherwise. The words before the last tell one device from another
    ("living" room light, "dining" room light), so they must be the same: one heard
    differently names another device, or none. A name of one word has none to confirm
    it: "theater" is another thing than the "heater", however alike."""
    if len(heard) != len(name) or len(name) < 2 or list(heard[:-1]) != list(name[:-1]):
        return None
    if heard[-1] == name[-1]:
        return None
    return heard[-1], name[-1]


def name_words_alike(heard: str, said: str) -> bool:
    """Whether a word heard in a device's name is the name's word heard differently."""
    return words_alike(heard, said, NAME_WORD_ALIKE_RATIO, NAME_WORD_MIN_LETTERS)


def words_alike(heard: str, said: str, ratio: float, min_letters: int) -> bool:
    """Whether `heard` is the word `said` heard differently: both of `min_letters` or
    more, no digits ("lamp 2" is not "lamp 3", "100%" not "300%"), at least `ratio` alike
    (difflib)."""
    if min(len(heard), len(said)) < min_letters:
        return False
    if any(char.isdigit() for char in heard + said):
        return False
    return difflib.SequenceMatcher(None, heard, said).ratio() >= ratio


def spoken_list(parts: Sequence[str], last: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c" (`last` "or": "a, b or c")."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {last} " + parts[-1]
