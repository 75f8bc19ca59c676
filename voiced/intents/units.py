"""Built-in plugin: units converted exactly (UnitConversion, voiced's own): "convert 10
miles to kilometers", "how many grams in a pound?", "what's 70 fahrenheit in celsius?",
"how many seconds in a day?". The model answered "I'm sorry, but I can't assist with that."

Length, weight, volume, speed, time and temperature. Volumes are US customary (a cup is
8 fluid ounces, a gallon 231 cubic inches), as voiced's voice is. "Ounces" are fluid
ounces beside a volume and weight ounces otherwise. "Ton" sounds the same as "tonne", and
Whisper spells either: a bare "ton" is answered both ways, as a US ton (2000 pounds) and
a metric ton (1000 kilograms); "tonnes", "metric tons" and "US tons" say which. Months and
years, which vary in length, are left out. Two units of different kinds ("miles to
kilograms") are refused by name, never guessed at.

Worked out with exact fractions, said in figures as Piper reads them: a whole result
exactly ("5280 feet"), any other to 4 significant figures, one decimal at most from 10
up ("16.1 kilometers", "1.609 kilometers"), and "about" where that leaves a whole number.

The templates match only numbers where numbers go; the handler reads the number again
from the words (voiced.numbers), with "a", "half a" and "one and a half" besides."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from voiced.intents import IntentContext, IntentError, IntentMatch, Plugin

# The number words and figures of the arithmetic plugin's templates, list and all.
from voiced.intents.arithmetic import DIGITS_LIST, NUMBER_RULES
from voiced.intents.ha_sentences import own_sentences
from voiced.numbers import parse_number, tokens

INTENT = "UnitConversion"
# How the question was asked (the fixed slot "asked"), which is how it is answered.
HOW_MANY, PER_UNIT = "how_many", "per_unit"


@dataclass(frozen=True)
class Unit:
    kind: str  # "length", "weight", ...: only units of one kind convert
    # Its size in the kind's base unit (meters, grams, milliliters, meters per second,
    # seconds, kelvins), plus `zero` for temperatures: kelvins = value * size + zero.
    size: Fraction
    one: str
    many: str
    written: tuple[str, ...] = ()  # abbreviations and British spellings, as Whisper writes
    zero: Fraction = Fraction(0)

    @property
    def a(self) -> str:
        """ "an inch", "an hour", but "a US ton" (said "you ess")."""
        return f"{'an' if self.one[0] in 'aeio' or self.one == 'hour' else 'a'} {self.one}"


_F = Fraction
_INCH = _F("0.0254")  # exact, by the 1959 agreement; a pound is 0.45359237 kg
_POUND = _F("453.59237")
_GALLON = 231 * _INCH**3 * 1_000_000  # in milliliters
UNITS = {
    "millimeter": Unit("length", _F(1, 1000), "millimeter", "millimeters",
                       ("mm", "millimetre", "millimetres")),
    "centimeter": Unit("length", _F(1, 100), "centimeter", "centimeters",
                       ("cm", "centimetre", "centimetres")),
    "meter": Unit("length", _F(1), "meter", "meters", ("m", "metre", "metres")),
    "kilometer": Unit("length", _F(1000), "kilometer", "kilometers",
                      ("km", "kms", "kilometre", "kilometres")),
    "inch": Unit("length", _INCH, "inch", "inches"),
    "foot": Unit("length", 12 * _INCH, "foot", "feet", ("ft",)),
    "yard": Unit("length", 36 * _INCH, "yard", "yards", ("yd", "yds")),
    "mile": Unit("length", 63360 * _INCH, "mile", "miles"),
    "milligram": Unit("weight", _F(1, 1000), "milligram", "milligrams", ("mg",)),
    "gram": Unit("weight", _F(1), "gram", "grams", ("g", "gramme", "grammes")),
    "kilogram": Unit("weight", _F(1000), "kilogram", "kilograms", ("kg", "kgs", "kilo", "kilos")),
    "weight_ounce": Unit("weight", _POUND / 16, "ounce", "ounces"),
    "pound": Unit("weight", _POUND, "pound", "pounds", ("lb", "lbs")),
    "stone": Unit("weight", 14 * _POUND, "stone", "stone", ("stones",)),
    "tonne": Unit("weight", _F(1_000_000), "metric ton", "metric tons", ("tonne", "tonnes")),
    "us_ton": Unit("weight", 2000 * _POUND, "US ton", "US tons", ("short ton", "short tons")),
    "milliliter": Unit("volume", _F(1), "milliliter", "milliliters",
                       ("ml", "mls", "millilitre", "millilitres")),
    "liter": Unit("volume", _F(1000), "liter", "liters", ("litre", "litres")),
    "teaspoon": Unit("volume", _GALLON / 768, "teaspoon", "teaspoons", ("tsp",)),
    "tablespoon": Unit("volume", _GALLON / 256, "tablespoon", "tablespoons", ("tbsp",)),
    "fluid_ounce": Unit("volume", _GALLON / 128, "fluid ounce", "fluid ounces", ("fl oz",)),
    "cup": Unit("volume", _GALLON / 16, "cup", "cups"),
    "pint": Unit("volume", _GALLON / 8, "pint", "pints"),
    "quart": Unit("volume", _GALLON / 4, "quart", "quarts"),
    "gallon": Unit("volume", _GALLON, "gallon", "gallons"),
    "mile_per_hour": Unit("speed", 63360 * _INCH / 3600, "mile per hour", "miles per hour",
                          ("mph", "miles an hour")),
    "kilometer_per_hour": Unit("speed", _F(1000, 3600), "kilometer per hour",
                               "kilometers per hour", ("km/h", "kph", "kmh", "km per hour",
                               "kilometres per hour", "kilometers an hour", "kilometres an hour")),
    "meter_per_second": Unit("speed", _F(1), "meter per second", "meters per second",
                             ("m/s", "metres per second")),
    "knot": Unit("speed", _F(1852, 3600), "knot", "knots"),
    "second": Unit("time", _F(1), "second", "seconds", ("sec", "secs")),
    "minute": Unit("time", _F(60), "minute", "minutes", ("min", "mins")),
    "hour": Unit("time", _F(3600), "hour", "hours", ("hr", "hrs")),
    "day": Unit("time", _F(86400), "day", "days"),
    "week": Unit("time", _F(604800), "week", "weeks"),
    "celsius": Unit("temperature", _F(1), "degree Celsius", "degrees Celsius",
                    ("celsius", "°c", "° c", "degrees c", "centigrade", "degrees centigrade"),
                    zero=_F("273.15")),
    "fahrenheit": Unit("temperature", _F(5, 9), "degree Fahrenheit", "degrees Fahrenheit",
                       ("fahrenheit", "°f", "° f", "degrees f"), zero=_F("459.67") * 5 / 9),
    "kelvin": Unit("temperature", _F(1), "kelvin", "kelvins",
                   ("degrees kelvin", "degree kelvin")),
}  # fmt: skip
# Words that name one unit or another; the question's other unit tells which
# (`_meant`), or, for a ton, both are answered.
OUNCE, TON, DEGREE = "ounce", "ton", "degree"
AMBIGUOUS = {
    OUNCE: ("ounce", "ounces", "oz"),
    TON: ("ton", "tons"),
    DEGREE: ("degree", "degrees", "°"),
}
TONS = ("us_ton", "tonne")  # voiced speaks American English: its ton first
_AMBIGUOUS_WORDS = {word for words in AMBIGUOUS.values() for word in words}
# The words of each unit, by id; a word of two units ("ounces") names the ambiguous one.
UNIT_WORDS = {
    **{
        unit_id: tuple(
            word
            for word in (unit.one.lower(), unit.many.lower(), *unit.written)
            if word not in _AMBIGUOUS_WORDS
        )
        for unit_id, unit in UNITS.items()
    },
    **AMBIGUOUS,
}

RULES = {
    **NUMBER_RULES,
    # "half", "a quarter", "two thirds", "1/2".
    "units_part": (
        "([a|one] (half|third|quarter)|<arith_number> (halves|thirds|quarters)|"
        "{_arith_digits}/{_arith_digits})"
    ),
    # "10", "a", "half a", "one and a half", "three quarters of a", "1 1/2".
    "units_amount": (
        "(a|an|<arith_number> [and <units_part>]|<units_part> [[of] (a|an)]|"
        "{_arith_digits} {_arith_digits}/{_arith_digits})"
    ),
    "units_from": "<units_amount> {units_unit:unit_from} [and a half]",
    "units_to": "{units_unit:unit_to}",
    "units_ask": "(<what_is>|what are|how much is|how much are)",
}
# Answered "10 miles is 16.1 kilometers."
IS_SENTENCES = [
    "[<units_ask>] <units_from> (in|to|into|as) <units_to>",
    "(convert|change|turn) <units_from> (to|into|in) <units_to>",
    "how many <units_to> (is|are|equals|equal|is equal to|are equal to) <units_from>",
    "<units_from> (is|are|equals|is equal to|in) how many <units_to>",
]
# No amount: per one unit, "1 mile is 1.609 kilometers.", or for temperatures the steps.
PER_UNIT_SENTENCES = [
    "(convert|change) [from] {units_unit:unit_from} (to|into) <units_to>",
    "how (do|can) (i|you) (convert|change|turn) [from] {units_unit:unit_from} (to|into) <units_to>",
]
# Answered "There are 453.6 grams in a pound."
HOW_MANY_SENTENCES = [
    "how many <units_to> [are|is] [there] (in|to) <units_from>",
    "how many <units_to> (make|make up|go into|fit in|fit into) <units_from>",
    "how many <units_to> (does|do) <units_from> (have|make)",
]
LISTS = {
    "units_unit": {
        "values": [
            {"in": word, "out": unit_id} for unit_id, words in UNIT_WORDS.items() for word in words
        ]
    },
    "_arith_digits": DIGITS_LIST,
}


def plugin() -> Plugin:
    blocks = [
        {"sentences": IS_SENTENCES},
        {"sentences": PER_UNIT_SENTENCES, "slots": {"asked": PER_UNIT}},
        {"sentences": HOW_MANY_SENTENCES, "slots": {"asked": HOW_MANY}},
    ]
    return Plugin(
        name="units",
        description="unit conversions: length, weight, volume, speed, time, temperature",
        sentences=own_sentences({INTENT: {"data": blocks}}, LISTS, RULES),
        handlers={INTENT: unit_conversion},
        side_effect_free=frozenset({INTENT}),
    )


def unit_conversion(match: IntentMatch, context: IntentContext) -> str:
    words = _words(match.text)
    source, target = str(match.slots.get("unit_from")), str(match.slots.get("unit_to"))
    if not {source, target} <= UNIT_WORDS.keys():  # a model's tool call may name anything
        return "Sorry, I don't know that unit."
    asked = match.slots.get("asked")
    amount = _F(1) if asked == PER_UNIT else amount_before(words, source)
    if amount is None:  # the templates let through words voiced.numbers cannot read
        return "Sorry, I didn't catch the number."
    readings = [(source, target)]
    if TON in (source, target):  # a bare "ton": each ton, the US ton first (as TONS are)
        readings = [
            (ton if source == TON else source, ton if target == TON else target) for ton in TONS
        ]
    return " ".join(
        converted(amount, _meant(one, other), _meant(other, one), asked) for one, other in readings
    )


def converted(amount: Fraction, source_id: str, target_id: str, asked: str | None) -> str:
    """The answer: "10 miles is 16.1 kilometers.", "There are 3 feet in a yard." """
    source, target = UNITS[source_id], UNITS[target_id]
    if source.kind != target.kind:
        raise IntentError(
            f"I can't convert {source.many} to {target.many}: {source.many} measure "
            f"{source.kind} and {target.many} measure {target.kind}."
        )
    if source.kind == "temperature" and asked == PER_UNIT:
        return temperature_steps(source_id, target_id)
    kelvins = amount * source.size + source.zero
    if source.kind == "temperature" and kelvins < 0:
        raise IntentError("Nothing is colder than absolute zero: minus 273.15 degrees Celsius.")
    value = (kelvins - target.zero) / target.size
    said = said_number(value)
    names = target.one if said in ("1", "minus 1") else target.many
    verb = "is" if said == "1" else "are"
    if "." not in said and value.denominator != 1:  # rounded to a whole number: not exact
        said = f"about {said}"
    if asked == HOW_MANY and source.kind != "temperature":  # a temperature is a point, not a size
        return f"There {verb} {said} {names} in {_amount_said(amount, source, a=True)}."
    return _capital(f"{_amount_said(amount, source, a=False)} is {said} {names}.")


# How a temperature becomes degrees Celsius, and how degrees Celsius become it.
TO_CELSIUS = {
    "celsius": [],
    "fahrenheit": ["subtract 32", "divide by 1.8"],
    "kelvin": ["subtract 273.15"],
}
FROM_CELSIUS = {
    "celsius": [],
    "fahrenheit": ["multiply by 1.8", "add 32"],
    "kelvin": ["add 273.15"],
}


def temperature_steps(source_id: str, target_id: str) -> str:
    """ "To convert degrees Celsius to degrees Fahrenheit, multiply by 1.8, then add 32." """
    steps = TO_CELSIUS[source_id] + FROM_CELSIUS[target_id]
    source, target = UNITS[source_id].many, UNITS[target_id].many
    if source_id == target_id:
        return f"{_capital(source)} are already {target}."
    said = ", ".join(steps[:-1]) + ", then " + steps[-1] if len(steps) > 1 else steps[0]
    return f"To convert {source} to {target}, {said}."


def _meant(unit_id: str, other_id: str) -> str:
    """The unit a word names beside the other unit of the question: "ounces" beside cups
    are fluid ounces, "degrees" beside Celsius are Fahrenheit."""
    if unit_id == OUNCE:
        other = UNITS.get(other_id)
        return "fluid_ounce" if other is not None and other.kind == "volume" else "weight_ounce"
    if unit_id == DEGREE:
        if other_id in ("kelvin", DEGREE):
            raise IntentError("Degrees Celsius or Fahrenheit? Say which, please.")
        # Beside no temperature at all: Celsius, refused for its kind.
        return "fahrenheit" if other_id == "celsius" else "celsius"
    return unit_id


def amount_before(words: list[str], unit_id: str) -> Fraction | None:
    """The amount said just before a unit's words ("10 miles", "half a cup"), with an
    "and a half" after them ("a pound and a half")."""
    phrases = sorted((_words(word) for word in UNIT_WORDS[unit_id]), key=len, reverse=True)
    for at in range(len(words)):
        for phrase in phrases:
            if not phrase or words[at : at + len(phrase)] != phrase:
                continue
            # The longest amount: "one and a half", not "a half".
            for start in range(max(0, at - MAX_AMOUNT_WORDS), at):
                amount = read_amount(words[start:at])
                if amount is not None:
                    after = words[at + len(phrase) : at + len(phrase) + 3]
                    return amount + _F(1, 2) if after == ["and", "a", "half"] else amount
    return None


# The most words an amount has: "two hundred and thirty four and a half".
MAX_AMOUNT_WORDS = 10
# A fraction's word -> its denominator.
PARTS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}


def read_amount(words: list[str]) -> Fraction | None:
    """ "10", "2.5", "a", "half a", "one and a half", "three quarters of a", "1 1/2"."""
    if words in (["a"], ["an"]):
        return _F(1)
    if words[-1:] in (["a"], ["an"]):  # "half a", "a quarter of a"
        words = words[:-2] if words[-2:-1] == ["of"] else words[:-1]
        return _part(words)
    number = parse_number(words)  # "one hundred and five" before "one and a half"
    if number is not None or "and" not in words:
        return number if number is not None else _part(words)
    at = len(words) - 1 - words[::-1].index("and")
    whole, part = parse_number(words[:at]), _part(words[at + 1 :])
    if whole is None or whole.denominator != 1 or part is None or not 0 < part < 1:
        return None
    return whole - part if whole < 0 else whole + part


def _part(words: list[str]) -> Fraction | None:
    """ "half", "a quarter", "two thirds", "1/2", "1 1/2"."""
    if len(words) >= 3 and words[-2] == "/":
        top, bottom = parse_number(words[-3:-2]), parse_number(words[-1:])
        whole = parse_number(words[:-3]) if len(words) > 3 else _F(0)
        if top is None or bottom is None or whole is None or bottom == 0:
            return None
        return whole + top / bottom
    if not words or words[-1] not in PARTS:
        return None
    count = _F(1) if words[:-1] in ([], ["a"]) else parse_number(words[:-1])
    return None if count is None else count / PARTS[words[-1]]


def _words(text: str) -> list[str]:
    """The tokens of a text or a unit's words, a degree sign a word: "70°F" is "70
    degrees f"."""
    text = text.replace("℃", "°c").replace("℉", "°f").replace("°", " degrees ")
    return tokens(text)


