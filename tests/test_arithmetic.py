"""Sums asked in words or digits, answered exactly by the arithmetic plugin: numbers read
from words, answers said plainly, and only sums matched (voiced/intents/arithmetic.py)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from tests.fakes import say_nothing
from tests.helpers import RECORDINGS, repeatable_config
from voiced.config import parse_config
from voiced.devtools.answers import GENERAL, PRETEND
from voiced.intents.engine import IntentEngine
from voiced.intents.sums import Sum, answer, read_sum, spoken
from voiced.models import Models
from voiced.numbers import parse_number, tokens
from voiced.replay import replay
from voiced.sources import WavFileSource


@pytest.mark.parametrize(
    "said, value",
    [
        ("zero", 0),
        ("seven", 7),
        ("twenty-five", 25),
        ("twenty five", 25),
        ("a hundred", 100),
        ("one hundred and twenty five", 125),
        ("twelve hundred", 1200),
        ("three thousand four hundred", 3400),
        ("a thousand and one", 1001),
        ("two million three hundred thousand and five", 2_300_005),
        ("a billion", 1_000_000_000),
        ("two point five", Fraction(5, 2)),
        ("point two five", Fraction(1, 4)),
        ("three point one four", Fraction(314, 100)),
        ("minus five", -5),
        ("negative twenty", -20),
        ("2.5", Fraction(5, 2)),
        (".5", Fraction(1, 2)),
        (".25", Fraction(1, 4)),
        ("-.5", Fraction(-1, 2)),
        ("1,000", 1000),
        ("1,000,000", 1_000_000),
        ("3 million", 3_000_000),
        ("-5", -5),
    ],
)
def test_numbers_are_read_from_words_and_digits(said: str, value: Fraction | int) -> None:
    assert parse_number(tokens(said)) == value


@pytest.mark.parametrize(
    "said",
    ["", "love", "one direction", "the capital", "five and three", "hundred five", "a",
     "thousand thousand", "twenty ninety", "one two", "point", "two point", "a five"],
)  # fmt: skip
def test_words_that_are_not_one_number_are_none(said: str) -> None:
    assert parse_number(tokens(said)) is None


@pytest.mark.parametrize(
    "value, said",
    [
        (Fraction(144), "144"),
        (Fraction(9, 1), "9"),
        (Fraction(5, 2), "2.5"),
        (Fraction(-5), "minus 5"),
        (Fraction(1, 3), "about 0.3333"),
        (Fraction(2, 3), "about 0.6667"),
        (Fraction(1, 30000), "about 0.00003333"),
        (2.0**0.5, "about 1.4142"),
        (Fraction(10**20), "1 times 10 to the power of 20"),  # exact: no "about"
        (Fraction(127 * 10**28 + 1), "about 1.27 times 10 to the power of 30"),
        (Fraction(1_000_000), "1000000"),
        (Fraction(10**6, 3), "about 333333.3333"),
        (Fraction(2095915561, 100000), "about 20959.1556"),  # places, not digits, are cut
        (Fraction(2515001, 10), "251500.1"),
        (Fraction(10**15 - 1), "999999999999999"),
    ],
)
def test_numbers_are_said_plainly_rounded_to_four_places(
    value: Fraction | float, said: str
) -> None:
    assert spoken(value) == said


@pytest.mark.parametrize(
    "question, said",
    [
        ("What is twelve times twelve?", "12 times 12 is 144."),
        ("What's 7 + 8?", "7 plus 8 is 15."),
        ("100 / 4", "100 divided by 4 is 25."),
        ("12*12", "12 times 12 is 144."),
        ("What is the square root of eighty-one?", "The square root of 81 is 9."),
        ("What is the square root of 2?", "The square root of 2 is about 1.4142."),
        ("what is one divided by three", "1 divided by 3 is about 0.3333."),
        ("What is 0.1 plus 0.2?", "0.1 plus 0.2 is 0.3."),
        ("What is .5 times 4?", "0.5 times 4 is 2."),
        ("What's .25 plus .25?", "0.25 plus 0.25 is 0.5."),
        ("What is fifteen percent of eighty?", "15 percent of 80 is 12."),
        ("What's 15% of 80?", "15 percent of 80 is 12."),
        ("What is two to the power of ten?", "2 to the power of 10 is 1024."),
        ("What is two point five squared?", "2.5 squared is 6.25."),
        ("How much is a hundred and five times 3?", "105 times 3 is 315."),
        ("What is minus five minus three?", "Minus 5 minus 3 is minus 8."),
        ("Calculate 7 - 5", "7 minus 5 is 2."),
        ("What is one hundred and five and three?", "105 plus 3 is 108."),
        ("What is five divided by zero?", "You can't divide by zero."),
        # Three or four numbers: times and divided by first, then left to right.
        ("What is two plus two times three?", "2 plus 2 times 3 is 8."),
        ("What is 2 + 3 * 4 - 1?", "2 plus 3 times 4 minus 1 is 13."),
        ("2+2*3", "2 plus 2 times 3 is 8."),
        ("What is ten minus five minus two?", "10 minus 5 minus 2 is 3."),
        ("What is six divided by two times three?", "6 divided by 2 times 3 is 9."),
        ("What is minus five times minus three plus one?", "Minus 5 times minus 3 plus 1 is 16."),
        ("What is 7 x 8 x 9 x 10?", "7 times 8 times 9 times 10 is 5040."),
        ("What is one plus two divided by zero?", "You can't divide by zero."),
        ("What is one divided by three plus one?", "1 divided by 3 plus 1 is about 1.3333."),
        # "and" inside a number is the number's: 105 times 2, not 100 plus 5 times 2.
        ("What is one hundred and five times two plus one?", "105 times 2 plus 1 is 211."),
        ("What is the square root of minus four?", "Minus 4 has no real square root."),
        # The numbers asked are said as given; the answer, exact when it is.
        ("What is 123456.5 plus 1?", "123456.5 plus 1 is 123457.5."),
        ("What is 99999.99 plus 0.01?", "99999.99 plus 0.01 is 100000."),
        ("What is 12999.99 times 3?", "12999.99 times 3 is 38999.97."),
        ("What is 3.14159 times 2?", "3.14159 times 2 is about 6.2832."),
        ("What is 1.23456 plus 0.00004?", "1.23456 plus 0.00004 is 1.2346."),
        (
            "What is a billion times a billion?",
            "1000000000 times 1000000000 is 1 times 10 to the power of 18.",
        ),
        (
            "What is 10 to the power of 15?",
            "10 to the power of 15 is 1 times 10 to the power of 15.",
        ),
        (
            "What is two to the power of a thousand?",
            "2 to the power of 1000 is about 1.07 times 10 to the power of 301.",
        ),
    ],
)
def test_sums_are_answered_exactly(question: str, said: str) -> None:
    asked = read_sum(question)
    assert asked is not None, question
    assert answer(asked) == said


def test_huge_powers_are_said_by_their_size_without_working_them_out() -> None:
    said = answer(Sum("^", Fraction(10), Fraction(10**9)))
    assert said == "10 to the power of 1000000000 is 1 times 10 to the power of 1000000000."
    assert "inf" not in answer(Sum("^", Fraction(9.5), Fraction(10**6, 3)))
    assert answer(Sum("^", Fraction(2), Fraction(-(10**6)))).endswith("is almost 0.")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntentEngine]:
    state = tmp_path_factory.mktemp("state") / "state.json"
    config = parse_config({"state_file": {"path": str(state)}})
    engine = IntentEngine(config, announce=say_nothing)
    yield engine
    engine.close()


@pytest.mark.parametrize(
    "question",
    ["What is 12 x 12?", "What's 7 + 8?", "12*12", "What is 2.5 times 4?",
     "what is twenty-five times four", "What is 3 + 4 equal?", "What is 7 plus 8 please?",
     "Calculate 1,000 times 3.", "What is ten cubed?", "Square root of 16.",
     "What is two plus two times three?", "What is 2 + 3 * 4 - 1?", "2+2*3",
     "What is one hundred and five plus two hundred and six minus seventy-five?"],
)  # fmt: skip
def test_sums_match_the_arithmetic_intent(engine: IntentEngine, question: str) -> None:
    match = engine.match(question)
    assert match is not None and match.name == "Arithmetic", question
    # Figures or words, the same sum: its numbers are read from the words, not slots.
    assert match.slots == {}
    said = engine.answer(match)
    assert said.done and " is " in said.response and "Sorry" not in said.response


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "What is love?", "What is one direction?",
     "What is rock and roll?", "One and two.", "What is the meaning of life?",
     "What is the square root of all evil?", "Set the kitchen light to 50 percent.",
     "Set a timer for five minutes.", "What is five?", "Two times.", "What's up?",
     "What is two plus two times?", "One plus two and three plus four.",
     "What is one plus one plus one plus one plus one?"],
)  # fmt: skip
def test_words_that_are_no_sum_do_not_match_it(engine: IntentEngine, question: str) -> None:
    match = engine.match(question)
    assert match is None or match.name != "Arithmetic", question


# The general questions of scripts/answer-quality that are sums, and their answers.
SUMS = {
    "What is twelve times twelve?": "12 times 12 is 144.",
    "What is seven plus eight?": "7 plus 8 is 15.",
    "What is one hundred divided by four?": "100 divided by 4 is 25.",
    "What is the square root of eighty-one?": "The square root of 81 is 9.",
}


def test_only_the_sums_of_the_answer_quality_questions_match_it(engine: IntentEngine) -> None:
    """The other questions, and the requests a model must not pretend to fulfil, still go
    where they went: none is taken for a sum."""
    answered = {}
    for question in [question for question, _ in GENERAL] + PRETEND:
        match = engine.match(question)
        if match is not None and match.name == "Arithmetic":
            answered[question] = engine.answer(match).response
    assert answered == SUMS


def test_sums_are_side_effect_free_so_their_words_are_ready_early(engine: IntentEngine) -> None:
    match = engine.match("What is twelve times twelve?")
    assert match is not None
    ahead = engine.ahead(match)
    assert ahead.words == "12 times 12 is 144." and not ahead.acts


@pytest.mark.slow
def test_a_spoken_sum_is_answered_through_the_pipeline(models: Models, tmp_path: Path) -> None:
    """The recording, heard by Whisper, matched and answered; the LLM is not asked."""
    config = repeatable_config(state_file={"path": str(tmp_path / "state.json")})
    models.llm.conversation.exchanges.clear()
    path = RECORDINGS / "commands" / "arith-twelve-times-twelve.wav"
    report = replay(config, models, WavFileSource([path]))
    [turn] = report["turns"]
    assert turn["answered_by"] == "intent", turn["transcript"]
    assert turn["intent"]["name"] == "Arithmetic"
    assert turn["response"] == "12 times 12 is 144."
    assert turn["llm_completion_tokens"] == 0 and not models.llm.conversation.exchanges


def test_a_number_said_from_its_point_is_answered_as_a_decimal(engine: IntentEngine) -> None:
    match = engine.match("What is .5 times 4?")
    assert match is not None and match.name == "Arithmetic"
    assert engine.answer(match).response == "0.5 times 4 is 2."
