"""Real servers for the device back ends, shared by their tests: a Mosquitto broker on a
loopback port (with a plain paho client to watch it) and a local HTTP server that answers
as Home Assistant's REST API does."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")

# For the tests that need the broker: skip them where it is not installed.
needs_mosquitto = pytest.mark.skipif(
    not MOSQUITTO.exists(), reason="mosquitto is not installed: run scripts/setup"
)


def free_port() -> int:
    """A loopback port nothing listens on (until someone binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Broker:
    """A Mosquitto process that can be stopped and started again on the same port."""

    def __init__(self, directory: Path, password_file: Path | None = None) -> None:
        self.port = free_port()
        self.config_path = directory / "mosquitto.conf"
        self.log_path = directory / "mosquitto.log"
        lines = [
            # Started as root, mosquitto would switch to the user "mosquitto", who cannot
            # read tmp_path; naming the current user keeps it as it is.
            f"user {pwd.getpwuid(os.getuid()).pw_name}",
            f"listener {self.port} 127.0.0.1",
        ]
        if password_file is None:
            lines.append("allow_anonymous true")
        else:
            lines += ["allow_anonymous false", f"password_file {password_file}"]
        self.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(MOSQUITTO), "-c", str(self.config_path)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_text = self.log_path.read_text(errors="replace")
                pytest.fail(f"mosquitto exited with {self.process.returncode}: {log_text}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"mosquitto did not listen on port {self.port} within 10 seconds")

    def clients(self, pattern: str) -> set[str]:
        """The client ids matching `pattern` that connected, by the broker's log; none of
        them took another's session over."""
        log = self.log_path.read_text(errors="replace")
        assert "already connected" not in log
        return set(re.findall(rf" as ({pattern}) ", log))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # in case a test left it paused
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def mosquitto_passwords(directory: Path, user: str, password: str) -> Path:
    """A Mosquitto password file that lets `user` in with `password`."""
    path = directory / "mosquitto-passwords"
    subprocess.run([str(MOSQUITTO_PASSWD), "-b", "-c", str(path), user, password], check=True)
    return path


@contextmanager
def running_broker(directory: Path, password_file: Path | None = None) -> Iterator[Broker]:
    broker = Broker(directory, password_file)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


class Watcher:
    """A plain paho client in the test: what reached the broker, and a way to publish."""

    def __init__(self, port: int, topic: str = "#") -> None:
        self.messages: queue.Queue[tuple[str, bytes, bool]] = queue.Queue()
        subscribed = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id="test-watcher"
        )

        def on_message(_client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
            self.messages.put((message.topic, bytes(message.payload), bool(message.retain)))

        self.client.on_message = on_message
        self.client.on_subscribe = lambda *_args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        if not subscribed.wait(5):
            raise TimeoutError("the test's subscription was not acknowledged")

    def take(self, count: int, timeout_seconds: float = 5) -> list[tuple[str, bytes, bool]]:
        deadline = time.monotonic() + timeout_seconds
        taken: list[tuple[str, bytes, bool]] = []
        while len(taken) < count:
            taken.append(self.messages.get(timeout=max(deadline - time.monotonic(), 0.01)))
        return taken

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that answers in JSON, as Home Assistant's REST API does."""

    def json_body(self) -> Any | None:
        """The request's JSON body; None, once a 400 is answered, when it is not JSON."""
        length = int(self.headers.get("Content-Length", "0"))
        try:
            return json.loads(self.rfile.read(length))
        except json.JSONDecodeError:
            self.answer(400, {"message": "Data should be valid JSON."})
            return None

    def answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""


HA_TOKEN = "eyJhbGciOiJIUzI1NiJ9.test-token-7f3a9c"
SERVICE_PATH = re.compile(r"^/api/services/([a-z_]+)/([a-z_]+)$")


# The state each service leaves an entity in.
STATE_AFTER = {
    "turn_on": "on",
    "turn_off": "off",
    "lock": "locked",
    "unlock": "unlocked",
    "open_cover": "open",
    "close_cover": "closed",
}


@dataclass
class FakeHomeAssistant:
    """Records service calls; answers 401 without the right bearer token, as the API does.
    As Home Assistant does, a call answers 200 with the states it changed: none for an entity
    already so, nor for one that is unavailable (skipped) or missing (only logged); GET
    /api/states/<entity_id> tells these apart."""

    token: str = HA_TOKEN
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # A status to answer every call with instead (500: Home Assistant failing).
    fail_with: int | None = None
    delay_seconds: float = 0.0
    url: str = ""
    unavailable: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    # Each entity's state, as the calls left it ("off" before any).
    states: dict[str, str] = field(default_factory=dict)
    state_reads: list[str] = field(default_factory=list)

    def act(self, service: str, entity_id: str) -> list[dict[str, Any]]:
        """The states a call changed."""
        if entity_id in self.unavailable or entity_id in self.missing:
            return []
        new = STATE_AFTER.get(service, "on")
        if self.states.get(entity_id, "off") == new:
            return []
        self.states[entity_id] = new
        return [{"entity_id": entity_id, "state": new, "attributes": {}}]

    def state_of(self, entity_id: str) -> dict[str, Any] | None:
        if entity_id in self.missing:
            return None
        state = "unavailable" if entity_id in self.unavailable else self.states.get(entity_id)
        return {"entity_id": entity_id, "state": state or "off", "attributes": {}}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self.answer(401, {"message": "401: Unauthorized"})
                    return
                entity_id = self.path.removeprefix("/api/states/")
                fake.state_reads.append(entity_id)
                state = None if entity_id == self.path else fake.state_of(entity_id)
                if state is None:
                    self.answer(404, {"message": "Entity not found."})
                else:
                    self.answer(200, state)

            def do_POST(self) -> None:
                time.sleep(fake.delay_seconds)
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self.answer(401, {"message": "401: Unauthorized"})
                    return
                if fake.fail_with is not None:
                    self.answer(fake.fail_with, {"message": "Internal Server Error"})
                    return
                if not SERVICE_PATH.match(self.path):
                    self.answer(404, {"message": "Not found"})
                    return
                if self.headers.get("Content-Type") != "application/json":
                    self.answer(400, {"message": "Data should be valid JSON."})
                    return
                if (body := self.json_body()) is None:
                    return
                fake.calls.append((self.path, body))
                service = self.path.rsplit("/", 1)[-1]
                self.answer(200, fake.act(service, str(body.get("entity_id"))))

        return Handler


@contextmanager
def serving_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve with `handler` on an ephemeral loopback port until the block ends: its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serving(fake: FakeHomeAssistant) -> Iterator[FakeHomeAssistant]:
    """Serve `fake` on an ephemeral loopback port (fake.url) until the block ends."""
    with serving_http(fake.handler()) as url:
        fake.url = url
        yield fake


class HostileHttp:
    """An HTTP server on a loopback port that misbehaves as told, one way per request:
    "drip" (a valid answer, a byte every drip_seconds), "huge" (a 200 JSON answer that
    never ends; "huge-declared": one that says it is 2 GiB), "html" (a 200 web page),
    "hang" (reads the request, never answers), "redirect" (302 to `redirect_to`), "json"
    (a proper answer). It records the requests' Authorization headers, and stops every
    connection when closed."""

    def __init__(self, behaviour: str, drip_seconds: float = 0.5, redirect_to: str = "") -> None:
        self.behaviour = behaviour
        self.drip_seconds = drip_seconds
        self.redirect_to = redirect_to
        self.authorizations: list[str] = []
        self.bytes_sent = 0
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(0.05)
            request = b""
            while b"\r\n\r\n" not in request and not self._stop.is_set():
                try:
                    data = connection.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                request += data
            for line in request.split(b"\r\n"):
                if line.lower().startswith(b"authorization:"):
                    self.authorizations.append(line.split(b":", 1)[1].strip().decode())
            with contextlib.suppress(OSError):  # the client gave up, as it should
                self._answer(connection)

    def _send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self.bytes_sent += len(data)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        body = b"[]"
        if self.behaviour == "json":
            self._send(connection, _http_head(200, "application/json", len(body)) + body)
        elif self.behaviour == "drip":
            for byte in _http_head(200, "application/json", len(body)) + body:
                if self._stop.wait(self.drip_seconds):
                    return
                self._send(connection, bytes([byte]))
        elif self.behaviour in ("huge", "huge-declared"):
            length = 2 * 1024**3 if self.behaviour == "huge-declared" else None
            self._send(connection, _http_head(200, "application/json", length))
            chunk = b"[" + b"0," * 32767 + b"0]"
            while not self._stop.is_set():
                self._send(connection, chunk)
        elif self.behaviour == "html":
            page = b"<!doctype html><html><body>Welcome to nginx!</body></html>"
            self._send(connection, _http_head(200, "text/html; charset=utf-8", len(page)) + page)
        elif self.behaviour == "hang":
            self._stop.wait()
        elif self.behaviour == "redirect":
            head = _http_head(302, "text/plain", 0, location=self.redirect_to)
            self._send(connection, head)
        else:
            raise ValueError(f"unknown behaviour {self.behaviour!r}")


def _http_head(status: int, content_type: str, length: int | None, location: str = "") -> bytes:
    lines = [
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Found'}",
        f"Content-Type: {content_type}",
    ]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if location:
        lines.append(f"Location: {location}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@contextmanager
def hostile_http(behaviour: str, **options: Any) -> Iterator[HostileHttp]:
    server = HostileHttp(behaviour, **options)
    try:
        yield server
    finally:
        server.close()


class SlowLink:
    """A TCP relay on a loopback port to `target_port` that delays every byte by
    `delay_seconds` each way, as a busy Wi-Fi link does: a round trip costs twice that,
    however many messages are in flight together."""

    def __init__(self, target_port: int, delay_seconds: float) -> None:
        self.delay_seconds = delay_seconds
        self._target_port = target_port
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(("127.0.0.1", self._target_port))
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()
                threading.Thread(target=self._read, args=(source, chunks), daemon=True).start()
                threading.Thread(target=self._write, args=(sink, chunks), daemon=True).start()

    def _read(self, source: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                chunks.put((time.monotonic() + self.delay_seconds, data))
        chunks.put((time.monotonic() + self.delay_seconds, b""))

    def _write(self, sink: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        with contextlib.suppress(OSError):
            while True:
                due, data = chunks.get()
                time.sleep(max(due - time.monotonic(), 0.0))
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)


@contextmanager
def slow_link(target_port: int, delay_seconds: float) -> Iterator[SlowLink]:
    link = SlowLink(target_port, delay_seconds)
    try:
        yield link
    finally:
        link.close()
