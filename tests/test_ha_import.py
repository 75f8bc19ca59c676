"""Devices read from a Home Assistant that answers as its REST API does, where its
WebSocket API is not there (the registries' path is in test_ha_registry.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.home import FakeHome, serving_home, state
from tests.servers import HA_TOKEN, hostile_http
from voiced.config import SENSITIVE_KINDS, Config, parse_config
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError
from voiced.devices.ha_import import import_from_home_assistant
from voiced.devices.imported import DeviceImports, merge


@pytest.fixture
def home() -> Iterator[FakeHome]:
    with serving_home(FakeHome(websocket="absent")) as fake:
        yield fake


def config_for(url: str, tmp_path: Path, **more: object) -> Config:
    token = tmp_path / "ha-token"
    token.write_text(HA_TOKEN + "\n", encoding="utf-8")
    return parse_config(
        {
            "homeassistant": {
                "url": url,
                "token_file": str(token),
                "timeout_seconds": 2,
                "import": True,
            },
            **more,
        }
    )


def test_lights_switches_fans_locks_and_garage_doors_with_names_and_areas(
    home: FakeHome, tmp_path: Path
) -> None:
    devices = import_from_home_assistant(config_for(home.url, tmp_path))

    found = {(d.entity_id, d.kind, d.name, d.area) for d in devices}
    assert found == {
        ("light.kitchen", "light", "Kitchen Light", "Kitchen"),
        ("switch.coffee_maker", "switch", "Coffee Maker", "Kitchen"),
        ("fan.bedroom_ceiling", "fan", "Ceiling Fan", "Bedroom"),
        ("lock.front_door", "lock", "Front Door", "Hallway"),
        ("cover.garage_door", "garage_door", "Garage Door", "Garage"),
        # Exposed to Assist or not: the REST API does not say.
        ("switch.garden_pump", "switch", "Garden Pump", None),
    }
    assert all(d.backend == "homeassistant" for d in devices)
    # The locks and garage doors keep the confirmation of their kind; MQTT's payloads are
    # no keys of a Home Assistant device.
    lock = next(d for d in devices if d.kind == "lock")
    assert lock.kind in SENSITIVE_KINDS and "payload_on" not in type(lock).model_fields
    assert home.requests == ["GET /api/websocket", "GET /api/states", "POST /api/template"]


def test_without_an_administrator_token_the_areas_are_missing_not_the_devices(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serving_home(FakeHome(admin=False)) as home:
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert len(devices) == 6
    assert {d.area for d in devices} == {None}
    assert "no areas" in caplog.text


def test_names_nobody_can_say_are_left_out(tmp_path: Path) -> None:
    odd = [
        state("light.a", "on", "Porch\x00Light"),
        state("light.b", "on", "x" * 300),
        state("switch.c", "on", ""),  # no friendly name: the object id is said
        {"entity_id": "light.d"},
        {"entity_id": "../../etc", "attributes": {}},
        "not a state",
    ]
    fake = FakeHome(states=odd, areas={"switch.c": "\u200bnowhere"}, websocket="absent")
    with serving_home(fake) as home:
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert [(d.entity_id, d.name, d.area) for d in devices] == [
        ("switch.c", "c", None),
        ("light.d", "d", None),
    ]


@pytest.mark.parametrize("behaviour", ["html", "huge", "redirect"])
def test_a_misbehaving_server_is_a_backend_error(behaviour: str, tmp_path: Path) -> None:
    with (
        hostile_http(behaviour, redirect_to="http://example.invalid/") as server,
        pytest.raises(BackendError) as raised,
    ):
        import_from_home_assistant(config_for(server.url, tmp_path))
    assert HA_TOKEN not in str(raised.value)


def test_configured_devices_win_and_replace_the_demo_devices_only_when_absent(
    home: FakeHome, tmp_path: Path
) -> None:
    own = {
        "id": "kitchen",
        "name": "kitchen light",
        "kind": "light",
        "backend": "state_file",
    }
    imports = DeviceImports()
    with_own = imports.apply(config_for(home.url, tmp_path, devices=[own]))
    names = [d.name for d in with_own.devices]
    assert names[0] == "kitchen light"
    assert "Kitchen Light" not in names  # the same name said the same way
    assert "Coffee Maker" in names

    without_list = imports.apply(config_for(home.url, tmp_path))
    assert "bedroom lamp" not in [d.name for d in without_list.devices]  # no demo devices
    assert len(without_list.devices) == 6


def test_home_assistant_down_on_a_reload_keeps_the_devices_read_before(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    imports = DeviceImports()
    with serving_home(FakeHome(websocket="absent")) as home:
        first = imports.apply(config_for(home.url, tmp_path))
    caplog.set_level(logging.WARNING)
    again = imports.apply(config_for(home.url, tmp_path))
    assert again.devices == first.devices
    assert "keeping the 6 read before" in caplog.text


def test_merge_leaves_out_a_second_device_on_the_same_entity() -> None:
    own = HomeAssistantDevice(id="lamp", name="lamp", entity_id="light.kitchen")
    imported = HomeAssistantDevice(
        id="ha_light_kitchen", name="Kitchen", backend="homeassistant", entity_id="light.kitchen"
    )
    assert merge([own], [imported]) == [own]


def test_an_entry_left_out_is_said_with_what_was_wrong() -> None:
    from voiced.devices.ha_import import MAX_WHY_CHARS, _why

    assert _why(TypeError("unhashable type: 'list'")) == "TypeError: unhashable type: 'list'"
    assert len(_why(ValueError("x" * 1000))) == MAX_WHY_CHARS
