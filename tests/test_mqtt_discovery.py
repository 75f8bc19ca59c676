"""Devices from Home Assistant's MQTT discovery, on a real Mosquitto broker, in the forms
zigbee2mqtt and Tasmota publish."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.home import (
    DISCOVERY,
    TASMOTA_DIMMER,
    TASMOTA_FAN,
    Z2M_LIGHT,
    Z2M_LIGHT_TOPIC,
    Z2M_PLUG_TOPIC,
)
from tests.mqtt_devices import mqtt_config
from tests.servers import Broker, Watcher, needs_mosquitto, running_broker
from voiced.config import Config
from voiced.devices.imported import DeviceImports
from voiced.devices.mqtt_discovery import (
    SETTLE_SECONDS,
    DiscoveryWatcher,
    device_from_config,
    expand,
)
from voiced.devices.mqtt_payloads import parse_state
from voiced.devices.registry import Devices

pytestmark = needs_mosquitto


def test_abbreviations_and_the_topic_base_are_expanded_as_home_assistant_does() -> None:
    config = expand(TASMOTA_DIMMER)
    assert config["command_topic"] == "tasmota_AABBCC/cmnd/POWER"
    assert config["brightness_command_topic"] == "tasmota_AABBCC/cmnd/Dimmer"
    assert config["payload_on"] == "ON"
    assert expand({"~": "base/", "cmd_t": "set/~", "name": "~x"}) == {
        "command_topic": "set/base/",
        "name": "~x",  # not a topic: left as it is
    }


def test_zigbee2mqtt_json_light_is_switched_with_json_payloads() -> None:
    device = device_from_config("light", "0x00158d0001a2b3c4", "light", expand(Z2M_LIGHT))
    assert device is not None
    assert device.name == "Kitchen Light"  # name null: the device's name
    assert device.area == "Kitchen"
    assert device.command_topic == "zigbee2mqtt/Kitchen Light/set"
    assert device.state_topic == "zigbee2mqtt/Kitchen Light"
    assert json.loads(device.payload_on) == {"state": "ON"}
    assert json.loads(device.payload_off) == {"state": "OFF"}
    assert device.brightness_scale == 254


def test_a_basic_light_dims_on_its_own_scale() -> None:
    config = expand({"cmd_t": "lamp/set", "bri_cmd_t": "lamp/dim", "name": "Lamp"})
    device = device_from_config("light", "", "lamp", config)
    assert device is not None
    assert (device.brightness_command_topic, device.brightness_scale) == ("lamp/dim", 255)
    plain = device_from_config("light", "", "x", expand({"cmd_t": "x/set", "schema": "json"}))
    assert plain is not None and plain.brightness_scale == 255  # Home Assistant's, unless said


@pytest.mark.parametrize(
    ("announced", "reported", "expected"),
    [
        ({"bri_scl": 100, "brightness": True}, 50, 50),
        ({"bri_scl": 1000, "brightness": True}, 800, 80),
        ({"brightness": True}, 255, 100),
        ({}, 51, 20),  # no brightness announced: Home Assistant's scale, 255
    ],
)
def test_a_json_light_s_brightness_is_read_on_its_own_scale(
    announced: dict[str, object], reported: int, expected: int
) -> None:
    config = expand({"cmd_t": "lamp/set", "stat_t": "lamp", "schema": "json", **announced})
    device = device_from_config("light", "", "lamp", config)
    assert device is not None
    state = json.dumps({"state": "ON", "brightness": reported}).encode()
    assert parse_state(device, state) == (True, expected)
    # Dimmed to what it reports, on the same scale.
    assert round(expected * device.brightness_scale / 100) == reported


def test_an_entity_name_follows_its_device_name() -> None:
    config = expand({**TASMOTA_FAN, "dev": {"ids": ["x"], "name": "Bedroom"}})
    device = device_from_config("fan", "", "fan", config)
    assert device is not None and device.name == "Bedroom Ceiling Fan"
    # Tasmota's state: the POWER1 key of the JSON on tele/STATE.
    assert (device.state_topic, device.state_value_key) == ("tasmota_D3E5F6/tele/STATE", "POWER1")


@pytest.mark.parametrize(
    ("component", "config"),
    [
        ("light", {"cmd_t": "a/b", "schema": "template"}),
        ("light", {"name": "no command"}),
        ("light", {"cmd_t": "a/#", "name": "wildcard"}),
        ("cover", {"cmd_t": "a/b", "name": "blinds", "dev_cla": "blind"}),
    ],
)
def test_what_voiced_cannot_switch_is_refused_or_skipped(
    component: str, config: dict[str, object]
) -> None:
    try:
        device = device_from_config(component, "", "x", expand(config))
    except ValueError:
        return
    assert device is None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        yield running


def publish_home(broker: Broker) -> Watcher:
    watcher = Watcher(broker.port, topic="zigbee2mqtt/#")
    for topic, body in DISCOVERY.items():
        watcher.publish(topic, json.dumps(body), retain=True)
    # A sensor and a broken message beside them: neither is a device.
    watcher.publish("homeassistant/sensor/x/temperature/config", '{"stat_t": "t"}', retain=True)
    watcher.publish("homeassistant/light/y/config", "{not json", retain=True)
    return watcher


def test_retained_configs_become_devices_and_follow_removal(broker: Broker) -> None:
    watcher = publish_home(broker)
    changes: list[float] = []
    discovery = DiscoveryWatcher(mqtt_config(broker.port), on_change=lambda: changes.append(1))
    try:
        discovery.start()
        assert discovery.wait_synced(5)
        devices = {device.name: device for device in discovery.devices()}
        assert sorted(devices) == [
            "Ceiling Fan",
            "Coffee Maker",
            "Desk Lamp",
            "Front Door",
            "Garage Door",
            "Kitchen Light",
        ]
        assert devices["Garage Door"].kind == "garage_door"
        assert devices["Garage Door"].payload_on == "100"
        assert devices["Front Door"].kind == "lock"
        assert devices["Desk Lamp"].brightness_command_topic == "tasmota_AABBCC/cmnd/Dimmer"
        assert devices["Ceiling Fan"].area == "Bedroom"

        # An empty retained message removes the device, and the owner is told once.
        watcher.publish(Z2M_PLUG_TOPIC, "", retain=True)
        deadline = time.monotonic() + 5
        while not changes and time.monotonic() < deadline:
            time.sleep(0.05)
        assert changes == [1]
        assert "Coffee Maker" not in [device.name for device in discovery.devices()]
    finally:
        discovery.close()
        watcher.close()


def test_a_broker_that_comes_later_is_read_when_it_comes(tmp_path: Path) -> None:
    broker = Broker(tmp_path)
    changes: list[int] = []
    discovery = DiscoveryWatcher(mqtt_config(broker.port), on_change=lambda: changes.append(1))
    try:
        discovery.start()
        assert not discovery.wait_synced(0.5)
        assert discovery.devices() == []
        broker.start()
        watcher = publish_home(broker)
        deadline = time.monotonic() + 15
        while not changes and time.monotonic() < deadline:
            time.sleep(0.1)
        assert changes, "the devices announced after the start were never handed over"
        assert len(discovery.devices()) == 6
        watcher.close()
    finally:
        discovery.close()
        broker.stop()


@pytest.mark.parametrize(
    "payload",
    [
        b"{" * 5000,  # nested too deep
        b'{"cmd_t": "a/b", "name": "' + b"x" * 70_000 + b'"}',  # too large
        b'{"name": "no command topic", "dev": "not a block"}',
        b'{"cmd_t": ["a/b"], "name": "list topic"}',
        b'{"cmd_t": "a/+/b", "name": "wildcard"}',
        b'{"cmd_t": "a/b", "name": "Bell\\u0007"}',
        b"\xff\xfe not UTF-8",
        b"[1, 2, 3]",
    ],
)
def test_hostile_config_messages_are_left_out(
    payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = DiscoveryWatcher(mqtt_config(1))
    watcher._read("homeassistant/light/hostile/config", payload)
    assert watcher.devices() == []
    assert "left out" in caplog.text or "larger than" in caplog.text


def test_a_zigbee2mqtt_lock_state_is_read() -> None:
    from tests.home import Z2M_LOCK
    from voiced.devices.mqtt import parse_state

    device = device_from_config("lock", "n", "lock", expand(Z2M_LOCK))
    assert device is not None
    assert parse_state(device, b'{"state": "LOCK", "linkquality": 80}') == (True, None)
    assert parse_state(device, b'{"state": "UNLOCK"}') == (False, None)


def test_a_wrongly_typed_value_is_left_out_and_drops_the_device_it_replaces(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    topic = "homeassistant/cover/garage/door/config"
    door = {"name": "Garage Door", "cmd_t": "garage/set", "dev_cla": "garage"}
    watcher = Watcher(broker.port, topic="nothing/#")
    watcher.publish(topic, json.dumps(door), retain=True)
    discovery = DiscoveryWatcher(mqtt_config(broker.port))
    try:
        discovery.start()
        assert discovery.wait_synced(5)
        assert [device.name for device in discovery.devices()] == ["Garage Door"]

        with caplog.at_level(logging.WARNING, logger="voiced.devices.mqtt_discovery"):
            watcher.publish(topic, json.dumps({**door, "dev_cla": ["garage"]}), retain=True)
            deadline = time.monotonic() + 5
            while discovery.devices() and time.monotonic() < deadline:
                time.sleep(0.05)
        assert discovery.devices() == []
        assert f"{topic}: left out: its device_class is not a text" in caplog.text
    finally:
        discovery.close()
        watcher.close()


def test_a_password_file_that_cannot_be_read_stops_no_one_and_a_mended_one_is_used(
    broker: Broker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = Watcher(broker.port, topic="nothing/#")
    watcher.publish(Z2M_PLUG_TOPIC, json.dumps(DISCOVERY[Z2M_PLUG_TOPIC]), retain=True)
    password_file = tmp_path / "mqtt-password"  # not there yet (a systemd credential, say)
    mqtt = mqtt_config(broker.port, discovery_import=True)
    config = Config.model_validate({"mqtt": mqtt.model_dump(), "devices": []})
    locked = Config.model_validate(
        {
            "mqtt": {**mqtt.model_dump(), "username": "voiced", "password_file": password_file},
            "devices": [],
        }
    )
    imports = DeviceImports()
    try:
        # At start: said, and voiced goes on without the discovered devices.
        with caplog.at_level(logging.ERROR, logger="voiced.devices.imported"):
            assert imports.apply(locked).devices == []
        assert "MQTT discovery not started" in caplog.text
        assert str(password_file) in caplog.text

        plug = [device.id for device in imports.apply(config).devices]
        assert len(plug) == 1
        # A reload naming the file before it is there keeps what was discovered.
        assert [device.id for device in imports.apply(locked).devices] == plug
        password_file.write_text("secret\n", encoding="utf-8")
        # Mended, the next reload starts the watcher for the new section.
        assert [device.id for device in imports.apply(locked).devices] == plug
        assert imports._watched is locked
    finally:
        imports.close()
        watcher.close()


def test_voiced_announces_only_its_own_devices_and_does_not_read_them_back(
    broker: Broker,
) -> None:
    # mqtt.discovery and mqtt.discovery_import together: a zigbee2mqtt light, and a lamp of
    # voiced.yaml's that voiced announces to Home Assistant.
    home = Watcher(broker.port, topic="nothing/#")
    z2m_topic = Z2M_LIGHT_TOPIC
    home.publish(z2m_topic, json.dumps(Z2M_LIGHT), retain=True)
    mqtt = mqtt_config(broker.port, discovery=True, discovery_import=True)
    desk = {"id": "desk", "name": "desk lamp", "backend": "mqtt", "command_topic": "home/desk/set"}
    config = Config.model_validate({"mqtt": mqtt.model_dump(), "devices": [desk]})
    changes: list[float] = []
    imports = DeviceImports(on_change=lambda: changes.append(time.monotonic()))
    try:
        merged = imports.apply(config)
        assert [device.id for device in merged.devices] == [
            "desk",
            "mqtt_0x00158d0001a2b3c4_light_zigbee2mqtt",
        ]
        devices = Devices(merged)
        try:
            devices.turn("desk", True)  # connects, then announces
            devices.turn("mqtt_0x00158d0001a2b3c4_light_zigbee2mqtt", True)
        finally:
            devices.close()
        # What the watcher would take for a change settles within a second: none comes.
        time.sleep(SETTLE_SECONDS + 1.0)
        assert changes == []
        assert [device.id for device in imports.apply(config).devices] == [
            "desk",
            "mqtt_0x00158d0001a2b3c4_light_zigbee2mqtt",
        ]
    finally:
        imports.close()
        home.close()
    late = Watcher(broker.port, topic="homeassistant/#")
    try:
        retained = {topic for topic, _, _ in late.take(2)}
        time.sleep(0.5)  # a third would have come by now
        assert late.messages.empty()
    finally:
        late.close()
    # Home Assistant reads zigbee2mqtt's light from zigbee2mqtt only: no duplicate entity.
    assert retained == {z2m_topic, "homeassistant/light/voiced_desk/config"}
