"""Whisper in a window shorter than its 30 s, for real, on the recordings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.helpers import MODELS_DIR, recording, words
from voiced.asr import whisper_dir
from voiced.asr.whisper_engine import (
    LOOP_REPETITION_PENALTY,
    WhisperRecognizer,
    WindowCache,
    generation_length,
    repeats_itself,
    said_before_the_loop,
    window_for,
)
from voiced.asr_config import WhisperAsrConfig
from voiced.wavio import read_wav

# Phrases to steer recognition, as the intents' vocabulary does.
PHRASES = ["turn on", "turn off", "the kitchen light", "set a timer for", "minutes"]


def recognizer(window: int) -> WhisperRecognizer:
    config = WhisperAsrConfig(temperature=0.0, window_seconds=window)
    return WhisperRecognizer(whisper_dir(MODELS_DIR, config), config)


@pytest.fixture(scope="module")
def short_window() -> WhisperRecognizer:
    return recognizer(WhisperAsrConfig().window_seconds)


@pytest.fixture(scope="module")
def full_window() -> WhisperRecognizer:
    return recognizer(30)


def heard(recognizer: WhisperRecognizer, samples: np.ndarray, phrases: list[str]) -> str:
    session = recognizer.start(phrases)
    session.accept(samples)
    return session.finish()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("commands/kitchen-light-on", {"turn", "on", "kitchen", "light"}),
        ("commands/timer-five-minutes", {"set", "timer", "minutes"}),
        ("ask-capital", {"what", "capital", "france"}),
    ],
)
def test_a_short_window_hears_what_the_full_one_hears(
    short_window: WhisperRecognizer, full_window: WhisperRecognizer, name: str, expected: set[str]
) -> None:
    samples = read_wav(recording(name))
    assert expected <= words(heard(short_window, samples, PHRASES))
    assert expected <= words(heard(full_window, samples, PHRASES))


@pytest.mark.slow
def test_the_window_path_decodes_30_s_as_faster_whisper_does(
    full_window: WhisperRecognizer,
) -> None:
    """The window's own decoding, given 30 s, is faster-whisper's transcribe to the letter:
    the same prompt, padding, suppressed tokens and silence test."""
    names = ["commands/kitchen-light-off", "commands/bedroom-lamp-20", "commands/bedroom-lamp-on"]
    for name in [*names, "espeak-ask-capital", "ask-sky"]:
        samples = read_wav(recording(name)).astype(np.float32) / 32768
        prompt = " ".join(PHRASES)
        direct = full_window._decode_in_window(samples, prompt, 30)
        assert direct == full_window._decode_full(samples, prompt)


@pytest.mark.slow
@pytest.mark.parametrize("times", [1, 2])
def test_speech_longer_than_the_window_is_heard_to_its_end(times: int) -> None:
    """About 15 s: in a wider step than the 10 s window; about 29 s: in the full one."""
    names = ("ask-capital", "ask-sky", "commands/kitchen-light-on") * times
    long_speech = np.concatenate([read_wav(recording(name)) for name in names])
    assert len(long_speech) > [10, 20][times - 1] * 16_000
    text = heard(recognizer(10), long_speech, PHRASES).lower()
    assert "france" in text and "sky" in text and "kitchen light" in text


@pytest.mark.slow
def test_an_encoder_output_is_reused_only_in_its_own_window(
    short_window: WhisperRecognizer,
) -> None:
    """A cache met by a decoding in another window is encoded again, not decoded as if
    its output were that window's."""
    samples = read_wav(recording("ask-capital")).astype(np.float32) / 32768
    cache = WindowCache()
    short_window._decode_in_window(samples, None, 10, cache)
    assert cache.seconds == 10
    again = short_window._decode_in_window(samples, None, 15, cache)
    assert cache.seconds == 15
    assert again == short_window._decode_in_window(samples, None, 15, WindowCache())


@pytest.mark.slow
def test_silence_in_a_short_window_is_heard_as_nothing(short_window: WhisperRecognizer) -> None:
    assert heard(short_window, read_wav(recording("silence")), PHRASES) == ""


