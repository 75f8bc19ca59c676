"""Questions voiced asks before it acts ("Unlock the front door?", "Did you mean: ...?")
and the answer heard next without the wake word, on fake engines."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.fakes import (
    FakeEngines,
    FakeRecognizer,
    Said,
    ScriptedSource,
    Wait,
    answer,
    command,
    fake_config,
    fake_pipeline,
    run,
    silence,
)
from tests.helpers import saved_devices
from voiced.asr.heard_check import NOT_CAUGHT
from voiced.config import Config
from voiced.turn.intent import NOT_CONFIRMED

FRONT_DOOR = {"id": "front_door", "name": "front door", "area": "hallway", "kind": "lock"}


def with_a_lock(tmp_path: Path, **sections: object) -> Config:
    devices = [device.model_dump() for device in fake_config(tmp_path).devices]
    return fake_config(tmp_path, devices=[*devices, FRONT_DOOR], **sections)


def test_an_unlock_is_asked_about_and_done_on_a_yes(tmp_path: Path) -> None:
    config = with_a_lock(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer(["Unlock the front door.", "Yes."]))

    asked, answered = run(config, engines, [*command(), *answer()])

    assert asked.confirmation == "asked" and asked.response == "Unlock the front door?"
    assert answered.confirmation == "confirmed"
    assert answered.response == "Unlocked the front door."
    assert answered.wake_at_s > asked.speech_end_at_s  # heard without a wake word
    assert saved_devices(config.state_file.path)["front_door"]["on"] is False


def test_anything_but_yes_leaves_it_locked(tmp_path: Path) -> None:
    config = with_a_lock(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer(["Unlock the front door.", "No, wait."]))

    _asked, answered = run(config, engines, [*command(), *answer()])

    assert answered.confirmation == "declined"
    assert answered.response == NOT_CONFIRMED
    assert saved_devices(config.state_file.path) == {}


def test_a_new_wake_word_instead_of_an_answer_is_a_new_command(tmp_path: Path) -> None:
    config = with_a_lock(tmp_path)
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Unlock the front door.", "Hey Jarvis, what time is it?"])
    )

    _asked, new = run(config, engines, [*command(), *answer()])

    assert new.confirmation is None
    assert new.intent is not None and new.intent["name"] == "HassGetCurrentTime"
    assert saved_devices(config.state_file.path) == {}


def test_no_answer_in_time_does_nothing(tmp_path: Path) -> None:
    config = with_a_lock(tmp_path, confirm={"timeout_seconds": 1.0})
    engines = FakeEngines(recognizer=FakeRecognizer(["Unlock the front door.", "Yes."]))

    [asked] = run(config, engines, [*command(), *silence(1.5), *answer()])

    assert asked.confirmation == "asked"
    assert saved_devices(config.state_file.path) == {}


@pytest.mark.parametrize(
    "heard, question, said",
    [
        ("Set a timer for 1:30.", "1 hour 30, or 1 minute 30?", "1 minute and 30 seconds"),
        ("Set a timer for 1.30.", "1 hour 30, or 1 minute 30?", "1 minute and 30 seconds"),
    ],
)
def test_a_timer_said_as_a_clock_is_asked_about_and_started_by_the_answer(
    tmp_path: Path, heard: str, question: str, said: str
) -> None:
    """Whisper writes "one thirty" as "1:30", "one fifteen" as "1.15": which is meant is
    asked, and the answer, heard without the wake word, starts that timer."""
    config = fake_config(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer([heard, "One minute."]))

    asked, answered = run(config, engines, [*command(), *answer()])

    assert asked.confirmation == "asked" and asked.response == question
    assert answered.confirmation == "confirmed"
    assert answered.response == f"Timer set for {said}."
    assert answered.wake_at_s > asked.speech_end_at_s  # heard without a wake word
    saved = json.loads(config.state_file.timers_file.read_text())["timers"]
    assert [timer["description"] for timer in saved] == [said]


def test_a_decimal_without_its_unit_is_asked_about_and_started_by_the_answer(
    tmp_path: Path,
) -> None:
    """ "One point five" is 1.5 hours or 1.5 minutes: asked, never read as a clock ("1
    hour 5"), and the answer naming one starts it."""
    config = fake_config(tmp_path)
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Set a timer for 1.5.", "An hour and a half."])
    )

    asked, answered = run(config, engines, [*command(), *answer()])

    assert asked.confirmation == "asked" and asked.response == "1.5 hours, or 1.5 minutes?"
    assert answered.confirmation == "confirmed"
    assert answered.response == "Timer set for 1 hour and 30 minutes."
    saved = json.loads(config.state_file.timers_file.read_text())["timers"]
    assert [timer["description"] for timer in saved] == ["1 hour and 30 minutes"]


