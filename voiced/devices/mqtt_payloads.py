"""What the mqtt back end reads and writes on the broker: state messages as Home Assistant's
MQTT integrations send them, and the discovery configs that announce voiced's devices."""

from __future__ import annotations

import json
from typing import Any

from voiced.config import DeviceConfig
from voiced.device_settings import MqttDevice
from voiced.devices import BackendError
from voiced.files import UnreadableFileError, loads_bounded

# A state message is a word or a small JSON object; anything larger or deeper is ignored.
MAX_STATE_PAYLOAD_BYTES = 16 * 1024
MAX_STATE_DEPTH = 8
# The scale of a JSON state's brightness, but for a JSON-schema light (its own scale).
JSON_BRIGHTNESS_MAX = 255
# The start of the unique_id of every entity voiced announces by MQTT discovery.
OWN_UNIQUE_ID_PREFIX = "voiced_"
# What locks and garage doors report (Home Assistant's defaults): the "on" and "off" states.
STATES_OF_KIND = {"lock": ("LOCKED", "UNLOCKED"), "garage_door": ("open", "closed")}


class StateIgnored(ValueError):
    """A state message voiced does not understand; says why, quoting little of it."""


def parse_state(device: DeviceConfig, payload: bytes | bytearray) -> tuple[bool | None, int | None]:
    """(on, brightness_pct) from a state message: payload_on/payload_off, or a JSON object's
    "state" (or its state_value_key) and "brightness", as HA's JSON schema (None: not said).
    Raises StateIgnored for a message that says nothing usable."""
    device = mqtt_device(device)
    if len(payload) > MAX_STATE_PAYLOAD_BYTES:
        raise StateIgnored(f"{len(payload)} bytes, more than {MAX_STATE_PAYLOAD_BYTES}")
    text = payload.decode("utf-8", errors="replace").strip()
    state_on, state_off = STATES_OF_KIND.get(device.kind, (device.payload_on, device.payload_off))
    if text in (device.payload_on, state_on):
        return True, None
    if text in (device.payload_off, state_off):
        return False, None
    try:
        data = loads_bounded(payload, MAX_STATE_DEPTH)
    except UnreadableFileError as err:
        raise StateIgnored(f"{_shown(text)}: {str(err)[:100]}") from None
    if not isinstance(data, dict):
        raise StateIgnored(f"{_shown(text)}: neither {state_on}/{state_off} nor a JSON object")
    key = device.state_value_key or "state"
    if device.state_value_key and key not in data:
        # Tasmota's RESULT topic answers other commands too: not about this device.
        return None, None
    state = data.get(key)
    # zigbee2mqtt's locks say {"state": "LOCK"}: the payloads count as states too.
    on = (
        True
        if state in ("ON", state_on, device.payload_on)
        else False
        if state in ("OFF", state_off, device.payload_off)
        else None
    )
    brightness = data.get("brightness")
    brightness_pct = None
    if brightness is not None:
        scale = json_brightness_scale(device)
        # NaN and infinities fail the range too; a huge int is compared without converting.
        if (
            not isinstance(brightness, int | float)
            or isinstance(brightness, bool)
            or not 0 <= brightness <= scale
        ):
            raise StateIgnored(f"{_shown(text)}: brightness is not a number from 0 to {scale}")
        brightness_pct = round(brightness * 100 / scale)
    if on is None and brightness_pct is None:
        raise StateIgnored(f"{_shown(text)}: no state ON/OFF and no brightness")
    return on, brightness_pct


def json_brightness_scale(device: MqttDevice) -> int:
    """The scale of the "brightness" in the device's JSON state: a JSON-schema light's own
    brightness_scale, the one its commands carry (Home Assistant's schema_json reads both
    on it); 0-255 for any other device that reports a JSON state."""
    if json_object(device.payload_on) is not None and not device.brightness_command_topic:
        return device.brightness_scale
    return JSON_BRIGHTNESS_MAX


def _shown(text: str) -> str:
    """A message as a warning quotes it: printable, and short."""
    printable = "".join(char if char.isprintable() else "?" for char in text[:60])
    return repr(printable + ("..." if len(text) > 60 else ""))


def discovery_config(device: DeviceConfig, prefix: str) -> tuple[str, dict[str, Any]]:
    """The retained topic and body that announce `device` to Home Assistant's MQTT discovery."""
    device = mqtt_device(device)
    unique_id = f"{OWN_UNIQUE_ID_PREFIX}{device.id}"
    body: dict[str, Any] = {
        "name": device.name,
        "unique_id": unique_id,
        "command_topic": command_topic(device),
        "qos": 1,
    }
    # Each of Home Assistant's MQTT platforms names the two payloads in its own way.
    if device.kind == "lock":
        body |= {"payload_lock": device.payload_on, "payload_unlock": device.payload_off}
    elif device.kind == "garage_door":
        body |= {
            "payload_open": device.payload_on,
            "payload_close": device.payload_off,
            "device_class": "garage",
        }
    else:
        body |= {"payload_on": device.payload_on, "payload_off": device.payload_off}
    if device.state_topic:
        body["state_topic"] = device.state_topic
    if device.kind == "light" and device.brightness_command_topic:
        body["brightness_command_topic"] = device.brightness_command_topic
        # voiced publishes on the device's scale (percent unless told), not always 0-255.
        body["brightness_scale"] = device.brightness_scale
    return f"{prefix}/{device.domain}/{unique_id}/config", body


def json_object(payload: str) -> dict[str, Any] | None:
    """A payload that is a JSON object (a light in Home Assistant's JSON schema), else None."""
    if not payload.startswith("{"):
        return None
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def command_topic(device: DeviceConfig) -> str:
    return mqtt_device(device).command_topic


def mqtt_device(device: DeviceConfig) -> MqttDevice:
    """The device as the MQTT back end reads it: with its MQTT keys."""
    if not isinstance(device, MqttDevice):
        raise BackendError(f"{device.name} has no MQTT command_topic")
    return device
