"""When a turn ends: at a pause, from the voice (Smart Turn's probability that the speaker
has finished) and from the words (the speculative transcript at the pause). A pure policy
fed (pause seconds, probability, words): testable with numbers, no audio needed.

- Both say complete: end at a short pause (`short_pause_seconds`), about the gap people
  leave between turns; sooner (`command_pause_seconds`) when the words are a whole
  home-control command, its decoding without the command bias says the same words with
  nothing after them (no comma, no "..."), and the voice is sure (`command_probability`
  at its first judgement, or `command_again_probability` at its second look); a little
  later than the short pause (`unsure_command_pause_seconds`) for a whole command without
  all of that: it is acted on at once, and people correct commands. A question ends
  sooner too (`question_pause_seconds`) when the voice is sure at its first judgement
  (`question_probability`).
  A sentence the words find closed by a full stop alone ends at the short pause only
  when the voice says finished at its first judgement (Judgement.CLOSED).
- Either says incomplete (the words: a dangling "and", "the", "um", a clause that waits
  for its main one, a trailing comma): keep listening, up to `long_pause_seconds`.
- Otherwise (one says complete, the other cannot tell): the fixed silence,
  `fallback_pause_seconds`.
- Smart Turn's probability swings with where the chunks fall: where the words are complete
  and the voice says the sentence goes on, the voice is judged once more a chunk later
  (`voice_again_after_seconds`; for a whole command, while its check without the bias is
  still coming, voiced/pause_judge.py), and a whole command heard the same without the bias
  counts a voice that still doubts as unsure (`clean_command_over_voice`).
- While the words are still being recognised they count as unsure: a slow recognition
  never makes a turn wait longer than the fixed silence did when the voice says finished.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from voiced.words import words_with_digits

# Pause lengths add up from float frame lengths.
EPSILON_SECONDS = 1e-9


class TurnEndConfig(BaseModel):
    """The `turn_end` section of the configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # False: every turn ends after endpoint.silence_seconds (and a complete command after
    # endpoint.early_end_seconds), as without this judgement.
    enabled: bool = True
    # Both the voice and the words say the speaker has finished: the turn ends here. Tuned
    # on tests/recordings (docs/endpoint.md): shorter cuts sentences that pause 0.4 s after
    # words that are complete to both ("What is the capital ... of Germany?").
    short_pause_seconds: Annotated[float, Field(gt=0, le=5)] = 0.4
    # The same for a whole home-control command heard with the same words, nothing after
    # them, without the command bias (clean_command), when the voice's first judgement
    # is at least command_probability: a command needs no answer composed, so the pause is
    # its whole delay. Otherwise a whole command waits unsure_command_pause_seconds. Tuned on
    # tests/recordings with the 80 ms chunks in eight places (docs/endpoint.md): "Turn on
    # the kitchen light, ... no, the bedroom lamp." pauses 0.4 s (0.27-0.39 s as the voice
    # activity model measures it; 0.42 s in one place of sixteen) after words that are
    # that command to both decodings: at any voice 0.32 s cut it in 5 of 8 places, 0.36 s
    # in 2.
    command_pause_seconds: Annotated[float, Field(gt=0, le=5)] = 0.32
    # A whole command that does not earn the command pause (its voice finished but not
    # sure, or heard otherwise without the bias) waits this, not the short pause: it is
    # acted on at once, and people correct commands. Over sixteen chunk places the
    # correction above pauses 0.42 s in one (the short pause's fourteen 30 ms frames of
    # voice activity), with a finished voice; 0.43 s waits fifteen (docs/endpoint.md).
    unsure_command_pause_seconds: Annotated[float, Field(gt=0, le=5)] = 0.43
    # The same for a question (its words complete and asking, not a command) when the
    # voice's first judgement is at least question_probability: the answer is composed
    # during the pause, so on a fast machine the pause is the whole delay. The question
    # that pauses after words complete to both ("What is the capital ... of Germany?")
    # waits for the noun's "of ..." (judge_words): 0.27-0.33 s of pause at a voice of
    # 0.94-0.98 there (docs/endpoint.md, "A sure question").
    question_pause_seconds: Annotated[float, Field(gt=0, le=5)] = 0.32
    # The bench's questions scored 0.62-0.99 at the first judgement of their end.
    question_probability: Annotated[float, Field(gt=0, le=1)] = 0.9
    # Its voice scored 0.41-0.79 there at the first judgement (0.2 s of silence), the
    # bench's whole commands 0.14-0.99: 0.9 keeps a margin over the correction and still
    # ends most commands at the command pause (time, weather, coffee maker: every place).
    command_probability: Annotated[float, Field(gt=0, le=1)] = 0.9
    # A voice not that sure at its first judgement earns the command pause when its second
    # look (voice_again_after_seconds) is at least this, and at least command_probability
    # (0: never). Smart Turn is surer a chunk later: the kitchen light 0.83-0.96 at 0.28 s,
    # the correction above at most 0.904 (docs/endpoint.md, "A sure second look").
    command_again_probability: Annotated[float, Field(ge=0, le=1)] = 0.95
    # They disagree, or a judgement is not known: the fixed silence.
    fallback_pause_seconds: Annotated[float, Field(gt=0, le=5)] = 0.7
    # Either says the sentence goes on: listening continues up to this much silence (the
    # voice activity model measures a 1.3 s pause as up to 1.47 s).
    long_pause_seconds: Annotated[float, Field(gt=0, le=10)] = 1.6
    # Smart Turn's probability at or above which the voice says finished.
    complete_probability: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # The voice is judged first after this much of a pause (the model was trained with
    # about 0.2 s of silence after the words).
    voice_after_seconds: Annotated[float, Field(gt=0, le=2)] = 0.2
    # The voice says the sentence goes on where the words say it is complete: the voice is
    # judged once more, on the audio as it was this far into the pause (0: never). Smart
    # Turn's probability for one whole command swings with the silence it is given: 0.14
    # at 0.2 s and 0.96 at 0.28 s for "Turn on the kitchen light." (docs/endpoint.md).
    voice_again_after_seconds: Annotated[float, Field(ge=0, le=2)] = 0.28
    # A whole command heard with the same words without the command bias, ending on a full
    # stop, a question mark or no punctuation (clean_command): a voice still saying it
    # goes on counts as unsure (the fixed silence, not the long limit). A sentence that
    # goes on is heard otherwise without the bias ("Turn off the kitchen lightened." for
    # "... light and"; "light," before "no,").
    clean_command_over_voice: bool = True
    # True: the voice is asked once the words are known (its call beside the decoding slows
    # it on a small machine); False: as soon as the pause reaches voice_after_seconds, so
    # that a slow decoding does not hold the voice back a chunk (docs/endpoint.md).
    voice_waits_for_words: bool = False

    @property
    def shortest_pause_seconds(self) -> float:
        """The shortest silence any words and voice can end a turn after."""
        return min(
            self.short_pause_seconds,
            self.command_pause_seconds,
            self.unsure_command_pause_seconds,
            self.question_pause_seconds,
        )

    @model_validator(mode="after")
    def _ordered(self) -> TurnEndConfig:
        if not (self.short_pause_seconds <= self.fallback_pause_seconds <= self.long_pause_seconds):
            raise ValueError(
                "needs short_pause_seconds <= fallback_pause_seconds <= long_pause_seconds"
            )
        if self.voice_after_seconds > self.shortest_pause_seconds:
            raise ValueError(
                "voice_after_seconds must not exceed short_pause_seconds, "
                "command_pause_seconds, unsure_command_pause_seconds or "
                "question_pause_seconds"
            )
        if 0 < self.voice_again_after_seconds <= self.voice_after_seconds:
            raise ValueError(
                f"voice_again_after_seconds ({self.voice_again_after_seconds}) must be 0 or "
                f"more than voice_after_seconds ({self.voice_after_seconds})"
            )
        for name in ("command_probability", "question_probability"):
            # Lower, a voice that says the sentence goes on would earn the shorter pause.
            if getattr(self, name) < self.complete_probability:
                raise ValueError(
                    f"{name} ({getattr(self, name)}) must be at least "
                    f"complete_probability ({self.complete_probability})"
                )
        if (
            max(
                self.command_pause_seconds,
                self.unsure_command_pause_seconds,
                self.question_pause_seconds,
            )
            > self.fallback_pause_seconds
        ):
            raise ValueError(
                "needs command_pause_seconds, unsure_command_pause_seconds and "
                "question_pause_seconds <= fallback_pause_seconds"
            )
        return self


