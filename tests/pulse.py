"""A private PulseAudio server for the tests: null sinks stand for the room, `paplay` speaks
into the microphone and `parec` hears the speaker.

No sound card is needed. Each server has its own runtime directory and socket, so test runs
never meet each other's (or a desktop's) server; clients find it through PULSE_SERVER
(PortAudio through ALSA's "pulse" device, from libasound2-plugins). The layout:

    paplay ─▶ sink "mic" ─▶ source "mic.monitor" ─▶ voiced (input_device: pulse)
    voiced (output_device: pulse) ─▶ sink "speaker" ─▶ "speaker.monitor" ─▶ parec
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tests.helpers import ROOT
from voiced.wavio import WavWriter, read_wav

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
# Silence played before the first word of a recording (the microphone hears silence
# before it anyway: the null sink's monitor never stops).
LEAD_IN_SECONDS = 0.1
# The daemon's log line that ends a turn, with its own latency figure (the same as
# `voiced replay`'s latency_s: from the end of speech as received to the first audio).
ANSWERED = r"turn \d+ answered by (\w+), first audio after ([0-9.]+) s"
# The daemon's log line of what a turn heard: the transcript as Python writes it, in
# double quotes when it holds an apostrophe ("What's the time?").
HEARD = r"turn (?P<turn>\d+) heard: (?P<quote>['\"])(?P<text>.*)(?P=quote)"
# The daemon's count of lost input audio (voiced/sources.py), logged when it grows.
OVERFLOWS = r"audio input overflows: (\d+) so far"


# Run before a child's own command: the kernel kills the child when the thread that started
# it ends, so a test run that is killed leaves no server or daemon behind (util-linux).
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL"]


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
                    *DIE_WITH_PARENT,
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

    def loop_back(self, from_sink: str, to_sink: str, latency_ms: int, volume_pct: int) -> None:
        """What `from_sink` plays is heard in `to_sink` too, `latency_ms` later, at
        `volume_pct`: a loudspeaker next to the microphone, its echo through the server's
        own buffers and clock."""
        index = self.pactl(
            "load-module",
            "module-loopback",
            f"source={from_sink}.monitor",
            f"sink={to_sink}",
            f"latency_msec={latency_ms}",
            "source_dont_move=true",
            "sink_dont_move=true",
        ).strip()
        for line in self.pactl("list", "short", "sink-inputs").splitlines():
            fields = line.split("\t")
            if len(fields) > 2 and fields[2] == index:
                self.pactl("set-sink-input-volume", fields[0], f"{volume_pct}%")

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


class LiveRoom:
    """`voiced run` on a PulseServer, its log collected, and both ends of the room
    recorded: what the microphone heard and what the speaker said."""

    def __init__(self, server: PulseServer, settings: dict[str, Any]) -> None:
        self.server = server
        self.settings = {
            **settings,
            "audio": {"input_device": "pulse", "output_device": "pulse"},
        }
        self.env: dict[str, str] = dict(server.env)
        self.daemon: subprocess.Popen[str] | None = None
        # (monotonic arrival time, line) of everything the daemon logged.
        self.log: list[tuple[float, str]] = []
        self.speaker: Recorder | None = None
        self.mic: Recorder | None = None

    def start_recording(self) -> None:
        self.speaker = self.server.record(SPEAKER_SINK, SPEAKER_RATE)
        self.mic = self.server.record(MIC_SINK, MIC_RATE)

    def stop_recording(self) -> None:
        for recorder in (self.speaker, self.mic):
            if recorder is not None:
                recorder.stop()

    def start_daemon(self, timeout_seconds: float) -> None:
        """Start `voiced run` and return once it listens on the microphone."""
        self.launch_daemon()
        self.wait_until_listening(timeout_seconds)

    def launch_daemon(self) -> None:
        """Start `voiced run`; it loads its models meanwhile."""
        config = self.server.directory / "voiced.yaml"
        config.write_text(json.dumps(self.settings), encoding="utf-8")
        env = {key: value for key, value in self.env.items() if key != "JOURNAL_STREAM"}
        self.daemon = subprocess.Popen(
            [*DIE_WITH_PARENT, sys.executable, "-m", "voiced.cli", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        daemon = self.daemon

        def read_log() -> None:
            assert daemon.stderr is not None
            for line in daemon.stderr:
                self.log.append((time.monotonic(), line))

        threading.Thread(target=read_log, daemon=True).start()

    def wait_until_listening(self, timeout_seconds: float) -> None:
        self.wait_for_log("listening on 'pulse'", 0.0, timeout_seconds)
        time.sleep(0.5)  # the capture stream is running

    def stop_daemon(self) -> None:
        if self.daemon is None:
            return
        self.daemon.terminate()
        try:
            self.daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()

    def close(self) -> None:
        self.stop_daemon()
        self.stop_recording()
        self.server.close()

    def say(self, path: Path) -> float:
        """Play a recording into the microphone, from just before its first word; return
        when its speech ended (monotonic time, from the microphone's own recording)."""
        if self.mic is None:
            raise RuntimeError("the microphone is not recorded")
        samples = read_wav(path)
        spans = speech_spans(samples, MIC_RATE)
        if not spans:
            raise RuntimeError(f"{path}: no speech in it")
        played = self.server.directory / "said.wav"
        writer = WavWriter(played)
        writer.write(samples[max(0, spans[0][0] - int(LEAD_IN_SECONDS * MIC_RATE)) :], MIC_RATE)
        writer.close()
        played_from = len(self.mic.samples())
        player = self.server.play(played)
        _, errors = player.communicate(timeout=60)
        if player.returncode != 0:
            raise RuntimeError(f"paplay failed: {errors.decode()}")
        time.sleep(0.1)  # the last of it reaches the monitor
        heard = speech_spans(self.mic.samples()[played_from:], MIC_RATE)
        if not heard:
            raise RuntimeError(f"{path}: nothing reached the microphone sink")
        return self.mic.time_of(played_from + heard[-1][1])

    def wait_for_log(self, pattern: str, since: float, timeout_seconds: float) -> re.Match[str]:
        """The first line logged at or after `since` that matches `pattern` (waits)."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            for at, line in list(self.log):
                if at >= since and (found := re.search(pattern, line)):
                    return found
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} never logged:\n{self.log_text()}")

    def log_text(self) -> str:
        return "".join(line for _, line in self.log)

    def overflows(self) -> int:
        """Blocks of input audio lost so far, as the daemon last logged them."""
        counts = re.findall(OVERFLOWS, self.log_text())
        return int(counts[-1]) if counts else 0

    def reply_onset(self, after: float, timeout_seconds: float) -> float:
        """When the speaker first sounded after `after` (waits for it)."""
        if self.speaker is None:
            raise RuntimeError("the speaker is not recorded")
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            samples = self.speaker.samples()
            first = max(0, int((after - self.speaker.start_time()) * SPEAKER_RATE))
            if spans := speech_spans(samples[first:], SPEAKER_RATE):
                return self.speaker.time_of(first + spans[0][0])
            time.sleep(0.02)
        raise AssertionError(f"the speaker stayed silent:\n{self.log_text()}")

    def reply(self, after: float) -> np.ndarray:
        """What the speaker said after `after`, from its first sound to its last."""
        if self.speaker is None:
            raise RuntimeError("the speaker is not recorded")
        time.sleep(0.2)  # the end of the reply reaches the monitor
        samples = self.speaker.samples()
        first = max(0, int((after - self.speaker.start_time()) * SPEAKER_RATE))
        spans = speech_spans(samples[first:], SPEAKER_RATE)
        if not spans:
            raise AssertionError(f"nothing was said:\n{self.log_text()}")
        return samples[first + spans[0][0] : first + spans[-1][1] + 1]


def live_voice_to_voice(
    recordings: list[Path], runs: int = 1, config_path: Path | None = None
) -> list[dict[str, Any]]:
    """Voice to voice on the live path: `voiced run` on a private PulseAudio, each recording
    played into its microphone `runs` times, one turn after another. Per turn:
    `heard_s`, from the last loud sample of the speech played to the first loud sample of
    the reply recorded from the speaker (what a person waits; tests/voice_to_voice.py
    measures the same on `voiced replay --realtime`); `logged_s`, the daemon's own figure,
    defined
    as `voiced replay`'s latency_s; `answered_by`; and `input_overflows`, the blocks of
    input audio the daemon said it lost so far.
    The conversation is not kept across turns and no follow-up window is open (as in the
    bench's replay turns), and the device state goes to a scratch file."""
    settings: dict[str, Any] = {}
    if config_path is not None:
        settings = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    settings.setdefault("models_dir", str(ROOT / "models"))
    settings["llm"] = {**settings.get("llm", {}), "history_token_budget": 0}
    # Every turn begins with the wake word and no follow-up window open from the answer
    # before, as each replay turn of the bench does (a pipeline of its own).
    settings["conversation"] = {**settings.get("conversation", {}), "follow_up_seconds": 0}
    server = PulseServer()
    settings["state_file"] = {"path": str(server.directory / "state.json")}
    room = LiveRoom(server, settings)
    turns: list[dict[str, Any]] = []
    try:
        server.start()
        room.start_recording()
        room.start_daemon(timeout_seconds=300)
        for _ in range(runs):
            for path in recordings:
                started = time.monotonic()
                speech_end = room.say(path)
                onset = room.reply_onset(speech_end, timeout_seconds=60)
                answered = room.wait_for_log(ANSWERED, started, timeout_seconds=60)
                turns.append(
                    {
                        "recording": path.stem,
                        "heard_s": round(onset - speech_end, 3),
                        "logged_s": float(answered.group(2)),
                        "answered_by": answered.group(1),
                        "input_overflows": room.overflows(),
                    }
                )
    finally:
        room.close()
    return turns
