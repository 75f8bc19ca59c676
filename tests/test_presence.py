"""voiced's own entities on a real Mosquitto broker: discovery configs, state, mute, say,
timers and availability."""

from __future__ import annotations

import json
import logging
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mqtt_devices import mqtt_config
from tests.servers import Broker, Watcher, needs_mosquitto, running_broker
from voiced.presence import Presence
from voiced.report import TurnReport
from voiced.timers import TimerState

pytestmark = needs_mosquitto
BASE = "voiced/kitchen-speaker"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        yield running


class Seen:
    """The last message of each topic the watcher got."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.last: dict[str, bytes] = {}

    def wait(self, topic: str, payload: bytes | None = None, timeout_seconds: float = 5) -> bytes:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if topic in self.last and (payload is None or self.last[topic] == payload):
                return self.last[topic]
            try:
                got_topic, got, _ = self.watcher.messages.get(timeout=0.05)
            except queue.Empty:
                continue
            self.last[got_topic] = got
        raise AssertionError(f"{topic} never got {payload!r}; last: {self.last.get(topic)!r}")


class FakeTimers:
    def __init__(self) -> None:
        self.states: list[TimerState] = []

    def timers(self) -> list[TimerState]:
        return list(self.states)


def start(broker: Broker) -> tuple[Presence, list[bool], list[str], FakeTimers]:
    mutes: list[bool] = []
    said: list[str] = []
    timers = FakeTimers()
    presence = Presence(mqtt_config(broker.port, client_id="kitchen-speaker"), mutes.append)
    presence.start(5)
    presence.attach(said.append, timers)
    return presence, mutes, said, timers


def test_entities_are_announced_and_follow_the_turn(broker: Broker) -> None:
    seen = Seen(Watcher(broker.port))
    presence, _, _, timers = start(broker)
    try:
        prefix = "homeassistant"
        node = "voiced_kitchen_speaker"
        configs = {
            component_object: json.loads(
                seen.wait(f"{prefix}/{component_object.split('.')[0]}/{node}/"
                          f"{component_object.split('.')[1]}/config")
            )
            for component_object in (
                "sensor.state", "sensor.transcript", "sensor.reply", "sensor.timers",
                "switch.mute", "text.say",
            )
        }  # fmt: skip
        for config in configs.values():
            assert config["availability_topic"] == f"{BASE}/availability"
            assert config["device"]["identifiers"] == [node]
            assert config["unique_id"].startswith(node)
        assert configs["switch.mute"]["command_topic"] == f"{BASE}/mute/set"
        assert configs["text.say"]["command_topic"] == f"{BASE}/say/set"
        assert seen.wait(f"{BASE}/availability") == b"online"
        assert seen.wait(f"{BASE}/state") == b"idle"

        presence.capturing(True)
        seen.wait(f"{BASE}/state", b"listening")
        presence.status("thinking")
        seen.wait(f"{BASE}/state", b"thinking")
        report = TurnReport(wake_word="hey_jarvis", wake_at_s=0.0)
        report.transcript, report.response = "Turn on the kitchen light.", "Done."
        presence.turn_done(report)
        seen.wait(f"{BASE}/transcript", b"Turn on the kitchen light.")
        seen.wait(f"{BASE}/reply", b"Done.")
        presence.status("listening")
        seen.wait(f"{BASE}/state", b"idle")

        timers.states = [TimerState(1, "5 minutes", 300, 299.5, False)]
        seen.wait(f"{BASE}/timers", b"1")
        shown = json.loads(seen.wait(f"{BASE}/timers/attributes"))["timers"]
        assert shown[0]["name"] == "5 minutes" and shown[0]["paused"] is False
        # A named timer shows its name; an unnamed one what it was set for, as before.
        timers.states.append(TimerState(2, "10 minutes", 600, 540, True, "pasta"))
        seen.wait(f"{BASE}/timers", b"2")
        shown = json.loads(seen.wait(f"{BASE}/timers/attributes"))["timers"]
        assert [(t["name"], t["paused"], t["left_seconds"]) for t in shown] == [
            ("5 minutes", False, 300),
            ("pasta", True, 540),
        ]
        assert shown[1]["ends_at"] is None
    finally:
        presence.close()
    assert seen.wait(f"{BASE}/availability", b"offline")


def test_mute_and_say_from_home_assistant(broker: Broker) -> None:
    watcher = Watcher(broker.port)
    seen = Seen(watcher)
    presence, mutes, said, _ = start(broker)
    try:
        seen.wait(f"{BASE}/mute", b"OFF")
        watcher.publish(f"{BASE}/mute/set", "ON")
        seen.wait(f"{BASE}/mute", b"ON")
        seen.wait(f"{BASE}/state", b"muted")
        assert mutes == [True] and presence.muted

        watcher.publish(f"{BASE}/mute/set", "maybe")  # not ON or OFF: ignored
        watcher.publish(f"{BASE}/say/set", "Dinner is\x07 ready.")
        watcher.publish(f"{BASE}/say/set", "x" * 5000)  # too long: ignored
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.02)
        assert said == ["Dinner is ready."]
        assert presence.muted
    finally:
        presence.close()


def test_the_mute_kept_on_the_broker_holds_after_a_restart(broker: Broker) -> None:
    watcher = Watcher(broker.port)
    watcher.publish(f"{BASE}/mute", "ON", retain=True)
    presence, mutes, _, _ = start(broker)
    try:
        assert presence.muted and mutes == [True]
        Seen(watcher).wait(f"{BASE}/state", b"muted")
    finally:
        presence.close()


def test_a_broker_that_is_down_does_not_stop_voiced(tmp_path: Path) -> None:
    broker = Broker(tmp_path)
    started = time.monotonic()
    presence, _, _, _ = start_with_timeout(broker, 0.5)
    try:
        assert time.monotonic() - started < 2
        assert not presence.muted
        broker.start()
        seen = Seen(Watcher(broker.port))
        assert seen.wait(f"{BASE}/availability", timeout_seconds=15) == b"online"
    finally:
        presence.close()
        broker.stop()


def start_with_timeout(
    broker: Broker, seconds: float
) -> tuple[Presence, list[bool], list[str], FakeTimers]:
    mutes: list[bool] = []
    presence = Presence(mqtt_config(broker.port, client_id="kitchen-speaker"), mutes.append)
    presence.start(seconds)
    return presence, mutes, [], FakeTimers()


def test_two_voiced_on_the_default_client_id_do_not_take_each_other_over(
    broker: Broker,
) -> None:
    config = mqtt_config(broker.port, entities=True)
    first = Presence(config, lambda _muted: None)
    second = Presence(config, lambda _muted: None)
    try:
        first.start(5)
        second.start(5)
        time.sleep(3)  # paho reconnects a dropped connection after 1 s
    finally:
        first.close()
        second.close()
    assert len(broker.clients(r"voiced-\S+-entities")) == 2


def test_a_password_file_that_cannot_be_read_leaves_voiced_listening(
    broker: Broker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    password_file = tmp_path / "mqtt-password"  # not there
    config = mqtt_config(broker.port, entities=True, username="voiced", password_file=password_file)
    presence = Presence(config, lambda _muted: None)
    with caplog.at_level(logging.ERROR, logger="voiced.presence"):
        presence.start(5)  # no BackendError: the daemon goes on listening
    try:
        assert "MQTT entities not started" in caplog.text
        assert str(password_file) in caplog.text
        presence.status("thinking")  # nothing to publish to: nothing fails
        assert not presence.muted
    finally:
        presence.close()
