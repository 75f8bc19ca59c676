"""The mqtt back end: commands published to a broker, states read from the devices' topics.

The connection opens on first use and is opened afresh by the next command after it
breaks; paho's own background reconnecting is off, so every wait is bounded by
timeout_seconds and paho never re-sends a failed command after a later reconnect.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from voiced.config import DeviceConfig, MqttConfig
from voiced.device_settings import MqttDevice
from voiced.devices import BackendError, DeviceState
from voiced.devices.mqtt_payloads import (
    MAX_STATE_PAYLOAD_BYTES,
    StateIgnored,
    command_topic,
    discovery_config,
    json_object,
    mqtt_device,
    parse_state,
)
from voiced.devices.secrets import read_secret_file, redact

# Where they were first: imported from here by back ends and tests.
__all__ = [
    "MAX_STATE_PAYLOAD_BYTES",
    "MqttBackend",
    "StateIgnored",
    "connect_in_background",
    "discovery_config",
    "new_client",
    "parse_state",
    "session_id",
]

_log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 60
# How long a state query waits for a device's retained state after connecting.
RETAINED_STATE_WAIT_SECONDS = 0.5
RETAINED_STATE_POLL_SECONDS = 0.02


_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_-]+")
MAX_HOST_CHARS = 32


def session_id(config: MqttConfig, role: str = "") -> str:
    """A new MQTT client id for one of voiced's connections (`role`: "entities", say). A
    broker keeps one session per client id and drops the older connection when another
    comes with it, so two connections on one id (two voiced in two rooms, or `voiced ask`
    beside the daemon) would take each other over without end. The default client_id
    therefore gets this host's name and a random part, new at each call; one set in
    voiced.yaml is used as it is (a broker's ACL may name it)."""
    base = config.client_id
    if "client_id" not in config.model_fields_set:
        host = _NOT_IN_ID.sub("-", socket.gethostname()).strip("-")[:MAX_HOST_CHARS] or "host"
        base = f"{base}-{host}-{secrets.token_hex(3)}"
    return f"{base}-{role}" if role else base


def new_client(
    config: MqttConfig, client_id: str, reconnect_on_failure: bool = True
) -> mqtt.Client:
    """A paho client of voiced's, logged in as the configuration says (every connection
    voiced makes to the broker: devices, discovery, its own entities)."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        reconnect_on_failure=reconnect_on_failure,
    )
    # A callback's exception would end paho's network thread, and with it every later
    # message; ours catch their own, this catches the rest.
    client.suppress_exceptions = True
    if config.username is not None:
        password = None
        if config.password_file is not None:
            password = read_secret_file(
                config.password_file, "MQTT password_file", header_value=False
            )
        client.username_pw_set(config.username, password)
    return client


def connect_in_background(client: mqtt.Client, config: MqttConfig, keepalive_seconds: int) -> None:
    """Connect on paho's own thread, retrying a broker that is down (1 s, up to 30 s apart):
    for connections that follow the broker for as long as voiced runs."""
    client.reconnect_delay_set(1, 30)
    client.connect_async(config.host, config.port, keepalive=keepalive_seconds)
    client.loop_start()


class MqttBackend:
    def __init__(self, config: MqttConfig, devices: list[DeviceConfig]) -> None:
        self._config = config
        self._devices = list(devices)
        self._address = f"{config.host}:{config.port}"
        # Kept for every reconnection of this back end.
        self._client_id = session_id(config)
        self._client: mqtt.Client | None = None
        # The connection the devices were last announced on (mqtt.discovery), and those
        # announcements, which closing waits for.
        self._announced: mqtt.Client | None = None
        self._announcements: list[mqtt.MQTTMessageInfo] = []
        # One command at a time owns the connection; paho's thread writes the states.
        self._command_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._states: dict[str, DeviceState] = {}
        self._by_state_topic: dict[str, list[DeviceConfig]] = {}
        # Topics whose last message was ignored: one warning each until a good one comes.
        self._ignoring: set[str] = set()
        for device in self._devices:
            if isinstance(device, MqttDevice) and device.state_topic:
                self._by_state_topic.setdefault(device.state_topic, []).append(device)

    def turn(self, device: DeviceConfig, on: bool) -> None:
        device = mqtt_device(device)
        payload = device.payload_on if on else device.payload_off
        self._publish(device, [(command_topic(device), payload)])
        self._update(device.id, on=on)

    def set_brightness(self, device: DeviceConfig, percent: int) -> None:
        device = mqtt_device(device)
        if percent <= 0:
            self.turn(device, False)
            return
        value = max(1, round(percent * device.brightness_scale / 100))
        if device.brightness_command_template:
            command = device.brightness_command_template.replace("{{ brightness }}", str(value))
            self._publish(device, [(command_topic(device), command)])
            self._update(device.id, on=True, brightness_pct=percent)
            return
        json_on = json_object(device.payload_on)
        if not device.brightness_command_topic and json_on is not None:
            # Home Assistant's JSON schema: the state and the brightness in one command.
            command = json.dumps({**json_on, "brightness": value})
            self._publish(device, [(command_topic(device), command)])
            self._update(device.id, on=True, brightness_pct=percent)
            return
        if not device.brightness_command_topic:
            raise BackendError(
                f"{device.name} has no brightness_command_topic; it only turns on/off"
            )
        # As Home Assistant does: the brightness first, then the switch-on.
        self._publish(
            device,
            [
                (device.brightness_command_topic, str(value)),
                (command_topic(device), device.payload_on),
            ],
        )
        self._update(device.id, on=True, brightness_pct=percent)

    def state(self, device: DeviceConfig) -> DeviceState:
        with self._command_lock:
            # Connecting subscribes to the state topics: what the devices report from now on.
            client = self._connected_client(time.monotonic() + self._config.timeout_seconds)
            self._announce(client)
        with self._state_lock:
            return self._states.get(device.id, DeviceState())

    def close(self) -> None:
        with self._command_lock:
            client, self._client = self._client, None
            if client is not None:
                self._finish_announcing(client)
                _stop(client)
                _log.info("MQTT broker %s: disconnected", self._address)

    def _publish(self, device: MqttDevice, messages: list[tuple[str, str]]) -> None:
        """Publish a command's messages and wait for the broker to take each, within the
        command's timeout; then announce the devices, if this connection has not yet."""
        with self._command_lock:
            deadline = time.monotonic() + self._config.timeout_seconds
            client = self._connected_client(deadline)
            try:
                for topic, payload in messages:
                    self._publish_one(client, device, topic, payload, deadline)
            except BackendError:
                # A queued QoS 1 message would otherwise be sent whenever the link came back.
                self._client = None
                _stop(client)
                raise
            self._announce(client)

    def _publish_one(
        self, client: mqtt.Client, device: MqttDevice, topic: str, payload: str, deadline: float
    ) -> None:
        try:
            info = client.publish(topic, payload, qos=1)
            info.wait_for_publish(max(deadline - time.monotonic(), 0.0))
            published = info.is_published()
        except (RuntimeError, ValueError) as err:
            raise BackendError(
                f"MQTT broker {self._address}: cannot publish the command to the "
                f"{device.name} ({topic}): {err}"
            ) from err
        if not published:
            raise BackendError(
                f"MQTT broker {self._address}: no acknowledgement of the command to the "
                f"{device.name} ({topic}) within {self._config.timeout_seconds:g} seconds"
            )

    def _announce(self, client: mqtt.Client) -> None:
        """Announce the devices to Home Assistant once per connection (mqtt.discovery), after
        the command that connected: retained configs, sent together and not waited for, so
        however many devices and however slow the link, no command waits for them. One
        the broker does not take is sent again by the next connection."""
        if not self._config.discovery or self._announced is client:
            return
        self._announced = client
        self._announcements = []
        for device in self._devices:
            if isinstance(device, MqttDevice) and device.discovered:
                continue  # its own program announces it; a second would be a duplicate entity
            topic, body = discovery_config(device, self._config.discovery_prefix)
            try:
                info = client.publish(topic, json.dumps(body), qos=1, retain=True)
            except (RuntimeError, ValueError) as err:
                _log.warning("MQTT broker %s: cannot announce %s: %s", self._address, topic, err)
                continue
            self._announcements.append(info)
        _log.info("MQTT broker %s: announcing %d devices", self._address, len(self._announcements))

    def _finish_announcing(self, client: mqtt.Client) -> None:
        """Before the connection closes, let the announcements still on their way arrive
        (`voiced ask` closes right after its one command), for timeout_seconds at most."""
        if self._announced is not client:
            return
        deadline = time.monotonic() + self._config.timeout_seconds
        for info in self._announcements:
            if not client.is_connected() or time.monotonic() >= deadline:
                break
            try:
                info.wait_for_publish(max(deadline - time.monotonic(), 0.0))
            except (RuntimeError, ValueError):
                continue
        left = sum(not info.is_published() for info in self._announcements)
        if left:
            _log.warning(
                "MQTT broker %s: %d of %d announcements not acknowledged before closing; "
                "the next connection sends them again",
                self._address,
                left,
                len(self._announcements),
            )
        self._announced, self._announcements = None, []

    def _connected_client(self, deadline: float) -> mqtt.Client:
        if self._client is not None:
            if self._client.is_connected():
                return self._client
            _log.info("MQTT broker %s: connection lost; reconnecting", self._address)
            _stop(self._client)
            self._client = None
        client = self._new_client()
        try:
            self._connect(client, deadline)
        except BackendError:
            _stop(client)
            raise
        self._client = client
        return client

    def _new_client(self) -> mqtt.Client:
        client = new_client(self._config, self._client_id, reconnect_on_failure=False)
        client.on_message = self._on_message
        # The announcements are in flight all at once: a command sent after them does not
        # queue behind them for a window of 20 (paho's default; 0 is no limit).
        client.max_inflight_messages_set(0)
        return client

    def _connect(self, client: mqtt.Client, deadline: float) -> None:
        _connect_and_subscribe(client, self._config, sorted(self._by_state_topic), deadline)
        _log.info("MQTT broker %s: connected as %s", self._address, self._client_id)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        """Runs on paho's network thread: nothing may escape it."""
        topic = "?"
        try:
            topic = message.topic
            understood = True
            # Each device on the topic reads the message its own way: one that cannot does
            # not keep the others from it.
            for device in self._by_state_topic.get(topic, []):
                try:
                    on, brightness_pct = parse_state(device, message.payload)
                except StateIgnored as err:
                    self._ignore(topic, str(err))
                    understood = False
                    continue
                self._update(device.id, on=on, brightness_pct=brightness_pct)
            if understood:
                self._ignoring.discard(topic)
        except Exception as err:  # a bug here must not end MQTT control
            self._ignore(topic, f"{type(err).__name__}: {redact(str(err))[:100]}")
            _log.debug("MQTT %s: the message failed", topic, exc_info=True)

    def _ignore(self, topic: str, reason: str) -> None:
        if topic in self._ignoring:
            _log.debug("MQTT %s: ignored again: %s", topic, reason)
            return
        self._ignoring.add(topic)
        _log.warning("MQTT %s: state message ignored: %s", topic, reason)

    def _update(self, device_id: str, on: bool | None, brightness_pct: int | None = None) -> None:
        """Merge what is known now into the device's state (None: unchanged)."""
        with self._state_lock:
            old = self._states.get(device_id, DeviceState())
            self._states[device_id] = DeviceState(
                on=old.on if on is None else on,
                brightness_pct=old.brightness_pct if brightness_pct is None else brightness_pct,
            )

    def reported_state(self, device: DeviceConfig) -> DeviceState:
        """What the device last reported on its state_topic (or was last commanded). Right
        after connecting, a broker is still sending the retained states: a state not yet
        heard is waited for, briefly."""
        device = mqtt_device(device)
        state = self.state(device)
        deadline = time.monotonic() + min(RETAINED_STATE_WAIT_SECONDS, self._config.timeout_seconds)
        while device.state_topic and state == DeviceState() and time.monotonic() < deadline:
            time.sleep(RETAINED_STATE_POLL_SECONDS)
            with self._state_lock:
                state = self._states.get(device.id, DeviceState())
        return state


def _connect_and_subscribe(
    client: mqtt.Client, config: MqttConfig, state_topics: list[str], deadline: float
) -> None:
    """Connect `client` and subscribe it to `state_topics`, all before `deadline`."""
    address = f"{config.host}:{config.port}"
    connack = threading.Event()
    connect_reasons: list[ReasonCode] = []
    suback = threading.Event()
    subscribe_reasons: list[ReasonCode] = []

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise BackendError(
                f"MQTT broker {address}: timed out after {config.timeout_seconds:g} seconds"
            )
        return left

    def on_connect(
        _client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        connect_reasons.append(reason)
        connack.set()

    def on_subscribe(
        _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[ReasonCode], _props: Any
    ) -> None:
        subscribe_reasons.extend(reasons)
        suback.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.connect_timeout = remaining()
    try:
        client.connect(config.host, config.port, keepalive=KEEPALIVE_SECONDS)
    except OSError as err:
        # Refused, unreachable, no such host, or no TCP handshake before the timeout.
        raise BackendError(f"MQTT broker {address}: cannot connect: {err.strerror or err}") from err
    client.loop_start()
    if not connack.wait(remaining()):
        raise BackendError(
            f"MQTT broker {address}: no answer to the connection request "
            f"within {config.timeout_seconds:g} seconds"
        )
    if connect_reasons[0].is_failure:
        raise BackendError(f"MQTT broker {address}: refused the connection: {connect_reasons[0]}")
    if not state_topics:
        return
    client.subscribe([(topic, 1) for topic in state_topics])
    if not suback.wait(remaining()):
        raise BackendError(
            f"MQTT broker {address}: no answer to the subscription "
            f"within {config.timeout_seconds:g} seconds"
        )
    if any(reason.is_failure for reason in subscribe_reasons):
        # Commands still work; only the reported states are missing.
        _log.warning(
            "MQTT broker %s: refused a state topic subscription: %s",
            address,
            ", ".join(str(reason) for reason in subscribe_reasons),
        )


def _stop(client: mqtt.Client) -> None:
    """Close the connection and end paho's network thread, whatever state they are in."""
    client.disconnect()
    client.loop_stop()
