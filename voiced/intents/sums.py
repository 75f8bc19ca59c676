"""Sums read from a question ("what is twelve times twelve", "two plus two times three")
and answered in a sentence ("12 times 12 is 144."), exactly: fractions, not floats, so
0.1 + 0.2 is 0.3."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from voiced.numbers import parse_number, tokens

# What may come before and after the sum: "what's", "how much is", "please", "equal".
ASKS = [
    ["what", "is"], ["what's"], ["whats"], ["tell", "me"], ["how", "much", "is"],
    ["calculate"], ["compute"], ["work", "out"], ["what", "does"],
]  # fmt: skip
SKIPS = [
    ["please"], ["can", "you"], ["could", "you"], ["would", "you"], ["for", "me"],
    ["i'd", "like", "to"], ["i'd", "like"], ["i", "want"],
]  # fmt: skip
ENDINGS = [["equal"], ["equals"], ["make"], ["="]]
# Operator words -> the operator, and how the answer says it.
OPERATORS: dict[tuple[str, ...], str] = {
    ("plus",): "+", ("and",): "+", ("+",): "+",
    ("minus",): "-", ("-",): "-",
    ("times",): "*", ("multiplied", "by"): "*", ("x",): "*", ("*",): "*", ("×",): "*",
    ("divided", "by"): "/", ("over",): "/", ("/",): "/", ("÷",): "/",
    ("to", "the", "power", "of"): "^", ("^",): "^",
    ("percent", "of"): "%", ("%", "of"): "%",
}  # fmt: skip
SAID = {
    "+": "plus", "-": "minus", "*": "times", "/": "divided by",
    "^": "to the power of", "%": "percent of",
}  # fmt: skip
# The operators a sum of more than two numbers may chain ("two plus two times three"),
# worked out as arithmetic is taught: times and divided by first, then left to right.
# Not "and" ("one hundred and five times two" is 105 times 2), nor powers or percents.
CHAINED = frozenset({"+", "-", "*", "/"})
NOT_CHAINING = frozenset({("and",)})
# The most numbers in one sum: as many as the templates match.
MAX_CHAINED = 4
# Decimals said of a result: at most this many places ("1/3 is about 0.3333"). The
# numbers of the question are said as they were given, every place of them.
PLACES = 4
# Whole numbers longer than this are said as a power of ten ("about 1.27 times 10 to the
# power of 30"): Piper reads long digit strings one digit at a time.
MAX_DIGITS = 15
# The largest exponent, and the most digits of a power, worked out exactly; above them
# only the size of the result is said.
MAX_EXACT_EXPONENT = 200
MAX_EXACT_DIGITS = 1000


@dataclass(frozen=True)
class Sum:
    operator: str  # + - * / ^ % or "sqrt"
    left: Fraction
    right: Fraction | None = None


@dataclass(frozen=True)
class Chain:
    """A sum of three or more numbers: numbers[0] operators[0] numbers[1] ..."""

    numbers: tuple[Fraction, ...]
    operators: tuple[str, ...]  # each in CHAINED


def read_sum(text: str) -> Sum | Chain | None:
    """The sum a question asks for; None when its words are not one."""
    words = _without(tokens(text), SKIPS)
    for ask in ASKS:
        if words[: len(ask)] == ask:
            words = words[len(ask) :]
            break
    for ending in ENDINGS:
        if len(words) > len(ending) and words[-len(ending) :] == ending:
            words = words[: -len(ending)]
    if words[:1] == ["the"]:
        words = words[1:]
    if words[:3] == ["square", "root", "of"]:
        number = parse_number(words[3:])
        return None if number is None else Sum("sqrt", number)
    if words and words[-1] in ("squared", "cubed"):
        number = parse_number(words[:-1])
        power = Fraction(2 if words[-1] == "squared" else 3)
        return None if number is None else Sum("^", number, power)
    for at in range(1, len(words)):
        for said, operator in OPERATORS.items():
            if tuple(words[at : at + len(said)]) != said:
                continue
            left, right = parse_number(words[:at]), parse_number(words[at + len(said) :])
            if left is not None and right is not None:
                return Sum(operator, left, right)
    chained = _chained(words, MAX_CHAINED)
    if chained is not None and len(chained.numbers) > 2:
        return chained
    return None


def _chained(words: list[str], most: int) -> Chain | None:
    """`words` as numbers between chaining operators, at most `most` numbers; the first
    operator that leaves a number before it and a chain after it splits them."""
    for at in range(1, len(words)):
        for said, operator in OPERATORS.items():
            if operator not in CHAINED or said in NOT_CHAINING or most < 2:
                continue
            if tuple(words[at : at + len(said)]) != said:
                continue
            left = parse_number(words[:at])
            rest = None if left is None else _chained(words[at + len(said) :], most - 1)
            if left is not None and rest is not None:
                return Chain((left, *rest.numbers), (operator, *rest.operators))
    number = parse_number(words)
    return None if number is None else Chain((number,), ())


def chain_value(chain: Chain) -> Fraction | None:
    """What the chain comes to, times and divided by first; None where it divides by 0."""
    terms, signs = [chain.numbers[0]], []
    for operator, number in zip(chain.operators, chain.numbers[1:], strict=True):
        if operator == "/" and number == 0:
            return None
        if operator == "*":
            terms[-1] *= number
        elif operator == "/":
            terms[-1] /= number
        else:
            terms.append(number)
            signs.append(operator)
    total = terms[0]
    for sign, term in zip(signs, terms[1:], strict=True):
        total = total + term if sign == "+" else total - term
    return total


def _without(words: list[str], phrases: list[list[str]]) -> list[str]:
    out: list[str] = []
    at = 0
    while at < len(words):
        skip = next((p for p in phrases if words[at : at + len(p)] == p), None)
        if skip is None:
            out.append(words[at])
        at += len(skip) if skip else 1
    return out


def answer(asked: Sum | Chain) -> str:
    """The sentence that answers `asked`."""
    if isinstance(asked, Chain):
        value = chain_value(asked)
        if value is None:
            return "You can't divide by zero."
        said = [_given(asked.numbers[0])]
        for operator, number in zip(asked.operators, asked.numbers[1:], strict=True):
            said += [SAID[operator], _given(number)]
        return f"{_capital(' '.join(said))} is {spoken(value)}."
    left = _given(asked.left)
    if asked.operator == "sqrt":
        if asked.left < 0:
            return f"{_capital(left)} has no real square root."
        return f"The square root of {left} is {spoken(_square_root(asked.left))}."
    right = asked.right if asked.right is not None else Fraction(0)
    if asked.operator == "^" and asked.left == 0 and right < 0:
        return "You can't divide by zero."
    question = f"{left} {SAID[asked.operator]} {_given(right)}"
    if asked.operator == "^" and right in (2, 3) and asked.right is not None:
        question = f"{left} {'squared' if right == 2 else 'cubed'}"
    if asked.operator == "/" and right == 0:
        return "You can't divide by zero."
    if asked.operator == "^":
        return f"{_capital(question)} is {_power(asked.left, right)}."
    value = {
        "+": lambda: asked.left + right,
        "-": lambda: asked.left - right,
        "*": lambda: asked.left * right,
        "/": lambda: asked.left / right,
        "%": lambda: asked.left * right / 100,
    }[asked.operator]()
    return f"{_capital(question)} is {spoken(value)}."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def spoken(value: Fraction | float) -> str:
    """A number as Piper should read it: "144", "2.5", "minus 5", "about 0.3333"."""
    text, rounded = _decimal(value)
    return f"about {text}" if rounded else text


def _given(value: Fraction) -> str:
    """A number of the question, said as it was given ("123456.5", "3.14159"): every
    place of a decimal, unless it is too long to say (then as `spoken`)."""
    places = _places(value)
    if places is None or places > MAX_DIGITS or abs(value) >= 10**MAX_DIGITS:
        return spoken(value)
    sign = "minus " if value < 0 else ""
    digits = str(abs(value) * 10**places).rjust(places + 1, "0")
    return sign + (f"{digits[:-places]}.{digits[-places:]}" if places else digits)


def _places(value: Fraction) -> int | None:
    """The decimal places a number has (2 for 0.25), None if it never ends (1/3)."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None