# Figures said of a result that is not whole; from 10 up, one decimal at most ("16.1").
SIGNIFICANT = 4


def said_number(value: Fraction) -> str:
    """A result as Piper reads it: "5280", "16.1", "1.609", "0.6214", "minus 40". Whole
    numbers are said exactly, others to SIGNIFICANT figures, the whole part kept."""
    size = abs(value)
    if size.denominator == 1:
        places = 0
    elif size >= 10:
        places = 1 if size < 10 ** (SIGNIFICANT - 1) else 0
    else:
        places = SIGNIFICANT - 1 - math.floor(math.log10(size))
    return _decimal(value, places)


def _amount_said(amount: Fraction, unit: Unit, a: bool) -> str:
    """The amount asked about: "a mile" (or "1 mile"), "half a cup", "2.5 pounds"."""
    if amount == 1:
        return unit.a if a else f"1 {unit.one}"
    if amount in PARTS_SAID:
        return f"{PARTS_SAID[amount]} {unit.a}"
    # As given, every place of it ("1234.56"); one that never ends ("1/3") rounded.
    exact = (amount * 10**6).denominator == 1
    said = _decimal(amount, 6) if exact else said_number(amount)
    return f"{said} {unit.one if said in ('1', 'minus 1') else unit.many}"


# Fractions said as they are asked ("two thirds of a cup"), not as decimals.
PARTS_SAID = {
    _F(1, 2): "half", _F(1, 3): "a third of", _F(2, 3): "two thirds of",
    _F(1, 4): "a quarter of", _F(3, 4): "three quarters of",
}  # fmt: skip


def _decimal(value: Fraction, places: int) -> str:
    """ "minus 40", "16.1": rounded half up to `places`, without trailing zeros."""
    size = Decimal(abs(value.numerator)) / Decimal(value.denominator)
    rounded = size.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"minus {text}" if value < 0 and text != "0" else text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
