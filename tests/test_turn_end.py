"""The end-of-turn policy with numbers, and the pause judge with a fake voice model and
fake speculations: no audio, no real model."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from voiced.asr import Decoding
from voiced.config import EndpointConfig
from voiced.intents import IntentMatch
from voiced.listener import CaptureProgress
from voiced.messages import WakeDetected
from voiced.pause_judge import PauseJudge, listening_endpoint
from voiced.speculation import Recognized, Speculation
from voiced.turn_end import (
    Judgement,
    TurnEndConfig,
    ends_turn,
    judge_decodings,
    judge_words,
    pause_for,
    wants_second_look,
)

# Short 0.25 s, fallback 0.7 s, long 1.5 s, voice at 0.5.
POLICY = TurnEndConfig(short_pause_seconds=0.25, long_pause_seconds=1.5)
ENDPOINT = EndpointConfig()
COMPLETE_VOICE = 0.9
INCOMPLETE_VOICE = 0.1


@pytest.mark.parametrize(
    "text",
    ["Turn on the kitchen light and", "What is the, um,", "Set a timer for", "Tell me about my"],
)
def test_a_dangling_word_says_the_sentence_goes_on(text: str) -> None:
    assert judge_words(text) is Judgement.INCOMPLETE


@pytest.mark.parametrize(
    ("text", "command"),
    [("What's the weather like?", True), ("what's the weather like", True),
     ("Where are you from?", False), ("What is it made of?", False),
     ("Who are you talking to?", False)],
)  # fmt: skip
def test_a_question_may_end_on_a_preposition(text: str, command: bool) -> None:
    assert judge_words(text, complete_command=command) is Judgement.COMPLETE


def test_a_preposition_without_a_question_mark_or_a_command_still_dangles() -> None:
    assert judge_words("What is the capital of") is Judgement.INCOMPLETE
    assert judge_words("I would like") is Judgement.INCOMPLETE
    assert judge_words("Why is the sky blue in?") is Judgement.INCOMPLETE


@pytest.mark.parametrize(
    "text", ["If it rains tomorrow,", "When the pasta is on.", "Turn off the kitchen light -"]
)
def test_a_trailing_comma_or_a_lone_subordinate_clause_goes_on(text: str) -> None:
    assert judge_words(text) is Judgement.INCOMPLETE


def test_a_question_and_a_complete_command_are_complete() -> None:
    assert judge_words("What is the capital of Germany?") is Judgement.COMPLETE
    assert judge_words("Is the kitchen light on?") is Judgement.COMPLETE
    assert judge_words("Turn the kitchen light on.", complete_command=True) is Judgement.COMPLETE
    assert judge_words("If it rains, should I take an umbrella?") is Judgement.COMPLETE


def test_a_sentence_ended_with_a_full_stop_is_closed() -> None:
    """A statement or a request that is not a command: it ends at the short pause when the
    voice says finished at once, not after the fixed silence."""
    assert judge_words("He was not an ill disposed young man.") is Judgement.CLOSED
    assert judge_words("Tell me a funny joke!") is Judgement.CLOSED
    words = judge_words("Tell me a funny joke.")
    assert ends_turn(0.25, COMPLETE_VOICE, words, POLICY)
    assert not ends_turn(1.0, INCOMPLETE_VOICE, words, POLICY)
    # A full stop after a lone subordinate clause or a dangling word is still not the end.
    assert judge_words("If it rains tomorrow.") is Judgement.INCOMPLETE
    assert judge_words("Turn off the kitchen light in.") is Judgement.INCOMPLETE
    assert judge_words("Why is the sky blue in?") is Judgement.INCOMPLETE


def test_a_closed_sentence_gets_no_second_look_of_the_voice() -> None:
    """Inside a real person's sentence Whisper wrote a full stop and Smart Turn rose with
    the silence: only a voice that says finished at once ends a closed sentence early."""
    closed = judge_words("Had he married a more amiable woman.")
    assert not wants_second_look(closed, 0.1, TurnEndConfig())
    assert wants_second_look(judge_words("What time is it?"), 0.1, TurnEndConfig())
    assert pause_for(0.1, 0.9, closed, TurnEndConfig()) == 1.6
    assert pause_for(0.9, None, closed, TurnEndConfig()) == 0.4


def test_a_verb_that_closes_a_sentence_does_not_dangle() -> None:
    """But it is never more than closed: "Where is?" may be "Where is ... the station?"."""
    assert judge_words("Do you know what day it is?") is Judgement.CLOSED
    assert judge_words("He might have been more respectable than he was.") is Judgement.CLOSED
    assert judge_words("What is") is Judgement.INCOMPLETE
    assert judge_words("The kitchen light is...") is Judgement.INCOMPLETE


def test_a_sentence_after_a_subordinate_clause_is_its_main_clause() -> None:
    assert judge_words("If it rains tomorrow. Should I take an umbrella?") is Judgement.COMPLETE
    command = judge_words("When the pasta is on. Set a timer for 10 minutes.", True)
    assert command is Judgement.COMPLETE
    # "When" asking a question is no clause.
    assert judge_words("When does the film end?") is Judgement.COMPLETE
    assert judge_words("When is the next full moon?") is Judgement.COMPLETE
    assert judge_words("When the film ends?") is Judgement.INCOMPLETE
    assert judge_words("When does?") is Judgement.INCOMPLETE
    # Not a statement: Whisper sets full stops inside a clause too.
    for text in ["If it rains. Tomorrow.", "When I get home. At six.", "It is late. When I go."]:
        assert judge_words(text) is Judgement.INCOMPLETE, text


@pytest.mark.parametrize(
    "text",
    [
        "When... the pasta is on?",
        "When Mr. Smith arrives?",
        "If the U.S. team wins?",
        "When it's 7 a.m. tomorrow?",
    ],
)
def test_a_hesitation_or_an_abbreviation_does_not_end_the_clause(text: str) -> None:
    assert judge_words(text) is Judgement.INCOMPLETE


def test_dots_spaced_or_doubled_are_a_hesitation() -> None:
    assert judge_words("Turn on the light. . .") is Judgement.INCOMPLETE
    assert judge_words("Turn on the light..") is Judgement.INCOMPLETE
    assert judge_words("Turn on the light —") is Judgement.INCOMPLETE


def test_other_words_leave_it_to_the_voice() -> None:
    # No punctuation at all (Vosk writes none).
    assert judge_words("he was not an ill disposed young man") is Judgement.UNSURE
    assert judge_words("") is Judgement.UNSURE


def test_a_dangling_sentence_is_held_open_up_to_the_long_limit() -> None:
    words = judge_words("Turn off the kitchen light and")
    # Even when the voice says finished (as espeak-ng's falling tone does mid-sentence).
    for voice in (COMPLETE_VOICE, INCOMPLETE_VOICE):
        assert not ends_turn(0.25, voice, words, POLICY)
        assert not ends_turn(1.0, voice, words, POLICY)
        assert not ends_turn(1.45, voice, words, POLICY)
        assert ends_turn(1.5, voice, words, POLICY)


def test_a_complete_question_ends_at_the_short_pause() -> None:
    words = judge_words("What is the capital of France?")
    assert not ends_turn(0.2, COMPLETE_VOICE, words, POLICY)
    assert ends_turn(0.25, COMPLETE_VOICE, words, POLICY)
    # The voice still unsure of it (Smart Turn below the threshold): held open.
    assert not ends_turn(1.0, INCOMPLETE_VOICE, words, POLICY)


def test_either_saying_it_goes_on_holds_it_open() -> None:
    complete_words = judge_words("Turn on the kitchen light.", complete_command=True)
    assert not ends_turn(1.0, INCOMPLETE_VOICE, complete_words, POLICY)
    assert ends_turn(1.5, INCOMPLETE_VOICE, complete_words, POLICY)
    unsure = judge_words("he was not an ill disposed young man")
    assert not ends_turn(1.0, INCOMPLETE_VOICE, unsure, POLICY)


def test_one_complete_and_the_other_unsure_waits_the_fixed_silence() -> None:
    unsure = judge_words("he was not an ill disposed young man")
    assert not ends_turn(0.5, COMPLETE_VOICE, unsure, POLICY)
    assert ends_turn(0.7, COMPLETE_VOICE, unsure, POLICY)
    # No voice model: a complete command waits the fixed silence too.
    command = judge_words("Turn on the kitchen light.", complete_command=True)
    assert not ends_turn(0.5, None, command, POLICY)
    assert ends_turn(0.7, None, command, POLICY)


def test_words_still_being_recognised_never_end_it_at_the_short_pause() -> None:
    assert not ends_turn(0.25, COMPLETE_VOICE, None, POLICY)
    # As without the judgement: the fixed silence when the voice says finished.
    assert ends_turn(0.7, COMPLETE_VOICE, None, POLICY)
    assert not ends_turn(1.0, INCOMPLETE_VOICE, None, POLICY)
    assert ends_turn(1.5, INCOMPLETE_VOICE, None, POLICY)


def test_the_thresholds_are_checked_in_order() -> None:
    with pytest.raises(ValidationError, match="short_pause_seconds <= fallback"):
        TurnEndConfig(short_pause_seconds=0.8, fallback_pause_seconds=0.7)
    with pytest.raises(ValidationError, match="voice_after_seconds"):
        TurnEndConfig(short_pause_seconds=0.25, voice_after_seconds=0.3)
    with pytest.raises(ValidationError, match="voice_after_seconds"):
        TurnEndConfig(command_pause_seconds=0.15)
    with pytest.raises(ValidationError, match="question_pause_seconds <= fallback"):
        TurnEndConfig(command_pause_seconds=0.8, fallback_pause_seconds=0.7)


def test_a_whole_command_ends_sooner_than_a_question() -> None:
    """Both complete, and the words a whole command checked without the bias: the command
    pause (here 0.32 s) instead of the short one (0.4 s); never longer than the short one."""
    # (A whole command without all of that waits unsure_command_pause_seconds, 0.43 s.)
    policy = TurnEndConfig(command_pause_seconds=0.32)
    words = judge_words("Turn on the kitchen light.", complete_command=True)
    assert not ends_turn(0.3, COMPLETE_VOICE, words, policy, command=True, clean=True)
    assert ends_turn(0.32, COMPLETE_VOICE, words, policy, command=True, clean=True)
    assert not ends_turn(0.32, COMPLETE_VOICE, words, policy)
    # Heard otherwise without the bias, or the voice less sure: a little after the short
    # pause (unsure_command_pause_seconds), where a question's words end it.
    assert not ends_turn(0.4, COMPLETE_VOICE, words, policy, command=True)
    assert ends_turn(0.43, COMPLETE_VOICE, words, policy, command=True)
    assert not ends_turn(0.4, 0.8, words, policy, command=True, clean=True)
    assert ends_turn(0.43, 0.8, words, policy, command=True, clean=True)
    question = judge_words("What is the capital of France?")
    assert ends_turn(0.4, 0.8, question, policy)
    # The voice doubting it holds it open as before.
    assert not ends_turn(1.0, INCOMPLETE_VOICE, words, policy, command=True)
    # A shorter short pause leaves a whole command's own pauses as they are.
    assert not ends_turn(0.25, COMPLETE_VOICE, words, POLICY, command=True)
    assert ends_turn(0.43, COMPLETE_VOICE, words, POLICY, command=True)
    assert ends_turn(0.25, COMPLETE_VOICE, words, POLICY, command=True, clean=True)


def test_a_decoding_without_the_bias_that_dangles_says_it_goes_on() -> None:
    """espeak-ng's "Turn off the kitchen light and ... the ceiling fan.": the bias writes a
    whole command, the decoding without it keeps the "and"."""
    complete = Judgement.COMPLETE
    assert judge_decodings(complete, ["Turn off the kitchen light and..."]) is Judgement.INCOMPLETE
    assert judge_decodings(complete, ["turn off the kitchen light and"]) is Judgement.INCOMPLETE
    # In the 10 s window, looping with the bias, it was "... light end." without it.
    command = "Turn off the kitchen light."
    for end in ["Turn off the kitchen light end.", "Hey Jarvis, turn off the kitchen light end"]:
        assert judge_decodings(complete, [end], command) is Judgement.INCOMPLETE
    # Only after the command's own words: a name or a question may end on it.
    assert judge_decodings(complete, ["Turn on the week end."], "Turn on the week end.") is complete
    assert judge_words("How does the film end?") is complete
    assert judge_decodings(complete, ["Turn off the kitchen light."]) is complete
    assert judge_decodings(complete, ["Turn off the kitchen lightened."]) is complete
    assert judge_decodings(complete, []) is complete
    # Whisper writes numbers as digits without the bias: the last word is the number.
    assert judge_decodings(complete, ["Set the bedroom light to 40%."]) is complete
    assert judge_decodings(complete, ["Set a timer for 5 minutes."]) is complete


def test_the_listener_holds_a_turn_open_up_to_the_long_limit() -> None:
    endpoint = listening_endpoint(EndpointConfig(), POLICY)
    assert endpoint.silence_seconds == POLICY.long_pause_seconds
    assert endpoint.early_end_seconds == 0  # the policy ends complete commands now
    assert listening_endpoint(EndpointConfig(), TurnEndConfig()).silence_seconds == 1.6
    off = TurnEndConfig(enabled=False)
    assert listening_endpoint(EndpointConfig(), off) == EndpointConfig()


class FakeVoice:
    """Smart Turn's stand-in: a fixed probability, and how often it was asked."""

    def __init__(self, probability: float) -> None:
        self.probability_value = probability
        self.calls = 0

    def probability(self, samples: np.ndarray) -> float:
        self.calls += 1
        return self.probability_value


