"""The listening models, for real, on recorded speech: wake word, voice activity, recognisers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import MODELS_DIR, RECORDINGS, recording
from voiced.asr import load_recognizer
from voiced.asr.vosk_engine import VoskRecognizer
from voiced.asr_config import AutoAsrConfig, VoskAsrConfig
from voiced.audio import SAMPLES_PER_CHUNK
from voiced.models import Models
from voiced.vad import SileroVad
from voiced.wake import WakeWordDetector
from voiced.wavio import read_wav


def wake_scores(detector: WakeWordDetector, path: Path) -> list[float]:
    detector.reset()
    samples = read_wav(path)
    whole = len(samples) // SAMPLES_PER_CHUNK * SAMPLES_PER_CHUNK
    return [detector.score(chunk) for chunk in samples[:whole].reshape(-1, SAMPLES_PER_CHUNK)]


@pytest.fixture(scope="module")
def detector() -> WakeWordDetector:
    return WakeWordDetector(MODELS_DIR, "hey_jarvis", threshold=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ask-capital", "espeak-ask-capital", "ask-capital-noisy"])
def test_wake_word_fires_on_hey_jarvis(detector: WakeWordDetector, name: str) -> None:
    assert max(wake_scores(detector, recording(name))) > 0.8


@pytest.mark.slow
@pytest.mark.parametrize("name", ["no-wake-word", "silence", "noise"])
def test_wake_word_stays_quiet_without_it(detector: WakeWordDetector, name: str) -> None:
    assert max(wake_scores(detector, recording(name))) < 0.2


@pytest.mark.slow
def test_two_wake_words_in_one_recording_score_twice(detector: WakeWordDetector) -> None:
    scores = np.array(wake_scores(detector, recording("two-questions")))
    rising_edges = np.flatnonzero((scores[1:] > 0.5) & (scores[:-1] <= 0.5))
    assert len(rising_edges) == 2


def speech_fraction(vad: SileroVad, path: Path) -> float:
    vad.reset()
    probabilities = vad.probabilities(read_wav(path))
    return float(np.mean(np.array(probabilities) >= vad.threshold))


@pytest.mark.slow
def test_voice_activity_finds_speech_not_noise() -> None:
    vad = SileroVad(MODELS_DIR, threshold=0.5)
    assert speech_fraction(vad, recording("ask-capital")) > 0.3
    assert speech_fraction(vad, recording("silence")) == 0.0
    # Pink noise as loud as the speech in the noisy recording: an energy threshold fires here.
    assert speech_fraction(vad, recording("noise")) < 0.05


@pytest.mark.slow
def test_whisper_transcribes_a_question(models: Models) -> None:
    session = models.recognizer.start()
    session.accept(read_wav(recording("ask-capital")))
    text = session.finish().lower()
    assert "capital" in text and "france" in text


KOREAN_GRAMMAR = ["안녕하세요", "감사합니다", "오늘", "날씨", "시간", "주세요"]
KOREAN_MODEL = MODELS_DIR / "vosk" / "vosk-model-small-ko-0.22"


@pytest.fixture(scope="module")
def korean() -> VoskRecognizer:
    return VoskRecognizer(KOREAN_MODEL)


def recognise_streaming(recognizer: VoskRecognizer, path: Path) -> tuple[list[str], str]:
    session = recognizer.start(KOREAN_GRAMMAR)
    samples = read_wav(path)
    partials = []
    for start in range(0, len(samples), SAMPLES_PER_CHUNK):
        partial = session.accept(samples[start : start + SAMPLES_PER_CHUNK])
        if partial:
            partials.append(partial)
    return partials, session.finish()


@pytest.mark.slow
def test_vosk_recognises_most_korean_words_with_a_grammar(korean: VoskRecognizer) -> None:
    words = {
        "annyeonghaseyo": "안녕하세요",
        "gamsahamnida": "감사합니다",
        "oneul": "오늘",
        "nalssi": "날씨",
        "sigan": "시간",
        "juseyo": "주세요",
    }
    results = {}
    for path in sorted((RECORDINGS / "korean").glob("*.wav")):
        _partials, text = recognise_streaming(korean, path)
        results[path.stem] = text == words[path.stem.rsplit("-", 1)[0]]
    assert len(results) == 12
    assert sum(results.values()) >= 8, results


@pytest.mark.slow
def test_vosk_streams_partial_results_before_the_final_one(korean: VoskRecognizer) -> None:
    partials, final = recognise_streaming(korean, RECORDINGS / "korean" / "annyeonghaseyo-140.wav")
    assert partials, "no partial result while the word was spoken"
    assert final


@pytest.mark.slow
def test_auto_engine_is_whisper_without_an_english_vosk_model() -> None:
    recognizer = load_recognizer(MODELS_DIR, AutoAsrConfig())
    assert recognizer.name == "whisper"


@pytest.mark.slow
def test_auto_engine_picks_vosk_when_its_model_is_installed(tmp_path: Path) -> None:
    (tmp_path / "vosk").mkdir()
    (tmp_path / "vosk" / "vosk-model-small-ko-0.22").symlink_to(KOREAN_MODEL)
    config = AutoAsrConfig(vosk=VoskAsrConfig(model="vosk-model-small-ko-0.22"))
    assert load_recognizer(tmp_path, config).name == "vosk"
