"""Sentences said before are spoken from the phrase cache, within its bound."""

from __future__ import annotations

import numpy as np
import pytest

from voiced.models import Models
from voiced.tts import PhraseCache
from voiced.turn.loop import start_speaker


def audio(samples: int) -> list[np.ndarray]:
    return [np.zeros(samples, dtype=np.int16)]


def test_least_recently_used_phrases_go_first() -> None:
    cache = PhraseCache(max_samples=300)
    cache.put("one", audio(100))
    cache.put("two", audio(100))
    cache.put("three", audio(100))
    assert cache.get("one") is not None  # now the most recently used
    cache.put("four", audio(100))
    assert cache.get("two") is None
    assert [text for text in ("one", "three", "four") if cache.get(text)] == [
        "one",
        "three",
        "four",
    ]


def test_a_phrase_longer_than_the_bound_is_not_kept() -> None:
    cache = PhraseCache(max_samples=50)
    cache.put("long", audio(100))
    assert cache.get("long") is None
    off = PhraseCache(max_samples=0)
    off.put("short", audio(1))
    assert off.get("short") is None


@pytest.mark.slow
def test_the_voice_says_a_repeated_sentence_from_the_cache(models: Models) -> None:
    text = "The phrase cache test light is on."
    first = np.concatenate(list(models.tts.synthesize(text, cached=True)))
    voice = models.tts._voice
    models.tts._voice = None  # a cached sentence does not reach the voice
    try:
        again = np.concatenate(list(models.tts.synthesize(text, cached=True)))
    finally:
        models.tts._voice = voice
    assert np.array_equal(first, again)
    fresh = np.concatenate(list(models.tts.synthesize(text)))
    assert len(fresh) > 0  # Piper varies its durations a little from run to run


class Recorder:
    """A speaker's sink that keeps what it was given."""

    def __init__(self) -> None:
        self.written: list[np.ndarray] = []

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        self.written.append(samples)

    def end_reply(self, cut: bool) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.slow
def test_words_prepared_ahead_are_cached_and_never_played(models: Models) -> None:
    text = "The prepared test lamp is on."
    sink = Recorder()
    speaker = start_speaker(models.tts, sink)
    try:
        speaker.prepare(text)
        speaker.speak("")  # behind the preparation in the speaker's queue
        assert models.tts._cache.get(text) is not None
        assert sink.written == []
    finally:
        speaker.close()


@pytest.mark.slow
def test_a_preparation_that_fails_leaves_the_speaker_working(models: Models) -> None:
    sink = Recorder()
    speaker = start_speaker(models.tts, sink)
    voice = models.tts._voice
    try:
        models.tts._voice = None  # Piper fails on this one
        speaker.prepare("The broken test lamp is on.")
        speaker.speak("")
        models.tts._voice = voice
        reply = speaker.speak("The working test lamp is on.")
        assert reply.error is None
        assert sum(len(samples) for samples in sink.written) == reply.samples_spoken > 0
    finally:
        models.tts._voice = voice
        speaker.close()
