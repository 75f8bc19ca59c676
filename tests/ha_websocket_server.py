"""The server side of Home Assistant's WebSocket API for the test home: RFC 6455 over the
test HTTP server's own connection (GET /api/websocket, 101, frames), and the messages of
homeassistant/components/websocket_api (auth_required, auth, auth_ok or auth_invalid,
then {"id", "type"} commands answered by {"id", "type": "result", "success", ...})."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

HA_VERSION = "2026.11.3"
_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 8, 9, 10
# The test server cuts its messages into frames of this size: the client must join them.
FRAGMENT_BYTES = 1000
# Answers a command: (result, None) on success, (None, (code, message)) on failure.
Answer = tuple[Any, tuple[str, str] | None]


class WebSocketPeer:
    """The server's end of one WebSocket connection."""

    def __init__(self, handler: BaseHTTPRequestHandler, pongs: list[bytes]) -> None:
        self._rfile = handler.rfile
        self._wfile = handler.wfile
        # Appended as they come: the owner's list, read while the session goes on.
        self.pongs = pongs

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        pieces = [data[i : i + FRAGMENT_BYTES] for i in range(0, len(data), FRAGMENT_BYTES)]
        for index, piece in enumerate(pieces or [b""]):
            opcode = OP_TEXT if index == 0 else OP_CONTINUATION
            self.send_frame(opcode, piece, fin=index == len(pieces) - 1)

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        """A server frame: never masked (RFC 6455, 5.1)."""
        first = (0x80 if fin else 0) | opcode
        if len(payload) < 126:
            head = struct.pack("!BB", first, len(payload))
        elif len(payload) < 1 << 16:
            head = struct.pack("!BBH", first, 126, len(payload))
        else:
            head = struct.pack("!BBQ", first, 127, len(payload))
        self._wfile.write(head + payload)
        self._wfile.flush()

    def receive(self) -> dict[str, Any] | None:
        """The next text message from the client; None when it closes. A pong is kept."""
        parts: list[bytes] = []
        while True:
            head = self._rfile.read(2)
            if len(head) < 2:
                return None
            fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
            if not head[1] & 0x80:
                raise ValueError("an unmasked client frame (RFC 6455 5.1: the server must fail)")
            length = head[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._rfile.read(8))[0]
            mask = self._rfile.read(4)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._rfile.read(length)))
            if opcode == OP_CLOSE:
                return None
            if opcode == OP_PONG:
                self.pongs.append(payload)
                continue
            parts.append(payload)
            if fin:
                message: dict[str, Any] = json.loads(b"".join(parts))
                return message


def upgrade(handler: BaseHTTPRequestHandler, pongs: list[bytes]) -> WebSocketPeer | None:
    """Answer the opening handshake with 101; None (after a 400) when it is not one."""
    key = handler.headers.get("Sec-WebSocket-Key", "")
    if handler.headers.get("Upgrade", "").lower() != "websocket" or not key:
        handler.send_error(400, "Can 'Upgrade' only to 'WebSocket'")
        return None
    accept = base64.b64encode(hashlib.sha1(key.encode() + _ACCEPT_GUID).digest()).decode()
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept)
    handler.end_headers()
    handler.close_connection = True
    return WebSocketPeer(handler, pongs)


def serve_session(
    peer: WebSocketPeer, token: str, answer: Callable[[dict[str, Any]], Answer]
) -> None:
    """Home Assistant's auth phase, then commands until the client closes. Each result is
    preceded by a ping, which the client must answer."""
    peer.send({"type": "auth_required", "ha_version": HA_VERSION})
    auth = peer.receive()
    if auth is None:
        return
    if auth.get("type") != "auth" or auth.get("access_token") != token:
        peer.send({"type": "auth_invalid", "message": "Invalid access token or password"})
        return
    peer.send({"type": "auth_ok", "ha_version": HA_VERSION})
    while (message := peer.receive()) is not None:
        result, error = answer(message)
        peer.send_frame(OP_PING, b"hello")
        reply: dict[str, Any] = {"id": message.get("id"), "type": "result"}
        if error is None:
            reply |= {"success": True, "result": result}
        else:
            reply |= {"success": False, "error": {"code": error[0], "message": error[1]}}
        peer.send(reply)