def progress(last_speech_end_s: float, pause_s: float) -> CaptureProgress:
    return CaptureProgress(
        wake=WakeDetected("hey_jarvis", 0.9, 1.0),
        session=None,  # type: ignore[arg-type]
        last_speech_end_s=last_speech_end_s,
        length_s=last_speech_end_s + pause_s,
        pause_s=pause_s,
        follow_up=False,
    )


def speculation_on(at: CaptureProgress, transcript: str | None) -> Speculation:
    """A speculation at a pause, recognised (`transcript`) or still decoding (None)."""
    speculation = Speculation(at, decode=lambda: transcript or "")
    if transcript is not None:
        speculation.settle(Recognized(transcript, woke=False, match=None, at=1.0), None)
    return speculation


class CommandDecoder:
    """A command's decoding at a pause: with the bias, and (once checked) without it."""

    def __init__(self, biased: str, unbiased: str | None) -> None:
        self.biased = biased
        self.unbiased = unbiased
        self.decodings: list[Decoding] = []

    def __call__(self) -> str:
        self.decodings.append(Decoding(self.biased, biased=True))
        return self.biased

    def without_bias(self) -> str | None:
        if self.unbiased is not None:
            self.decodings.append(Decoding(self.unbiased, biased=False))
        return self.unbiased


