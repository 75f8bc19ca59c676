"""The MQTT devices the broker tests switch, and the waits and settings they share."""

from __future__ import annotations

import time
from typing import Any

import pytest

from voiced.config import DeviceConfig, DeviceKind, MqttConfig
from voiced.device_settings import MqttDevice
from voiced.devices import BackendError, DeviceState
from voiced.devices.mqtt import MqttBackend

TIMEOUT_SECONDS = 1.0


def mqtt_device(
    device_id: str,
    kind: DeviceKind = "light",
    *,
    state_topic: bool = True,
    brightness_topic: bool = False,
    **options: Any,
) -> DeviceConfig:
    """A device named after its id ("desk_lamp" is "desk lamp") on the topics home/<id>/..."""
    topics = {
        "command_topic": f"home/{device_id}/set",
        "state_topic": f"home/{device_id}/state" if state_topic else None,
        "brightness_command_topic": (
            f"home/{device_id}/brightness/set" if brightness_topic else None
        ),
    }
    return MqttDevice(
        id=device_id,
        name=device_id.replace("_", " "),
        kind=kind,
        backend="mqtt",
        **{key: value for key, value in topics.items() if value is not None},
        **options,
    )


LAMP = mqtt_device("desk_lamp", brightness_topic=True)
PLUG = mqtt_device("kettle", "switch", state_topic=False, payload_on="1", payload_off="0")
FAN = mqtt_device("attic_fan", "fan")
FRONT_DOOR = mqtt_device("front_door", "lock")
GARAGE_DOOR = mqtt_device("garage_door", "garage_door")
DEVICES = [LAMP, PLUG, FAN, FRONT_DOOR, GARAGE_DOOR]


def mqtt_config(port: int, **options: Any) -> MqttConfig:
    """voiced's settings for the broker on the loopback `port`."""
    return MqttConfig(
        host="127.0.0.1", port=port, **{"timeout_seconds": TIMEOUT_SECONDS, **options}
    )


def wait_for_state(
    backend: MqttBackend, device: DeviceConfig, expected: DeviceState
) -> DeviceState:
    """The device's state once it is `expected`, or as it is after 5 seconds."""
    deadline = time.monotonic() + 5
    while (state := backend.state(device)) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return state


def refusal(config: MqttConfig, devices: list[DeviceConfig], device: DeviceConfig) -> str:
    """The message of the BackendError that switching `device` on ends with."""
    backend = MqttBackend(config, devices)
    try:
        with pytest.raises(BackendError) as raised:
            backend.turn(device, True)
    finally:
        backend.close()
    return str(raised.value)
