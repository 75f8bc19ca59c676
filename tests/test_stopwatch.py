"""The stopwatch (voiced/intents/stopwatch.py): started, read, stopped, on a clock the
test moves."""

from __future__ import annotations

import pytest

from tests.fakes import bare_context, spoken
from voiced.config import Config
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.intents.stopwatch import Stopwatch, plugin


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


def test_a_stopwatch_is_started_read_and_stopped(matcher: IntentMatcher) -> None:
    clock = Clock()
    handlers = plugin(Stopwatch(clock)).handlers
    context = bare_context()

    def say(text: str, intent: str) -> str:
        match = matcher.match(text)
        assert match is not None and match.name == intent, (text, match)
        return spoken(handlers[intent], match, context)

    assert say("What's the stopwatch at?", "StopwatchRead") == (
        "The stopwatch isn't running. Say start the stopwatch."
    )
    assert say("Stop the stopwatch.", "StopwatchStop") == "The stopwatch isn't running."
    assert say("Start a stopwatch.", "StopwatchStart") == "Stopwatch started."
    clock.now += 65.7
    assert say("How long has the stopwatch been running?", "StopwatchRead") == (
        "The stopwatch is at 1 minute and 5 seconds."
    )
    assert say("Stop the stopwatch.", "StopwatchStop") == "Stopped at 1 minute and 5 seconds."
    clock.now += 30
    assert say("Check the stopwatch.", "StopwatchRead") == (
        "The stopwatch stopped at 1 minute and 5 seconds."
    )
    assert say("Start the stopwatch.", "StopwatchStart") == "Stopwatch started."
    clock.now += 3
    assert say("Reset the stopwatch.", "StopwatchStart") == "Stopwatch started again."
    clock.now += 2
    assert say("What's on the stopwatch?", "StopwatchRead") == "The stopwatch is at 2 seconds."


@pytest.mark.parametrize("text", ["Stop.", "Start the timer.", "What is a stopwatch?"])
def test_other_words_are_no_stopwatch(matcher: IntentMatcher, text: str) -> None:
    match = matcher.match(text)
    assert match is None or not match.name.startswith("Stopwatch"), match
