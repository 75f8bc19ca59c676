"""Where the chunks fall: a microphone's 80 ms chunks fall anywhere in the speech, and Smart
Turn's probability for one sentence swings with the silence it is given. The same
recordings replayed (real models, each speculation waited for) with the chunks in several
places: a whole command ends promptly in each, a sentence that goes on is cut in none."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PAUSE_PER_CHUNK_S, RECORDINGS, repeatable_config, saved_devices
from voiced.audio import SAMPLE_RATE
from voiced.config import Config
from voiced.devtools.turn_end_data import replay_at, speech_end_s
from voiced.models import Models

pytestmark = pytest.mark.slow

# Samples of silence before the recording: four places, half a chunk apart at most. Before
# the voice was judged again, "Turn on the kitchen light." waited the long limit at 320, 640
# and 960 (docs/endpoint.md, "Every place of the chunks").
PLACES = [0, 320, 640, 960]


def config_for(tmp_path: Path) -> Config:
    return repeatable_config(
        state_file={"path": str(tmp_path / "state.json")}, llm={"max_tokens": 8}
    )


def one_turn(config: Config, models: Models, name: str, lead: int) -> dict[str, Any]:
    models.llm.conversation.exchanges.clear()
    turns = replay_at(config, models, RECORDINGS / f"{name}.wav", lead)["turns"]
    assert len(turns) == 1, turns  # two: the turn was cut at a pause inside it
    return dict(turns[0])


def ended_after_s(caplog: pytest.LogCaptureFixture) -> float:
    [ended] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("turn ends")]
    return float(re.search(r"after a ([0-9.]+) s pause", ended).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize("lead", PLACES)
def test_a_complete_command_ends_promptly_wherever_the_chunks_fall(
    models: Models, tmp_path: Path, caplog: pytest.LogCaptureFixture, lead: int
) -> None:
    config = config_for(tmp_path)
    caplog.set_level(logging.INFO, logger="voiced.pause_judge")

    turn = one_turn(config, models, "commands/kitchen-light-on", lead)

    assert turn["transcript"] == "Turn on the kitchen light.", turn
    # A whole command's pause at worst: neither the long limit (1.6 s) nor the fixed
    # silence (a doubting voice over a clean command) where a second look says finished.
    assert ended_after_s(caplog) < config.turn_end.unsure_command_pause_seconds + PAUSE_PER_CHUNK_S
    assert saved_devices(config.state_file.path)["kitchen_light"]["on"] is True


# At 240 samples the correction's pause measures 0.42 s, as long as the short pause.
@pytest.mark.parametrize("lead", [*PLACES, 240])
def test_the_correction_is_not_cut_wherever_the_chunks_fall(
    models: Models, tmp_path: Path, lead: int
) -> None:
    """ "Turn on the kitchen light, ... no, the bedroom lamp.": its first half is the same
    whole command to every signal, paused 0.4 s (measured 0.27-0.42 s)."""
    config = config_for(tmp_path)

    turn = one_turn(config, models, "pause-corrected-command", lead)

    assert turn["transcript"].lower().rstrip(".").endswith("bedroom lamp"), turn
    devices = saved_devices(config.state_file.path)
    assert not devices.get("kitchen_light", {}).get("on", False), devices


@pytest.mark.parametrize("lead", PLACES)
def test_the_dangling_and_is_held_open_wherever_the_chunks_fall(
    models: Models, tmp_path: Path, lead: int
) -> None:
    """Piper's "Turn off the kitchen light and ... the ceiling fan." (0.7 s): with the bias
    a whole command at the pause in some places, the voice rising to 0.97 by 0.52 s."""
    name = "pauses/and-lights-0.7"
    end_s = speech_end_s(RECORDINGS / f"{name}.wav") + lead / SAMPLE_RATE

    turn = one_turn(config_for(tmp_path), models, name, lead)

    assert turn["speech_end_at_s"] >= end_s - 0.3, turn
