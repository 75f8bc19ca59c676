"""A test home: a Home Assistant that answers /api/states, /api/template and service calls
as the documented REST API does (templates rendered by Jinja, with area_name), its
WebSocket API's registries on /api/websocket, and the discovery messages zigbee2mqtt and
Tasmota publish."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from tests.ha_websocket_server import Answer, serve_session, upgrade
from tests.servers import HA_TOKEN, SERVICE_PATH, JsonHandler, serving_http


def state(entity_id: str, value: str, name: str, **attributes: Any) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "state": value,
        "attributes": {"friendly_name": name, **attributes},
        "last_changed": "2026-12-05T12:00:00+00:00",
        "last_updated": "2026-12-05T12:00:00+00:00",
        "context": {"id": "01J0000000000000000000000", "parent_id": None, "user_id": None},
    }


HOME_STATES = [
    state(
        "light.kitchen",
        "off",
        "Kitchen Light",
        brightness=None,
        supported_color_modes=["brightness"],
    ),
    state("switch.coffee_maker", "off", "Coffee Maker"),
    state("fan.bedroom_ceiling", "off", "Ceiling Fan"),
    state("lock.front_door", "locked", "Front Door"),
    state("cover.garage_door", "closed", "Garage Door", device_class="garage"),
    state("cover.living_room_blinds", "open", "Living Room Blinds", device_class="blind"),
    state("sensor.outside_temperature", "4.5", "Outside Temperature", unit_of_measurement="°C"),
    state("media_player.tv", "off", "TV"),
    state("switch.garden_pump", "off", "Garden Pump"),
]
HOME_AREAS = {
    "light.kitchen": "Kitchen",
    "switch.coffee_maker": "Kitchen",
    "fan.bedroom_ceiling": "Bedroom",
    "lock.front_door": "Hallway",
    "cover.garage_door": "Garage",
}


def entry(entity_id: str, area_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """An entity registry entry as config/entity_registry/get_entries gives it (the entry's
    extended_dict in homeassistant/helpers/entity_registry.py)."""
    return {
        "aliases": [],
        "area_id": area_id,
        "categories": {},
        "capabilities": None,
        "config_entry_id": "01J00000000000000000000CFG",
        "device_class": None,
        "device_id": None,
        "disabled_by": None,
        "entity_category": None,
        "entity_id": entity_id,
        "has_entity_name": False,
        "hidden_by": None,
        "icon": None,
        "id": "id-" + entity_id,
        "labels": [],
        "name": None,
        "options": {"conversation": {"should_expose": True}},
        "original_device_class": None,
        "original_icon": None,
        "original_name": None,
        "platform": "demo",
        "translation_key": None,
        "unique_id": "uid-" + entity_id,
        **fields,
    }


def area(area_id: str, name: str) -> dict[str, Any]:
    return {"area_id": area_id, "aliases": [], "floor_id": None, "icon": None,
            "labels": [], "name": name, "picture": None}  # fmt: skip


# The kitchen light's area is its device's; the others have their own.
HOME_REGISTRY = {
    "light.kitchen": entry("light.kitchen", device_id="dev-bulb", aliases=["Cooker Light"]),
    "switch.coffee_maker": entry("switch.coffee_maker", "kitchen", aliases=["espresso machine"]),
    "fan.bedroom_ceiling": entry("fan.bedroom_ceiling", "bedroom"),
    "lock.front_door": entry("lock.front_door", "hallway"),
    "cover.garage_door": entry("cover.garage_door", "garage"),
    "switch.garden_pump": entry(
        "switch.garden_pump", "garden", options={"conversation": {"should_expose": False}}
    ),
}
HOME_AREA_REGISTRY = [
    area("kitchen", "Kitchen"),
    area("bedroom", "Bedroom"),
    area("hallway", "Hallway"),
    area("garage", "Garage"),
    area("garden", "Garden"),
]
HOME_DEVICE_REGISTRY = [
    {"id": "dev-bulb", "area_id": "kitchen", "name": "Hue bulb", "name_by_user": None}
]


@dataclass
class FakeHome:
    """Home Assistant's REST API over a set of states and areas; records service calls."""

    states: list[dict[str, Any]] = field(default_factory=lambda: list(HOME_STATES))
    areas: dict[str, str] = field(default_factory=lambda: dict(HOME_AREAS))
    token: str = HA_TOKEN
    # The template endpoint needs an administrator: a user's token gets 401 there.
    admin: bool = True
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    url: str = ""
    # The WebSocket API: "honest", "absent" (404, as behind a proxy without WebSocket),
    # "hang" (upgrades, then says nothing) or "huge" (announces a 100 MB frame).
    websocket: str = "honest"
    registry: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(HOME_REGISTRY))
    area_registry: list[dict[str, Any]] = field(default_factory=lambda: list(HOME_AREA_REGISTRY))
    device_registry: list[dict[str, Any]] = field(
        default_factory=lambda: list(HOME_DEVICE_REGISTRY)
    )
    commands: list[str] = field(default_factory=list)
    pongs: list[bytes] = field(default_factory=list)

    def exposed(self) -> dict[str, dict[str, bool]]:
        """homeassistant/expose_entity/list's table: each registry entry's should_expose."""
        table: dict[str, dict[str, bool]] = {}
        for entity_id, registered in self.registry.items():
            table[entity_id] = {}
            for assistant, options in registered["options"].items():
                if "should_expose" in options:
                    table[entity_id][assistant] = options["should_expose"]
        return table

    def answer(self, message: dict[str, Any]) -> Answer:
        kind = message.get("type")
        self.commands.append(str(kind))
        if kind == "get_states":
            return self.states, None
        if kind == "homeassistant/expose_entity/list":
            if not self.admin:  # @websocket_api.require_admin
                return None, ("unauthorized", "Unauthorized")
            return {"exposed_entities": self.exposed()}, None
        if kind == "config/entity_registry/get_entries":
            return {e: self.registry.get(e) for e in message.get("entity_ids", [])}, None
        if kind == "config/area_registry/list":
            return self.area_registry, None
        if kind == "config/device_registry/list":
            return self.device_registry, None
        return None, ("unknown_command", "Unknown command.")

    def render(self, template: str, variables: dict[str, Any]) -> str:
        environment = SandboxedEnvironment()

        def area_name(entity_id: str) -> str | None:
            return self.areas.get(entity_id)

        environment.globals["area_name"] = area_name
        environment.filters["area_name"] = area_name
        return environment.from_string(template).render(**variables)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        home = self

        class Handler(JsonHandler):
            def authorized(self) -> bool:
                home.requests.append(f"{self.command} {self.path}")
                if self.headers.get("Authorization") != f"Bearer {home.token}":
                    self.answer(401, {"message": "401: Unauthorized"})
                    return False
                return True

            def do_GET(self) -> None:
                if self.path == "/api/websocket":
                    # Authenticated inside, by the auth message: no header.
                    home.requests.append(f"GET {self.path}")
                    if home.websocket == "absent":
                        self.answer(404, {"message": "Not found"})
                    else:
                        self.websocket()
                    return
                if not self.authorized():
                    return
                if self.path == "/api/states":
                    self.answer(200, home.states)
                    return
                entity_id = self.path.removeprefix("/api/states/")
                state = next((s for s in home.states if s.get("entity_id") == entity_id), None)
                if entity_id != self.path and state is not None:
                    self.answer(200, state)
                else:
                    self.answer(404, {"message": "Not found"})

            def do_POST(self) -> None:
                if not self.authorized():
                    return
                if (body := self.json_body()) is None:
                    return
                if self.path == "/api/template":
                    if not home.admin:
                        self.answer(401, {"message": "401: Unauthorized"})
                        return
                    text = home.render(body["template"], body.get("variables") or {})
                    data = text.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif SERVICE_PATH.match(self.path):
                    home.calls.append((self.path, body))
                    self.answer(200, [])
                else:
                    self.answer(404, {"message": "Not found"})

            def websocket(self) -> None:
                peer = upgrade(self, home.pongs)
                if peer is None:
                    return
                if home.websocket == "hang":
                    self.rfile.read(1)  # until the client gives up and closes
                elif home.websocket == "huge":
                    self.wfile.write(b"\x81\x7f" + (100 * 1024 * 1024).to_bytes(8, "big"))
                    self.wfile.flush()
                    self.rfile.read(1)
                else:
                    serve_session(peer, home.token, home.answer)

        return Handler


