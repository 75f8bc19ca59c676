"""Devices announced by Home Assistant's MQTT discovery (zigbee2mqtt, Tasmota, ESPHome...).

The retained config messages under the discovery prefix, one per entity or one per
device (HA 2024.11+), become devices as voiced.devices.discovery_configs reads them; an
empty message removes its devices, and a device-based message that no longer names a
component removes that one. Every message is bounded (size, depth, count) and one that
cannot be read is left out with a warning.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from pydantic import ValidationError

from voiced.config import DeviceConfig, MqttConfig
from voiced.devices.discovery_configs import (
    COMPONENTS,
    DEVICE,
    device_components,
    device_from_config,
    expand,
    parse_topic,
)
from voiced.devices.mqtt import connect_in_background, new_client
from voiced.devices.mqtt_payloads import OWN_UNIQUE_ID_PREFIX
from voiced.devices.secrets import redact
from voiced.files import UnreadableFileError, loads_bounded

__all__ = ["DiscoveryWatcher", "device_from_config", "expand"]
_log = logging.getLogger(__name__)

# A config message is a few kilobytes (zigbee2mqtt's, with its device block, about 2 KB).
MAX_CONFIG_PAYLOAD_BYTES = 64 * 1024
MAX_CONFIG_DEPTH = 16
MAX_DISCOVERED_DEVICES = 500
KEEPALIVE_SECONDS = 60
# Changes come in bursts (a bridge restarting republishes everything): one reload after.
SETTLE_SECONDS = 1.0


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
        if where is None or (where[0] not in COMPONENTS and where[0] != DEVICE):
            return
        component, node_id, object_id = where
        if self._skip_node and node_id == self._skip_node:
            return
        # A device-based message holds several devices: each under "<topic>#<component id>".
        found = self._devices_of(topic, component, node_id, object_id, payload) if payload else {}
        with self._lock:
            for table in (self._devices, self._fresh):
                if table is None:
                    continue
                for key in [key for key in table if key.partition("#")[0] == topic]:
                    del table[key]
                for key, device in found.items():
                    if len(table) < MAX_DISCOVERED_DEVICES:
                        table[key] = device
                    elif not self._full:
                        self._full = True  # said once: the broker may hold thousands more
                        _log.warning("MQTT discovery: more than %d devices; the rest left out",
                                     MAX_DISCOVERED_DEVICES)  # fmt: skip
        self._changed()

    def _devices_of(
        self, topic: str, component: str, node_id: str, object_id: str, payload: bytes
    ) -> dict[str, DeviceConfig]:
        """The devices of one config message, by key; none when it cannot be read."""
        if len(payload) > MAX_CONFIG_PAYLOAD_BYTES:
            _log.warning("MQTT discovery %s: larger than %d bytes", topic, MAX_CONFIG_PAYLOAD_BYTES)
            return {}
        try:
            document = loads_bounded(payload, MAX_CONFIG_DEPTH)
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
            if component != DEVICE:
                config = expand(document)
                if _announced_by_voiced(config):
                    return {}
                device = device_from_config(component, node_id, object_id, config)
                return {} if device is None else {topic: device}
            parts = device_components(document)
        except (UnreadableFileError, ValueError, TypeError) as err:
            # TypeError: a value of a type the reading did not foresee (a list for a text).
            _left_out(topic, err)
            return {}
        found = {}
        for component_id, (kind, config) in parts.items():
            if _announced_by_voiced(config):
                continue
            try:
                # As Home Assistant names them: the device's id is the node of its parts.
                device = device_from_config(kind, object_id, component_id, config)
            except (ValueError, TypeError) as err:
                _left_out(f"{topic} {component_id}", err)
                continue
            if device is not None:
                found[f"{topic}#{component_id}"] = device
        return found

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


def _announced_by_voiced(config: dict[str, Any]) -> bool:
    """A config voiced published (mqtt.discovery), this one or another: its devices are
    voiced.yaml's, not new ones, and reading them back would reload on every start."""
    unique_id = config.get("unique_id")
    return isinstance(unique_id, str) and unique_id.startswith(OWN_UNIQUE_ID_PREFIX)


def _left_out(where: str, err: Exception) -> None:
    # ValidationError is a ValueError: a name or topic voiced cannot use.
    problem = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
    _log.warning("MQTT discovery %s: left out: %s", where[:200], problem[:120])
