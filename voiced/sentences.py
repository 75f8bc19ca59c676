"""Cuts a stream of LLM tokens into sentences that can be spoken as soon as each is complete."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! ? (and their closing quotes or brackets) followed by white space.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s")
# Where a long first sentence may be cut early, to start speaking sooner.
_CLAUSE_END = re.compile(r"[,;:\u2014]\s")
# The first sentence or clause may end with the text streamed so far, without waiting a
# token for the space (or the end) after it: after a word of two letters or more, so not
# inside a number ("3.") or initials ("U.S.").
_FIRST_END_NOW = re.compile(r"[^\W\d_]{2}([.!?]+[\"')\]]*|[,;:\u2014])$")
# A line break before a list item ("\n2. ", "\n2) ", "\n- ") or a blank line ends the
# piece before it, with or without a full stop. An item's number has one or two digits:
# "\n1990. " is a year that ends a sentence.
_LINE_CUT = re.compile(r"\S\s*?(\n)(?=[ \t]*(?:\d{1,2}[.)]|[-*+])[ \t]|[ \t]*\n)")
# A number that begins a line ("2. milk", "42. That is all."): a list item's mark or a
# number to say.
_LINE_NUMBER = re.compile(r"(\d{1,2})[.)][ \t]")
# The start of the next line that is not blank, and the list mark that may begin it.
_NEXT_LINE = re.compile(r"\n\s*(?=\S)")
_ITEM_MARK = re.compile(r"(\d{1,2})[.)][ \t]|[-*+][ \t]")
_ITEM_MARK_SO_FAR = re.compile(r"\d{1,2}[.)]?|[-*+]")
# Endings that look like a sentence end but are not ("Dr. Smith", "Jan. 5"); "U.S.",
# "e.g." and other initials are found by _INITIALS. Words that often end a sentence
# ("sat.", "fin.") are not here: a sentence ending in one of these stays joined to the next.
_ABBREVIATIONS = frozenset(
    {
        *("mr.", "mrs.", "ms.", "dr.", "prof.", "sr.", "jr.", "rev.", "gen.", "capt."),
        *("lt.", "sgt.", "gov.", "st.", "mt.", "ave.", "blvd.", "inc.", "ltd.", "corp."),
        *("co.", "dept.", "vs.", "etc.", "approx.", "cf.", "al.", "ph.d."),
        *("jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept."),
        *("oct.", "nov.", "dec."),
    }
)
_INITIALS = re.compile(r"(?:[^\W\d_]\.){2,}")
# Endings whose next word says: the sentence goes on when `goes_on(its first character)`.
# "No. 5" goes on, "I said no. Then" ends; "9 a.m. on weekdays" goes on, "9 a.m. Then" ends.
_DECIDED_BY_NEXT: dict[str, Callable[[str], bool]] = {
    **dict.fromkeys(("no.", "nos.", "vol.", "fig."), str.isdigit),
    **dict.fromkeys(("a.m.", "p.m."), lambda first: not first.isupper()),
}
# Left off a word before it is looked up: "(e.g.", "\"Dr.".
_OPENERS = "([{\"'\u201c\u2018"


class SentenceSplitter:
    """Feed text as it streams; get back whole sentences, in order.

    With `first_clause_min_chars` > 0 the first piece may end at a clause boundary
    (a comma, semicolon, colon or dash) once it is at least that long, so the
    first audio starts before a long first sentence is complete.

    A list item ("2. milk", "- milk") starts a piece of its own, and so does a paragraph.
    A number that begins a line is a list item's mark, which speakable leaves unsaid, only
    in a list: when the line after it begins with the next number (or a bullet), or when
    it is the next number after a mark. Otherwise, and always at the start of the answer
    ("8. Spiders have eight legs."), the number is a piece of its own ("8."), said.
    """

    def __init__(self, first_clause_min_chars: int = 0) -> None:
        self.first_clause_min_chars = first_clause_min_chars
        self._pending = ""
        self._emitted = 0
        # Whether the pending text begins a line after the first piece.
        self._at_line_start = False
        # The last number that began a line or the answer, and whether it was a list mark:
        # the next number after it plays the same part.
        self._last_number: int | None = None
        self._last_was_mark = False
        self._ended = False

    def feed(self, text: str) -> list[str]:
        self._pending += text
        pieces: list[str] = []
        while True:
            piece = self._next_piece()
            if piece is None:
                return pieces
            pieces.append(piece)

    def flush(self) -> list[str]:
        # A number held for the line after it is said: no list follows.
        self._ended = True
        pieces = self.feed("")
        rest = self._pending.strip()
        self._pending = ""
        if rest:
            self._emitted += 1
            pieces.append(rest)
        self._ended = False
        return pieces

    def _next_piece(self) -> str | None:
        body = self._pending.lstrip()
        if "\n" in self._pending[: len(self._pending) - len(body)] and self._emitted:
            self._at_line_start = True
        self._pending = body
        number = _LINE_NUMBER.match(body)
        mark_end = 0
        if number is not None and (self._at_line_start or self._emitted == 0):
            is_mark = self._is_list_mark(int(number.group(1)), number.end())
            if is_mark is None:
                return None  # the next line says
            mark_end = number.end()
            cut = self._sentence_cut(mark_end) if is_mark else mark_end - 1
            if cut is not None:
                self._last_number, self._last_was_mark = int(number.group(1)), is_mark
                return self._cut(cut)
            return None
        cut = self._sentence_cut(0)
        if cut is None and self._emitted == 0 and self.first_clause_min_chars > 0:
            cut = self._clause_cut()
        if cut is None and self._emitted == 0:
            cut = self._first_end_now()
        if cut is None:
            return None
        return self._cut(cut)

    def _cut(self, cut: int) -> str | None:
        """The piece before `cut`, taken from the pending text."""
        head, rest = self._pending[:cut], self._pending[cut:]
        piece = head.strip()
        self._pending = rest.lstrip()
        gap = head[len(head.rstrip()) :] + rest[: len(rest) - len(self._pending)]
        self._at_line_start = "\n" in gap
        if not piece:
            return None
        self._emitted += 1
        return piece

    def _sentence_cut(self, start: int) -> int | None:
        """Where the piece ends: at a sentence end after `start` or before a list item."""
        line = _LINE_CUT.search(self._pending)
        line_cut = line.start(1) if line else None
        for match in _SENTENCE_END.finditer(self._pending, start):
            if line_cut is not None and match.end() > line_cut:
                break
            before = self._pending[: match.start() + 1].split()
            word = _bare(before[-1]) if before else ""
            if _is_abbreviation(word):
                continue
            goes_on = _DECIDED_BY_NEXT.get(word)
            if goes_on is not None:
                following = self._pending[match.end() :].lstrip()
                if not following:
                    return None  # the next token says
                if goes_on(following[0]):
                    continue
            return match.end()
        return line_cut

    def _is_list_mark(self, number: int, mark_end: int) -> bool | None:
        """Whether the number that begins the pending text is a list item's mark ("2. milk");
        None while the line after it is still to come."""
        if self._emitted == 0:
            return False  # "8. Spiders have eight legs.": the answer
        if self._last_number is not None and number == self._last_number + 1:
            return self._last_was_mark
        return self._next_line_is_item(number, mark_end)

    def _next_line_is_item(self, number: int, mark_end: int) -> bool | None:
        """Whether the next line that is not blank begins with the next number's mark or a
        bullet; None while it may still."""
        line = _NEXT_LINE.search(self._pending, mark_end)
        if line is None:
            return None if not self._ended else False
        text = self._pending[line.end() :]
        item = _ITEM_MARK.match(text)
        if item is not None:
            return item.group(1) is None or int(item.group(1)) == number + 1
        if _ITEM_MARK_SO_FAR.fullmatch(text) and not self._ended:
            return None
        return False

    def _first_end_now(self) -> int | None:
        """The first piece's end at the end of the text so far: the first audio starts a
        token sooner (a token is ~55 ms of the default model on two cores)."""
        match = _FIRST_END_NOW.search(self._pending)
        if match is None or self._pending.count('"') % 2:
            return None  # an open quotation's closing mark may be the next token
        if match.group(1)[0] in ".!?":
            words = self._pending.split()
            word = _bare(words[-1])
            if _is_abbreviation(word):
                return None
            if word in _DECIDED_BY_NEXT and len(words) > 1:
                return None  # "at No." may go on ("No. 5"); a first "No." is an answer
        elif not 0 < self.first_clause_min_chars <= match.start(1):
            return None
        return len(self._pending)

    def _clause_cut(self) -> int | None:
        for match in _CLAUSE_END.finditer(self._pending):
            if match.start() >= self.first_clause_min_chars:
                return match.end()
        return None


def _bare(word: str) -> str:
    return word.lstrip(_OPENERS).lower()


def _is_abbreviation(word: str) -> bool:
    """Whether a bare word ending in a full stop is no sentence end."""
    if word in _DECIDED_BY_NEXT:
        return False
    return word in _ABBREVIATIONS or _INITIALS.fullmatch(word) is not None
