"""The homeassistant back end: Home Assistant's REST API, one service call per command.

The access token is read at each call (a rotated token needs no restart) and appears
only in the Authorization header: never in a message or a log line. A call has one
deadline (timeout_seconds) for connecting, sending and the whole answer; an answer must
be JSON, within MAX_BODY_BYTES (or the limit a caller names: the import's larger one);
redirects are not followed (they would carry the token elsewhere).

Home Assistant answers a service call 200 even when it did nothing: it skips an entity
that is unavailable (a bulb switched off at the wall, a device offline) and only logs one
that does not exist. So an answer that does not list the entity's new state is followed by
GET /api/states/<entity_id>, and an unavailable or missing entity is a failure, said as
such, not "Turned on ...".
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import os
import selectors
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from voiced.config import DeviceConfig, HomeAssistantConfig
from voiced.deadline_socket import DeadlineSocket, seconds_left
from voiced.device_settings import HomeAssistantDevice
from voiced.devices import BackendError, DeviceState
from voiced.devices.secrets import check_secret, read_secret_file, redact
from voiced.files import UnreadableFileError, loads_bounded
from voiced.intents import IntentError

_log = logging.getLogger(__name__)

# The services that switch an entity "on" and "off", where they are not turn_on/turn_off.
SERVICES = {"lock": ("lock", "unlock"), "cover": ("open_cover", "close_cover")}
# A service call answers with the states it changed: a few kilobytes.
MAX_BODY_BYTES = 1024 * 1024
MAX_BODY_DEPTH = 32
READ_CHUNK_BYTES = 64 * 1024
# How much of what the server says (its reason phrase) a message quotes.
MAX_REASON_CHARS = 60


class HttpStatusError(BackendError):
    """Home Assistant answered with an HTTP error status (`status`)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class EntityUnusableError(BackendError, IntentError):
    """Home Assistant cannot act on the entity (it is unavailable, or there is none by that
    id): a device error whose message is fit to be spoken as it is."""