@pytest.mark.parametrize(
    ("text", "loops"),
    [
        ("Turn off the coffee maker. Turn off the coffee maker.", True),
        ("What's the date? What's the date?", True),
        ("the " * 20, True),
        # A loop cut at the token limit, no punctuation.
        ("turn on the living room light turn on the living room light turn on the", True),
        ("I said turn it on, turn it on now", True),
        ("very very good", False),  # one word again is speech
        ("what is the time and what is the date", False),
        ("Turn on the kitchen light.", False),
        ("Set the bedroom lamp. Write us to 20 percent.", False),
        ("Paris is the capital of France. It is a big city.", False),
        ("", False),
    ],
)
def test_a_transcript_that_loops_is_told_apart(text: str, loops: bool) -> None:
    assert repeats_itself(text) is loops


@pytest.mark.slow
def test_a_short_window_that_loops_even_with_the_penalty_is_decoded_in_the_full_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looping = recognizer(15)
    loop = "Turn on the kitchen light. " * 3
    monkeypatch.setattr(looping, "_decode_in_window", lambda *_args, **_kwargs: loop.strip())
    text = heard(looping, read_wav(recording("commands/kitchen-light-on")), PHRASES)
    assert text.lower().count("kitchen light") == 1
    assert (looping.penalised_retries, looping.full_window_retries) == (1, 1)


@pytest.mark.slow
def test_a_loop_in_the_short_window_is_decoded_again_in_it_with_a_penalty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The decoder alone again, not the full window's encoder too."""
    looping = recognizer(15)
    decode = looping._decode_in_window
    penalties: list[float] = []

    def first_loops(*args: Any, repetition_penalty: float = 1.0, **kwargs: Any) -> str:
        penalties.append(repetition_penalty)
        text = decode(*args, repetition_penalty=repetition_penalty, **kwargs)
        return f"{text} {text}" if repetition_penalty == 1.0 else text

    monkeypatch.setattr(looping, "_decode_in_window", first_loops)
    text = heard(looping, read_wav(recording("commands/kitchen-light-on")), PHRASES)
    assert {"turn", "on", "kitchen", "light"} <= words(text)
    assert text.lower().count("kitchen light") == 1
    assert penalties == [1.0, LOOP_REPETITION_PENALTY]
    assert (looping.penalised_retries, looping.full_window_retries) == (1, 0)


@pytest.mark.slow
def test_a_command_whisper_loops_on_is_heard_without_the_full_window() -> None:
    """The audio the pipeline decoded without the bias at the living-room command's pause
    (its chunks at 0 samples): Whisper tiny wrote "turn on the living room light turn on
    the living room light ..." in the 15 s window here."""
    looping = recognizer(15)
    text = looping.transcribe(read_wav(recording("whisper-loop-living-room")))
    assert words(text) == {"turn", "on", "the", "living", "room", "light"}
    assert text.lower().count("living room") == 1
    if looping.penalised_retries == 0:
        pytest.skip("Whisper did not loop on it with this CPU's kernels")
    assert (looping.penalised_retries, looping.full_window_retries) == (1, 0)


@pytest.mark.slow
@pytest.mark.parametrize("prompted", [False, True])
def test_a_decoding_writes_as_many_tokens_as_it_is_let(
    short_window: WhisperRecognizer, prompted: bool
) -> None:
    """CTranslate2's Whisper writes at most min(max_length // 2, max_length - prompt + 1)
    tokens: without a prompt, a max_length of prompt + wanted let it write half of them."""
    samples = read_wav(recording("ask-sky")).astype(np.float32) / 32768
    window = WindowCache()
    short_window._decode_in_window(samples, None, 10, window)
    tokens = short_window._prompt_tokens(" ".join(PHRASES * 4) if prompted else None)

    def written(wanted: int) -> int:
        result = short_window._model.model.generate(
            window.encoded,
            [tokens],
            max_length=generation_length(len(tokens), wanted, 448),
            beam_size=1,
        )[0]
        return len(result.sequences_ids[0])

    # As many as the words take when let write freely (10 on a Zen 5, more elsewhere).
    free = written(200)
    assert free >= 8
    for wanted in (3, 8, 11):
        assert written(wanted) == min(wanted, free)


