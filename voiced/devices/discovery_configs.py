"""Devices from the config messages of Home Assistant's MQTT discovery, read as Home
Assistant reads them (homeassistant/components/mqtt/discovery.py): abbreviated keys
expanded (cmd_t is command_topic), the `~` base put into topics, and a device-based
message (HA 2024.11+: <prefix>/device/<id>/config with `dev`, `o` and `cmps`) cut into
its components, the shared options given to each. Lights (basic, JSON and simple template
schema), switches, fans, locks and garage-door covers become devices of the mqtt back end.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import ValidationError

from voiced.config import DeviceConfig, DeviceKind
from voiced.device_config import cover_kind
from voiced.device_settings import MqttDevice

_log = logging.getLogger(__name__)

COMPONENTS = frozenset({"light", "switch", "fan", "lock", "cover"})
# The "component" of a device-based message's topic.
DEVICE = "device"

# The abbreviations voiced reads, from Home Assistant's
# homeassistant/components/mqtt/abbreviations.py (ABBREVIATIONS, DEVICE_ABBREVIATIONS).
ABBREVIATIONS = {
    "bri_cmd_t": "brightness_command_topic",
    "bri_scl": "brightness_scale",
    "bri_stat_t": "brightness_state_topic",
    "cmd_off_tpl": "command_off_template",
    "cmd_on_tpl": "command_on_template",
    "cmd_t": "command_topic",
    "cmps": "components",
    "dev": "device",
    "dev_cla": "device_class",
    "name": "name",
    "o": "origin",
    "obj_id": "object_id",
    "p": "platform",
    "pl_cls": "payload_close",
    "pl_lock": "payload_lock",
    "pl_off": "payload_off",
    "pl_on": "payload_on",
    "pl_open": "payload_open",
    "pl_unlk": "payload_unlock",
    "stat_t": "state_topic",
    "stat_val_tpl": "state_value_template",
    "uniq_id": "unique_id",
    "val_tpl": "value_template",
    "avty_t": "availability_topic",
    "json_attr_t": "json_attributes_topic",
}
DEVICE_ABBREVIATIONS = {"ids": "identifiers", "name": "name", "sa": "suggested_area"}
TOPIC_BASE = "~"
# What a device-based message gives each of its components, unless the component sets it
# (SHARED_OPTIONS of homeassistant/components/mqtt/schemas.py; `~` is not among them).
SHARED_OPTIONS = (
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "command_topic",
    "payload_available",
    "payload_not_available",
    "state_topic",
)
# A template light's command template voiced can fill in: constant, or {{ brightness }}.
_BRIGHTNESS = re.compile(r"\{\{\s*brightness\s*(?:\|\s*(?:d|default)\s*(?:\(\s*\))?\s*)?\}\}")
_TEMPLATE_MARKS = ("{{", "{%", "{#")
# Home Assistant's template lights take brightness from 0 to 255.
TEMPLATE_BRIGHTNESS_SCALE = 255
# The value templates voiced reads without a template engine: the message itself, or one
# key of a JSON object ({{ value_json.POWER }}, {{ value_json['POWER'] }}).
_PLAIN_VALUE = re.compile(r"^(?:\{\{\s*value\s*\}\})?$")
_JSON_KEY_VALUE = re.compile(
    r"^\{\{\s*value_json\s*(?:\.\s*(\w{1,64})|\[\s*(['\"])(\w{1,64})\2\s*\])\s*\}\}$", re.ASCII
)
_NOT_ID = re.compile(r"[^a-z0-9_]+")


def expand(payload: dict[str, Any]) -> dict[str, Any]:
    """A config message with its keys written out and `~` put into its topics."""
    config = {ABBREVIATIONS.get(key, key): value for key, value in payload.items()}
    device = config.get("device")
    if isinstance(device, dict):
        config["device"] = {DEVICE_ABBREVIATIONS.get(k, k): v for k, v in device.items()}
    base = config.pop(TOPIC_BASE, None)
    if isinstance(base, str):
        for key, value in config.items():
            if not key.endswith("topic") or not isinstance(value, str) or not value:
                continue
            if value.startswith(TOPIC_BASE):
                value = base + value[1:]
            if value.endswith(TOPIC_BASE):
                value = value[:-1] + base
            config[key] = value
    return config


def device_components(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """{component_id: (component, expanded config)} of a device-based message.
    A component that gives only its platform is one being removed: it is not returned.
    ValueError when the message is not what Home Assistant's DEVICE_DISCOVERY_SCHEMA takes."""
    top = {ABBREVIATIONS.get(key, key): value for key, value in document.items()}
    device, origin, components = top.get("device"), top.get("origin"), top.get("components")
    if not isinstance(device, dict) or not isinstance(components, dict):
        raise ValueError("a device-based config needs a dev and a cmps object")
    if not any(device.get(key) for key in ("ids", "identifiers", "cns", "connections")):
        raise ValueError("a device-based config's dev needs identifiers (ids) or connections")
    if not isinstance(origin, dict) or not isinstance(origin.get("name"), str):
        raise ValueError("a device-based config needs an o (origin) with a name")
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for component_id, given in components.items():
        if not isinstance(given, dict):
            raise ValueError(f"the component {str(component_id)[:40]!r} is not an object")
        own = {ABBREVIATIONS.get(str(key), str(key)): value for key, value in given.items()}
        component = own.pop("platform", None)
        if not isinstance(component, str):
            raise ValueError(f"the component {str(component_id)[:40]!r} has no platform (p)")
        if not own:
            continue
        shared = {key: top[key] for key in SHARED_OPTIONS if key in top and key not in own}
        found[str(component_id)] = (component, expand({**shared, **own, "dev": device}))
    return found