def test_time_added_as_a_clock_is_asked_about_and_added_by_the_answer(
    tmp_path: Path,
) -> None:
    """ "Add one thirty to the timer", as Whisper writes it, reached the model: which is
    meant is asked, and the answer, heard without the wake word, adds that."""
    config = fake_config(tmp_path)
    heard = ["Set a timer for 5 minutes.", "Add 1:30 to the timer.", "One minute."]
    engines = FakeEngines(recognizer=FakeRecognizer(heard))

    _set, asked, answered = run(config, engines, [*command(), *command(), *answer()])

    assert asked.confirmation == "asked" and asked.response == "1 hour 30, or 1 minute 30?"
    assert answered.confirmation == "confirmed"
    assert answered.response.startswith(
        "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes"
    )
    assert answered.wake_at_s > asked.speech_end_at_s  # heard without a wake word
    [saved] = json.loads(config.state_file.timers_file.read_text())["timers"]
    assert saved["description"] == "5 minutes"
    assert saved["ends_at"] - time.time() == pytest.approx(390, abs=30)


def test_a_command_heard_otherwise_without_the_bias_is_asked_about(tmp_path: Path) -> None:
    config = fake_config(tmp_path)
    heard = Said("Turn on the kitchen light.", unbiased="Turn off the bedroom lamp.")
    engines = FakeEngines(recognizer=FakeRecognizer([heard, "Yes."]))

    asked, answered = run(config, engines, [*command(), *answer()])

    assert asked.heard_check is not None and asked.heard_check["decision"] == "ask"
    assert asked.response == "Did you mean: turn on the kitchen light?"
    assert answered.confirmation == "confirmed"
    assert answered.response == "Turned on the kitchen light."
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


def test_a_did_you_mean_is_confirmed_by_a_yes_that_restates_it(tmp_path: Path) -> None:
    config = fake_config(tmp_path)
    heard = Said("Turn on the kitchen light.", unbiased="Turn off the bedroom lamp.")
    reply = "Yes, turn on the kitchen light."
    engines = FakeEngines(recognizer=FakeRecognizer([heard, reply]))

    asked, answered = run(config, engines, [*command(), *answer()])

    assert asked.response == "Did you mean: turn on the kitchen light?"
    assert answered.confirmation == "confirmed"
    assert answered.response == "Turned on the kitchen light."
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


def test_a_command_heard_as_nothing_without_the_bias_is_not_done(tmp_path: Path) -> None:
    config = fake_config(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer([Said("Turn on the kitchen light.", "")]))

    [turn] = run(config, engines, command())

    assert turn.heard_check is not None and turn.heard_check["decision"] == "not_caught"
    assert turn.response == NOT_CAUGHT
    assert saved_devices(config.state_file.path) == {}


def test_a_question_asked_while_listening_resumes_is_answered(tmp_path: Path) -> None:
    """Fed as a microphone feeds it: the turn thread asks while the listening thread
    listens for a barge-in; once the turn is over, the answer is heard without the wake
    word."""
    config = with_a_lock(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer(["Unlock the front door.", "Yes."]))
    answered = threading.Event()
    with fake_pipeline(config, engines) as pipeline:
        inner = pipeline.loop.answer

        def answering(*args):  # type: ignore[no-untyped-def]
            report = inner(*args)
            answered.set()
            return report

        pipeline.loop.answer = answering
        script = [*command(), Wait(answered), *silence(0.4), *answer(), *silence(0.5)]
        asked, confirmed = pipeline.run(ScriptedSource(script, waits_for_replies=False))

    assert asked.confirmation == "asked"
    assert confirmed.confirmation == "confirmed"
    assert confirmed.response == "Unlocked the front door."
    assert saved_devices(config.state_file.path)["front_door"]["on"] is False


def test_what_did_you_say_repeats_the_question_which_still_waits(tmp_path: Path) -> None:
    """Asked without the wake word, as an answer would be: the question is said again,
    and the yes after it still unlocks the door."""
    config = with_a_lock(tmp_path)
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Unlock the front door.", "What did you say?", "Yes."])
    )

    asked, again, answered = run(config, engines, [*command(), *answer(), *answer()])

    assert asked.response == again.response == "Unlock the front door?"
    assert again.intent == {"name": "RepeatLast", "slots": {}}
    assert again.confirmation is None  # the repeat is no answer: nothing done on it
    assert answered.confirmation == "confirmed"
    assert saved_devices(config.state_file.path)["front_door"]["on"] is False


def test_repeat_that_says_the_last_reply_again(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(
            ["Repeat that.", "Turn on the kitchen light.", "Hey Jarvis, say that again."]
        )
    )

    first, switched, again = run(fake_config(tmp_path), engines, [*command()] * 3)

    assert first.response == "I haven't said anything yet."
    assert again.response == switched.response == "Turned on the kitchen light."
    assert again.answered_by == "intent" and again.intent["name"] == "RepeatLast"
