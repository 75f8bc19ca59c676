"""Secret-bearing failures through the whole `voiced` command: every line it prints, and
its report, are searched for the secrets; the report's error names the device failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, RECORDINGS, ROOT
from tests.servers import (
    HA_TOKEN,
    Broker,
    FakeHomeAssistant,
    mosquitto_passwords,
    needs_mosquitto,
    running_broker,
    serving,
)
from voiced.config import EX_CONFIG

MQTT_PASSWORD = "correct horse battery staple"
KITCHEN_LIGHT_ON = RECORDINGS / "commands" / "kitchen-light-on.wav"
BEDROOM_LAMP_OFF = RECORDINGS / "commands" / "bedroom-lamp-off.wav"


def voiced(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiced.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def assert_nowhere(secrets: list[str], **outputs: str) -> None:
    for secret in secrets:
        for where, text in outputs.items():
            assert secret not in text, f"the secret {secret!r} is in the {where}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    passwords = mosquitto_passwords(tmp_path, "voiced", MQTT_PASSWORD)
    with running_broker(tmp_path, passwords) as running:
        yield running


@needs_mosquitto
@pytest.mark.slow
def test_secrets_of_two_lines_are_refused_by_name_and_never_printed(
    tmp_path: Path, broker: Broker
) -> None:
    # The password's file has its passphrase split over two lines; the token in the
    # environment carries a header of its own.
    password_file = tmp_path / "mqtt-password"
    password_file.write_text("correct horse\nbattery staple\n", encoding="utf-8")
    injected_token = f"{HA_TOKEN}\r\nX-Injected: yes"
    devices = [
        {"id": "kitchen_light", "name": "kitchen light", "area": "kitchen",
         "aliases": ["kitchen lights", "light in the kitchen"],
         "backend": "homeassistant", "entity_id": "light.kitchen"},
        {"id": "bedroom_lamp", "name": "bedroom lamp", "area": "bedroom",
         "aliases": ["bedside lamp"], "backend": "mqtt", "command_topic": "home/lamp/set"},
    ]  # fmt: skip
    with serving(FakeHomeAssistant()) as home_assistant:
        config = {
            "models_dir": str(MODELS_DIR),
            "llm": {"temperature": 0.0},
            "devices": devices,
            "state_file": {"path": str(tmp_path / "state.json")},
            "mqtt": {
                "host": "127.0.0.1",
                "port": broker.port,
                "username": "voiced",
                "password_file": str(password_file),
                "timeout_seconds": 2.0,
            },
            "homeassistant": {
                "url": home_assistant.url,
                "token_env": "VOICED_TEST_HA_TOKEN",
                "timeout_seconds": 2.0,
            },
        }
        config_path = tmp_path / "voiced.yaml"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        report_path = tmp_path / "report.json"
        finished = voiced(
            "replay", "--verbose", "--config", str(config_path), "--report", str(report_path),
            str(KITCHEN_LIGHT_ON), str(BEDROOM_LAMP_OFF),
            env={"VOICED_TEST_HA_TOKEN": injected_token},
        )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    assert "Traceback" not in finished.stderr
    assert home_assistant.calls == []
    report = report_path.read_text(encoding="utf-8")
    turns = json.loads(report)["turns"]
    assert [turn["response"] for turn in turns] == [
        "Sorry, I couldn't reach the kitchen light.",
        "Sorry, I couldn't reach the bedroom lamp.",
    ]
    assert "environment variable VOICED_TEST_HA_TOKEN has more than one line" in turns[0]["error"]
    assert f"MQTT password_file {password_file} has more than one line" in turns[1]["error"]
    assert_nowhere(
        [HA_TOKEN, "correct horse", "battery staple", "X-Injected"],
        stderr=finished.stderr,
        stdout=finished.stdout,
        report=report,
    )


def test_a_password_in_the_url_is_refused_unprinted(tmp_path: Path) -> None:
    path = tmp_path / "voiced.yaml"
    path.write_text(
        "homeassistant: {url: 'http://voiced:hunter2-8c1e@homeassistant.local:8123'}\n"
        "mqtt: {host: 'voiced:hunter2-8c1e@broker.local'}\n",
        encoding="utf-8",
    )
    finished = voiced("check", "--config", str(path))
    assert finished.returncode == EX_CONFIG
    assert "homeassistant.url: must not contain a user name or password" in finished.stderr
    assert "mqtt.host: must be a host name" in finished.stderr
    assert_nowhere(["hunter2"], stderr=finished.stderr, stdout=finished.stdout)
