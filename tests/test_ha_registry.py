"""Devices read over Home Assistant's WebSocket API: only those exposed to Assist, with
their aliases and areas, from a test Home Assistant serving a real WebSocket endpoint."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.home import HOME_REGISTRY, HOME_STATES, FakeHome, entry, serving_home, state
from tests.servers import HA_TOKEN
from tests.test_ha_import import config_for
from voiced.config import SENSITIVE_KINDS
from voiced.devices import BackendError
from voiced.devices.ha_import import import_from_home_assistant
from voiced.devices.imported import DeviceImports
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry


@pytest.fixture
def home() -> Iterator[FakeHome]:
    with serving_home(FakeHome()) as fake:
        yield fake


def test_exposed_entities_with_their_aliases_and_areas(home: FakeHome, tmp_path: Path) -> None:
    devices = import_from_home_assistant(config_for(home.url, tmp_path))

    found = {d.entity_id: (d.kind, d.name, d.area, d.aliases) for d in devices}
    assert found == {
        # No area of its own: its device's.
        "light.kitchen": ("light", "Kitchen Light", "Kitchen", ["Cooker Light"]),
        "switch.coffee_maker": ("switch", "Coffee Maker", "Kitchen", ["espresso machine"]),
        "fan.bedroom_ceiling": ("fan", "Ceiling Fan", "Bedroom", []),
        "lock.front_door": ("lock", "Front Door", "Hallway", []),
        "cover.garage_door": ("garage_door", "Garage Door", "Garage", []),
    }
    # The garden pump is not exposed to Assist: not imported.
    assert "switch.garden_pump" not in found
    lock = next(d for d in devices if d.kind == "lock")
    assert lock.kind in SENSITIVE_KINDS  # unlocking it waits for a yes
    assert home.commands == [
        "get_states",
        "homeassistant/expose_entity/list",
        "config/entity_registry/get_entries",
        "config/area_registry/list",
        "config/device_registry/list",
    ]
    assert home.requests == ["GET /api/websocket"]  # the REST API was not needed
    # Each ping before a result was answered (the last pong is read after the import ends).
    assert home.pongs[:4] == [b"hello"] * 4


def test_an_alias_is_a_name_the_matcher_knows(home: FakeHome, tmp_path: Path) -> None:
    config = DeviceImports().apply(config_for(home.url, tmp_path))
    matcher = IntentMatcher(load_registry(), config.devices)

    match = matcher.match("Turn on the cooker light.")
    assert match is not None and match.name == "HassTurnOn"
    assert match.slots["name"] == "ha_light_kitchen"
    match = matcher.match("switch off the espresso machine")
    assert match is not None and match.slots["name"] == "ha_switch_coffee_maker"
    match = matcher.match("turn on the garden pump")
    assert match is None or match.slots.get("name") != "ha_switch_garden_pump"


def test_a_configured_device_wins_and_a_clashing_alias_alone_is_dropped(
    home: FakeHome, tmp_path: Path
) -> None:
    own = {"id": "stove", "name": "cooker light", "kind": "light", "backend": "state_file"}
    config = DeviceImports().apply(config_for(home.url, tmp_path, devices=[own]))
    by_id = {d.id: d for d in config.devices}
    assert by_id["stove"].backend == "state_file"
    # The imported kitchen light stays, without the alias that names the configured one.
    assert by_id["ha_light_kitchen"].aliases == []


def test_aliases_nobody_can_say_are_left_out(tmp_path: Path) -> None:
    odd = entry("light.kitchen", "kitchen", aliases=["Kitchen Light", "  Hob   Lamp ", "\x07", 5])
    registry = {"light.kitchen": odd}
    with serving_home(FakeHome(registry=registry)) as home:
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert [(d.entity_id, d.aliases) for d in devices] == [("light.kitchen", ["Hob Lamp"])]


def test_auth_invalid_is_named_without_the_token(tmp_path: Path) -> None:
    with (
        serving_home(FakeHome(token="another-token-entirely")) as home,
        pytest.raises(BackendError) as raised,
    ):
        import_from_home_assistant(config_for(home.url, tmp_path))
    message = str(raised.value)
    assert "auth_invalid" in message and "access token was refused" in message
    assert HA_TOKEN not in message
    assert home.requests == ["GET /api/websocket"]  # no second try over REST


@pytest.mark.parametrize("behaviour", ["hang", "huge"])
def test_a_server_that_hangs_or_sends_a_huge_frame_is_bounded(
    behaviour: str, tmp_path: Path
) -> None:
    with serving_home(FakeHome(websocket=behaviour)) as home:
        started = time.monotonic()
        with pytest.raises(BackendError) as raised:
            import_from_home_assistant(config_for(home.url, tmp_path))
        took = time.monotonic() - started
    expected = "no whole answer within 2 seconds" if behaviour == "hang" else "larger than"
    assert expected in str(raised.value)
    assert HA_TOKEN not in str(raised.value)
    assert took < 30  # the 2-second deadline, with room for a loaded machine


def test_without_the_websocket_api_the_rest_api_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with serving_home(FakeHome(websocket="absent")) as home:
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert "HTTP 404 to the upgrade" in caplog.text and "REST API instead" in caplog.text
    # Every entity, exposed or not, and no aliases.
    assert "switch.garden_pump" in {d.entity_id for d in devices}
    assert {tuple(d.aliases) for d in devices} == {()}
    assert home.requests[-2:] == ["GET /api/states", "POST /api/template"]


def test_a_user_token_falls_back_to_the_rest_api(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serving_home(FakeHome(admin=False)) as home:
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert "unauthorized" in caplog.text
    assert len(devices) == 6
    assert home.commands == ["get_states", "homeassistant/expose_entity/list"]


def test_a_reload_reads_the_registry_again(home: FakeHome, tmp_path: Path) -> None:
    imports = DeviceImports()
    first = imports.apply(config_for(home.url, tmp_path))
    assert "ha_switch_garden_pump" not in {d.id for d in first.devices}
    pump = home.registry["switch.garden_pump"]
    home.registry["switch.garden_pump"] = {
        **pump,
        "aliases": ["water pump"],
        "options": {"conversation": {"should_expose": True}},
    }
    again = imports.apply(config_for(home.url, tmp_path))
    pumps = [d for d in again.devices if d.id == "ha_switch_garden_pump"]
    assert [(d.area, d.aliases) for d in pumps] == [("Garden", ["water pump"])]


@contextmanager
def serving_home_over_tls(home: FakeHome, directory: Path) -> Iterator[Path]:
    """`home` on https://127.0.0.1:<port> with a new self-signed certificate: its path."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), home.handler())
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    home.url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        yield cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_https_is_read_over_tls_and_an_unknown_certificate_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = FakeHome()
    with serving_home_over_tls(home, tmp_path) as cert:
        with pytest.raises(BackendError) as raised:
            import_from_home_assistant(config_for(home.url, tmp_path))
        assert "WebSocket API: TLS failed" in str(raised.value)
        assert "certificate verify failed" in str(raised.value)

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted, as a home's own CA would be
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert ["Cooker Light"] in [d.aliases for d in devices]
    assert home.requests == ["GET /api/websocket"]


