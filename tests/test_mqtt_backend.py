"""The mqtt back end against a real Mosquitto broker on a loopback port."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mqtt_devices import (
    DEVICES,
    FAN,
    FRONT_DOOR,
    GARAGE_DOOR,
    LAMP,
    PLUG,
    TIMEOUT_SECONDS,
    mqtt_config,
    mqtt_device,
    refusal,
    wait_for_state,
)
from tests.servers import (
    Broker,
    Watcher,
    free_port,
    mosquitto_passwords,
    needs_mosquitto,
    running_broker,
    slow_link,
)
from voiced.devices import BackendError, DeviceState
from voiced.devices.mqtt import MqttBackend, discovery_config

# Slack for thread scheduling on a loaded machine; a hang would take far longer.
MARGIN_SECONDS = 3.0

pytestmark = needs_mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        yield running


@pytest.fixture
def auth_broker(tmp_path: Path) -> Iterator[Broker]:
    passwords = mosquitto_passwords(tmp_path, "voiced", "correct horse")
    with running_broker(tmp_path, passwords) as running:
        yield running


@pytest.fixture
def watcher(broker: Broker) -> Iterator[Watcher]:
    watching = Watcher(broker.port)
    yield watching
    watching.close()


@pytest.fixture
def backend(broker: Broker) -> Iterator[MqttBackend]:
    opened = MqttBackend(mqtt_config(broker.port), DEVICES)
    yield opened
    opened.close()


def test_commands_are_published_to_the_command_topics(
    backend: MqttBackend, watcher: Watcher
) -> None:
    backend.turn(LAMP, True)
    backend.turn(PLUG, True)
    backend.turn(PLUG, False)
    backend.set_brightness(LAMP, 60)
    backend.set_brightness(LAMP, 0)

    assert [(topic, payload) for topic, payload, _ in watcher.take(6)] == [
        ("home/desk_lamp/set", b"ON"),
        ("home/kettle/set", b"1"),
        ("home/kettle/set", b"0"),
        ("home/desk_lamp/brightness/set", b"60"),
        ("home/desk_lamp/set", b"ON"),
        ("home/desk_lamp/set", b"OFF"),
    ]
    assert watcher.messages.empty()
    # Nothing reported back yet: what was commanded is what voiced knows.
    assert backend.state(LAMP) == DeviceState(on=False, brightness_pct=60)
    assert backend.state(PLUG) == DeviceState(on=False)


def test_locks_and_garage_doors_speak_home_assistant_s_payloads(
    backend: MqttBackend, watcher: Watcher
) -> None:
    backend.turn(FRONT_DOOR, False)
    backend.turn(GARAGE_DOOR, True)
    assert [(topic, payload) for topic, payload, _ in watcher.take(2)] == [
        ("home/front_door/set", b"UNLOCK"),
        ("home/garage_door/set", b"OPEN"),
    ]

    watcher.publish("home/front_door/state", "LOCKED")
    watcher.publish("home/garage_door/state", "closed")
    assert wait_for_state(backend, FRONT_DOOR, DeviceState(on=True)) == DeviceState(on=True)
    assert wait_for_state(backend, GARAGE_DOOR, DeviceState(on=False)) == DeviceState(on=False)
    assert discovery_config(FRONT_DOOR, "homeassistant") == (
        "homeassistant/lock/voiced_front_door/config",
        {
            "name": "front door",
            "unique_id": "voiced_front_door",
            "command_topic": "home/front_door/set",
            "state_topic": "home/front_door/state",
            "payload_lock": "LOCK",
            "payload_unlock": "UNLOCK",
            "qos": 1,
        },
    )
    topic, body = discovery_config(GARAGE_DOOR, "homeassistant")
    assert topic == "homeassistant/cover/voiced_garage_door/config"
    assert (body["payload_open"], body["payload_close"], body["device_class"]) == (
        "OPEN",
        "CLOSE",
        "garage",
    )


def test_dimming_a_device_without_a_brightness_topic_is_refused(
    backend: MqttBackend, watcher: Watcher
) -> None:
    with pytest.raises(BackendError, match="kettle has no brightness_command_topic"):
        backend.set_brightness(PLUG, 50)
    assert watcher.messages.empty()


def test_reported_states_are_tracked(backend: MqttBackend, watcher: Watcher) -> None:
    assert backend.state(LAMP) == DeviceState()  # connects and subscribes

    watcher.publish("home/desk_lamp/state", "ON")
    assert wait_for_state(backend, LAMP, DeviceState(on=True)) == DeviceState(on=True)

    watcher.publish("home/desk_lamp/state", json.dumps({"state": "OFF", "brightness": 128}))
    expected = DeviceState(on=False, brightness_pct=50)
    assert wait_for_state(backend, LAMP, expected) == expected

    watcher.publish("home/attic_fan/state", "OFF")
    assert wait_for_state(backend, FAN, DeviceState(on=False)) == DeviceState(on=False)
    # An unrecognised payload changes nothing.
    watcher.publish("home/attic_fan/state", "banana")
    watcher.publish("home/desk_lamp/state", json.dumps({"state": "ON", "brightness": 255}))
    expected = DeviceState(on=True, brightness_pct=100)
    assert wait_for_state(backend, LAMP, expected) == expected
    assert backend.state(FAN) == DeviceState(on=False)


def test_discovery_configs_are_retained(broker: Broker) -> None:
    backend = MqttBackend(mqtt_config(broker.port, discovery=True), [LAMP, PLUG, FAN])
    try:
        backend.turn(PLUG, True)
    finally:
        backend.close()

    # A client that arrives later (Home Assistant restarting) still finds them.
    late = Watcher(broker.port, "homeassistant/#")
    try:
        received = {topic: (json.loads(payload), retain) for topic, payload, retain in late.take(3)}
    finally:
        late.close()
    assert received == {
        "homeassistant/light/voiced_desk_lamp/config": (
            {
                "name": "desk lamp",
                "unique_id": "voiced_desk_lamp",
                "command_topic": "home/desk_lamp/set",
                "state_topic": "home/desk_lamp/state",
                "brightness_command_topic": "home/desk_lamp/brightness/set",
                "brightness_scale": 100,
                "payload_on": "ON",
                "payload_off": "OFF",
                "qos": 1,
            },
            True,
        ),
        "homeassistant/switch/voiced_kettle/config": (
            {
                "name": "kettle",
                "unique_id": "voiced_kettle",
                "command_topic": "home/kettle/set",
                "payload_on": "1",
                "payload_off": "0",
                "qos": 1,
            },
            True,
        ),
        "homeassistant/fan/voiced_attic_fan/config": (
            {
                "name": "attic fan",
                "unique_id": "voiced_attic_fan",
                "command_topic": "home/attic_fan/set",
                "state_topic": "home/attic_fan/state",
                "payload_on": "ON",
                "payload_off": "OFF",
                "qos": 1,
            },
            True,
        ),
    }


def test_announcing_many_devices_over_a_slow_link_does_not_hold_up_a_command(
    broker: Broker,
) -> None:
    # 100 devices on a link of 40 ms round trips: one after another, their announcements
    # would take 4 s, four times the command's timeout.
    lamps = [mqtt_device(f"lamp_{number}", state_topic=False) for number in range(100)]
    watcher = Watcher(broker.port, "homeassistant/#")
    with slow_link(broker.port, delay_seconds=0.02) as link:
        backend = MqttBackend(mqtt_config(link.port, discovery=True), lamps)
        try:
            started = time.monotonic()
            backend.turn(lamps[0], True)
            backend.turn(lamps[1], True)
            assert time.monotonic() - started < TIMEOUT_SECONDS
            # The announcements all reach the broker still, after the commands.
            announced = {topic for topic, _, _ in watcher.take(100)}
        finally:
            watcher.close()
            backend.close()
    assert announced == {f"homeassistant/light/voiced_lamp_{n}/config" for n in range(100)}


def test_no_discovery_unless_configured(backend: MqttBackend, broker: Broker) -> None:
    backend.turn(PLUG, True)
    late = Watcher(broker.port, "homeassistant/#")
    try:
        with pytest.raises(queue.Empty):
            late.take(1, timeout_seconds=0.5)
    finally:
        late.close()


def test_username_and_password_from_the_password_file(auth_broker: Broker, tmp_path: Path) -> None:
    password_file = tmp_path / "mqtt-password"
    password_file.write_text("correct horse\n", encoding="utf-8")
    config = mqtt_config(auth_broker.port, username="voiced", password_file=password_file)
    backend = MqttBackend(config, DEVICES)
    try:
        backend.turn(PLUG, True)
    finally:
        backend.close()

    password_file.write_text("wrong horse\n", encoding="utf-8")
    message = refusal(config, DEVICES, PLUG)
    assert f"127.0.0.1:{auth_broker.port}" in message
    assert "refused" in message
    assert "horse" not in message


def test_a_missing_password_file_is_named(auth_broker: Broker, tmp_path: Path) -> None:
    config = mqtt_config(auth_broker.port, username="voiced", password_file=tmp_path / "absent")
    assert re.search(r"password_file .*absent", refusal(config, DEVICES, PLUG))


def test_an_unreachable_broker_fails_fast() -> None:
    port = free_port()  # nothing listens here
    backend = MqttBackend(mqtt_config(port), DEVICES)
    started = time.monotonic()
    with pytest.raises(BackendError, match=f"127.0.0.1:{port}: cannot connect: .*refused"):
        backend.turn(PLUG, True)
    assert time.monotonic() - started < TIMEOUT_SECONDS + MARGIN_SECONDS
    with pytest.raises(BackendError, match=f"127.0.0.1:{port}"):
        backend.state(LAMP)
    backend.close()


def test_a_broker_that_never_answers_fails_within_the_timeout() -> None:
    # The kernel completes the TCP handshake for a listening socket nobody accepts from,
    # so only the wait for the broker's answer can end this.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        backend = MqttBackend(mqtt_config(port), DEVICES)
        started = time.monotonic()
        with pytest.raises(BackendError, match=f"127.0.0.1:{port}: no answer"):
            backend.turn(PLUG, True)
        elapsed = time.monotonic() - started
        backend.close()
    assert TIMEOUT_SECONDS * 0.9 < elapsed < TIMEOUT_SECONDS + MARGIN_SECONDS


def test_a_paused_broker_times_out_the_publish_then_recovers(
    backend: MqttBackend, broker: Broker, watcher: Watcher
) -> None:
    backend.turn(PLUG, True)
    watcher.take(1)
    if broker.process is None:
        raise RuntimeError("the broker is not running")

    os.kill(broker.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(
            BackendError,
            match=r"no acknowledgement of the command to the kettle \(home/kettle/set\)",
        ):
            backend.turn(PLUG, False)
        elapsed = time.monotonic() - started
    finally:
        os.kill(broker.process.pid, signal.SIGCONT)
    assert elapsed < TIMEOUT_SECONDS + MARGIN_SECONDS

    # The message already in the socket arrives late; the next command works again.
    assert [topic for topic, _, _ in watcher.take(1)] == ["home/kettle/set"]
    backend.turn(LAMP, True)
    assert [(t, p) for t, p, _ in watcher.take(1)] == [("home/desk_lamp/set", b"ON")]


def test_reconnects_after_the_broker_restarts(backend: MqttBackend, broker: Broker) -> None:
    backend.turn(PLUG, True)

    broker.stop()
    with pytest.raises(BackendError, match=f"127.0.0.1:{broker.port}"):
        backend.turn(PLUG, False)

    broker.start()
    watcher = Watcher(broker.port)
    try:
        backend.turn(PLUG, False)
        assert [(t, p) for t, p, _ in watcher.take(1)] == [("home/kettle/set", b"0")]
        # The state topics are subscribed again on the new connection.
        watcher.publish("home/desk_lamp/state", "ON")
        assert wait_for_state(backend, LAMP, DeviceState(on=True)) == DeviceState(on=True)
    finally:
        watcher.close()


def test_the_first_command_after_a_quiet_restart_works(
    backend: MqttBackend, broker: Broker
) -> None:
    backend.turn(PLUG, True)
    broker.stop()
    broker.start()

    watcher = Watcher(broker.port)
    try:
        backend.turn(PLUG, False)
        assert [(t, p) for t, p, _ in watcher.take(1)] == [("home/kettle/set", b"0")]
    finally:
        watcher.close()


def test_two_processes_on_the_default_client_id_do_not_take_each_other_over(
    broker: Broker,
) -> None:
    # The daemon and `voiced ask` beside it, both on the default configuration.
    daemon = MqttBackend(mqtt_config(broker.port), DEVICES)
    ask = MqttBackend(mqtt_config(broker.port), DEVICES)
    try:
        daemon.turn(LAMP, True)
        ask.turn(FAN, True)
        daemon.turn(LAMP, False)
        ask.turn(FAN, False)
    finally:
        daemon.close()
        ask.close()
    assert len(broker.clients(r"voiced-\S+")) == 2


def test_a_configured_client_id_is_used_as_it_is(broker: Broker) -> None:
    backend = MqttBackend(mqtt_config(broker.port, client_id="kitchen"), DEVICES)
    try:
        backend.turn(LAMP, True)
    finally:
        backend.close()
    assert re.findall(r" as (\S+) ", broker.log_path.read_text(errors="replace")) == ["kitchen"]
