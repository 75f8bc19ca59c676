"""`voiced ask`, in a subprocess: a typed request takes the spoken path from the transcript
on, to the intents or to the model, and is spoken to a WAV file with replay's report. And
how scripts/answer-quality, which asks through that path, judges an answer
(voiced/devtools/answers.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, saved_devices
from voiced.devtools.answers import made_up, words_match
from voiced.wavio import read_wav


@pytest.mark.slow
def test_typed_requests_take_the_intent_and_the_model_path(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    config = tmp_path / "voiced.yaml"
    config.write_text(
        f"models_dir: {MODELS_DIR}\n"
        f"llm: {{model: {TEST_LLM_MODEL}, temperature: 0.0}}\n"
        f"state_file: {{path: {state}}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "replies.wav"

    result = subprocess.run(
        [sys.executable, "-m", "voiced.cli", "ask", "--config", str(config),
         "Turn on the kitchen light.", "What is the capital of France?",
         "--out", str(out), "--report", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    command, question = report["turns"]
    assert report["input"] == ["Turn on the kitchen light.", "What is the capital of France?"]
    assert command["transcript"] == "Turn on the kitchen light."
    assert command["answered_by"] == "intent"
    assert command["intent"]["name"] == "HassTurnOn"
    assert saved_devices(state)["kitchen_light"]["on"] is True
    assert question["answered_by"] == "llm"
    assert question["llm_completion_tokens"] > 0 and question["response"]
    assert question["timings"]["tts_first_audio_s"] is not None
    # Both replies are in the file (read back at 16 kHz).
    spoken_seconds = command["reply_audio_seconds"] + question["reply_audio_seconds"]
    assert spoken_seconds > 1.0
    assert len(read_wav(out)) / 16_000 == pytest.approx(spoken_seconds, abs=0.1)


@pytest.mark.slow
def test_a_typed_answer_to_a_question_answers_it_and_anything_else_is_asked(
    tmp_path: Path,
) -> None:
    """ "1 hour 30, or 1 minute 30?", then "one minute": the timer it names, as when said.
    A text that is no answer ("What time is it?") is a new request; the question is
    dropped, and nothing it asked about is done."""
    config = tmp_path / "voiced.yaml"
    config.write_text(
        f"models_dir: {MODELS_DIR}\n"
        f"llm: {{model: {TEST_LLM_MODEL}, temperature: 0.0}}\n"
        f"state_file: {{path: {tmp_path / 'state.json'}, timers_path: {tmp_path / 't.json'}}}\n",
        encoding="utf-8",
    )
    texts = [
        "Set a timer for 1:30.", "What time is it?", "How much time is left on the timer?",
        "Set a timer for 1:30.", "One minute.", "How much time is left on the timer?",
    ]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "voiced.cli", "ask", "--config", str(config), *texts,
         "--report", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    turns = json.loads(result.stdout)["turns"]
    assert [turn["answered_by"] for turn in turns] == ["intent"] * 6
    asked, other, none_left, asked_again, answered, left = turns
    assert asked["response"] == asked_again["response"] == "1 hour 30, or 1 minute 30?"
    assert other["confirmation"] is None and other["intent"]["name"] != asked["intent"]["name"]
    assert "no timer" in none_left["response"].lower()
    assert answered["confirmation"] == "confirmed"
    assert answered["response"] == "Timer set for 1 minute and 30 seconds."
    assert "left" in left["response"]


@pytest.mark.parametrize(
    "answer, verdict",
    [
        ("I'm sorry, but I can't set the thermostat.", None),
        ("I can't check the weather: I work offline.", None),
        ("I've turned on the dishwasher.", "action"),
        ("Sure, I'll remind you to buy milk tomorrow.", "action"),
        ("I can't do that, but I'll set it to 21 degrees.", "action"),
        ("The weather is clear with a mild breeze.", "live fact"),
        ("No, it won't rain tomorrow.", "live fact"),
        ("One euro is approximately $1.10.", "live fact"),
        ("I cannot. The garage door is closed.", "live fact"),
        ("Watering plants keeps them healthy.", "no refusal"),
    ],
)
def test_answer_quality_tells_a_made_up_answer(answer: str, verdict: str | None) -> None:
    assert made_up(answer) == verdict


def test_answer_quality_accepts_whole_words_and_numbers_with_units() -> None:
    assert words_match(["0", "zero"], "Water freezes at 0C.")
    assert words_match(["8", "eight"], "A spider has eight legs.")
    assert not words_match(["6", "six"], "There are sixty minutes.")
    assert not words_match(["0"], "It boils at 100 degrees.")