KITCHEN_ON = IntentMatch(
    "HassTurnOn", {"name": "kitchen_light"}, "home", "turn on the kitchen light"
)


def command_on(
    at: CaptureProgress, biased: str, unbiased: str | None, checked: bool = True
) -> Speculation:
    """A speculation at a pause that heard a whole command, checked without the bias (or
    with the check still running)."""
    decoder = CommandDecoder(biased, unbiased)
    speculation = Speculation(at, decoder)
    speculation.settle(Recognized(decoder(), woke=False, match=KITCHEN_ON, at=1.0), None)
    if checked:
        decoder.without_bias()
        speculation.settle_check(None)
    return speculation


def walk_command(
    judge: PauseJudge, speech_end_s: float, unbiased: str | None, until_s: float
) -> float | None:
    """A pause after a whole command, fed in 32 ms steps; where the judge ended it."""
    pause = 0.0
    while pause < until_s:
        pause = round(pause + 0.032, 3)
        at = progress(speech_end_s, pause)
        if judge.ends(at, command_on(at, "Turn on the kitchen light.", unbiased), audio):
            return pause
    return None


def audio() -> np.ndarray:
    return np.zeros(1600, np.int16)


def walk(judge: PauseJudge, speech_end_s: float, words: str | None, until_s: float) -> float | None:
    """Feed a pause in 32 ms steps; the pause at which the judge ended the turn."""
    pause = 0.0
    while pause < until_s:
        pause = round(pause + 0.032, 3)
        at = progress(speech_end_s, pause)
        if judge.ends(at, speculation_on(at, words), audio):
            return pause
    return None


