"""A real OpenAI-compatible server for the tests of `llm.engine: openai`: llama-cpp-python's
own server (python -m llama_cpp.server) on a loopback port, serving the embedded GGUF; a
loopback proxy in front of it that can hold its answers back and sees the client hang up;
and a scripted server that sends what a broken server or proxy would."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.helpers import MODELS_DIR, TEST_LLM_MODEL
from tests.servers import free_port

START_TIMEOUT_SECONDS = 120


class LlmServer:
    """llama_cpp.server with the small test model (or `model`); stop() and start() keep its
    port."""

    def __init__(
        self,
        log_path: Path,
        model: Path = MODELS_DIR / "llm" / TEST_LLM_MODEL,
        context_tokens: int = 1024,
        threads: int = 1,
    ) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.model = model
        self.context_tokens = context_tokens
        self.threads = threads
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model),
            "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(self.context_tokens), "--n_threads", str(self.threads),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the LLM server exited: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/v1/models")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the LLM server did not start in {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def requests(self) -> int:
        """How many answers it was asked for, by its access log."""
        return self.log_path.read_text(errors="replace").count("POST /v1/chat/completions")


class LoopbackServer:
    """A server on a loopback port; each connection is handed to `_connected` by a thread
    of its own, started here (a subclass sets what it needs before)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        # Shut down first: a close alone leaves the thread in accept() listening on.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._connected(client)

    def _connected(self, client: socket.socket) -> None:
        raise NotImplementedError


class DelayingProxy(LoopbackServer):
    """Forwards connections on its own port to `upstream`, holding the answer back
    `delay_seconds`; notes when a client hangs up."""

    def __init__(self, upstream_port: int, delay_seconds: float = 0.0) -> None:
        self.upstream_port = upstream_port
        self.delay_seconds = delay_seconds
        self.client_closed = threading.Event()
        super().__init__()

    def _connected(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        threading.Thread(target=self._pipe, args=(client, upstream, 0.0, True)).start()
        threading.Thread(
            target=self._pipe, args=(upstream, client, self.delay_seconds, False)
        ).start()

    def _pipe(self, source: socket.socket, target: socket.socket, delay: float, up: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if delay:
                    time.sleep(delay)
                    delay = 0.0
                target.sendall(data)
        if up:  # the client hung up (or shut its socket down)
            self.client_closed.set()
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


# What a scripted server sends: (seconds to wait first, bytes), in order; then it hangs up.
Script = list[tuple[float, bytes]]

SSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
# The answer's end is where the server hangs up.
CLOSE_DELIMITED = SSE_HEAD + b"Connection: close\r\n\r\n"
CHUNKED = SSE_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
LAST_CHUNK = b"0\r\n\r\n"


def chunk(data: bytes) -> bytes:
    """`data` as one chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def event(data: object) -> bytes:
    """One server-sent event carrying `data` as JSON."""
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def delta(**fields: object) -> bytes:
    """An event adding `fields` to the answer (content=..., tool_calls=...)."""
    return event({"choices": [{"index": 0, "delta": fields}]})


FINISHED = event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
DONE = b"data: [DONE]\n\n"


class ScriptedServer(LoopbackServer):
    """An HTTP server on a loopback port that reads each request whole, then sends
    `script` as it is, however malformed, and hangs up."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests = 0
        self._stop = threading.Event()
        super().__init__()

    def close(self) -> None:
        self._stop.set()
        super().close()

    def _connected(self, client: socket.socket) -> None:
        threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):  # the client hung up first
            client.settimeout(5)
            request = b""
            # The whole request is read: unread bytes would turn the hang-up into a reset.
            while not _whole(request):
                data = client.recv(65536)
                if not data:
                    return
                request += data
            self.requests += 1
            for wait_seconds, data in self.script:
                if self._stop.wait(wait_seconds):
                    return
                client.sendall(data)
            client.shutdown(socket.SHUT_WR)


def _whole(request: bytes) -> bool:
    """Whether `request` holds its head and as much body as its Content-Length says."""
    head, blank, body = request.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    return bool(blank) and len(body) >= (int(length.group(1)) if length else 0)


class FullListener:
    """A port whose queue of connections is full, so a connect to it waits; `accept_all`
    lets them all in (and never answers)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=0)
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        for _ in range(2):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._sockets.append(filler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def accept_all(self) -> None:
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for sock in self._sockets:
            sock.close()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # closed
            while True:
                self._sockets.append(self._listener.accept()[0])