def test_wrongly_typed_values_cost_their_entity_and_a_warning_not_the_import(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A broken or hostile server: a list where Home Assistant sends a text.
    registry = {
        entity_id: {**registered, "area_id": None, "device_id": ["dev-bulb"]}
        if entity_id == "light.kitchen"
        else registered
        for entity_id, registered in HOME_REGISTRY.items()
    }
    states = [
        state("cover.garage_door", "closed", "Garage Door", device_class=["garage"])
        if entry_state["entity_id"] == "cover.garage_door"
        else entry_state
        for entry_state in HOME_STATES
    ]
    with (
        serving_home(FakeHome(registry=registry, states=states)) as home,
        caplog.at_level(logging.WARNING, logger="voiced.devices.ha_import"),
    ):
        config = DeviceImports().apply(config_for(home.url, tmp_path))

    found = {d.entity_id: d.area for d in config.devices if d.backend == "homeassistant"}
    assert found == {
        "light.kitchen": None,  # its device's area is not used; the light is kept
        "switch.coffee_maker": "Kitchen",
        "fan.bedroom_ceiling": "Bedroom",
        "lock.front_door": "Hallway",
    }
    assert "light.kitchen: its registry entry's device_id is not a text" in caplog.text
    assert "cover.garage_door left out: its device_class is not a text" in caplog.text


def test_the_rest_api_leaves_out_a_wrongly_typed_entity(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    states = [
        state("cover.garage_door", "closed", "Garage Door", device_class={"x": 1}),
        state("switch.coffee_maker", "off", "Coffee Maker"),
    ]
    with (
        serving_home(FakeHome(states=states, websocket="absent")) as home,
        caplog.at_level(logging.WARNING, logger="voiced.devices.ha_import"),
    ):
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert [d.entity_id for d in devices] == ["switch.coffee_maker"]
    assert "cover.garage_door left out" in caplog.text


def test_the_rest_api_reads_the_states_of_a_large_home(tmp_path: Path) -> None:
    # 3,000 ordinary sensors beside the lights: over a service answer's 1 MiB.
    sensors = [
        state(f"sensor.room_{n}_temperature", "21.5", f"Room {n} temperature",
              unit_of_measurement="°C", device_class="temperature", state_class="measurement")
        for n in range(3000)
    ]  # fmt: skip
    with serving_home(FakeHome(states=HOME_STATES + sensors, websocket="absent")) as home:
        devices = import_from_home_assistant(config_for(home.url, tmp_path))
    assert "light.kitchen" in [d.entity_id for d in devices]


def test_the_rest_api_states_are_still_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("voiced.devices.ha_import.MAX_STATES_BYTES", 64 * 1024)
    sensors = [state(f"sensor.s_{n}", "1", f"Sensor {n}") for n in range(1000)]
    with (
        serving_home(FakeHome(states=HOME_STATES + sensors, websocket="absent")) as home,
        pytest.raises(BackendError, match=r"GET /api/states: the answer is larger than 65536"),
    ):
        import_from_home_assistant(config_for(home.url, tmp_path))
