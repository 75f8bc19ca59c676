"""The evaluated system prompt's files on disk: only this model's stale ones are removed."""

from __future__ import annotations

from pathlib import Path

from voiced.prompt_cache import SUFFIX, remove_stale


def test_only_this_model_s_other_prompts_are_removed(tmp_path: Path) -> None:
    kept = tmp_path / f"model-{'a' * 16}{SUFFIX}"
    stale = tmp_path / f"model-{'b' * 16}{SUFFIX}"
    other_model = tmp_path / f"model-v2-{'c' * 16}{SUFFIX}"
    not_a_cache = tmp_path / f"model-notes{SUFFIX}"
    for path in (kept, stale, other_model, not_a_cache):
        path.write_bytes(b"cells")

    remove_stale(kept)

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        path.name for path in (kept, other_model, not_a_cache)
    )


def test_a_model_name_with_glob_characters_is_taken_as_it_is(tmp_path: Path) -> None:
    kept = tmp_path / f"model[q4]-{'a' * 16}{SUFFIX}"
    stale = tmp_path / f"model[q4]-{'b' * 16}{SUFFIX}"
    unrelated = tmp_path / f"modelq-{'c' * 16}{SUFFIX}"
    for path in (kept, stale, unrelated):
        path.write_bytes(b"cells")

    remove_stale(kept)

    assert not stale.exists() and kept.exists() and unrelated.exists()