def parse_topic(topic: str, prefix: str) -> tuple[str, str, str] | None:
    """(component, node_id, object_id) of `<prefix>/<component>/[<node_id>/]<object_id>/config`."""
    if not topic.startswith(prefix + "/"):
        return None
    parts = topic[len(prefix) + 1 :].split("/")
    if len(parts) == 3 and parts[2] == "config":
        return parts[0], "", parts[1]
    if len(parts) == 4 and parts[3] == "config":
        return parts[0], parts[1], parts[2]
    return None


def device_from_config(
    component: str, node_id: str, object_id: str, config: dict[str, Any]
) -> DeviceConfig | None:
    """The device a config message (expanded) describes; None for what voiced does not
    switch. ValueError says why a message of a known component cannot be used."""
    kind = _kind(component, config)
    if kind is None:
        return None
    command_topic = config.get("command_topic")
    if not isinstance(command_topic, str) or not command_topic:
        raise ValueError("no command_topic")
    fields: dict[str, Any] = {
        "id": _device_id(config, node_id, object_id),
        "name": _name(config, object_id),
        "kind": kind,
        "backend": "mqtt",
        "command_topic": command_topic,
    }
    area = _text(_device_block(config).get("suggested_area"))
    on_key, off_key, on, off = {
        "lock": ("payload_lock", "payload_unlock", "LOCK", "UNLOCK"),
        "garage_door": ("payload_open", "payload_close", "OPEN", "CLOSE"),
    }.get(kind, ("payload_on", "payload_off", "ON", "OFF"))
    fields["payload_on"] = str(config.get(on_key, on))
    fields["payload_off"] = str(config.get(off_key, off))
    schema = config.get("schema", "basic")
    if kind == "light" and schema == "json":
        # The JSON schema: commands and states are JSON objects on the two topics.
        fields["payload_on"], fields["payload_off"] = '{"state": "ON"}', '{"state": "OFF"}'
    elif kind == "light" and schema == "template":
        fields |= _template_commands(config)
    elif kind == "light" and schema not in ("basic", "default"):
        raise ValueError(f"light schema {str(schema)[:20]!r} is not supported")
    state_topic = config.get("state_topic")
    if isinstance(state_topic, str) and state_topic:
        fields |= _state(config, state_topic, schema, fields["id"])
    if kind == "light":
        fields |= _brightness(config, schema)
    try:
        return MqttDevice.discovered_as(**fields, area=area)
    except ValidationError:
        if area is None:
            raise
    return MqttDevice.discovered_as(**fields)