class Judgement(enum.Enum):
    COMPLETE = "complete"
    # Complete by its full stop alone (not a command, not a question): ended at the short
    # pause when the voice says finished at once, never on the voice's second look. Inside
    # a real person's sentence ("Had he married a more amiable woman, ... he might") Whisper
    # wrote a full stop and the voice rose to 0.42 by 0.28 s of a 0.7 s pause.
    CLOSED = "closed"
    INCOMPLETE = "incomplete"
    UNSURE = "unsure"


# Words a sentence does not end on: conjunctions, articles and possessives, prepositions
# that are not also particles ("turn it on"), fillers, and a verb waiting for its object.
# "in": Whisper (tiny) often hears a last "and" so.
_DANGLING = """
    and or but nor so because cause although though unless than whereas
    the a an my your his her its our their every
    to of for at by with from into onto like as
    um uh er erm ah hmm mm
    is are was were been set turn switch put make whether if when while which
    in
"""
DANGLING_WORDS = frozenset(_DANGLING.split())
# Prepositions a question may end on ("What's the weather like?", "Where are you from?"):
# after a question mark, or as the last word of a whole command, they do not dangle and
# the voice decides. Not "in": Whisper hears a last "and" so, question mark and all.
_QUESTION_ENDS = "like for from of to at with"
QUESTION_END_WORDS = frozenset(_QUESTION_ENDS.split())
# Verbs that end a sentence Whisper closes ("... than he was.", "Do you know what day it
# is?"); other dangling words it closes mid-sentence too ("Why is the sky blue in?").
_CLOSING_VERBS = "is are was were been"
CLOSING_VERBS = frozenset(_CLOSING_VERBS.split())
# How Whisper (tiny, without the bias) also writes a last "and" after a whole command:
# "Turn off the kitchen light end." It dangles only there, after the command's own words
# (judge_decodings): a question may end on it ("How does the film end?").
AND_MISHEARD = frozenset(["end"])
# Nouns that name something of something else: "What is the capital?" asks of what, and
# people pause there before saying it ("What is the capital ... of Germany?"). After "the",
# as the last word, the words cannot tell whether the sentence has finished.
_OF_SOMETHING = """
    capital population area size height length width depth weight distance speed
    price cost value meaning definition name author president king queen mayor leader
    founder inventor currency language origin root square sum product difference opposite
    plural synonym diameter radius circumference
"""
OF_SOMETHING_NOUNS = frozenset(_OF_SOMETHING.split())
# A clause that needs a main clause after it ("If it rains tomorrow, ...").
_SUBORDINATING = "if when while because although though unless once since"
SUBORDINATING = frozenset(_SUBORDINATING.split())
# "When" followed by one of these and more words asks a question ("When does the film
# end?"), where "When the film ends" waits for its main clause.
_ASKING_VERBS = "is are was were am do does did will would can could shall should has have had"
ASKING_VERBS = frozenset(_ASKING_VERBS.split())
# Digits are words: "Set the bedroom light to 40%." does not end on "to".
_WORD = re.compile(r"[a-z0-9']+")
# Whisper writes a hesitation ". . ." or ".." as well as "...".
_SPACED_DOTS = re.compile(r"\.(?:\s*\.)+")
# Where a sentence may end inside a transcript, and what does not end one there: "...",
# an abbreviation ("Mr.", "a.m.", "U.S.") or a single letter.
_SENTENCE_END = re.compile(r"(\S+)[.?!]\s+")
_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc"])
_OPEN_ENDS = (",", "-", "–", "—", "...", "…", ";", ":")


