"""The homeassistant back end against a local HTTP server that answers as Home Assistant does."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import say_nothing
from tests.helpers import repeatable_config
from tests.servers import HA_TOKEN as TOKEN
from tests.servers import FakeHomeAssistant, serving
from voiced.config import HomeAssistantConfig
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError, DeviceState
from voiced.devices.homeassistant import EntityUnusableError, HomeAssistantBackend
from voiced.intents import IntentError
from voiced.intents.engine import IntentEngine

LIGHT = HomeAssistantDevice(
    id="porch_light", name="porch light", backend="homeassistant", entity_id="light.porch"
)
SWITCH = HomeAssistantDevice(
    id="heater",
    name="heater",
    kind="switch",
    backend="homeassistant",
    entity_id="switch.heater",
)


@pytest.fixture
def home_assistant() -> Iterator[FakeHomeAssistant]:
    with serving(FakeHomeAssistant()) as fake:
        yield fake


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "ha-token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    return path


def backend_for(fake: FakeHomeAssistant, token_file: Path | None) -> HomeAssistantBackend:
    return HomeAssistantBackend(
        HomeAssistantConfig(
            url=fake.url + "/", token_file=token_file, token_env="TEST_HA_TOKEN", timeout_seconds=1
        )
    )


def test_turn_on_off_and_brightness(home_assistant: FakeHomeAssistant, token_file: Path) -> None:
    backend = backend_for(home_assistant, token_file)
    backend.turn(LIGHT, True)
    backend.set_brightness(LIGHT, 40)
    backend.turn(LIGHT, False)
    backend.turn(SWITCH, True)

    assert home_assistant.calls == [
        ("/api/services/light/turn_on", {"entity_id": "light.porch"}),
        ("/api/services/light/turn_on", {"entity_id": "light.porch", "brightness_pct": 40}),
        ("/api/services/light/turn_off", {"entity_id": "light.porch"}),
        ("/api/services/switch/turn_on", {"entity_id": "switch.heater"}),
    ]
    assert backend.state(LIGHT) == DeviceState(on=False, brightness_pct=40)
    assert backend.state(SWITCH) == DeviceState(on=True)

    backend.set_brightness(LIGHT, 0)
    assert home_assistant.calls[-1] == (
        "/api/services/light/turn_on",
        {"entity_id": "light.porch", "brightness_pct": 0},
    )
    assert backend.state(LIGHT) == DeviceState(on=False, brightness_pct=40)


def test_locks_and_covers_are_called_by_their_own_services(
    home_assistant: FakeHomeAssistant, token_file: Path
) -> None:
    backend = backend_for(home_assistant, token_file)
    lock = HomeAssistantDevice(
        id="front_door", name="front door", kind="lock", backend="homeassistant",
        entity_id="lock.front_door",
    )  # fmt: skip
    garage = HomeAssistantDevice(
        id="garage_door", name="garage door", kind="garage_door", backend="homeassistant",
        entity_id="cover.garage_door",
    )  # fmt: skip
    backend.turn(lock, False)
    backend.turn(lock, True)
    backend.turn(garage, True)
    backend.turn(garage, False)

    assert home_assistant.calls == [
        ("/api/services/lock/unlock", {"entity_id": "lock.front_door"}),
        ("/api/services/lock/lock", {"entity_id": "lock.front_door"}),
        ("/api/services/cover/open_cover", {"entity_id": "cover.garage_door"}),
        ("/api/services/cover/close_cover", {"entity_id": "cover.garage_door"}),
    ]
    assert backend.state(lock) == DeviceState(on=True)


def test_brightness_for_a_switch_is_refused(
    home_assistant: FakeHomeAssistant, token_file: Path
) -> None:
    with pytest.raises(BackendError, match=r"switch\.heater.*not a light"):
        backend_for(home_assistant, token_file).set_brightness(SWITCH, 50)
    assert home_assistant.calls == []


def test_token_from_the_environment(
    home_assistant: FakeHomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_HA_TOKEN", TOKEN)
    backend_for(home_assistant, None).turn(LIGHT, True)
    assert home_assistant.calls == [("/api/services/light/turn_on", {"entity_id": "light.porch"})]


def test_a_missing_token_says_where_it_looked(
    home_assistant: FakeHomeAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TEST_HA_TOKEN", raising=False)
    with pytest.raises(BackendError, match=r"token_file is not set.*TEST_HA_TOKEN"):
        backend_for(home_assistant, None).turn(LIGHT, True)

    absent = tmp_path / "absent-token"
    with pytest.raises(BackendError, match=f"token_file {absent}"):
        backend_for(home_assistant, absent).turn(LIGHT, True)

    empty = tmp_path / "empty-token"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(BackendError, match=f"token_file {empty} is empty"):
        backend_for(home_assistant, empty).turn(LIGHT, True)
    assert home_assistant.calls == []


def check_secret_kept(err: BackendError, caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in str(err)
    assert TOKEN not in repr(err.__cause__)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()


def test_a_wrong_token_is_401(
    home_assistant: FakeHomeAssistant, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home_assistant.token = "the-right-one"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BackendError) as caught:
        backend_for(home_assistant, token_file).turn(LIGHT, True)
    message = str(caught.value)
    assert "POST /api/services/light/turn_on" in message
    assert "HTTP 401 Unauthorized" in message
    check_secret_kept(caught.value, caplog)
    assert home_assistant.calls == []
    assert backend_for(home_assistant, token_file).state(LIGHT) == DeviceState()


def test_a_server_error_is_reported(
    home_assistant: FakeHomeAssistant, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home_assistant.fail_with = 500
    caplog.set_level(logging.DEBUG)
    backend = backend_for(home_assistant, token_file)
    with pytest.raises(
        BackendError, match=r"POST /api/services/switch/turn_off: HTTP 500"
    ) as caught:
        backend.turn(SWITCH, False)
    check_secret_kept(caught.value, caplog)
    # A failed command is not remembered as done.
    assert backend.state(SWITCH) == DeviceState()


def test_a_refused_connection_is_reported(
    token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    caplog.set_level(logging.DEBUG)
    backend = HomeAssistantBackend(
        HomeAssistantConfig(url=f"http://127.0.0.1:{port}", token_file=token_file)
    )
    with pytest.raises(
        BackendError, match=r"POST /api/services/light/turn_on: .*refused"
    ) as caught:
        backend.turn(LIGHT, True)
    check_secret_kept(caught.value, caplog)


def test_a_slow_server_times_out(
    home_assistant: FakeHomeAssistant, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home_assistant.delay_seconds = 8
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(BackendError, match="no whole answer within 1 seconds") as caught:
        backend_for(home_assistant, token_file).turn(LIGHT, True)
    # Well before the server would answer: the client gave up at its timeout.
    assert time.monotonic() - started < 5
    check_secret_kept(caught.value, caplog)


def test_a_wrong_url_is_404(home_assistant: FakeHomeAssistant, token_file: Path) -> None:
    backend = HomeAssistantBackend(
        HomeAssistantConfig(url=home_assistant.url + "/not-here", token_file=token_file)
    )
    with pytest.raises(BackendError, match="not-here: POST /api/services/switch/turn_on: HTTP 404"):
        backend.turn(SWITCH, True)


def test_an_unavailable_entity_is_a_failure_said_as_such(
    home_assistant: FakeHomeAssistant, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A bulb switched off at the wall: Home Assistant skips it and answers 200 all the same.
    home_assistant.unavailable.add("light.porch")
    backend = backend_for(home_assistant, token_file)
    with caplog.at_level(logging.WARNING, logger="voiced.devices.homeassistant"):
        with pytest.raises(EntityUnusableError) as raised:
            backend.turn(LIGHT, True)
        with pytest.raises(EntityUnusableError):
            backend.set_brightness(LIGHT, 40)

    assert str(raised.value) == "The porch light is unavailable in Home Assistant."
    # A device error that the intent engine says as it is, not "Turned on ...".
    assert isinstance(raised.value, BackendError) and isinstance(raised.value, IntentError)
    assert "light.porch" in caplog.text and "unavailable" in caplog.text
    assert backend.state(LIGHT) == DeviceState()


def test_a_missing_entity_is_a_failure_said_as_such(
    home_assistant: FakeHomeAssistant, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A typo in entity_id, or an entity renamed in Home Assistant: it only logs it.
    home_assistant.missing.add("switch.heater")
    backend = backend_for(home_assistant, token_file)
    with (
        caplog.at_level(logging.WARNING, logger="voiced.devices.homeassistant"),
        pytest.raises(EntityUnusableError, match=r"^The heater is not in Home Assistant\.$"),
    ):
        backend.turn(SWITCH, True)
    assert "switch.heater" in caplog.text and "check its entity_id" in caplog.text
    assert backend.state(SWITCH) == DeviceState()


def test_an_entity_already_so_is_done_and_a_changed_one_needs_no_second_look(
    home_assistant: FakeHomeAssistant, token_file: Path
) -> None:
    backend = backend_for(home_assistant, token_file)
    backend.turn(LIGHT, True)  # the answer lists the light's new state
    assert home_assistant.state_reads == []
    backend.turn(LIGHT, True)  # already on: nothing changed, so its state is asked for
    assert home_assistant.state_reads == ["light.porch"]
    assert backend.state(LIGHT) == DeviceState(on=True)


def test_a_state_that_cannot_be_read_after_the_call_leaves_the_call_believed(
    home_assistant: FakeHomeAssistant,
    token_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = backend_for(home_assistant, token_file)
    backend.turn(LIGHT, True)
    request = backend._request

    def states_time_out(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if method == "GET":
            raise BackendError(f"Home Assistant: GET {path}: no whole answer within 1 seconds")
        return request(method, path, *args, **kwargs)

    monkeypatch.setattr(backend, "_request", states_time_out)
    with caplog.at_level(logging.WARNING, logger="voiced.devices.homeassistant"):
        backend.turn(LIGHT, True)  # taken with 200; only what it did is not known
    assert "cannot be read" in caplog.text
    assert backend.state(LIGHT) == DeviceState(on=True)


def test_the_intent_says_an_unavailable_light_is_unavailable(
    home_assistant: FakeHomeAssistant, token_file: Path, tmp_path: Path
) -> None:
    home_assistant.unavailable.add("light.kitchen")
    config = repeatable_config(
        devices=[
            {
                "id": "kitchen_light",
                "name": "kitchen light",
                "area": "kitchen",
                "backend": "homeassistant",
                "entity_id": "light.kitchen",
            },
        ],
        homeassistant={"url": home_assistant.url, "token_file": str(token_file)},
        state_file={"path": str(tmp_path / "state.json")},
    )
    engine = IntentEngine(config, announce=say_nothing)
    try:
        match = engine.match("turn on the kitchen light")
        assert match is not None
        answer = engine.answer(match)
        assert (answer.response, answer.done) == (
            "The kitchen light is unavailable in Home Assistant.",
            False,
        )
        assert engine.devices.state("kitchen_light") == DeviceState()
    finally:
        engine.close()
