"""Devices announced by Home Assistant's MQTT discovery (zigbee2mqtt, Tasmota, ESPHome...).

The retained config messages under the discovery prefix are read as Home Assistant reads
them: abbreviated keys expanded (cmd_t is command_topic), the `~` base put into topics,
and an empty message removing its device. Lights (basic and JSON schema), switches, fans,
locks and garage-door covers become devices of the mqtt back end. Every message is
bounded (size, depth, count) and one that cannot be read is left out with a warning.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from pydantic import ValidationError

from voiced.config import DeviceConfig, DeviceKind, MqttConfig
from voiced.device_settings import MqttDevice
from voiced.devices.mqtt import connect_in_background, new_client
from voiced.devices.secrets import redact
from voiced.files import UnreadableFileError, loads_bounded

_log = logging.getLogger(__name__)

# A config message is a few kilobytes (zigbee2mqtt's, with its device block, about 2 KB).
MAX_CONFIG_PAYLOAD_BYTES = 64 * 1024
MAX_CONFIG_DEPTH = 16
MAX_DISCOVERED_DEVICES = 500
KEEPALIVE_SECONDS = 60
# Changes come in bursts (a bridge restarting republishes everything): one reload after.
SETTLE_SECONDS = 1.0
GARAGE_CLASSES = frozenset({"garage", "gate"})
COMPONENTS = frozenset({"light", "switch", "fan", "lock", "cover"})

# The abbreviations voiced reads, from Home Assistant's
# homeassistant/components/mqtt/abbreviations.py (ABBREVIATIONS, DEVICE_ABBREVIATIONS).
ABBREVIATIONS = {
    "bri_cmd_t": "brightness_command_topic",
    "bri_scl": "brightness_scale",
    "bri_stat_t": "brightness_state_topic",
    "cmd_t": "command_topic",
    "dev": "device",
    "dev_cla": "device_class",
    "name": "name",
    "obj_id": "object_id",
    "pl_cls": "payload_close",
    "pl_lock": "payload_lock",
    "pl_off": "payload_off",
    "pl_on": "payload_on",
    "pl_open": "payload_open",
    "pl_unlk": "payload_unlock",
    "stat_t": "state_topic",
    "uniq_id": "unique_id",
    "val_tpl": "value_template",
    "avty_t": "availability_topic",
    "json_attr_t": "json_attributes_topic",
}
DEVICE_ABBREVIATIONS = {"ids": "identifiers", "name": "name", "sa": "suggested_area"}
TOPIC_BASE = "~"
# A state read as it comes, or as JSON with a "state" key: what parse_state understands.
_PLAIN_VALUE_TEMPLATES = frozenset({"", "{{value_json.state}}", "{{value}}"})
_NOT_ID = re.compile(r"[^a-z0-9_]+")


def expand(payload: dict[str, Any]) -> dict[str, Any]:
    """A config message with its keys written out and `~` put into its topics."""
    config = {ABBREVIATIONS.get(key, key): value for key, value in payload.items()}
    device = config.get("device")
    if isinstance(device, dict):
        config["device"] = {DEVICE_ABBREVIATIONS.get(k, k): v for k, v in device.items()}
    base = config.pop(TOPIC_BASE, None)
    if isinstance(base, str):
        for key, value in config.items():
            if not key.endswith("topic") or not isinstance(value, str) or not value:
                continue
            if value.startswith(TOPIC_BASE):
                value = base + value[1:]
            if value.endswith(TOPIC_BASE):
                value = value[:-1] + base
            config[key] = value
    return config


def parse_topic(topic: str, prefix: str) -> tuple[str, str, str] | None:
    """(component, node_id, object_id) of `<prefix>/<component>/[<node_id>/]<object_id>/config`."""
    if not topic.startswith(prefix + "/"):
        return None
    parts = topic[len(prefix) + 1 :].split("/")
    if len(parts) == 3 and parts[2] == "config":
        return parts[0], "", parts[1]
    if len(parts) == 4 and parts[3] == "config":
        return parts[0], parts[1], parts[2]
    return None


def device_from_config(
    component: str, node_id: str, object_id: str, config: dict[str, Any]
) -> DeviceConfig | None:
    """The device a config message (expanded) describes; None for what voiced does not
    switch. ValueError says why a message of a known component cannot be used."""
    kind = _kind(component, config)
    if kind is None:
        return None
    command_topic = config.get("command_topic")
    if not isinstance(command_topic, str) or not command_topic:
        raise ValueError("no command_topic")
    fields: dict[str, Any] = {
        "id": _device_id(config, node_id, object_id),
        "name": _name(config, object_id),
        "kind": kind,
        "backend": "mqtt",
        "command_topic": command_topic,
    }
    area = _text(_device_block(config).get("suggested_area"))
    on_key, off_key, on, off = {
        "lock": ("payload_lock", "payload_unlock", "LOCK", "UNLOCK"),
        "garage_door": ("payload_open", "payload_close", "OPEN", "CLOSE"),
    }.get(kind, ("payload_on", "payload_off", "ON", "OFF"))
    fields["payload_on"] = str(config.get(on_key, on))
    fields["payload_off"] = str(config.get(off_key, off))
    schema = config.get("schema", "basic")
    if kind == "light" and schema == "json":
        # The JSON schema: commands and states are JSON objects on the two topics.
        fields["payload_on"], fields["payload_off"] = '{"state": "ON"}', '{"state": "OFF"}'
    elif kind == "light" and schema not in ("basic", "default"):
        raise ValueError(f"light schema {str(schema)[:20]!r} is not supported")
    state_topic = config.get("state_topic")
    template = "".join(str(config.get("value_template", "")).split())
    if isinstance(state_topic, str) and state_topic and template in _PLAIN_VALUE_TEMPLATES:
        fields["state_topic"] = state_topic
    if kind == "light":
        fields |= _brightness(config, schema)
    try:
        return MqttDevice(**fields, area=area)
    except ValidationError:
        if area is None:
            raise
    return MqttDevice(**fields)


def _brightness(config: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A light's brightness settings: its topic (basic schema) and scale, when it has one;
    a light without is only switched on and off."""
    scale = config.get("brightness_scale", 255)
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 65535:
        return {}
    if schema == "json":
        # A JSON light dims through its command topic, when it says it can.
        modes = config.get("supported_color_modes")
        dims = isinstance(modes, list) and any(mode != "onoff" for mode in modes)
        return {"brightness_scale": scale} if config.get("brightness") is True or dims else {}
    topic = config.get("brightness_command_topic")
    if isinstance(topic, str) and topic:
        return {"brightness_command_topic": topic, "brightness_scale": scale}
    return {}


