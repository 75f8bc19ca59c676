"""A notify socket as systemd owns one: the tests read what a daemon tells systemd."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path


class NotifySocket:
    """Collects every notify message sent to it, with its arrival time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        while not self._closed.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            for line in data.decode().splitlines():
                self.messages.append((time.monotonic(), line))

    def lines(self) -> list[str]:
        return [line for _, line in self.messages]

    def wait_for(self, line: str, timeout_seconds: float) -> float:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            for at, seen in list(self.messages):
                if seen == line:
                    return at
            time.sleep(0.05)
        raise AssertionError(f"{line!r} never sent; got {self.lines()}")

    def wait_for_count(self, line: str, count: int, timeout_seconds: float) -> None:
        """Until `line` has been sent `count` times."""
        deadline = time.monotonic() + timeout_seconds
        while self.lines().count(line) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.lines().count(line) >= count, f"{line!r} not sent {count} times"

    def count(self, line: str, since: float) -> int:
        return sum(1 for at, seen in list(self.messages) if seen == line and at >= since)

    def close(self) -> None:
        self._closed.set()
        self.sock.close()
