"""What a command was heard as: the transcript without the wake phrase, and the check
that a command which changes something is what the audio says (voiced/asr/heard_check.py)."""

from __future__ import annotations

import re

from voiced.asr import Decoder
from voiced.asr.heard_check import HeardCheck, check_failed, judge
from voiced.config import Config
from voiced.health import Health
from voiced.intents import IntentMatch
from voiced.intents.engine import Ahead, IntentEngine
from voiced.turn.turn import Turn
from voiced.wake import wake_phrase_words

# Far longer than one command takes to decode: past it, recognition is stuck.
RECOGNITION_DEADLINE_SECONDS = 30.0


def strip_wake_phrase(text: str, wake_word: str) -> str:
    """Drop the wake phrase (or its tail) that the pre-roll lets into the transcript.
    `wake_word` is the wake model's name, with or without its version ("hey_jarvis",
    "hey_jarvis_v0.1"): the phrase is its words before the version."""
    phrase = wake_phrase_words(wake_word)
    words = text.split()
    heard = [re.sub(r"\W", "", word.lower()) for word in words[: len(phrase)]]
    # The whole phrase, or its tail when the pre-roll caught only the end of it.
    for start in range(len(phrase)):
        tail = phrase[start:]
        if heard[: len(tail)] == tail:
            rest = " ".join(words[len(tail) :]).lstrip(" ,.!?;:-")
            return rest[:1].upper() + rest[1:]
    return text.strip()


class HeardChecker:
    """A command that would change something, heard with the command bias, is acted on
    only when a decoding without the bias agrees. Called on the speculation thread or
    the turn thread; it keeps no state of its own but `enabled`, set before any turn."""

    def __init__(self, config: Config, intents: IntentEngine, health: Health) -> None:
        self.config = config
        self.intents = intents
        self.health = health
        self.enabled = True

    @property
    def active(self) -> bool:
        return self.enabled and self.config.asr.command_bias

    def check(
        self, decode: Decoder, match: IntentMatch, wake_word: str, ahead: Ahead
    ) -> HeardCheck | None:
        """Decode the command's audio again without the command bias and compare the
        meanings. None when there is nothing to check (no bias, or an intent that only
        reads or asks anyway)."""
        if not (self.active and ahead.acts):
            return None
        text = decode.without_bias()
        if text is None:
            return None
        unbiased_text = strip_wake_phrase(text, wake_word)
        unbiased = self.intents.match(unbiased_text) if unbiased_text else None
        device = next((d for d in self.config.devices if d.id == match.slots.get("name")), None)
        return judge(
            (match.name, match.slots),
            unbiased_text,
            None if unbiased is None else (unbiased.name, unbiased.slots),
            [] if device is None else [device.name, *device.aliases],
            biased_transcript=match.text,
        )

    def check_now(
        self, turn: Turn, decode: Decoder | None, match: IntentMatch, wake_word: str
    ) -> HeardCheck | None:
        """On the turn thread, when no speculation checked it during the silence."""
        if not self.active or decode is None:
            return None
        try:
            with self.health.busy("recognition", RECOGNITION_DEADLINE_SECONDS):
                return self.check(decode, match, wake_word, self.intents.ahead(match))
        except Exception as err:  # unchecked is never acted on; the turn goes on
            turn.log("second decoding failed: %s", err, stage="recognition")
            return check_failed(err)
