"""How loud voiced speaks: the level kept across restarts, the spoken commands that set it
(SpeakerVolume), and the samples played at it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import (
    FakeEngines,
    FakeSink,
    FakeTts,
    bare_context,
    fake_config,
    fake_pipeline,
)
from voiced.config import Config
from voiced.intents import Action
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.intents.speaking_volume import speaker_volume
from voiced.replay import typed_command
from voiced.speaker import at_gain
from voiced.volume import DEFAULT_LEVEL, Volume, gain_of


def test_each_level_below_the_top_is_3_db_quieter() -> None:
    assert gain_of(10) == 1.0
    assert gain_of(9) == pytest.approx(10 ** (-3 / 20))
    assert 20 * np.log10(gain_of(1)) == pytest.approx(-27.0)


def test_samples_are_scaled_never_made_louder() -> None:
    samples = np.array([0, 1000, -32768, 32767], dtype=np.int16)
    assert at_gain(samples, 1.0) is samples
    half = at_gain(samples, 0.5)
    assert half.dtype == np.int16
    assert half.tolist() == [0, 500, -16384, 16384]


def test_the_level_is_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "volume.json"
    volume = Volume(path)
    assert volume.level == DEFAULT_LEVEL
    assert not path.exists()  # nothing written until it is set
    assert volume.set(4) == 4
    assert Volume(path).level == 4
    assert Volume(path).gain == gain_of(4)
    # Kept within 1-10.
    assert volume.set(0) == 1 and volume.set(12) == 10


@pytest.mark.parametrize(
    "content",
    ["not json", '{"level": 11}', '{"level": "7"}', '{"level": true}', "[]", '{"level": 4.5}'],
)
def test_an_unusable_file_is_the_default_level_said_in_the_log(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "volume.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING, logger="voiced.volume"):
        assert Volume(path).level == DEFAULT_LEVEL
    assert str(path) in caplog.text


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


@pytest.fixture
def volume() -> Iterator[Volume]:
    yield Volume()  # in memory


def say(matcher: IntentMatcher, volume: Volume, text: str) -> str:
    match = matcher.match(text)
    assert match is not None and match.name == "SpeakerVolume", (text, match)
    said = speaker_volume(match, bare_context(volume=volume))
    if isinstance(said, Action):
        said.act()
        return said.say
    return said


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Speak louder.", 8),
        ("Louder, please.", 8),
        ("Turn up the volume.", 8),
        ("I can't hear you.", 8),
        ("Quieter, please.", 6),
        ("Can you speak more quietly?", 6),
        ("Turn the volume down a bit.", 6),
        ("You're too loud.", 6),
        ("Set the volume to 4.", 4),
        ("Volume 9.", 9),
        ("Volume 55 percent.", 6),
        ("Set the volume to 20%.", 2),
        ("Max volume.", 10),
        ("Minimum volume.", 1),
    ],
)
def test_the_volume_is_set_as_people_say_it(
    matcher: IntentMatcher, volume: Volume, text: str, level: int
) -> None:
    volume.set(7)
    assert say(matcher, volume, text) == f"Volume {level}."
    assert volume.level == level


def test_it_stops_at_either_end_and_never_goes_silent(
    matcher: IntentMatcher, volume: Volume
) -> None:
    assert say(matcher, volume, "Louder.") == "I'm already at my loudest: volume 10."
    assert say(matcher, volume, "Set the volume to 0.") == (
        "Volume 1, my quietest: I don't go silent, or you couldn't hear me."
    )
    assert volume.level == 1
    assert say(matcher, volume, "Quieter.") == "I'm already at my quietest: volume 1."
    assert say(matcher, volume, "What's your volume?") == "My volume is 1 of 10."


@pytest.mark.parametrize(
    "text",
    [
        "What is the volume of a sphere?",
        "How loud is a jet engine?",
        "Turn it up.",
        "Turn up the kitchen light.",
        "Turn down the music.",
    ],
)
def test_other_volumes_and_turning_up_a_light_are_not_taken(
    matcher: IntentMatcher, text: str
) -> None:
    match = matcher.match(text)
    assert match is None or match.name != "SpeakerVolume", match


class Tone(FakeTts):
    """A loud square wave for each sentence, so that the level played shows."""

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        self.synthesized.append((text, cached))
        wave = np.tile(np.array([20000, -20000], dtype=np.int16), 2205)
        yield wave


class PeakSink(FakeSink):
    def __init__(self) -> None:
        super().__init__()
        self.peaks: list[int] = []

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        super().write(samples, sample_rate)
        self.peaks.append(int(np.abs(samples.astype(np.int32)).max()))

    def end_reply(self, cut: bool) -> None:
        super().end_reply(cut)
        self.peaks.append(-1)  # between replies


def test_the_answer_is_spoken_at_the_new_level_and_kept_for_the_next_start(
    tmp_path: Path,
) -> None:
    config = fake_config(tmp_path)
    sink = PeakSink()
    with fake_pipeline(config, FakeEngines(tts=Tone()), sink) as pipeline:
        first = pipeline.answer(typed_command("What time is it?", "hey_jarvis"))
        quieter = pipeline.answer(typed_command("Set the volume to 4.", "hey_jarvis"))
    assert first.answered_by == quieter.answered_by == "intent"
    assert quieter.response == "Volume 4."
    replies: list[list[int]] = [[]]
    for peak in sink.peaks:
        if peak < 0:
            replies.append([])
        else:
            replies[-1].append(peak)
    loud, soft = max(replies[0]), max(replies[1])
    assert loud == 20000
    assert soft == round(20000 * gain_of(4))
    assert json.loads(config.state_file.volume_file.read_text()) == {"level": 4}
