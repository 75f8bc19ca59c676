"""Each back end reports a device's state when asked (for "is the kitchen light on?"): the
state file read afresh, MQTT's retained state_topic message, Home Assistant's
GET /api/states/<entity_id> on a local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mqtt_devices import mqtt_device
from tests.servers import JsonHandler, Watcher, needs_mosquitto, running_broker, serving_http
from voiced.config import DeviceConfig, HomeAssistantConfig, MqttConfig
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError, DeviceState
from voiced.devices.homeassistant import HomeAssistantBackend, entity_state
from voiced.devices.mqtt import MqttBackend
from voiced.devices.state_file import StateFileBackend

LAMP = DeviceConfig(id="desk_lamp", name="desk lamp")
TOKEN = "test-token-for-states"
STATES: dict[str, dict[str, Any]] = {
    "light.porch": {"state": "on", "attributes": {"brightness": 128}},
    "lock.front": {"state": "locked", "attributes": {}},
    "cover.garage": {"state": "closed", "attributes": {}},
    "switch.heater": {"state": "unavailable", "attributes": {}},
}


def test_the_state_file_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    backend = StateFileBackend(path)
    backend.turn(LAMP, True)
    # Another program switches the lamp off in the file.
    path.write_text(json.dumps({"devices": {"desk_lamp": {"on": False, "brightness_pct": 10}}}))
    assert backend.reported_state(LAMP) == DeviceState(on=False, brightness_pct=10)


def test_a_device_the_state_file_does_not_hold_is_unknown(tmp_path: Path) -> None:
    assert StateFileBackend(tmp_path / "none.json").reported_state(LAMP) == DeviceState()


class _States(JsonHandler):
    def do_GET(self) -> None:
        entity_id = self.path.removeprefix("/api/states/")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.answer(401, {"message": "401: Unauthorized"})
        elif entity_id in STATES:
            self.answer(200, {"entity_id": entity_id, **STATES[entity_id]})
        else:
            self.answer(404, {"message": "Entity not found."})


@pytest.fixture
def home_assistant_url() -> Iterator[str]:
    with serving_http(_States) as url:
        yield url


def ha_device(entity_id: str, kind: str = "light") -> DeviceConfig:
    return HomeAssistantDevice(
        id=entity_id.replace(".", "_"),
        name=entity_id,
        kind=kind,
        backend="homeassistant",
        entity_id=entity_id,
    )


def ha_backend(url: str, tmp_path: Path, token: str = TOKEN) -> HomeAssistantBackend:
    token_file = tmp_path / "token"
    token_file.write_text(token)
    return HomeAssistantBackend(
        HomeAssistantConfig(url=url, token_file=token_file, timeout_seconds=2)
    )


def test_home_assistant_reports_its_entities_states(
    home_assistant_url: str, tmp_path: Path
) -> None:
    backend = ha_backend(home_assistant_url, tmp_path)
    read = backend.reported_state
    assert read(ha_device("light.porch")) == DeviceState(on=True, brightness_pct=50)
    assert read(ha_device("lock.front", "lock")) == DeviceState(on=True)  # locked
    assert read(ha_device("cover.garage", "garage_door")) == DeviceState(on=False)  # closed
    assert read(ha_device("switch.heater", "switch")) == DeviceState()  # unavailable


def test_a_state_home_assistant_refuses_is_an_error(
    home_assistant_url: str, tmp_path: Path
) -> None:
    with pytest.raises(BackendError, match=r"HTTP 401.*check the access token"):
        ha_backend(home_assistant_url, tmp_path, "wrong").reported_state(ha_device("light.porch"))
    with pytest.raises(BackendError, match="HTTP 404"):
        ha_backend(home_assistant_url, tmp_path).reported_state(ha_device("light.gone"))


@pytest.mark.parametrize(
    "answer, state",
    [
        ({"state": "off", "attributes": {"brightness": None}}, DeviceState(on=False)),
        ({"state": "on", "attributes": {"brightness": 255}}, DeviceState(True, 100)),
        ({"state": "opening"}, DeviceState()),
        ({"state": "on", "attributes": {"brightness": True}}, DeviceState(on=True)),
        (["on"], DeviceState()),
    ],
)
def test_entity_states_are_read_as_on_off_and_percent(answer: Any, state: DeviceState) -> None:
    assert entity_state(answer) == state


@needs_mosquitto
def test_mqtt_reports_the_retained_state_on_the_first_question(tmp_path: Path) -> None:
    lamp = mqtt_device("desk_lamp")
    with running_broker(tmp_path) as broker:
        watcher = Watcher(broker.port)
        watcher.publish("home/desk_lamp/state", "ON", retain=True)
        watcher.close()
        backend = MqttBackend(MqttConfig(host="127.0.0.1", port=broker.port), [lamp])
        try:
            # Connecting happens in this call: the retained state arrives right after.
            assert backend.reported_state(lamp) == DeviceState(on=True)
        finally:
            backend.close()
