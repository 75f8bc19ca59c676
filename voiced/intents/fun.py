"""Built-in plugin: a joke, a coin flipped, a number picked, a word spelled (TellJoke,
FlipCoin, PickNumber, SpellWord, voiced's own). The model answered "tell me a joke" with
"Sure! What's the joke?", "flip a coin" with "I cannot flip a coin." and "how do you
spell necessary" with "I'm sorry, but I can't assist with that."

The jokes are voiced's own short list, told in a shuffled order with none told twice
until all have been. A word is spelled as Whisper wrote it, letter by letter: the voice
says a capital letter alone by its name ("A" is "ay")."""

from __future__ import annotations

import random
import threading

from voiced.intents import IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.ha_sentences import own_sentences

JOKES = (
    "Why don't scientists trust atoms? Because they make up everything.",
    "I told my wife she was drawing her eyebrows too high. She looked surprised.",
    "Why did the scarecrow win an award? He was outstanding in his field.",
    "What do you call a fake noodle? An impasta.",
    "Why don't skeletons fight each other? They don't have the guts.",
    "What do you call a bear with no teeth? A gummy bear.",
    "Why did the bicycle fall over? It was two tired.",
    "What do you call cheese that isn't yours? Nacho cheese.",
    "Why can't a nose be twelve inches long? Because then it would be a foot.",
    "How does a penguin build its house? Igloos it together.",
    "Why did the math book look so sad? It had too many problems.",
    "What do you call a sleeping dinosaur? A dino snore.",
    "Why did the golfer bring two pairs of trousers? In case he got a hole in one.",
    "What did the ocean say to the beach? Nothing, it just waved.",
    "Why do cows wear bells? Because their horns don't work.",
    "What do you call a fish with no eyes? A fsh.",
    "Why was the computer cold? It left its Windows open.",
    "What do you call a factory that makes okay products? A satisfactory.",
    "Why did the coffee file a police report? It got mugged.",
    "How do you organise a space party? You planet.",
    "What's orange and sounds like a parrot? A carrot.",
    "Why don't eggs tell jokes? They'd crack each other up.",
    "I'm reading a book about anti-gravity. It's impossible to put down.",
    "What did one wall say to the other? I'll meet you at the corner.",
)
# A word longer than this, or more words than this, is no word to spell.
MAX_SPELLED_CHARS = 30
MAX_SPELLED_WORDS = 2
# Words that point at something said before: no word to spell.
POINTING = frozenset({"it", "that", "this", "them", "those"})
# The most a number picked from may be (in words or figures, as the timers' numbers).
MAX_PICKED = 1000

SENTENCES = {
    "TellJoke": [
        "[(can|could|will|would) you] tell me [a|another] [funny|good] joke [please]",
        "tell [me] [(a|another)] joke [please]",
        "(do|got) you (know|have) any [good|funny] jokes",
        "[(can|could) you] make me laugh",
        "say something funny",
        "[a|another] joke [please]",
    ],
    "FlipCoin": [
        "(flip|toss) a coin",
        "(can|could|will) you (flip|toss) a coin [for me]",
        "heads or tails",
    ],
    "PickNumber": [
        "(pick|choose|give me|tell me) a [random] number (between|from) "
        "{fun_number:low} (and|to) {fun_number:high}",
    ],
    "SpellWord": [
        "how (do|does) (you|one|i) spell {fun_word:word}",
        "how is {fun_word:word} spelled",
        "(spell|can you spell) [the word] {fun_word:word} [for me]",
        "what is the spelling of [the word] {fun_word:word}",
    ],
}
LISTS = {
    "fun_number": {"range": {"from": 0, "to": MAX_PICKED}},
    "fun_word": {"wildcard": True},
}


class JokeTeller:
    """The jokes in a shuffled order, none twice until all were told. One turn at a
    time calls it, and speculation too (the intent only reads): a lock keeps the order."""

    def __init__(self, jokes: tuple[str, ...] = JOKES) -> None:
        self._jokes = jokes
        self._left: list[str] = []
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            if not self._left:
                self._left = random.sample(self._jokes, len(self._jokes))
            return self._left.pop()


def plugin() -> Plugin:
    teller = JokeTeller()
    return Plugin(
        name="fun",
        description="a joke, a coin flipped, a number picked, a word spelled",
        sentences=own_sentences(
            {name: {"data": [{"sentences": said}]} for name, said in SENTENCES.items()}, LISTS
        ),
        handlers={
            "TellJoke": lambda match, context: teller.next(),
            "FlipCoin": flip_coin,
            "PickNumber": pick_number,
            "SpellWord": spell_word,
        },
        # Only SpellWord says the same twice: the others choose when asked, so they are
        # not answered ahead (a joke would be spent on a turn that goes on).
        side_effect_free=frozenset({"SpellWord"}),
    )


def flip_coin(match: IntentMatch, context: IntentContext) -> str:
    return f"{random.choice(('Heads', 'Tails'))}."


def pick_number(match: IntentMatch, context: IntentContext) -> str:
    low, high = sorted((int(match.slots["low"]), int(match.slots["high"])))
    return f"{random.randint(low, high)}."


def spell_word(match: IntentMatch, context: IntentContext) -> str:
    word = str(match.slots.get("word", "")).strip(" .,!?\"'")
    words = word.split()
    if words and words[0].lower() in POINTING:  # "spell it out", "spell that"
        raise IntentError("Which word should I spell?")
    if not any(char.isalpha() for char in word) or len(words) > MAX_SPELLED_WORDS:
        raise IntentError("Say one word for me to spell.")
    if len(word) > MAX_SPELLED_CHARS:
        raise IntentError("Say one word for me to spell.")
    # Letter by letter, a word from the next by a semicolon: "I, C, E; C, R, E, A, M".
    spelled = "; ".join(", ".join(c.upper() for c in part if c.isalpha()) for part in words)
    return f"{word[:1].upper()}{word[1:]}: {spelled}."