class HomeAssistantBackend:
    def __init__(self, config: HomeAssistantConfig) -> None:
        self._config = config
        self._base_url = config.url.rstrip("/")
        # http.client uses no proxy from the environment (Home Assistant is on the local
        # network: a proxy must not see the token) and follows no redirect.
        self._url = urlsplit(self._base_url)
        self._lock = threading.Lock()
        self._states: dict[str, DeviceState] = {}

    def turn(self, device: DeviceConfig, on: bool) -> None:
        entity_id = _entity_id(device)
        domain = entity_id.split(".", 1)[0]
        on_service, off_service = SERVICES.get(domain, ("turn_on", "turn_off"))
        answer = self._call(domain, on_service if on else off_service, {"entity_id": entity_id})
        self._check_acted(device, entity_id, answer)
        with self._lock:
            old = self._states.get(device.id, DeviceState())
            self._states[device.id] = DeviceState(on=on, brightness_pct=old.brightness_pct)

    def set_brightness(self, device: DeviceConfig, percent: int) -> None:
        entity_id = _entity_id(device)
        if not entity_id.startswith("light."):
            raise BackendError(f"{device.name} ({entity_id}) is not a light and has no brightness")
        # Home Assistant turns a light off at brightness_pct 0.
        answer = self._call("light", "turn_on", {"entity_id": entity_id, "brightness_pct": percent})
        self._check_acted(device, entity_id, answer)
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

    def _call(self, domain: str, service: str, body: dict[str, Any]) -> Any:
        """The answer to a service call: the states it changed."""
        return self._request("POST", f"/api/services/{domain}/{service}", body)

    def _check_acted(self, device: DeviceConfig, entity_id: str, answer: Any) -> None:
        """Raise EntityUnusableError when Home Assistant did not act on the entity because
        it is unavailable or unknown to it. An answer listing the entity's new state says it
        acted; an empty one may only mean the entity already was so (a light already on),
        so the entity's state is asked for."""
        if isinstance(answer, list) and any(
            isinstance(changed, dict) and changed.get("entity_id") == entity_id
            for changed in answer
        ):
            return
        try:
            state = self._request("GET", f"/api/states/{entity_id}")
        except BackendError as err:
            if isinstance(err, HttpStatusError) and err.status == 404:
                _log.warning(
                    "Home Assistant has no entity %s (%s): check its entity_id",
                    entity_id,
                    device.id,
                )
                raise EntityUnusableError(f"The {device.name} is not in Home Assistant.") from None
            # The call itself was taken: what it did cannot be told, so it is believed.
            _log.warning("%s: the state after the call cannot be read: %s", entity_id, err)
            return
        if isinstance(state, dict) and state.get("state") == "unavailable":
            _log.warning("Home Assistant: %s (%s) is unavailable", entity_id, device.id)
            raise EntityUnusableError(f"The {device.name} is unavailable in Home Assistant.")

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        content_types: tuple[str, ...] = ("application/json",),
        max_bytes: int = MAX_BODY_BYTES,
    ) -> Any:
        """The JSON answer to one request of the REST API; BackendError, naming the request
        and never the token, for anything else. A rendered template comes as text/plain:
        `content_types` lets it in (it is still read as bounded JSON). An answer larger
        than `max_bytes` is a failure."""
        where = f"Home Assistant {self._base_url}: {method} {path}"
        token = self._token()
        timeout_seconds = self._config.timeout_seconds
        deadline = time.monotonic() + timeout_seconds
        try:
            status, reason, content_type, answer = self._exchange(
                method, path, body, token, deadline, max_bytes
            )
        except TimeoutError:
            raise BackendError(
                f"{where}: no whole answer within {timeout_seconds:g} seconds"
            ) from None
        except BackendError as err:
            raise BackendError(f"{where}: {err}") from None
        except ssl.SSLError as err:
            raise BackendError(f"{where}: TLS failed: {redact(str(err), [token])}") from None
        except OSError as err:
            # Refused, unreachable, no such host; the message may hold the URL, never more.
            detail = err.strerror or str(err) or type(err).__name__
            raise BackendError(f"{where}: {redact(detail, [token])}") from None
        except (http.client.HTTPException, ValueError) as err:
            # A malformed answer, or a request the library refused: it may quote a header.
            detail = redact(str(err), [token])[:MAX_REASON_CHARS] or type(err).__name__
            raise BackendError(f"{where}: not a valid HTTP exchange ({detail})") from None
        except Exception as err:  # whatever else: its message is not trusted to be clean
            raise BackendError(f"{where}: failed ({type(err).__name__})") from None
        if 300 <= status < 400:
            raise BackendError(
                f"{where}: HTTP {status}, a redirect (not followed): check homeassistant.url"
            )
        if status >= 400 or status < 200:
            hint = "; check the access token" if status == 401 else ""
            shown = "".join(char for char in reason if char.isprintable())[:MAX_REASON_CHARS]
            raise HttpStatusError(f"{where}: HTTP {status} {redact(shown, [token])}{hint}", status)
        if content_type.split(";", 1)[0].strip().lower() not in content_types:
            shown = "".join(char for char in content_type if char.isprintable())[:MAX_REASON_CHARS]
            raise BackendError(
                f"{where}: the answer is {shown or 'untyped'}, not JSON: is homeassistant.url "
                "Home Assistant's address?"
            )
        try:
            document = loads_bounded(answer, MAX_BODY_DEPTH)
        except UnreadableFileError as err:
            raise BackendError(f"{where}: the answer is {err}") from None
        _log.debug("%s: done", where)
        return document

    def _exchange(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        token: str,
        deadline: float,
        max_bytes: int,
    ) -> tuple[int, str, str, bytes]:
        """Status, reason, content type and body of one request, all before `deadline`."""
        connection = _connection(self._url, deadline)
        response: http.client.HTTPResponse | None = None
        try:
            connection.sock = DeadlineSocket(connection.sock, deadline)
            headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            connection.request(
                method,
                (self._url.path or "") + path,
                body=None if body is None else json.dumps(body).encode("utf-8"),
                headers=headers,
            )
            response = connection.getresponse()
            length = response.getheader("Content-Length")
            if length is not None and length.strip().isdigit() and int(length) > max_bytes:
                raise BackendError(f"the answer is larger than {max_bytes} bytes")
            answer = bytearray()
            while chunk := response.read(READ_CHUNK_BYTES):
                answer += chunk
                if len(answer) > max_bytes:
                    raise BackendError(f"the answer is larger than {max_bytes} bytes")
            content_type = response.getheader("Content-Type") or ""
            return response.status, response.reason, content_type, bytes(answer)
        finally:
            if response is not None:
                response.close()
            connection.close()

    def _token(self) -> str:
        token_file = self._config.token_file
        if token_file is not None:
            return read_secret_file(token_file, "Home Assistant token_file", header_value=True)
        token = os.environ.get(self._config.token_env, "")
        if not token.strip():
            raise BackendError(
                "no Home Assistant access token: homeassistant.token_file is not set and "
                f"the environment variable {self._config.token_env} is empty or not set"
            )
        return check_secret(
            token, f"the environment variable {self._config.token_env}", header_value=True
        )

    def reported_state(self, device: DeviceConfig) -> DeviceState:
        """The entity's state as Home Assistant reports it: GET /api/states/<entity_id>."""
        return entity_state(self._request("GET", f"/api/states/{_entity_id(device)}"))


