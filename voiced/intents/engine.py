"""Answering a matched intent: its plugin's handler, the devices and timers it acts on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from voiced.config import Config
from voiced.devices import BackendError
from voiced.intents import IntentContext, IntentError, IntentMatch
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import Registry, load_registry
from voiced.timers import Timers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntentAnswer:
    match: IntentMatch
    response: str
    # False when the command could not be carried out (unknown device, back end down).
    done: bool


class IntentEngine:
    def __init__(
        self, config: Config, announce: Callable[[str], None], registry: Registry | None = None
    ) -> None:
        from voiced.devices.registry import Devices

        self.registry = registry or load_registry()
        self.devices = Devices(config)
        self.timers = Timers(announce, config.state_file.timers_file)
        self.matcher = IntentMatcher(self.registry, config.devices)
        self.context = IntentContext(
            devices=self.devices,
            device_names={device.id: device.name for device in config.devices},
            device_kinds={device.id: device.kind for device in config.devices},
            device_areas={device.id: device.area for device in config.devices},
            timers=self.timers,
        )

    def match(self, text: str) -> IntentMatch | None:
        return self.matcher.match(text)

    def answer(self, match: IntentMatch) -> IntentAnswer:
        found = self.registry.handler(match.name)
        if found is None:
            return IntentAnswer(match, "Sorry, I can't do that.", done=False)
        plugin, handler = found
        try:
            return IntentAnswer(match, handler(match, self.context), done=True)
        except IntentError as err:
            return IntentAnswer(match, str(err), done=False)
        except BackendError as err:
            log.error("%s failed: %s", match.name, err)
            device = self.context.device_names.get(str(match.slots.get("name")))
            what = f"the {device}" if device else "that device"
            return IntentAnswer(match, f"Sorry, I couldn't reach {what}.", done=False)
        except Exception:  # a third-party handler's bug ends this turn, not the daemon
            log.exception("intent handler %s.%s failed", plugin.name, match.name)
            return IntentAnswer(match, "Sorry, that went wrong.", done=False)

    def close(self) -> None:
        self.timers.close()
        self.devices.close()