def test_the_judge_ends_a_complete_question_early_and_asks_the_voice_once() -> None:
    voice = FakeVoice(COMPLETE_VOICE)
    judge = PauseJudge(POLICY, ENDPOINT, voice)  # type: ignore[arg-type]
    ended = walk(judge, 2.0, "What is the capital of France?", 2.0)
    assert ended is not None and 0.25 <= ended < 0.3
    assert voice.calls == 1


def test_the_judge_holds_a_dangling_sentence_open() -> None:
    judge = PauseJudge(POLICY, ENDPOINT, FakeVoice(COMPLETE_VOICE))  # type: ignore[arg-type]
    ended = walk(judge, 2.0, "Turn off the kitchen light and", 3.0)
    assert ended is not None and ended >= POLICY.long_pause_seconds


def test_a_longer_configured_silence_is_the_longest_wait() -> None:
    """endpoint.silence_seconds above the long limit: the listener holds the turn that
    long, and so does the judgement."""
    endpoint = EndpointConfig(silence_seconds=2.5)
    judge = PauseJudge(POLICY, endpoint, FakeVoice(INCOMPLETE_VOICE))  # type: ignore[arg-type]
    assert walk(judge, 2.0, "Turn on the", 3.0) == pytest.approx(2.528)
    assert listening_endpoint(endpoint, POLICY).silence_seconds == 2.5


