"""Spoken commands through the whole pipeline: recognised, matched and carried out by
their handler, with no LLM call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RECORDINGS, repeatable_config
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource

# Every test here loads the real models.
pytestmark = pytest.mark.slow

COMMANDS = RECORDINGS / "commands"
STATE_BEFORE = {
    "kitchen_light": {"on": True, "brightness_pct": 80},
    "bedroom_lamp": {"on": False, "brightness_pct": None},
    "living_room_light": {"on": False, "brightness_pct": None},
}

# recording -> the intent and slots it must give
EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    name: (want["intent"], want["slots"])
    for name, want in json.loads((COMMANDS / "expected.json").read_text()).items()
}


@pytest.fixture(scope="module")
def command_report(models: Models, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every command recording, back to back through one pipeline, as one replay."""
    state = tmp_path_factory.mktemp("state") / "state.json"
    # What the devices are before the first command, for the questions about them.
    state.write_text(json.dumps({"devices": STATE_BEFORE}))
    config = repeatable_config(state_file={"path": str(state)})
    models.llm.conversation.exchanges.clear()
    paths = [COMMANDS / f"{name}.wav" for name in EXPECTED]
    report = replay(config, models, WavFileSource(paths))
    report["state"] = json.loads(state.read_text()) if state.exists() else {}
    return report


