"""`voiced reload` (the unit's ExecReload=) against a daemon in a process of its own.

The daemon is `voiced run` on the fake engines (tests/fake_daemon.py): the real command
line, signals, notify socket and answer file. The command must return only once the
daemon has read the file, say what came of it, and fail when the file was rejected or the
daemon is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.fake_daemon import MISSING_MODEL
from tests.fakes import command, silence
from tests.helpers import ROOT, recording
from tests.notify_socket import NotifySocket
from voiced.reload_answer import RELOADED, ReloadAnswer, ReloadAnswers, read_answer
from voiced.reload_command import request_reload
from voiced.wavio import WavWriter

# No follow-up window: a turn ends when its answer has been spoken.
CONFIG = """\
state_file:
  path: {tmp}/state.json
turn_end:
  enabled: false
echo:
  cancel: false
conversation:
  follow_up_seconds: 0
audio:
  input_file: {wav}
"""
CHANGED = CONFIG.replace("follow_up_seconds: 0", "follow_up_seconds: 3.0")
REJECTED = CONFIG + "endpoint:\n  silence_seconds: -1\n"
REJECTED_SAYS = "voiced: reload rejected, keeping the running configuration: "
START_SECONDS = 30.0


class FakeService:
    """The fake daemon as systemd would run it: its runtime directory, a notify socket."""

    def __init__(self, tmp_path: Path, wav: Path) -> None:
        self.tmp_path = tmp_path
        self.wav = wav
        self.config = tmp_path / "voiced.yaml"
        self.runtime_directory = tmp_path / "run"
        self.runtime_directory.mkdir()
        self.notify = NotifySocket(tmp_path / "notify")
        self.log: list[str] = []
        self.write(CONFIG)
        env = {
            **os.environ,
            "RUNTIME_DIRECTORY": str(self.runtime_directory),
            "NOTIFY_SOCKET": str(self.notify.path),
        }
        env.pop("JOURNAL_STREAM", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_daemon", "--config", str(self.config)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.pid = self.process.pid
        threading.Thread(target=self._read_log, daemon=True).start()
        self.wait_for_log("voiced.daemon: ready", START_SECONDS)

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def write(self, text: str) -> None:
        self.config.write_text(text.format(tmp=self.tmp_path, wav=self.wav), encoding="utf-8")

    def reload(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_reload("--pid", str(self.pid), *args, runtime_directory=self.runtime_directory)

    def answer(self) -> ReloadAnswer | None:
        return read_answer(self.runtime_directory / "reload.json")

    def wait_for_log(self, needle: str, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if any(needle in line for line in self.log):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never logged:\n{''.join(self.log)}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.notify.close()


def run_reload(*args: str, runtime_directory: Path | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "RUNTIME_DIRECTORY"}
    if runtime_directory is not None:
        env["RUNTIME_DIRECTORY"] = str(runtime_directory)
    return subprocess.run(
        [sys.executable, "-m", "voiced.cli", "reload", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def command_recording(path: Path) -> Path:
    """A second of silence, then the wake word and a question (the fakes' marks)."""
    writer = WavWriter(path)
    writer.write(np.concatenate([*silence(1.0), *command(0.8, 1.0)]), 16000)
    writer.close()
    return path


@pytest.fixture
def quiet_service(tmp_path: Path) -> Iterator[FakeService]:
    """The fake daemon hearing nothing: no turn is ever under way."""
    service = FakeService(tmp_path, recording("silence"))
    yield service
    service.stop()


def test_an_unchanged_file_is_said_to_be_unchanged(quiet_service: FakeService) -> None:
    result = quiet_service.reload()
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "configuration unchanged\n",
        "",
    )
    answer = quiet_service.answer()
    assert answer is not None and (answer.reads, answer.outcome) == (1, "unchanged")


def test_a_changed_file_is_loaded_before_the_command_returns(
    quiet_service: FakeService,
) -> None:
    quiet_service.write(CHANGED)
    since = time.monotonic()
    result = quiet_service.reload()
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"configuration reloaded from {quiet_service.config}\n"
    # What runs is the new file: read again, it is unchanged.
    assert quiet_service.reload().stdout == "configuration unchanged\n"
    # systemd was told of the reload, and that it ended: RELOADING=1 (with the monotonic
    # time newer releases want) before READY=1.
    lines = [line for at, line in quiet_service.notify.messages if at >= since]
    reloading = lines.index("RELOADING=1")
    assert lines[reloading + 1].startswith("MONOTONIC_USEC=")
    assert "READY=1" in lines[reloading:]


def test_a_change_of_the_log_level_alone_is_said_applied(quiet_service: FakeService) -> None:
    quiet_service.write(CONFIG + "logging:\n  level: warning\n")
    result = quiet_service.reload()
    assert (result.returncode, result.stdout) == (0, "logging level set to warning\n")


def test_a_rejected_file_fails_the_command_with_the_reason(quiet_service: FakeService) -> None:
    quiet_service.write(REJECTED)
    result = quiet_service.reload()
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(REJECTED_SAYS), result.stderr
    assert "endpoint.silence_seconds = -1" in result.stderr
    # The daemon runs on, on the old file, and answers the next reload.
    assert quiet_service.process.poll() is None
    quiet_service.write(CONFIG)
    assert quiet_service.reload().stdout == "configuration unchanged\n"


