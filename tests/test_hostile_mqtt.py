"""MQTT state messages as a hostile publisher would send them: to a real Mosquitto broker,
retained, so that they come back on every connection. Each is ignored with one warning;
commands still work and later good states are still tracked."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from tests.mqtt_devices import FAN, LAMP, mqtt_config, refusal, wait_for_state
from tests.servers import Broker, Watcher, needs_mosquitto, running_broker
from voiced.device_settings import MqttDevice
from voiced.devices import DeviceState
from voiced.devices.mqtt import (
    MAX_STATE_PAYLOAD_BYTES,
    MqttBackend,
    StateIgnored,
    parse_state,
)

HOSTILE_PAYLOADS = {
    "nan": b'{"state":"ON","brightness":NaN}',
    "infinity": b'{"state":"ON","brightness":1e400}',
    # Within the size limit, far past the depth limit (and Python's recursion limit).
    "deep": b'{"state":' + b"[" * 8000 + b"]" * 8000 + b"}",
    "huge": b'{"state":"ON","x":"' + b"x" * (MAX_STATE_PAYLOAD_BYTES + 1) + b'"}',
    "not-utf8": b"\xff\xfe\x00ON",
    "odd-brightness": b'{"state":"ON","brightness":"bright"}',
    "negative": b'{"brightness":-5}',
    "list": b"[1, 2, 3]",
    "long-number": b'{"brightness":' + b"9" * 5000 + b"}",
    "huge-number": b'{"brightness":' + b"9" * 4000 + b"}",
}


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS.values(), ids=HOSTILE_PAYLOADS.keys())
def test_hostile_payloads_are_ignored_with_a_reason(payload: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(StateIgnored) as raised:
        parse_state(LAMP, payload)
    assert time.monotonic() - started < 1
    assert len(str(raised.value)) < 200


def assert_a_state_or_ignored(payload: bytes) -> None:
    """The payload is a state voiced can hold, or is ignored (StateIgnored): nothing else."""
    try:
        on, brightness_pct = parse_state(LAMP, payload)
    except StateIgnored:
        return
    assert on in (True, False, None)
    assert brightness_pct is None or 0 <= brightness_pct <= 100


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_state_or_are_ignored(payload: bytes) -> None:
    assert_a_state_or_ignored(payload)


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["state", "brightness", "x"]), children, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.sampled_from(["state", "brightness", "color"]), JSON, max_size=3))
def test_any_json_object_gives_a_state_or_is_ignored(document: dict[str, object]) -> None:
    payload = json.dumps(document).encode()  # NaN and Infinity included, as Python writes them
    assert_a_state_or_ignored(payload)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        yield running


@needs_mosquitto
def test_retained_hostile_states_leave_mqtt_control_working(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = Watcher(broker.port)
    # Retained: the broker hands them to voiced on every (re)connection.
    watcher.client.publish(LAMP.state_topic, HOSTILE_PAYLOADS["nan"], qos=1, retain=True)
    watcher.client.publish(FAN.state_topic, HOSTILE_PAYLOADS["deep"], qos=1, retain=True)
    watcher.take(2)
    caplog.set_level(logging.DEBUG, logger="voiced.devices.mqtt")
    backend = MqttBackend(mqtt_config(broker.port), [LAMP, FAN])
    try:
        for _ in range(3):
            started = time.monotonic()
            backend.turn(FAN, True)
            backend.set_brightness(LAMP, 40)
            assert time.monotonic() - started < 1.0
        topics = [topic for topic, _, _ in watcher.take(9)]
        assert topics.count("home/attic_fan/set") == 3

        # A good state after the bad ones is tracked again.
        watcher.publish(LAMP.state_topic, json.dumps({"state": "OFF", "brightness": 51}))
        expected = DeviceState(on=False, brightness_pct=20)
        assert wait_for_state(backend, LAMP, expected) == expected
        # The same bad message again, and again: one warning until a good one comes.
        for _ in range(3):
            watcher.client.publish(FAN.state_topic, HOSTILE_PAYLOADS["nan"], qos=1)
        backend.turn(FAN, False)
        time.sleep(0.2)
    finally:
        backend.close()
        watcher.close()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert sorted(r.getMessage().split(": state message ignored: ")[0] for r in warnings) == [
        "MQTT home/attic_fan/state",
        "MQTT home/desk_lamp/state",
    ], [r.getMessage()[:200] for r in warnings]
    assert any("nested deeper than 8 levels" in r.getMessage() for r in warnings)
    assert all(r.exc_info is None for r in warnings)
    assert all(len(r.getMessage()) < 300 for r in caplog.records)


@needs_mosquitto
def test_a_password_file_of_two_lines_is_named_not_quoted(broker: Broker, tmp_path: Path) -> None:
    password_file = tmp_path / "mqtt-password"
    password_file.write_text("correct horse\nbattery staple\n", encoding="utf-8")
    config = mqtt_config(broker.port, username="voiced", password_file=password_file)
    message = refusal(config, [LAMP], LAMP)
    assert f"MQTT password_file {password_file} has more than one line" in message
    assert "horse" not in message and "battery" not in message


@needs_mosquitto
def test_a_device_that_cannot_read_a_shared_state_topic_leaves_the_others_updated(
    broker: Broker,
) -> None:
    shared = "home/hall/state"
    light = MqttDevice(
        id="hall_light", name="hall light", backend="mqtt",
        command_topic="home/hall_light/set", state_topic=shared,
    )  # fmt: skip
    plug = MqttDevice(
        id="hall_plug", name="hall plug", kind="switch", backend="mqtt",
        command_topic="home/hall_plug/set", state_topic=shared, payload_on="1", payload_off="0",
    )  # fmt: skip
    watcher = Watcher(broker.port)
    # Retained, so that voiced has it as it subscribes. The light, first on the topic,
    # cannot read "1"; the plug can.
    watcher.client.publish(shared, "1", qos=1, retain=True)
    watcher.take(1)
    backend = MqttBackend(mqtt_config(broker.port), [light, plug])
    try:
        assert wait_for_state(backend, plug, DeviceState(on=True)).on is True
        assert backend.state(light).on is None
    finally:
        backend.close()
        watcher.close()
