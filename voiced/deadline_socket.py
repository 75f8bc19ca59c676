"""A socket held to one deadline across all its reads and writes: a server that drips its
answer a byte at a time passes any timeout of a single read, not this. For http.client
(Home Assistant's REST API, an OpenAI-compatible LLM server): set as a connection's sock
once connected."""

from __future__ import annotations

import io
import socket
import time
from typing import Any


def seconds_left(deadline: float) -> float:
    """The time left until `deadline` (monotonic seconds); TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


class DeadlineSocket:
    """A connected socket whose every read and write waits at most until `deadline`, which
    the owner may move (the first word's deadline, then the whole answer's)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self.deadline = deadline
        # As socket.socket does: closing waits until the response's reader is closed too.
        self._readers = 0
        self._closed = False

    def _arm(self) -> None:
        self._sock.settimeout(seconds_left(self.deadline))

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes)

    def sendall(self, data: Any) -> None:
        self._arm()
        self._sock.sendall(data)

    def shutdown(self, how: int) -> None:
        """Ends a read blocked on another thread (a cancel)."""
        self._sock.shutdown(how)

    def makefile(self, mode: str = "rb", *_args: Any, **_kwargs: Any) -> io.BufferedReader:
        if mode != "rb":
            raise ValueError(f"only reading is supported, not {mode!r}")
        self._readers += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def _decref_socketios(self) -> None:
        """What socket.SocketIO calls when the reader closes."""
        self._readers -= 1
        if self._closed and self._readers <= 0:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if self._readers <= 0:
            self._sock.close()
