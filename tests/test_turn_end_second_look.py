"""The voice judged a second time, and a whole command heard the same without the bias:
Smart Turn's probability for one sentence swings with where the chunks fall
(voiced/turn_end.py, voiced/pause_judge.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from pydantic import ValidationError

from tests.test_turn_end import (
    ENDPOINT,
    POLICY,
    FakeVoice,
    audio,
    command_on,
    progress,
    walk,
    walk_command,
)
from voiced.pause_judge import PauseJudge
from voiced.turn_end import (
    Judgement,
    TurnEndConfig,
    clean_command,
    ends_turn,
    judge_decodings,
    judge_voice,
    pause_needed,
    wants_second_look,
)


class SwingingVoice(FakeVoice):
    """Smart Turn as it is on one Piper command: its probability swings with the silence
    it is given (0.14 at 0.2 s, 0.96 at 0.28 s, with the chunks in one of eight places)."""

    def __init__(self, *probabilities: float) -> None:
        super().__init__(probabilities[0])
        self.probabilities = list(probabilities)
        self.lengths: list[int] = []

    def probability(self, samples: np.ndarray) -> float:
        self.lengths.append(len(samples))
        self.calls += 1
        return self.probabilities[min(self.calls, len(self.probabilities)) - 1]


def test_a_clean_command_is_heard_the_same_without_the_bias_and_ends_a_sentence() -> None:
    assert clean_command("Turn on the kitchen light.", ["Turn on the kitchen light."])
    assert clean_command("Turn on the kitchen light.", ["Hey Jarvis, turn on the kitchen light."])
    assert clean_command("What time is it?", ["What time is it?"])
    # What a sentence that goes on is heard as without the bias.
    assert not clean_command("Turn off the kitchen light.", ["Turn off the kitchen lightened."])
    assert not clean_command("Turn on the kitchen light.", ["Turn on the kitchen light,"])
    assert not clean_command("Turn on the kitchen light.", ["Turn on the kitchen light and..."])
    assert not clean_command("Turn on the kitchen light.", ["Turn on the kitchen light..."])
    assert not clean_command("Turn on the kitchen light.", [])


def test_a_command_said_twice_without_the_bias_is_a_loop_not_a_clean_command() -> None:
    """On an AVX2 machine Whisper wrote Piper's and espeak-ng's "Turn off the kitchen light
    and ... the ceiling fan." as the command twice at the pause: it looped on the silence
    after the "and", so nothing says the sentence ended."""
    looped = "Turn off the kitchen light and turn off the kitchen light."
    assert not clean_command("Turn off the kitchen light.", [looped])
    assert not clean_command("Turn off the kitchen light.", ["Turn off the kitchen light. " * 2])
    complete = Judgement.COMPLETE
    assert judge_decodings(complete, [looped], "Turn off the kitchen light.") is not complete
    # Said twice with nothing dangling between: a loop, but nothing says it goes on.
    twice = "Turn off the kitchen light. Turn off the kitchen light."
    assert judge_decodings(complete, [twice], "Turn off the kitchen light.") is complete


def test_a_clean_command_may_be_written_with_digits_or_without_punctuation() -> None:
    """Whisper tiny writes the same speech both ways; neither says more is coming."""
    assert clean_command("Set a timer for five minutes.", ["Set a timer for 5 minutes."])
    assert clean_command("Set the light to fifty percent.", ["Set the light to 50%."])
    assert clean_command("Set it to twenty-five percent.", ["set it to 25 percent"])
    assert clean_command("Turn on the living room light.", ["turn on the living room light"])
    assert not clean_command("Set a timer for five minutes.", ["Set a timer for 15 minutes."])
    assert not clean_command("Turn on the kitchen light.", ["Turn on the kitchen light -"])
    assert not clean_command("Turn on the kitchen light.", ["Turn on the kitchen light…"])
    assert not clean_command("Turn on the kitchen light.", ["Turn on the kitchen light. . ."])
    assert not clean_command("Turn on the kitchen light.", [""])
    assert not clean_command("", ["Turn on the kitchen light."])
    assert clean_command("Set the light to 50%.", ["set the light to 50%"])


def test_a_second_look_of_the_voice_counts_when_it_says_finished() -> None:
    assert judge_voice(0.14, POLICY, again=0.96) is Judgement.COMPLETE
    assert judge_voice(0.14, POLICY, again=0.2) is Judgement.INCOMPLETE
    assert judge_voice(0.14, POLICY) is Judgement.INCOMPLETE


def test_a_clean_command_counts_a_doubting_voice_as_unsure() -> None:
    """Not the long limit: the fixed silence. A voice that says finished still ends it at
    a whole command's pause, and words that go on still hold it open."""
    policy = TurnEndConfig()
    words = Judgement.COMPLETE
    assert pause_needed(Judgement.INCOMPLETE, words, policy, command=True, clean=True) == 0.7
    assert pause_needed(Judgement.INCOMPLETE, words, policy, command=True) == 1.6
    assert pause_needed(Judgement.COMPLETE, words, policy, command=True, clean=True) == 0.43
    dangling = Judgement.INCOMPLETE
    assert pause_needed(Judgement.INCOMPLETE, dangling, policy, command=True, clean=True) == 1.6
    off = TurnEndConfig(clean_command_over_voice=False)
    assert pause_needed(Judgement.INCOMPLETE, words, off, command=True, clean=True) == 1.6


