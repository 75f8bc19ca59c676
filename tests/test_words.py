"""Words as voiced compares two transcripts of the same speech (voiced/words.py)."""

from __future__ import annotations

from voiced.words import words, words_with_digits


def test_words_are_lower_case_without_punctuation() -> None:
    assert words("What's the time?") == ["what's", "the", "time"]


def test_numbers_below_a_hundred_compare_as_digits() -> None:
    assert words_with_digits("Set a timer for five minutes.") == words_with_digits(
        "Set a timer for 5 minutes."
    )
    assert words_with_digits("fifty percent") == ["50", "percent"] == words_with_digits("50%")
    assert words_with_digits("twenty-five") == ["25"] == words_with_digits("twenty five")
    assert words_with_digits("twenty zero") == ["20", "0"]
    assert words_with_digits("one two") == ["1", "2"]
