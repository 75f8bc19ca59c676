"""Hear only what was said. The command bias (Whisper's prompt of commands and device
names) helps real commands, but it also makes Whisper write commands nobody said: a fast
"the kitchen light, please" came out as "Turn off the kitchen light.". So a command that
would change something, heard with the bias, is acted on only when the same audio decoded
again without the bias means the same (intent and slots); otherwise voiced asks "Did you
mean: ...?" (a yes does it), or says it did not catch that when nothing was heard without
the bias. Pure logic: the decodings and their matching are done by the caller."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voiced.words import last_word_differs, name_words_alike, words, words_alike

NOT_CAUGHT = "Sorry, I didn't catch that."

# What the check decided: act on the command, ask about it, or say it was not caught.
ACT = "act"
ASK = "ask"
NOT_CAUGHT_DECISION = "not_caught"

# A meaning: an intent's name and slots; None when the text matched no intent.
Meaning = tuple[str, dict[str, Any]] | None
# Words Whisper writes after a command that name nothing: "Turn off the ceiling then." for
# "Turn off the ceiling fan." lost the name's last word, it did not name another thing.
NAMES_NOTHING = frozenset({"then", "now", "please", "too", "again"})
# Without the bias Whisper sometimes mishears one word of a clear command as a sound-alike
# that means nothing ("Pern on the kitchen light.": 2 of 12 resampled copies of one clear
# recording). The same words but one, that one alike, is the same audio heard two ways.
# Words this short ("on", "of", "off") are never taken as alike: they carry the action.
WORD_ALIKE_RATIO = 0.5
WORD_ALIKE_MIN_LETTERS = 4


@dataclass(frozen=True)
class HeardCheck:
    """Whether the audio supports a command heard with the bias, and why."""

    decision: str
    agreed: bool
    reason: str
    unbiased_transcript: str

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "agreed": self.agreed, "reason": self.reason}


def judge(
    biased: Meaning,
    unbiased_transcript: str,
    unbiased: Meaning,
    device_names: Sequence[str] = (),
    biased_transcript: str = "",
) -> HeardCheck:
    """Compare the meaning of the biased transcript with that of the unbiased one.
    `device_names` are the names of the device the biased one names, if it names one."""
    if biased is not None and unbiased == biased:
        name, slots = biased
        return HeardCheck(ACT, True, f"both decodings: {name} {describe(slots)}", "")
    if biased is not None and unbiased is None:
        alike = one_word_alike(biased_transcript, unbiased_transcript)
        if alike is not None:
            reason = (
                f"both decodings: {biased[0]}, {alike[1]!r} heard as {alike[0]!r} without the bias"
            )
            return HeardCheck(ACT, True, reason, unbiased_transcript)
    if biased is not None and unbiased is not None and unbiased[0] == biased[0]:
        heard = str(unbiased[1].get("unknown_device", ""))
        others = {k: v for k, v in unbiased[1].items() if k != "unknown_device"}
        rest = {k: v for k, v in biased[1].items() if k != "name"}
        if heard and others == rest and names_alike(heard, device_names):
            reason = f"both decodings: {biased[0]}, the device heard as {heard!r} without the bias"
            return HeardCheck(ACT, True, reason, unbiased_transcript)
    without = f"without the bias: {unbiased_transcript!r}"
    if unbiased is None:
        what = f"{without}, no command"
    else:
        what = f"{without}, {unbiased[0]} {describe(unbiased[1])}"
    if not re.search(r"\w", unbiased_transcript):
        return HeardCheck(NOT_CAUGHT_DECISION, False, f"{what}: nothing heard", unbiased_transcript)
    return HeardCheck(ASK, False, f"{what}: asked", unbiased_transcript)


def check_failed(err: BaseException) -> HeardCheck:
    """The second decoding failed: a command not checked is not acted on."""
    return HeardCheck(
        NOT_CAUGHT_DECISION, False, f"the decoding without the bias failed: {err}", ""
    )


def names_alike(heard: str, names: Sequence[str]) -> bool:
    """Whether a device phrase heard is one of a device's names heard differently: its
    words but the last the same, and the last alike ("ceiling fam") or naming nothing
    ("ceiling then"). "kitchen heater" for "kitchen light" names another thing, however
    much of it the shared "kitchen" makes alike."""
    for name in names:
        differ = last_word_differs(words(heard), words(name))
        if differ is not None and (name_words_alike(*differ) or differ[0] in NAMES_NOTHING):
            return True
    return False


def one_word_alike(biased: str, unbiased: str) -> tuple[str, str] | None:
    """The (unbiased, biased) word when the two transcripts are the same words but one,
    and that one sounds alike; None otherwise."""
    these, those = words(unbiased), words(biased)
    if len(these) != len(those):
        return None
    differ = [(this, that) for this, that in zip(these, those, strict=True) if this != that]
    if len(differ) != 1:
        return None
    this, that = differ[0]
    if not words_alike(this, that, WORD_ALIKE_RATIO, WORD_ALIKE_MIN_LETTERS):
        return None
    return this, that


def describe(slots: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted(slots.items())) or "(no slots)"


def did_you_mean(transcript: str) -> str:
    """The question for a command the audio did not clearly support."""
    words = transcript.strip().rstrip(".!?,;: ")
    return f"Did you mean: {words[:1].lower()}{words[1:]}?"
