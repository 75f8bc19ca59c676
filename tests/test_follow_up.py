"""Follow-ups without the wake word: the window after an answer, and what in it is a turn.
The rules with numbers first, then recordings through the real models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import recording, repeatable_config, words
from voiced.config import Config
from voiced.follow_up import ConversationConfig, FollowUp, asks_a_question
from voiced.models import Models
from voiced.replay import replay
from voiced.report import TurnReport
from voiced.sources import WavFileSource


@dataclass
class Heard:
    transcript: str = ""
    avg_log_prob: float | None = -0.1
    no_speech_prob: float | None = 0.01


def answered(follow_up: FollowUp, response: str, by: str = "llm", **fields: Any) -> None:
    report = TurnReport("hey_jarvis", 1.0, answered_by=by, response=response)
    for name, value in fields.items():
        setattr(report, name, value)
    follow_up.answered(report)


def heard(follow_up: FollowUp, text: str, decoding: Heard | None = None) -> bool:
    report = TurnReport("hey_jarvis", 0.0, transcript=text)
    accepted = follow_up.accepts(report, [decoding or Heard(text)])
    assert report.follow_up
    assert follow_up.ignored(report) is not accepted
    return accepted


def test_an_answer_of_the_llm_opens_the_window_by_default() -> None:
    follow_up = FollowUp(ConversationConfig())
    answered(follow_up, "The Nile is the longest river in Africa.")
    assert follow_up.window_seconds() == 5.0
    assert follow_up.window_seconds() is None  # once


def test_a_question_always_opens_it_other_replies_only_if_configured() -> None:
    follow_up = FollowUp(ConversationConfig(follow_up_after_answers=False))
    answered(follow_up, "The Nile.")
    assert follow_up.window_seconds() is None
    answered(follow_up, "Would you like to hear more about it?")
    assert follow_up.window_seconds() == 5.0
    answered(follow_up, "Turn the kitchen light on or off?", by="intent")
    assert follow_up.window_seconds() == 5.0


@pytest.mark.parametrize(
    "by, fields",
    [
        ("intent", {}),  # "Turned on the kitchen light."
        ("llm", {"interrupted": True}),  # a new wake word cut it: that command is heard
        ("llm", {"error": "boom"}),
        ("llm", {"response": ""}),
    ],
)
def test_no_window_after_a_command_a_cut_reply_or_a_failure(by: str, fields: Any) -> None:
    follow_up = FollowUp(ConversationConfig())
    answered(follow_up, fields.pop("response", "Done."), by=by, **fields)
    assert follow_up.window_seconds() is None


def test_follow_ups_can_be_switched_off() -> None:
    follow_up = FollowUp(ConversationConfig(follow_up_seconds=0))
    answered(follow_up, "Shall I go on?")
    assert follow_up.window_seconds() is None


def test_only_confident_speech_of_more_than_a_word_is_a_follow_up() -> None:
    follow_up = FollowUp(ConversationConfig())
    answered(follow_up, "The Nile.")
    assert heard(follow_up, "And how long is it?")
    assert not heard(follow_up, "Okay.")
    assert not heard(follow_up, "")
    assert not heard(follow_up, "...")
    assert not heard(follow_up, "And how long is it?", Heard(avg_log_prob=-1.4))
    assert not heard(follow_up, "And how long is it?", Heard(no_speech_prob=0.8))
    # Vosk gives no confidence: the other rules still apply.
    assert heard(follow_up, "And how long is it?", Heard(avg_log_prob=None, no_speech_prob=None))


def test_one_word_answers_a_question() -> None:
    follow_up = FollowUp(ConversationConfig())
    answered(follow_up, "Would you like another one?")
    assert heard(follow_up, "Yes.")


def test_questions_are_told_by_their_mark() -> None:
    assert asks_a_question("Is that all?")
    assert asks_a_question('He said "why?"')
    assert not asks_a_question("That is all.")


# Through the real models: recordings with no second wake word.


def run(config: Config, models: Models, *names: str) -> list[dict[str, Any]]:
    models.llm.conversation.exchanges.clear()
    source = WavFileSource([recording(name) for name in names])
    return list(replay(config, models, source)["turns"])


@pytest.mark.slow
def test_a_second_question_without_the_wake_word_is_answered_in_context(
    config: Config, models: Models
) -> None:
    first, second = run(config, models, "follow-up-river")
    assert "africa" in words(first["transcript"]) and not first["follow_up"]
    assert second["follow_up"]
    assert words(second["transcript"]) >= {"how", "long", "is", "it"}
    assert second["answered_by"] == "llm" and second["response"]
    # "it" is the Nile: the first exchange was in the prompt of the second.
    users = [exchange.user for exchange in models.llm.conversation.exchanges]
    assert users == [first["transcript"], second["transcript"]]
    assert second["llm_prompt_tokens"] > first["llm_prompt_tokens"] + first["llm_completion_tokens"]
    assert "nile" in words(second["response"]), second["response"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["follow-up-noise", "follow-up-word"])
def test_noise_or_a_word_after_an_answer_starts_no_turn(
    config: Config, models: Models, name: str
) -> None:
    [turn] = run(config, models, name)
    assert "france" in words(turn["transcript"])


@pytest.mark.slow
def test_without_the_window_the_second_question_is_not_heard(
    models: Models, config: Config
) -> None:
    off = repeatable_config(state_file=config.state_file, conversation={"follow_up_seconds": 0})
    [turn] = run(off, models, "follow-up-river")
    assert "africa" in words(turn["transcript"])


def test_speech_turned_down_is_known_as_such_until_ignored() -> None:
    """The router shows no report of speech not meant for voiced (Home Assistant's "last
    heard"): `rejected` says so without consuming it; `ignored` consumes it."""
    follow_up = FollowUp(ConversationConfig())
    answered(follow_up, "The Nile.")
    report = TurnReport("hey_jarvis", 0.0, transcript="Okay.")
    assert not follow_up.accepts(report, [Heard("Okay.")])
    assert follow_up.rejected(report) and follow_up.rejected(report)
    assert follow_up.ignored(report)
    assert not follow_up.rejected(report)


def test_only_the_report_turned_down_is_taken_for_it() -> None:
    """A later report with the same fields is another turn, never ignored in its place."""
    follow_up = FollowUp(ConversationConfig())
    answered(follow_up, "The Nile.")
    report = TurnReport("hey_jarvis", 0.0, transcript="Okay.")
    assert not follow_up.accepts(report, [Heard("Okay.")])
    twin = TurnReport("hey_jarvis", 0.0, transcript="Okay.")
    assert not follow_up.rejected(twin) and not follow_up.ignored(twin)
    assert follow_up.ignored(report)