def turn_of(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    turns = [turn for turn in report["turns"] if Path(turn["input"]).stem == name]
    return turns[0] if len(turns) == 1 else None


def test_commands_are_recognised_and_matched_with_90_percent_accuracy(
    command_report: dict[str, Any],
) -> None:
    """Two espeak-ng recordings sit on Whisper's edge: "brightness" is heard as "right at"
    in any window, "turn on the bedroom lamp" as "turn off" in the 15 s window with AVX2.
    On ~190 recordings in four voices (scripts/whisper-window) the 15 s window understood
    0-2 fewer commands than the 30 s one."""
    right, wrong = [], []
    for name, (intent, slots) in EXPECTED.items():
        turn = turn_of(command_report, name)
        got = turn and turn["intent"] and (turn["intent"]["name"], turn["intent"]["slots"])
        (right if got == (intent, slots) else wrong).append(
            (name, got, turn and turn["transcript"])
        )
    assert len(right) / len(EXPECTED) >= 0.9, wrong


def test_commands_are_answered_without_the_llm(
    command_report: dict[str, Any], models: Models
) -> None:
    turns = command_report["turns"]
    by_intent = [turn for turn in turns if turn["answered_by"] == "intent"]
    assert len(by_intent) >= 0.95 * len(EXPECTED)
    for turn in by_intent:
        assert turn["llm_completion_tokens"] == 0
        assert turn["response"] and turn["reply_audio_seconds"] > 0.5
    # Only a command heard wrongly may reach the LLM.
    asked = [exchange.user for exchange in models.llm.conversation.exchanges]
    assert asked == [turn["transcript"] for turn in turns if turn["answered_by"] == "llm"]


def test_commands_change_the_device_state(command_report: dict[str, Any]) -> None:
    devices = command_report["state"]["devices"]
    # The last command for each device wins: kitchen 50 %, bedroom lamp 20 %, fan on.
    dimmed = turn_of(command_report, "kitchen-light-50")
    if dimmed is not None and (dimmed["heard_check"] or {}).get("decision") == "act":
        assert devices["kitchen_light"] == {"on": True, "brightness_pct": 50}
    else:  # heard otherwise without the bias ("Set the kitchen like 50%."): asked about
        assert dimmed is not None and dimmed["response"].startswith("Did you mean")
        assert devices["kitchen_light"] == {"on": True, "brightness_pct": 80}
    dimmed = turn_of(command_report, "bedroom-lamp-20")
    if dimmed is not None and dimmed["answered_by"] == "intent":
        assert devices["bedroom_lamp"] == {"on": True, "brightness_pct": 20}
    else:  # misheard: the command before it stands
        assert devices["bedroom_lamp"]["on"] is False
    assert devices["ceiling_fan"]["on"] is True
    assert devices["coffee_maker"]["on"] is False
    assert devices["living_room_light"]["on"] is True


# What the questions about the devices (answered from the state file) and the questions
# voiced cannot answer offline must be answered with; recordings misheard are skipped by
# the accuracy test above.
ANSWERS = {
    "bedroom-area-40": "Set the bedroom lamp to 40 percent.",
    "state-kitchen-light": "Yes, the kitchen light is on.",
    "state-which-lights": "The kitchen light and the bedroom lamp are on.",
    "state-bedroom-lamp-brightness": "The bedroom lamp is at 40 percent.",
    "never-mind": "Okay.",
    "forget-it": "Okay.",
    "weather-today": "I can't check the weather: I work offline.",
    "weather-rain-espeak": "I can't check the weather: I work offline.",
    "news-espeak": "I can't check the news: I work offline.",
    "stock-market": "I can't check stock prices: I work offline.",
    "sports-last-night": "I can't check sports results: I work offline.",
}


def test_questions_about_devices_and_the_internet_are_answered_by_intents(
    command_report: dict[str, Any],
) -> None:
    """Heard through the pipeline, answered from the state file or said to be out of reach;
    never by the LLM, which made the weather up."""
    answered = {}
    for name in ANSWERS:
        turn = turn_of(command_report, name)
        assert turn is not None, name
        assert turn["answered_by"] == "intent", (name, turn["transcript"])
        answered[name] = turn["response"]
    assert answered == ANSWERS


def test_clipped_what_time_is_the_time(command_report: dict[str, Any]) -> None:
    for name in ("what-time-piper", "what-time-espeak"):
        turn = turn_of(command_report, name)
        assert turn is not None and turn["answered_by"] == "intent", turn
        assert turn["intent"]["name"] == "HassGetCurrentTime"
        assert turn["response"].startswith("It is ")


def test_unknown_devices_are_refused_by_name_and_touch_nothing(
    command_report: dict[str, Any],
) -> None:
    radio = turn_of(command_report, "radio-on")
    garage = turn_of(command_report, "garage-door-on")
    assert radio is not None and "I don't know a device called radio" in radio["response"]
    assert garage is not None and "garage door" in garage["response"]
    assert set(command_report["state"]["devices"]) <= {
        "kitchen_light", "bedroom_lamp", "ceiling_fan", "coffee_maker", "living_room_light",
    }  # fmt: skip


def test_intent_answers_go_straight_from_the_handler_to_speech(
    command_report: dict[str, Any],
) -> None:
    for turn in command_report["turns"]:
        if turn["answered_by"] != "intent":
            continue
        timings = turn["timings"]
        # No LLM stage in between: recognised, handled, spoken.
        assert "llm_first_token_s" not in timings and "llm_done_s" not in timings
        assert timings["asr_final_s"] <= timings["intent_done_s"] <= timings["tts_first_audio_s"]


# The timer intents, said after the timers above were set and the newest cancelled (5
# minutes, 10 minutes and an hour and a half run): what the timers plugin answers.
TIMER_ANSWERS = {
    "timer-status": "You have 3 timers. The timer for 5 minutes has ",
    "timer-status-short": "You have 3 timers. The timer for 5 minutes has ",
    "pause-timer": "Paused the timer for 1 hour and 30 minutes, with 1 hour and ",
    "resume-timer": "Resumed the timer for 1 hour and 30 minutes, with 1 hour and ",
    "timer-add-two-minutes": "Added 2 minutes to the timer for 1 hour and 30 minutes: 1 hour",
    "timer-take-a-minute-off": "Took 1 minute off the timer for 1 hour and 30 minutes: 1 hour",
}


def test_timer_intents_are_answered_by_the_timers_plugin(command_report: dict[str, Any]) -> None:
    """Each answer is checked when every timer command before it was heard right and done
    (a misheard or withheld one changes what the later ones find); recognition is counted
    above, and what the check withholds in tests/test_heard_check.py."""
    timer_commands = [name for name in EXPECTED if EXPECTED[name][0].endswith("Timer")]
    checked = 0
    for index, name in enumerate(timer_commands):
        heard = [turn_of(command_report, before) for before in timer_commands[: index + 1]]
        if (
            name not in TIMER_ANSWERS
            or not all(
                turn
                and turn["intent"]
                and turn["intent"]["name"] == EXPECTED[before][0]
                # Done, not held back as "Did you mean ...?" by the check of a biased decode.
                and (turn["heard_check"] is None or turn["heard_check"]["decision"] == "act")
                for turn, before in zip(heard, timer_commands[: index + 1], strict=True)
            )
        ):
            continue
        turn = heard[-1]
        assert turn is not None and turn["answered_by"] == "intent"
        assert turn["llm_completion_tokens"] == 0
        assert turn["response"].startswith(TIMER_ANSWERS[name]), (name, turn["response"])
        checked += 1
    assert checked >= 1, "no timer intent was heard after every timer command before it"


def test_a_list_of_devices_and_every_light_are_switched_by_voice(
    models: Models, tmp_path: Path
) -> None:
    """Through the pipeline, the heard check included: the devices of a list (Piper's
    "and the" written "in the" by Whisper), then every light. A command the check doubts
    is asked about, and nothing is switched by it."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"devices": {
        "kitchen_light": {"on": True}, "bedroom_lamp": {"on": True},
        "living_room_light": {"on": False}, "ceiling_fan": {"on": False},
    }}))  # fmt: skip
    config = repeatable_config(state_file={"path": str(state)})
    names = ["list-lights-off", "list-fan-lamp-on", "all-lights-on"]
    paths = [COMMANDS / f"{name}.wav" for name in names]

    turns = replay(config, models, WavFileSource(paths))["turns"]

    wanted = [
        ("HassTurnOff", {"name": "kitchen_light", "name_2": "bedroom_lamp"}),
        ("HassTurnOn", {"name": "ceiling_fan", "name_2": "bedroom_lamp"}),
        ("HassTurnOn", {"domain": "light"}),
    ]
    assert [(turn["intent"]["name"], turn["intent"]["slots"]) for turn in turns] == wanted
    said = [
        "Turned off the kitchen light and the bedroom lamp.",
        "Turned on the ceiling fan and the bedroom lamp.",
        "Turned on the lights.",
    ]
    for turn, response in zip(turns, said, strict=True):
        if (turn["heard_check"] or {}).get("decision") == "act":
            assert turn["response"] == response
        else:
            assert turn["response"].startswith("Did you mean"), turn
    done = [(turn["heard_check"] or {}).get("decision") == "act" for turn in turns]
    assert sum(done) >= 2, turns
    devices = json.loads(state.read_text())["devices"]
    lights = ("kitchen_light", "bedroom_lamp", "living_room_light")
    # Each command is done or not at all, in order: what is on at the end says which.
    on = {device: bool(devices.get(device, {}).get("on")) for device in (*lights, "ceiling_fan")}
    if done[2]:
        assert all(on[light] for light in lights)
    else:
        assert on["kitchen_light"] is not done[0] and on["living_room_light"] is False
        assert on["bedroom_lamp"] is (done[1] or not done[0])
    assert on["ceiling_fan"] is done[1]
