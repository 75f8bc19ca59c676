"""Finding plugins through entry points; a plugin that fails to load is reported and skipped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from voiced.intents import ENTRY_POINT_GROUP, Handler, Plugin

log = logging.getLogger(__name__)


@dataclass
class Registry:
    plugins: list[Plugin] = field(default_factory=list)
    # Plugins that could not be loaded: entry point name -> reason.
    failures: dict[str, str] = field(default_factory=dict)

    def handler(self, intent: str) -> tuple[Plugin, Handler] | None:
        for plugin in self.plugins:
            if intent in plugin.handlers:
                return plugin, plugin.handlers[intent]
        return None


def load_registry() -> Registry:
    registry = Registry()
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        try:
            registry.plugins.append(_load(entry_point))
        except Exception as err:  # any error in third-party code: skip that plugin only
            reason = f"{type(err).__name__}: {err}"
            log.error(
                "intent plugin %r (%s) skipped: %s", entry_point.name, entry_point.value, reason
            )
            registry.failures[entry_point.name] = reason
    return registry


def _load(entry_point: EntryPoint) -> Plugin:
    loaded = entry_point.load()
    plugin = loaded() if callable(loaded) else loaded
    if not isinstance(plugin, Plugin):
        raise TypeError(f"{entry_point.value} gave {type(plugin).__name__}, not a Plugin")
    missing = set(plugin.sentences.get("intents", {})) - set(plugin.handlers)
    if missing:
        raise ValueError(f"no handler for {', '.join(sorted(missing))}")
    return plugin
