"""Devices and the back ends that switch them: a local state file, MQTT, Home Assistant.

Handlers speak to `Devices`, which finds each device's back end; a back end that
cannot be reached raises BackendError, which the turn turns into a spoken sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Not voiced.config: that module loads the back ends' entry points while it is imported.
from voiced.device_config import DeviceConfig
from voiced.errors import VoicedError


class BackendError(VoicedError):
    """A device back end cannot be reached or refused the command; says which and why.
    `unreached` names, as said aloud, the devices it failed ("the bedroom lamp") when the
    command named more than one."""

    def __init__(self, message: str, unreached: str | None = None) -> None:
        super().__init__(message)
        self.unreached = unreached


@dataclass(frozen=True)
class DeviceState:
    on: bool | None = None
    brightness_pct: int | None = None


class Backend(Protocol):
    def turn(self, device: DeviceConfig, on: bool) -> None: ...

    def set_brightness(self, device: DeviceConfig, percent: int) -> None: ...

    def state(self, device: DeviceConfig) -> DeviceState:
        """The last state known to voiced (commanded or reported)."""

    def close(self) -> None: ...

    def reported_state(self, device: DeviceConfig) -> DeviceState:
        """The device's state as its back end reports it now (unknown: None fields)."""
