"""Cuts a stream of LLM tokens into sentences that can be spoken as soon as each is complete."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (and their closing quotes or brackets) followed by white space.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s")
# Where a long first sentence may be cut early, to start speaking sooner.
_CLAUSE_END = re.compile(r"[,;:\u2014]\s")
# The first sentence or clause may end with the text streamed so far, without waiting a
# token for the space (or the end) after it: after a word of two letters or more, so not
# inside a number ("3.") or initials ("U.S.").
_FIRST_END_NOW = re.compile(r"[^\W\d_]{2}([.!?]+[\"')\]]*|[,;:\u2014])$")
# Endings that look like a sentence end but are not ("Dr. Smith", "e.g. this").
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.")


class SentenceSplitter:
    """Feed text as it streams; get back whole sentences, in order.

    With `first_clause_min_chars` > 0 the first piece may end at a clause boundary
    (a comma, semicolon, colon or dash) once it is at least that long, so the
    first audio starts before a long first sentence is complete.
    """

    def __init__(self, first_clause_min_chars: int = 0) -> None:
        self.first_clause_min_chars = first_clause_min_chars
        self._pending = ""
        self._emitted = 0

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
        piece = self._pending[:cut].strip()
        self._pending = self._pending[cut:].lstrip()
        if not piece:
            return None
        self._emitted += 1
        return piece

    def _sentence_cut(self) -> int | None:
        for match in _SENTENCE_END.finditer(self._pending):
            before = self._pending[: match.start() + 1].split()
            last_word = before[-1].lower() if before else ""
            if last_word in _ABBREVIATIONS:
                continue
            return match.end()
        return None

    def _first_end_now(self) -> int | None:
        """The first piece's end at the end of the text so far: the first audio starts a
        token sooner (a token is ~55 ms of the default model on two cores)."""
        match = _FIRST_END_NOW.search(self._pending)
        if match is None or self._pending.count('"') % 2:
            return None  # an open quotation's closing mark may be the next token
        if match.group(1)[0] in ".!?":
            words = self._pending.split()
            if words[-1].lower() in _ABBREVIATIONS:
                return None
        elif not 0 < self.first_clause_min_chars <= match.start(1):
            return None
        return len(self._pending)

    def _clause_cut(self) -> int | None:
        for match in _CLAUSE_END.finditer(self._pending):
            if match.start() >= self.first_clause_min_chars:
                return match.end()
        return None
