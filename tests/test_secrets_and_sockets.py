"""What voiced keeps to itself: the Home Assistant token and the MQTT password never reach
a log line or the replay report, right or wrong; and the daemon opens no listening socket
(it only ever connects out, to the back ends it is configured with)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, assert_nowhere, run_voiced
from tests.servers import HA_TOKEN, Broker, FakeHomeAssistant, needs_mosquitto, serving
from tests.two_backends import (
    BEDROOM_LAMP_OFF,
    KITCHEN_LIGHT_ON,
    MQTT_PASSWORD,
    password_broker,
)
from tests.two_backends import write_config as write_two_backends_config

pytestmark = [pytest.mark.slow, needs_mosquitto]

# The replies when the secrets are right; with wrong ones, both devices cannot be reached.
SWITCHED = ["Turned on the kitchen light.", "Turned off the bedroom lamp."]
UNREACHABLE = [
    "Sorry, I couldn't reach the kitchen light.",
    "Sorry, I couldn't reach the bedroom lamp.",
]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with password_broker(tmp_path) as running:
        yield running


@pytest.fixture
def home_assistant() -> Iterator[FakeHomeAssistant]:
    with serving(FakeHomeAssistant()) as fake:
        yield fake


def write_config(
    tmp_path: Path,
    broker: Broker,
    home_assistant: FakeHomeAssistant,
    token: str,
    password: str,
    input_file: Path | None = None,
) -> Path:
    """The kitchen light behind Home Assistant, the bedroom lamp behind the broker; the
    secrets in files, as systemd credentials would hold them."""
    (tmp_path / "ha-token").write_text(token + "\n", encoding="utf-8")
    (tmp_path / "mqtt-password").write_text(password + "\n", encoding="utf-8")
    return write_two_backends_config(
        tmp_path,
        broker,
        home_assistant.url,
        mqtt={"password_file": str(tmp_path / "mqtt-password"), "discovery": True},
        homeassistant={"token_file": str(tmp_path / "ha-token")},
        audio={"input_file": str(input_file) if input_file else None},
    )


@pytest.mark.parametrize("right", [True, False], ids=["right secrets", "wrong secrets"])
def test_secrets_never_reach_the_log_or_the_report(
    tmp_path: Path, broker: Broker, home_assistant: FakeHomeAssistant, right: bool
) -> None:
    token = HA_TOKEN if right else "wrong-token-4f1d9c"
    password = MQTT_PASSWORD if right else "wrong password 77a2"
    config = write_config(tmp_path, broker, home_assistant, token, password)
    report_path = tmp_path / "report.json"

    finished = run_voiced(
        "replay", "--verbose", "--config", str(config), "--report", str(report_path),
        str(KITCHEN_LIGHT_ON), str(BEDROOM_LAMP_OFF),
    )  # fmt: skip

    assert finished.returncode == 0, finished.stderr
    report = report_path.read_text(encoding="utf-8")
    responses = [turn["response"] for turn in json.loads(report)["turns"]]
    assert responses == (SWITCHED if right else UNREACHABLE), finished.stderr
    if not right:  # the failures were logged, with their reasons
        assert "HTTP 401" in finished.stderr and "check the access token" in finished.stderr
        assert "MQTT broker" in finished.stderr
    # A short word of the passphrase may be in any text.
    secrets = [secret for secret in (token, password, *password.split()) if len(secret) >= 6]
    assert_nowhere(secrets, stderr=finished.stderr, stdout=finished.stdout, report=report)


def listening_sockets(pid: int) -> list[str]:
    """The process's sockets that listen for connections or datagrams, as lines of
    /proc/net/{tcp,tcp6,udp,udp6,raw,raw6,unix}."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if found := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(found.group(1))
    listening = []
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            state, inode = fields[3], fields[9]
            # TCP: 0A is LISTEN. UDP and raw sockets in the table are bound: they receive.
            if inode in inodes and (state == "0A" or not table.startswith("tcp")):
                listening.append(f"{table}: {line.strip()}")
    for line in Path(f"/proc/{pid}/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        # Flags 00010000 (__SO_ACCEPTCON): a listening stream socket.
        if fields[6] in inodes and int(fields[3], 16) & 0x10000:
            listening.append(f"unix: {line.strip()}")
    return listening


def test_the_daemon_opens_no_listening_socket(
    tmp_path: Path, broker: Broker, home_assistant: FakeHomeAssistant
) -> None:
    config = write_config(
        tmp_path, broker, home_assistant, HA_TOKEN, MQTT_PASSWORD, input_file=BEDROOM_LAMP_OFF
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "voiced.cli", "run", "--config", str(config)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert daemon.stderr is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = daemon.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Turned off the bedroom lamp" in line or "answered by" in line:
                break
        assert any("answered by intent" in line for line in lines), "".join(lines)
        # The turn connected to the broker (and stays connected): still nothing listens.
        assert listening_sockets(daemon.pid) == []
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
