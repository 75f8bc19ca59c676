"""voiced in Home Assistant: its own entities, announced by MQTT discovery (mqtt.entities).

| entity | topic (under voiced/<client_id>/) | what |
|---|---|---|
| sensor State | state | idle, listening, thinking, speaking, muted |
| sensor Last heard, Last reply | transcript, reply | the last turn's words |
| sensor Timers | timers (+ timers/attributes) | how many run; each one's name, end, pause |
| switch Microphone mute | mute, mute/set | muted, the microphone is closed (the daemon) |
| text Say | say/set | spoken through the announce path |

Availability is the broker's last will: "offline" retained, sent by the broker when the
connection dies without a goodbye. voiced only connects out; every message it takes in
is bounded and checked. The mute survives a restart: its retained state is read first.

Threads: paho's network thread runs the callbacks (state kept under `_lock`); the
`presence` thread (voiced/presence_thread.py) speaks the say-entity's texts and follows
the timers.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voiced import __version__
from voiced.config import MqttConfig
from voiced.devices.mqtt_payloads import OWN_UNIQUE_ID_PREFIX
from voiced.presence_thread import PresenceThread, Timers
from voiced.report import TurnReport

if TYPE_CHECKING:  # paho (and its TLS) is loaded only when the entities are on
    import paho.mqtt.client as mqtt

_log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 30
STATES = ("idle", "listening", "thinking", "speaking", "muted")
# Home Assistant keeps a state of at most 255 characters.
MAX_STATE_CHARS = 255
MAX_SAY_BYTES = 1024
ONLINE, OFFLINE = "online", "offline"
_NOT_ID = re.compile(r"[^a-z0-9_]+")


def node_id(config: MqttConfig) -> str:
    """The discovery node of voiced's entities (not read back as devices): their unique
    ids begin with it, and so as all voiced announces."""
    return OWN_UNIQUE_ID_PREFIX + _NOT_ID.sub("_", config.client_id.lower()).strip("_")


class Presence:
    def __init__(self, config: MqttConfig, on_mute: Callable[[bool], None]) -> None:
        self._config = config
        self._on_mute = on_mute
        self.node_id = node_id(config)
        self.base = f"voiced/{config.client_id}"
        self._lock = threading.Lock()
        self._muted = False
        self._state = "idle"
        self._status = "listening"
        self._restored = threading.Event()
        self._sync_topic = ""
        self._client: mqtt.Client | None = None
        self._thread = PresenceThread(self._publish, self._connected)

    # The daemon's side.

    def start(self, timeout_seconds: float) -> None:
        """Connect (paho retries a broker that is down) and wait, at most `timeout_seconds`,
        for the mute kept on the broker."""
        from voiced.devices import BackendError
        from voiced.devices.mqtt import connect_in_background, new_client, session_id

        try:
            client = new_client(self._config, session_id(self._config, "entities"))
        except BackendError as err:
            # The password file cannot be read: the daemon listens all the same.
            _log.error(
                "MQTT entities not started (%s): voiced does not show itself in Home "
                "Assistant until it is restarted once this is mended",
                err,
            )
            return
        # Sent by the broker when voiced dies: Home Assistant shows it unavailable.
        client.will_set(self._topic("availability"), OFFLINE, qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        # Set before connecting: paho's thread may connect, sync and announce through it
        # before this thread runs again (a loaded machine lost every announcement so).
        self._client = client
        connect_in_background(client, self._config, KEEPALIVE_SECONDS)
        self._thread.start()
        if not self._restored.wait(timeout_seconds):
            _log.warning(
                "MQTT broker %s:%d: not reached within %g seconds; voiced's entities appear "
                "when it answers",
                self._config.host,
                self._config.port,
                timeout_seconds,
            )

    @property
    def muted(self) -> bool:
        with self._lock:
            return self._muted

    def attach(self, say: Callable[[str], object], timers: Timers) -> None:
        """Speak through `say` (the pipeline's announce) and follow `timers`."""
        self._thread.attach(say, timers)

    def status(self, text: str) -> None:
        """The daemon's status ("listening", "thinking", ...), as systemd gets it."""
        with self._lock:
            self._status = text
        self._publish_state()

    def capturing(self, capturing: bool) -> None:
        """Whether a command is being heard after the wake word (checked per chunk)."""
        with self._lock:
            if capturing == (self._state == "listening") or self._status != "listening":
                return
        self._publish_state(capturing)

    def turn_done(self, report: TurnReport) -> None:
        if report.transcript:
            self._publish("transcript", report.transcript[:MAX_STATE_CHARS])
        if report.response:
            self._publish("reply", report.response[:MAX_STATE_CHARS])

    def close(self) -> None:
        # The thread publishes through the client until it has stopped: joined first.
        self._thread.stop()
        client, self._client = self._client, None
        if client is not None:
            # A goodbye: the broker does not send the will, so "offline" is said here.
            info = client.publish(self._topic("availability"), OFFLINE, qos=1, retain=True)
            if client.is_connected():
                info.wait_for_publish(self._config.timeout_seconds)
            client.disconnect()
            client.loop_stop()

    # What is published.

    def _topic(self, name: str) -> str:
        return f"{self.base}/{name}"

    def _connected(self) -> bool:
        client = self._client
        return client is not None and client.is_connected()

    def _publish(self, name: str, payload: str, retain: bool = False) -> None:
        client = self._client
        if client is not None and client.is_connected():
            client.publish(self._topic(name), payload, qos=1, retain=retain)

    def _publish_state(self, capturing: bool = False) -> None:
        with self._lock:
            if self._muted:
                state = "muted"
            elif self._status in ("thinking", "speaking"):
                state = self._status
            else:
                state = "listening" if capturing else "idle"
            self._state = state
        self._publish("state", state, retain=True)

    def _announce(self) -> None:
        """Every entity's discovery config, then what they are now."""
        for topic, body in entity_configs(self._config):
            self._publish_to(topic, body)
        self._publish("availability", ONLINE, retain=True)
        self._publish("mute", "ON" if self.muted else "OFF", retain=True)
        self._publish_state()

    def _publish_to(self, topic: str, body: dict[str, Any]) -> None:
        client = self._client
        if client is not None:
            client.publish(topic, json.dumps(body), qos=1, retain=True)

    # paho's network thread: nothing may escape.

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            _log.warning("MQTT entities: the broker refused the connection: %s", reason)
            return
        topics = [(self._topic("mute/set"), 1), (self._topic("say/set"), 1)]
        if not self._restored.is_set():
            # First the mute kept on the broker, then a marker: when it comes, that is all.
            self._sync_topic = self._topic(f"sync/{uuid.uuid4().hex}")
            topics += [(self._topic("mute"), 1), (self._sync_topic, 1)]
            client.subscribe(topics)
            return
        client.subscribe(topics)
        self._announce()

    def _on_subscribe(self, client: mqtt.Client, _u: Any, _m: int, _r: Any, _p: Any) -> None:
        if self._sync_topic and not self._restored.is_set():
            client.publish(self._sync_topic, b"sync", qos=1)

    def _on_message(self, client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic, payload = message.topic, bytes(message.payload)
            if topic == self._sync_topic:
                client.unsubscribe([self._topic("mute"), self._sync_topic])
                self._restored.set()
                self._announce()
            elif topic in (self._topic("mute"), self._topic("mute/set")):
                self._set_mute(payload, restoring=topic == self._topic("mute"))
            elif topic == self._topic("say/set"):
                self._queue_text(payload)
        except Exception as err:  # a bug here must not end the connection
            _log.warning("MQTT entities: a message failed: %s", type(err).__name__)

    def _set_mute(self, payload: bytes, restoring: bool) -> None:
        word = payload.strip().upper()
        if word not in (b"ON", b"OFF"):
            _log.warning("MQTT entities: mute %r ignored: ON or OFF", payload[:20])
            return
        muted = word == b"ON"
        with self._lock:
            changed, self._muted = self._muted != muted, muted
        if changed:
            _log.info("microphone %s%s", "muted" if muted else "unmuted",
                      " (kept on the broker)" if restoring else "")  # fmt: skip
            self._on_mute(muted)
        if not restoring:
            self._publish("mute", "ON" if muted else "OFF", retain=True)
            self._publish_state()

    def _queue_text(self, payload: bytes) -> None:
        if len(payload) > MAX_SAY_BYTES:
            _log.warning("MQTT entities: a text to say of %d bytes ignored", len(payload))
            return
        text = payload.decode("utf-8", errors="replace")
        text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
        if text:
            self._thread.offer(text)


def entity_configs(config: MqttConfig) -> list[tuple[str, dict[str, Any]]]:
    """The retained discovery topic and config of each of voiced's entities."""
    node, base = node_id(config), f"voiced/{config.client_id}"
    device = {
        "identifiers": [node],
        "name": f"voiced {config.client_id}",
        "manufacturer": "voiced",
        "sw_version": __version__,
    }
    common = {"availability_topic": f"{base}/availability", "device": device, "qos": 1}
    entities: list[tuple[str, str, dict[str, Any]]] = [
        ("sensor", "state", {"name": "State", "state_topic": f"{base}/state",
                             "device_class": "enum", "options": list(STATES)}),
        ("sensor", "transcript", {"name": "Last heard", "state_topic": f"{base}/transcript"}),
        ("sensor", "reply", {"name": "Last reply", "state_topic": f"{base}/reply"}),
        ("sensor", "timers", {"name": "Timers", "state_topic": f"{base}/timers",
                              "json_attributes_topic": f"{base}/timers/attributes"}),
        ("switch", "mute", {"name": "Microphone mute", "state_topic": f"{base}/mute",
                            "command_topic": f"{base}/mute/set", "icon": "mdi:microphone-off"}),
        ("text", "say", {"name": "Say", "command_topic": f"{base}/say/set",
                         "max": MAX_STATE_CHARS}),
    ]  # fmt: skip
    return [
        (
            f"{config.discovery_prefix}/{component}/{node}/{object_id}/config",
            {**body, **common, "unique_id": f"{node}_{object_id}"},
        )
        for component, object_id, body in entities
    ]
