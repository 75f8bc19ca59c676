"""Hear only what was said: a command that changes something, heard with the command bias,
is done only when the same audio decoded without the bias means the same; otherwise voiced
asks ("Did you mean: ...?") or says it did not catch that. Recordings go through `voiced
replay`'s pipeline with the real models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RECORDINGS, repeatable_config, saved_devices
from voiced.asr.heard_check import ACT, ASK, NOT_CAUGHT_DECISION, did_you_mean, judge
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource

KITCHEN_ON = ("HassTurnOn", {"name": "kitchen_light"})


def test_the_same_meaning_both_ways_is_done() -> None:
    heard = judge(KITCHEN_ON, "turn on the kitchen lights", KITCHEN_ON)

    assert heard.decision == ACT
    assert heard.agreed


@pytest.mark.parametrize(
    ("unbiased_text", "unbiased"),
    [
        ("Okay, can I please?", None),  # the bias wrote a command nobody said
        ("Turn off the kitchen light.", ("HassTurnOff", {"name": "kitchen_light"})),
        ("Turn on the bedroom lamp.", ("HassTurnOn", {"name": "bedroom_lamp"})),
    ],
)
def test_another_meaning_without_the_bias_is_asked_about(
    unbiased_text: str, unbiased: tuple[str, dict[str, Any]] | None
) -> None:
    heard = judge(KITCHEN_ON, unbiased_text, unbiased)

    assert heard.decision == ASK
    assert not heard.agreed
    assert unbiased_text in heard.reason


def test_one_word_misheard_as_a_sound_alike_is_the_same_command() -> None:
    """Heard live (a clear recording, resampled by the audio server): without the bias
    the verb came out as a word that means nothing."""
    heard = judge(
        KITCHEN_ON,
        "Pern on the kitchen light.",
        None,
        biased_transcript="Turn on the kitchen light.",
    )

    assert heard.decision == ACT
    assert "'turn' heard as 'pern'" in heard.reason


def test_a_name_of_one_word_heard_as_another_word_is_asked_about() -> None:
    """ "Turn on the theater." is another thing than the heater: no word before the name
    confirms it, however alike the two words are."""
    heater_on = ("HassTurnOn", {"name": "heater"})
    theater = ("HassTurnOn", {"unknown_device": "theater"})
    heard = judge(heater_on, "Turn on the theater.", theater, device_names=["heater"])
    assert heard.decision == ASK


@pytest.mark.parametrize(
    "unbiased_text",
    [
        "The kitchen light, please.",  # the bias added the action
        "Don't turn on the kitchen light.",  # a word more
        "Turn of the kitchen light.",  # "on" and "of": too short to be taken as alike
        "Burn on the kitchen fight.",  # two words differ
        "Turn on the kitchen table.",  # one word, not alike
    ],
)
def test_words_that_differ_more_are_asked_about(unbiased_text: str) -> None:
    heard = judge(KITCHEN_ON, unbiased_text, None, biased_transcript="Turn on the kitchen light.")

    assert heard.decision == ASK


def test_a_word_of_three_letters_is_never_alike() -> None:
    """ "off" carries the action: "oft" heard in its place is no slip of it."""
    kitchen_off = ("HassTurnOff", {"name": "kitchen_light"})
    heard = judge(
        kitchen_off,
        "Turn oft the kitchen light.",
        None,
        biased_transcript="Turn off the kitchen light.",
    )

    assert heard.decision == ASK


def test_numbers_are_never_alike() -> None:
    dim = ("HassLightSet", {"name": "kitchen_light", "brightness": 100})
    heard = judge(
        dim,
        "Set the kitchen light to 300%.",
        None,
        biased_transcript="Set the kitchen light to 100%.",
    )

    assert heard.decision == ASK


def test_a_sound_alike_word_with_another_meaning_is_asked_about() -> None:
    """Alike words do not override a decoding that means something else."""
    off = ("HassTurnOff", {"name": "kitchen_light"})
    heard = judge(
        KITCHEN_ON,
        "Turn off the kitchen light.",
        off,
        biased_transcript="Turn on the kitchen light.",
    )

    assert heard.decision == ASK


def test_nothing_heard_without_the_bias_is_not_caught() -> None:
    assert judge(KITCHEN_ON, "", None).decision == NOT_CAUGHT_DECISION
    assert judge(KITCHEN_ON, " ... ", None).decision == NOT_CAUGHT_DECISION


def test_the_question_repeats_what_was_heard() -> None:
    assert did_you_mean("Turn on the bedroom light.") == "Did you mean: turn on the bedroom light?"


def replayed(tmp_path: Path, models: Models, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The one turn of a recording (bias on, the default), and the devices after it."""
    config = repeatable_config(state_file={"path": str(tmp_path / "state.json")})
    turns = replay(config, models, WavFileSource([RECORDINGS / f"{name}.wav"]))["turns"]
    assert len(turns) == 1, turns
    return turns[0], saved_devices(config.state_file.path)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        # Issue 27's cases in fast espeak-ng voices: with the bias the first is heard as
        # "The kitchen light, please." (no action word: asked about, never switched), the
        # second as "Turn off the kitchen light." (held back by the check).
        "not-commands/issue-kitchen-light-please-us",
        "not-commands/issue-switch-off-kitchen-light-m3",
    ],
)
def test_a_command_the_bias_wrote_switches_nothing(
    models: Models, tmp_path: Path, name: str
) -> None:
    turn, devices = replayed(tmp_path, models, name)

    assert devices == {}, turn
    if turn["intent"]["name"] == "DeviceWithoutAction":
        # Heard with no action word: asked "on or off?", which changes nothing, so there
        # is nothing for the check to hold back.
        assert turn["response"].endswith("on or off?") and turn["heard_check"] is None, turn
        return
    assert turn["heard_check"]["decision"] in (ASK, NOT_CAUGHT_DECISION), turn
    assert turn["heard_check"]["agreed"] is False
    assert [decoding["biased"] for decoding in turn["decodes"]] == [True, False]
    assert turn["decodes"][0]["transcript"] != turn["decodes"][1]["transcript"]
    if turn["heard_check"]["decision"] == ASK:
        assert turn["confirmation"] == "asked"
        assert turn["response"].startswith("Did you mean: ")