def _normalised(transcript: str) -> str:
    return _SPACED_DOTS.sub("...", transcript.strip())


def judge_words(transcript: str, complete_command: bool = False) -> Judgement:
    """What the words so far say: a complete command or a question is complete, a sentence
    ended with a full stop closed (Judgement.CLOSED); a dangling last word, a trailing comma
    or dash, or a lone subordinate clause is not; no punctuation at all (Vosk writes none)
    or a last noun that names something of something ("the capital") cannot tell.
    Punctuation comes from Whisper, which sets it from the voice as well; inside people's
    sentences it wrote full stops too (docs/endpoint.md)."""
    text = _normalised(transcript)
    words = _WORD.findall(text.lower())
    if not words:
        return Judgement.UNSURE
    if text.endswith(_OPEN_ENDS):
        return Judgement.INCOMPLETE
    closed = text.endswith((".", "?", "!"))
    ends_question = (complete_command or text.endswith("?")) and words[-1] in QUESTION_END_WORDS
    if (
        words[-1] in DANGLING_WORDS
        and not (closed and words[-1] in CLOSING_VERBS)
        and not ends_question
    ):
        return Judgement.INCOMPLETE
    asked = complete_command or text.endswith("?")
    if _lone_subordinate_clause(text, asked):
        return Judgement.INCOMPLETE
    if not complete_command and words[-2:-1] == ["the"] and words[-1] in OF_SOMETHING_NOUNS:
        return Judgement.UNSURE
    if asked and words[-1] not in CLOSING_VERBS:
        return Judgement.COMPLETE
    # "Where is?" may be "Where is ... the station?": no second look of the voice.
    return Judgement.CLOSED if closed else Judgement.UNSURE


