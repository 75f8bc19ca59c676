"""What starting voiced loads: the network clients only when the configuration uses them.
paho and TLS cost about 10 MB of resident memory on a box that needs none of them."""

from __future__ import annotations

import subprocess
import sys

LAZY = ("paho", "ssl", "http.client")


def test_the_daemon_loads_no_network_client_it_is_not_configured_for() -> None:
    program = (
        "import sys, voiced.daemon, voiced.replay, voiced.cli\n"
        f"print(' '.join(name for name in {LAZY!r} if name in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