@pytest.mark.slow
def test_a_real_command_is_still_done(models: Models, tmp_path: Path) -> None:
    turn, devices = replayed(tmp_path, models, "commands/kitchen-light-on")

    assert devices["kitchen_light"]["on"] is True
    assert turn["response"] == "Turned on the kitchen light."
    assert turn["heard_check"] == {
        "decision": ACT,
        "agreed": True,
        "reason": "both decodings: HassTurnOn name=kitchen_light",
    }
    biased, unbiased = turn["decodes"]
    assert (biased["biased"], unbiased["biased"]) == (True, False)
    assert isinstance(unbiased["avg_log_prob"], float)
    assert 0 <= unbiased["no_speech_prob"] <= 1


@pytest.mark.slow
def test_reading_the_time_is_not_checked(models: Models, tmp_path: Path) -> None:
    """Reading changes nothing: no heard check. It is decoded without the bias all the
    same, for the end of turn alone (the command pause and a clean command need it)."""
    turn, _devices = replayed(tmp_path, models, "commands/time-piper")

    assert turn["intent"]["name"] == "HassGetCurrentTime"
    assert turn["heard_check"] is None
    assert [decoding["biased"] for decoding in turn["decodes"]] == [True, False]
    assert turn["ended_early"]


@pytest.mark.slow
def test_a_yes_to_did_you_mean_does_it(models: Models, tmp_path: Path) -> None:
    config = repeatable_config(state_file={"path": str(tmp_path / "state.json")})
    turns = replay(config, models, WavFileSource([RECORDINGS / "did-you-mean-yes.wav"]))["turns"]

    asked, answered = turns
    assert asked["response"] == "Did you mean: turn off the kitchen light?", asked
    assert asked["confirmation"] == "asked"
    assert answered["confirmation"] == "confirmed", answered
    assert answered["response"] == "Turned off the kitchen light."
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is False


@pytest.mark.slow
def test_a_new_command_after_the_question_is_heard_as_one(models: Models, tmp_path: Path) -> None:
    config = repeatable_config(state_file={"path": str(tmp_path / "state.json")})
    paths = [
        RECORDINGS / "not-commands" / "issue-switch-off-kitchen-light-m3.wav",
        RECORDINGS / "commands" / "kitchen-light-on.wav",
    ]
    asked, command = replay(config, models, WavFileSource(paths))["turns"]

    assert asked["confirmation"] == "asked"
    assert command["confirmation"] is None, command  # not taken for a "no"
    assert command["response"] == "Turned on the kitchen light."
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


def test_the_same_command_on_a_device_name_misheard_without_the_bias_is_done() -> None:
    fan_off = ("HassTurnOff", {"name": "ceiling_fan"})
    names = ["ceiling fan"]

    heard = judge(
        fan_off,
        "Turn off the ceiling then.",
        ("HassTurnOff", {"unknown_device": "ceiling then"}),
        names,
    )
    assert heard.decision == ACT
    # Another action, or a name not alike, is not agreement.
    on = ("HassTurnOn", {"unknown_device": "ceiling then"})
    assert judge(fan_off, "Turn on the ceiling then.", on, names).decision == ASK
    other = ("HassTurnOff", {"unknown_device": "make it nice"})
    assert judge(fan_off, "Switch off, make it nice.", other, names).decision == ASK


@pytest.mark.parametrize(
    "heard",
    [
        # The shared "kitchen " made these 0.72-0.77 alike to "kitchen light" as a whole.
        "kitchen heater",
        "kitchen sink",
        "kitchen tap",
        "kitchen heating",
        "kitchen kit",
        # Another room's light is another device.
        "dining room light",
    ],
)
def test_another_device_named_without_the_bias_is_asked_about(heard: str) -> None:
    device = "living room light" if "room" in heard else "kitchen light"
    biased = ("HassTurnOn", {"name": device.replace(" ", "_")})
    unbiased = ("HassTurnOn", {"unknown_device": heard})

    check = judge(biased, f"Turn on the {heard}.", unbiased, [device])

    assert check.decision == ASK


def test_a_slip_in_the_last_word_of_the_name_is_the_same_device() -> None:
    kitchen_on = ("HassTurnOn", {"name": "kitchen_light"})
    names = ["kitchen light", "kitchen lights"]
    for heard in ["kitchen lite", "kitchen night"]:
        unbiased = ("HassTurnOn", {"unknown_device": heard})
        assert judge(kitchen_on, f"Turn on the {heard}.", unbiased, names).decision == ACT
