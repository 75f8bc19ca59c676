"""LLM text made speakable: markdown, code, emoji and URLs are not read out symbol by symbol,
and numbers in common written forms ("5-10", "$3.50", "1/2") are said in words."""

from __future__ import annotations

import re
import unicodedata

from voiced.numbers import in_words

_SPOKEN_SYMBOLS = "\u00b0\u00a9\u00ae\u2122"  # ° © ® ™
# Symbols Piper says nothing for, as the ones it reads.
_AS_READ = str.maketrans({"\u2103": "\u00b0C", "\u2109": "\u00b0F"})
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`([^`]*)`")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~)(\S(?:.*?\S)?)\1")
_LINE_MARKS = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d{1,2}[.)]\s+)", re.MULTILINE)
_LEFTOVER_MARKS = re.compile(r"[*#`|~]+")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,!?;:](?!\w))")
# Arithmetic between numbers, taken before a `*` can pass for emphasis ("2*3*4").
_TIMES = re.compile(r"(?<=\d) *\* *(?=\d)")
_POWER = re.compile(r"(?<=\d) *(?:\*\*|\^) *(?=\d)")
# "~5 minutes"; not a strikethrough "~~".
_ABOUT = re.compile(r"(?<![~\w])~ ?(?=[\d$\u20ac\u00a3])")
# "5-10", "1990-1995", "9:00-17:30", "$5 - $10": a range, not a dash; not in a chain ("2024-01-05").
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:[.:]\d+)?"  # 1,000, 5, 2.5, 9:30
_CURRENCY = "$\u20ac\u00a3"  # $ € £
_RANGE = re.compile(
    rf"(?<![\w.,/-])([{_CURRENCY}]?)({_NUMBER})(?:-|\s?\u2013\s?|\s-\s(?=[{_CURRENCY}]))"
    rf"([{_CURRENCY}]?)({_NUMBER})(?![\d/-]|[.,]\d)"
)
_MONEY = re.compile(
    r"(?:(?<![^\W\d_])(US|A|C|NZ|HK)(?=\$))?"
    rf"([{_CURRENCY}])(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(\d\d?))?(?![.,]?\d)"
    r"(?: (thousand|million|billion|trillion)\b)?"
)
# A currency's (unit, units, cent, cents).
_MONEY_NAMES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "\u20ac": ("euro", "euros", "cent", "cents"),
    "\u00a3": ("pound", "pounds", "penny", "pence"),
}
# Whose dollars: "US$5" is "5 US dollars".
_DOLLAR_COUNTRIES = {
    "US": "US",
    "A": "Australian",
    "C": "Canadian",
    "NZ": "New Zealand",
    "HK": "Hong Kong",
}
# "1/2 cup", "1 3/4 hours", "1-1/2 cups", "2/3rds", "7/10", "-1/2"; a date ("3/15", "1/2/2024"),
# "24/7" or a fraction that runs into a word ("1/2x") is left alone.
_FRACTION = re.compile(
    r"(?<![\w/.,-])(-?)(?:(\d{1,2})[ -])?([1-9])/([2-9]|10)(?:(?:st|nd|rd|th)s?)?"
    r"(?![\w/]|[.,]\d)(?=(\s+of\b)?)"
)
_DENOMINATORS = {
    2: ("half", "halves"),
    3: ("third", "thirds"),
    4: ("quarter", "quarters"),
    5: ("fifth", "fifths"),
    6: ("sixth", "sixths"),
    7: ("seventh", "sevenths"),
    8: ("eighth", "eighths"),
    9: ("ninth", "ninths"),
    10: ("tenth", "tenths"),
}
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
    text = _RANGE.sub(_range, text)
    text = _MONEY.sub(_money, text)
    text = _FRACTION.sub(_fraction, text)
    text = _LEFTOVER_MARKS.sub(" ", text)
    text = "".join(ch for ch in text if not _is_pictograph(ch))
    text = _SPACE_BEFORE_STOP.sub(r"\1", text)  # left where a symbol was dropped
    return re.sub(r"\s+", " ", text).strip()


def _range(match: re.Match[str]) -> str:
    """A rising range said "5 to 10"; a fall ("10-5") may be a score and "555-1234" a
    phone number: those are left as written. A phone number's exchange does not start
    with 0 or 1, and round numbers ("500-2000") are a range."""
    first_currency, first, second_currency, second = match.groups()
    phone_like = (
        not first_currency
        and len(first) == 3
        and len(second) == 4
        and first[0] not in "01"
        and not (first.endswith("0") and second.endswith("00"))
    )
    if _value(first) >= _value(second) or phone_like:
        return match.group()
    return f"{first_currency}{first} to {second_currency}{second}"


def _value(number: str) -> float:
    return float(
        number.replace(",", "").replace(":", ".")
    )  # 9:30 before 10:15, as 9.30 before 10.15


def _money(match: re.Match[str]) -> str:
    """An amount said "3 dollars 50 cents": Piper reads "$3.50" "dollar three point five zero"."""
    country, currency, whole, hundredths, scale = match.groups()
    unit, units, cent, cents_name = _MONEY_NAMES[currency]
    if country:
        unit, units = (
            f"{_DOLLAR_COUNTRIES[country]} {unit}",
            f"{_DOLLAR_COUNTRIES[country]} {units}",
        )
    if scale:  # "$2.5 million": the amount as written, then its unit
        amount = f"{whole}.{hundredths}" if hundredths else whole
        return f"{amount} {scale} {units}"
    cents = int(hundredths.ljust(2, "0")) if hundredths else 0
    said = [] if whole == "0" and cents else [f"{whole} {unit if whole == '1' else units}"]
    if cents:
        said.append(f"{cents} {cent if cents == 1 else cents_name}")
    return " ".join(said)


def _fraction(match: re.Match[str]) -> str:
    """A fraction below 1 said "one half", "three quarters", "1 and a half"; "5/3" is left
    as written. Out of 10 is more often a rating or a count than a fraction: "7/10" is
    said "7 out of 10", and "tenths" kept for "1/10 of a second" and "2 3/10"."""
    sign, whole, numerator, denominator, of = match.groups()
    numerator, denominator = int(numerator), int(denominator)
    if numerator >= denominator:
        return match.group()
    minus = "minus " if sign else ""  # Piper says nothing for a "-" before a word
    if denominator == 10 and not whole and not of:
        return f"{minus}{numerator} out of {denominator}"
    name, names = _DENOMINATORS[denominator]
    if whole:
        fraction = f"a {name}" if numerator == 1 else f"{in_words(str(numerator))} {names}"
        return f"{minus}{whole} and {fraction}"
    return f"{minus}{in_words(str(numerator))} {name if numerator == 1 else names}"


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
