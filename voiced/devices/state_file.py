"""The state_file back end: devices that exist only as entries in a local JSON file.

The file reads `{"devices": {"<id>": {"on": bool, "brightness_pct": int | null}}}`;
other keys in it are kept. Other programs may write it too (`voiced ask` beside the
daemon, a demo's switch): each change starts from what is on disk at that moment, under a
lock on the file's directory that other voiced processes take too, so nothing another
writer put there is lost. It is replaced atomically, so a power cut mid-write leaves the
old file or the new one, never half of each. A file that cannot be read (a hand-edit slip,
say) is renamed aside with a timestamp, said in the log and by `voiced check`, and never
overwritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from voiced.config import DeviceConfig
from voiced.devices import BackendError, DeviceState
from voiced.files import (
    FileSignature,
    LockTimeout,
    UnreadableFileError,
    current_signature,
    directory_lock,
    file_signature,
    keep_aside,
    kept_aside_note,
    read_json_file,
    write_atomically,
)

_log = logging.getLogger(__name__)

# A state file holds a few hundred bytes per device.
MAX_STATE_BYTES = 1024 * 1024
MAX_STATE_DEPTH = 32


class StateFileBackend:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        # The whole document as last read or written, and the signature of the file it was
        # read from or written to; read again once the file on disk is another.
        self._document: dict[str, Any] | None = None
        self._signature: FileSignature | None = None

    def turn(self, device: DeviceConfig, on: bool) -> None:
        with self._lock, self._locked():
            old = self._state(device.id)
            self._save(device.id, DeviceState(on=on, brightness_pct=old.brightness_pct))

    def set_brightness(self, device: DeviceConfig, percent: int) -> None:
        with self._lock, self._locked():
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

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The file's directory locked against other voiced processes for one change; one
        that holds it stuck fails the command, with why, instead of every later one."""
        try:
            with directory_lock(self._path):
                yield
        except LockTimeout as err:
            raise BackendError(
                f"the state file {self._path} is being changed by another process: {err}"
            ) from err

    def _state(self, device_id: str) -> DeviceState:
        entry = self._loaded()["devices"].get(device_id)
        if not isinstance(entry, dict):
            return DeviceState()
        on = entry.get("on")
        brightness_pct = entry.get("brightness_pct")
        if not isinstance(on, bool):
            on = None
        # bool is an int in Python; a stray true is not a brightness.
        if (
            not isinstance(brightness_pct, int)
            or isinstance(brightness_pct, bool)
            or not 0 <= brightness_pct <= 100
        ):
            brightness_pct = None
        return DeviceState(on=on, brightness_pct=brightness_pct)

    def _save(self, device_id: str, state: DeviceState) -> None:
        document = self._loaded()
        devices = dict(document["devices"])
        devices[device_id] = {"on": state.on, "brightness_pct": state.brightness_pct}
        new_document = {**document, "devices": devices}
        text = json.dumps(new_document, indent=2, sort_keys=True) + "\n"
        try:
            written = write_atomically(self._path, text)
        except OSError as err:
            raise BackendError(f"cannot write the state file {self._path}: {err}") from err
        # Only a written change is remembered: memory never runs ahead of the disk.
        self._document = new_document
        self._signature = file_signature(written)

    def _loaded(self) -> dict[str, Any]:
        """The document as the file holds it now: read again whenever the file is not the
        one last read or written (another program replaced or changed it)."""
        # Looked at before reading: a change made between the two is seen next time.
        signature = current_signature(self._path)
        if self._document is None or signature is None or signature != self._signature:
            self._document = _read(self._path)
            self._signature = signature
        return self._document

    def reported_state(self, device: DeviceConfig) -> DeviceState:
        """The device's state as the file holds it now: another program (a demo's switch)
        may have written it."""
        with self._lock:
            return self._state(device.id)


def _read(path: Path) -> dict[str, Any]:
    try:
        document = read_json_file(path, MAX_STATE_BYTES, MAX_STATE_DEPTH)
    except UnreadableFileError as err:
        reason = str(err)
    except FileNotFoundError:
        return {"devices": {}}
    except OSError as err:
        # Not a matter of content (permissions, I/O): the command fails, the file stays.
        raise BackendError(f"cannot read the state file {path}: {err.strerror or err}") from err
    else:
        if isinstance(document, dict) and isinstance(document.get("devices"), dict):
            return document
        reason = "it is not an object with a 'devices' object"
    try:
        aside = keep_aside(path)
    except OSError as err:
        raise BackendError(
            f"the state file {path} cannot be read ({reason}) nor renamed aside "
            f"({err.strerror or err}); it is left as it is: mend or remove it"
        ) from err
    _log.warning(
        "state file %s cannot be read (%s); kept as %s; starting from an empty state",
        path,
        reason,
        aside,
    )
    return {"devices": {}}


def check_note(path: Path) -> str | None:
    """What `voiced check` says of the state file: a copy kept aside, or a file that
    will be; None when all is well."""
    note = kept_aside_note(path, "state file")
    if note is not None:
        return note
    try:
        document = read_json_file(path, MAX_STATE_BYTES, MAX_STATE_DEPTH)
    except UnreadableFileError as err:
        return f"state file {path} cannot be read ({err}): it will be kept aside at first use"
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"state file {path} cannot be read: {err.strerror or err}"
    if not (isinstance(document, dict) and isinstance(document.get("devices"), dict)):
        return f"state file {path} has no 'devices' object: it will be kept aside at first use"
    return None
