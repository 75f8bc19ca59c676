"""Announcements (a timer ending, an MQTT say) are spoken between turns: after the reply
in progress, never inside it; the wake word cuts one being spoken. Fake engines, fed as
a microphone feeds them."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.fakes import (
    PLAIN_ENDPOINT,
    WAIT_SECONDS,
    Do,
    FakeEngines,
    FakeLlm,
    FakeRecognizer,
    FakeTts,
    PacedFakeSink,
    ScriptedSource,
    Wait,
    command,
    fake_config,
    fake_pipeline,
    silence,
)
from voiced.pipeline import Pipeline

ANNOUNCEMENT = "Your timer for 5 minutes is done."
STORY = ["Once upon a time. "] * 200


def announcing(pipeline: Pipeline, text: str, started: list[threading.Thread]) -> Do:
    """In a script: the timers thread announces `text` there."""

    def begin() -> None:
        thread = threading.Thread(target=pipeline.announce, args=(text,), daemon=True)
        started.append(thread)
        thread.start()

    return Do(begin)


def spoken(engines: FakeEngines) -> list[str]:
    return [text for text, _cached in engines.tts.synthesized]


def test_an_announcement_during_an_answer_is_spoken_after_it(tmp_path: Path) -> None:
    sink = PacedFakeSink()
    answer = ["Paris is the capital of France. ", "It has two million people. ", "It is old."]
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me about Paris"]),
        llm=FakeLlm(answer, seconds_per_piece=0.2),
    )
    threads: list[threading.Thread] = []
    with fake_pipeline(fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, sink) as pipeline:
        script = [
            *command(),
            Wait(sink.played),
            announcing(pipeline, ANNOUNCEMENT, threads),
            *silence(2.0),
        ]
        [paris] = pipeline.run(ScriptedSource(script, waits_for_replies=False))
        threads[0].join(WAIT_SECONDS)

    assert not paris.interrupted
    assert spoken(engines) == [*(sentence.strip() for sentence in answer), ANNOUNCEMENT]


def test_the_wake_word_cuts_an_announcement(tmp_path: Path) -> None:
    sink = PacedFakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["What time is it?"]), tts=FakeTts(seconds_per_sentence=1.0)
    )
    threads: list[threading.Thread] = []
    long_announcement = " ".join([ANNOUNCEMENT] * 5)
    with fake_pipeline(fake_config(tmp_path), engines, sink) as pipeline:
        script = [
            *silence(0.2),
            announcing(pipeline, long_announcement, threads),
            Wait(sink.played),
            *command(),
            *silence(0.5),
        ]
        [time_now] = pipeline.run(ScriptedSource(script, waits_for_replies=False))
        threads[0].join(WAIT_SECONDS)
        assert not threads[0].is_alive()

    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"
    assert not time_now.interrupted and time_now.reply_audio_seconds > 0
    # The announcement (5 s) was cut as the wake word came, at its first sentence.
    announced_seconds = sink.samples / FakeTts.sample_rate - time_now.reply_audio_seconds
    assert 0 < announced_seconds < 1.0


def test_an_announcement_waiting_for_a_cut_answer_waits_for_the_next_too(
    tmp_path: Path,
) -> None:
    """A barge-in cuts the answer the announcement waited for: the announcement is not
    spoken over the command being heard, but after its answer."""
    sink = PacedFakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me a long story", "What time is it?"]),
        llm=FakeLlm(STORY, seconds_per_piece=0.05),
    )
    threads: list[threading.Thread] = []
    with fake_pipeline(fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, sink) as pipeline:
        script = [
            *command(),
            Wait(sink.played),
            announcing(pipeline, ANNOUNCEMENT, threads),
            *silence(0.8),  # the wake word's refractory period
            *command(),
            *silence(1.0),
        ]
        story, time_now = pipeline.run(ScriptedSource(script, waits_for_replies=False))
        threads[0].join(WAIT_SECONDS)

    assert story.interrupted
    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"
    said = spoken(engines)
    assert said[-1] == ANNOUNCEMENT and said.count(ANNOUNCEMENT) == 1
    assert time_now.response is not None and said[-2] == time_now.response


def test_the_pipeline_is_not_idle_while_it_announces(tmp_path: Path) -> None:
    """A reload waits for an idle pipeline: closing the speaker would drop the rest."""
    sink = PacedFakeSink()
    engines = FakeEngines(tts=FakeTts(seconds_per_sentence=1.0))
    with fake_pipeline(fake_config(tmp_path), engines, sink) as pipeline:
        assert pipeline.idle
        speaking = threading.Thread(target=pipeline.announce, args=(ANNOUNCEMENT,))
        speaking.start()
        assert sink.played.wait(WAIT_SECONDS)
        assert not pipeline.idle
        speaking.join(WAIT_SECONDS)
        assert pipeline.idle


def test_what_did_you_say_after_an_announcement_repeats_it(tmp_path: Path) -> None:
    engines = FakeEngines(recognizer=FakeRecognizer(["What did you say?"]))
    with fake_pipeline(fake_config(tmp_path), engines) as pipeline:
        pipeline.announce(ANNOUNCEMENT)
        [again] = pipeline.run(ScriptedSource(command()))

    assert again.intent == {"name": "RepeatLast", "slots": {}}
    assert again.response == ANNOUNCEMENT


def test_what_did_you_say_after_a_dropped_announcement_repeats_what_was_said(
    tmp_path: Path,
) -> None:
    """A ring no longer wanted when its turn to be said came (the timer was stopped) was
    never said: "what did you say?" is not answered with it."""
    engines = FakeEngines(recognizer=FakeRecognizer(["What did you say?"] * 2))
    with fake_pipeline(fake_config(tmp_path), engines) as pipeline:
        pipeline.announce(ANNOUNCEMENT)
        pipeline.announce("Your timer for 7 minutes is done.", wanted=lambda: False)
        [again] = pipeline.run(ScriptedSource(command()))

    assert again.response == ANNOUNCEMENT
