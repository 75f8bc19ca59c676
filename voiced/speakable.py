"""LLM text made speakable: markdown, code, emoji and URLs are not read out symbol by symbol."""

from __future__ import annotations

import re
import unicodedata

_SPOKEN_SYMBOLS = "\u00b0\u00a9\u00ae\u2122"  # ° © ® ™
# Symbols Piper says nothing for, as the ones it reads.
_AS_READ = str.maketrans({"\u2103": "\u00b0C", "\u2109": "\u00b0F"})
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`([^`]*)`")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~)(\S(?:.*?\S)?)\1")
_LINE_MARKS = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_LEFTOVER_MARKS = re.compile(r"[*#`|~]+")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,!?;:](?!\w))")
# Arithmetic between numbers, taken before a `*` can pass for emphasis ("2*3*4").
_TIMES = re.compile(r"(?<=\d) *\* *(?=\d)")
_POWER = re.compile(r"(?<=\d) *(?:\*\*|\^) *(?=\d)")
# "~5 minutes"; not a strikethrough "~~".
_ABOUT = re.compile(r"(?<![~\w])~ ?(?=[\d$\u20ac\u00a3])")
FENCE = "```"


def speakable(text: str) -> str:
    """One sentence as it should be spoken; empty when nothing in it is speakable."""
    text = text.translate(_AS_READ)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("a link", text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _POWER.sub(" to the power of ", text)
    text = _TIMES.sub(" times ", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _LINE_MARKS.sub("", text)
    text = _ABOUT.sub("about ", text)
    text = _LEFTOVER_MARKS.sub(" ", text)
    text = "".join(ch for ch in text if not _is_pictograph(ch))
    text = _SPACE_BEFORE_STOP.sub(r"\1", text)  # left where a symbol was dropped
    return re.sub(r"\s+", " ", text).strip()


def _is_pictograph(ch: str) -> bool:
    # Emoji and other symbols (So), with their skin tones (Sk), keycaps (Me) and flag tags
    # (Cf), and the joiners and selectors that glue emoji together. Piper says the symbols
    # kept ("100°C": "one hundred degrees C").
    if ch in _SPOKEN_SYMBOLS:
        return False
    return (
        unicodedata.category(ch) == "So"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0020" <= ch <= "\U000e007f"
        or ch in "\u200d\ufe0f\u20e3"
    )


class CodeBlockFilter:
    """Drops fenced code blocks from streamed text: code is shown, not read aloud."""

    def __init__(self) -> None:
        self._in_code = False
        self._pending = ""
        self.dropped_code = False

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        # A fence may arrive split across pieces: hold back a trailing run of backticks.
        held = len(text) - len(text.rstrip("`"))
        self._pending = text[len(text) - held :] if held and held < len(FENCE) + 1 else ""
        text = text[: len(text) - len(self._pending)]
        out = []
        while text:
            fence = text.find(FENCE)
            if fence < 0:
                if not self._in_code:
                    out.append(text)
                break
            if not self._in_code:
                out.append(text[:fence])
                self.dropped_code = True
            self._in_code = not self._in_code
            text = text[fence + len(FENCE) :]
        return "".join(out)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return "" if self._in_code else rest
