"""A private PulseAudio server for the tests: null sinks stand for the room, `paplay` speaks
into the microphone and `parec` hears the speaker.

No sound card is needed. Each server has its own runtime directory and socket, so test runs
never meet each other's (or a desktop's) server; clients find it through PULSE_SERVER
(PortAudio through ALSA's "pulse" device, from libasound2-plugins). The layout:

    paplay ─▶ sink "mic" ─▶ source "mic.monitor" ─▶ voiced (input_device: pulse)
    voiced (output_device: pulse) ─▶ sink "speaker" ─▶ "speaker.monitor" ─▶ parec
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

PULSEAUDIO = shutil.which("pulseaudio") or "/usr/bin/pulseaudio"
MIC_SINK = "mic"
SPEAKER_SINK = "speaker"
MIC_RATE = 16000
SPEAKER_RATE = 22050
START_TIMEOUT_SECONDS = 10.0
# parec asks the server for reads this often: the arrival time of each read dates its audio.
RECORD_LATENCY_MS = 10
# A reply sample louder than this (of 32768) is speech, not silence.
SPEECH_LEVEL = 500


class PulseServer:
    """A pulseaudio process with a microphone sink and a speaker sink; it can be stopped
    and started again on the same socket, as when the audio server restarts."""

    def __init__(self) -> None:
        # A short path: a unix socket's path is limited to 107 bytes.
        self.directory = Path(tempfile.mkdtemp(prefix="voiced-pulse-"))
        self.socket = self.directory / "native"
        self.log_path = self.directory / "pulseaudio.log"
        client_config = self.directory / "client.conf"
        client_config.write_text("autospawn = no\n", encoding="utf-8")
        self.env = {
            **os.environ,
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_CLIENTCONFIG": str(client_config),
            "PULSE_RUNTIME_PATH": str(self.directory / "runtime"),
            "PULSE_STATE_PATH": str(self.directory / "state"),
            "PULSE_COOKIE": str(self.directory / "cookie"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def _script(self) -> Path:
        script = self.directory / "server.pa"
        script.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={MIC_SINK} rate={MIC_RATE} channels=1\n"
            f"load-module module-null-sink sink_name={SPEAKER_SINK} rate={SPEAKER_RATE}"
            " channels=1\n"
            f"set-default-sink {SPEAKER_SINK}\n"
            f"set-default-source {MIC_SINK}.monitor\n",
            encoding="utf-8",
        )
        return script

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    PULSEAUDIO,
                    "--daemonize=no",
                    "--system=false",
                    "--exit-idle-time=-1",
                    # Never real-time: the machine is shared with other work.
                    "--realtime=no",
                    "--high-priority=no",
                    "--use-pid-file=no",
                    "--disable-shm=yes",
                    "-n",
                    "-F",
                    str(self._script()),
                ],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pulseaudio exited: {self.log_path.read_text()}")
            if self.pactl_ok("info"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"pulseaudio did not answer within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        if self.socket.exists():
            self.socket.unlink()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def pactl_ok(self, *args: str) -> bool:
        result = subprocess.run(["pactl", *args], env=self.env, capture_output=True, timeout=10)
        return result.returncode == 0

    def pactl(self, *args: str) -> str:
        result = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if result.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def module_of_sink(self, sink: str) -> str:
        """The index of the module that made `sink` (to unload it: the device goes away)."""
        for line in self.pactl("list", "short", "modules").splitlines():
            index, name, arguments = [*line.split("\t"), "", ""][:3]
            if name == "module-null-sink" and f"sink_name={sink}" in arguments.split():
                return index
        raise RuntimeError(f"no module makes sink {sink!r}")

    def load_sink(self, sink: str, rate: int) -> None:
        self.pactl(
            "load-module", "module-null-sink", f"sink_name={sink}", f"rate={rate}", "channels=1"
        )

    def play(self, path: Path, sink: str = MIC_SINK) -> subprocess.Popen[bytes]:
        """Start playing a WAV file into `sink`, as a person speaking into the microphone."""
        return subprocess.Popen(
            ["paplay", f"--device={sink}", str(path)],
            env=self.env,
            stderr=subprocess.PIPE,
        )

    def record(self, sink: str, rate: int) -> Recorder:
        return Recorder(self, f"{sink}.monitor", rate)


class Recorder:
    """parec on a monitor source, read as it comes, each read with its arrival time so
    that two recordings can be put on one clock."""

    def __init__(self, server: PulseServer, source: str, rate: int) -> None:
        self.rate = rate
        self.process = subprocess.Popen(
            [
                "parec",
                f"--device={source}",
                "--raw",
                "--format=s16le",
                "--channels=1",
                f"--rate={rate}",
                f"--latency-msec={RECORD_LATENCY_MS}",
            ],
            env=server.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._pieces: list[bytes] = []
        # (monotonic arrival time, samples received until then), one per read.
        self._arrivals: list[tuple[float, int]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        received = 0
        fd = self.process.stdout.fileno()
        while data := os.read(fd, 4096):
            now = time.monotonic()
            with self._lock:
                self._pieces.append(data)
                received += len(data)
                self._arrivals.append((now, received // 2))

    def samples(self) -> np.ndarray:
        with self._lock:
            data = b"".join(self._pieces)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")

    def start_time(self) -> float:
        """The monotonic time of the first sample: each read bounds it from above; the
        earliest bound is the best (the reads are late by the same buffering)."""
        with self._lock:
            arrivals = list(self._arrivals)
        if not arrivals:
            raise RuntimeError("nothing recorded yet")
        return min(at - count / self.rate for at, count in arrivals)

    def time_of(self, sample_index: int) -> float:
        return self.start_time() + sample_index / self.rate

    def stop(self) -> np.ndarray:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._thread.join(timeout=5)
        return self.samples()


def speech_spans(samples: np.ndarray, rate: int, gap_seconds: float = 0.5) -> list[tuple[int, int]]:
    """(first, last) sample of each stretch of sound louder than SPEECH_LEVEL, stretches
    closer than `gap_seconds` joined."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SPEECH_LEVEL)
    if len(loud) == 0:
        return []
    breaks = np.flatnonzero(np.diff(loud) > gap_seconds * rate)
    starts = [int(loud[0]), *(int(loud[i + 1]) for i in breaks)]
    ends = [*(int(loud[i]) for i in breaks), int(loud[-1])]
    return list(zip(starts, ends, strict=True))
