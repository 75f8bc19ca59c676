"""LLM output turned into speakable text."""

from __future__ import annotations

import pytest

from voiced.speakable import CodeBlockFilter, speakable


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("**Paris** is the *capital*.", "Paris is the capital."),
        ("## Answer", "Answer"),
        ("- first, turn it off.", "first, turn it off."),
        ("1. Boil the water.", "Boil the water."),
        ("See [the docs](https://example.org/x) for more.", "See the docs for more."),
        ("Go to https://example.org/page now.", "Go to a link now."),
        ("Run `ls` to list files.", "Run ls to list files."),
        ("Have a nice day! 😊👍", "Have a nice day!"),
        ("> quoted words", "quoted words"),
        ("🎉✨", ""),
        ("It is 3.5 degrees, e.g. cold.", "It is 3.5 degrees, e.g. cold."),
    ],
)
def test_markdown_emoji_and_urls_are_made_speakable(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


def stream(pieces: list[str]) -> tuple[str, bool]:
    code = CodeBlockFilter()
    text = "".join(code.feed(piece) for piece in pieces) + code.flush()
    return text, code.dropped_code


def test_fenced_code_is_dropped_even_when_fences_arrive_in_pieces() -> None:
    pieces = ["Try this: ", "`", "``python\nprint(1)\n", "``", "` It prints one."]
    assert stream(pieces) == ("Try this:  It prints one.", True)


def test_text_without_code_streams_through_unchanged() -> None:
    assert stream(["Use the ", "`ls` command."]) == ("Use the `ls` command.", False)


def test_an_unclosed_code_block_is_dropped_to_the_end() -> None:
    assert stream(["Here: ```\nrm -rf /tmp/x\n"]) == ("Here: ", True)
