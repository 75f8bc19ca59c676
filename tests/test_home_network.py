"""A test home, end to end: voiced gets its devices from a Home Assistant (the entities its
WebSocket API says are exposed to Assist) and from zigbee2mqtt- and Tasmota-style
discovery on a real Mosquitto broker, with no device list in voiced.yaml, switches each
kind, and shows itself on the broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, recording
from tests.home import (
    DISCOVERY,
    Z2M_PLUG,
    Z2M_PLUG_TOPIC,
    FakeHome,
    entry,
    serving_home,
    state,
)
from tests.servers import HA_TOKEN, Broker, Watcher, needs_mosquitto, running_broker
from tests.test_presence import Seen
from tests.test_secrets_and_sockets import listening_sockets

pytestmark = pytest.mark.slow

COMMANDS = [
    "Turn on the kitchen light.",
    "Turn on the coffee maker.",
    "Turn on the ceiling fan.",
    "Lock the front door.",
    "Open the garage door.",
]


@pytest.fixture
def home() -> Iterator[FakeHome]:
    with serving_home(FakeHome()) as fake:
        yield fake


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        yield running


def write_config(tmp_path: Path, **sections: Any) -> Path:
    """voiced.yaml without a device list."""
    data: dict[str, Any] = {
        "models_dir": str(MODELS_DIR),
        "llm": {"model": TEST_LLM_MODEL, "temperature": 0.0},
        "state_file": {"path": str(tmp_path / "state.json")},
        **sections,
    }
    path = tmp_path / "voiced.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def home_assistant_section(home: FakeHome, tmp_path: Path) -> dict[str, Any]:
    token = tmp_path / "ha-token"
    token.write_text(HA_TOKEN + "\n", encoding="utf-8")
    return {"url": home.url, "token_file": str(token), "import": True}


def voiced(*args: str) -> list[dict[str, Any]]:
    finished = subprocess.run(
        [sys.executable, "-m", "voiced.cli", *args, "--report", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    turns: list[dict[str, Any]] = json.loads(finished.stdout)["turns"]
    return turns


def test_home_assistant_devices_are_switched_by_name(home: FakeHome, tmp_path: Path) -> None:
    config = write_config(tmp_path, homeassistant=home_assistant_section(home, tmp_path))
    turns = voiced("ask", "--config", str(config), *COMMANDS)

    assert [turn["intent"]["name"] for turn in turns] == ["HassTurnOn"] * 5
    assert home.calls == [
        ("/api/services/light/turn_on", {"entity_id": "light.kitchen"}),
        ("/api/services/switch/turn_on", {"entity_id": "switch.coffee_maker"}),
        ("/api/services/fan/turn_on", {"entity_id": "fan.bedroom_ceiling"}),
        ("/api/services/lock/lock", {"entity_id": "lock.front_door"}),
    ]
    # The garage door is asked about, not opened.
    assert turns[4]["confirmation"] == "asked"
    assert turns[4]["response"] == "Open the Garage Door?"

    # Spoken, with the yes after it: then it opens.
    turns = voiced("replay", "--config", str(config), str(recording("open-garage-door-yes")))
    assert [turn["confirmation"] for turn in turns] == ["asked", "confirmed"]
    assert home.calls[-1] == ("/api/services/cover/open_cover", {"entity_id": "cover.garage_door"})


@needs_mosquitto
def test_discovered_devices_are_switched_on_their_topics(broker: Broker, tmp_path: Path) -> None:
    watcher = Watcher(broker.port, topic="#")
    for topic, body in DISCOVERY.items():
        watcher.publish(topic, json.dumps(body), retain=True)
    mqtt = {"host": "127.0.0.1", "port": broker.port, "discovery_import": True}
    config = write_config(tmp_path, mqtt=mqtt)

    dimming = ["Set the desk lamp to 40 percent.", "Set the kitchen light to 50 percent."]
    turns = voiced("ask", "--config", str(config), *COMMANDS, *dimming)

    assert [turn["intent"]["name"] for turn in turns] == ["HassTurnOn"] * 5 + ["HassLightSet"] * 2
    sent = []
    deadline = time.monotonic() + 5
    while len(sent) < 7 and time.monotonic() < deadline:
        topic, payload, _ = watcher.messages.get(timeout=5)
        if "/set" in topic or "/cmnd/" in topic:
            sent.append((topic, payload))
    assert sent == [
        ("zigbee2mqtt/Kitchen Light/set", b'{"state": "ON"}'),
        ("zigbee2mqtt/Coffee Maker/set", b"ON"),
        ("tasmota_D3E5F6/cmnd/POWER1", b"ON"),
        ("zigbee2mqtt/Front Door/set", b"LOCK"),
        ("tasmota_AABBCC/cmnd/Dimmer", b"40"),
        ("tasmota_AABBCC/cmnd/POWER", b"ON"),
        # zigbee2mqtt's scale is 0-254.
        ("zigbee2mqtt/Kitchen Light/set", b'{"state": "ON", "brightness": 127}'),
    ]
    assert turns[4]["confirmation"] == "asked"  # the garage door waits for a yes
    watcher.close()


@needs_mosquitto
def test_the_daemon_shows_itself_mutes_and_speaks(
    home: FakeHome, broker: Broker, tmp_path: Path
) -> None:
    base = "voiced/hall"
    watcher = Watcher(broker.port, topic="#")
    seen = Seen(watcher)
    # Muted before it stopped last time: it starts muted.
    watcher.publish(f"{base}/mute", "ON", retain=True)
    config = write_config(
        tmp_path,
        homeassistant=home_assistant_section(home, tmp_path),
        mqtt={
            "host": "127.0.0.1",
            "port": broker.port,
            "client_id": "hall",
            "entities": True,
            "discovery_import": True,
        },
        audio={"input_file": str(recording("commands/kitchen-light-on"))},
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "voiced.cli", "run", "--config", str(config)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    log: list[str] = []
    try:
        read_until(daemon, "ready", log)
        for name in ("sensor/voiced_hall/state", "switch/voiced_hall/mute", "text/voiced_hall/say"):
            config_message = json.loads(seen.wait(f"homeassistant/{name}/config"))
            assert config_message["availability_topic"] == f"{base}/availability"
        seen.wait(f"{base}/availability", b"online")
        seen.wait(f"{base}/state", b"muted")
        # Muted, the recording of the command is never heard: nothing is switched.
        time.sleep(4)
        assert home.calls == []
        assert f"{base}/transcript" not in seen.last

        watcher.publish(f"{base}/say/set", "Dinner is ready.")
        read_until(daemon, "announcing: Dinner is ready.", log)

        watcher.publish(f"{base}/mute/set", "OFF")
        seen.wait(f"{base}/mute", b"OFF")
        seen.wait(f"{base}/transcript", b"Turn on the kitchen light.", timeout_seconds=60)
        assert home.calls == [("/api/services/light/turn_on", {"entity_id": "light.kitchen"})]
        seen.wait(f"{base}/state", b"idle", timeout_seconds=30)
        assert listening_sockets(daemon.pid) == []

        # A device added in Home Assistant comes with a reload; the models stay loaded.
        home.states.append(state("light.porch", "off", "Porch Light"))
        home.registry["light.porch"] = entry("light.porch", "porch")  # exposed to Assist
        loaded = sum("loading" in line for line in log)
        assert loaded > 0
        daemon.send_signal(signal.SIGHUP)
        read_until(daemon, "Home Assistant: 6 devices imported", log)
        read_until(daemon, "configuration reloaded", log)
        assert sum("loading" in line for line in log) == loaded
        # A device announced on the broker reloads it by itself.
        watcher.publish(Z2M_PLUG_TOPIC, json.dumps(Z2M_PLUG), retain=True)
        read_until(daemon, "the announced devices changed", log)
        read_until(daemon, "configuration reloaded", log)
        seen.wait(f"{base}/state", b"idle")

        # A crash: the broker says it for voiced, through its last will.
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=10)
        seen.wait(f"{base}/availability", b"offline")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        watcher.close()


def read_until(process: subprocess.Popen[str], needle: str, log: list[str]) -> None:
    assert process.stderr is not None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        log.append(line)
        if needle in line:
            return
    raise AssertionError(f"{needle!r} never logged:\n{''.join(log)}")
