"""Devices: the one object handlers use to find and switch devices, whatever their back end."""

from __future__ import annotations

import logging
import threading

from voiced.config import Config, DeviceConfig
from voiced.device_config import backend_kinds
from voiced.devices import Backend, BackendError, DeviceState

_log = logging.getLogger(__name__)


class UnknownDeviceError(BackendError):
    """No configured device has this id."""


class Devices:
    def __init__(self, config: Config) -> None:
        self._config = config
        self.devices: list[DeviceConfig] = list(config.devices)
        self._by_id = {device.id: device for device in self.devices}
        # Back ends open connections or files: only those some device uses, once each.
        self._backends: dict[str, Backend] = {}
        self._lock = threading.Lock()

    def find(self, device_id: str) -> DeviceConfig:
        device = self._by_id.get(device_id)
        if device is None:
            known = ", ".join(sorted(self._by_id)) or "none"
            raise UnknownDeviceError(f"no device with id {device_id!r} (configured: {known})")
        return device

    def turn(self, device_id: str, on: bool) -> None:
        device = self.find(device_id)
        _log.info("turning %s %s (%s)", device.id, "on" if on else "off", device.backend)
        self._backend(device).turn(device, on)

    def set_brightness(self, device_id: str, percent: int) -> None:
        device = self.find(device_id)
        if not 0 <= percent <= 100:
            raise ValueError(f"brightness must be 0 to 100 percent, not {percent}")
        if device.kind != "light":
            kind = device.kind.replace("_", " ")
            raise BackendError(f"the {device.name} is a {kind} and cannot be dimmed")
        _log.info("setting %s to %d%% brightness (%s)", device.id, percent, device.backend)
        self._backend(device).set_brightness(device, percent)

    def state(self, device_id: str) -> DeviceState:
        device = self.find(device_id)
        return self._backend(device).state(device)

    def reported_state(self, device_id: str) -> DeviceState:
        """What the device is now, asked of its back end (for "is the kitchen light on?")."""
        device = self.find(device_id)
        return self._backend(device).reported_state(device)

    def close(self) -> None:
        with self._lock:
            backends, self._backends = self._backends, {}
        for name, backend in backends.items():
            try:
                backend.close()
            except Exception:
                # Closing is best effort: the other back ends still get closed.
                _log.exception("closing the %s back end failed", name)

    def _backend(self, device: DeviceConfig) -> Backend:
        with self._lock:
            backend = self._backends.get(device.backend)
            if backend is None:
                backend = self._create(device.backend)
                self._backends[device.backend] = backend
            return backend

    def _create(self, name: str) -> Backend:
        users = [device for device in self.devices if device.backend == name]
        return backend_kinds()[name].create(self._config, users)
