import pytest

from voiced.pipeline import strip_wake_phrase

WAKE = "hey_jarvis"


@pytest.mark.parametrize(
    ("heard", "command"),
    [
        ("Hey Jarvis, what is the capital of France?", "What is the capital of France?"),
        ("Jarvis. Turn on the light", "Turn on the light"),
        ("hey jarvis turn it off", "Turn it off"),
        ("Jarvis, - stop", "Stop"),
    ],
)
def test_wake_phrase_or_its_tail_is_dropped(heard, command):
    assert strip_wake_phrase(heard, WAKE) == command


@pytest.mark.parametrize(
    "heard", ["What is the capital of France?", "Turn on the light.", "Tell me about Jarvis."]
)
def test_transcript_without_the_wake_phrase_is_unchanged(heard):
    assert strip_wake_phrase(heard, WAKE) == heard


@pytest.mark.parametrize("heard", ["jarvis", "Hey Jarvis.", "", "  "])
def test_only_the_wake_phrase_leaves_nothing(heard):
    assert strip_wake_phrase(heard, WAKE) == ""


def test_at_most_as_many_words_as_the_wake_phrase_are_dropped():
    assert strip_wake_phrase("Hey Jarvis Jarvis is my name", WAKE) == "Jarvis is my name"


def test_transcript_without_the_wake_phrase_keeps_its_case_and_words():
    assert strip_wake_phrase("what time is it", "hey_jarvis") == "what time is it"
    assert strip_wake_phrase("Hey hey there", "hey_jarvis") == "Hey hey there"


@pytest.mark.parametrize("model", ["hey_jarvis_v0.1", "hey_jarvis_v2", "hey_jarvis_v0.1.2"])
def test_a_wake_model_named_with_its_version_names_the_same_phrase(model):
    assert strip_wake_phrase("Hey Jarvis, turn on the light.", model) == "Turn on the light."
    assert strip_wake_phrase("Jarvis. Stop", model) == "Stop"
    assert strip_wake_phrase("Turn on the light.", model) == "Turn on the light."