def _decimal(value: Fraction | float) -> tuple[str, bool]:
    """The number in digits, and whether it was rounded to say it: a whole number of up
    to MAX_DIGITS digits, or a decimal of up to PLACES places, is said exactly."""
    exact = Fraction(value)
    if exact == 0:
        return "0", False
    sign = "minus " if exact < 0 else ""
    size = abs(exact)
    if size >= 10**MAX_DIGITS:
        text, about = _power_of_ten(size)
        return sign + text, about
    places = PLACES
    if size < Fraction(1, 10**PLACES):  # 0.00001234: four digits after the zeros
        places = min(PLACES - 1 - math.floor(math.log10(size)), 12)
    rounded = Decimal(size.numerator) / Decimal(size.denominator)
    rounded = rounded.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if rounded == 0:
        return "almost 0", False
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return sign + text, Fraction(rounded) != size


def _power_of_ten(size: Fraction) -> tuple[str, bool]:
    """A huge number by its size ("1.27 times 10 to the power of 30"), and whether that
    was rounded."""
    whole = math.floor(size)
    # The number of digits, less one: from the bits (within one), then made exact.
    exponent = int((whole.bit_length() - 1) * math.log10(2))
    while 10 ** (exponent + 1) <= whole:
        exponent += 1
    while 10**exponent > whole:
        exponent -= 1
    mantissa = Fraction(size, 10**exponent)
    said = Decimal(mantissa.numerator) / Decimal(mantissa.denominator)
    said = said.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if said >= 10:
        said, exponent = said / 10, exponent + 1
    text = f"{said:f}".rstrip("0").rstrip(".")
    return f"{text} times 10 to the power of {exponent}", Fraction(said) * 10**exponent != size


