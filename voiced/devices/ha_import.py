"""Devices read from Home Assistant: its lights, switches, fans, locks and garage doors.

Two requests of the documented REST API, on the homeassistant back end's own transport
(one deadline, size caps, no redirect, the token only in its header): GET /api/states
for the entities and their friendly names, and POST /api/template for their areas
(area_name() exists only in templates). Aliases and the "exposed to Assist" flag live in
the entity registry, which the REST API does not show.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import ValidationError

from voiced.config import Config, DeviceConfig, DeviceKind
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError
from voiced.devices.homeassistant import HomeAssistantBackend

_log = logging.getLogger(__name__)

# Home Assistant's domain -> voiced's kind; a cover is a garage door only by its class.
KIND_OF_DOMAIN: dict[str, DeviceKind] = {
    "light": "light",
    "switch": "switch",
    "fan": "fan",
    "lock": "lock",
}
GARAGE_CLASSES = frozenset({"garage", "gate"})
DOMAINS = (*KIND_OF_DOMAIN, "cover")
# A home with more is not what voiced's matcher is sized for.
MAX_IMPORTED_DEVICES = 500
# The areas of the entities, as one JSON object rendered by Home Assistant.
AREAS_TEMPLATE = (
    "{ {%- for e in entities -%}{{ e | tojson }}: {{ area_name(e) | tojson }}"
    '{{ "," if not loop.last }}{%- endfor -%} }'
)
_ENTITY_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


def import_from_home_assistant(config: Config) -> list[DeviceConfig]:
    """The devices Home Assistant has; BackendError when it cannot be asked."""
    reader = HomeAssistantBackend(config.homeassistant)
    states = reader._request("GET", "/api/states")
    if not isinstance(states, list):
        raise BackendError("Home Assistant: /api/states is not a list of states")
    entities = [entity for entity in (_entity(state) for state in states) if entity is not None]
    entities = entities[:MAX_IMPORTED_DEVICES]
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
    _log.info("Home Assistant: %d devices imported", len(devices))
    return devices


def _entity(state: Any) -> tuple[str, DeviceKind, str] | None:
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
    if domain == "cover" and attributes.get("device_class") in GARAGE_CLASSES:
        kind = "garage_door"
    if kind is None:
        return None
    name = attributes.get("friendly_name")
    if not isinstance(name, str) or not name.strip():
        name = entity_id.split(".", 1)[1].replace("_", " ")
    return entity_id, kind, " ".join(name.split())


def _device(entity_id: str, kind: DeviceKind, name: str, area: str | None) -> DeviceConfig | None:
    fields: dict[str, Any] = {
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
