"""The command bias as Vosk's grammar: Vosk looks each word of a phrase up exactly and
drops the ones its model lacks, so the phrases are written in the model's own words."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import MODELS_DIR
from voiced.asr.vosk_engine import VoskRecognizer, vosk_phrases
from voiced.config import parse_config
from voiced.intents.engine import IntentEngine
from voiced.intents.matcher import COMMAND_SENTENCES

KOREAN_MODEL = MODELS_DIR / "vosk" / "vosk-model-small-ko-0.22"


def test_phrases_are_lower_case_words_without_punctuation() -> None:
    assert vosk_phrases(["Turn on the kitchen light.", "What time is it?"]) == [
        "turn on the kitchen light",
        "what time is it",
    ]


def test_numbers_in_phrases_are_spelled_out() -> None:
    assert vosk_phrases(["Set the bedroom lamp to 50 percent.", "Dim it to 5%."]) == [
        "set the bedroom lamp to fifty percent",
        "dim it to five percent",
    ]
    assert vosk_phrases(["Set it to 100, then 2.5 and 1,000."]) == [
        "set it to one hundred then two point five and one thousand"
    ]
    assert vosk_phrases(["Turn on the 2nd floor lamp.", "The 21st, the 3rd, the 40th."]) == [
        "turn on the second floor lamp",
        "the twenty first the third the fortieth",
    ]


def test_phrases_keep_apostrophes_and_split_hyphens() -> None:
    assert vosk_phrases(["What’s the Wi-Fi?", "'Turn' the lamp on — now!"]) == [
        "what's the wi fi",
        "turn the lamp on now",
    ]


def test_every_command_sentence_has_only_plain_words() -> None:
    phrases = vosk_phrases(COMMAND_SENTENCES)
    assert len(phrases) == len(COMMAND_SENTENCES)
    for phrase in phrases:
        assert phrase == phrase.lower()
        assert all(word.isalpha() for word in phrase.split()), phrase


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntentEngine]:
    state: Path = tmp_path_factory.mktemp("state") / "state.json"
    engine = IntentEngine(
        parse_config({"state_file": {"path": str(state)}}), announce=lambda text: None
    )
    yield engine
    engine.close()


def test_each_phrase_means_what_its_sentence_means(engine: IntentEngine) -> None:
    """Vosk writes what it hears as the phrases are written: those words match the
    same intent and slots as the sentences Whisper is prompted with."""
    sentences = engine.matcher.vocabulary()
    for sentence, phrase in zip(sentences, vosk_phrases(sentences), strict=True):
        heard, meant = engine.match(phrase), engine.match(sentence)
        assert (heard and (heard.name, heard.slots)) == (meant and (meant.name, meant.slots))


@pytest.fixture(scope="module")
def korean() -> VoskRecognizer:
    return VoskRecognizer(KOREAN_MODEL)


# Korean words the model knows, among words it cannot know.
MIXED = ["안녕하세요 Turn 감사합니다.", "오늘 날씨 light!", "Cancel the timer.", "시간 50 주세요?"]


@pytest.mark.slow
def test_the_grammar_holds_only_words_the_model_knows(korean: VoskRecognizer) -> None:
    grammar = korean.grammar(MIXED)
    assert grammar == ["안녕하세요 감사합니다", "오늘 날씨", "시간 주세요"]
    find = korean._model.vosk_model_find_word
    assert all(find(word) >= 0 for phrase in grammar for word in phrase.split())


@pytest.mark.slow
def test_vosk_drops_no_word_of_the_grammar(
    korean: VoskRecognizer, capfd: pytest.CaptureFixture[str]
) -> None:
    import vosk

    vosk.SetLogLevel(0)
    try:
        korean.kaldi(["Turn on the kitchen light.", *MIXED])
    finally:
        vosk.SetLogLevel(-1)
    vosk_log = capfd.readouterr().err
    assert "UpdateGrammarFst" in vosk_log  # Vosk did log the grammar it read
    assert "missing in vocabulary" not in vosk_log


@pytest.mark.slow
def test_words_the_model_lacks_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    recognizer = VoskRecognizer(KOREAN_MODEL)
    with caplog.at_level(logging.WARNING, logger="voiced.asr.vosk_engine"):
        recognizer.start(MIXED)
        recognizer.start(MIXED)
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "cancel, fifty, light, the, timer, turn" in warnings[0]
