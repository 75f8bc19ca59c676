"""The devices voiced switches, and the back ends that switch them, found by name.

A back end registers a `BackendKind` as an entry point in the group `voiced.devices`
(the built-in ones in voiced.devices.backends): how to create it, and its device section
(the keys every device has, and its own: voiced/device_settings.py). A device is the
section of the back end its `backend:` names, so adding a back end touches its own
module and its entry point only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag
from pydantic_core import ErrorDetails

from voiced.sections import Section, SpokenName

if TYPE_CHECKING:
    from voiced.config import Config
    from voiced.devices import Backend

BACKEND_ENTRY_POINT_GROUP = "voiced.devices"


@dataclass(frozen=True)
class BackendKind:
    # Builds the back end, once, for the devices that use it.
    create: Callable[[Config, list[DeviceConfig]], Backend]
    # Its devices' section: DeviceConfig, or a subclass with the back end's own keys and
    # `backend` a Literal of its name.
    settings: type[DeviceConfig] = field(default_factory=lambda: DeviceConfig)


@functools.cache
def backend_kinds() -> dict[str, BackendKind]:
    found = entry_points(group=BACKEND_ENTRY_POINT_GROUP)
    kinds = {entry_point.name: entry_point.load() for entry_point in found}
    for name, kind in kinds.items():
        if not isinstance(kind, BackendKind):
            raise TypeError(f"the device back end {name!r} is {kind!r}, not a BackendKind")
    return kinds


DeviceKind = Literal["light", "switch", "fan", "lock", "garage_door"]
# The device classes of a Home Assistant cover that voiced opens and closes.
GARAGE_CLASSES = frozenset({"garage", "gate"})


def cover_kind(device_class: Any) -> DeviceKind | None:
    """What a cover of this device_class (in a state or a discovery config) is to voiced:
    a garage door, or nothing it switches. One that is not a text: ValueError."""
    if device_class is not None and not isinstance(device_class, str):
        raise ValueError("its device_class is not a text")
    return "garage_door" if device_class in GARAGE_CLASSES else None


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

    @property
    def domain(self) -> str:
        return DOMAIN_OF_KIND[self.kind]


def device_section() -> Any:
    """The type of one device: the section of the back end its `backend:` names
    (state_file when left out)."""
    kinds = backend_kinds()
    if len(kinds) == 1:
        return next(iter(kinds.values())).settings
    members = tuple(Annotated[kind.settings, Tag(name)] for name, kind in kinds.items())
    return Annotated[Union[members], Discriminator(_backend_of)]  # noqa: UP007


def _backend_of(value: Any) -> str | None:
    """The tag of a device: None (refused as such) for what is not a device at all."""
    if isinstance(value, dict):
        return str(value.get("backend", "state_file"))
    backend = getattr(value, "backend", None)
    return None if backend is None else str(backend)


def without_backend(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A device's key as written: pydantic names the back end (the union's tag) after
    the device's index."""
    if len(loc) > 2 and loc[0] == "devices" and loc[2] in backend_kinds():
        return (*loc[:2], *loc[3:])
    return loc


def describe_device_error(key: str, error: ErrorDetails) -> str | None:
    """An unknown back end, or a key the device's back end needs, said as such; None for
    any other error."""
    loc = error["loc"]
    if error["type"] == "union_tag_invalid" and loc[:1] == ("devices",):
        names = ", ".join(sorted(backend_kinds()))
        return f"{key}: no back end {error.get('ctx', {}).get('tag')!r} ({names})"
    if error["type"] == "union_tag_not_found" and loc[:1] == ("devices",):
        return f"{key}: must be a device, a mapping of its keys"
    if error["type"] == "missing" and len(loc) == 4 and loc[0] == "devices":
        device = error.get("input")
        name = device.get("id") if isinstance(device, dict) else None
        return f"{key}: device {name!r} uses {loc[2]} and needs a {loc[3]}"
    return None


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
