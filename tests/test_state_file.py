"""The state_file back end: round trip, atomic replacement, corrupt files, brightness."""

from __future__ import annotations

import functools
import json
import logging
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest

from voiced.config import DeviceConfig
from voiced.devices import BackendError, DeviceState, state_file
from voiced.devices.state_file import StateFileBackend, check_note
from voiced.files import directory_lock, write_atomically

LAMP = DeviceConfig(id="lamp", name="lamp")
FAN = DeviceConfig(id="fan", name="fan", kind="fan")


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    backend = StateFileBackend(tmp_path / "state.json")
    assert backend.state(LAMP) == DeviceState()
    assert not (tmp_path / "state.json").exists()


def test_state_survives_a_new_backend(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    backend = StateFileBackend(path)
    backend.set_brightness(LAMP, 40)
    backend.turn(FAN, True)

    assert read_json(path) == {
        "devices": {
            "lamp": {"on": True, "brightness_pct": 40},
            "fan": {"on": True, "brightness_pct": None},
        }
    }
    reopened = StateFileBackend(path)
    assert reopened.state(LAMP) == DeviceState(on=True, brightness_pct=40)
    assert reopened.state(FAN) == DeviceState(on=True, brightness_pct=None)


def test_brightness_semantics(tmp_path: Path) -> None:
    backend = StateFileBackend(tmp_path / "state.json")
    backend.set_brightness(LAMP, 30)
    assert backend.state(LAMP) == DeviceState(on=True, brightness_pct=30)

    backend.turn(LAMP, False)
    assert backend.state(LAMP) == DeviceState(on=False, brightness_pct=30)
    backend.turn(LAMP, True)
    assert backend.state(LAMP) == DeviceState(on=True, brightness_pct=30)

    backend.set_brightness(LAMP, 0)
    assert backend.state(LAMP).on is False
    # Off at 0, and "turn on" comes back at the last brightness rather than at 0.
    backend.turn(LAMP, True)
    assert backend.state(LAMP) == DeviceState(on=True, brightness_pct=30)

    backend.turn(LAMP, False)
    backend.set_brightness(LAMP, 75)
    assert backend.state(LAMP) == DeviceState(on=True, brightness_pct=75)


def test_a_failed_replace_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    backend = StateFileBackend(path)
    backend.turn(LAMP, True)
    before = path.read_bytes()

    def crash(_src: object, _dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(BackendError, match=r"state\.json.*No space left"):
        backend.turn(LAMP, False)

    assert path.read_bytes() == before
    assert read_json(path) == {"devices": {"lamp": {"on": True, "brightness_pct": None}}}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    # What failed to reach the disk is not believed either.
    assert backend.state(LAMP).on is True


def test_the_new_file_is_synced_before_the_rename_and_the_directory_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "directory" if os.path.isdir(f"/proc/self/fd/{fd}") else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        # The temporary sits beside the target: a rename across file systems is not atomic.
        assert Path(src).parent == path.parent
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    StateFileBackend(path).turn(LAMP, True)

    assert events == ["fsync file", "replace", "fsync directory"]
    assert read_json(path) == {"devices": {"lamp": {"on": True, "brightness_pct": None}}}


@pytest.mark.parametrize(
    "content",
    [
        b'{"devices": {"lamp": {"on": tr',
        b'{"devices": {"fan": {"on": true},}, "mine": 1}',
        b"[1, 2]",
        b'{"devices": []}',
        b"\xff\xfe",
        b'{"devices": {"lamp": {"brightness_pct": NaN}}}',
        b'{"devices": {}, "mine": 1e400}',
        b'{"devices": {}, "mine": ' + b"9" * 5000 + b"}",
        b"null",
        b'{"devices": {}, "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=[
        "truncated",
        "trailing-comma",
        "not-an-object",
        "devices-not-an-object",
        "not-utf8",
        "nan",
        "overflow",
        "long-integer",
        "null",
        "deep",
    ],
)
def test_a_corrupt_file_is_kept_aside_and_never_overwritten(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    backend = StateFileBackend(path)

    with caplog.at_level(logging.WARNING, logger="voiced.devices.state_file"):
        assert backend.state(LAMP) == DeviceState()
    (aside,) = tmp_path.glob("state.json.unreadable-*")
    assert aside.read_bytes() == content
    assert any(str(aside) in record.getMessage() for record in caplog.records)
    note = check_note(path)
    assert note is not None and str(aside) in note

    backend.turn(LAMP, True)
    assert read_json(path) == {"devices": {"lamp": {"on": True, "brightness_pct": None}}}
    assert aside.read_bytes() == content


def test_check_says_what_a_bad_file_will_become_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    assert check_note(path) is None
    path.write_text('{"devices": {}}', encoding="utf-8")
    assert check_note(path) is None
    path.write_text('{"devices": {},}', encoding="utf-8")
    note = check_note(path)
    assert note is not None and "will be kept aside" in note
    assert path.read_text(encoding="utf-8") == '{"devices": {},}'


def finishes(action: Callable[[], object], fifo: Path) -> None:
    """Run `action`; should it wait for a writer to `fifo`, fail instead of hanging."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # a writer ends the wait
        pytest.fail(f"waited for a writer to {fifo}")
    if errors:
        raise errors[0]


def test_a_fifo_is_kept_aside_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    os.mkfifo(path)  # opened for reading, it would wait for a writer forever
    notes: list[str | None] = []
    finishes(lambda: notes.append(check_note(path)), path)
    assert notes == [
        f"state file {path} cannot be read (not a regular file): it will be kept aside at first use"
    ]
    finishes(lambda: StateFileBackend(path).turn(LAMP, True), path)
    (aside,) = tmp_path.glob("state.json.unreadable-*")
    assert stat.S_ISFIFO(aside.lstat().st_mode)
    assert read_json(path) == {"devices": {"lamp": {"on": True, "brightness_pct": None}}}


def test_a_link_to_a_fifo_is_kept_aside_and_the_fifo_left_where_it_is(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # as a device would be: not voiced's to move
    path = tmp_path / "state.json"
    path.symlink_to(fifo)
    finishes(lambda: StateFileBackend(path).turn(LAMP, True), fifo)
    (aside,) = tmp_path.glob("state.json.unreadable-*")
    assert aside.readlink() == fifo
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert read_json(path) == {"devices": {"lamp": {"on": True, "brightness_pct": None}}}


def test_a_huge_file_is_kept_aside_unread(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with path.open("wb") as file:
        file.truncate(64 * 1024 * 1024)  # sparse: no disk used
    StateFileBackend(path).turn(LAMP, True)
    (aside,) = tmp_path.glob("state.json.unreadable-*")
    assert aside.stat().st_size == 64 * 1024 * 1024
    assert read_json(path) == {"devices": {"lamp": {"on": True, "brightness_pct": None}}}


def test_a_file_that_cannot_be_opened_fails_the_command_and_stays(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.mkdir()  # not a file: reading fails with an OSError, not with bad content
    with pytest.raises(BackendError, match="cannot read the state file"):
        StateFileBackend(path).turn(LAMP, True)
    assert path.is_dir()
    assert list(tmp_path.glob("state.json.unreadable-*")) == []


def test_a_symlinked_file_is_written_through_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real" / "state.json"
    real.parent.mkdir()
    real.write_text('{"devices": {}, "mine": [1]}', encoding="utf-8")
    real.chmod(0o644)
    link = tmp_path / "state.json"
    link.symlink_to(real)

    StateFileBackend(link).turn(LAMP, True)

    assert link.is_symlink()
    assert read_json(real) == {
        "devices": {"lamp": {"on": True, "brightness_pct": None}},
        "mine": [1],
    }
    assert real.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in real.parent.iterdir()) == ["state.json"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        StateFileBackend(tmp_path / "state.json").turn(LAMP, True)
    finally:
        os.umask(old_umask)
    assert (tmp_path / "state.json").stat().st_mode & 0o777 == 0o644


def test_a_private_file_stays_private(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"devices": {}}', encoding="utf-8")
    path.chmod(0o600)
    StateFileBackend(path).turn(LAMP, True)
    assert path.stat().st_mode & 0o777 == 0o600


def test_wrongly_typed_entries_read_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(
        json.dumps({"devices": {"lamp": {"on": "yes", "brightness_pct": 101}, "fan": 3}}),
        encoding="utf-8",
    )
    backend = StateFileBackend(path)
    assert backend.state(LAMP) == DeviceState()
    assert backend.state(FAN) == DeviceState()


def test_other_keys_in_the_file_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"devices": {}, "timers": [{"seconds": 60}]}), encoding="utf-8")
    StateFileBackend(path).turn(LAMP, True)
    assert read_json(path) == {
        "devices": {"lamp": {"on": True, "brightness_pct": None}},
        "timers": [{"seconds": 60}],
    }


def test_a_change_keeps_what_another_writer_put_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    daemon = StateFileBackend(path)
    daemon.turn(LAMP, True)  # the daemon has read the file
    # `voiced ask "turn on the fan"` beside the daemon, with its own back end.
    StateFileBackend(path).turn(FAN, True)
    assert daemon.state(FAN) == DeviceState(on=True, brightness_pct=None)

    daemon.turn(LAMP, False)

    assert read_json(path) == {
        "devices": {
            "lamp": {"on": False, "brightness_pct": None},
            "fan": {"on": True, "brightness_pct": None},
        }
    }


def test_a_change_keeps_what_was_written_in_place(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    daemon = StateFileBackend(path)
    daemon.turn(LAMP, True)
    # A demo's switch that rewrites the file where it is (the same inode), not by a rename.
    with path.open("r+", encoding="utf-8") as file:
        document = json.load(file)
        document["devices"]["fan"] = {"on": True, "brightness_pct": 20}
        document["mine"] = "kept"
        file.seek(0)
        file.truncate()
        json.dump(document, file)

    daemon.set_brightness(LAMP, 50)

    assert read_json(path) == {
        "devices": {
            "lamp": {"on": True, "brightness_pct": 50},
            "fan": {"on": True, "brightness_pct": 20},
        },
        "mine": "kept",
    }


def test_a_stuck_lock_fails_the_command_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    backend = StateFileBackend(path)
    short_lock = functools.partial(directory_lock, timeout_seconds=0.2)
    with (
        directory_lock(path),  # another voiced process, stuck mid-change
        mock.patch("voiced.devices.state_file.directory_lock", short_lock),
        pytest.raises(BackendError, match="being changed by another process"),
    ):
        backend.turn(LAMP, True)
    backend.turn(LAMP, True)  # free again
    assert read_json(path)["devices"]["lamp"]["on"] is True


def test_the_file_last_written_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its signature is taken after the rename, which changes its ctime on ext4."""
    path = tmp_path / "state.json"
    backend = StateFileBackend(path)
    backend.turn(LAMP, True)
    reads: list[Path] = []
    real_read = state_file._read
    monkeypatch.setattr(state_file, "_read", lambda p: reads.append(p) or real_read(p))
    backend.turn(LAMP, False)
    backend.set_brightness(LAMP, 30)
    assert reads == []


def test_a_change_waits_for_another_voiced_writing_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    backend = StateFileBackend(path)
    backend.turn(LAMP, True)
    done = threading.Event()

    def command() -> None:
        backend.turn(LAMP, False)
        done.set()

    with directory_lock(path):  # as another voiced process holds it mid-change
        thread = threading.Thread(target=command, daemon=True)
        thread.start()
        assert not done.wait(0.3)
        write_atomically(
            path,
            json.dumps({"devices": {"lamp": {"on": True}, "fan": {"on": True}}}),
        )
    thread.join(timeout=10)

    assert done.is_set()
    assert read_json(path) == {
        "devices": {
            "lamp": {"on": False, "brightness_pct": None},
            "fan": {"on": True},
        }
    }