def test_a_model_that_does_not_load_fails_the_command(quiet_service: FakeService) -> None:
    """The file reads well; the load that follows at once fails. The command waits for
    the load, so the typo in a model's name is not reported as a success."""
    quiet_service.write(CONFIG + f"llm:\n  model: {MISSING_MODEL}\n")
    result = quiet_service.reload()
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(REJECTED_SAYS), result.stderr
    assert f"LLM model missing: {MISSING_MODEL}" in result.stderr
    assert quiet_service.process.poll() is None


def test_a_change_during_a_turn_returns_at_the_read_and_loads_after_it(
    tmp_path: Path,
) -> None:
    service = FakeService(tmp_path, command_recording(tmp_path / "question.wav"))
    try:
        service.wait_for_log(" heard: ", 10)
        service.write(CHANGED)
        started = time.monotonic()
        result = service.reload()
        # Back long before the story ends (8 sentences, 0.5 s each).
        assert time.monotonic() - started < 3.0
        assert (result.returncode, result.stdout) == (
            0,
            "configuration changed: reloading once this turn is over\n",
        )
        assert not any("configuration reloaded" in line for line in service.log)
        service.wait_for_log("configuration reloaded from", 15)
        answer = service.answer()
        assert answer is not None and (answer.reads, answer.outcome) == (1, RELOADED)
    finally:
        service.stop()


# A daemon that is gone, dies, or never answers.


def test_a_daemon_that_is_gone_is_said_to_be_gone(tmp_path: Path) -> None:
    service = FakeService(tmp_path, recording("silence"))
    assert service.stop() == 0
    result = service.reload()
    assert result.returncode == 1
    assert result.stderr == (
        f"voiced: reload: there is no process {service.pid}: voiced is not running\n"
    )


def reaped(process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """As systemd reaps its service's process the moment it ends."""
    threading.Thread(target=process.wait, daemon=True).start()
    return process


def test_a_process_that_dies_before_it_answers(tmp_path: Path) -> None:
    # sleep dies of the SIGHUP.
    sleeper = reaped(subprocess.Popen(["sleep", "60"]))
    try:
        result = run_reload("--pid", str(sleeper.pid), runtime_directory=tmp_path)
    finally:
        sleeper.kill()
    assert result.returncode == 1
    assert result.stderr == (
        f"voiced: reload: voiced (process {sleeper.pid}) ended before it answered\n"
    )


def test_a_process_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    """A stale answer from another process, even a final one, is no answer."""
    ReloadAnswers(tmp_path / "reload.json", pid=1).after_read("unchanged", "old news")
    deaf = reaped(
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_IGN);"
                " print(flush=True); time.sleep(60)",
            ],
            stdout=subprocess.PIPE,
        )
    )
    try:
        assert deaf.stdout is not None and deaf.stdout.readline()  # SIGHUP is ignored now
        started = time.monotonic()
        result = run_reload(
            "--pid", str(deaf.pid), "--timeout-seconds", "1", runtime_directory=tmp_path
        )
        waited = time.monotonic() - started
    finally:
        deaf.kill()
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"voiced: reload: no answer from voiced (process {deaf.pid}) in "
        f"{tmp_path / 'reload.json'} within 1 s"
    ), result.stderr
    assert 1.0 <= waited < 10.0


def test_an_unreadable_answer_does_not_keep_the_daemon_from_being_asked(
    tmp_path: Path,
) -> None:
    """What a running daemon of another version wrote may not read: the reload is asked
    for all the same, and its answer taken."""
    path = tmp_path / "reload.json"
    path.write_text("not an answer")
    answering = (
        "import json, os, signal, time\n"
        "def answer(*_):\n"
        f"    with open({str(path)!r}, 'w') as file:\n"
        "        json.dump({'pid': os.getpid(), 'reads': 1, 'outcome': 'unchanged',"
        " 'message': 'configuration unchanged'}, file)\n"
        "signal.signal(signal.SIGHUP, answer)\n"
        "print(flush=True)\n"
        "time.sleep(60)\n"
    )
    daemon = reaped(subprocess.Popen([sys.executable, "-c", answering], stdout=subprocess.PIPE))
    try:
        assert daemon.stdout is not None and daemon.stdout.readline()  # SIGHUP is handled now
        answer = request_reload(daemon.pid, path, timeout_seconds=10)
    finally:
        daemon.kill()
    assert (answer.outcome, answer.message) == ("unchanged", "configuration unchanged")


def test_without_a_runtime_directory_there_is_nothing_to_wait_on() -> None:
    result = run_reload("--pid", str(os.getpid()), runtime_directory=None)
    assert result.returncode == 1
    assert "RUNTIME_DIRECTORY is not set" in result.stderr
    assert "kill -HUP" in result.stderr


@pytest.mark.parametrize("pid", ["0", "-1", "x"])
def test_a_pid_that_is_no_process_id_is_refused_before_any_signal(pid: str) -> None:
    """kill(0) and kill(-1) would signal this process group, or every process: refused
    by the parser (exit 2), here in this process, which a signal would end."""
    from voiced.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["reload", "--pid", pid])
    assert exited.value.code == 2


def test_request_reload_refuses_a_pid_below_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a process ID"):
        request_reload(0, tmp_path / "reload.json")


def test_an_interrupted_wait_says_the_reload_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from voiced import cli

    def interrupted(*_args: object) -> ReloadAnswer:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "request_reload", interrupted)
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(tmp_path))
    assert cli.main(["reload", "--pid", "4242"]) == 1
    assert capfd.readouterr().err == "voiced: reload: interrupted before the daemon answered\n"
