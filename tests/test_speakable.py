"""LLM output turned into speakable text."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.helpers import MODELS_DIR
from voiced.config import Config
from voiced.speakable import CodeBlockFilter, speakable


@pytest.fixture(scope="module")
def said(config: Config) -> Callable[[str], str]:
    """What the Piper voice says for a text, as its phonemes: the voice's own reading."""
    from piper import PiperVoice
    from piper.config import PiperConfig

    voice_config = MODELS_DIR / "piper" / f"{config.tts.voice}.onnx.json"
    settings = PiperConfig.from_dict(json.loads(voice_config.read_text()))
    voice = PiperVoice(session=None, config=settings)
    # Without the spaces: espeak writes "100" as one word, "one hundred" as two.
    return lambda text: "".join("".join(sentence) for sentence in voice.phonemize(text)).replace(
        " ", ""
    )


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


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Water boils at 100°C.", "Water boils at 100°C."),
        ("It is 72℉ outside.", "It is 72°F outside."),
        ("Acme® and Zip™ are © 2024.", "Acme® and Zip™ are © 2024."),
        ("Great job 👍🏽!", "Great job!"),
        ("Press 1️⃣ now.", "Press 1 now."),
        (
            "Hi from 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f here.",
            "Hi from here.",
        ),
    ],
)
def test_symbols_the_voice_reads_are_kept_and_emoji_parts_dropped(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.slow
@pytest.mark.parametrize(
    "text, words",
    [
        ("Water boils at 100°C.", "Water boils at 100 degrees C."),
        ("It is 72℉ outside.", "It is 72 degrees F outside."),
        ("Great job 👍🏽!", "Great job!"),
    ],
)
def test_the_voice_says_degrees_and_no_skin_tone(
    said: Callable[[str], str], text: str, words: str
) -> None:
    assert said(speakable(text)) == said(words)


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("2*3*4 = 24.", "2 times 3 times 4 = 24."),
        ("5 * 3 = 15.", "5 times 3 = 15."),
        ("10 ** 3 is 1000.", "10 to the power of 3 is 1000."),
        ("2^10 = 1024.", "2 to the power of 10 = 1024."),
        ("That takes ~5 minutes.", "That takes about 5 minutes."),
        ("It costs ~$5.", "It costs about 5 dollars."),
        ("**5** apples and *3* pears.", "5 apples and 3 pears."),
        ("It was ~~5~~ 6.", "It was 5 6."),
    ],
)
def test_arithmetic_and_about_between_numbers_are_said(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("It takes 5-10 minutes.", "It takes 5 to 10 minutes."),
        ("From 1990-1995.", "From 1990 to 1995."),
        ("Between 100-1000 people.", "Between 100 to 1000 people."),
        ("It takes 500-2000 steps.", "It takes 500 to 2000 steps."),
        ("Write 1,000-2,000 words.", "Write 1,000 to 2,000 words."),
        ("Open 9:30-17:00, at 20–25°C.", "Open 9:30 to 17:00, at 20 to 25°C."),
        ("It costs $3.50.", "It costs 3 dollars 50 cents."),
        ("It costs $5, or $1.05 or $0.99.", "It costs 5 dollars, or 1 dollar 5 cents or 99 cents."),
        (
            "$5 - $10, £1.50 or €3.5.",
            "5 dollars to 10 dollars, 1 pound 50 pence or 3 euros 50 cents.",
        ),
        ("A $2.5 million house.", "A 2.5 million dollars house."),
        ("It costs US$5.", "It costs 5 US dollars."),
        ("Or US$3.50, A$1.", "Or 3 US dollars 50 cents, 1 Australian dollar."),
        ("Add 1/2 cup.", "Add one half cup."),
        (
            "Add 1 3/4 cups and 2/3 of that.",
            "Add 1 and three quarters cups and two thirds of that.",
        ),
    ],
)
def test_ranges_amounts_and_fractions_are_said_as_words(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Add 2/3rds of it.", "Add two thirds of it."),
        ("Eat 7/8ths now.", "Eat seven eighths now."),
        ("Add 1-1/2 cups.", "Add 1 and a half cups."),
        ("Add 1 1/2 cups.", "Add 1 and a half cups."),
        ("Take -1/2 off.", "Take minus one half off."),
        ("I rate it 7/10.", "I rate it 7 out of 10."),
        ("So 9/10 doctors say.", "So 9 out of 10 doctors say."),
        ("In 1/10 of a second.", "In one tenth of a second."),
        ("Use 1/2x zoom.", "Use 1/2x zoom."),
        ("In 2024-1/2.", "In 2024-1/2."),
    ],
)
def test_fractions_with_a_suffix_a_whole_part_or_out_of_ten(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.parametrize(
    "text",
    [
        "Call 555-1234.",
        "Call 555-1200 or 867-5309.",
        "Call 1-800-555-1234.",
        "It is 2024-01-05.",
        "It ended 10-5.",
        "3 - 5 = -2.",
        "Open 24/7.",
        "On 3/15 or 1/2/2024.",
        "It costs $0.125 each.",
    ],
)
def test_phone_numbers_dates_scores_and_sums_are_left_as_written(text: str) -> None:
    assert speakable(text) == text


@pytest.mark.slow
@pytest.mark.parametrize(
    "text, words",
    [
        ("It takes 5-10 minutes.", "It takes five to ten minutes."),
        ("Write 1,000-2,000 words.", "Write one thousand to two thousand words."),
        ("It costs $3.50.", "It costs three dollars fifty cents."),
        ("Add 1/2 cup.", "Add one half cup."),
        ("Add 2/3rds of it.", "Add two thirds of it."),
        ("Add 1-1/2 cups.", "Add one and a half cups."),
        ("I rate it 7/10.", "I rate it seven out of ten."),
        ("It costs US$5.", "It costs five US dollars."),
    ],
)
def test_the_voice_says_ranges_amounts_and_fractions(
    said: Callable[[str], str], text: str, words: str
) -> None:
    assert said(speakable(text)) == said(words)


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
