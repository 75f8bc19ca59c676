"""The LLM's actions are allow-listed: a tool call it writes is data, checked here against
the registered intents and the configured devices before anything happens."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from voiced.config import DeviceConfig
from voiced.errors import VoicedError
from voiced.intents import IntentMatch, Plugin
from voiced.intents.registry import Registry

log = logging.getLogger(__name__)

# Qwen2.5 and other ChatML models wrap a call as
# <tool_call>{"name": ..., "arguments": {...}}</tool_call>.
TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
TOOL_CALL_START = "<tool_call>"
# A slot in a sentence template, {list} or {list:slot}, and an expansion rule, <rule>.
TEMPLATE_SLOT = re.compile(r"\{(\w+)(?::(\w+))?\}")
TEMPLATE_RULE = re.compile(r"<(\w+)>")


class ToolCallRefused(VoicedError):
    """The model asked for something it may not do; the reason is logged, not acted on."""


def looks_like_tool_call(text: str) -> bool:
    return text.lstrip().startswith(TOOL_CALL_START)


class ToolCallSniffer:
    """Holds back the start of a streamed reply until it is known not to be a tool call:
    speech flows through at once, a tool call is kept whole for the gate."""

    def __init__(self) -> None:
        self._head = ""
        self._decided = False
        self.is_call = False
        self.call_text = ""

    def feed(self, piece: str) -> str:
        """Text that may be spoken now."""
        if self.is_call:
            self.call_text += piece
            return ""
        if self._decided:
            return piece
        self._head += piece
        start = self._head.lstrip()
        if len(start) < len(TOOL_CALL_START) and TOOL_CALL_START.startswith(start):
            return ""  # could still become "<tool_call>"
        self._decided = True
        if start.startswith(TOOL_CALL_START):
            self.is_call, self.call_text = True, self._head
            return ""
        return self._head

    def flush(self) -> str:
        """At the end of the reply: whatever was held back as a possible call's start."""
        if self._decided or self.is_call:
            return ""
        self._decided = True
        return self._head


def _named_lists(plugin: Plugin) -> dict[str, set[tuple[str, str]]]:
    """The `{list:slot}` references each intent's sentences hold, through expansion rules
    too, as (list, slot) pairs (the slot is the list's name where no alias is given)."""
    rules = plugin.sentences.get("expansion_rules", {})
    named: dict[str, set[tuple[str, str]]] = {}
    for intent, data in plugin.sentences.get("intents", {}).items():
        pending = [sentence for block in data.get("data", []) for sentence in block["sentences"]]
        expanded: set[str] = set()
        found = named[intent] = set()
        while pending:
            text = pending.pop()
            found |= {(name, alias or name) for name, alias in TEMPLATE_SLOT.findall(text)}
            for rule in set(TEMPLATE_RULE.findall(text)) - expanded:
                expanded.add(rule)
                if isinstance(rules.get(rule), str):
                    pending.append(rules[rule])
    return named


def declared_slots(plugin: Plugin) -> dict[str, frozenset[str]]:
    """The slots each intent of a plugin can be matched with: those its sentences name
    (through expansion rules too) and those its sentence blocks fix."""
    intents = plugin.sentences.get("intents", {})
    return {
        intent: frozenset(
            {slot for block in intents[intent].get("data", []) for slot in block.get("slots") or {}}
            | {slot for _list, slot in references}
        )
        for intent, references in _named_lists(plugin).items()
    }


def listed_values(plugin: Plugin) -> dict[str, dict[str, frozenset[str]]]:
    """The fixed values each intent's sentences give a slot from a list of its plugin
    ("kitchen" of the timers' rooms, `{timer_room:area}`), by intent and slot."""
    lists = plugin.sentences.get("lists", {})
    found: dict[str, dict[str, frozenset[str]]] = {}
    for intent, references in _named_lists(plugin).items():
        values: dict[str, set[str]] = {}
        for name, slot in references:
            listed = lists.get(name, {}).get("values", [])
            values.setdefault(slot, set()).update(
                str(value["out"] if isinstance(value, dict) else value) for value in listed
            )
        found[intent] = {slot: frozenset(given) for slot, given in values.items() if given}
    return found


class ToolGate:
    def __init__(self, registry: Registry, devices: list[DeviceConfig]) -> None:
        self.registry = registry
        # Arguments a call may carry, per intent; anything else is refused, not ignored.
        self.allowed_arguments = {
            intent: slots for plugin in registry.plugins
            for intent, slots in declared_slots(plugin).items()
        }  # fmt: skip
        self._devices = {
            spoken.lower(): device for device in devices
            for spoken in [device.id, device.name, *device.aliases]
        }  # fmt: skip
        self._areas = {device.area for device in devices if device.area}
        # Areas an intent's own sentences name besides the configured ones: the rooms a
        # timer may be said to be in.
        self._listed_areas = {
            intent: slots.get("area", frozenset()) for plugin in registry.plugins
            for intent, slots in listed_values(plugin).items()
        }  # fmt: skip

    def check(self, output: str) -> IntentMatch:
        """The intent a model's tool call asks for, or ToolCallRefused saying why not."""
        call = _parse(output)
        name = call.get("name")
        found = self.registry.handler(str(name)) if isinstance(name, str) else None
        if found is None:
            raise ToolCallRefused(f"the model called {name!r}, which is not a registered intent")
        arguments = call.get("arguments", {})
        if not isinstance(arguments, dict):
            raise ToolCallRefused(f"the arguments of {name} are not an object")
        unknown = set(arguments) - self.allowed_arguments.get(str(name), frozenset())
        if unknown:
            raise ToolCallRefused(f"{name} was given unknown arguments {sorted(unknown)}")
        slots = dict(arguments)
        if "name" in slots:
            device = self._devices.get(str(slots["name"]).lower())
            if device is None:
                raise ToolCallRefused(f"{name} names {slots['name']!r}, which is not configured")
            slots["name"] = device.id
        if "area" in slots and not self._is_area(str(name), slots["area"]):
            raise ToolCallRefused(f"{name} names the area {slots['area']!r}, which has no devices")
        return IntentMatch(str(name), slots, found[0].name, output)

    def _is_area(self, intent: str, area: object) -> bool:
        """A configured area, or one the intent's sentences take ("set a timer for 20
        minutes in the kitchen"): what the same words spoken would be matched with."""
        listed = self._listed_areas.get(intent, frozenset())
        return area in self._areas or str(area).lower() in listed


def _parse(output: str) -> dict[str, Any]:
    found = TOOL_CALL.search(output)
    if found is None:
        raise ToolCallRefused("the model's output holds no tool call")
    try:
        call = json.loads(found.group(1))
    except json.JSONDecodeError as err:
        raise ToolCallRefused(f"the model's tool call is not valid JSON ({err.msg})") from err
    if not isinstance(call, dict):
        raise ToolCallRefused("the model's tool call is not an object")
    return call
