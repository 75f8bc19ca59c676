"""The discovery forms beyond one plain config per entity: Tasmota's state read through its
value template, template-schema lights, and device-based discovery (HA 2024.11+), on a
real Mosquitto broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.home import TASMOTA_DIMMER, TASMOTA_DIMMER_TOPIC
from tests.mqtt_devices import mqtt_config, wait_for_state
from tests.servers import Broker, Watcher, needs_mosquitto, running_broker
from voiced.config import DeviceConfig
from voiced.devices import DeviceState
from voiced.devices.mqtt import MqttBackend, parse_state
from voiced.devices.mqtt_discovery import DiscoveryWatcher, device_from_config, expand

pytestmark = needs_mosquitto


def tasmota_switch(template: str) -> dict[str, Any]:
    return {"name": "Porch", "~": "tasmota_1/", "cmd_t": "~cmnd/POWER", "stat_t": "~stat/RESULT",
            "val_tpl": template, "uniq_id": "porch"}  # fmt: skip


@pytest.mark.parametrize(
    ("template", "key"),
    [
        ("{{value_json.POWER}}", "POWER"),
        ("{{ value_json['POWER'] }}", "POWER"),
        ('{{ value_json["POWER1"] }}', "POWER1"),
        ("{{ value_json.state }}", None),  # the "state" parse_state reads anyway
        ("{{ value }}", None),
    ],
)
def test_simple_value_templates_name_the_state(template: str, key: str | None) -> None:
    device = device_from_config("switch", "", "porch", expand(tasmota_switch(template)))
    assert device is not None
    assert (device.state_topic, device.state_value_key) == ("tasmota_1/stat/RESULT", key)


@pytest.mark.parametrize(
    "template",
    [
        "{{ value_json.POWER | lower }}",
        "{{ value_json.a.b }}",
        "{% if value_json.POWER == 'ON' %}ON{% else %}OFF{% endif %}",
        "{{ value_json['POW' ~ 'ER'] }}",
    ],
)
def test_other_templates_leave_the_device_commanded_only(
    template: str, caplog: pytest.LogCaptureFixture
) -> None:
    device = device_from_config("switch", "", "porch", expand(tasmota_switch(template)))
    assert device is not None and device.command_topic == "tasmota_1/cmnd/POWER"
    assert device.state_topic is None
    assert "mqtt_porch: its state is not read" in caplog.text


def test_a_light_reads_its_state_value_template() -> None:
    config = {"name": "Hall", "cmd_t": "h/cmnd/POWER", "stat_t": "h/stat/RESULT",
              "stat_val_tpl": "{{ value_json.POWER }}"}  # fmt: skip
    device = device_from_config("light", "", "hall", expand(config))
    assert device is not None and device.state_value_key == "POWER"
    assert parse_state(device, b'{"POWER": "ON"}') == (True, None)
    # Tasmota's RESULT answers other commands too: that says nothing of this light.
    assert parse_state(device, b'{"Dimmer": 40}') == (None, None)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        yield running


def discovered(broker: Broker, messages: dict[str, Any]) -> tuple[Watcher, DiscoveryWatcher]:
    watcher = Watcher(broker.port, topic="voiced-test/none")
    for topic, body in messages.items():
        watcher.publish(topic, json.dumps(body), retain=True)
    discovery = DiscoveryWatcher(mqtt_config(broker.port))
    discovery.start()
    assert discovery.wait_synced(5)
    return watcher, discovery


def test_tasmota_state_is_read_from_its_result_topic(broker: Broker) -> None:
    watcher, discovery = discovered(broker, {TASMOTA_DIMMER_TOPIC: TASMOTA_DIMMER})
    (lamp,) = discovery.devices()
    discovery.close()
    backend = MqttBackend(mqtt_config(broker.port), [lamp])
    try:
        assert backend.state(lamp) == DeviceState()  # connected: the state topic subscribed
        watcher.publish("tasmota_AABBCC/stat/RESULT", '{"POWER":"ON"}')
        assert wait_for_state(backend, lamp, DeviceState(on=True)) == DeviceState(on=True)
        watcher.publish("tasmota_AABBCC/stat/RESULT", '{"Dimmer":30}')
        watcher.publish("tasmota_AABBCC/stat/RESULT", '{"POWER":"OFF"}')
        assert wait_for_state(backend, lamp, DeviceState(on=False)) == DeviceState(on=False)
    finally:
        backend.close()
        watcher.close()


TEMPLATE_LIGHT = {
    "name": "Strip",
    "schema": "template",
    "cmd_t": "strip/set",
    "cmd_on_tpl": "on,{{ brightness|d }}",
    "cmd_off_tpl": "off",
    "uniq_id": "strip",
}


def test_a_template_light_switches_and_dims_through_its_templates(broker: Broker) -> None:
    device = device_from_config("light", "", "strip", expand(TEMPLATE_LIGHT))
    assert device is not None
    assert (device.payload_on, device.payload_off) == ("on,", "off")
    watcher = Watcher(broker.port, topic="strip/set")
    backend = MqttBackend(mqtt_config(broker.port), [device])
    try:
        backend.turn(device, True)
        backend.set_brightness(device, 50)
        backend.turn(device, False)
        sent = [payload for _, payload, _ in watcher.take(3)]
        assert sent == [b"on,", b"on,128", b"off"]  # brightness 0-255, as Home Assistant's
    finally:
        backend.close()
        watcher.close()


@pytest.mark.parametrize(
    ("templates", "reason"),
    [
        ({"cmd_on_tpl": "on,{{ brightness|d }},{{ red|d }}", "cmd_off_tpl": "off"}, "more than"),
        ({"cmd_on_tpl": "{% if brightness %}on{% endif %}", "cmd_off_tpl": "off"}, "more than"),
        ({"cmd_on_tpl": "on"}, "needs command_on_template and command_off_template"),
    ],
)
def test_other_template_lights_are_refused_with_a_reason(
    templates: dict[str, str], reason: str
) -> None:
    config = {"name": "Strip", "schema": "template", "cmd_t": "strip/set", **templates}
    with pytest.raises(ValueError, match=reason):
        device_from_config("light", "", "strip", expand(config))


DEVICE_TOPIC = "homeassistant/device/0xa4c1385e1f2b/config"
# A device-based message: the device, its origin, its parts, and the options they share.
DEVICE_BASED = {
    "dev": {"ids": ["0xa4c1385e1f2b"], "name": "Desk", "mf": "Acme", "sa": "Study"},
    "o": {"name": "acme2mqtt", "sw": "1.0"},
    "cmps": {
        "lamp": {"p": "light", "name": "Lamp", "uniq_id": "desk_lamp", "cmd_t": "desk/lamp/set"},
        "fan": {
            "p": "fan",
            "name": "Fan",
            "uniq_id": "desk_fan",
            "~": "desk/fan",
            "cmd_t": "~/set",
            "val_tpl": "{{ value_json.fan }}",
        },
        "temperature": {"p": "sensor", "uniq_id": "desk_t", "val_tpl": "{{ value_json.t }}"},
    },
    "stat_t": "desk/state",
    "qos": 1,
}


def eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 5
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    return check()


def test_device_based_discovery_gives_each_part_and_follows_removal(broker: Broker) -> None:
    watcher, discovery = discovered(broker, {DEVICE_TOPIC: DEVICE_BASED})
    try:
        devices = {device.name: device for device in discovery.devices()}
        assert sorted(devices) == ["Desk Fan", "Desk Lamp"]  # the sensor is not a device
        lamp, fan = devices["Desk Lamp"], devices["Desk Fan"]
        assert (lamp.command_topic, lamp.state_topic, lamp.area) == (
            "desk/lamp/set",
            "desk/state",  # shared by the device's parts
            "Study",
        )
        assert (fan.command_topic, fan.state_value_key) == ("desk/fan/set", "fan")

        # The lamp no longer named: removed; then the whole device.
        without_lamp = {**DEVICE_BASED, "cmps": {"fan": DEVICE_BASED["cmps"]["fan"]}}
        watcher.publish(DEVICE_TOPIC, json.dumps(without_lamp), retain=True)
        assert eventually(lambda: [d.name for d in discovery.devices()] == ["Desk Fan"])
        watcher.publish(DEVICE_TOPIC, "", retain=True)
        assert eventually(lambda: discovery.devices() == [])
    finally:
        discovery.close()
        watcher.close()


def test_a_device_based_message_without_origin_or_identifiers_is_left_out(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    no_origin = {key: value for key, value in DEVICE_BASED.items() if key != "o"}
    no_ids = {**DEVICE_BASED, "dev": {"name": "Desk"}}
    other_topic = DEVICE_TOPIC.replace("0xa4c1385e1f2b", "0xother")
    watcher, discovery = discovered(broker, {DEVICE_TOPIC: no_origin, other_topic: no_ids})
    try:
        assert discovery.devices() == []
        assert "needs an o (origin) with a name" in caplog.text
        assert "needs identifiers (ids) or connections" in caplog.text
    finally:
        discovery.close()
        watcher.close()


def test_a_json_template_keeps_its_brightness_placeholder() -> None:
    json_template = {**TEMPLATE_LIGHT, "cmd_on_tpl": '{"state": "on", "level": {{brightness}}}'}
    device = device_from_config("light", "", "strip", expand(json_template))
    assert isinstance(device, DeviceConfig)
    assert device.brightness_command_template == '{"state": "on", "level": {{ brightness }}}'