def _connection(url: Any, deadline: float) -> http.client.HTTPConnection:
    """An HTTP(S) connection to the host of `url`, its name resolved and the connection
    (and TLS handshake) made before `deadline`."""
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = kind(url.hostname, url.port, timeout=seconds_left(deadline))
    addresses = _resolve(connection.host, connection.port, deadline)

    def connect_before_deadline(*_args: Any) -> socket.socket:
        return _connect_any(connection.host, addresses, deadline)

    # The Host header and TLS's server name stay the name; only the address is chosen here.
    connection._create_connection = connect_before_deadline  # type: ignore[attr-defined]
    try:
        connection.connect()
    except BaseException:
        # A failed TLS handshake leaves the connected socket in the connection.
        connection.close()
        raise
    return connection


AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]


def _resolve(host: str, port: int, deadline: float) -> list[AddressInfo]:
    """The host's addresses. The system resolver cannot be interrupted: it runs on a
    thread of its own, which is left to finish alone when the deadline passes first."""
    found: list[AddressInfo] = []
    failed: list[OSError] = []

    def look_up() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as err:
            failed.append(err)

    thread = threading.Thread(target=look_up, name="homeassistant-resolve", daemon=True)
    thread.start()
    thread.join(seconds_left(deadline))
    if thread.is_alive():
        raise TimeoutError
    if failed:
        raise failed[0]
    return found


# How long an address is waited for before the next one is tried beside it (RFC 8305's
# "Connection Attempt Delay", Happy Eyeballs): a name that resolves to an IPv6 address on
# a broken route, then a working IPv4 one, costs this, not the whole deadline.
ATTEMPT_DELAY_SECONDS = 0.25


class CouldNotConnectError(OSError):
    """No address of the host took a connection before the deadline; says what each did."""


class AllRefusedError(CouldNotConnectError, ConnectionRefusedError):
    """Every address of the host refused the connection."""


def _connect_any(host: str, addresses: list[AddressInfo], deadline: float) -> socket.socket:
    """A connected socket to the first of `addresses` that answers, before `deadline`. The
    first is tried alone for ATTEMPT_DELAY_SECONDS, then the next beside it, and so on; one
    that fails lets the next start at once. CouldNotConnectError when none answers."""
    waiting = list(addresses)
    outcome: dict[str, str] = {}
    refusals = 0
    with selectors.DefaultSelector() as selector:
        try:
            while waiting or selector.get_map():
                if waiting:
                    family, kind, proto, _, address = waiting.pop(0)
                    shown = _shown_address(address)
                    outcome[shown] = "no answer"
                    try:
                        sock = socket.socket(family, kind, proto)
                    except OSError as err:  # a family this machine has not (IPv6 off)
                        outcome[shown] = err.strerror or type(err).__name__
                        continue
                    sock.setblocking(False)
                    code = sock.connect_ex(address)
                    if code in (errno.EINPROGRESS, errno.EWOULDBLOCK, 0):
                        selector.register(sock, selectors.EVENT_WRITE, shown)
                    else:
                        sock.close()
                        outcome[shown] = os.strerror(code)
                        refusals += code == errno.ECONNREFUSED
                        continue
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wait = min(ATTEMPT_DELAY_SECONDS, left) if waiting else left
                for key, _ in selector.select(wait):
                    sock = key.fileobj  # type: ignore[assignment]
                    selector.unregister(sock)
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if code == 0:
                        # Blocking again, within the deadline (a TLS handshake comes next).
                        sock.settimeout(max(deadline - time.monotonic(), 0.001))
                        return sock
                    sock.close()
                    outcome[key.data] = os.strerror(code)
                    refusals += code == errno.ECONNREFUSED
        finally:
            for key in list(selector.get_map().values()):
                key.fileobj.close()  # type: ignore[union-attr]
    tried = "; ".join(f"{address}: {what}" for address, what in outcome.items()) or "no address"
    failure = AllRefusedError if outcome and refusals == len(outcome) else CouldNotConnectError
    raise failure(f"could not connect to {host} ({tried})")


def _shown_address(address: Any) -> str:
    """127.0.0.1:8123, or [::1]:8123."""
    ip, port = address[0], address[1]
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _entity_id(device: DeviceConfig) -> str:
    if not isinstance(device, HomeAssistantDevice):
        raise BackendError(f"{device.name} has no Home Assistant entity_id")
    return device.entity_id


# What an entity's state reads as: "on" locks a lock and opens a garage door, as in SERVICES.
ON_STATES = frozenset({"on", "locked", "open"})
OFF_STATES = frozenset({"off", "unlocked", "closed"})
BRIGHTNESS_MAX = 255


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