def _lone_subordinate_clause(text: str, asked: bool) -> bool:
    """ "When the pasta is on" waits for what to do then (no comma: no main clause yet). A
    question or a command after it is that main clause ("If it rains tomorrow. Should I
    take an umbrella?"); a statement after a full stop Whisper set inside the clause is
    not ("If it rains. Tomorrow.")."""
    last = _last_sentence(text.rstrip(",.?! "))
    for clause in [last] if asked else [text, last]:
        first = _WORD.findall(clause.lower())[:3]
        if len(first) == 3 and first[0] == "when" and first[1] in ASKING_VERBS:
            continue  # a question: "When is the next full moon?" (not "When does?")
        if first and first[0] in SUBORDINATING and "," not in clause.rstrip(",.?! "):
            return True
    return False


def _last_sentence(text: str) -> str:
    start = 0
    for end in _SENTENCE_END.finditer(text):
        word = end.group(1).lower()
        if not ("." in word or len(word) == 1 or word in _ABBREVIATIONS):
            start = end.end()
    return text[start:]


def judge_decodings(biased: Judgement, others: Sequence[str], command: str = "") -> Judgement:
    """The words of a command (`command`, heard with the command bias), judged again by the
    other decodings of the same audio (without the bias): the bias writes the nearest
    whole command, dropping a last "and" that a decoding without it keeps ("Turn off the
    kitchen light." / "Turn off the kitchen light and...", or "... light end.")."""
    heard = words_with_digits(command)
    for text in others:
        if judge_words(text) is Judgement.INCOMPLETE:
            return Judgement.INCOMPLETE
        words = words_with_digits(text)
        if heard and words[:-1][-len(heard) :] == heard and words[-1] in AND_MISHEARD:
            return Judgement.INCOMPLETE
        if _looped_after_a_dangling_word(words, heard):
            return Judgement.INCOMPLETE
    return biased


def _looped_after_a_dangling_word(words: Sequence[str], command: Sequence[str]) -> bool:
    """ "Turn off the kitchen light and turn off the kitchen light.": the command, a word
    that dangles, then the command again, which Whisper wrote into the silence after it
    (seen on an AVX2 machine, where the same audio decoded elsewhere as "... light and...")."""
    places = _places(words, command)
    return len(places) > 1 and any(
        (after := i + len(command)) not in places and words[after] in DANGLING_WORDS
        for i in places[:-1]
    )


def clean_command(biased: str, unbiased: Sequence[str]) -> bool:
    """Whether every decoding of a whole command without the bias ends with the same words
    as the one with it (the wake phrase may come before them; "five" and "5" are the same
    word) and either ends a sentence or has no punctuation at all at its end (Whisper tiny
    often writes a short command in lower case without any): nothing in the audio says
    more is coming. A comma, a dash or "..." at the end says it may be, and so does a
    decoding that says the command twice: Whisper looped on the silence after it ("Turn
    off the kitchen light and turn off the kitchen light." for "... light and")."""
    heard = words_with_digits(biased)
    return bool(heard and unbiased) and all(
        (words := words_with_digits(text))[-len(heard) :] == heard
        and not _said_twice(words, heard)
        and _ends_cleanly(text)
        for text in unbiased
    )


def _said_twice(words: Sequence[str], phrase: Sequence[str]) -> bool:
    return len(_places(words, phrase)) > 1


def _places(words: Sequence[str], phrase: Sequence[str]) -> list[int]:
    """Where `phrase` begins in `words`, every time."""
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if n and list(words[i : i + n]) == list(phrase)]


def _ends_cleanly(text: str) -> bool:
    text = _normalised(text)
    if text.endswith(_OPEN_ENDS):
        return False
    return text.endswith((".", "?", "!", "%")) or text[-1:].isalnum()


def judge_voice(
    probability: float | None, config: TurnEndConfig, again: float | None = None
) -> Judgement:
    """`again`: the voice judged once more, later in the pause (voice_again_after_seconds)."""
    if probability is None:
        return Judgement.UNSURE
    if probability >= config.complete_probability:
        return Judgement.COMPLETE
    if again is not None and again >= config.complete_probability:
        return Judgement.COMPLETE
    return Judgement.INCOMPLETE


