"""Units converted exactly (UnitConversion, units.py): phrasings through the real matcher,
the exact spoken answers, the refusal of two kinds, and the texts left to other intents."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from tests.fakes import bare_context
from voiced.config import Config, parse_config
from voiced.intents import IntentError
from voiced.intents.engine import IntentEngine
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.intents.units import INTENT, read_amount, said_number, unit_conversion
from voiced.numbers import tokens


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


def ask(matcher: IntentMatcher, text: str) -> str:
    """The answer, or the refusal, as it is spoken."""
    match = matcher.match(text)
    assert match is not None and match.name == INTENT, (text, match)
    try:
        return unit_conversion(match, bare_context())
    except IntentError as err:
        return str(err)


@pytest.mark.parametrize(
    "asked",
    [
        "convert 10 miles to kilometers",
        "Convert 10 miles to kilometers.",
        "What is 10 miles in kilometers?",
        "What's 10 miles in km?",
        "How many kilometers is 10 miles?",
        "10 miles in km",
        "10 miles to kilometres",
        "What is ten miles in kilometers?",
        "Can you convert 10 miles to kilometers, please?",
        "10 miles is how many kilometers?",
        "Change 10 miles into kilometers.",
    ],
)
def test_ten_miles_is_the_same_however_it_is_asked(matcher: IntentMatcher, asked: str) -> None:
    assert ask(matcher, asked) == "10 miles is 16.1 kilometers."


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("How many kilometers are in 10 miles?", "There are 16.1 kilometers in 10 miles."),
        ("How many grams in a pound?", "There are 453.6 grams in a pound."),
        ("How many ounces are in a cup?", "There are 8 fluid ounces in a cup."),
        ("How many teaspoons in a tablespoon?", "There are 3 teaspoons in a tablespoon."),
        ("How many feet in a mile?", "There are 5280 feet in a mile."),
        ("How many centimeters in an inch?", "There are 2.54 centimeters in an inch."),
        ("How many feet in a yard?", "There are 3 feet in a yard."),
        ("How many ounces in a pound?", "There are 16 ounces in a pound."),
        ("How many oz in a lb?", "There are 16 ounces in a pound."),
        ("How many seconds in a day?", "There are 86400 seconds in a day."),
        ("How many hours in a week?", "There are 168 hours in a week."),
        ("How many minutes are in an hour?", "There are 60 minutes in an hour."),
        ("How many cups are there in a gallon?", "There are 16 cups in a gallon."),
        ("How many pints in a quart?", "There are 2 pints in a quart."),
        ("How many yards in a mile?", "There are 1760 yards in a mile."),
        ("How many pounds in a stone?", "There are 14 pounds in a stone."),
        ("How many litres in a gallon?", "There are 3.785 liters in a gallon."),
        ("how many miles in a kilometer", "There are 0.6214 miles in a kilometer."),
        ("How many millimetres in a metre?", "There are 1000 millimeters in a meter."),
        ("How many tsp in a tbsp?", "There are 3 teaspoons in a tablespoon."),
        ("How many ml in 8 fl oz?", "There are 236.6 milliliters in 8 fluid ounces."),
        ("How many grams in a kilo?", "There are 1000 grams in a kilogram."),
        ("How many kilograms in a tonne?", "There are 1000 kilograms in a metric ton."),
        ("how many kilometers in 1000 meters", "There is 1 kilometer in 1000 meters."),
        # Numbers in words, fractions and "and a half".
        ("How many grams in one and a half pounds?", "There are 680.4 grams in 1.5 pounds."),
        ("How many tablespoons in half a cup?", "There are 8 tablespoons in half a cup."),
        ("How many minutes in an hour and a half?", "There are 90 minutes in 1.5 hours."),
        ("How many ml in 1/2 cup?", "There are 118.3 milliliters in half a cup."),
        ("How many ml in 1 1/2 cups?", "There are 354.9 milliliters in 1.5 cups."),
        (
            "How many minutes in a quarter of an hour?",
            "There are 15 minutes in a quarter of an hour.",
        ),
        (
            "How many grams in three quarters of a pound?",
            "There are 340.2 grams in three quarters of a pound.",
        ),
        ("how many hours in two days", "There are 48 hours in 2 days."),
        ("What is a hundred miles in km?", "100 miles is 160.9 kilometers."),
        ("what is twenty five miles in km", "25 miles is 40.2 kilometers."),
        ("What's 2 and a half kilos in pounds?", "2.5 kilograms is 5.512 pounds."),
        ("What is .5 miles in feet?", "Half a mile is 2640 feet."),
        ("What is 1,000 meters in miles?", "1000 meters is 0.6214 miles."),
        ("What is 3 million seconds in days?", "3000000 seconds is 34.7 days."),
        ("what's two thirds of a cup in tablespoons", "Two thirds of a cup is 10.7 tablespoons."),
        ("what is 1/3 cup in ml", "A third of a cup is 78.9 milliliters."),
        # One, said singular.
        ("1 mile in kilometers", "1 mile is 1.609 kilometers."),
        ("What is 12 inches in feet?", "12 inches is 1 foot."),
        ("What is 5 foot in centimeters?", "5 feet is 152.4 centimeters."),
        # Speeds.
        ("What is 60 mph in km/h?", "60 miles per hour is 96.6 kilometers per hour."),
        (
            "What's 100 kilometers per hour in miles per hour?",
            "100 kilometers per hour is 62.1 miles per hour.",
        ),
        ("What's 10 m/s in km/h?", "10 meters per second is 36 kilometers per hour."),
        ("How many meters per second is 10 knots?", "10 knots is 5.144 meters per second."),
        ("What is 1 knot in miles per hour?", "1 knot is 1.151 miles per hour."),
        # Weights and volumes.
        ("how many stone is 80 kg", "80 kilograms is 12.6 stone."),
        ("What's 2.5 liters in cups?", "2.5 liters is 10.6 cups."),
        ("Turn 10 minutes into seconds.", "10 minutes is 600 seconds."),
        # Rounded to a whole number, it says so.
        ("How many meters in a mile?", "There are about 1609 meters in a mile."),
        ("Convert 5 kilos to pounds.", "5 kilograms is about 11 pounds."),
        # Pounds of weight, not money; a decimal of hours, no timer (were left to the model).
        ("How much is a pound in kilograms?", "1 pound is 0.4536 kilograms."),
        ("Convert 100 grams to pounds.", "100 grams is 0.2205 pounds."),
        ("How much is 100 pounds in kilograms?", "100 pounds is 45.4 kilograms."),
        ("what is 1.25 hours in minutes", "1.25 hours is 75 minutes."),
    ],
)
def test_answers_are_exact_and_said_plainly(matcher: IntentMatcher, asked: str, said: str) -> None:
    assert ask(matcher, asked) == said


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("What's 70 Fahrenheit in Celsius?", "70 degrees Fahrenheit is 21.1 degrees Celsius."),
        ("What's 70°F in °C?", "70 degrees Fahrenheit is 21.1 degrees Celsius."),
        ("What is 20° C in Fahrenheit?", "20 degrees Celsius is 68 degrees Fahrenheit."),
        (
            "Convert 20 degrees Celsius to Fahrenheit.",
            "20 degrees Celsius is 68 degrees Fahrenheit.",
        ),
        (
            "Minus 40 Celsius in Fahrenheit.",
            "Minus 40 degrees Celsius is minus 40 degrees Fahrenheit.",
        ),
        ("What's -40°F in Celsius?", "Minus 40 degrees Fahrenheit is minus 40 degrees Celsius."),
        (
            "What is 98.6 degrees Fahrenheit in Celsius?",
            "98.6 degrees Fahrenheit is 37 degrees Celsius.",
        ),
        ("what's 300 kelvin in celsius", "300 kelvins is 26.9 degrees Celsius."),
        ("What's 0 kelvin in Fahrenheit?", "0 kelvins is minus 459.7 degrees Fahrenheit."),
        # A temperature is a point: "how many" is answered as a conversion.
        (
            "How many degrees Fahrenheit is 30 degrees Celsius?",
            "30 degrees Celsius is 86 degrees Fahrenheit.",
        ),
        # "Degrees" beside one scale are the other one.
        ("What's 70 degrees in Celsius?", "70 degrees Fahrenheit is 21.1 degrees Celsius."),
        ("what is 30 celsius in degrees", "30 degrees Celsius is 86 degrees Fahrenheit."),
    ],
)
def test_temperatures_convert_from_their_zero(
    matcher: IntentMatcher, asked: str, said: str
) -> None:
    assert ask(matcher, asked) == said


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("How many ounces are in a cup?", "There are 8 fluid ounces in a cup."),
        ("How many ounces in a liter?", "There are 33.8 fluid ounces in a liter."),
        ("What's 8 ounces in milliliters?", "8 fluid ounces is 236.6 milliliters."),
        ("How many ounces in a pound?", "There are 16 ounces in a pound."),
        ("What's 5 ounces in grams?", "5 ounces is 141.7 grams."),
    ],
)
def test_ounces_are_fluid_beside_a_volume_and_a_weight_beside_a_weight(
    matcher: IntentMatcher, asked: str, said: str
) -> None:
    assert ask(matcher, asked) == said


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        (
            "How many pounds in a ton?",
            "There are 2000 pounds in a US ton. There are about 2205 pounds in a metric ton.",
        ),
        (
            "10 tons in kilograms",
            "10 US tons is about 9072 kilograms. 10 metric tons is 10000 kilograms.",
        ),
        ("How many kilograms in a tonne?", "There are 1000 kilograms in a metric ton."),
        ("What is 2 metric tons in pounds?", "2 metric tons is about 4409 pounds."),
        ("How many metric tons in a US ton?", "There are 0.9072 metric tons in a US ton."),
    ],
)
def test_a_ton_that_could_be_either_is_answered_both_ways(
    matcher: IntentMatcher, asked: str, said: str
) -> None:
    assert ask(matcher, asked) == said


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("Convert miles to kilometers.", "1 mile is 1.609 kilometers."),
        ("convert tons to pounds", "1 US ton is 2000 pounds. 1 metric ton is about 2205 pounds."),
        (
            "How do I convert Celsius to Fahrenheit?",
            "To convert degrees Celsius to degrees Fahrenheit, multiply by 1.8, then add 32.",
        ),
        (
            "Convert Fahrenheit to Celsius.",
            "To convert degrees Fahrenheit to degrees Celsius, subtract 32, then divide by 1.8.",
        ),
        (
            "convert kelvin to fahrenheit",
            "To convert kelvins to degrees Fahrenheit, subtract 273.15, multiply by 1.8, then "
            "add 32.",
        ),
        ("convert celsius to kelvin", "To convert degrees Celsius to kelvins, add 273.15."),
    ],
)
def test_without_an_amount_one_unit_or_the_steps_are_said(
    matcher: IntentMatcher, asked: str, said: str
) -> None:
    assert ask(matcher, asked) == said


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        (
            "Convert 10 miles to kilograms.",
            "I can't convert miles to kilograms: miles measure length and kilograms measure "
            "weight.",
        ),
        (
            "Convert miles to kilograms.",
            "I can't convert miles to kilograms: miles measure length and kilograms measure "
            "weight.",
        ),
        (
            "How many cups in a pound?",
            "I can't convert pounds to cups: pounds measure weight and cups measure volume.",
        ),
        (
            "How many ounces in a mile?",
            "I can't convert miles to ounces: miles measure length and ounces measure weight.",
        ),
        (
            "What is 5 hours in degrees Celsius?",
            "I can't convert hours to degrees Celsius: hours measure time and degrees Celsius "
            "measure temperature.",
        ),
        (
            "What is 60 mph in minutes?",
            "I can't convert miles per hour to minutes: miles per hour measure speed and "
            "minutes measure time.",
        ),
        ("What's 20 degrees in kelvin?", "Degrees Celsius or Fahrenheit? Say which, please."),
        (
            "What is minus 500 Celsius in kelvin?",
            "Nothing is colder than absolute zero: minus 273.15 degrees Celsius.",
        ),
    ],
)
def test_units_of_two_kinds_are_refused_by_name(
    matcher: IntentMatcher, asked: str, said: str
) -> None:
    assert ask(matcher, asked) == said


@pytest.fixture(scope="module")
def engine(
    matcher: IntentMatcher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IntentEngine]:
    state: Path = tmp_path_factory.mktemp("state") / "state.json"
    config = parse_config({"state_file": {"path": str(state)}})
    engine = IntentEngine(config, announce=lambda text: None, registry=matcher.registry)
    yield engine
    engine.close()


def test_the_answer_is_ready_before_the_turn_ends_and_a_refusal_is_spoken(
    engine: IntentEngine,
) -> None:
    found = engine.match("How many grams in a pound?")
    assert found is not None
    # Side-effect free: its words are made during the silence that confirms the command.
    assert engine.ahead(found).words == "There are 453.6 grams in a pound."
    refused = engine.match("Convert 10 miles to kilograms.")
    assert refused is not None
    answer = engine.answer(refused)
    assert answer.response.startswith("I can't convert miles to kilograms")
    assert not answer.done


@pytest.mark.parametrize(
    "asked",
    [
        # Sums.
        "What is 10 plus 5?",
        "What's 15 percent of 80?",
        "What is twelve times twelve?",
        # Timers, the clock, the calendar.
        "Set a timer for 10 minutes.",
        "How many minutes are left?",
        "How much time is left?",
        "Add 5 minutes to the timer.",
        "What time is it?",
        "How many days until Christmas?",
        "How many days are in a year?",
        "What is 1:30 hours in minutes?",
        # Devices.
        "Turn on the kitchen light.",
        "Set the brightness to 50 percent.",
        # Money, not weight; distances with no amount.
        "Convert 100 dollars to euros.",
        "How much is one euro in dollars today?",
        "How far is the moon in miles?",
        "How many miles is a marathon?",
        "What is a mile?",
        "How many legs does a spider have?",
    ],
)
def test_other_questions_are_not_taken(matcher: IntentMatcher, asked: str) -> None:
    match = matcher.match(asked)
    assert match is None or match.name != INTENT, match


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (Fraction(5280), "5280"),
        (Fraction(604800), "604800"),
        (Fraction("16.09344"), "16.1"),
        (Fraction("453.59237"), "453.6"),
        (Fraction("1.609344"), "1.609"),
        (Fraction("0.621371"), "0.6214"),
        (Fraction("1609.344"), "1609"),
        (Fraction("0.0003048"), "0.0003048"),
        (Fraction(-40), "minus 40"),
        (Fraction("-459.67"), "minus 459.7"),
        (Fraction("2.0005"), "2.001"),  # half up, as people round
        (Fraction("10.98"), "11"),
    ],
)
def test_results_are_whole_or_four_figures_with_one_decimal_from_ten(
    value: Fraction, said: str
) -> None:
    assert said_number(value) == said


@pytest.mark.parametrize(
    ("words", "amount"),
    [
        ("10", Fraction(10)),
        ("2.5", Fraction(5, 2)),
        ("a", Fraction(1)),
        ("an", Fraction(1)),
        ("half a", Fraction(1, 2)),
        ("a half", Fraction(1, 2)),
        ("one and a half", Fraction(3, 2)),
        ("two and three quarters", Fraction(11, 4)),
        ("three quarters of a", Fraction(3, 4)),
        ("a third of a", Fraction(1, 3)),
        ("1/2", Fraction(1, 2)),
        ("1 1/2", Fraction(3, 2)),
        ("2 and 1/2", Fraction(5, 2)),
        ("one hundred and five", Fraction(105)),
        ("minus one and a half", Fraction(-3, 2)),
        ("minus 40", Fraction(-40)),
    ],
)
def test_amounts_are_read_as_they_are_said(words: str, amount: Fraction) -> None:
    assert read_amount(tokens(words)) == amount


@pytest.mark.parametrize("words", ["is", "in a", "many", "the", "and a half", "1/0", "of a"])
def test_words_that_are_no_amount_are_none(words: str) -> None:
    assert read_amount(tokens(words)) is None
