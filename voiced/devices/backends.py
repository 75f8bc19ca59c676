"""The built-in device back ends, registered by name (entry points voiced.devices) as a
third-party one would be; each is imported only when a device uses it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voiced.device_config import BackendKind, DeviceConfig
from voiced.device_settings import HomeAssistantDevice, MqttDevice

if TYPE_CHECKING:  # the configuration's own types are built from these kinds
    from voiced.config import Config
    from voiced.devices import Backend


def _state_file(config: Config, devices: list[DeviceConfig]) -> Backend:
    from voiced.devices.state_file import StateFileBackend

    return StateFileBackend(config.state_file.path)


def _mqtt(config: Config, devices: list[DeviceConfig]) -> Backend:
    from voiced.devices.mqtt import MqttBackend

    return MqttBackend(config.mqtt, devices)


def _homeassistant(config: Config, devices: list[DeviceConfig]) -> Backend:
    from voiced.devices.homeassistant import HomeAssistantBackend

    return HomeAssistantBackend(config.homeassistant)


state_file = BackendKind(_state_file)
mqtt = BackendKind(_mqtt, MqttDevice)
homeassistant = BackendKind(_homeassistant, HomeAssistantDevice)
