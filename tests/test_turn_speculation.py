"""Speculation at a pause, on fake engines: the guess adopted at the endpoint, discarded
when speech goes on, and a complete command ended early."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import (
    FakeDecoder,
    FakeEngines,
    FakeLlm,
    FakeRecognizer,
    FakeSink,
    FakeTts,
    Wait,
    command,
    fake_config,
    run,
    silence,
    speech,
    wake,
)
from tests.helpers import saved_devices
from tests.test_turn_end import FakeVoice, progress, speculation_on
from voiced.config import EndpointConfig
from voiced.pause_judge import PauseJudge
from voiced.turn_end import TurnEndConfig


def test_a_question_s_answer_begun_in_the_silence_is_adopted(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?"]),
        llm=FakeLlm(["Because ", "of the air."]),
    )

    # With the fixed silence (no end-of-turn judgement), a question waits it out whole.
    config = fake_config(tmp_path, turn_end={"enabled": False})
    [turn] = run(config, engines, command())

    assert turn.speculation == "used"
    assert turn.answered_by == "llm"
    assert turn.response == "Because of the air."
    # Asked once, speculatively, and kept in the history once adopted.
    assert engines.llm.asked == [("Why is the sky blue?", True)]
    assert engines.llm.remembered == engines.llm.generations
    assert not turn.ended_early
    assert turn.speculations_discarded == 0


def test_speech_after_the_pause_discards_the_answer_begun(tmp_path: Path) -> None:
    sink = FakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?"]),
        llm=FakeLlm(["Because of the air."]),
        tts=FakeTts(seconds_per_sentence=0.25),
    )
    script = [*wake(), *speech(0.5), *silence(0.32), *speech(0.4), *silence(1.0)]

    [turn] = run(fake_config(tmp_path), engines, script, sink=sink)

    assert turn.speculations_discarded == 1
    assert turn.speculation == "used"
    first, adopted = engines.llm.generations
    assert engines.llm.remembered == [adopted]  # the discarded answer never joins the history
    # Only the adopted answer was heard.
    assert turn.reply_audio_seconds == 0.25
    assert sink.samples == round(0.25 * engines.tts.sample_rate)
    assert first.speculative and adopted.speculative


def test_a_complete_command_ends_its_turn_early_and_acts_once(tmp_path: Path) -> None:
    config = fake_config(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer(["Turn on the kitchen light."]))

    [turn] = run(config, engines, command(then_silence=1.0))

    assert turn.ended_early
    assert turn.speculation == "used"
    assert turn.answered_by == "intent"
    assert turn.heard_check is not None and turn.heard_check["decision"] == "act"
    # Its words were synthesised ahead, into the cache, and said from it.
    assert engines.tts.synthesized[0] == ("Turned on the kitchen light.", True)
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True
    assert engines.llm.asked == []


def test_a_command_that_goes_on_after_a_pause_acts_only_when_whole(tmp_path: Path) -> None:
    config = fake_config(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer(["Turn on the kitchen light."]))
    # A pause long enough to speculate, too short to end early.
    script = [*wake(), *speech(0.5), *silence(0.32), *speech(0.4), *silence(1.0)]

    [turn] = run(config, engines, script)

    assert turn.speculations_discarded == 1
    assert turn.response == "Turned on the kitchen light."
    assert turn.speech_end_at_s > 1.2  # the whole command, not the part before the pause
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


def test_without_speculation_the_endpoint_recognises_the_command(tmp_path: Path) -> None:
    config = fake_config(tmp_path, endpoint={"speculate_after_seconds": 0})
    engines = FakeEngines(recognizer=FakeRecognizer(["Why is the sky blue?"]))

    [turn] = run(config, engines, command())

    assert turn.speculation is None
    assert engines.llm.asked == [("Why is the sky blue?", False)]
    assert engines.llm.remembered == []  # a plain answer is kept by the worker itself


def test_a_complete_question_is_ended_early_by_the_words(tmp_path: Path) -> None:
    """With the end-of-turn judgement and no voice model, a finished question ends the
    turn at the pause where the words say so, and its answer begun there is adopted."""
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?"]),
        llm=FakeLlm(["Because ", "of the air."]),
    )

    [turn] = run(fake_config(tmp_path), engines, command())

    assert turn.ended_early
    assert turn.speculation == "used"
    assert turn.response == "Because of the air."


def test_a_guess_at_a_short_pause_is_discarded_when_speech_goes_on(tmp_path: Path) -> None:
    """Recognition begun 0.1 s into a pause, well before the turn could end there: speech
    resuming discards it, and only the whole command acts, once."""
    config = fake_config(tmp_path, endpoint={"speculate_after_seconds": 0.1})
    engines = FakeEngines(recognizer=FakeRecognizer(["Turn on the kitchen light."]))
    script = [*wake(), *speech(0.5), *silence(0.16), *speech(0.4), *silence(1.0)]

    [turn] = run(config, engines, script)

    assert turn.speculations_discarded == 1
    assert turn.speculation == "used"
    assert turn.speech_end_at_s > 1.0  # the whole command, not the part before the pause
    assert turn.response == "Turned on the kitchen light."
    assert engines.tts.synthesized.count(("Turned on the kitchen light.", True)) >= 1
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


class FinishedVoice:
    """Smart Turn's stand-in: the speaker has finished, at every pause."""

    def probability(self, samples: object) -> float:
        return 0.9


