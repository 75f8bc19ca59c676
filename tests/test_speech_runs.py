"""Piper speaks a long sentence in runs of bounded length, so its memory has its full size
after the warm-up and long sentences later never grow it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voiced.config import Config
from voiced.report import resident_mb
from voiced.tts import _WARM_UP_TEXT, MAX_PHONEMES_PER_RUN, PiperTts, phoneme_runs


def phonemes(text: str) -> list[str]:
    return list(text)


def test_a_short_sentence_is_one_run() -> None:
    assert list(phoneme_runs(phonemes("ðə lˈaɪt ɪz ˈɔn."), 100)) == [phonemes("ðə lˈaɪt ɪz ˈɔn.")]


def test_a_long_sentence_is_cut_after_a_clause_then_between_words() -> None:
    runs = ["".join(run) for run in phoneme_runs(phonemes("aaaa bbbb cc, dddd eeee"), 16)]
    assert runs == ["aaaa bbbb cc,", "dddd eeee"]
    # A clause ending in the first half of a run is too short to be worth a cut there.
    runs = ["".join(run) for run in phoneme_runs(phonemes("aa, bbbb cccc dddd eeee"), 16)]
    assert runs == ["aa, bbbb cccc", "dddd eeee"]


def test_an_endless_word_is_cut_at_the_limit() -> None:
    runs = list(phoneme_runs(phonemes("x" * 25), 10))
    assert [len(run) for run in runs] == [10, 10, 5]


def test_no_run_is_longer_than_the_limit_and_nothing_is_lost() -> None:
    text = "wˈʌn, tˈuː θɹˈiː fˈɔːɹ; fˈaɪv sˈɪks sˈɛvən ˈeɪt nˈaɪn tˈɛn ɪlˈɛvən twˈɛlv. " * 4
    runs = list(phoneme_runs(phonemes(text.strip()), 30))
    assert all(0 < len(run) <= 30 for run in runs)
    assert all(run[0] != " " and run[-1] != " " for run in runs)
    assert " ".join("".join(run) for run in runs) == text.strip()


@pytest.mark.slow
def test_the_voice_speaks_a_long_sentence_in_bounded_runs(config: Config) -> None:
    tts = PiperTts(Path(config.models_dir), config.tts)
    sentence = (
        "The sky looks blue because the air scatters the short blue waves of sunlight far "
        "more than the long red ones, so blue light reaches your eyes from every part of "
        "the sky, and the sun itself looks a little yellow."
    )
    runs = list(tts._runs(sentence))
    assert len(runs) > 1
    assert all(len(run) <= MAX_PHONEMES_PER_RUN for run in runs)
    audio = list(tts.synthesize(sentence))
    assert len(audio) == len(runs)
    seconds = sum(len(chunk) for chunk in audio) / tts.sample_rate
    assert 8 < seconds < 20  # all of it spoken, at a speaking pace
    assert all(np.abs(chunk).max() > 10_000 for chunk in audio)  # each run at full scale


@pytest.mark.slow
def test_long_sentences_after_the_warm_up_do_not_grow_memory(config: Config) -> None:
    tts = PiperTts(Path(config.models_dir), config.tts)
    # The warm-up speaks a whole run of the longest length, or it would not reach the size.
    assert len(tts._voice.phonemize(_WARM_UP_TEXT)[0]) >= MAX_PHONEMES_PER_RUN
    tts.warm_up()
    before = resident_mb()
    sentences = [
        "The light in the living room is on, and the heating is set to twenty one degrees.",
        "La lumière de l'amélioratif est de l'amélioratif.",
        "The sky looks blue because the air scatters the short blue waves of sunlight far "
        "more than the long red ones, so blue light reaches your eyes from every part of "
        "the sky.",
        "Yes.",
        "It is a quarter past three in the afternoon, and your timer for the pasta has four "
        "minutes left.",
        "Paris is the capital of France, Berlin is the capital of Germany, and Rome is the "
        "capital of Italy.",
    ]
    for sentence in sentences * 2:
        for _ in tts.synthesize(sentence):
            pass
    after = resident_mb()
    # Measured: 5-7 MB here; 40-45 MB when a long sentence is one run, 10-73 MB when
    # onnxruntime plans a memory pattern for every input shape.
    assert after - before < 20
