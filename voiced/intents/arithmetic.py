"""Built-in plugin: sums asked in everyday English ("what is twelve times twelve", "what's
7 + 8", "the square root of eighty-one", "15 percent of 80", "two plus two times three"),
worked out exactly, never by the LLM, which a small model gets wrong (Arithmetic).

The templates match only numbers where numbers go: "what is the capital of France" and
"what is love" never reach the handler, which reads the numbers again from the words
(voiced.numbers) and works the sum out with exact fractions."""

from __future__ import annotations

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import own_sentences
from voiced.intents.sums import Chain, Sum, answer, read_sum
from voiced.words import ONES, TENS

INTENT = "Arithmetic"

# Numbers in words, from "zero" to the billions, with decimals ("two point five"): the
# words voiced.numbers reads them from.
_ONES = "|".join(word for word, value in ONES.items() if 1 <= value <= 9)
_TEENS = "|".join(word for word, value in ONES.items() if value >= 10)
_TENS = "|".join(TENS)
NUMBER_RULES = {
    "arith_ones": f"({_ONES})",
    "arith_below_100": f"({_ONES}|{_TEENS}|({_TENS})[(-| )<arith_ones>])",
    "arith_below_1000": (
        "((a|<arith_below_100>) hundred [[and] <arith_below_100>]|<arith_below_100>)"
    ),
    "arith_below_million": (
        "((a|<arith_below_1000>) thousand [[and] <arith_below_1000>]|<arith_below_1000>)"
    ),
    "arith_below_billion": (
        "((a|<arith_below_1000>) million [[and] <arith_below_million>]|<arith_below_million>)"
    ),
    "arith_whole": (
        "((a|<arith_below_1000>) billion [[and] <arith_below_billion>]|<arith_below_billion>)"
    ),
    "arith_digit": f"(zero|oh|{_ONES})",
    "arith_decimals": "point <arith_digit> [<arith_digit>] [<arith_digit>] [<arith_digit>]",
    "arith_words": "(zero [<arith_decimals>]|<arith_whole> [<arith_decimals>]|<arith_decimals>)",
    # As Whisper writes them: "2.5", "1,000", "3 million".
    "arith_figures": (
        "{_arith_digits}[,{_arith_digits}][,{_arith_digits}][,{_arith_digits}][.{_arith_digits}] "
        "[thousand|million|billion]"
    ),
    "arith_number": "[minus|negative] (<arith_figures>|<arith_words>)",
}
RULES = {
    **NUMBER_RULES,
    "arith_ask": "(<what_is>|how much is|calculate|compute|work out|what does)",
    "arith_equals": "(equal|equals|make|=)",
    "arith_operator": "(plus|\\+|minus|-|times|multiplied by|x|\\*|×|divided by|over|/|÷)",
}
SENTENCES = [
    "[<arith_ask>] <arith_number> <arith_operator> <arith_number> [<arith_equals>]",
    # Three or four numbers ("two plus two times three"): sums.MAX_CHAINED.
    (
        "[<arith_ask>] <arith_number> <arith_operator> <arith_number> <arith_operator> "
        "<arith_number> [<arith_operator> <arith_number>] [<arith_equals>]"
    ),
    # Whisper's "12*12", with no spaces. Not "9/11" or "24/7": Whisper writes a spoken
    # "nine eleven" so, and a division said aloud has its words ("divided by", "over").
    "[<arith_ask>] {_arith_digits}(x|\\*|×|÷|\\+){_arith_digits} [<arith_equals>]",
    "[<arith_ask>] {_arith_digits}(x|\\*|×|÷|\\+){_arith_digits}(x|\\*|×|÷|\\+){_arith_digits}",
    # "and" adds only in a question: "one and two" alone is no sum.
    "<arith_ask> <arith_number> and <arith_number> [<arith_equals>]",
    "[<arith_ask>] [the] square root of <arith_number>",
    "[<arith_ask>] <arith_number> (squared|cubed)",
    "[<arith_ask>] <arith_number> (percent|\\%) of <arith_number>",
    "[<arith_ask>] <arith_number> (to the power of|\\^) <arith_number>",
]
# Figures only ("144"): number words are matched by the rules above. A list only for
# matching ("_"): the handler reads every number again from the words.
DIGITS_LIST = {"range": {"from": -(10**15), "to": 10**15, "words": False}}


def plugin() -> Plugin:
    sentences = own_sentences(
        {INTENT: {"data": [{"sentences": SENTENCES}]}}, {"_arith_digits": DIGITS_LIST}, RULES
    )
    return Plugin(
        name="arithmetic",
        description="sums: plus, minus, times, divided by, square roots, powers, percent",
        sentences=sentences,
        handlers={INTENT: arithmetic},
        side_effect_free=frozenset({INTENT}),
    )


def arithmetic(match: IntentMatch, context: IntentContext) -> str:
    asked: Sum | Chain | None = read_sum(match.text)
    if asked is None:  # the templates let through words voiced.numbers cannot read
        return "Sorry, I didn't catch the numbers."
    return answer(asked)
