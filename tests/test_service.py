"""The service protocol on a real `voiced run` process: notify, watchdog, reload, stop.

The test owns a real NOTIFY_SOCKET datagram socket, as systemd would, and the daemon
hears a WAV file played at real pace in place of a microphone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR, ROOT, TEST_LLM_MODEL, recording, run_voiced
from tests.notify_socket import NotifySocket
from voiced.config import Config
from voiced.daemon import Daemon
from voiced.health import Health, Supervisor
from voiced.messages import AudioChunk
from voiced.notify import Notifier
from voiced.sources import AudioInputError, AudioSource, WavFileSource


def test_notifier_sends_datagrams_to_the_socket(tmp_path: Path) -> None:
    listener = NotifySocket(tmp_path / "notify")
    try:
        notifier = Notifier({"NOTIFY_SOCKET": str(listener.path), "WATCHDOG_USEC": "2000000"})
        assert notifier.watchdog_seconds == 2.0
        notifier.ready("listening")
        notifier.watchdog()
        notifier.status("listening")  # unchanged: not sent again
        notifier.status("thinking")
        listener.wait_for("STATUS=thinking", 2)
        assert listener.lines() == ["READY=1", "STATUS=listening", "WATCHDOG=1", "STATUS=thinking"]
    finally:
        listener.close()


def test_a_reload_is_announced_with_its_monotonic_time_then_ready(tmp_path: Path) -> None:
    """RELOADING=1 with MONOTONIC_USEC= (systemd 253+ matches reloads by it), then READY=1."""
    listener = NotifySocket(tmp_path / "notify")
    try:
        notifier = Notifier({"NOTIFY_SOCKET": str(listener.path)})
        before_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        notifier.reloading()
        after_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        notifier.ready("listening")
        listener.wait_for("STATUS=listening", 2)
        reloading, monotonic, status, *rest = listener.lines()
        assert (reloading, status) == ("RELOADING=1", "STATUS=reloading the configuration")
        assert before_usec <= int(monotonic.removeprefix("MONOTONIC_USEC=")) <= after_usec
        assert rest == ["READY=1", "STATUS=listening"]
    finally:
        listener.close()


def test_notifier_is_silent_without_systemd_and_ignores_another_pids_watchdog() -> None:
    assert not Notifier({}).enabled
    Notifier({}).ready("listening")  # no socket: nothing to send, no error
    other = Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"})
    assert other.watchdog_seconds is None


def test_health_reports_a_stage_stuck_past_its_deadline() -> None:
    now = [100.0]
    health = Health(clock=lambda: now[0])
    with health.busy("llm", deadline_seconds=5):
        now[0] += 4
        assert health.stuck() == []
        now[0] += 2
        assert health.stuck() == ["llm"]
    assert health.stuck() == []


def test_supervisor_pings_only_while_no_stage_is_stuck() -> None:
    health = Health()
    pings: list[float] = []
    supervisor = Supervisor(health, lambda: pings.append(time.monotonic()), 0.05)
    supervisor.start()
    try:
        time.sleep(0.3)
        assert len(pings) >= 3
        release = threading.Event()

        def stuck_call() -> None:
            with health.busy("tts", deadline_seconds=0.05):
                release.wait()

        worker = threading.Thread(target=stuck_call)
        worker.start()
        time.sleep(0.2)
        withheld_since = len(pings)
        time.sleep(0.3)
        assert len(pings) <= withheld_since + 1
        release.set()
        worker.join()
        time.sleep(0.3)
        assert len(pings) >= withheld_since + 3
    finally:
        supervisor.stop()


def write_config(
    path: Path, wake_threshold: float = 0.5, extra: str = "", heard: str = "ask-capital"
) -> None:
    path.write_text(
        f"models_dir: {MODELS_DIR}\n"
        f"state_file: {{path: {path.parent / 'state.json'}}}\n"
        f"audio:\n  input_file: {recording(heard)}\n"
        f"wake:\n  threshold: {wake_threshold}\n"
        f"llm:\n  model: {TEST_LLM_MODEL}\n  temperature: 0.0\n  turn_timeout_seconds: 3.0\n{extra}"
    )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[NotifySocket, Path, list[str]]]:
    notify = NotifySocket(tmp_path / "notify")
    yield notify, tmp_path / "voiced.yaml", []
    notify.close()


def start(
    config: Path,
    notify: NotifySocket,
    log: list[str],
    hang: str | None = None,
    runtime_directory: Path | None = None,
) -> subprocess.Popen[str]:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "1000000"}
    env.pop("JOURNAL_STREAM", None)
    env.pop("RUNTIME_DIRECTORY", None)
    if runtime_directory is not None:
        env["RUNTIME_DIRECTORY"] = str(runtime_directory)
    if hang:
        env["VOICED_TEST_HANG_STAGE"] = hang
    process = subprocess.Popen(
        [sys.executable, "-m", "voiced.cli", "run", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)

    threading.Thread(target=read_log, daemon=True).start()
    return process


def wait_for_log(log: list[str], needle: str, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if any(needle in line for line in log):
            return
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never logged:\n{''.join(log)}")


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=8)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_ready_status_watchdog_and_a_spoken_turn(service) -> None:  # type: ignore[no-untyped-def]
    notify, config, log = service
    write_config(config)
    process = start(config, notify, log)
    try:
        ready_at = notify.wait_for("READY=1", 120)
        assert any(line.startswith("EXTEND_TIMEOUT_USEC=") for line in notify.lines())
        # The recording's question is heard and answered, as from a microphone.
        notify.wait_for("STATUS=thinking", 15)
        notify.wait_for("STATUS=speaking", 15)
        wait_for_log(log, " answered by llm", 30)
        # Pinged at half the 1 s interval: four since it was ready, by now or within 2 s.
        deadline = time.monotonic() + 2
        while notify.count("WATCHDOG=1", since=ready_at) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert notify.count("WATCHDOG=1", since=ready_at) >= 4
    finally:
        code = stop(process)
    assert code == 0
    assert "STOPPING=1" in notify.lines()


@pytest.mark.slow
def test_sighup_reloads_a_good_config_and_keeps_the_old_one_on_a_bad_one(
    service,  # type: ignore[no-untyped-def]
) -> None:
    notify, config, log = service
    write_config(config)
    process = start(config, notify, log)
    try:
        notify.wait_for("READY=1", 120)
        config.write_text(config.read_text() + "endpoint:\n  silence_seconds: -1\n")
        process.send_signal(signal.SIGHUP)
        wait_for_log(log, "reload rejected", 30)
        assert "endpoint.silence_seconds = -1" in "".join(log)
        assert process.poll() is None

        write_config(config, wake_threshold=0.6)
        process.send_signal(signal.SIGHUP)
        wait_for_log(log, "configuration reloaded", 120)
        assert process.poll() is None
        # READY=1 again after each reload, sent just after the log line says it.
        notify.wait_for_count("READY=1", 3, 5)
    finally:
        code = stop(process)
    assert code == 0


@pytest.mark.slow
def test_voiced_reload_returns_with_the_real_daemons_answer(
    service,  # type: ignore[no-untyped-def]
) -> None:
    """The service's ExecReload=, on the real models: back once the file was read, and
    once a change was loaded while nothing was heard; exit 1 with the reason for a file
    rejected, a model that does not load, and a daemon that is gone."""
    notify, config, log = service
    write_config(config, heard="silence")
    runtime_directory = config.parent / "run"
    runtime_directory.mkdir()
    process = start(config, notify, log, runtime_directory=runtime_directory)

    def reload() -> subprocess.CompletedProcess[str]:
        pid = str(process.pid)
        return run_voiced("reload", "--pid", pid, env={"RUNTIME_DIRECTORY": str(runtime_directory)})

    try:
        notify.wait_for("READY=1", 120)
        result = reload()
        assert (result.returncode, result.stdout) == (0, "configuration unchanged\n")

        config.write_text(config.read_text() + "endpoint:\n  silence_seconds: -1\n")
        result = reload()
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith("voiced: reload rejected, keeping the running")
        assert "endpoint.silence_seconds = -1" in result.stderr

        # A model's name mistyped: the file reads well, and the load fails.
        write_config(config, heard="silence")
        named = f"  model: {TEST_LLM_MODEL}\n"
        mistyped = "  model: SmolLM2-135M-Instruct.Q4_1.ggfu\n  fallback_model: null\n"
        config.write_text(config.read_text().replace(named, mistyped))
        result = reload()
        assert result.returncode == 1, result.stdout
        assert "LLM model missing: " in result.stderr and ".ggfu" in result.stderr

        write_config(config, wake_threshold=0.6, heard="silence")
        result = reload()
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == f"configuration reloaded from {config}\n"
        assert process.poll() is None
    finally:
        code = stop(process)
    assert code == 0
    result = reload()
    assert result.returncode == 1
    assert f"there is no process {process.pid}" in result.stderr


@pytest.mark.slow
def test_watchdog_pings_stop_when_a_stage_hangs(service) -> None:  # type: ignore[no-untyped-def]
    notify, config, log = service
    write_config(config)
    process = start(config, notify, log, hang="llm")
    try:
        notify.wait_for("READY=1", 120)
        wait_for_log(log, "stage llm hangs", 30)
        # The LLM's deadline is 3 s; after it no ping may come.
        wait_for_log(log, "stuck past their deadline", 10)
        quiet_since = time.monotonic()
        time.sleep(2.5)
        assert notify.count("WATCHDOG=1", since=quiet_since) == 0
        assert process.poll() is None
    finally:
        # A wedged daemon still stops on SIGTERM, cutting the stuck turn.
        code = stop(process)
    assert code == 0


class RecordingNotifier(Notifier):
    def __init__(self) -> None:
        super().__init__({})
        self.sent: list[str] = []

    def send(self, *fields: str) -> None:
        self.sent.extend(fields)


class FlakyMicrophone:
    """Absent at first, then lost mid-stream, then back with a spoken question."""

    def __init__(self) -> None:
        self.opened = 0
        self.daemon: Daemon | None = None

    def __call__(self, config: Config) -> AudioSource:
        self.opened += 1
        return self

    waits_for_replies = True

    def chunks(self) -> Iterator[AudioChunk]:
        if self.opened == 1:
            raise AudioInputError("microphone 'usb' not found")
        source = WavFileSource([recording("silence")])
        if self.opened == 2:
            yield from islice(source.chunks(), 10)
            raise AudioInputError("microphone 'usb' stopped sending audio")
        yield from WavFileSource([recording("ask-capital")]).chunks()
        assert self.daemon is not None
        self.daemon.signals.stop = True
        self.daemon.signals.wake.set()
        yield from source.chunks()


@pytest.mark.slow
def test_lost_microphone_is_waited_for_and_listening_resumes(config: Config) -> None:
    microphone = FlakyMicrophone()
    refreshed: list[float] = []
    notifier = RecordingNotifier()
    daemon = Daemon(
        config,
        None,
        notifier=notifier,
        source_factory=microphone,
        refresh_devices=lambda: refreshed.append(time.monotonic()),
    )
    microphone.daemon = daemon
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    }
    try:
        daemon.run()
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)

    assert microphone.opened == 3
    assert len(refreshed) == 2, "PortAudio was not restarted between tries"
    statuses = [field for field in notifier.sent if field.startswith("STATUS=")]
    assert statuses.count("STATUS=waiting for microphone") == 2
    assert "STATUS=thinking" in statuses[statuses.index("STATUS=waiting for microphone") :]
    # The watchdog is still fed while the models close, so a ping may come after.
    said = [field for field in notifier.sent if field != "WATCHDOG=1"]
    assert said[-2:] == ["STOPPING=1", "STATUS=stopping"]
