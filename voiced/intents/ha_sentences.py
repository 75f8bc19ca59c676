"""English sentence data from Home Assistant's intents package (Apache-2.0), kept to the
intents and device kinds voiced handles."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

SUPPORTED_DOMAINS = {"light", "switch", "fan", "lock", "cover"}
# Slots voiced has no notion of (yet): sentences that need them are left out.
UNSUPPORTED_SLOTS = (
    "{floor}",
    "{color}",
    "{color_temperature",
    "{timer_name",
    "{timer_command",
    "{device_class}",
    ":device_class}",
)


@cache
def _english() -> dict[str, Any]:
    import home_assistant_intents

    data: dict[str, Any] | None = home_assistant_intents.get_intents("en")
    if data is None:
        raise RuntimeError("home-assistant-intents has no English sentences")
    return data


def ha_sentences(intent_names: list[str]) -> dict[str, Any]:
    """hassil data for the named intents, with the shared lists and expansion rules."""
    # A copy: callers extend what they get, and the parsed package data is shared.
    english = copy.deepcopy(_english())
    intents = {}
    for name in intent_names:
        blocks = [block for block in english["intents"][name]["data"] if _supported(block)]
        intents[name] = {"data": blocks}
    return {
        "language": "en",
        "intents": intents,
        "lists": english["lists"],
        "expansion_rules": english["expansion_rules"],
        "skip_words": english.get("skip_words", []),
    }


def own_sentences(
    intents: dict[str, Any],
    lists: dict[str, Any] | None = None,
    rules: dict[str, str] | None = None,
) -> dict[str, Any]:
    """hassil data for a plugin's own intents ({name: {"data": [blocks]}}), written with
    Home Assistant's expansion rules ("<the>", "<what_is>") and skip words beside its own."""
    shared = ha_sentences([])
    return {
        "language": "en",
        "intents": intents,
        "lists": lists or {},
        "expansion_rules": {**shared["expansion_rules"], **(rules or {})},
        "skip_words": shared["skip_words"],
    }


def _supported(block: dict[str, Any]) -> bool:
    if any(slot in sentence for sentence in block["sentences"] for slot in UNSUPPORTED_SLOTS):
        return False
    domains = set(_as_list(block.get("requires_context", {}).get("domain")))
    domains |= set(_as_list(block.get("slots", {}).get("domain")))
    return not domains or bool(domains & SUPPORTED_DOMAINS)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
