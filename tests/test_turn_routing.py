"""Who answers a command, and what its report says: the turn on fake engines, in
milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import (
    PLAIN_ENDPOINT,
    FakeEngines,
    FakeLlm,
    FakeRecognizer,
    FakeTts,
    ScriptedSource,
    command,
    fake_config,
    fake_pipeline,
    run,
)
from tests.helpers import saved_devices
from voiced.config import Config
from voiced.report import TurnReport
from voiced.turn.llm import NO_ANSWER, REFUSED


def plain_config(tmp_path: Path) -> Config:
    return fake_config(tmp_path, endpoint=PLAIN_ENDPOINT)


def test_a_command_is_answered_by_its_intent_without_the_llm(tmp_path: Path) -> None:
    config = plain_config(tmp_path)
    engines = FakeEngines(recognizer=FakeRecognizer(["Hey Jarvis, turn on the kitchen light."]))

    [turn] = run(config, engines, command())

    assert turn.transcript == "Turn on the kitchen light."  # the wake phrase dropped
    assert turn.answered_by == "intent"
    assert turn.intent == {"name": "HassTurnOn", "slots": {"name": "kitchen_light"}}
    assert turn.response == "Turned on the kitchen light."
    assert turn.heard_check is not None and turn.heard_check["decision"] == "act"
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True
    assert engines.llm.asked == []
    assert turn.reply_audio_seconds == 0.1
    assert turn.error is None and turn.speculation is None


def test_a_question_is_answered_by_the_llm_sentence_by_sentence(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["What is the capital of France?"]),
        llm=FakeLlm(["Paris is ", "the capital. ", "It is **big**."]),
    )

    [turn] = run(plain_config(tmp_path), engines, command())

    assert turn.answered_by == "llm"
    assert engines.llm.asked == [("What is the capital of France?", False)]
    # Spoken as two sentences, without the markdown.
    assert [text for text, _cached in engines.tts.synthesized] == [
        "Paris is the capital.",
        "It is big.",
    ]
    assert turn.response == "Paris is the capital. It is big."
    assert turn.llm_reply == "Paris is the capital. It is **big**."
    assert turn.llm_finish_reason == "stop"
    assert turn.llm_completion_tokens == 3
    assert turn.reply_audio_seconds == 0.2


@pytest.mark.parametrize(
    ("last", "said"),
    [
        # Cut by the token cap just after a sentence's full stop: it is whole, and said.
        (".", ["Paris is the capital.", "It is in France."]),
        # Cut inside it: left unsaid.
        (" and", ["Paris is the capital."]),
    ],
)
@pytest.mark.parametrize("finish", ["length", "timeout"])
def test_an_answer_cut_short_says_and_keeps_only_its_whole_sentences(
    tmp_path: Path, finish: str, last: str, said: list[str]
) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["What is the capital of France?"]),
        llm=FakeLlm(["Paris is the capital. ", "It is in France", last], finish=finish),
    )

    [turn] = run(plain_config(tmp_path), engines, command())

    assert [text for text, _cached in engines.tts.synthesized] == said
    assert turn.llm_finish_reason == finish
    # The history keeps what was said, not what the model wrote after it.
    assert engines.llm.said == [" ".join(said)]


def test_an_answer_the_voice_failed_to_say_whole_is_kept_as_far_as_heard(
    tmp_path: Path,
) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me about Mars"]),
        llm=FakeLlm(["Mars is red. ", "It is cold. ", "It has two moons."]),
        tts=FakeTts(fail_on="It is cold."),
    )

    [turn] = run(plain_config(tmp_path), engines, command())

    assert turn.llm_finish_reason == "stop"
    assert engines.llm.said == ["Mars is red."]


def test_a_whole_answer_is_kept_by_the_engine_itself(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["What is the capital of France?"]),
        llm=FakeLlm(["Paris is the capital."]),
    )

    run(plain_config(tmp_path), engines, command())

    assert engines.llm.remembered == []


def test_a_tool_call_of_the_llm_is_carried_out_as_a_command(tmp_path: Path) -> None:
    config = plain_config(tmp_path)
    call = '<tool_call>{"name": "HassTurnOn", "arguments": {"name": "kitchen_light"}}'
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Could you make it bright in the kitchen"]),
        llm=FakeLlm([" <", "tool", call[5:20], call[20:], "</tool_call>"]),
    )

    [turn] = run(config, engines, command())

    assert turn.answered_by == "llm"
    assert turn.intent == {"name": "HassTurnOn", "slots": {"name": "kitchen_light"}}
    assert turn.response == "Turned on the kitchen light."  # the call itself is never said
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


def test_a_tool_call_outside_the_allowed_is_refused(tmp_path: Path) -> None:
    config = plain_config(tmp_path)
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Open everything"]),
        llm=FakeLlm(['<tool_call>{"name": "HassTurnOn", "arguments": {"name": "oven"}}']),
    )

    [turn] = run(config, engines, command())

    assert turn.response == REFUSED
    assert saved_devices(config.state_file.path) == {}


def test_an_empty_answer_says_so(tmp_path: Path) -> None:
    engines = FakeEngines(recognizer=FakeRecognizer(["Tell me"]), llm=FakeLlm([" "]))

    [turn] = run(plain_config(tmp_path), engines, command())

    assert turn.response == NO_ANSWER


def test_nothing_heard_is_not_answered(tmp_path: Path) -> None:
    engines = FakeEngines(recognizer=FakeRecognizer([""]))

    [turn] = run(plain_config(tmp_path), engines, command())

    assert turn.answered_by is None and turn.response == ""
    assert engines.tts.synthesized == [] and engines.llm.asked == []


def test_the_reports_stages_come_in_the_order_they_happen(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Turn on the kitchen light.", "Why is the sky blue?"]),
        llm=FakeLlm(["Because of the air. ", "Mostly."]),
        tts=FakeTts(seconds_per_sentence=0.05),
    )

    intent, llm = run(plain_config(tmp_path), engines, [*command(), *command()])

    assert list(intent.timings) == [
        "endpoint_wait_s",
        "asr_final_s",
        "heard_check_s",
        "intent_done_s",
        "first_sentence_s",
        "tts_first_audio_s",
        "reply_done_s",
    ]
    assert list(llm.timings) == [
        "endpoint_wait_s",
        "asr_final_s",
        "first_sentence_s",
        "llm_first_token_s",
        "llm_done_s",
        "tts_first_audio_s",
        "reply_done_s",
    ]
    for turn in (intent, llm):
        at = turn.timings
        assert all(seconds is not None and seconds >= 0 for seconds in at.values()), at
        assert at["asr_final_s"] <= at["first_sentence_s"] <= at["tts_first_audio_s"], at
        assert at["tts_first_audio_s"] <= at["reply_done_s"], at
        assert turn.latency_s is not None and turn.after_endpoint_s is not None


def test_each_turn_s_report_is_told_as_it_ends(tmp_path: Path) -> None:
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?", "Tell me a joke"]))
    told: list[TurnReport] = []
    with fake_pipeline(plain_config(tmp_path), engines) as pipeline:
        pipeline.on_turn_done = told.append
        reports = pipeline.run(ScriptedSource([*command(), *command()]))

    assert told == reports and len(told) == 2


def test_a_sentence_reading_out_the_instructions_is_not_said(tmp_path: Path) -> None:
    """What the default model answered "What time is it in the kitchen?" with."""
    engines = FakeEngines(
        recognizer=FakeRecognizer(["What time is it in the kitchen?"]),
        llm=FakeLlm([
            "I cannot. ",
            "I do not know the weather, the news, the time or anything else that is "
            "happening now. ",
            "When asked to do or check such a thing, say that you cannot.",
        ]),
    )  # fmt: skip

    [turn] = run(plain_config(tmp_path), engines, command())

    assert [text for text, _cached in engines.tts.synthesized] == ["I cannot."]
    assert turn.response == "I cannot."
    # Kept in the history as it was heard, so that the model does not learn to say it.
    assert engines.llm.said == ["I cannot."]


def test_an_answer_that_only_reads_out_the_instructions_is_no_answer(tmp_path: Path) -> None:
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Who are you?"]),
        llm=FakeLlm(["Answer in one to three short sentences of plain spoken English."]),
    )

    [turn] = run(plain_config(tmp_path), engines, command())

    assert turn.response == NO_ANSWER
