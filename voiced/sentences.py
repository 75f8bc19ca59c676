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
# piece before it, with or without a full stop.
_LINE_CUT = re.compile(r"\S\s*?(\n)(?=[ \t]*(?:\d+[.)]|[-*+])[ \t]|[ \t]*\n)")
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
    """

    def __init__(self, first_clause_min_chars: int = 0) -> None:
        self.first_clause_min_chars = first_clause_min_chars
        self._pending = ""
        self._emitted = 0
        # Whether the pending text begins a line: a number there is a list item's mark.
        self._at_line_start = True

    def feed(self, text: str) -> list[str]:
        self._pending += text
        pieces: list[str] = []
        while True:
            piece = self._next_piece()
            if piece is None:
                return pieces
            pieces.append(piece)

    def flush(self) -> list[str]:
        rest = self._pending.strip()
        self._pending = ""
        if rest:
            self._emitted += 1
            return [rest]
        return []

    def _next_piece(self) -> str | None:
        cut = self._sentence_cut()
        if cut is None and self._emitted == 0 and self.first_clause_min_chars > 0:
            cut = self._clause_cut()
        if cut is None and self._emitted == 0:
            cut = self._first_end_now()
        if cut is None:
            return None
        head, rest = self._pending[:cut], self._pending[cut:]
        piece = head.strip()
        self._pending = rest.lstrip()
        gap = head[len(head.rstrip()) :] + rest[: len(rest) - len(self._pending)]
        self._at_line_start = "\n" in gap
        if not piece:
            return None
        self._emitted += 1
        return piece

    def _sentence_cut(self) -> int | None:
        line = _LINE_CUT.search(self._pending)
        line_cut = line.start(1) if line else None
        for match in _SENTENCE_END.finditer(self._pending):
            if line_cut is not None and match.end() > line_cut:
                break
            before = self._pending[: match.start() + 1].split()
            word = _bare(before[-1]) if before else ""
            if _is_abbreviation(word) or self._is_list_number(match.start()):
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

    def _is_list_number(self, stop: int) -> bool:
        """Whether the full stop at `stop` follows a number alone at the start of a line:
        the mark of a list item ("2. milk"), which speakable leaves unsaid."""
        before = self._pending[:stop]
        line_start = before.rfind("\n") + 1
        if line_start == 0 and not self._at_line_start:
            return False
        return self._pending[stop] == "." and before[line_start:].strip(" \t").isdigit()

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
