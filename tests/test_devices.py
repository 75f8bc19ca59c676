"""Devices: each device reaches its back end; unknown ids and impossible commands fail clearly."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import saved_devices
from tests.test_homeassistant_backend import TOKEN, FakeHomeAssistant, serving
from voiced.config import Config, parse_config
from voiced.devices import BackendError, DeviceState
from voiced.devices.registry import Devices, UnknownDeviceError


@pytest.fixture
def home_assistant() -> Iterator[FakeHomeAssistant]:
    with serving(FakeHomeAssistant()) as fake:
        yield fake


@pytest.fixture
def devices_config(tmp_path: Path, home_assistant: FakeHomeAssistant) -> Config:
    token_file = tmp_path / "ha-token"
    token_file.write_text(TOKEN, encoding="utf-8")
    return parse_config(
        {
            "devices": [
                {"id": "desk_lamp", "name": "desk lamp"},
                {"id": "kettle", "name": "kettle", "kind": "switch"},
                {
                    "id": "porch_light",
                    "name": "porch light",
                    "backend": "homeassistant",
                    "entity_id": "light.porch",
                },
                {
                    "id": "ceiling_fan",
                    "name": "ceiling fan",
                    "kind": "fan",
                    "backend": "homeassistant",
                    "entity_id": "fan.ceiling",
                },
            ],
            "state_file": {"path": str(tmp_path / "state.json")},
            "homeassistant": {"url": home_assistant.url, "token_file": str(token_file)},
        }
    )


@pytest.fixture
def devices(devices_config: Config) -> Devices:
    return Devices(devices_config)


def test_each_device_goes_to_its_back_end(
    devices: Devices, devices_config: Config, home_assistant: FakeHomeAssistant
) -> None:
    devices.turn("desk_lamp", True)
    devices.set_brightness("desk_lamp", 30)
    devices.turn("kettle", True)
    devices.set_brightness("porch_light", 70)
    devices.turn("ceiling_fan", False)

    assert saved_devices(devices_config.state_file.path) == {
        "desk_lamp": {"on": True, "brightness_pct": 30},
        "kettle": {"on": True, "brightness_pct": None},
    }
    assert home_assistant.calls == [
        ("/api/services/light/turn_on", {"entity_id": "light.porch", "brightness_pct": 70}),
        ("/api/services/fan/turn_off", {"entity_id": "fan.ceiling"}),
    ]
    assert devices.state("desk_lamp") == DeviceState(on=True, brightness_pct=30)
    assert devices.state("porch_light") == DeviceState(on=True, brightness_pct=70)
    assert devices.state("ceiling_fan") == DeviceState(on=False)
    devices.close()


def test_devices_and_find(devices: Devices) -> None:
    assert [device.id for device in devices.devices] == [
        "desk_lamp",
        "kettle",
        "porch_light",
        "ceiling_fan",
    ]
    assert devices.find("porch_light").entity_id == "light.porch"


def test_an_unknown_device_is_a_clear_error(devices: Devices, devices_config: Config) -> None:
    for command in (
        lambda: devices.find("garage_door"),
        lambda: devices.turn("garage_door", True),
        lambda: devices.set_brightness("garage_door", 10),
        lambda: devices.state("garage_door"),
    ):
        with pytest.raises(UnknownDeviceError, match="no device with id 'garage_door'"):
            command()
    assert not devices_config.state_file.path.exists()
    # Handlers that speak BackendErrors speak this one too.
    assert issubclass(UnknownDeviceError, BackendError)


def test_only_lights_dim_and_only_from_0_to_100(
    devices: Devices, home_assistant: FakeHomeAssistant, devices_config: Config
) -> None:
    with pytest.raises(BackendError, match="ceiling fan is a fan and cannot be dimmed"):
        devices.set_brightness("ceiling_fan", 50)
    with pytest.raises(ValueError, match="0 to 100"):
        devices.set_brightness("desk_lamp", 101)
    with pytest.raises(ValueError, match="0 to 100"):
        devices.set_brightness("desk_lamp", -1)
    assert home_assistant.calls == []
    assert not devices_config.state_file.path.exists()


def test_commands_are_logged_without_the_token(
    devices: Devices, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        devices.turn("porch_light", True)
        devices.set_brightness("desk_lamp", 20)
    messages = [r.getMessage() for r in caplog.records if r.name == "voiced.devices.registry"]
    assert messages == [
        "turning porch_light on (homeassistant)",
        "setting desk_lamp to 20% brightness (state_file)",
    ]
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_a_back_end_is_created_once_and_only_when_used(
    devices: Devices, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[str] = []
    create = devices._create

    def counting(name: str) -> object:
        created.append(name)
        return create(name)

    monkeypatch.setattr(devices, "_create", counting)
    devices.turn("desk_lamp", True)
    devices.turn("kettle", False)
    devices.state("desk_lamp")
    assert created == ["state_file"]
    devices.close()