def walk_swinging(
    voice: SwingingVoice,
    policy: TurnEndConfig | None = None,
    unbiased: str = "Turn on the kitchen light.",
) -> float | None:
    """ "Turn on the kitchen light.", heard as `unbiased` without the bias, its pause
    walked in 32 ms steps with its audio: where the turn ends."""
    judge = PauseJudge(policy or TurnEndConfig(), ENDPOINT, voice)  # type: ignore[arg-type]
    samples = np.zeros(int(3.0 * 16000), np.int16)
    pause = 0.0
    while pause < 2.0:
        pause = round(pause + 0.032, 3)
        at = progress(2.0, pause)
        speculation = command_on(at, "Turn on the kitchen light.", unbiased)
        so_far = samples[: int((2.0 + pause) * 16000)]
        if judge.ends(at, speculation, lambda so_far=so_far: so_far):
            return pause
    return None


@pytest.mark.parametrize("again", [0.9, 0.93])
def test_a_complete_command_whose_voice_doubts_at_first_still_ends_promptly(again: float) -> None:
    """ "Turn on the kitchen light.": the voice says 0.14 on 0.2 s of silence and 0.9 on
    0.28 s; judged once more, it ends at a whole command's pause, not at the long limit."""
    policy = TurnEndConfig()
    voice = SwingingVoice(0.14, again)
    ended = walk_swinging(voice, policy)
    assert ended is not None
    # A second look short of command_again_probability is not sure: not the command pause.
    unsure_s = policy.unsure_command_pause_seconds
    assert unsure_s <= ended < unsure_s + 0.04
    assert voice.calls == 2
    # Each look heard the pause as it was at its own length of silence.
    assert voice.lengths == [pytest.approx(2.2 * 16000, abs=2), pytest.approx(2.28 * 16000, abs=2)]


@pytest.mark.parametrize("first", [0.14, 0.6])
def test_a_sure_second_look_earns_a_clean_command_the_command_pause(first: float) -> None:
    """The kitchen light's voice is 0.14-0.49 at 0.2 s where most chunks fall and 0.83-0.96
    at 0.28 s; the correction ("..., no, the bedroom lamp.") at most 0.904 there. A voice
    that said goes on, or finished without being sure, and is at least 0.95 a chunk later
    ends the command at the command pause."""
    policy = TurnEndConfig()
    voice = SwingingVoice(first, 0.96)
    ended = walk_swinging(voice, policy)
    assert ended is not None
    assert policy.command_pause_seconds <= ended < policy.command_pause_seconds + 0.04
    assert voice.calls == 2
    # Off, the same voice waits the short pause; a sure first look needs no second.
    ended = walk_swinging(SwingingVoice(first, 0.96), TurnEndConfig(command_again_probability=0))
    assert ended is not None and ended >= policy.short_pause_seconds
    sure = SwingingVoice(0.92, 0.2)
    ended = walk_swinging(sure, policy)
    assert ended is not None and ended < policy.command_pause_seconds + 0.04
    assert sure.calls == 1


def test_a_second_look_must_be_at_least_as_sure_as_the_first() -> None:
    """command_probability raised above command_again_probability raises the second
    look's bar with it (a configuration from before the key still loads)."""
    strict = TurnEndConfig(command_probability=0.97)
    words = Judgement.COMPLETE
    assert not ends_turn(0.33, 0.3, words, strict, command=True, clean=True, again=0.96)
    assert ends_turn(0.33, 0.3, words, strict, command=True, clean=True, again=0.97)
    loose = TurnEndConfig(command_again_probability=0.6)
    assert not ends_turn(0.33, 0.3, words, loose, command=True, clean=True, again=0.8)


