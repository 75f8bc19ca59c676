"""Home Assistant's WebSocket API (/api/websocket), read with a small RFC 6455 client.

The registries (aliases, areas, what is exposed to Assist) are only there, not in the REST
API. The rules are those of the REST transport: one deadline (timeout_seconds) for the
whole conversation, every message within MAX_MESSAGE_BYTES, no redirect, no proxy, and
the token only in the auth message: never in an error or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import time
from typing import Any
from urllib.parse import urlsplit

from voiced.config import HomeAssistantConfig
from voiced.deadline_socket import seconds_left
from voiced.devices import BackendError
from voiced.devices.homeassistant import HomeAssistantBackend, _connect_any, _resolve
from voiced.devices.secrets import redact
from voiced.files import UnreadableFileError, loads_bounded

# The entity registry of a large home is a few megabytes.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
MAX_MESSAGE_DEPTH = 32
MAX_HEAD_BYTES = 16 * 1024
MAX_REASON_CHARS = 60
READ_CHUNK_BYTES = 64 * 1024
_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
# Command errors that mean "this server will not say": the REST API is asked instead.
UNAVAILABLE_CODES = frozenset({"unknown_command", "unauthorized", "not_allowed"})


class WebSocketUnavailable(BackendError):
    """The WebSocket API is not there or not for this token: a reason to use REST instead."""


class HomeAssistantWebSocket:
    """One authenticated connection; `command` sends a command and returns its result."""

    def __init__(self, config: HomeAssistantConfig) -> None:
        self._config = config
        self._url = urlsplit(config.url.rstrip("/"))
        self._where = f"Home Assistant {config.url.rstrip('/')}: WebSocket API"
        self._wire: _Wire | None = None
        self._token = ""
        self._next_id = 1

    def __enter__(self) -> HomeAssistantWebSocket:
        self._token = HomeAssistantBackend(self._config)._token()
        deadline = time.monotonic() + self._config.timeout_seconds
        try:
            self._guarded(lambda: self._open(deadline))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()

    def command(self, kind: str, **fields: Any) -> Any:
        """The result of one command; WebSocketUnavailable when the server refuses it as
        unknown or not allowed, BackendError for anything else."""
        return self._guarded(lambda: self._command(kind, fields))

    def _guarded(self, step: Any) -> Any:
        """`step()`, its failures as BackendErrors that name the API and never the token."""
        timeout_seconds = self._config.timeout_seconds
        try:
            return step()
        except BackendError as err:
            raise type(err)(f"{self._where}: {redact(str(err), [self._token])}") from None
        except TimeoutError:
            raise BackendError(
                f"{self._where}: no whole answer within {timeout_seconds:g} seconds"
            ) from None
        except ssl.SSLError as err:
            detail = redact(str(err), [self._token])
            raise BackendError(f"{self._where}: TLS failed: {detail}") from None
        except ConnectionRefusedError:
            raise WebSocketUnavailable(f"{self._where}: connection refused") from None
        except OSError as err:
            detail = redact(err.strerror or str(err) or type(err).__name__, [self._token])
            raise BackendError(f"{self._where}: {detail}") from None
        except Exception as err:  # whatever else: its message is not trusted to be clean
            raise BackendError(f"{self._where}: failed ({type(err).__name__})") from None

    def _open(self, deadline: float) -> None:
        host = self._url.hostname or ""
        port = self._url.port or (443 if self._url.scheme == "https" else 80)
        sock = _connect_any(host, _resolve(host, port, deadline), deadline)
        self._wire = _Wire(sock, deadline)
        if self._url.scheme == "https":
            sock.settimeout(seconds_left(deadline))
            tls = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            self._wire = _Wire(tls, deadline)
        self._wire.handshake(self._url.scheme, host, port, f"{self._url.path}/api/websocket")
        hello = self._wire.receive()
        if hello.get("type") != "auth_required":
            raise BackendError(
                f"the first message is {_shown(hello.get('type'))}, not auth_required"
            )
        self._wire.send({"type": "auth", "access_token": self._token})
        answer = self._wire.receive()
        if answer.get("type") == "auth_invalid":
            said = _shown(answer.get("message"))
            raise BackendError(f"the access token was refused (auth_invalid: {said})")
        if answer.get("type") != "auth_ok":
            raise BackendError(f"the answer to auth is {_shown(answer.get('type'))}")

    def _command(self, kind: str, fields: dict[str, Any]) -> Any:
        if self._wire is None:
            raise BackendError("not connected")
        ident = self._next_id
        self._next_id += 1
        self._wire.send({**fields, "id": ident, "type": kind})
        while True:
            # Events of earlier subscriptions may come between: only our result counts.
            message = self._wire.receive()
            if message.get("id") != ident or message.get("type") != "result":
                continue
            if message.get("success") is True:
                return message.get("result")
            error = message.get("error")
            error = error if isinstance(error, dict) else {}
            code, said = _shown(error.get("code")), _shown(error.get("message"))
            failure = (
                WebSocketUnavailable if error.get("code") in UNAVAILABLE_CODES else BackendError
            )
            raise failure(f"{kind} failed: {code} ({said})")


class _Wire:
    """RFC 6455 over one socket: the upgrade, and whole JSON messages each way, every
    read and write within the conversation's one deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._buffer = bytearray()

    def close(self) -> None:
        try:
            self._sock.settimeout(0.1)
            self._sock.sendall(_frame(OP_CLOSE, struct.pack("!H", 1000)))
        except OSError:
            pass
        self._sock.close()

    def handshake(self, scheme: str, host: str, port: int, path: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host and not host.startswith("["):
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self._write(request.encode("ascii"))
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise BackendError(f"the handshake answer is larger than {MAX_HEAD_BYTES} bytes")
            self._fill()
        head, _, rest = bytes(self._buffer).partition(b"\r\n\r\n")
        self._buffer = bytearray(rest)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise BackendError(f"not an HTTP answer ({_shown(status_line)})")
        if parts[1] != "101":
            # A proxy without WebSocket, an older server: the REST API may still answer.
            raise WebSocketUnavailable(f"HTTP {parts[1]} to the upgrade, not 101")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(key.encode() + _ACCEPT_GUID).digest()).decode()
        if headers.get("upgrade", "").lower() != "websocket" or (
            headers.get("sec-websocket-accept") != expected
        ):
            raise BackendError("the upgrade answer is not a WebSocket handshake")

    def send(self, message: dict[str, Any]) -> None:
        self._write(_frame(OP_TEXT, json.dumps(message).encode("utf-8")))

    def receive(self) -> dict[str, Any]:
        """The next whole text message, as a JSON object; answers pings on the way."""
        parts: list[bytes] = []
        size = 0
        while True:
            fin, opcode, payload_length = self._frame_head()
            if opcode >= OP_CLOSE:
                if not fin or payload_length > 125:
                    raise BackendError("a control frame that is fragmented or too long")
                payload = self._read(payload_length)
                if opcode == OP_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    raise BackendError(f"the server closed the connection (code {code})")
                if opcode == OP_PING:
                    self._write(_frame(OP_PONG, payload))
                continue
            if opcode == OP_BINARY or (opcode == OP_TEXT) == bool(parts):
                raise BackendError(f"an unexpected frame (opcode {opcode})")
            if opcode not in (OP_TEXT, OP_CONTINUATION):
                raise BackendError(f"an unknown frame (opcode {opcode})")
            size += payload_length
            if size > MAX_MESSAGE_BYTES:
                raise BackendError(f"a message larger than {MAX_MESSAGE_BYTES} bytes")
            parts.append(self._read(payload_length))
            if fin:
                break
        try:
            message = loads_bounded(b"".join(parts), MAX_MESSAGE_DEPTH)
        except UnreadableFileError as err:
            raise BackendError(f"a message that is {err}") from None
        if not isinstance(message, dict):
            raise BackendError("a message that is not a JSON object")
        return message

    def _frame_head(self) -> tuple[bool, int, int]:
        first, second = self._read(2)
        if first & 0x70:
            raise BackendError("a frame with reserved bits set (no extension was agreed)")
        if second & 0x80:
            raise BackendError("a masked frame from the server")
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        return bool(first & 0x80), first & 0x0F, length

    def _read(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._fill()
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _fill(self) -> None:
        self._sock.settimeout(seconds_left(self._deadline))
        chunk = self._sock.recv(READ_CHUNK_BYTES)
        if not chunk:
            raise BackendError("the server closed the connection")
        self._buffer += chunk

    def _write(self, data: bytes) -> None:
        self._sock.settimeout(seconds_left(self._deadline))
        self._sock.sendall(data)


def _frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame: masked, as RFC 6455 requires of a client."""
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return head + mask + masked


def _shown(value: Any) -> str:
    """What the server said, as a message may quote it: printable and short."""
    text = value if isinstance(value, str) else repr(value)
    return "".join(char for char in text if char.isprintable())[:MAX_REASON_CHARS]
