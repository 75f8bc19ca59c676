"""Recordings through the daemon's own pipeline, in process, on the real models."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import recording, repeatable_config, words
from voiced.config import Config
from voiced.llm import LlmWorker
from voiced.models import Models, llm_path
from voiced.pipeline import Pipeline
from voiced.replay import replay
from voiced.sinks import NullSink
from voiced.sources import WavFileSource
from voiced.wavio import read_wav

# Every test here loads the real models.
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def fresh_conversation(models: Models) -> None:
    """Each test starts a conversation of its own, as a new process would."""
    models.llm.conversation.exchanges.clear()


def run_replay(
    config: Config, models: Models, *names: str, out: Path | None = None, realtime: bool = False
) -> dict[str, Any]:
    source = WavFileSource([recording(name) for name in names], realtime=realtime)
    return replay(config, models, source, out)


def test_question_is_answered_by_the_llm_and_spoken(
    config: Config, models: Models, tmp_path: Path
) -> None:
    out = tmp_path / "reply.wav"
    report = run_replay(config, models, "ask-capital", out=out)

    assert report["input"] == str(recording("ask-capital"))
    assert report["audio_seconds"] == pytest.approx(4.9, abs=0.2)
    [turn] = report["turns"]
    assert turn["wake_word"] == "hey_jarvis"
    assert 0.5 < turn["wake_at_s"] < 2.0
    assert {"capital", "france"} <= words(turn["transcript"])
    assert turn["answered_by"] == "llm"
    assert turn["intent"] is None
    assert turn["response"].strip()
    assert turn["wake_at_s"] < turn["speech_end_at_s"] < report["audio_seconds"]
    assert turn["latency_s"] > 0
    for stage in ("asr_final_s", "llm_first_token_s", "first_sentence_s", "tts_first_audio_s"):
        assert turn["timings"][stage] is not None, stage
    assert turn["error"] is None

    # The reply holds speech, and the recogniser hears the response's words in it.
    reply = read_wav(out)
    assert len(reply) / 16_000 == pytest.approx(turn["reply_audio_seconds"], abs=0.1)
    assert np.sqrt(np.mean(reply.astype(np.float64) ** 2)) > 300
    session = models.recognizer.start()
    session.accept(reply)
    heard_back = words(session.finish())
    spoken = {word for word in words(turn["response"]) if len(word) > 3}
    assert len(heard_back & spoken) >= len(spoken) / 2, (heard_back, spoken)


def test_two_questions_in_one_recording_are_two_turns_with_shared_history(
    config: Config, models: Models
) -> None:
    report = run_replay(config, models, "two-questions")

    first, second = report["turns"]
    assert "france" in words(first["transcript"])
    assert "germany" in words(second["transcript"])
    assert first["speech_end_at_s"] < second["wake_at_s"]
    assert first["response"] and second["response"]
    # The conversation of the process holds both exchanges.
    users = [exchange.user for exchange in models.llm.conversation.exchanges]
    assert users == [first["transcript"], second["transcript"]]


@pytest.mark.parametrize("name", ["no-wake-word", "silence", "noise"])
def test_no_turn_without_the_wake_word(config: Config, models: Models, name: str) -> None:
    assert run_replay(config, models, name)["turns"] == []


@pytest.mark.parametrize(
    "name, expected",
    [
        ("ask-capital-noisy", {"capital", "france"}),
        ("ask-capital-fast", {"capital", "france"}),
        # Whisper's int8 kernels differ by instruction set: with AVX-512 espeak-ng's "of
        # Italy" is heard, with AVX2 (CTranslate2's choice on AMD) "immediately".
        ("espeak-ask-capital", {"what", "capital"}),
    ],
)
def test_other_voices_noise_and_speed_are_understood(
    config: Config, models: Models, name: str, expected: set[str]
) -> None:
    [turn] = run_replay(config, models, name)["turns"]
    assert expected <= words(turn["transcript"])
    assert turn["response"]


def test_first_sentence_is_spoken_before_the_llm_finishes(config: Config, models: Models) -> None:
    # A question the test model answers in three sentences.
    [turn] = run_replay(config, models, "ask-plants")["turns"]
    timings = turn["timings"]

    assert turn["response"].count(".") >= 2, turn["response"]
    assert timings["llm_first_token_s"] < timings["first_sentence_s"]
    assert timings["tts_first_audio_s"] < timings["llm_done_s"]


def test_a_sentence_cut_by_the_token_cap_is_reported_but_not_spoken(
    config: Config, models: Models
) -> None:
    capped = repeatable_config(llm={"max_tokens": 30}, state_file=config.state_file)
    llm = LlmWorker(llm_path(capped), capped.llm)
    try:
        llm.wait_ready(60)
        # Answered in 36 tokens uncapped: three sentences.
        [turn] = run_replay(capped, replace(models, llm=llm), "ask-plants")["turns"]
    finally:
        llm.close()

    assert turn["llm_finish_reason"] == "length"
    assert turn["llm_completion_tokens"] == 30
    spoken, whole = turn["response"], turn["llm_reply"]
    assert spoken.rstrip().endswith((".", "!", "?")), spoken
    # The reply goes on past what was spoken: the unfinished sentence is only reported.
    assert " ".join(whole.split()).startswith(" ".join(spoken.split()))
    assert len(whole) > len(spoken), turn


def test_several_files_are_played_back_to_back(config: Config, models: Models) -> None:
    report = run_replay(config, models, "ask-capital", "silence", "espeak-ask-capital")

    assert report["input"] == [
        str(recording(name)) for name in ("ask-capital", "silence", "espeak-ask-capital")
    ]
    first, second = report["turns"]
    assert first["input"] == str(recording("ask-capital"))
    assert second["input"] == str(recording("espeak-ask-capital"))
    # Times count from the start of the first file.
    assert second["wake_at_s"] > 4.9 + 3.0


def test_realtime_feeding_gives_the_same_turn(config: Config, models: Models) -> None:
    [turn] = run_replay(config, models, "ask-capital", realtime=True)["turns"]
    assert {"capital", "france"} <= words(turn["transcript"])
    # At a microphone's pace the endpoint is waited out in real time (a finished question:
    # the end-of-turn judgement's short pause).
    assert turn["timings"]["endpoint_wait_s"] >= config.turn_end.short_pause_seconds - 0.1


def test_one_pipeline_hears_the_wake_word_in_each_new_source(
    config: Config, models: Models
) -> None:
    """Each source starts its clock at 0 (a new recording, a reconnected microphone): the
    wake word's refractory period of the last source must not silence the next one."""
    pipeline = Pipeline(config, models, NullSink())
    try:
        for _ in range(2):
            models.llm.conversation.exchanges.clear()
            [turn] = pipeline.run(WavFileSource([recording("ask-capital")]))
            assert turn.transcript == "What is the capital of France?"
    finally:
        pipeline.close()
