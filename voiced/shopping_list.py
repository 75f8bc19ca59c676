"""The shopping list, kept on the device in shopping_list.json: `{"items": ["milk", ...]}`,
in the order added, each as it was said ("some milk", "Cheerios").

Two items are one when their words are the same but for case, a leading article or
amount word ("milk", "Milk", "some milk") and a plural's last "s" ("egg", "eggs"): an item
is never on the list twice.

The file is the list: each read and each change starts from what is on disk at that moment,
and each change happens under the lock on the file's directory that other voiced
processes take too (`voiced ask` beside the daemon), so nothing another writer put there is
lost. It is replaced atomically, and a change is kept in memory only once it is written. A
file that cannot be used (not JSON, too large, not a list of short texts) is renamed aside
with a timestamp (voiced.files.keep_aside), said in the log, and the list starts empty;
one that cannot even be renamed is left as it is and the list refuses every command until
it is mended, so it is never overwritten.

Threads: the intent handlers call it on the turn thread, one command at a time, and, as
they only read (a change is an Action, done on the confirmed command), on the speculation
thread too, to have their words ready (voiced/turn/speculate.py), which may overlap a turn
still ending. One lock makes each read and each change whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from voiced.files import (
    LockTimeout,
    UnreadableFileError,
    directory_lock,
    keep_aside,
    read_json_file,
    write_atomically,
)
from voiced.intents import IntentError
from voiced.words import words_with_digits

log = logging.getLogger(__name__)

# Bounds: a list read aloud in under a minute, an item a few words long. Beyond them the
# file is not voiced's: 100 items of 60 characters, each escaped (\uXXXX), stay under this.
MAX_ITEMS = 100
MAX_ITEM_CHARS = 60
MAX_FILE_BYTES = 64 * 1024
MAX_JSON_DEPTH = 4
# Words before an item that say how much of it, not what it is: "some milk" is milk.
AMOUNT_WORDS = frozenset({"a", "an", "the", "some", "any", "more", "my", "our"})


class ShoppingListError(IntentError):
    """The list cannot be read or changed; the message is fit to be spoken."""


def item_key(item: str) -> tuple[str, ...]:
    """What tells one item from another: its words in lower case, numbers as digits, without
    leading amount words, the last one without a plural's "s" ("some Eggs": ("egg",))."""
    said = words_with_digits(item)
    while len(said) > 1 and said[0] in AMOUNT_WORDS:
        said = said[1:]
    if said and len(said[-1]) > 3 and said[-1].endswith("s") and not said[-1].endswith("ss"):
        said[-1] = said[-1][:-1]
    return tuple(said)


def item_problem(item: str) -> str | None:
    """Why `item` cannot be on the list, in words fit to be spoken; None when it can."""
    if not item_key(item) or not item.isprintable():
        return "I didn't catch what to put on your shopping list."
    if len(item) > MAX_ITEM_CHARS:
        return "That's too long for one item on your shopping list."
    return None


class ShoppingList:
    """The list in the file `path`; `path` None keeps it in memory only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._items: list[str] = []  # in memory only (`path` None)

    def items(self) -> list[str]:
        """The items, oldest first."""
        with self._lock:
            return self._read()

    def add(self, items: Sequence[str]) -> list[str]:
        """Add those of `items` not on the list yet, in order; the ones added. More than it
        has room for, or an item it cannot hold, and none is added (ShoppingListError)."""
        for item in items:
            if (problem := item_problem(item)) is not None:
                raise ShoppingListError(problem)
        with self._lock, self._locked():
            held = self._read()
            keys = {item_key(item) for item in held}
            added = []
            for item in items:
                if item_key(item) not in keys:
                    keys.add(item_key(item))
                    added.append(item)
            if len(held) + len(added) > MAX_ITEMS:
                raise ShoppingListError(room_left(len(held)))
            if added:
                self._write([*held, *added])
                log.info("shopping list: added %s", added)
            return added

    def remove(self, items: Sequence[str]) -> list[str]:
        """Take `items` off the list; the ones taken off, as the list held them."""
        unwanted = {item_key(item) for item in items}
        with self._lock, self._locked():
            held = self._read()
            kept = [item for item in held if item_key(item) not in unwanted]
            removed = [item for item in held if item_key(item) in unwanted]
            if removed:
                self._write(kept)
                log.info("shopping list: removed %s", removed)
            return removed

    def clear(self) -> int:
        """Empty the list; how many items it held."""
        with self._lock, self._locked():
            held = self._read()
            if held:
                self._write([])
                log.info("shopping list: cleared %d items", len(held))
            return len(held)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The file's directory locked against other voiced processes for one change."""
        if self.path is None:
            yield
            return
        try:
            with directory_lock(self.path):
                yield
        except LockTimeout as err:
            log.error("shopping list %s: %s", self.path, err)
            raise ShoppingListError("Your shopping list is busy: try again in a moment.") from err

    def _read(self) -> list[str]:
        if self.path is None:
            return list(self._items)
        try:
            return items_of(read_json_file(self.path, MAX_FILE_BYTES, MAX_JSON_DEPTH))
        except FileNotFoundError:
            return []
        except UnreadableFileError as err:
            reason = str(err)
        except OSError as err:  # not its content (permissions, I/O): left as it is
            log.error("cannot read the shopping list %s: %s", self.path, err.strerror or err)
            raise ShoppingListError("Sorry, I can't read your shopping list.") from err
        try:
            aside = keep_aside(self.path)
        except FileNotFoundError:  # another voiced process kept it aside first
            return []
        except OSError as err:
            log.error(
                "shopping list %s is unusable (%s) and cannot be renamed aside (%s): it is "
                "left as it is, and the list refuses every command until it is mended or "
                "removed",
                self.path, reason, err.strerror or err,
            )  # fmt: skip
            raise ShoppingListError("Sorry, I can't read your shopping list.") from err
        log.warning(
            "shopping list %s is unusable (%s): kept as %s; the list starts empty",
            self.path, reason, aside,
        )  # fmt: skip
        return []

    def _write(self, items: list[str]) -> None:
        if self.path is None:
            self._items = items
            return
        try:
            write_atomically(self.path, json.dumps({"items": items}, indent=2) + "\n")
        except OSError as err:
            log.error("cannot write the shopping list %s: %s", self.path, err)
            raise ShoppingListError("Sorry, I couldn't save your shopping list.") from err


def items_of(document: Any) -> list[str]:
    """The items of the file's document; UnreadableFileError saying what is wrong with it.
    Items said twice (a hand edit) are kept once."""
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise UnreadableFileError('not an object with an "items" list')
    if len(items) > MAX_ITEMS:
        raise UnreadableFileError(f"{len(items)} items, more than {MAX_ITEMS}")
    kept: dict[tuple[str, ...], str] = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, str) or item_problem(item) is not None:
            raise UnreadableFileError(
                f"item {number} is not printable text of 1-{MAX_ITEM_CHARS} characters"
            )
        kept.setdefault(item_key(item), item)
    return list(kept.values())


def room_left(held: int) -> str:
    """The refusal of more items than fit beside `held`."""
    if held >= MAX_ITEMS:
        return f"Your shopping list is full: it holds {MAX_ITEMS} things. Remove some first."
    room = MAX_ITEMS - held
    return f"Your shopping list has room for only {room} more {things(room)}, so I added nothing."


def things(count: int) -> str:
    return "thing" if count == 1 else "things"