@contextmanager
def serving_home(home: FakeHome) -> Iterator[FakeHome]:
    with serving_http(home.handler()) as url:
        home.url = url
        yield home


# What zigbee2mqtt (1.x/2.x) retains for a dimmable bulb, a plug and a lock: the JSON schema
# for the light, name null (the device's name is the entity's), full key names.
Z2M_LIGHT_TOPIC = "homeassistant/light/0x00158d0001a2b3c4/light/config"
Z2M_LIGHT = {
    "availability": [
        {"topic": "zigbee2mqtt/bridge/state", "value_template": "{{ value_json.state }}"}
    ],
    "brightness": True,
    "brightness_scale": 254,
    "command_topic": "zigbee2mqtt/Kitchen Light/set",
    "device": {
        "identifiers": ["zigbee2mqtt_0x00158d0001a2b3c4"],
        "manufacturer": "IKEA",
        "model": "TRADFRI bulb E27 WS opal 980lm",
        "name": "Kitchen Light",
        "suggested_area": "Kitchen",
        "via_device": "zigbee2mqtt_bridge_0x00124b0022334455",
    },
    "json_attributes_topic": "zigbee2mqtt/Kitchen Light",
    "name": None,
    "object_id": "kitchen_light",
    "origin": {"name": "Zigbee2MQTT", "sw": "1.42.0", "url": "https://www.zigbee2mqtt.io"},
    "schema": "json",
    "state_topic": "zigbee2mqtt/Kitchen Light",
    "supported_color_modes": ["color_temp"],
    "unique_id": "0x00158d0001a2b3c4_light_zigbee2mqtt",
}
Z2M_PLUG_TOPIC = "homeassistant/switch/0x0017880104e45517/switch/config"
Z2M_PLUG = {
    "command_topic": "zigbee2mqtt/Coffee Maker/set",
    "device": {"identifiers": ["zigbee2mqtt_0x0017880104e45517"], "name": "Coffee Maker"},
    "name": None,
    "object_id": "coffee_maker",
    "payload_off": "OFF",
    "payload_on": "ON",
    "state_topic": "zigbee2mqtt/Coffee Maker",
    "unique_id": "0x0017880104e45517_switch_zigbee2mqtt",
    "value_template": "{{ value_json.state }}",
}
Z2M_LOCK_TOPIC = "homeassistant/lock/0x000d6f0011223344/lock/config"
Z2M_LOCK = {
    "command_topic": "zigbee2mqtt/Front Door/set",
    "device": {"identifiers": ["zigbee2mqtt_0x000d6f0011223344"], "name": "Front Door"},
    "name": None,
    "object_id": "front_door",
    "payload_lock": "LOCK",
    "payload_unlock": "UNLOCK",
    "state_locked": "LOCK",
    "state_unlocked": "UNLOCK",
    "state_topic": "zigbee2mqtt/Front Door",
    "unique_id": "0x000d6f0011223344_lock_zigbee2mqtt",
    "value_template": "{{ value_json.state }}",
}
# What Tasmota retains with SetOption19 1: abbreviated keys and a "~" topic base.
TASMOTA_FAN_TOPIC = "homeassistant/fan/A4CF12D3E5F6_fan/config"
TASMOTA_FAN = {
    "name": "Ceiling Fan",
    "~": "tasmota_D3E5F6/",
    "cmd_t": "~cmnd/POWER1",
    "stat_t": "~tele/STATE",
    "val_tpl": "{{value_json.POWER1}}",
    "pl_off": "OFF",
    "pl_on": "ON",
    "avty_t": "~tele/LWT",
    "pl_avail": "Online",
    "pl_not_avail": "Offline",
    "uniq_id": "A4CF12D3E5F6_fan",
    "dev": {"ids": ["A4CF12D3E5F6"], "sa": "Bedroom"},
}
TASMOTA_DIMMER_TOPIC = "homeassistant/light/A4CF12AABBCC_LI_1/config"
TASMOTA_DIMMER = {
    "name": "Desk Lamp",
    "~": "tasmota_AABBCC/",
    "cmd_t": "~cmnd/POWER",
    "stat_t": "~stat/RESULT",
    "val_tpl": "{{value_json.POWER}}",
    "pl_off": "OFF",
    "pl_on": "ON",
    "bri_cmd_t": "~cmnd/Dimmer",
    "bri_stat_t": "~tele/STATE",
    "bri_scl": 100,
    "on_cmd_type": "brightness",
    "uniq_id": "A4CF12AABBCC_LI_1",
    "dev": {"ids": ["A4CF12AABBCC"]},
}
TASMOTA_GARAGE_TOPIC = "homeassistant/cover/A4CF12112233_garage/config"
TASMOTA_GARAGE = {
    "name": "Garage Door",
    "~": "tasmota_112233/",
    "cmd_t": "~cmnd/ShutterPosition1",
    "pl_open": "100",
    "pl_cls": "0",
    "dev_cla": "garage",
    "uniq_id": "A4CF12112233_garage",
    "dev": {"ids": ["A4CF12112233"]},
}
DISCOVERY = {
    Z2M_LIGHT_TOPIC: Z2M_LIGHT,
    Z2M_PLUG_TOPIC: Z2M_PLUG,
    Z2M_LOCK_TOPIC: Z2M_LOCK,
    TASMOTA_FAN_TOPIC: TASMOTA_FAN,
    TASMOTA_DIMMER_TOPIC: TASMOTA_DIMMER,
    TASMOTA_GARAGE_TOPIC: TASMOTA_GARAGE,
}