def test_a_sure_second_look_does_not_end_words_that_are_not_a_clean_command() -> None:
    """A question, or a command whose decoding without the bias wrote more: the second
    look is the plain one (finished or not), never the command pause."""
    policy = TurnEndConfig()
    words = Judgement.COMPLETE
    assert not ends_turn(0.33, 0.14, words, policy, again=0.99)
    assert ends_turn(0.4, 0.14, words, policy, again=0.99)
    assert not ends_turn(0.33, 0.14, words, policy, command=True, again=0.99)
    # A voice that said finished gets no second look for words that are no command.
    assert not wants_second_look(words, 0.6, policy)
    assert wants_second_look(words, 0.6, policy, command=True)
    assert not wants_second_look(words, 0.9, policy, command=True)


def test_a_command_heard_otherwise_without_the_bias_gets_no_look_it_cannot_use() -> None:
    """Not clean, a command cannot earn the command pause: a voice that said finished is
    not asked again for it (a call that would only take a core at the pause)."""
    voice = SwingingVoice(0.6, 0.99)
    ended = walk_swinging(voice, unbiased="Turn on the kitchen lamp.")
    assert ended is not None and ended >= TurnEndConfig().short_pause_seconds
    assert voice.calls == 1


class SlowVoice(SwingingVoice):
    """Smart Turn on a slow machine: each look takes `seconds`."""

    def __init__(self, seconds: float, *probabilities: float) -> None:
        super().__init__(*probabilities)
        self.seconds = seconds

    def probability(self, samples: np.ndarray) -> float:
        time.sleep(self.seconds)
        return super().probability(samples)


def test_a_look_that_would_end_after_a_whole_commands_pause_is_not_taken() -> None:
    """A voice that said finished but not sure is looked at again only where that look
    can end the turn sooner: the last look's time, added to the pause, is short of the
    pause of a whole command without a sure voice. On a slow machine it would only hold
    the turn past it."""
    policy = TurnEndConfig()
    # Asked at 0.288 s, a look of 0.16 s would end after 0.43 s.
    slow = SlowVoice(0.16, 0.6, 0.99)
    ended = walk_swinging(slow, policy)
    assert slow.calls == 1
    unsure_s = policy.unsure_command_pause_seconds
    assert ended is not None and unsure_s <= ended < unsure_s + 0.04
    # Where the voice said the sentence goes on, the second look is needed whatever it
    # costs: without it the command waits the fixed silence.
    slow = SlowVoice(0.13, 0.14, 0.9)
    ended = walk_swinging(slow, policy)
    assert slow.calls == 2
    assert ended is not None and ended < policy.fallback_pause_seconds


def test_the_second_look_is_taken_while_the_words_are_still_coming() -> None:
    """On a 2-core Zen 3 the command's check came 0.45 s into the pause: the second look
    waited for it, then took its own 0.11 s. Taken at 0.28 s, it is ready when they come;
    it changes when the turn ends, never whether (the words still decide)."""
    policy = TurnEndConfig()
    for unbiased, ends_at in (
        ("Turn on the kitchen light.", 0.448),  # the first step once the words have come
        ("Turn on the kitchen light and", None),  # dangling: the long limit, past 1 s
    ):
        voice = SwingingVoice(0.14, 0.96)
        judge = PauseJudge(policy, ENDPOINT, voice)  # type: ignore[arg-type]
        pause, ended, calls_at = 0.0, None, {}
        while ended is None and pause < 1.0:
            pause = round(pause + 0.032, 3)
            at = progress(2.0, pause)
            heard = command_on(at, "Turn on the kitchen light.", unbiased, checked=pause >= 0.44)
            if judge.ends(at, heard, audio):
                ended = pause
            calls_at[pause] = voice.calls
        assert calls_at[0.288] == 2  # the first step at or past voice_again_after_seconds
        assert ended == ends_at


def test_a_complete_command_whose_voice_doubts_twice_waits_the_fixed_silence() -> None:
    judge = PauseJudge(TurnEndConfig(), ENDPOINT, SwingingVoice(0.05, 0.1))  # type: ignore[arg-type]
    ended = walk_command(judge, 2.0, "Turn on the kitchen light.", 2.0)
    assert ended is not None and 0.7 <= ended < 0.74


def test_the_dangling_and_heard_as_lightened_is_still_held_open() -> None:
    """Piper's "Turn off the kitchen light and ... the ceiling fan.": with the bias a whole
    command, without it "... lightened."; the voice says 0.19, then 0.14."""
    policy = TurnEndConfig()
    judge = PauseJudge(policy, ENDPOINT, SwingingVoice(0.19, 0.14))  # type: ignore[arg-type]
    pause, ended = 0.0, None
    while ended is None and pause < 2.0:
        pause = round(pause + 0.032, 3)
        at = progress(2.0, pause)
        heard = command_on(at, "Turn off the kitchen light.", "Turn off the kitchen lightened.")
        if judge.ends(at, heard, audio):
            ended = pause
    assert ended is not None and ended >= policy.long_pause_seconds


