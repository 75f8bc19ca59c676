"""Killed with SIGKILL in the middle of writing, voiced leaves its state and timers files
whole: the old content or the new, never a torn file."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import ROOT

# A process that changes device state and timers as fast as it can, each change written
# by voiced's own writers; many devices make each write long enough to be cut.
WRITER = """
import sys
from pathlib import Path
from voiced.config import DeviceConfig
from voiced.devices.state_file import StateFileBackend
from voiced.timers import Timers

directory = Path(sys.argv[1])
backend = StateFileBackend(directory / "state.json")
timers = Timers(lambda text: None, directory / "timers.json")
devices = [DeviceConfig(id=f"lamp_{n}", name=f"lamp {n}") for n in range(400)]
print("writing", flush=True)
n = 0
while True:
    backend.set_brightness(devices[n % len(devices)], n % 100 + 1)
    if n % 5 == 0:
        timers.start(3600 + n)
    if n % 7 == 0:
        timers.cancel()
    n += 1
"""


def test_sigkill_mid_write_leaves_valid_files(tmp_path: Path) -> None:
    rng = random.Random(7)
    for _ in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        time.sleep(rng.uniform(0.02, 0.2))  # the writer writes without pause: any moment cuts one
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        state = json.loads((tmp_path / "state.json").read_text())
        assert isinstance(state["devices"], dict) and state["devices"]
        timers = json.loads((tmp_path / "timers.json").read_text())
        assert isinstance(timers["timers"], list)
        # The next start reads what the killed one left.
        assert all(isinstance(entry["ends_at"], float) for entry in timers["timers"])