def _kind(component: str, config: dict[str, Any]) -> DeviceKind | None:
    if component == "cover":
        return "garage_door" if config.get("device_class") in GARAGE_CLASSES else None
    if component in ("light", "switch", "fan", "lock"):
        kind: DeviceKind = component  # type: ignore[assignment]
        return kind
    return None


def _device_id(config: dict[str, Any], node_id: str, object_id: str) -> str:
    unique_id = _text(config.get("unique_id")) or f"{node_id}_{object_id}"
    return "mqtt_" + _NOT_ID.sub("_", unique_id.lower()).strip("_")[:80]


def _name(config: dict[str, Any], object_id: str) -> str:
    """The entity's name as Home Assistant composes it: its own, after its device's name;
    no name of its own (null, as zigbee2mqtt sends) is the device's name alone."""
    device_name = _text(_device_block(config).get("name"))
    name = _text(config.get("name")) if "name" in config else None
    if name is None:
        name = device_name or object_id.replace("_", " ")
    elif device_name and not name.casefold().startswith(device_name.casefold()):
        name = f"{device_name} {name}"
    return " ".join(name.split())


def _device_block(config: dict[str, Any]) -> dict[str, Any]:
    device = config.get("device")
    return device if isinstance(device, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class DiscoveryWatcher:
    """Subscribes to the discovery prefix and keeps the devices announced there. After each
    (re)connection the table is rebuilt from the retained messages; `on_change` is called
    (on a timer thread) when the devices differ from those last handed out."""

    def __init__(
        self,
        config: MqttConfig,
        on_change: Callable[[], None] = lambda: None,
        skip_node: str | None = None,
    ) -> None:
        self._config = config
        self._prefix = config.discovery_prefix
        self._on_change = on_change
        # voiced's own entities are announced under this node: they are not devices.
        self._skip_node = skip_node
        self._lock = threading.Lock()
        self._devices: dict[str, DeviceConfig] = {}
        self._fresh: dict[str, DeviceConfig] | None = None
        self._synced = threading.Event()
        self._sync_topic = ""
        self._handed_out: list[DeviceConfig] | None = None
        self._settle: threading.Timer | None = None
        self._client: mqtt.Client | None = None
        self._full = False

    def start(self) -> None:
        """Connect in the background (paho retries a broker that is down)."""
        client = new_client(
            self._config, f"{self._config.client_id}-discovery-{uuid.uuid4().hex[:8]}"
        )
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        connect_in_background(client, self._config, KEEPALIVE_SECONDS)
        self._client = client

    def wait_synced(self, timeout_seconds: float) -> bool:
        """Wait until the retained config messages of the first connection are all in."""
        synced = self._synced.wait(timeout_seconds)
        if not synced:
            _log.warning(
                "MQTT broker %s:%d: discovery not read within %g seconds; devices announced "
                "there are added when it answers",
                self._config.host,
                self._config.port,
                timeout_seconds,
            )
        return synced

    def devices(self) -> list[DeviceConfig]:
        """The devices announced now, in a stable order; later changes are compared to these."""
        with self._lock:
            devices = sorted(self._devices.values(), key=lambda device: device.id)
            self._handed_out = devices
        return devices

    def close(self) -> None:
        with self._lock:
            settle, self._settle = self._settle, None
            client, self._client = self._client, None
        if settle is not None:
            settle.cancel()
        if client is not None:
            client.disconnect()
            client.loop_stop()

    # paho's network thread from here: nothing may escape.

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            _log.warning("MQTT discovery: the broker refused the connection: %s", reason)
            return
        # The retained messages come after the subscription is granted; then the marker
        # published to a topic of our own, in order: all of them are in when it comes.
        self._sync_topic = f"voiced/sync/{uuid.uuid4().hex}"
        with self._lock:
            self._fresh = {}
        client.subscribe([(f"{self._prefix}/#", 1), (self._sync_topic, 1)])

    def _on_subscribe(self, client: mqtt.Client, _u: Any, _mid: int, reasons: Any, _p: Any) -> None:
        if any(reason.is_failure for reason in reasons):
            _log.warning(
                "MQTT discovery: the broker refused the subscription to %s/#", self._prefix
            )
        client.publish(self._sync_topic, b"sync", qos=1)

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            if message.topic == self._sync_topic:
                self._finish_sync()
                return
            self._read(message.topic, bytes(message.payload))
        except Exception as err:  # a bug here must not end the subscription
            _log.warning(
                "MQTT discovery %s: failed: %s", message.topic[:200], redact(str(err))[:100]
            )

    def _read(self, topic: str, payload: bytes) -> None:
        where = parse_topic(topic, self._prefix)
        if where is None or where[0] not in COMPONENTS:
            return
        component, node_id, object_id = where
        if self._skip_node and node_id == self._skip_node:
            return
        device: DeviceConfig | None = None
        if payload:
            device = self._device(topic, component, node_id, object_id, payload)
        with self._lock:
            for table in (self._devices, self._fresh):
                if table is None:
                    continue
                if device is None:
                    table.pop(topic, None)
                elif topic in table or len(table) < MAX_DISCOVERED_DEVICES:
                    table[topic] = device
                elif not self._full:
                    self._full = True  # said once: the broker may hold thousands more
                    _log.warning("MQTT discovery: more than %d devices; the rest left out",
                                 MAX_DISCOVERED_DEVICES)  # fmt: skip
        self._changed()

    def _device(
        self, topic: str, component: str, node_id: str, object_id: str, payload: bytes
    ) -> DeviceConfig | None:
        if len(payload) > MAX_CONFIG_PAYLOAD_BYTES:
            _log.warning("MQTT discovery %s: larger than %d bytes", topic, MAX_CONFIG_PAYLOAD_BYTES)
            return None
        try:
            document = loads_bounded(payload, MAX_CONFIG_DEPTH)
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
            return device_from_config(component, node_id, object_id, expand(document))
        except (UnreadableFileError, ValueError) as err:
            # ValidationError is a ValueError: a name or topic voiced cannot use.
            problem = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
            _log.warning("MQTT discovery %s: left out: %s", topic[:200], problem[:120])
            return None

    def _finish_sync(self) -> None:
        with self._lock:
            if self._fresh is not None:
                self._devices, self._fresh = self._fresh, None
        self._synced.set()
        _log.info("MQTT discovery: %d devices announced", len(self._devices))
        # Devices handed out before (none, when the broker was late) may differ now.
        self._changed()

    def _changed(self) -> None:
        """Tell the owner, once the burst has settled, if the devices differ."""
        if not self._synced.is_set():
            return
        with self._lock:
            if self._settle is not None:
                self._settle.cancel()
            self._settle = threading.Timer(SETTLE_SECONDS, self._settled)
            self._settle.daemon = True
            self._settle.start()

    def _settled(self) -> None:
        with self._lock:
            now = sorted(self._devices.values(), key=lambda device: device.id)
            changed = self._handed_out is not None and now != self._handed_out
        if changed:
            _log.info("MQTT discovery: the announced devices changed")
            self._on_change()
