"""A wake word during a turn cuts it, on fake engines fed as a microphone feeds them (the
source does not wait for replies): the listening thread and the turn thread at once."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from tests.fakes import (
    PLAIN_ENDPOINT,
    Do,
    FakeEngines,
    FakeLlm,
    FakeRecognizer,
    FakeSink,
    FakeTts,
    PacedFakeSink,
    ScriptedSource,
    Wait,
    command,
    fake_config,
    fake_pipeline,
    run,
    silence,
    speech,
    wake,
)
from tests.helpers import saved_devices
from voiced.config import Config
from voiced.listener import HeardCommand
from voiced.report import TurnReport
from voiced.speculation import Taken

STORY = ["Once upon a time. "] * 200
# The wake word fires again only 2 s (wake.refractory_seconds) after it fired.
AFTER_REFRACTORY = silence(0.8)


def test_a_wake_word_during_the_reply_cuts_speech_and_generation(tmp_path: Path) -> None:
    sink = FakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me a long story", "What time is it?"]),
        llm=FakeLlm(STORY, seconds_per_piece=0.01),
    )
    script = [*command(), Wait(sink.played), *AFTER_REFRACTORY, *command(), *silence(0.5)]

    story, time_now = run(
        fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, script, False, sink
    )

    assert story.interrupted
    assert story.llm_finish_reason == "cancelled"
    assert 0 < story.llm_completion_tokens < len(STORY)
    # The history keeps the sentences given to the voice before the cut, no more.
    [said] = engines.llm.said
    assert said and said == " ".join(["Once upon a time."] * said.count("Once"))
    assert said.count("Once") <= story.llm_completion_tokens
    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"
    assert not time_now.interrupted and time_now.reply_audio_seconds > 0


def test_without_barge_in_the_reply_is_spoken_whole(tmp_path: Path) -> None:
    sink = FakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me a story"]),
        # Longer than the rest of the script takes to be fed.
        llm=FakeLlm(["Once. ", "Twice. ", "Thrice."], seconds_per_piece=0.2),
    )
    config = fake_config(tmp_path, endpoint=PLAIN_ENDPOINT, wake={"barge_in": False})
    script = [*command(), Wait(sink.played), *AFTER_REFRACTORY, *command(), *silence(0.5)]

    [story] = run(config, engines, script, False, sink)

    assert not story.interrupted
    assert story.response == "Once. Twice. Thrice."
    assert engines.recognizer.sessions == 1  # the second wake word was not listened for


def cut_as_it_begins(
    config: Config, said: list[str], sink: FakeSink | None = None
) -> tuple[list[TurnReport], bool]:
    """Two commands; the wake word of the second comes while the first one's turn waits
    for its decoding, which ends only once the cut was asked for. Their reports, and
    whether a question was left waiting for an answer."""
    decoded = threading.Event()
    engines = FakeEngines(recognizer=FakeRecognizer(said, decoded))
    started = threading.Event()
    with fake_pipeline(config, engines, sink or FakeSink()) as pipeline:
        answer, cut = pipeline.loop.answer, pipeline.router.current.cut

        def answering(*args):  # type: ignore[no-untyped-def]
            started.set()
            return answer(*args)

        def cutting() -> None:
            cut()
            decoded.set()

        pipeline.loop.answer = answering
        pipeline.router.current.cut = cutting  # type: ignore[method-assign]
        script = [*command(), Wait(started), *AFTER_REFRACTORY, *command(), *silence(0.5)]
        turns = pipeline.run(ScriptedSource(script, waits_for_replies=False))
        return turns, pipeline.router.questions.waiting


def test_a_barge_in_while_the_turn_starts_cuts_it_as_it_begins(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The turn thread waits for the speculation's decoding when the wake word comes:
    the cut is kept, and applied as the turn begins."""
    config = fake_config(tmp_path)
    sink = FakeSink()
    caplog.set_level(logging.INFO, logger="voiced.turn")
    (cut_turn, time_now), _ = cut_as_it_begins(
        config, ["Turn on the kitchen light.", "What time is it?"], sink
    )

    assert "turn 1 cut before it began" in caplog.messages
    assert cut_turn.interrupted
    assert cut_turn.speculation == "used"
    assert cut_turn.reply_audio_seconds == 0  # nothing of its reply was heard
    # The command itself was given: it is done, only its words are cut.
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True
    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"
    assert not time_now.interrupted
    assert sink.samples == round(time_now.reply_audio_seconds * FakeTts.sample_rate)


