"""Numbers as people say them and Whisper writes them: "one hundred and twenty five",
"twenty-five", "a thousand", "two point five", "minus five", "2.5", "1,000", "3 million".
Values are exact fractions: "0.1" is one tenth, not the float nearest it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from voiced.words import ONES, TENS

_ONES_WORDS = {value: word for word, value in ONES.items()}
_TENS_WORDS = {value: word for word, value in TENS.items()}

# Words, numbers (with thousands separators or a decimal point) and the symbols of sums.
# A number may begin with its point: Whisper writes "point five" as ".5".
_TOKEN = re.compile(r"\d+(?:,\d+)*(?:\.\d+)?|(?<!\d)\.\d+|[a-z']+|[-+*/×÷^%√=]")
_DIGITS = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|\d+,\d+|\.\d+")
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SCALES_DOWN = sorted(SCALES.items(), key=lambda item: -item[1])
SIGNS = frozenset({"minus", "negative", "-"})
# The digits said after "point": "two point oh five".
DIGIT_WORDS = {**{w: v for w, v in ONES.items() if v < 10}, "oh": 0}


def tokens(text: str) -> list[str]:
    """The words, numbers and symbols of `text`, lower case; a hyphen between words
    ("twenty-five") separates them."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    return _TOKEN.findall(text)


def parse_number(words: Sequence[str]) -> Fraction | None:
    """The number that `words` (tokens) are, all of them; None if they are not one."""
    words = list(words)
    negative = bool(words) and words[0] in SIGNS
    if negative:
        words = words[1:]
    in_digits = bool(words) and (words[0][0].isdigit() or words[0][0] == ".")
    value = _digits(words) if in_digits else _spoken(words)
    if value is None:
        return None
    return -value if negative else value


def _digits(words: list[str]) -> Fraction | None:
    """ "2.5", ".5", "1,000", "1,5" (a decimal comma), "3 million"."""
    if len(words) > 2 or not _DIGITS.fullmatch(words[0]):
        return None
    number = words[0]
    if re.fullmatch(r"\d+,\d+", number) and not re.fullmatch(r"\d{1,3}(?:,\d{3})+", number):
        number = number.replace(",", ".")
    value = Fraction(number.replace(",", ""))
    if len(words) == 2:
        if words[1] not in SCALES:
            return None
        value *= SCALES[words[1]]
    return value


def _spoken(words: list[str]) -> Fraction | None:
    """ "zero", "one hundred and five", "two point five", "point five"."""
    if "point" in words:
        at = words.index("point")
        whole, decimals = words[:at], words[at + 1 :]
        if not decimals or any(word not in DIGIT_WORDS for word in decimals):
            return None
        digits = "".join(str(DIGIT_WORDS[word]) for word in decimals)
        fraction = Fraction(int(digits), 10 ** len(digits))
        if not whole:
            return fraction
        integer = _spoken(whole)
        return None if integer is None else integer + fraction
    if words == ["zero"]:
        return Fraction(0)
    value = _whole(words)
    return None if value is None else Fraction(value)


def _whole(words: list[str]) -> int | None:
    """A whole number said in words: groups below a thousand, each followed by a scale
    word smaller than the one before ("two million three hundred thousand and five")."""
    total, at, last_scale = 0, 0, None
    while at < len(words):
        group = _below_thousand(words, at)
        if group is None:
            return None
        value, at = group
        if at < len(words) and words[at] in SCALES:
            scale = SCALES[words[at]]
            if last_scale is not None and scale >= last_scale:
                return None
            total, last_scale, at = total + value * scale, scale, at + 1
            if at < len(words) and words[at] == "and":
                at += 1
                if at == len(words):
                    return None
            continue
        if at != len(words):
            return None
        return total + value
    return total if last_scale is not None else None


def _below_thousand(words: list[str], at: int) -> tuple[int, int] | None:
    """ "a hundred", "two hundred and five", "twelve hundred", "forty-two", and where
    it ends; "a" is a number only before "hundred" or a scale word."""
    if words[at] == "a" and at + 1 < len(words) and words[at + 1] in ("hundred", *SCALES):
        first: tuple[int, int] | None = (1, at + 1)
    else:
        first = _below_hundred(words, at)
    if first is None:
        return None
    value, at = first
    if at < len(words) and words[at] == "hundred":
        value, at = value * 100, at + 1
        if at < len(words) and words[at] == "and":
            at += 1
            rest = _below_hundred(words, at) if at < len(words) else None
            if rest is None:
                return None
            return value + rest[0], rest[1]
        rest = _below_hundred(words, at) if at < len(words) else None
        if rest is not None:
            return value + rest[0], rest[1]
    return value, at


def _below_hundred(words: list[str], at: int) -> tuple[int, int] | None:
    word = words[at]
    if word in TENS:
        after = words[at + 1] if at + 1 < len(words) else None
        if after in ONES and 1 <= ONES[after] <= 9:
            return TENS[word] + ONES[after], at + 2
        return TENS[word], at + 1
    if word in ONES and ONES[word] > 0:
        return ONES[word], at + 1
    return None


def in_words(number: str) -> str:
    """A number written in digits ("50", "1,000", "2.5"), as it is said: "fifty",
    "one thousand", "two point five"."""
    whole, _, decimals = number.replace(",", "").partition(".")
    said = _said(int(whole)) if whole else "zero"
    if not decimals:
        return said
    return " ".join([said, "point", *(_ONES_WORDS[int(digit)] for digit in decimals)])


# A number in digits ("50", "1,000", "2.5"), or an ordinal ("2nd", "21st").
_WRITTEN_NUMBER = re.compile(r"\b(\d+)(st|nd|rd|th)\b|\b\d+(?:,\d{3})*(?:\.\d+)?\b")


def spell_numbers(text: str) -> str:
    """The text with its numbers in words: "the 2nd floor" is "the second floor", "lamp
    2" "lamp two", "50" "fifty"."""

    def said(number: re.Match[str]) -> str:
        if number.group(2):
            return ordinal_in_words(int(number.group(1)))
        return in_words(number.group(0))

    return _WRITTEN_NUMBER.sub(said, text)


# The last word of an ordinal where it is not the cardinal + "th".
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def ordinal_in_words(number: int) -> str:
    """An ordinal's number as it is said: 2 "second", 21 "twenty first", 100 "one
    hundredth"."""
    *before, last = _said(number).split()
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*before, last])


def _said(value: int) -> str:
    if value < 20:
        return _ONES_WORDS[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS_WORDS[tens * 10] + (f" {_ONES_WORDS[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{_ONES_WORDS[hundreds]} hundred" + (f" {_said(rest)}" if rest else "")
    word, scale = next((word, scale) for word, scale in _SCALES_DOWN if value >= scale)
    high, rest = divmod(value, scale)
    return f"{_said(high)} {word}" + (f" {_said(rest)}" if rest else "")
