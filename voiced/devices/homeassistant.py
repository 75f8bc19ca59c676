"""The homeassistant back end: Home Assistant's REST API, one service call per command.

The access token is read at each call (a rotated token needs no restart) and appears
only in the Authorization header: never in a message or a log line.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from typing import Any

from voiced.config import DeviceConfig, HomeAssistantConfig
from voiced.devices import BackendError, DeviceState

_log = logging.getLogger(__name__)

# The services that switch an entity "on" and "off", where they are not turn_on/turn_off.
SERVICES = {"lock": ("lock", "unlock"), "cover": ("open_cover", "close_cover")}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Following a redirect would send the token to wherever it points.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HomeAssistantBackend:
    def __init__(self, config: HomeAssistantConfig) -> None:
        self._config = config
        self._base_url = config.url.rstrip("/")
        # Home Assistant is on the local network: a proxy from the environment must not
        # see the token.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
        self._lock = threading.Lock()
        self._states: dict[str, DeviceState] = {}

    def turn(self, device: DeviceConfig, on: bool) -> None:
        entity_id = _entity_id(device)
        domain = entity_id.split(".", 1)[0]
        on_service, off_service = SERVICES.get(domain, ("turn_on", "turn_off"))
        self._call(domain, on_service if on else off_service, {"entity_id": entity_id})
        with self._lock:
            old = self._states.get(device.id, DeviceState())
            self._states[device.id] = DeviceState(on=on, brightness_pct=old.brightness_pct)

    def set_brightness(self, device: DeviceConfig, percent: int) -> None:
        entity_id = _entity_id(device)
        if not entity_id.startswith("light."):
            raise BackendError(f"{device.name} ({entity_id}) is not a light and has no brightness")
        # Home Assistant turns a light off at brightness_pct 0.
        self._call("light", "turn_on", {"entity_id": entity_id, "brightness_pct": percent})
        with self._lock:
            old = self._states.get(device.id, DeviceState())
            if percent > 0:
                self._states[device.id] = DeviceState(on=True, brightness_pct=percent)
            else:
                self._states[device.id] = DeviceState(on=False, brightness_pct=old.brightness_pct)

    def state(self, device: DeviceConfig) -> DeviceState:
        """The last commanded state: Home Assistant is not polled."""
        with self._lock:
            return self._states.get(device.id, DeviceState())

    def close(self) -> None:
        """Each call opens and closes its own connection."""

    def _call(self, domain: str, service: str, body: dict[str, Any]) -> None:
        path = f"/api/services/{domain}/{service}"
        request = urllib.request.Request(
            self._base_url + path,
            data=json.dumps(body).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {self._token()}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        where = f"Home Assistant {self._base_url}: POST {path}"
        timeout_seconds = self._config.timeout_seconds
        try:
            with self._opener.open(request, timeout=timeout_seconds) as response:
                response.read()
        except urllib.error.HTTPError as err:
            hint = "; check the access token" if err.code == 401 else ""
            raise BackendError(f"{where}: HTTP {err.code} {err.reason}{hint}") from err
        except urllib.error.URLError as err:
            raise BackendError(f"{where}: {_reason(err.reason, timeout_seconds)}") from err
        except OSError as err:
            # A timeout while reading the answer is not wrapped in URLError.
            raise BackendError(f"{where}: {_reason(err, timeout_seconds)}") from err
        _log.debug("%s: done", where)

    def _token(self) -> str:
        token_file = self._config.token_file
        if token_file is not None:
            try:
                token = token_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as err:
                raise BackendError(
                    f"cannot read the Home Assistant token_file {token_file}: {err}"
                ) from err
            if not token:
                raise BackendError(f"the Home Assistant token_file {token_file} is empty")
            return token
        token = os.environ.get(self._config.token_env, "").strip()
        if not token:
            raise BackendError(
                "no Home Assistant access token: homeassistant.token_file is not set and "
                f"the environment variable {self._config.token_env} is empty or not set"
            )
        return token

    def reported_state(self, device: DeviceConfig) -> DeviceState:
        """The entity's state as Home Assistant reports it: GET /api/states/<entity_id>."""
        entity_id = _entity_id(device)
        path = f"/api/states/{entity_id}"
        request = urllib.request.Request(
            self._base_url + path,
            headers={"Authorization": f"Bearer {self._token()}"},
            method="GET",
        )
        where = f"Home Assistant {self._base_url}: GET {path}"
        timeout_seconds = self._config.timeout_seconds
        try:
            with self._opener.open(request, timeout=timeout_seconds) as response:
                answer = json.loads(response.read(MAX_STATE_BYTES))
        except urllib.error.HTTPError as err:
            hint = "; check the access token" if err.code == 401 else ""
            raise BackendError(f"{where}: HTTP {err.code} {err.reason}{hint}") from err
        except urllib.error.URLError as err:
            raise BackendError(f"{where}: {_reason(err.reason, timeout_seconds)}") from err
        except OSError as err:
            raise BackendError(f"{where}: {_reason(err, timeout_seconds)}") from err
        except ValueError as err:
            raise BackendError(f"{where}: the answer is not JSON") from err
        return entity_state(answer)


def _entity_id(device: DeviceConfig) -> str:
    if not device.entity_id:
        raise BackendError(f"{device.name} has no Home Assistant entity_id")
    return device.entity_id


def _reason(reason: object, timeout_seconds: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout_seconds:g} seconds"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)


# What an entity's state reads as: "on" locks a lock and opens a garage door, as in SERVICES.
ON_STATES = frozenset({"on", "locked", "open"})
OFF_STATES = frozenset({"off", "unlocked", "closed"})
BRIGHTNESS_MAX = 255
MAX_STATE_BYTES = 1024 * 1024


def entity_state(answer: Any) -> DeviceState:
    """(on, brightness) from a state object of Home Assistant's REST API: "on", "locked" or
    "open" is on; "unavailable" and "unknown" are unknown; brightness is 0-255."""
    if not isinstance(answer, dict):
        return DeviceState()
    state = answer.get("state")
    on = True if state in ON_STATES else False if state in OFF_STATES else None
    attributes = answer.get("attributes")
    brightness = attributes.get("brightness") if isinstance(attributes, dict) else None
    brightness_pct = None
    if isinstance(brightness, int | float) and not isinstance(brightness, bool):
        brightness_pct = round(min(max(brightness, 0), BRIGHTNESS_MAX) * 100 / BRIGHTNESS_MAX)
    return DeviceState(on=on, brightness_pct=brightness_pct)