def test_a_cut_turn_still_waiting_is_cut_as_it_begins_not_the_next_one(tmp_path: Path) -> None:
    """The cut turn waits for its decoding longer than the barge-in's grace, and the next
    command ends meanwhile: the cut stays the waiting turn's; the next is answered."""
    sink = FakeSink()
    decoding = threading.Event()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?", "What time is it?"], decoding),
        llm=FakeLlm(["Because of the air."]),
    )
    script = [*command(), *silence(0.8), *command(then_silence=1.8), Do(decoding.set)]
    with fake_pipeline(fake_config(tmp_path), engines, sink) as pipeline:
        turns = pipeline.run(ScriptedSource([*script, *silence(1.0)], False))

    # Told as each ends: the cut turn may end after the next one.
    sky, time_now = sorted(turns, key=lambda turn: turn.wake_at_s)
    assert sky.transcript == "Why is the sky blue?"
    assert sky.interrupted and sky.reply_audio_seconds == 0
    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"
    assert not time_now.interrupted and time_now.reply_audio_seconds > 0


def test_a_cut_turn_that_ends_after_the_input_is_still_reported(tmp_path: Path) -> None:
    """The same, the cut turn ending only after the next one and the input have (a loaded
    machine): the loop waits for it, and its report is among the turns."""
    decoding = threading.Event()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Why is the sky blue?", "What time is it?"], decoding),
        llm=FakeLlm(["Because of the air."]),
    )
    script = [*command(), *silence(0.8), *command(then_silence=1.8), Do(decoding.set)]
    with fake_pipeline(fake_config(tmp_path), engines, FakeSink()) as pipeline:
        answer = pipeline.loop.answer

        def slow_to_end(command: HeardCommand, input_name: str | None, taken: Taken) -> TurnReport:
            report = answer(command, input_name, taken)
            if report.interrupted:
                time.sleep(1.0)
            return report

        pipeline.loop.answer = slow_to_end
        turns = pipeline.run(ScriptedSource([*script, *silence(0.2)], False))

    assert sorted(turn.transcript for turn in turns) == ["What time is it?", "Why is the sky blue?"]


def test_a_cut_that_found_no_turn_does_not_cut_the_last_command(tmp_path: Path) -> None:
    """A barge-in as the turn before was ending finds no turn to cut; the input then ends
    inside the next command, answered on the listening thread: it is not cut."""
    engines = FakeEngines(recognizer=FakeRecognizer(["What time is it?"]))
    with fake_pipeline(fake_config(tmp_path), engines) as pipeline:
        cut = Do(pipeline.router.current.cut)
        script = [*wake(), *speech(0.5), cut, *speech(0.2)]  # the input ends there
        [time_now] = pipeline.run(ScriptedSource(script, waits_for_replies=False))

    assert not time_now.interrupted and time_now.reply_audio_seconds > 0


def test_a_question_cut_before_it_was_heard_is_not_asked(tmp_path: Path) -> None:
    """ "Unlock the front door?" cut as its turn begins: nobody heard it, so the words that
    follow are no answer to it, and the door stays locked."""
    lock = {"id": "front_door", "name": "front door", "area": "hallway", "kind": "lock"}
    devices = [device.model_dump() for device in fake_config(tmp_path).devices]
    config = fake_config(tmp_path, devices=[*devices, lock])
    (unlock, yes), waiting = cut_as_it_begins(config, ["Unlock the front door.", "Yes."])

    assert not waiting
    assert unlock.interrupted and unlock.confirmation is None
    assert yes.confirmation is None  # a new command, not the answer to a question
    assert "front_door" not in saved_devices(config.state_file.path)


def test_stopping_cuts_the_turn_in_progress(tmp_path: Path) -> None:
    sink = FakeSink()
    stop = threading.Event()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me a long story"]),
        llm=FakeLlm(STORY, seconds_per_piece=0.01),
    )
    stopping = threading.Event()

    def stop_on_first_audio() -> None:
        if sink.played.wait(5):
            stop.set()
            stopping.set()

    threading.Thread(target=stop_on_first_audio, daemon=True).start()
    script = [*command(), Wait(stopping), *silence(0.5)]
    with fake_pipeline(fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, sink) as pipeline:
        [story] = pipeline.run(ScriptedSource(script, waits_for_replies=False), stop)

    assert story.interrupted
    assert story.llm_finish_reason == "cancelled"


