"""Devices read from Home Assistant: its lights, switches, fans, locks and garage doors.

Over the WebSocket API, as Assist sees them: the states (get_states), only the entities
exposed to Assist (homeassistant/expose_entity/list), their aliases and areas from the
entity registry (config/entity_registry/get_entries), an entity without an area taking
its device's (config/device_registry/list), areas named by config/area_registry/list.
Where the WebSocket API is refused or missing (a proxy without WebSocket, a token that
is not an administrator's), two requests of the REST API instead, on the homeassistant
back end's own transport: GET /api/states for the entities and their friendly names,
POST /api/template for their areas; then every entity is imported, without aliases.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import TypeAdapter, ValidationError

from voiced.config import Config, DeviceConfig, DeviceKind
from voiced.device_config import cover_kind
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError
from voiced.devices.ha_websocket import HomeAssistantWebSocket, WebSocketUnavailable
from voiced.devices.homeassistant import HomeAssistantBackend
from voiced.sections import SpokenName

_log = logging.getLogger(__name__)

# Home Assistant's domain -> voiced's kind; a cover is a garage door only by its class.
KIND_OF_DOMAIN: dict[str, DeviceKind] = {
    "light": "light",
    "switch": "switch",
    "fan": "fan",
    "lock": "lock",
}
DOMAINS = (*KIND_OF_DOMAIN, "cover")
# A home with more is not what voiced's matcher is sized for.
MAX_IMPORTED_DEVICES = 500
# How much of what was wrong with an entry a warning says.
MAX_WHY_CHARS = 120
# GET /api/states holds every entity of the home (sensors, automations, ...), about 430
# bytes each and often more: far over a service call's answer. As the WebSocket API allows.
MAX_STATES_BYTES = 8 * 1024 * 1024
# The areas of the entities, as one JSON object rendered by Home Assistant.
AREAS_TEMPLATE = (
    "{ {%- for e in entities -%}{{ e | tojson }}: {{ area_name(e) | tojson }}"
    '{{ "," if not loop.last }}{%- endfor -%} }'
)
_ENTITY_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
# Assist's own name for the exposure flag (homeassistant/exposed_entities.py).
ASSISTANT = "conversation"
MAX_ALIASES = 20
_SPOKEN = TypeAdapter(SpokenName)
Entity = tuple[str, DeviceKind, str]


def import_from_home_assistant(config: Config) -> list[DeviceConfig]:
    """The devices Home Assistant exposes to Assist; BackendError when it cannot be asked."""
    try:
        devices = _from_registries(config)
    except WebSocketUnavailable as err:
        _log.warning(
            "%s; reading the REST API instead: every light, switch, fan, lock and garage "
            "door is imported, exposed to Assist or not, without aliases",
            err,
        )
        devices = _from_rest_api(config)
    _log.info("Home Assistant: %d devices imported", len(devices))
    return devices


def _from_registries(config: Config) -> list[DeviceConfig]:
    with HomeAssistantWebSocket(config.homeassistant) as api:
        states = api.command("get_states")
        if not isinstance(states, list):
            raise BackendError("Home Assistant: get_states is not a list of states")
        exposed = _exposed(api.command("homeassistant/expose_entity/list"))
        entities = _entities(states)
        hidden = [entity_id for entity_id, *_ in entities if entity_id not in exposed]
        if hidden:
            _log.info("Home Assistant: %d not exposed to Assist, left out", len(hidden))
        entities = [entity for entity in entities if entity[0] in exposed]
        entities = entities[:MAX_IMPORTED_DEVICES]
        if not entities:
            return []
        entries = api.command(
            "config/entity_registry/get_entries",
            entity_ids=[entity_id for entity_id, *_ in entities],
        )
        area_names = _by_id(api.command("config/area_registry/list"), "area_id", "name")
        device_areas = _by_id(api.command("config/device_registry/list"), "id", "area_id")
    entries = entries if isinstance(entries, dict) else {}
    devices = []
    for entity_id, kind, name in entities:
        entry = entries.get(entity_id)
        # An entity without a registry entry (no unique id) has no aliases and no area.
        entry = entry if isinstance(entry, dict) else {}
        try:
            device = _registered(entity_id, kind, name, entry, area_names, device_areas)
        except Exception as err:  # a broken answer costs that entity, never the import
            _log.warning("Home Assistant: %s left out: %s", entity_id, _why(err))
            continue
        if device is not None:
            devices.append(device)
    return devices


def _registered(
    entity_id: str,
    kind: DeviceKind,
    name: str,
    entry: dict[str, Any],
    area_names: dict[Any, Any],
    device_areas: dict[Any, Any],
) -> DeviceConfig | None:
    """The device of an entity and its registry entry; None when it is disabled."""
    if entry.get("disabled_by") is not None:
        return None
    area_id = entry.get("area_id")
    device_id = entry.get("device_id")
    if not area_id and device_id is not None:
        if isinstance(device_id, str):
            area_id = device_areas.get(device_id)
        else:
            _log.warning(
                "Home Assistant: %s: its registry entry's device_id is not a text; "
                "its device's area is not used",
                entity_id,
            )
    area = area_names.get(area_id) if isinstance(area_id, str) else None
    aliases = _aliases(entry.get("aliases"), name)
    return _device(entity_id, kind, name, area if isinstance(area, str) else None, aliases)


def _exposed(answer: Any) -> set[str]:
    """The entities exposed to Assist, from {"exposed_entities": {id: {"conversation": true}}}."""
    table = answer.get("exposed_entities") if isinstance(answer, dict) else None
    if not isinstance(table, dict):
        raise BackendError("Home Assistant: homeassistant/expose_entity/list has no table")
    return {
        entity_id
        for entity_id, assistants in table.items()
        if isinstance(assistants, dict) and assistants.get(ASSISTANT) is True
    }


def _by_id(rows: Any, key: str, value: str) -> dict[Any, Any]:
    """{row[key]: row[value]} of a registry list; rows that are not objects are skipped."""
    if not isinstance(rows, list):
        return {}
    return {
        row.get(key): row.get(value)
        for row in rows
        if isinstance(row, dict) and isinstance(row.get(key), str)
    }


def _aliases(given: Any, name: str) -> list[str]:
    """The aliases voiced can say: spoken names, each once, not the name itself."""
    aliases: list[str] = []
    seen = {" ".join(name.casefold().split())}
    for alias in given if isinstance(given, list) else []:
        if not isinstance(alias, str) or len(aliases) >= MAX_ALIASES:
            continue
        alias = " ".join(alias.split())
        key = alias.casefold()
        try:
            _SPOKEN.validate_python(alias)
        except ValidationError:
            _log.info("Home Assistant: an alias of %s cannot be said; left out", name)
            continue
        if key not in seen:
            seen.add(key)
            aliases.append(alias)
    return aliases


def _from_rest_api(config: Config) -> list[DeviceConfig]:
    reader = HomeAssistantBackend(config.homeassistant)
    states = reader._request("GET", "/api/states", max_bytes=MAX_STATES_BYTES)
    if not isinstance(states, list):
        raise BackendError("Home Assistant: /api/states is not a list of states")
    entities = _entities(states)[:MAX_IMPORTED_DEVICES]
    areas: dict[str, Any] = {}
    if entities:
        try:
            answer = reader._request(
                "POST",
                "/api/template",
                {
                    "template": AREAS_TEMPLATE,
                    "variables": {"entities": [entity_id for entity_id, *_ in entities]},
                },
                content_types=("text/plain", "application/json"),
            )
            areas = answer if isinstance(answer, dict) else {}
        except BackendError as err:
            # The template needs an administrator's token: without areas, names still work.
            _log.warning("Home Assistant: no areas (%s)", err)
    devices = []
    for entity_id, kind, name in entities:
        area = areas.get(entity_id)
        device = _device(entity_id, kind, name, area if isinstance(area, str) else None)
        if device is not None:
            devices.append(device)
    return devices


def _why(err: Exception) -> str:
    """What was wrong with an entry, in a line ("TypeError: unhashable type: 'list'")."""
    return f"{type(err).__name__}: {err}"[:MAX_WHY_CHARS]


def _entities(states: list[Any]) -> list[Entity]:
    """The entities voiced can switch, of a list of state objects; one that cannot be read
    is left out, with a warning naming it."""
    entities = []
    for state in states:
        try:
            entity = _entity(state)
        except Exception as err:  # a broken answer costs that entity, never the import
            entity_id = state.get("entity_id") if isinstance(state, dict) else None
            shown = entity_id[:100] if isinstance(entity_id, str) else "an entity"
            _log.warning("Home Assistant: %s left out: %s", shown, _why(err))
            continue
        if entity is not None:
            entities.append(entity)
    return entities


def _entity(state: Any) -> Entity | None:
    """(entity_id, kind, friendly name) of a state object voiced can switch, else None."""
    if not isinstance(state, dict):
        return None
    entity_id = state.get("entity_id")
    attributes = state.get("attributes")
    if not isinstance(entity_id, str) or not _ENTITY_ID.match(entity_id):
        return None
    attributes = attributes if isinstance(attributes, dict) else {}
    domain = entity_id.split(".", 1)[0]
    kind: DeviceKind | None = KIND_OF_DOMAIN.get(domain)
    if domain == "cover":
        try:
            kind = cover_kind(attributes.get("device_class"))
        except ValueError as err:
            _log.warning("Home Assistant: %s left out: %s", entity_id, err)
            return None
    if kind is None:
        return None
    name = attributes.get("friendly_name")
    if not isinstance(name, str) or not name.strip():
        name = entity_id.split(".", 1)[1].replace("_", " ")
    return entity_id, kind, " ".join(name.split())


def _device(
    entity_id: str, kind: DeviceKind, name: str, area: str | None, aliases: list[str] | None = None
) -> DeviceConfig | None:
    fields: dict[str, Any] = {
        "aliases": aliases or [],
        "id": "ha_" + entity_id.replace(".", "_"),
        "name": name,
        "kind": kind,
        "backend": "homeassistant",
        "entity_id": entity_id,
    }
    try:
        return HomeAssistantDevice(**fields, area=area)
    except ValidationError:
        pass
    try:
        # An area voiced cannot use costs the area, not the device.
        return HomeAssistantDevice(**fields)
    except ValidationError as err:
        # A name nobody can say (control characters, too long): that entity is left out.
        problem = err.errors()[0]["msg"] if err.errors() else "invalid"
        _log.warning("Home Assistant: %s left out: %s", entity_id, problem[:100])
        return None