def _state(config: dict[str, Any], topic: str, schema: Any, device_id: str) -> dict[str, Any]:
    """Where and how the state is read: the topic, and the JSON key its template names. A
    template voiced cannot read leaves the device commanded only, with the reason logged."""
    if schema == "json":
        return {"state_topic": topic}  # {"state": "ON", "brightness": 254}, no template
    # A light names its template state_value_template; the other components value_template.
    template = config.get("state_value_template", config.get("value_template", ""))
    template = template.strip() if isinstance(template, str) else template
    if isinstance(template, str) and _PLAIN_VALUE.match(template):
        return {"state_topic": topic}
    found = _JSON_KEY_VALUE.match(template) if isinstance(template, str) else None
    if found is None:
        shown = "".join(c if c.isprintable() else "?" for c in str(template)[:60])
        _log.warning(
            "MQTT discovery: %s: its state is not read: the template %r is not one voiced "
            "reads ({{ value }}, {{ value_json.KEY }}, {{ value_json['KEY'] }})",
            device_id,
            shown,
        )
        return {}
    key = found.group(1) or found.group(3)
    return {"state_topic": topic, "state_value_key": None if key == "state" else key}


def _template_commands(config: dict[str, Any]) -> dict[str, Any]:
    """A template light's commands, where its templates are constant or fill in only the
    brightness (rendered without one, as Home Assistant does, to switch on)."""
    templates = config.get("command_on_template"), config.get("command_off_template")
    if not all(isinstance(template, str) and template for template in templates):
        raise ValueError("a template light needs command_on_template and command_off_template")
    on, off = (_BRIGHTNESS.sub("{{ brightness }}", str(template)) for template in templates)
    for name, template in (("command_on_template", on), ("command_off_template", off)):
        if any(mark in template.replace("{{ brightness }}", "") for mark in _TEMPLATE_MARKS):
            raise ValueError(f"{name} uses more than {{{{ brightness }}}}: not supported")
    fields: dict[str, Any] = {
        "payload_on": on.replace("{{ brightness }}", ""),
        "payload_off": off.replace("{{ brightness }}", ""),
    }
    if "{{ brightness }}" in on:
        fields["brightness_command_template"] = on
        fields["brightness_scale"] = TEMPLATE_BRIGHTNESS_SCALE
    return fields


def _brightness(config: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A light's brightness settings: its topic (basic schema) and scale, when it has one;
    a light without is only switched on and off."""
    if schema == "template":
        return {}  # from its command template, if at all
    scale = config.get("brightness_scale", 255)
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 65535:
        return {}
    if schema == "json":
        # A JSON light dims through its command topic, and reports its brightness, on its
        # scale: kept even when it does not say it dims, so a report is read right.
        return {"brightness_scale": scale}
    topic = config.get("brightness_command_topic")
    if isinstance(topic, str) and topic:
        return {"brightness_command_topic": topic, "brightness_scale": scale}
    return {}


def _kind(component: str, config: dict[str, Any]) -> DeviceKind | None:
    if component == "cover":
        return cover_kind(config.get("device_class"))
    if component in ("light", "switch", "fan", "lock"):
        kind: DeviceKind = component  # type: ignore[assignment]
        return kind
    return None


def _device_id(config: dict[str, Any], node_id: str, object_id: str) -> str:
    unique_id = _text(config.get("unique_id")) or f"{node_id}_{object_id}"
    return "mqtt_" + _NOT_ID.sub("_", unique_id.lower()).strip("_")[:80]


def _name(config: dict[str, Any], object_id: str) -> str:
    """The entity's name as Home Assistant composes it: its own, after its device's name;
    no name of its own (null, as zigbee2mqtt sends) is the device's name alone."""
    device_name = _text(_device_block(config).get("name"))
    name = _text(config.get("name")) if "name" in config else None
    if name is None:
        name = device_name or object_id.replace("_", " ")
    elif device_name and not name.casefold().startswith(device_name.casefold()):
        name = f"{device_name} {name}"
    return " ".join(name.split())


def _device_block(config: dict[str, Any]) -> dict[str, Any]:
    device = config.get("device")
    return device if isinstance(device, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
