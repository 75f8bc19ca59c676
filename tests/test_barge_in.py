"""A wake word during a reply cuts its speech and its generation; the new command is
answered. Fed at real pace to a speaker that takes as long as a real one."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.fakes import FakeLlm
from tests.helpers import recording, repeatable_config
from voiced.asr.whisper_engine import WhisperRecognizer
from voiced.config import Config
from voiced.llm import LlmWorker
from voiced.models import Models, llm_path
from voiced.replay import replay
from voiced.sources import WavFileSource
from voiced.wavio import WavWriter, to_heard_format

# Every test here loads the real models.
pytestmark = pytest.mark.slow


def long_answers(config: Config) -> Config:
    """An answer far longer than the pause before the second wake word."""
    return repeatable_config(
        llm={"max_tokens": 1500, "context_tokens": 4096}, state_file=config.state_file
    )


def run(config: Config, models: Models) -> list[dict[str, Any]]:
    """The recording through the shared models, with an LLM of this configuration."""
    llm = LlmWorker(llm_path(config), config.llm)
    try:
        llm.wait_ready(60)
        source = WavFileSource([recording("barge-in")], realtime=True)
        return list(replay(config, replace(models, llm=llm), source)["turns"])
    finally:
        llm.close()


def test_wake_word_during_a_reply_cuts_speech_and_generation(
    config: Config, models: Models
) -> None:
    story, time_now = run(long_answers(config), models)
    assert story["answered_by"] == "llm"
    assert story["interrupted"]
    assert story["llm_finish_reason"] == "cancelled"
    assert 0 < story["llm_completion_tokens"] < 1500
    # The second wake word ends about 4.3 s after the story was asked for: the reply,
    # begun after it was asked, was cut by then (playback stops within 0.1 s of a cut).
    assert 0 < story["reply_audio_seconds"] < 4.3
    assert time_now["transcript"] == "What time is it?"
    assert time_now["intent"]["name"] == "HassGetCurrentTime"
    assert not time_now["interrupted"]
    assert time_now["reply_audio_seconds"] > 0


def test_without_barge_in_the_reply_is_spoken_whole(config: Config, models: Models) -> None:
    # Two sentences, about 9 s from 5.5 s into the recording: spoken over the second wake
    # word and the command after it (7.7-10.1 s), and no longer than that needs.
    no_barge_in = repeatable_config(
        wake={"barge_in": False}, llm={"max_tokens": 48}, state_file=config.state_file
    )
    [story] = run(no_barge_in, models)
    assert not story["interrupted"]
    assert story["llm_finish_reason"] in {"stop", "length"}
    # Longer than the pause: the second wake word came while it was spoken.
    assert story["reply_audio_seconds"] > 3.5


def test_a_wake_word_before_the_turn_has_begun_still_cuts_it(
    config: Config, models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a slow machine the turn thread may still wait for the speculation's decode of
    # the story when the second wake word is heard: the cut must wait for it, not vanish.
    first_decode = threading.Lock()
    decode = WhisperRecognizer.transcribe

    def slow_first_decode(
        recognizer: WhisperRecognizer, samples: np.ndarray, prompt: str | None = None
    ) -> str:
        if first_decode.acquire(blocking=False):
            time.sleep(5.0)  # past the second wake word, ~4.3 s after the question
        return decode(recognizer, samples, prompt)

    monkeypatch.setattr(WhisperRecognizer, "transcribe", slow_first_decode)
    story, time_now = run(long_answers(config), models)
    assert story["transcript"] == "Tell me a long story about a dragon."
    assert story["interrupted"]
    assert story["llm_finish_reason"] == "cancelled"
    assert story["reply_audio_seconds"] == 0
    assert time_now["intent"]["name"] == "HassGetCurrentTime"
    assert time_now["reply_audio_seconds"] > 0


def test_voiced_saying_its_own_name_does_not_cut_its_reply(
    config: Config, models: Models, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ "Who are you?" answered "I am Jarvis, ...": Piper saying it, heard back through a
    simulated room after echo cancellation, scores 0.96-0.99 on hey_jarvis. The sentence
    names the wake word, so the detection is voiced's own and the reply is spoken whole."""

    def said(text: str) -> np.ndarray:
        audio = np.concatenate(list(models.tts.synthesize(text)))
        return to_heard_format(audio / 32768.0, models.tts.sample_rate)

    def quiet(seconds: float) -> np.ndarray:
        return np.zeros(int(16_000 * seconds), np.int16)

    path = tmp_path / "who-are-you.wav"
    writer = WavWriter(path)
    writer.write(
        np.concatenate(
            [quiet(0.5), said("Hey Jarvis!"), quiet(0.3), said("Who are you?"), quiet(8.0)]
        ),
        16_000,
    )
    writer.close()
    answer = "I am Jarvis, a voice assistant in a home."
    in_a_room = repeatable_config(echo={"simulate_db": 0.0}, state_file=config.state_file)
    caplog.set_level(logging.INFO, logger="voiced.listener")

    # In real time on a loaded machine (the whole suite beside it) the echo's "Jarvis"
    # was now and then not detected at all (one full run in three): nothing to ignore,
    # and nothing this test is about. Every attempt must leave the reply whole; one of
    # three must show the detection ignored.
    for _attempt in range(3):
        caplog.clear()
        source = WavFileSource([path], realtime=True)
        [who] = replay(in_a_room, replace(models, llm=FakeLlm([answer])), source)["turns"]
        assert who["response"] == answer
        assert not who["interrupted"]
        if any("while voiced says its name: ignored" in m for m in caplog.messages):
            break
    # The wake word was heard in the reply's echo, and taken for voiced's own.
    assert any("while voiced says its name: ignored" in m for m in caplog.messages)
