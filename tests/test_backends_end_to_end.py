"""`voiced replay` of a spoken command, once per device back end: the kitchen light is
switched where the configuration says it lives (the state file, a real Mosquitto broker,
a fake Home Assistant), and the answer comes from the intent, not the LLM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RECORDINGS, repeatable_config, saved_devices
from tests.servers import (
    HA_TOKEN,
    FakeHomeAssistant,
    Watcher,
    free_port,
    needs_mosquitto,
    running_broker,
    serving,
)
from voiced.config import Config
from voiced.models import Models
from voiced.replay import replay
from voiced.sources import WavFileSource

# Every test here loads the real models.
pytestmark = pytest.mark.slow

KITCHEN_LIGHT_ON = RECORDINGS / "commands" / "kitchen-light-on.wav"
WHAT_TIME = RECORDINGS / "commands" / "time-piper.wav"
COMMAND_TOPIC = "home/kitchen_light/set"


def config_with_kitchen_light(
    tmp_path: Path, kitchen_light: dict[str, Any], **sections: dict[str, object]
) -> Config:
    """The demo devices, the kitchen light moved to another back end by `kitchen_light`.

    The other devices stay as they are, so that recognition is steered by the same names
    as in the other command tests.
    """
    base = repeatable_config(state_file={"path": str(tmp_path / "state.json")}, **sections)
    devices = [device.model_dump() for device in base.devices]
    assert "kitchen_light" in [device["id"] for device in devices]
    devices = [
        {**device, **kitchen_light} if device["id"] == "kitchen_light" else device
        for device in devices
    ]
    return Config.model_validate({**base.model_dump(), "devices": devices})


def state_file_devices(tmp_path: Path) -> dict[str, Any]:
    return saved_devices(tmp_path / "state.json")


@pytest.fixture
def llm_requests(models: Models, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every text given to the LLM while the test runs."""
    asked: list[str] = []
    ask = models.llm.ask

    def spy(user: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(user)
        return ask(user, *args, **kwargs)

    monkeypatch.setattr(models.llm, "ask", spy)
    yield asked


def replay_files(config: Config, models: Models, *paths: Path) -> list[dict[str, Any]]:
    report = replay(config, models, WavFileSource(list(paths)))
    turns: list[dict[str, Any]] = report["turns"]
    assert [Path(turn["input"]).name for turn in turns] == [path.name for path in paths], turns
    return turns


def check_kitchen_light_turned_on(turn: dict[str, Any], llm_requests: list[str]) -> None:
    assert turn["answered_by"] == "intent", turn
    assert turn["intent"]["name"] == "HassTurnOn", turn
    assert turn["intent"]["slots"] == {"name": "kitchen_light"}, turn
    assert turn["response"] == "Turned on the kitchen light.", turn
    assert turn["error"] is None
    assert turn["reply_audio_seconds"] > 0.5
    # No LLM call at all, so no token generated.
    assert turn["llm_completion_tokens"] == 0
    assert llm_requests == []


def test_state_file_back_end(models: Models, tmp_path: Path, llm_requests: list[str]) -> None:
    config = config_with_kitchen_light(tmp_path, {"backend": "state_file"})
    assert state_file_devices(tmp_path) == {}

    [turn] = replay_files(config, models, KITCHEN_LIGHT_ON)

    check_kitchen_light_turned_on(turn, llm_requests)
    devices = state_file_devices(tmp_path)
    assert devices["kitchen_light"]["on"] is True
    assert set(devices) == {"kitchen_light"}  # nothing else was touched


@needs_mosquitto
def test_mqtt_back_end(models: Models, tmp_path: Path, llm_requests: list[str]) -> None:
    with running_broker(tmp_path) as broker:
        config = config_with_kitchen_light(
            tmp_path,
            {"backend": "mqtt", "command_topic": COMMAND_TOPIC},
            mqtt={"host": "127.0.0.1", "port": broker.port, "timeout_seconds": 2.0},
        )
        watcher = Watcher(broker.port, "#")
        try:
            [turn] = replay_files(config, models, KITCHEN_LIGHT_ON)
            received = watcher.take(1)
            extra = [] if watcher.messages.empty() else watcher.take(watcher.messages.qsize())
        finally:
            watcher.close()

    check_kitchen_light_turned_on(turn, llm_requests)
    assert received == [(COMMAND_TOPIC, b"ON", False)]
    assert extra == []
    assert "kitchen_light" not in state_file_devices(tmp_path)


def test_homeassistant_back_end(
    models: Models, tmp_path: Path, llm_requests: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "ha-token"
    token_file.write_text(HA_TOKEN + "\n", encoding="utf-8")
    # The token file wins over the environment: a wrong token there must not be sent.
    monkeypatch.setenv("VOICED_TEST_HA_TOKEN", "not-the-token")
    with serving(FakeHomeAssistant()) as home_assistant:
        config = config_with_kitchen_light(
            tmp_path,
            {"backend": "homeassistant", "entity_id": "light.kitchen"},
            homeassistant={
                "url": home_assistant.url,
                "token_file": str(token_file),
                "token_env": "VOICED_TEST_HA_TOKEN",
                "timeout_seconds": 2.0,
            },
        )
        [turn] = replay_files(config, models, KITCHEN_LIGHT_ON)

    check_kitchen_light_turned_on(turn, llm_requests)
    # The fake records a call only when it came with "Bearer <the token>".
    assert home_assistant.calls == [("/api/services/light/turn_on", {"entity_id": "light.kitchen"})]
    assert "kitchen_light" not in state_file_devices(tmp_path)


def test_an_unreachable_broker_is_apologised_for_and_the_next_command_works(
    models: Models, tmp_path: Path, llm_requests: list[str]
) -> None:
    port = free_port()  # nothing listens here
    config = config_with_kitchen_light(
        tmp_path,
        {"backend": "mqtt", "command_topic": COMMAND_TOPIC},
        mqtt={"host": "127.0.0.1", "port": port, "timeout_seconds": 1.0},
    )

    failed, then = replay_files(config, models, KITCHEN_LIGHT_ON, WHAT_TIME)

    assert failed["answered_by"] == "intent", failed
    assert failed["intent"]["name"] == "HassTurnOn", failed
    assert failed["response"].startswith("Sorry, I couldn't reach the kitchen light"), failed
    assert failed["reply_audio_seconds"] > 0.5  # the apology was spoken
    assert then["answered_by"] == "intent", then
    assert then["intent"]["name"] == "HassGetCurrentTime", then
    assert then["response"] and then["reply_audio_seconds"] > 0.5
    assert then["error"] is None
    assert [failed["llm_completion_tokens"], then["llm_completion_tokens"]] == [0, 0]
    assert llm_requests == []
    assert "kitchen_light" not in state_file_devices(tmp_path)
