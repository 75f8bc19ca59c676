"""Speculation at a pause in a command, and the early end of a complete command: recordings
with pauses through `voiced replay`'s pipeline with the real models. Replays wait for each
speculative recognition (as if it took no audio time), so that they are repeatable; what is
asserted is the structure (what was discarded, used, ended early), never a wall-clock time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import recording, repeatable_config, saved_devices
from voiced.config import Config, EndpointConfig
from voiced.listener import CaptureProgress
from voiced.messages import WakeDetected
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource
from voiced.speaker import Speaker
from voiced.speculation import Speculation, Taken
from voiced.turn.loop import start_speculator


def config_for(tmp_path: Path, turn_end: bool = True, **endpoint: float) -> Config:
    return repeatable_config(
        state_file={"path": str(tmp_path / "state.json")},
        endpoint=dict(endpoint),
        turn_end={"enabled": turn_end},
    )


def replay_one(config: Config, models: Models, name: str) -> dict[str, Any]:
    [turn] = replay(config, models, WavFileSource([recording(name)]))["turns"]
    assert turn["error"] is None, turn
    return dict(turn)


def devices_on(config: Config) -> set[str]:
    devices = saved_devices(config.state_file.path)
    return {device for device, state in devices.items() if state["on"]}


def words_prepared(config: Config, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, set[str]]]:
    """The words synthesised ahead of a confirmed command, with the devices on then."""
    prepared: list[tuple[str, set[str]]] = []
    prepare = Speaker.prepare

    def record(speaker: Speaker, text: str) -> None:
        prepared.append((text, devices_on(config)))
        prepare(speaker, text)

    monkeypatch.setattr(Speaker, "prepare", record)
    return prepared


@pytest.mark.slow
def test_speech_after_a_pause_discards_the_guess_and_only_the_whole_command_acts(
    models: Models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_for(tmp_path)
    prepared = words_prepared(config, monkeypatch)

    turn = replay_one(config, models, "pause-corrected-command")

    # "Turn on the kitchen light," was a complete command at the pause; speech went on.
    assert turn["speculations_discarded"] >= 1, turn
    assert turn["transcript"].lower().startswith("turn on the kitchen light"), turn
    assert turn["transcript"].lower().rstrip(".").endswith("no, the bedroom lamp"), turn
    assert turn["intent"] == {"name": "HassTurnOn", "slots": {"name": "bedroom_lamp"}}
    # Its words were made ready at the pause, but only the whole command acted.
    assert ("Turned on the kitchen light.", set()) in prepared, prepared
    assert devices_on(config) == {"bedroom_lamp"}  # never the kitchen light


@pytest.mark.slow
def test_an_unfinished_command_at_a_pause_is_discarded_when_it_goes_on(
    models: Models, tmp_path: Path
) -> None:
    config = config_for(tmp_path)

    turn = replay_one(config, models, "pause-mid-command")

    assert turn["speculations_discarded"] >= 1, turn
    assert turn["transcript"] == "Turn on the bedroom lamp.", turn
    assert devices_on(config) == {"bedroom_lamp"}


@pytest.mark.slow
def test_a_complete_command_ends_its_turn_early(
    models: Models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_for(tmp_path)
    prepared = words_prepared(config, monkeypatch)

    turn = replay_one(config, models, "commands/kitchen-light-on")

    assert turn["ended_early"] is True, turn
    assert turn["speculation"] == "used"
    assert turn["speculations_discarded"] == 0
    assert turn["response"] == "Turned on the kitchen light."
    # Recognised before the (early) endpoint: nothing is decoded after it; its words were
    # synthesised then too, before the light was switched on.
    assert turn["timings"]["asr_final_s"] <= 0
    assert prepared == [("Turned on the kitchen light.", set())]
    assert devices_on(config) == {"kitchen_light"}


@pytest.mark.slow
def test_an_incomplete_command_and_a_question_wait_the_full_silence(
    models: Models, tmp_path: Path
) -> None:
    """With the fixed silence only (no end-of-turn judgement: tests/test_turn_end*.py)."""
    config = config_for(tmp_path, turn_end=False)

    incomplete = replay_one(config, models, "incomplete-command")
    question = replay_one(config, models, "ask-capital")

    assert incomplete["transcript"] == "Turn on the", incomplete
    assert incomplete["ended_early"] is False
    assert question["ended_early"] is False, question
    assert devices_on(config) == set()


@pytest.mark.slow
def test_a_question_is_recognised_and_answered_from_the_speculation(
    models: Models, tmp_path: Path
) -> None:
    config = config_for(tmp_path)

    turn = replay_one(config, models, "ask-capital")

    assert turn["speculation"] == "used", turn
    assert turn["answered_by"] == "llm"
    # Speculation started before the endpoint was confirmed: the transcript was ready then.
    assert turn["timings"]["asr_final_s"] <= 0, turn
    assert turn["response"] and turn["llm_completion_tokens"] > 0
    assert turn["llm_reply"].startswith(turn["response"].split(".")[0]), turn
    assert turn["after_endpoint_s"] == turn["timings"]["tts_first_audio_s"]


@pytest.mark.slow
def test_a_discarded_answer_never_joins_the_history(models: Models, tmp_path: Path) -> None:
    config = config_for(tmp_path)

    turn = replay_one(config, models, "pause-mid-question")
    replay_one(config, models, "ask-capital")

    assert turn["speculations_discarded"] >= 1, turn
    assert turn["transcript"] == "What is the capital of Germany?", turn
    asked = [exchange.user for exchange in models.llm.conversation.exchanges]
    assert asked[-2:] == ["What is the capital of Germany?", "What is the capital of France?"]
    assert not any(user.rstrip("?.") == "What is the capital" for user in asked), asked


@pytest.mark.slow
def test_speculation_and_the_early_end_can_be_turned_off(models: Models, tmp_path: Path) -> None:
    config = config_for(tmp_path, turn_end=False, speculate_after_seconds=0.0)

    turn = replay_one(config, models, "commands/kitchen-light-on")

    assert (turn["speculation"], turn["ended_early"]) == (None, False), turn
    assert turn["response"] == "Turned on the kitchen light."


class SilentSession:
    """A recogniser session that heard nothing: the speculator only takes its decoder."""

    def accept(self, samples: object) -> None:
        return None

    def finish(self) -> str:
        return ""

    def decoder(self) -> Callable[[], str]:
        return lambda: ""


def progress(last_speech_end_s: float, pause_s: float, length_s: float = 2.0) -> CaptureProgress:
    return CaptureProgress(
        wake=WakeDetected("hey_jarvis", 0.9, 1.0),
        session=SilentSession(),  # type: ignore[arg-type]
        last_speech_end_s=last_speech_end_s,
        length_s=length_s,
        pause_s=pause_s,
        follow_up=False,
    )


def test_one_speculation_at_a_time_discarded_when_speech_resumes() -> None:
    started: list[Speculation] = []
    speculator = start_speculator(
        repeatable_config().endpoint, run=lambda speculation: started.append(speculation)
    )

    assert speculator.update(progress(1.0, pause_s=0.06)) is None  # too short a pause
    first = speculator.update(progress(1.0, pause_s=0.09))
    assert first is not None
    assert speculator.update(progress(1.0, pause_s=0.3)) is None  # one in flight
    assert speculator.update(progress(1.4, pause_s=0.0)) is None  # speech again
    assert first.discarded
    assert first.done.wait(5)
    second = speculator.update(progress(1.4, pause_s=0.25))
    assert second is not None and second is not first

    assert speculator.take(speech_end_at_s=1.0 + 1.4) == Taken(second, 1)
    assert speculator.take(speech_end_at_s=5.0) == Taken(None, 0)
    # A long command is not speculated on.
    assert speculator.update(progress(9.0, pause_s=0.3, length_s=9.0)) is None
    speculator.close()


def test_a_pause_after_a_discarded_guess_is_queued_at_once_and_a_stale_one_never_runs() -> None:
    """The worker still decodes a guess that speech has discarded: the next pause's is
    queued behind it at once, and one discarded while queued is never worked on."""
    release = threading.Event()
    ran: list[Speculation] = []

    def run(speculation: Speculation) -> None:
        ran.append(speculation)
        release.wait(10)

    speculator = start_speculator(EndpointConfig(speculate_after_seconds=0.2), run)
    first = speculator.update(progress(1.0, pause_s=0.2))
    assert first is not None
    deadline = time.monotonic() + 10
    while not ran and time.monotonic() < deadline:  # the worker has taken it
        time.sleep(0.01)
    assert ran == [first]
    assert speculator.update(progress(1.4, pause_s=0.0)) is None  # speech again
    second = speculator.update(progress(1.4, pause_s=0.2))
    assert second is not None and first.discarded and not first.done.is_set()
    assert speculator.update(progress(1.8, pause_s=0.0)) is None  # and again
    third = speculator.update(progress(1.8, pause_s=0.2))
    assert third is not None and second.discarded
    release.set()
    assert third.done.wait(10) and second.done.is_set()
    assert ran == [first, third]
    assert speculator.take(speech_end_at_s=1.0 + 1.8) == Taken(third, 2)
    speculator.close()
