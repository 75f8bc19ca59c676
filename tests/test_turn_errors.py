"""A turn always ends cleanly: whatever fails is apologised for and reported, and the
next command is answered. On fake engines."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.fakes import (
    PLAIN_ENDPOINT,
    FakeEngines,
    FakeLlm,
    FakeRecognizer,
    FakeSink,
    FakeTts,
    command,
    fake_config,
    fake_pipeline,
    intent_engine,
    run,
)
from voiced.pipeline import Pipeline
from voiced.replay import typed_command
from voiced.turn.router import APOLOGY


def test_a_failing_model_is_apologised_for(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?", "What time is it?"]),
        llm=FakeLlm(fail=RuntimeError("out of memory")),
    )

    failed, next_one = run(
        fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, [*command(), *command()]
    )

    assert failed.response == APOLOGY
    assert failed.error == "generation failed: out of memory"
    assert next_one.error is None and next_one.answered_by == "intent"


def test_a_failure_in_an_answer_begun_in_the_silence_is_apologised_for(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?"]),
        llm=FakeLlm(fail=RuntimeError("out of memory")),
    )

    [failed] = run(fake_config(tmp_path), engines, command())

    assert failed.speculation == "used"
    assert failed.response == APOLOGY
    assert failed.error == "generation failed: out of memory"


def test_an_unexpected_error_is_apologised_for_too(tmp_path: Path) -> None:
    """Not only a stage's own error: anything raised in a turn ends it cleanly."""

    def broken(user: str) -> list[str]:
        raise KeyError(user)

    engines = FakeEngines(llm=FakeLlm(broken))
    with fake_pipeline(fake_config(tmp_path), engines) as pipeline:
        turn = pipeline.answer(typed_command("Why is the sky blue?", "hey_jarvis"))

    assert turn.response == APOLOGY
    assert turn.error == "'Why is the sky blue?'"
    assert turn.answered_by == "llm"


def test_a_failing_voice_is_reported(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Turn on the kitchen light."]),
        tts=FakeTts(fail_on="Turned on the kitchen light."),
    )

    [turn] = run(fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, command())

    assert turn.error == "fake voice failed on 'Turned on the kitchen light.'"
    assert turn.reply_audio_seconds == 0
    assert turn.answered_by == "intent"


def test_a_pipeline_that_fails_to_build_leaves_no_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The speaker's threads start first; a part failing after them must stop them."""
    config = fake_config(tmp_path)
    intents = intent_engine(config, lambda text: None)
    before = set(threading.enumerate())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the listener cannot be built")

    monkeypatch.setattr("voiced.pipeline.Listener", broken)
    with pytest.raises(RuntimeError, match="cannot be built"):
        Pipeline(config, FakeEngines(), FakeSink(), intents=intents)

    deadline = time.monotonic() + 5
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not set(threading.enumerate()) - before
