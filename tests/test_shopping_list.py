"""The shopping list kept on the device (voiced/shopping_list.py): order, one of each item,
kept across restarts, an unusable file kept aside and said, never overwritten; bounds."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from voiced.config import Config
from voiced.files import kept_aside
from voiced.shopping_list import (
    MAX_ITEM_CHARS,
    MAX_ITEMS,
    ShoppingList,
    ShoppingListError,
    item_key,
)


def test_items_are_kept_in_the_order_added_as_said(tmp_path: Path) -> None:
    shopping = ShoppingList(tmp_path / "shopping_list.json")
    assert shopping.items() == []
    assert shopping.add(["milk", "Cheerios"]) == ["milk", "Cheerios"]
    assert shopping.add(["some eggs"]) == ["some eggs"]
    assert shopping.items() == ["milk", "Cheerios", "some eggs"]


@pytest.mark.parametrize("again", ["milk", "Milk", "MILK", "some milk", "the milk", "a milk"])
def test_an_item_is_never_on_the_list_twice(tmp_path: Path, again: str) -> None:
    shopping = ShoppingList(tmp_path / "shopping_list.json")
    shopping.add(["milk"])
    assert shopping.add([again]) == []
    assert shopping.add(["eggs", "Eggs", "egg"]) == ["eggs"]
    assert shopping.items() == ["milk", "eggs"]


def test_items_alike_only_in_their_words_are_one_others_are_not() -> None:
    assert item_key("Some Eggs.") == item_key("egg") == ("egg",)
    assert item_key("two lemons") == item_key("2 lemons")
    assert item_key("glass cleaner") != item_key("glass")
    assert item_key("milk") != item_key("oat milk")
    # An article alone is still a word said.
    assert item_key("the") == ("the",)


def test_the_list_is_kept_across_instances_and_in_a_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "shopping_list.json"
    ShoppingList(path).add(["milk", "eggs", "bread"])
    again = ShoppingList(path)
    assert again.items() == ["milk", "eggs", "bread"]
    assert again.remove(["EGGS", "jam"]) == ["eggs"]
    assert ShoppingList(path).items() == ["milk", "bread"]
    assert json.loads(path.read_text()) == {"items": ["milk", "bread"]}
    assert ShoppingList(path).clear() == 2
    assert ShoppingList(path).items() == []


def test_a_change_made_by_another_process_is_not_lost(tmp_path: Path) -> None:
    """`voiced ask` beside the daemon writes the same file: each change starts from it."""
    path = tmp_path / "shopping_list.json"
    daemon, beside = ShoppingList(path), ShoppingList(path)
    daemon.add(["milk"])
    beside.add(["eggs"])
    daemon.add(["bread"])
    assert ShoppingList(path).items() == ["milk", "eggs", "bread"]


def test_nothing_is_written_until_something_changes(tmp_path: Path) -> None:
    path = tmp_path / "shopping_list.json"
    shopping = ShoppingList(path)
    shopping.items()
    shopping.remove(["milk"])
    assert shopping.clear() == 0
    assert not path.exists()


def test_it_lies_beside_the_state_file_unless_configured() -> None:
    config = Config.model_validate({"state_file": {"path": "/var/lib/voiced/state.json"}})
    assert config.state_file.shopping_list_file == Path("/var/lib/voiced/shopping_list.json")
    config = Config.model_validate({"state_file": {"shopping_list_path": "/srv/list.json"}})
    assert config.state_file.shopping_list_file == Path("/srv/list.json")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("milk, eggs", "not valid JSON"),
        ('["milk"]', '"items" list'),
        ('{"items": "milk"}', '"items" list'),
        ('{"items": ["milk", 3]}', "item 2"),
        ('{"items": ["milk", ""]}', "item 2"),
        (json.dumps({"items": ["x" * (MAX_ITEM_CHARS + 1)]}), "item 1"),
        (json.dumps({"items": [f"thing {n}" for n in range(MAX_ITEMS + 1)]}), "more than"),
        ('{"items": [' + " " * 70_000 + "]}", "larger than"),
    ],
)
def test_an_unusable_file_is_kept_aside_and_said_never_overwritten(
    tmp_path: Path, content: str, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "shopping_list.json"
    path.write_text(content)
    shopping = ShoppingList(path)
    with caplog.at_level(logging.WARNING, logger="voiced.shopping_list"):
        assert shopping.items() == []
    [aside] = kept_aside(path)
    assert aside.read_text() == content
    assert str(path) in caplog.text and problem in caplog.text and str(aside) in caplog.text
    # The list starts again empty, in a new file.
    assert shopping.add(["milk"]) == ["milk"]
    assert json.loads(path.read_text()) == {"items": ["milk"]}
    assert aside.read_text() == content


def test_an_item_said_twice_in_the_file_is_kept_once(tmp_path: Path) -> None:
    path = tmp_path / "shopping_list.json"
    path.write_text('{"items": ["milk", "eggs", "Milk"]}')
    assert ShoppingList(path).items() == ["milk", "eggs"]
    assert kept_aside(path) == []


def test_a_file_that_cannot_be_kept_aside_is_left_and_every_command_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "shopping_list.json"
    path.write_text("not json")

    def cannot_rename(path: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("voiced.shopping_list.keep_aside", cannot_rename)
    shopping = ShoppingList(path)
    with caplog.at_level(logging.ERROR, logger="voiced.shopping_list"):
        with pytest.raises(ShoppingListError, match="can't read your shopping list"):
            shopping.items()
        with pytest.raises(ShoppingListError, match="can't read your shopping list"):
            shopping.add(["milk"])
        with pytest.raises(ShoppingListError, match="can't read your shopping list"):
            shopping.clear()
    assert "cannot be renamed aside (Permission denied)" in caplog.text
    assert str(path) in caplog.text
    assert path.read_text() == "not json"


def test_a_file_that_cannot_be_read_is_left_as_it_is(tmp_path: Path) -> None:
    """Not its content (a directory in its place, permissions): nothing to keep aside."""
    path = tmp_path / "shopping_list.json"
    path.mkdir()
    with pytest.raises(ShoppingListError, match="can't read your shopping list"):
        ShoppingList(path).add(["eggs"])
    assert path.is_dir() and kept_aside(path) == []


def test_a_change_that_cannot_be_written_is_refused_and_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shopping_list.json"
    shopping = ShoppingList(path)
    shopping.add(["milk"])

    def disk_full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("voiced.shopping_list.write_atomically", disk_full)
    with pytest.raises(ShoppingListError, match="couldn't save your shopping list"):
        shopping.add(["eggs"])
    with pytest.raises(ShoppingListError, match="couldn't save your shopping list"):
        shopping.clear()
    assert shopping.items() == ["milk"]


def test_the_list_holds_a_bounded_number_of_items_of_bounded_length() -> None:
    shopping = ShoppingList()  # in memory
    shopping.add([f"thing {n}" for n in range(MAX_ITEMS - 2)])
    with pytest.raises(ShoppingListError, match="room for only 2 more things"):
        shopping.add(["milk", "eggs", "bread"])
    assert len(shopping.items()) == MAX_ITEMS - 2  # none of the three added
    shopping.add(["milk", "eggs"])
    with pytest.raises(ShoppingListError, match=f"full: it holds {MAX_ITEMS} things"):
        shopping.add(["bread"])
    assert shopping.add(["milk"]) == []  # already on it: no room needed
    with pytest.raises(ShoppingListError, match="too long"):
        ShoppingList().add(["x" * (MAX_ITEM_CHARS + 1)])
    with pytest.raises(ShoppingListError, match="didn't catch"):
        ShoppingList().add(["..."])
