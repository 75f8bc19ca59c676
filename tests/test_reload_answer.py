"""The daemon's answer to a SIGHUP: written whole, read back, refused when it is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiced.reload_answer import (
    LOADING,
    RELOADED,
    STARTED,
    AnswerError,
    ReloadAnswer,
    ReloadAnswers,
    answer_path,
    read_answer,
)


def test_an_answer_is_written_whole_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "run" / "reload.json"
    answers = ReloadAnswers(path, pid=42)
    answers.started()
    assert read_answer(path) == ReloadAnswer(42, 0, STARTED, "no reload asked for yet")
    answers.loading("the voice")  # nothing is loading for a reload: not said
    assert read_answer(path) == ReloadAnswer(42, 0, STARTED, "no reload asked for yet")
    answers.after_read(LOADING, "configuration changed: reloading")
    answers.loading("the voice")
    assert read_answer(path) == ReloadAnswer(42, 1, LOADING, "loading the voice")
    answers.after_load(RELOADED, "configuration reloaded")
    answer = read_answer(path)
    assert answer == ReloadAnswer(42, 1, RELOADED, "configuration reloaded") and answer.final


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"pid": 1, "reads": 1, "outcome": "maybe", "message": ""}',
     '{"pid": true, "reads": 1, "outcome": "unchanged", "message": ""}'],
    ids=["not-json", "a-list", "unknown-outcome", "a-bool-pid"],
)  # fmt: skip
def test_a_file_that_is_no_answer_is_said_so(tmp_path: Path, content: str) -> None:
    path = tmp_path / "reload.json"
    path.write_text(content)
    with pytest.raises(AnswerError, match=r"reload\.json: "):
        read_answer(path)


def test_keys_a_later_version_adds_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "reload.json"
    path.write_text('{"pid": 7, "reads": 2, "outcome": "reloaded", "message": "ok", "new": 1}')
    assert read_answer(path) == ReloadAnswer(7, 2, RELOADED, "ok")


def test_an_answer_that_cannot_be_written_is_logged_once_and_the_daemon_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    answers = ReloadAnswers(blocker / "reload.json")
    answers.started()
    answers.after_read("unchanged", "configuration unchanged")
    warnings = [r for r in caplog.records if "cannot write the reload answer" in r.message]
    assert len(warnings) == 1
    assert (answers.reads, answers.outcome) == (1, "unchanged")


def test_the_answer_lives_in_the_runtime_directory_systemd_names() -> None:
    assert answer_path({"RUNTIME_DIRECTORY": "/run/voiced"}) == Path("/run/voiced/reload.json")
    assert answer_path({"RUNTIME_DIRECTORY": "/run/voiced:/run/other"}) == Path(
        "/run/voiced/reload.json"
    )
    assert answer_path({}) is None
