"""The homeassistant back end against servers that misbehave on purpose: each call ends
with a BackendError that names the problem, within timeout_seconds + 1 s, in bounded
memory, and no message or log line holds the token."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import HA_TOKEN as TOKEN
from tests.servers import HostileHttp, free_port, hostile_http
from voiced.config import HomeAssistantConfig
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError
from voiced.devices.homeassistant import HomeAssistantBackend
from voiced.report import resident_mb

TIMEOUT_SECONDS = 1.0
# The bound: the configured timeout plus one second.
SLACK_SECONDS = 1.0
LIGHT = HomeAssistantDevice(
    id="porch_light", name="porch light", backend="homeassistant", entity_id="light.porch"
)


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "ha-token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    return path


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert record.exc_info is None, "a traceback was logged"


def backend(url: str, token_file: Path | None) -> HomeAssistantBackend:
    return HomeAssistantBackend(
        HomeAssistantConfig(
            url=url, token_file=token_file, token_env="TEST_HA_TOKEN", timeout_seconds=1
        )
    )


def failure(url: str, token_file: Path | None) -> tuple[str, float]:
    """The message of the BackendError the call ends with, and how long it took."""
    started = time.monotonic()
    with pytest.raises(BackendError) as raised:
        backend(url, token_file).turn(LIGHT, True)
    elapsed = time.monotonic() - started
    message = str(raised.value)
    assert TOKEN not in message and raised.value.__cause__ is None
    return message, elapsed


def failure_from(
    behaviour: str, token_file: Path | None, **options: Any
) -> tuple[str, float, HostileHttp]:
    """failure() of a call to a server that misbehaves as `behaviour` says, and the server."""
    with hostile_http(behaviour, **options) as server:
        message, elapsed = failure(server.url, token_file)
    return message, elapsed, server


def test_a_proper_answer_is_still_taken(token_file: Path, logs: pytest.LogCaptureFixture) -> None:
    with hostile_http("json") as server:
        backend(server.url, token_file).turn(LIGHT, True)
    # The call, then the light's state: the empty answer does not say it was acted on.
    assert server.authorizations == [f"Bearer {TOKEN}"] * 2


def test_a_dripping_answer_ends_at_the_deadline(
    token_file: Path, logs: pytest.LogCaptureFixture
) -> None:
    # Each byte comes well within the timeout: only a deadline for the whole call ends it.
    message, elapsed, _ = failure_from("drip", token_file, drip_seconds=0.3)
    assert "no whole answer within 1 seconds" in message
    assert TIMEOUT_SECONDS - 0.1 < elapsed < TIMEOUT_SECONDS + SLACK_SECONDS


def test_a_server_that_never_answers_ends_at_the_deadline(
    token_file: Path, logs: pytest.LogCaptureFixture
) -> None:
    message, elapsed, _ = failure_from("hang", token_file)
    assert "no whole answer within 1 seconds" in message
    assert elapsed < TIMEOUT_SECONDS + SLACK_SECONDS


@pytest.mark.parametrize("behaviour", ["huge", "huge-declared"])
def test_a_huge_answer_is_cut_off_in_bounded_memory(
    token_file: Path, logs: pytest.LogCaptureFixture, behaviour: str
) -> None:
    before_mb = resident_mb()
    message, elapsed, _ = failure_from(behaviour, token_file)
    assert "the answer is larger than 1048576 bytes" in message
    assert elapsed < TIMEOUT_SECONDS + SLACK_SECONDS
    assert resident_mb() - before_mb < 50


def test_a_web_page_is_not_success(token_file: Path, logs: pytest.LogCaptureFixture) -> None:
    message, _, _ = failure_from("html", token_file)
    assert "the answer is text/html; charset=utf-8, not JSON" in message


def test_a_redirect_is_not_followed_and_the_token_stays_home(
    token_file: Path, logs: pytest.LogCaptureFixture
) -> None:
    with (
        hostile_http("json") as elsewhere,
        hostile_http(
            "redirect", redirect_to=elsewhere.url + "/api/services/light/turn_on"
        ) as server,
    ):
        message, _ = failure(server.url, token_file)
    assert "HTTP 302, a redirect (not followed)" in message
    assert elsewhere.authorizations == []


@pytest.mark.parametrize(
    "content",
    [
        f"{TOKEN}\nsecond-line-{TOKEN}\n",
        f"{TOKEN}\r\n# my Home Assistant token\r\n",
        f"Bearer {TOKEN}\n",
        f"{TOKEN}\x00\n",
        f"{TOKEN}é\n",
    ],
    ids=["two-lines", "crlf-comment", "with-a-space", "nul", "non-ascii"],
)
def test_a_token_file_that_is_not_one_word_is_named_not_quoted(
    tmp_path: Path, logs: pytest.LogCaptureFixture, content: str
) -> None:
    path = tmp_path / "ha-token"
    path.write_text(content, encoding="utf-8")
    message, _, server = failure_from("json", path)
    assert f"the Home Assistant token_file {path}" in message
    assert "my Home Assistant token" not in message
    assert server.authorizations == []


def test_a_token_in_the_environment_with_a_line_break_is_refused(
    monkeypatch: pytest.MonkeyPatch, logs: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TEST_HA_TOKEN", f"{TOKEN}\nX-Injected: 1")
    message, _, server = failure_from("json", None)
    assert "the environment variable TEST_HA_TOKEN has more than one line" in message
    assert server.authorizations == []


def test_a_huge_token_file_is_not_read_whole(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ha-token"
    with path.open("wb") as file:
        file.truncate(1024**3)
    message, _, _ = failure_from("json", path)
    assert "larger than 4096 bytes" in message


def test_a_name_is_resolved_and_called_by_name(
    token_file: Path, logs: pytest.LogCaptureFixture
) -> None:
    with hostile_http("json") as server:
        backend(server.url.replace("127.0.0.1", "localhost"), token_file).turn(LIGHT, True)
    assert server.authorizations == [f"Bearer {TOKEN}"] * 2  # the call and the state read


def test_a_resolver_that_hangs_ends_at_the_deadline(
    token_file: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def slow_getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        time.sleep(3)  # as an unanswered mDNS or DNS query does
        return real_getaddrinfo(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    message, elapsed = failure("http://homeassistant.local:8123", token_file)
    assert "no whole answer within 1 seconds" in message
    assert elapsed < TIMEOUT_SECONDS + SLACK_SECONDS


class _FullListener:
    """A port on 127.0.0.2 whose queue of connections is full: a SYN to it is dropped and
    a connect waits, as one to an address on a broken route (IPv6, say) does."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.2", 0), backlog=0)
        self.address: tuple[str, int] = self._listener.getsockname()
        self._fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(self.address)
            self._fillers.append(filler)
        time.sleep(0.1)

    def close(self) -> None:
        for sock in [*self._fillers, self._listener]:
            sock.close()


