"""voiced saying the wake word's name ("I am Jarvis") is not taken for the person."""

from __future__ import annotations

import pytest

from voiced.wake import OWN_VOICE_TAIL_SECONDS, OwnVoice, wake_phrase_words


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("I am Jarvis, a voice assistant in a home.", True),
        ("Okay, Jarvis here.", True),
        ("That is Jarvis's job.", True),
        ("MY NAME IS JARVIS.", True),
        ("Hey there! How can I help?", False),  # "hey" alone is no name
        ("The capital of France is Paris.", False),
        ("Jarvisville is a town.", False),
    ],
)
def test_a_sentence_names_the_wake_word_by_its_name(text: str, names: bool) -> None:
    assert OwnVoice("hey_jarvis").names(text) is names


def test_the_name_is_the_phrase_without_its_calls_and_version() -> None:
    assert wake_phrase_words("hey_mycroft_v0.1") == ["hey", "mycroft"]
    assert OwnVoice("hey_mycroft_v0.1").words == {"mycroft"}
    assert OwnVoice("alexa").words == {"alexa"}
    assert OwnVoice("ok_hey").words == {"ok", "hey"}  # calls alone: the phrase whole


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_wake_word_is_its_own_while_the_name_plays_and_shortly_after() -> None:
    clock = Clock()
    own = OwnVoice("hey_jarvis", clock)
    assert not own.heard_at(clock.now)  # nothing played yet
    own.playing()  # the sentence's first audio written
    first_written = clock.now
    clock.now += 0.1
    own.playing()  # and its last
    last_written = clock.now
    assert not own.heard_at(first_written - 0.01)  # heard before it was played
    assert own.heard_at(first_written + 0.05)
    assert own.heard_at(last_written + OWN_VOICE_TAIL_SECONDS - 0.01)
    assert not own.heard_at(last_written + OWN_VOICE_TAIL_SECONDS + 0.01)
    # The next sentence naming it, later: a new stretch.
    clock.now += 5.0
    own.playing()
    assert not own.heard_at(last_written + OWN_VOICE_TAIL_SECONDS + 0.01)
    assert own.heard_at(clock.now + 0.5)