def test_speech_resuming_after_an_early_judgement_starts_a_new_one() -> None:
    """At the first pause the voice and the words said finished, but speech went on before
    the short pause was over: the next pause is judged afresh, on its own words."""
    voice = FakeVoice(COMPLETE_VOICE)
    judge = PauseJudge(POLICY, ENDPOINT, voice)  # type: ignore[arg-type]
    first = progress(1.0, 0.224)
    assert not judge.ends(first, speculation_on(first, "What is the capital?"), audio)
    assert voice.calls == 1
    # Speech resumed: the pause (and the speculation, discarded by the speculator) ends.
    assert not judge.ends(progress(1.5, 0.0), None, audio)
    second = progress(1.5, 0.256)
    assert not judge.ends(second, speculation_on(second, "What is the, um,"), audio)
    # Words that already say it goes on need no voice; held open whatever it would say.
    assert voice.calls == 1
    later = progress(1.5, 1.0)
    assert not judge.ends(later, speculation_on(later, "What is the, um,"), audio)
    # A speculation from the earlier pause is never taken for this one's words.
    stale = speculation_on(first, "What is the capital?")
    assert not judge.ends(progress(1.5, 0.3), stale, audio)


def test_the_voice_hears_the_pause_as_it_was_when_asked_late() -> None:
    """Words recognised 0.5 s into the pause: the voice gets the audio up to 0.2 s into it."""
    heard: list[int] = []

    class Recording(FakeVoice):
        def probability(self, samples: np.ndarray) -> float:
            heard.append(len(samples))
            return super().probability(samples)

    judge = PauseJudge(POLICY, ENDPOINT, Recording(COMPLETE_VOICE))  # type: ignore[arg-type]
    at = progress(2.0, 0.5)
    samples = np.zeros(int(2.5 * 16000), np.int16)
    assert judge.ends(at, speculation_on(at, "What time is it?"), lambda: samples)
    assert heard == [int(2.2 * 16000)]


