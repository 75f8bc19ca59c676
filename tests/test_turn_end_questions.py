"""A question the voice is sure of ends at the question pause, and one that asks of a bare
noun ("What is the capital?") waits to hear of what (voiced/turn_end.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.test_turn_end import ENDPOINT, FakeVoice, walk
from voiced.pause_judge import PauseJudge
from voiced.turn_end import Judgement, TurnEndConfig, asks, ends_turn, judge_words

DEFAULTS = TurnEndConfig()


@pytest.mark.parametrize(
    "text",
    ["What is the capital?", "What's the population?", "who is the author",
     "Tell me the name."],
)  # fmt: skip
def test_a_bare_noun_of_something_cannot_tell(text: str) -> None:
    assert judge_words(text) is Judgement.UNSURE


@pytest.mark.parametrize(
    "text",
    ["What is the capital of Germany?", "What is its capital?", "What is the time?",
     "How far away is the moon?"],
)  # fmt: skip
def test_the_noun_with_its_complement_or_another_noun_is_complete(text: str) -> None:
    assert judge_words(text) is Judgement.COMPLETE


def test_a_command_ending_on_such_a_noun_is_still_complete() -> None:
    # Not a rule for commands: their words are a whole command.
    assert judge_words("Set the volume to the max.", complete_command=True) is (Judgement.COMPLETE)


def test_only_words_that_ask_and_are_no_command_are_a_question() -> None:
    def heard(text: str, complete_command: bool) -> bool:
        return asks(judge_words(text, complete_command), complete_command)

    assert heard("How far away is the moon?", complete_command=False)
    assert heard("What time is it ?", complete_command=False)
    assert not heard("What time is it?", complete_command=True)
    assert not heard("Explain why the sky is blue.", complete_command=False)


def test_a_question_the_voice_is_sure_of_ends_at_the_question_pause() -> None:
    words = judge_words("How far away is the moon?")
    assert not ends_turn(0.3, 0.95, words, DEFAULTS, question=True)
    assert ends_turn(0.32, 0.95, words, DEFAULTS, question=True)
    # Less sure at its first judgement: the short pause.
    assert not ends_turn(0.39, 0.85, words, DEFAULTS, question=True)
    assert ends_turn(0.4, 0.85, words, DEFAULTS, question=True)
    # A second look that says finished earns the short pause only: it would come while
    # the answer is being composed.
    assert not ends_turn(0.39, 0.3, words, DEFAULTS, again=0.97, question=True)
    assert ends_turn(0.4, 0.3, words, DEFAULTS, again=0.97, question=True)
    # Not a question (a sentence closed by a full stop): the short pause.
    closed = judge_words("Explain why the sky is blue.")
    assert not ends_turn(0.39, 0.99, closed, DEFAULTS)
    assert ends_turn(0.4, 0.99, closed, DEFAULTS)


def test_the_question_pause_is_never_longer_than_the_short_pause() -> None:
    config = TurnEndConfig(short_pause_seconds=0.3)
    assert ends_turn(0.3, 0.95, judge_words("Why?"), config, question=True)


def test_a_question_of_a_bare_noun_waits_for_its_complement() -> None:
    """ "What is the capital ... of Germany?": the voice 0.94-0.98 sure at the pause, 0.27-
    0.33 s long (tests/recordings/pause-mid-question.wav)."""
    words = judge_words("What is the capital?")
    assert not ends_turn(0.4, 0.98, words, DEFAULTS, question=True)
    assert not ends_turn(0.69, 0.98, words, DEFAULTS, question=True)
    assert ends_turn(DEFAULTS.fallback_pause_seconds, 0.98, words, DEFAULTS, question=True)


def test_the_judge_ends_a_sure_question_at_the_question_pause() -> None:
    judge = PauseJudge(DEFAULTS, ENDPOINT, FakeVoice(0.95))  # type: ignore[arg-type]
    ended = walk(judge, 2.0, "How far away is the moon?", 2.0)
    assert ended is not None
    assert DEFAULTS.question_pause_seconds <= ended < DEFAULTS.short_pause_seconds
    unsure = PauseJudge(DEFAULTS, ENDPOINT, FakeVoice(0.8))  # type: ignore[arg-type]
    ended = walk(unsure, 2.0, "How far away is the moon?", 2.0)
    assert ended is not None
    assert DEFAULTS.short_pause_seconds <= ended < DEFAULTS.fallback_pause_seconds
    bare = PauseJudge(DEFAULTS, ENDPOINT, FakeVoice(0.98))  # type: ignore[arg-type]
    ended = walk(bare, 2.0, "What is the capital?", 2.0)
    assert ended is not None and ended >= DEFAULTS.fallback_pause_seconds


def test_the_question_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="question_probability"):
        TurnEndConfig(question_probability=0.4)
    with pytest.raises(ValidationError, match="question_pause_seconds <= fallback"):
        TurnEndConfig(question_pause_seconds=0.8)
    with pytest.raises(ValidationError, match="voice_after_seconds"):
        TurnEndConfig(question_pause_seconds=0.15)
