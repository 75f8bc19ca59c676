"""voiced/instructions_echo.py: a sentence that reads out the instructions, told apart
from one that only shares a few of their words."""

from __future__ import annotations

import pytest

from voiced.instructions_echo import InstructionsEcho
from voiced.llm_config import DEFAULT_SYSTEM_PROMPT


@pytest.mark.parametrize(
    ("sentence", "quotes"),
    [
        ("When asked to do or check such a thing, say that you cannot.", True),
        ("I do not know the weather, the news, the time or anything else.", True),
        ("You are Jarvis, a voice assistant in a home. Answer in one to three", True),
        # Its own words, a few of them the prompt's.
        ("I cannot see or change any device.", False),
        ("I am Jarvis, a voice assistant in a home.", False),
        ("I don't know the weather: I have no internet.", False),
        ("Paris is the capital of France.", False),
        ("", False),
    ],
)
def test_a_run_of_the_instructions_words_is_a_quotation(sentence: str, quotes: bool) -> None:
    assert InstructionsEcho(DEFAULT_SYSTEM_PROMPT).quotes(sentence) is quotes