def pause_needed(
    voice: Judgement,
    words: Judgement,
    config: TurnEndConfig,
    command: bool = False,
    clean: bool = False,
    sure: bool = False,
    question: bool = False,
) -> float:
    """The silence after which the turn ends, given the two judgements; `command`: the
    words are a whole home-control command, checked without the bias; `clean`: heard with
    the same words, nothing after them, without it (clean_command); `question`: the words
    ask, and are no command (asks); `sure`: the voice is sure enough for the command pause
    (sure_of_command) or the question pause (sure_of_question)."""
    if (
        clean
        and config.clean_command_over_voice
        and voice is Judgement.INCOMPLETE
        and words is Judgement.COMPLETE
    ):
        voice = Judgement.UNSURE
    if Judgement.INCOMPLETE in (voice, words):
        return config.long_pause_seconds
    if voice is Judgement.COMPLETE and words in (Judgement.COMPLETE, Judgement.CLOSED):
        if command and clean and sure:
            return min(config.short_pause_seconds, config.command_pause_seconds)
        if command:
            return config.unsure_command_pause_seconds
        if question and words is Judgement.COMPLETE and sure:
            return min(config.short_pause_seconds, config.question_pause_seconds)
        return config.short_pause_seconds
    return config.fallback_pause_seconds


def ends_turn(
    pause_s: float,
    probability: float | None,
    words: Judgement | None,
    config: TurnEndConfig,
    command: bool = False,
    clean: bool = False,
    again: float | None = None,
    question: bool = False,
) -> bool:
    """Whether the turn ends after `pause_s` of silence. `probability` (the voice) is None
    when there is no voice model; `words` is None while they are still being recognised,
    and count as unsure until they come: never the short pause, the fixed silence when the
    voice says finished (as without the judgement), the long limit when it does not."""
    if pause_s + EPSILON_SECONDS >= config.long_pause_seconds:
        return True
    needed = pause_for(
        probability, again, words or Judgement.UNSURE, config, command, clean, question
    )
    return pause_s + EPSILON_SECONDS >= needed


def wants_second_look(
    words: Judgement | None, first: float | None, config: TurnEndConfig, command: bool = False
) -> bool:
    """Whether the voice is judged once more (at voice_again_after_seconds): only where the
    words are complete and its first judgement said the sentence goes on, or, for a whole
    command (`command`), was not sure (a sure second look earns the command pause). Inside
    people's sentences a later look says finished more often (0.85 by 0.36 s,
    docs/endpoint.md)."""
    if config.voice_again_after_seconds <= 0 or words is not Judgement.COMPLETE or first is None:
        return False
    if first < config.complete_probability:
        return True
    return command and config.command_again_probability > 0 and first < config.command_probability


def sure_of_command(first: float | None, again: float | None, config: TurnEndConfig) -> bool:
    """Whether the voice is sure enough for a whole command's command pause: at its first
    judgement, or at its second look."""
    if first is not None and first >= config.command_probability:
        return True
    # Never less sure than the first look must be: a command_probability raised above the
    # default raises this too.
    needed = max(config.command_again_probability, config.command_probability)
    return again is not None and config.command_again_probability > 0 and again >= needed


def asks(words: Judgement | None, complete_command: bool) -> bool:
    """Whether words judged so (judge_words) are a question, not a command: complete and
    no whole command, they end on a question mark. A command's own pauses are its
    (pause_needed), whether or not it was decoded again without the bias."""
    return words is Judgement.COMPLETE and not complete_command


def sure_of_question(first: float | None, config: TurnEndConfig) -> bool:
    """Whether the voice is sure enough for a question's question pause: at its first
    judgement only (a second look beside the answer being composed would slow it)."""
    return first is not None and first >= config.question_probability


def pause_for(
    first: float | None,
    again: float | None,
    words: Judgement,
    config: TurnEndConfig,
    command: bool = False,
    clean: bool = False,
    question: bool = False,
) -> float:
    """The silence after which the turn ends, from the voice's first judgement, its second
    look (None if not asked) and the words (`question`: they ask, asks): what PauseJudge
    decides and what scripts/turn-end-data's policies are compared with. A second look
    counts only where it is wanted (wants_second_look)."""
    # Only a clean command can earn the command pause: a look for it alone is no use else.
    if not wants_second_look(words, first, config, command and clean):
        again = None
    voice = judge_voice(first, config, again)
    sure = sure_of_command(first, again, config) if command else sure_of_question(first, config)
    return pause_needed(voice, words, config, command, clean, sure, question)