def _size_of(log10: float) -> str:
    """A number known only by its size, its log10: "1.07 times 10 to the power of 301"."""
    exponent = math.floor(log10)
    mantissa = round(10 ** (log10 - exponent), 2)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:g} times 10 to the power of {exponent}"


def _square_root(value: Fraction) -> Fraction | float:
    top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
    if top * top == value.numerator and bottom * bottom == value.denominator:
        return Fraction(top, bottom)
    return math.sqrt(value.numerator) / math.sqrt(value.denominator)


def _power(base: Fraction, exponent: Fraction) -> str:
    """base ** exponent, said: exactly when small enough, else by its size."""
    if base == 0:
        return "0" if exponent > 0 else "1"
    if base < 0 and exponent.denominator != 1:
        return "not a real number"
    negative = base < 0 and exponent.numerator % 2 == 1
    sign = "minus " if negative else ""
    size_log10 = float(exponent) * math.log10(abs(base))
    if size_log10 < -12:
        return "almost 0"
    whole = exponent.denominator == 1
    if whole and abs(exponent) <= MAX_EXACT_EXPONENT and size_log10 < MAX_EXACT_DIGITS:
        return spoken(base ** int(exponent))
    if size_log10 >= MAX_DIGITS:
        if whole and _is_power_of_ten(abs(base)):  # 10 to the power of a billion
            return f"{sign}1 times 10 to the power of {round(size_log10)}"
        return f"about {sign}{_size_of(size_log10)}"
    size = abs(float(base)) ** float(exponent)
    return spoken(-size if negative else size)


def _is_power_of_ten(value: Fraction) -> bool:
    """Whether `value` is 1, 10, 100, 1000, ..."""
    if value.denominator != 1 or value < 1:
        return False
    whole = value.numerator
    while whole % 10 == 0:
        whole //= 10
    return whole == 1