def test_without_the_voice_model_the_words_decide_with_the_fallback() -> None:
    judge = PauseJudge(POLICY, ENDPOINT, None)
    assert walk(judge, 2.0, "What is the capital of France?", 2.0) == pytest.approx(0.704)


def test_a_speculation_still_decoding_is_waited_for() -> None:
    judge = PauseJudge(POLICY, ENDPOINT, FakeVoice(COMPLETE_VOICE))  # type: ignore[arg-type]
    decoding = speculation_on(progress(2.0, 0.3), None)
    assert not judge.ends(progress(2.0, 0.3), decoding, audio)
    assert not judge.ends(progress(2.0, 0.5), decoding, audio)
    decoding.settle(Recognized("What time is it?", woke=False, match=None, at=1.0), None)
    assert judge.ends(progress(2.0, 0.5), decoding, audio)


def test_with_no_speculation_coming_the_voice_decides_with_the_fallback() -> None:
    no_speculation = EndpointConfig(speculate_after_seconds=0)
    judge = PauseJudge(POLICY, no_speculation, FakeVoice(COMPLETE_VOICE))  # type: ignore[arg-type]
    assert not judge.ends(progress(2.0, 0.5), None, audio)
    assert judge.ends(progress(2.0, 0.7), None, audio)
    doubtful = PauseJudge(POLICY, no_speculation, FakeVoice(INCOMPLETE_VOICE))  # type: ignore[arg-type]
    assert not doubtful.ends(progress(2.0, 1.0), None, audio)


class BrokenVoice:
    def __init__(self) -> None:
        self.calls = 0

    def probability(self, samples: np.ndarray) -> float:
        self.calls += 1
        raise RuntimeError("onnxruntime: bad input")


def test_a_failing_voice_model_leaves_the_words_to_decide() -> None:
    voice = BrokenVoice()
    judge = PauseJudge(POLICY, ENDPOINT, voice)  # type: ignore[arg-type]
    assert walk(judge, 2.0, "What is the capital of France?", 2.0) == pytest.approx(0.704)
    assert voice.calls == 1  # asked once per pause, not at every chunk


# The defaults: a command pause (0.32 s) shorter than the short one (0.4 s).
COMMANDS = TurnEndConfig(command_pause_seconds=0.32)


def test_the_judge_ends_a_whole_command_at_the_command_pause() -> None:
    voice = FakeVoice(COMPLETE_VOICE)
    judge = PauseJudge(COMMANDS, ENDPOINT, voice)  # type: ignore[arg-type]
    ended = walk_command(judge, 2.0, "Turn on the kitchen light.", 2.0)
    assert ended is not None
    assert COMMANDS.command_pause_seconds <= ended < COMMANDS.short_pause_seconds
    assert voice.calls == 1


def test_a_command_not_decoded_again_without_the_bias_ends_at_the_short_pause() -> None:
    """A command the heard check does not decode again (it reads, or asks anyway) has no
    second hearing to show its words whole: the plain short pause, not the command's."""
    judge = PauseJudge(COMMANDS, ENDPOINT, FakeVoice(COMPLETE_VOICE))  # type: ignore[arg-type]
    ended = walk_command(judge, 2.0, None, 2.0)
    assert ended is not None
    assert COMMANDS.short_pause_seconds <= ended < COMMANDS.fallback_pause_seconds