def test_a_whole_command_that_only_reads_ends_at_the_command_pause(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ "What time is it?" changes nothing, so no check decodes it again; with a command
    pause shorter than the short one it is decoded without the bias during the pause all
    the same, for the end of turn."""
    caplog.set_level(logging.INFO, logger="voiced.pause_judge")
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?"]))
    engines.smart_turn = FinishedVoice()  # type: ignore[assignment]
    config = fake_config(tmp_path, turn_end={"command_pause_seconds": 0.32})

    [turn] = run(config, engines, command(then_silence=1.0))

    assert turn.answered_by == "intent" and turn.ended_early
    assert [decoding["biased"] for decoding in turn.decodes] == [True, False]
    assert "(a whole command)" in caplog.text


def test_a_command_that_reads_is_decoded_once_when_nothing_would_use_it(tmp_path: Path) -> None:
    """The command pause no shorter than the short one, and a doubting voice not weighed
    against a clean command: a second decoding would earn nothing."""
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?"]))
    engines.smart_turn = FinishedVoice()  # type: ignore[assignment]
    turn_end = {"command_pause_seconds": 0.4, "clean_command_over_voice": False}

    [turn] = run(fake_config(tmp_path, turn_end=turn_end), engines, command(then_silence=1.0))

    assert turn.answered_by == "intent" and turn.ended_early
    assert [decoding["biased"] for decoding in turn.decodes] == [True]


def test_a_failing_decoding_for_the_end_of_turn_never_fails_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The extra decoding is for the pause alone: when it fails, the time is still told."""

    def fails(_decoder: FakeDecoder) -> str | None:
        raise RuntimeError("the decoder broke")

    monkeypatch.setattr(FakeDecoder, "without_bias", fails)
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?"]))
    engines.smart_turn = FinishedVoice()  # type: ignore[assignment]
    config = fake_config(tmp_path, turn_end={"command_pause_seconds": 0.32})

    [turn] = run(config, engines, command(then_silence=1.0))

    assert turn.answered_by == "intent" and turn.heard_check is None
    assert turn.intent is not None and turn.intent["name"] == "HassGetCurrentTime"
    assert "catch" not in turn.response


def test_words_that_come_between_chunks_end_the_turn_before_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recognition slower than the pause: the words come after the chunk whose silence is
    already long enough to end the turn. They are waited for there, not at the next chunk
    (which here never comes until the reply has played)."""
    gate, sink = threading.Event(), FakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Turn on the kitchen light."], gate=gate),
        smart_turn=FakeVoice(0.95),  # type: ignore[arg-type]  # sure: the command pause
    )
    awaited = PauseJudge.words_awaited

    def words_come_once_awaited(judge: PauseJudge, *args: Any) -> bool:
        # The decoding is let go only once the listening thread is about to wait for it.
        if result := awaited(judge, *args):
            gate.set()
        return result

    monkeypatch.setattr(PauseJudge, "words_awaited", words_come_once_awaited)
    script = [*wake(), *speech(0.5), *silence(0.4), Wait(sink.played), *silence(1.0)]

    [turn] = run(fake_config(tmp_path), engines, script, waits_for_replies=False, sink=sink)

    assert turn.ended_early and turn.answered_by == "intent"


def test_nothing_is_awaited_where_the_words_cannot_end_the_turn() -> None:
    """The listening thread waits only in a pause long enough, for words still coming."""
    judge = PauseJudge(TurnEndConfig(), EndpointConfig(), FakeVoice(0.95))  # type: ignore[arg-type]
    at = progress(2.0, 0.39)
    assert judge.words_awaited(at, speculation_on(at, None))
    assert not judge.words_awaited(at, None)  # speculation off, or none begun
    assert not judge.words_awaited(progress(2.0, 0.3), speculation_on(progress(2.0, 0.3), None))
    earlier = speculation_on(progress(1.5, 0.39), None)  # speech went on after it
    assert not judge.words_awaited(at, earlier)
    came = speculation_on(at, None)
    came.settle_check(None)  # the words and their check are in (fast replay waits for them)
    assert not judge.words_awaited(at, came)