def test_the_correction_is_not_cut_at_its_inner_pause() -> None:
    """ "Turn on the kitchen light, ... no, the bedroom lamp.": the first half is a whole
    command to every signal (the same words without the bias; the voice 0.41-0.79 at its
    first judgement, up to 0.90 at its second), and its pause measures 0.27-0.42 s where the
    chunks fall: the command pause needs a surer voice, and a whole command's pause
    without one is longer than that (fifteen 30 ms frames, where a question's short
    pause is fourteen, 0.42 s)."""
    policy = TurnEndConfig()
    words = Judgement.COMPLETE
    assert not ends_turn(0.39, 0.79, words, policy, command=True, clean=True)
    assert not ends_turn(0.39, 0.41, words, policy, command=True, clean=True, again=0.904)
    assert not ends_turn(0.39, 0.79, words, policy, command=True, clean=True, again=0.904)
    assert not ends_turn(0.42, 0.78, words, policy, command=True, clean=True, again=0.36)
    assert ends_turn(0.45, 0.79, words, policy, command=True, clean=True)
    # A question's words at that pause end it.
    assert ends_turn(0.42, 0.79, words, policy)
    # The command pause is what a surer voice earns: shorter than that pause.
    assert ends_turn(0.32, 0.95, words, policy, command=True, clean=True)
    # Whisper writing the comma holds it open whatever the voice says.
    judge = PauseJudge(policy, ENDPOINT, FakeVoice(0.9))  # type: ignore[arg-type]
    ended = walk_command(judge, 2.0, "Turn on the kitchen light,", 3.0)
    assert ended is not None and ended >= policy.long_pause_seconds


def test_the_correction_heard_unpunctuated_is_held_by_its_voice() -> None:
    """Without the bias Whisper may write the correction's first half "turn on the kitchen
    light": as clean as a full stop, so only the voice (at most 0.79 there) keeps it from
    the command pause, and the short pause is longer than its inner pause."""
    judge = PauseJudge(TurnEndConfig(), ENDPOINT, FakeVoice(0.79))  # type: ignore[arg-type]
    ended = walk_command(judge, 2.0, "turn on the kitchen light", 2.0)
    assert ended is not None and ended >= TurnEndConfig().short_pause_seconds


def test_a_closed_sentence_the_voice_doubts_gets_no_second_look() -> None:
    """ "Had he married a more amiable woman." inside a real person's sentence: the voice
    rose with the silence. One look, and the long limit."""
    voice = SwingingVoice(0.1, 0.96)
    policy = TurnEndConfig()
    judge = PauseJudge(policy, ENDPOINT, voice)  # type: ignore[arg-type]
    ended = walk(judge, 2.0, "Had he married a more amiable woman.", 2.0)
    assert ended is not None and ended >= policy.long_pause_seconds
    assert voice.calls == 1
    # Said finished at once: the short pause.
    judge = PauseJudge(policy, ENDPOINT, FakeVoice(0.9))  # type: ignore[arg-type]
    ended = walk(judge, 2.0, "Tell me a funny joke.", 2.0)
    assert ended is not None and policy.short_pause_seconds <= ended < 0.44


def test_a_second_look_is_not_carried_into_the_next_pause() -> None:
    """The first pause's second look said finished, speech resumed before the turn ended:
    the next pause is judged afresh (doubted twice there: the fixed silence)."""
    voice = SwingingVoice(0.14, 0.9, 0.14, 0.1)
    judge = PauseJudge(TurnEndConfig(), ENDPOINT, voice)  # type: ignore[arg-type]
    pause = 0.0
    while pause < 0.33:  # past the second look, short of the short pause
        pause = round(pause + 0.032, 3)
        at = progress(2.0, pause)
        heard = command_on(at, "Turn on the kitchen light.", "Turn on the kitchen light.")
        assert not judge.ends(at, heard, audio)
    assert voice.calls == 2
    ended = walk_command(judge, 3.0, "Turn on the kitchen light.", 2.0)
    assert voice.calls == 4
    assert ended is not None and ended >= TurnEndConfig().fallback_pause_seconds


@pytest.mark.parametrize(
    "settings",
    [
        {"command_probability": 0.3},  # a voice saying "goes on" would earn the command pause
        {"voice_again_after_seconds": 0.2},  # the same audio judged twice
        {"voice_again_after_seconds": 0.1},
    ],
)
def test_settings_that_defeat_the_second_look_or_the_sure_voice_are_refused(
    settings: dict[str, float],
) -> None:
    with pytest.raises(ValidationError) as raised:
        TurnEndConfig(**settings)  # type: ignore[arg-type]
    assert next(iter(settings)) in str(raised.value)