@pytest.mark.slow
def test_the_check_without_the_bias_of_a_command_whisper_loops_on_is_cut_and_heard() -> None:
    """The living-room command's pause audio: its decoding without the bias, cut at about
    twice the biased decoding's tokens, is still told a loop and decoded again in the
    window with the penalty, to the command's words."""
    looping = recognizer(10)
    session = looping.start(["turn on the living room light", *PHRASES])
    session.accept(read_wav(recording("whisper-loop-living-room")))
    decoder = session.decoder()
    assert "living room light" in decoder().lower()
    unbiased = decoder.without_bias() or ""
    assert unbiased.lower().count("living room") == 1
    assert words(unbiased) >= {"turn", "on", "living", "room", "light"}
    assert looping.full_window_retries == 0


@pytest.mark.slow
def test_a_penalised_decoding_that_says_more_than_the_loop_is_not_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The penalty scores down words a sentence may say twice: a decoding with words the
    loop did not have goes to the full window."""
    looping = recognizer(15)

    def loop_then_other(*_args: Any, repetition_penalty: float = 1.0, **_kwargs: Any) -> str:
        if repetition_penalty == 1.0:
            return "turn on the light turn on the light turn on the"
        return "turn on the lamp"

    monkeypatch.setattr(looping, "_decode_in_window", loop_then_other)
    heard(looping, read_wav(recording("commands/kitchen-light-on")), PHRASES)
    assert (looping.penalised_retries, looping.full_window_retries) == (1, 1)


@pytest.mark.parametrize(
    ("loop", "said_once"),
    [
        ("Turn on the light. Turn on the light. Turn on the", "turn on the light"),
        ("turn on the room light turn on the room light turn on", "turn on the room light"),
        ("Hey Jarvis 5 5 5 5 5 5 5", "hey jarvis 5"),
        ("Two, three, four, two, three, four, two, three", "two three four"),
        ("Stop. Stop. Stop.", "stop"),
        (". . . . . . . .", ""),
    ],
)  # fmt: skip
def test_a_loop_says_its_words_once_before_it_repeats_them(loop: str, said_once: str) -> None:
    assert said_before_the_loop(loop) == said_once.split()


@pytest.mark.slow
@pytest.mark.parametrize("penalised", ["", ".", "Turn on the", "Turn on the kitchen"])
def test_a_penalised_decoding_that_says_less_than_the_loop_is_not_taken(
    monkeypatch: pytest.MonkeyPatch, penalised: str
) -> None:
    """Nothing, or a command cut short, begins the loop's words but is not what it heard:
    the full window decides."""
    looping = recognizer(15)

    def loop_then_less(*_args: Any, repetition_penalty: float = 1.0, **_kwargs: Any) -> str:
        if repetition_penalty == 1.0:
            return "Turn on the kitchen light. Turn on the kitchen light. Turn on the"
        return penalised

    monkeypatch.setattr(looping, "_decode_in_window", loop_then_less)
    text = heard(looping, read_wav(recording("commands/kitchen-light-on")), PHRASES)
    assert {"turn", "on", "kitchen", "light"} <= words(text)
    assert (looping.penalised_retries, looping.full_window_retries) == (1, 1)


@pytest.mark.slow
def test_digital_silence_that_loops_in_the_short_window_is_heard_as_nothing() -> None:
    """Whisper tiny writes ". . . . ." for 3 s of zeros in the 10 s window, and "." with
    the penalty; the full window, as faster-whisper's transcribe, writes nothing."""
    quiet = recognizer(10)
    assert heard(quiet, np.zeros(3 * 16000, np.int16), []) == ""


@pytest.mark.parametrize(
    ("least", "seconds", "window"),
    [(10, 3.0, 10), (10, 9.9, 10), (10, 10.0, 15), (10, 14.0, 15), (10, 19.0, 20), (10, 25.0, 30),
     (15, 3.0, 15), (20, 3.0, 20), (30, 3.0, 30), (10, 40.0, 30)],
)  # fmt: skip
def test_a_command_is_heard_in_the_shortest_window_that_holds_it(
    least: int, seconds: float, window: int
) -> None:
    """`window_seconds` for what fits in it; a longer command in the next of 15 or 20 s
    rather than straight in the full 30 s (its encoder takes twice as long as 15 s)."""
    assert window_for(int(seconds * 16_000), least) == window
