"""The state_file back end: devices that exist only as entries in a local JSON file.

The file reads `{"devices": {"<id>": {"on": bool, "brightness_pct": int | null}}}`.
It is replaced atomically, so a power cut mid-write leaves the old file or the new
one, never half of each.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from voiced.config import DeviceConfig
from voiced.devices import BackendError, DeviceState
from voiced.files import write_atomically

_log = logging.getLogger(__name__)


class StateFileBackend:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        # The whole document as last read or written; None until first use.
        self._document: dict[str, Any] | None = None

    def turn(self, device: DeviceConfig, on: bool) -> None:
        with self._lock:
            old = self._state(device.id)
            self._save(device.id, DeviceState(on=on, brightness_pct=old.brightness_pct))

    def set_brightness(self, device: DeviceConfig, percent: int) -> None:
        with self._lock:
            if percent > 0:
                self._save(device.id, DeviceState(on=True, brightness_pct=percent))
            else:
                # Off, remembering the last brightness for the next "turn on".
                old = self._state(device.id)
                self._save(device.id, DeviceState(on=False, brightness_pct=old.brightness_pct))

    def state(self, device: DeviceConfig) -> DeviceState:
        with self._lock:
            return self._state(device.id)

    def close(self) -> None:
        """Nothing stays open between commands."""

    def _state(self, device_id: str) -> DeviceState:
        entry = self._loaded()["devices"].get(device_id)
        if not isinstance(entry, dict):
            return DeviceState()
        on = entry.get("on")
        brightness_pct = entry.get("brightness_pct")
        if not isinstance(on, bool):
            on = None
        # bool is an int in Python; a stray true is not a brightness.
        if not isinstance(brightness_pct, int) or isinstance(brightness_pct, bool):
            brightness_pct = None
        return DeviceState(on=on, brightness_pct=brightness_pct)

    def _save(self, device_id: str, state: DeviceState) -> None:
        document = self._loaded()
        devices = dict(document["devices"])
        devices[device_id] = {"on": state.on, "brightness_pct": state.brightness_pct}
        new_document = {**document, "devices": devices}
        text = json.dumps(new_document, indent=2, sort_keys=True) + "\n"
        try:
            write_atomically(self._path, text)
        except OSError as err:
            raise BackendError(f"cannot write the state file {self._path}: {err}") from err
        # Only a written change is remembered: memory never runs ahead of the disk.
        self._document = new_document

    def _loaded(self) -> dict[str, Any]:
        if self._document is None:
            self._document = _read(self._path)
        return self._document

    def reported_state(self, device: DeviceConfig) -> DeviceState:
        """The device's state as the file holds it now, read afresh: another program (a
        demo's switch) may have written it."""
        with self._lock:
            self._document = _read(self._path)
            return self._state(device.id)


def _read(path: Path) -> dict[str, Any]:
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return {"devices": {}}
    except OSError as err:
        raise BackendError(f"cannot read the state file {path}: {err}") from err
    try:
        document = json.loads(content.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        document = None
        reason = str(err)
    else:
        reason = "it is not an object with a 'devices' object"
    if not isinstance(document, dict) or not isinstance(document.get("devices"), dict):
        # Left as it is for someone to look at; the next change replaces it.
        _log.warning("state file %s is unusable (%s); starting from an empty state", path, reason)
        return {"devices": {}}
    return document
