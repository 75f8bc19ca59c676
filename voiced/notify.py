"""systemd's notify protocol: readiness, reloads, status, watchdog, stopping (NOTIFY_SOCKET).

systemd-python's `daemon.notify` is used where it is installed; otherwise the datagram
is sent here, which is all that protocol is.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import time

log = logging.getLogger(__name__)


class Notifier:
    """Sends notify messages when started by systemd (NOTIFY_SOCKET set); silent otherwise."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = dict(os.environ if environ is None else environ)
        self.socket_path = env.get("NOTIFY_SOCKET") or None
        self.watchdog_seconds = _watchdog_seconds(env)
        self._status = ""

    @property
    def enabled(self) -> bool:
        return self.socket_path is not None

    def send(self, *fields: str) -> None:
        if self.socket_path is None:
            return
        message = "\n".join(fields)
        try:
            _send(self.socket_path, message)
        except OSError as err:  # systemd gone or socket unusable: the daemon goes on
            log.debug("notify %r failed: %s", message, err)

    def ready(self, status: str) -> None:
        self._status = status
        self.send("READY=1", f"STATUS={status}")

    def status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.send(f"STATUS={text}")

    def watchdog(self) -> None:
        self.send("WATCHDOG=1")

    def extend_timeout(self, seconds: float) -> None:
        self.send(f"EXTEND_TIMEOUT_USEC={int(seconds * 1_000_000)}")

    def reloading(self) -> None:
        """To be followed by ready() once the reload is done. The monotonic time lets
        systemd 253+ tell this reload from an earlier one (Type=notify-reload); older
        releases ignore the field."""
        now_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self.send("RELOADING=1", f"MONOTONIC_USEC={now_usec}", "STATUS=reloading the configuration")

    def stopping(self) -> None:
        self.send("STOPPING=1", "STATUS=stopping")


def _watchdog_seconds(env: dict[str, str]) -> float | None:
    """The watchdog interval systemd asked for, if it is meant for this process."""
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 1_000_000
    except ValueError:
        return None


def _send(path: str, message: str) -> None:
    # systemd-python reads the socket from the environment, so it serves only that socket.
    if path == os.environ.get("NOTIFY_SOCKET"):
        try:
            daemon = importlib.import_module("systemd.daemon")
        except ImportError:
            daemon = None
        if daemon is not None and daemon.notify(message):
            return
    # An abstract socket is written with a leading '@'.
    address = "\0" + path[1:] if path.startswith("@") else path
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.sendto(message.encode("utf-8"), address)