def test_a_barge_in_cuts_an_answer_begun_in_the_silence(tmp_path: Path) -> None:
    """The answer streams on the speculation thread while the turn thread waits for it:
    the cut reaches it there."""
    sink = FakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me a long story", "What time is it?"]),
        llm=FakeLlm(STORY, seconds_per_piece=0.01),
    )
    script = [*command(), Wait(sink.played), *AFTER_REFRACTORY, *command(), *silence(0.5)]

    story, time_now = run(fake_config(tmp_path), engines, script, False, sink)

    assert story.speculation == "used"
    assert story.interrupted and story.llm_finish_reason == "cancelled"
    assert engines.llm.asked[0] == ("Tell me a long story", True)
    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"


@pytest.mark.parametrize(
    ("answer", "cut"),
    [("I am Jarvis, a voice assistant.", False), ("I am a voice assistant.", True)],
)
def test_voiceds_own_voice_saying_the_wake_word_does_not_cut_its_reply(
    tmp_path: Path, answer: str, cut: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The wake word heard while voiced says its name is voiced's own voice coming back
    (the sentence names it), not the person: the reply goes on. The same wake word over
    a sentence that does not name it is the person's, and cuts the reply."""
    caplog.set_level(logging.INFO, logger="voiced.listener")
    sink = PacedFakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Who are you?"]),
        llm=FakeLlm([answer]),
        tts=FakeTts(seconds_per_sentence=1.0),
    )
    script = [*command(), Wait(sink.played), *AFTER_REFRACTORY, *wake(), *silence(0.5)]

    [reply] = run(fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, script, False, sink)

    assert reply.interrupted is cut
    assert engines.recognizer.sessions == (2 if cut else 1)
    ignored = [m for m in caplog.messages if "while voiced says its name: ignored" in m]
    assert len(ignored) == (0 if cut else 1)


def test_the_person_still_cuts_a_reply_once_the_name_has_been_said(tmp_path: Path) -> None:
    """Only the sentence naming the wake word (and a moment after it) is guarded."""
    sink = PacedFakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Who are you?", "What time is it?"]),
        llm=FakeLlm(["I am Jarvis. ", *STORY[:20]]),
        tts=FakeTts(seconds_per_sentence=0.5),
    )
    script = [
        *command(),
        Wait(sink.played),
        *wake(),  # over "I am Jarvis.": voiced's own
        Do(lambda: time.sleep(2.5)),  # the name and the guard after it are over
        *AFTER_REFRACTORY,
        *command(),
        *silence(0.5),
    ]

    who, time_now = run(
        fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, script, False, sink
    )

    assert who.interrupted
    assert who.response is not None and who.response.startswith("I am Jarvis. Once")
    assert time_now.intent is not None and time_now.intent["name"] == "HassGetCurrentTime"


def test_a_cut_after_the_model_finished_keeps_only_what_was_heard(tmp_path: Path) -> None:
    """The model writes its whole answer long before it is spoken: a barge-in during
    the second sentence leaves the history with the sentences that began to play, not
    the third that nobody heard."""
    sink = PacedFakeSink()
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Tell me about Mars", "What time is it?"]),
        llm=FakeLlm(["Mars is red. ", "It is cold. ", "It has two moons."]),
        tts=FakeTts(seconds_per_sentence=0.6),
    )
    script = [*command(), Wait(sink.played), *AFTER_REFRACTORY, *command(), *silence(0.5)]

    mars, _time_now = run(
        fake_config(tmp_path, endpoint=PLAIN_ENDPOINT), engines, script, False, sink
    )

    assert mars.interrupted
    assert mars.llm_finish_reason == "stop"  # the model had finished
    [generation] = engines.llm.remembered
    assert generation.user == "Tell me about Mars"
    [said] = engines.llm.said
    assert said in ("Mars is red.", "Mars is red. It is cold.")


def test_a_cut_confirmation_of_a_tool_call_leaves_its_exchange_kept(tmp_path: Path) -> None:
    """A tool call says none of the model's words: "hey jarvis" over the confirmation that
    follows it does not take the call, carried out, out of the history."""
    sink = PacedFakeSink()
    call = '<tool_call>{"name": "HassTurnOn", "arguments": {"name": "kitchen_light"}}'
    engines = FakeEngines(
        recognizer=FakeRecognizer(["Could you make it bright in the kitchen", "What time is it?"]),
        llm=FakeLlm([call, "</tool_call>"]),
        tts=FakeTts(seconds_per_sentence=1.5),
    )
    config = fake_config(tmp_path, endpoint=PLAIN_ENDPOINT)
    script = [*command(), Wait(sink.played), *AFTER_REFRACTORY, *command(), *silence(0.5)]

    bright, _time_now = run(config, engines, script, False, sink)

    assert bright.interrupted
    assert bright.response == "Turned on the kitchen light."
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True
    assert engines.llm.remembered == []  # kept whole by the engine, as the model ended it