@pytest.fixture
def full_listener() -> Iterator[_FullListener]:
    listener = _FullListener()
    yield listener
    listener.close()


def _resolving_to(
    monkeypatch: pytest.MonkeyPatch, name: str, addresses: list[tuple[str, int]]
) -> None:
    """Make the system resolver answer `name` with `addresses`, in that order (as an mDNS
    name with an IPv6 and an IPv4 address is answered)."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_an_address_that_does_not_answer_leaves_time_for_the_next(
    token_file: Path,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    full_listener: _FullListener,
) -> None:
    with hostile_http("json") as server:
        port = int(server.url.rsplit(":", 1)[1])
        _resolving_to(
            monkeypatch, "homeassistant.local", [full_listener.address, ("127.0.0.1", port)]
        )
        started = time.monotonic()
        backend("http://homeassistant.local:8123", token_file).turn(LIGHT, True)
        elapsed = time.monotonic() - started
    assert server.authorizations == [f"Bearer {TOKEN}"] * 2
    # Two connections, each after waiting for the first address a little, not for ever.
    assert elapsed < TIMEOUT_SECONDS


def test_no_connection_to_any_address_is_said_as_such(
    token_file: Path,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    full_listener: _FullListener,
) -> None:
    refused = ("127.0.0.1", free_port())
    _resolving_to(monkeypatch, "homeassistant.local", [full_listener.address, refused])
    message, elapsed = failure("http://homeassistant.local:8123", token_file)
    assert "could not connect to homeassistant.local (" in message
    assert f"127.0.0.2:{full_listener.address[1]}: no answer" in message
    assert f"127.0.0.1:{refused[1]}: " in message
    assert "no whole answer" not in message
    assert elapsed < TIMEOUT_SECONDS + SLACK_SECONDS