def test_a_whole_command_waits_for_its_check_without_the_bias() -> None:
    judge = PauseJudge(COMMANDS, ENDPOINT, FakeVoice(COMPLETE_VOICE))  # type: ignore[arg-type]
    at = progress(2.0, 0.352)
    checking = command_on(at, "Turn on the kitchen light.", "Turn on the kitchen light.", False)
    assert not judge.ends(at, checking, audio)
    checking.decode.without_bias()  # type: ignore[attr-defined]
    checking.settle_check(None)
    assert judge.ends(at, checking, audio)


def test_a_command_that_dangles_without_the_bias_is_held_open() -> None:
    """The sentence cut before: the voice says finished (espeak-ng's falling "and"), the
    biased words a whole command; the decoding without the bias ends on "and"."""
    judge = PauseJudge(COMMANDS, ENDPOINT, FakeVoice(0.98))  # type: ignore[arg-type]
    ended = walk_command(judge, 2.0, "Turn off the kitchen light and...", 3.0)
    assert ended is not None and ended >= COMMANDS.long_pause_seconds


def test_speech_resuming_before_the_command_pause_discards_the_judgement() -> None:
    """ "Turn on the kitchen light, ... no, the bedroom lamp.": the first pause (0.27 s as
    the voice activity model measures it) is shorter than the command pause; speech goes
    on, and the next pause is judged on its own words."""
    voice = FakeVoice(COMPLETE_VOICE)
    judge = PauseJudge(COMMANDS, ENDPOINT, voice)  # type: ignore[arg-type]
    first = progress(1.5, 0.288)
    kitchen = command_on(first, "Turn on the kitchen light.", "Turn on the kitchen light.")
    assert not judge.ends(first, kitchen, audio)
    assert voice.calls == 1
    assert not judge.ends(progress(2.5, 0.0), None, audio)  # speech resumed
    # The first pause's speculation is never taken for the next pause's words.
    assert not judge.ends(progress(2.5, 0.352), kitchen, audio)
    second = progress(2.5, 0.352)
    unsure = speculation_on(second, "Turn on the kitchen light. No.")
    assert not judge.ends(second, unsure, audio)
    assert voice.calls == 2


def test_the_voice_may_be_asked_beside_the_decoding() -> None:
    """With voice_waits_for_words off (the default) the voice is asked once the pause
    reaches voice_after_seconds, before the words are known; the turn still waits for them."""
    voice = FakeVoice(COMPLETE_VOICE)
    early = TurnEndConfig()
    judge = PauseJudge(early, ENDPOINT, voice)  # type: ignore[arg-type]
    at = progress(2.0, 0.224)
    decoding = speculation_on(at, None)
    assert not judge.ends(at, decoding, audio)
    assert voice.calls == 1
    later = progress(2.0, 0.416)
    assert not judge.ends(later, decoding, audio)  # the words are not known yet
    decoding.settle(Recognized("What time is it?", woke=False, match=None, at=1.0), None)
    assert judge.ends(later, decoding, audio)
    assert voice.calls == 1
    # Words that dangle hold it open, whatever the voice said before them.
    dangling = PauseJudge(early, ENDPOINT, FakeVoice(COMPLETE_VOICE))  # type: ignore[arg-type]
    assert walk(dangling, 2.0, "Turn off the kitchen light and", 3.0) == pytest.approx(
        early.long_pause_seconds, abs=0.04
    )
    # Told to, the voice waits for the words.
    waiting = FakeVoice(COMPLETE_VOICE)
    patient = TurnEndConfig(voice_waits_for_words=True)
    judge = PauseJudge(patient, ENDPOINT, waiting)  # type: ignore[arg-type]
    assert not judge.ends(at, speculation_on(at, None), audio)
    assert waiting.calls == 0
