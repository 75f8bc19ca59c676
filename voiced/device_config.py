"""The devices voiced switches, and the back ends that switch them, found by name.

A back end registers a `BackendKind` as an entry point in the group `voiced.devices`
(the built-in ones in voiced.devices.backends): how to create it, and the device keys it
needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from voiced.sections import MqttTopic, Section, SpokenName

if TYPE_CHECKING:
    from voiced.config import Config
    from voiced.devices import Backend

BACKEND_ENTRY_POINT_GROUP = "voiced.devices"


@dataclass(frozen=True)
class BackendKind:
    # Builds the back end, once, for the devices that use it.
    create: Callable[[Config, list[DeviceConfig]], Backend]
    # Device keys it cannot work without (mqtt: command_topic).
    required: tuple[str, ...] = ()


@functools.cache
def backend_kinds() -> dict[str, BackendKind]:
    found = entry_points(group=BACKEND_ENTRY_POINT_GROUP)
    kinds = {entry_point.name: entry_point.load() for entry_point in found}
    for name, kind in kinds.items():
        if not isinstance(kind, BackendKind):
            raise TypeError(f"the device back end {name!r} is {kind!r}, not a BackendKind")
    return kinds


DeviceKind = Literal["light", "switch", "fan", "lock", "garage_door"]
# Home Assistant's domain of each kind: its intents, services and MQTT discovery use it.
# "on" is locked for a lock and open for a garage door, as in Home Assistant's intents.
DOMAIN_OF_KIND = {
    "light": "light",
    "switch": "switch",
    "fan": "fan",
    "lock": "lock",
    "garage_door": "cover",
}
# Kinds that guard the home: opening or unlocking one waits for a spoken yes.
SENSITIVE_KINDS = frozenset({"lock", "garage_door"})
# MQTT payloads per kind, as Home Assistant's MQTT integrations expect them by default.
DEFAULT_PAYLOADS = {"lock": ("LOCK", "UNLOCK"), "garage_door": ("OPEN", "CLOSE")}


class DeviceConfig(Section):
    # A stable identifier: state file key, MQTT discovery id.
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    # What people call it; aliases are other names for the same device.
    name: SpokenName
    aliases: list[SpokenName] = Field(default_factory=list)
    area: SpokenName | None = None
    kind: DeviceKind = "light"
    # A registered back end (entry points voiced.devices): state_file, mqtt, homeassistant.
    backend: str = "state_file"
    # mqtt: where commands go and where the device reports its state.
    command_topic: MqttTopic | None = None
    state_topic: MqttTopic | None = None
    brightness_command_topic: MqttTopic | None = None
    # The brightness a light takes at full: 100 (percent), or 255 or 254 (Home Assistant's).
    brightness_scale: Annotated[int, Field(ge=1, le=65535)] = 100
    # Default: ON/OFF; LOCK/UNLOCK for a lock; OPEN/CLOSE for a garage door.
    payload_on: str = "ON"
    payload_off: str = "OFF"
    # mqtt: a light's command that sets its brightness (Home Assistant's template schema),
    # {{ brightness }} standing for the value on brightness_scale.
    brightness_command_template: Annotated[str, Field(max_length=4096)] | None = None
    # mqtt: the key of a JSON state message that holds the state, as the template
    # {{ value_json.POWER }} reads it (Tasmota); unset: the message itself, or its "state".
    state_value_key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")] | None = None
    # homeassistant: the entity this device is, e.g. light.kitchen.
    entity_id: Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")] | None = None

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

    @property
    def domain(self) -> str:
        return DOMAIN_OF_KIND[self.kind]

    @model_validator(mode="after")
    def _backend_settings(self) -> DeviceConfig:
        kinds = backend_kinds()
        if self.backend not in kinds:
            names = ", ".join(sorted(kinds))
            raise ValueError(f"device {self.id!r}: no back end {self.backend!r} ({names})")
        for key in kinds[self.backend].required:
            if not getattr(self, key, None):
                raise ValueError(f"device {self.id!r} uses {self.backend} and needs a {key}")
        return self


def demo_devices() -> list[DeviceConfig]:
    return [
        DeviceConfig(
            id="kitchen_light",
            name="kitchen light",
            area="kitchen",
            aliases=["kitchen lights", "light in the kitchen"],
        ),
        DeviceConfig(
            id="bedroom_lamp", name="bedroom lamp", area="bedroom", aliases=["bedside lamp"]
        ),
        DeviceConfig(id="living_room_light", name="living room light", area="living room"),
        DeviceConfig(id="coffee_maker", name="coffee maker", area="kitchen", kind="switch"),
        DeviceConfig(id="ceiling_fan", name="ceiling fan", area="bedroom", kind="fan"),
    ]
