"""The device keys of the built-in back ends, each its own section (DeviceConfig and the
keys that back end reads), told apart by `backend:`. A back end registers its section
with its `BackendKind` (voiced.devices.backends); one with no keys of its own uses
DeviceConfig as it is (the state file does).

    - {id: lamp, name: lamp, backend: mqtt, command_topic: home/lamp/set}
    - {id: porch, name: porch light, backend: homeassistant, entity_id: light.porch}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from voiced.device_config import DeviceConfig
from voiced.sections import MqttTopic

# MQTT payloads per kind, as Home Assistant's MQTT integrations expect them by default.
DEFAULT_PAYLOADS = {"lock": ("LOCK", "UNLOCK"), "garage_door": ("OPEN", "CLOSE")}


class MqttDevice(DeviceConfig):
    backend: Literal["mqtt"] = "mqtt"
    # Where commands go and where the device reports its state.
    command_topic: MqttTopic
    state_topic: MqttTopic | None = None
    brightness_command_topic: MqttTopic | None = None
    # The brightness a light takes at full: 100 (percent), or 255 or 254 (Home Assistant's).
    brightness_scale: Annotated[int, Field(ge=1, le=65535)] = 100
    # Default: ON/OFF; LOCK/UNLOCK for a lock; OPEN/CLOSE for a garage door.
    payload_on: str = "ON"
    payload_off: str = "OFF"
    # A light's command that sets its brightness (Home Assistant's template schema),
    # {{ brightness }} standing for the value on brightness_scale.
    brightness_command_template: Annotated[str, Field(max_length=4096)] | None = None
    # The key of a JSON state message that holds the state, as the template
    # {{ value_json.POWER }} reads it (Tasmota); unset: the message itself, or its "state".
    state_value_key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")] | None = None
    # Set on a device read from another program's MQTT discovery config (zigbee2mqtt,
    # Tasmota), which announces it to Home Assistant itself: voiced does not announce it
    # again. Not a key of voiced.yaml.
    _discovered: bool = PrivateAttr(default=False)

    @classmethod
    def discovered_as(cls, **fields: Any) -> MqttDevice:
        """The device another program announced by MQTT discovery, with these keys."""
        device = cls(**fields)
        device._discovered = True
        return device

    @property
    def discovered(self) -> bool:
        return self._discovered

    @model_validator(mode="before")
    @classmethod
    def _payloads_of_kind(cls, data: Any) -> Any:
        # Only a string can name a kind; anything else is refused by the field's own check.
        if (
            isinstance(data, dict)
            and isinstance(data.get("kind"), str)
            and (data["kind"] in DEFAULT_PAYLOADS)
        ):
            payload_on, payload_off = DEFAULT_PAYLOADS[data["kind"]]
            data = {"payload_on": payload_on, "payload_off": payload_off, **data}
        return data


class HomeAssistantDevice(DeviceConfig):
    backend: Literal["homeassistant"] = "homeassistant"
    # The entity this device is, e.g. light.kitchen.
    entity_id: Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]
