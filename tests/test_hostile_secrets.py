"""Secret-bearing failures through the whole `voiced` command: every line it prints, and
its report, are searched for the secrets; the report's error names the device failure."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import assert_nowhere, run_voiced
from tests.servers import HA_TOKEN, Broker, FakeHomeAssistant, needs_mosquitto, serving
from tests.two_backends import BEDROOM_LAMP_OFF, KITCHEN_LIGHT_ON, password_broker, write_config
from voiced.config import EX_CONFIG
from voiced.devices import BackendError
from voiced.devices.secrets import read_secret_file


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with password_broker(tmp_path) as running:
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
    with serving(FakeHomeAssistant()) as home_assistant:
        config_path = write_config(
            tmp_path,
            broker,
            home_assistant.url,
            mqtt={"password_file": str(password_file)},
            homeassistant={"token_env": "VOICED_TEST_HA_TOKEN"},
        )
        report_path = tmp_path / "report.json"
        finished = run_voiced(
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
    finished = run_voiced("check", "--config", str(path))
    assert finished.returncode == EX_CONFIG
    assert "homeassistant.url: must not contain a user name or password" in finished.stderr
    assert "mqtt.host: must be a host name" in finished.stderr
    assert_nowhere(["hunter2"], stderr=finished.stderr, stdout=finished.stdout)


@needs_mosquitto
@pytest.mark.slow
@pytest.mark.parametrize(
    "content",
    [f"{HA_TOKEN}\nsecond-line-9f2a\n", f"{HA_TOKEN}\r\n# a comment-9f2a\n"],
    ids=["two lines", "CRLF and a comment"],
)
def test_a_token_file_of_two_lines_is_refused_by_name_and_never_printed(
    tmp_path: Path, broker: Broker, content: str
) -> None:
    token_file = tmp_path / "ha-token"
    token_file.write_text(content, encoding="utf-8")
    with serving(FakeHomeAssistant()) as home_assistant:
        config_path = write_config(
            tmp_path,
            broker,
            home_assistant.url,
            mqtt={},
            homeassistant={"token_file": str(token_file)},
        )
        report_path = tmp_path / "report.json"
        finished = run_voiced(
            "replay", "--verbose", "--config", str(config_path), "--report", str(report_path),
            str(KITCHEN_LIGHT_ON),
        )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    assert "Traceback" not in finished.stderr
    assert home_assistant.calls == []
    report = report_path.read_text(encoding="utf-8")
    [turn] = json.loads(report)["turns"]
    assert turn["response"] == "Sorry, I couldn't reach the kitchen light."
    assert f"token_file {token_file} has more than one line" in turn["error"]
    assert_nowhere(
        [HA_TOKEN, "9f2a"], stderr=finished.stderr, stdout=finished.stdout, report=report
    )


def test_a_fifo_as_the_token_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "ha-token"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(BackendError, match="is not a regular file"):
        read_secret_file(fifo, "Home Assistant token_file", header_value=True)
    assert time.monotonic() - started < 1.0
