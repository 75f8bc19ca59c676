"""Jokes, a coin, a number, a word spelled (voiced/intents/fun.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import say_nothing
from voiced.config import Config
from voiced.intents.engine import IntentEngine
from voiced.intents.fun import JOKES, JokeTeller


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntentEngine]:
    state = tmp_path_factory.mktemp("fun") / "state.json"
    running = IntentEngine(Config(state_file={"path": str(state)}), say_nothing)
    yield running
    running.close()


def said(engine: IntentEngine, text: str, intent: str) -> str:
    match = engine.match(text)
    assert match is not None and match.name == intent, (text, match)
    return engine.answer(match).response


@pytest.mark.parametrize(
    "text",
    [
        "Tell me a joke.",
        "Tell me another joke.",
        "Can you tell me a funny joke?",
        "Do you know any jokes?",
        "Make me laugh.",
        "Joke, please.",
    ],
)
def test_a_joke_is_told(engine: IntentEngine, text: str) -> None:
    assert said(engine, text, "TellJoke") in JOKES


def test_no_joke_is_told_twice_until_all_were() -> None:
    teller = JokeTeller()
    told = [teller.next() for _ in JOKES]
    assert sorted(told) == sorted(JOKES)
    assert teller.next() in JOKES


@pytest.mark.parametrize("text", ["Flip a coin.", "Can you toss a coin for me?", "Heads or tails?"])
def test_a_coin_is_flipped(engine: IntentEngine, text: str) -> None:
    assert said(engine, text, "FlipCoin") in ("Heads.", "Tails.")


def test_both_sides_come_up() -> None:
    from voiced.intents.fun import flip_coin

    assert {flip_coin(None, None) for _ in range(200)} == {"Heads.", "Tails."}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Pick a number between 1 and 10.", 1, 10),
        ("Give me a random number from ten to one.", 1, 10),
        ("Choose a number between 5 and 5.", 5, 5),
    ],
)
def test_a_number_is_picked_within_the_bounds(
    engine: IntentEngine, text: str, low: int, high: int
) -> None:
    for _ in range(20):
        assert low <= int(said(engine, text, "PickNumber").rstrip(".")) <= high


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("How do you spell necessary?", "Necessary: N, E, C, E, S, S, A, R, Y."),
        ("How is rhythm spelled?", "Rhythm: R, H, Y, T, H, M."),
        ("Spell ice cream.", "Ice cream: I, C, E; C, R, E, A, M."),
        ("Spell it out for me.", "Which word should I spell?"),
        ("How do you spell the whole of this long sentence?", "Say one word for me to spell."),
    ],
)
def test_a_word_is_spelled_letter_by_letter(engine: IntentEngine, text: str, spelled: str) -> None:
    assert said(engine, text, "SpellWord") == spelled


@pytest.mark.parametrize(
    "text",
    ["Tell me a story.", "What's a joke?", "Tell me another one.", "Is it heads or tails up?"],
)
def test_other_words_reach_the_model(engine: IntentEngine, text: str) -> None:
    match = engine.match(text)
    assert match is None or match.plugin != "fun", match
