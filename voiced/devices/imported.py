"""The devices voiced uses: those in voiced.yaml, then those Home Assistant and MQTT
discovery announce. A configured device wins a clash (the same id, a name said the same
way as a name or alias before it, the same entity or command topic): the imported one is
left out. An imported alias that names a device before it is dropped, not the device."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from voiced.config import Config, DeviceConfig
from voiced.device_settings import HomeAssistantDevice, MqttDevice
from voiced.devices import BackendError

if TYPE_CHECKING:  # their clients (TLS, paho) are loaded only when an import is on
    from voiced.devices.mqtt_discovery import DiscoveryWatcher

_log = logging.getLogger(__name__)


def imports_devices(config: Config) -> bool:
    return config.homeassistant.import_devices or config.mqtt.discovery_import


class DeviceImports:
    """Reads Home Assistant's devices when asked (start, reload) and follows MQTT discovery
    in the background; `on_change` is called when the announced devices change."""

    def __init__(self, on_change: Callable[[], None] = lambda: None, skip_node: str | None = None):
        self._on_change = on_change
        self._skip_node = skip_node
        self._watcher: DiscoveryWatcher | None = None
        self._watched: Config | None = None
        # The last devices Home Assistant gave: kept when it cannot be reached on a reload.
        self._from_home_assistant: list[DeviceConfig] = []

    def apply(self, config: Config) -> Config:
        """`config` with the imported devices added (none when importing is off)."""
        if not imports_devices(config):
            self.close()
            return config
        imported: list[DeviceConfig] = []
        if config.homeassistant.import_devices:
            from voiced.devices.ha_import import import_from_home_assistant

            try:
                self._from_home_assistant = import_from_home_assistant(config)
            except BackendError as err:
                _log.warning("devices from Home Assistant not read (%s); %s", err, _kept(self))
            imported += self._from_home_assistant
        if config.mqtt.discovery_import:
            imported += self._discovered(config)
        # Without a device list of its own, voiced's demo devices give way to the home's.
        own = config.devices if "devices" in config.model_fields_set else []
        return config.model_copy(update={"devices": merge(own, imported)})

    def _discovered(self, config: Config) -> list[DeviceConfig]:
        if self._watcher is None or self._watched is None or self._watched.mqtt != config.mqtt:
            from voiced.devices.mqtt_discovery import DiscoveryWatcher

            watcher = DiscoveryWatcher(config.mqtt, self._on_change, self._skip_node)
            try:
                watcher.start()  # reads the password file: it may not be there (yet)
            except BackendError as err:
                # Only a watcher that started is kept: the next reload tries again.
                watcher.close()
                kept = "the devices discovered before are kept" if self._watcher else "none"
                _log.error(
                    "MQTT discovery not started (%s); discovered devices: %s until a reload "
                    "(SIGHUP) once this is mended",
                    err,
                    kept,
                )
                return self._watcher.devices() if self._watcher is not None else []
            self.close()
            self._watcher, self._watched = watcher, config
            watcher.wait_synced(config.mqtt.timeout_seconds)
        return self._watcher.devices()

    def close(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.close()


def _kept(imports: DeviceImports) -> str:
    count = len(imports._from_home_assistant)
    return f"keeping the {count} read before" if count else "none from there for now"


def merge(own: Iterable[DeviceConfig], imported: Iterable[DeviceConfig]) -> list[DeviceConfig]:
    devices: list[DeviceConfig] = []
    ids: set[str] = set()
    spoken: dict[str, str] = {}
    targets: set[str] = set()
    for device in own:
        devices.append(device)
        _claim(device, ids, spoken, targets)
    for device in imported:
        clash = _clash(device, ids, spoken, targets)
        if clash:
            _log.info("imported device %s left out: %s", device.id, clash)
            continue
        device = _without_taken_aliases(device, spoken)
        devices.append(device)
        _claim(device, ids, spoken, targets)
    return devices


def _key(name: str) -> str:
    # As Config checks its own devices: case and spacing do not make names different.
    return " ".join(name.casefold().split())


def _keys(device: DeviceConfig) -> list[str]:
    return [_key(name) for name in (device.id, device.name, *device.aliases)]


def _without_taken_aliases(device: DeviceConfig, spoken: dict[str, str]) -> DeviceConfig:
    kept = [alias for alias in device.aliases if spoken.get(_key(alias), device.id) == device.id]
    if len(kept) == len(device.aliases):
        return device
    _log.info("imported device %s: an alias that names another device dropped", device.id)
    return device.model_copy(update={"aliases": kept})


def _target(device: DeviceConfig) -> str | None:
    if isinstance(device, HomeAssistantDevice):
        return f"entity {device.entity_id}"
    if isinstance(device, MqttDevice):
        return f"topic {device.command_topic}"
    return None


def _clash(device: DeviceConfig, ids: set[str], spoken: dict[str, str], targets: set[str]) -> str:
    if device.id in ids:
        return f"the id {device.id!r} is taken"
    for key in (_key(device.id), _key(device.name)):
        if key in spoken:
            return f"{key!r} already names {spoken[key]!r}"
    target = _target(device)
    if target is not None and target in targets:
        return f"another device has the {target}"
    return ""


def _claim(device: DeviceConfig, ids: set[str], spoken: dict[str, str], targets: set[str]) -> None:
    ids.add(device.id)
    for key in _keys(device):
        spoken.setdefault(key, device.id)
    target = _target(device)
    if target is not None:
        targets.add(target)


def with_imported_devices(config: Config) -> Config:
    """`config` with the devices imported once (for `voiced ask` and `voiced replay`)."""
    imports = DeviceImports()
    try:
        return imports.apply(config)
    finally:
        imports.close()
