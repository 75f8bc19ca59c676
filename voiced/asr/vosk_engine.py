"""Vosk's KaldiRecognizer: streaming recognition, partial results, runtime grammar."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voiced.asr import AsrError, Decoding, require_dir
from voiced.audio import SAMPLE_RATE
from voiced.numbers import spell_numbers

log = logging.getLogger(__name__)

MODEL_FILES = ("am", "conf", "graph")
# Vosk's grammar keyword for "anything else".
UNKNOWN_WORD = "[unk]"
# A word; anything else separates words.
_PHRASE_WORD = re.compile(r"[\w']+")


def vosk_phrases(sentences: Sequence[str]) -> list[str]:
    """The `sentences` as Vosk's grammar takes them: it looks each space-separated word up
    exactly, and its models' words are lower case, without punctuation, numbers spelled
    out. "Set the lamp to 50%." is "set the lamp to fifty percent", "the 2nd floor" "the
    second floor"."""
    phrases: dict[str, None] = {}
    for sentence in sentences:
        text = sentence.lower().replace("’", "'").replace("%", " percent ")
        words = [word.strip("'_") for word in _PHRASE_WORD.findall(spell_numbers(text))]
        said = " ".join(word for word in words if word)
        if said:
            phrases[said] = None
    return list(phrases)


class VoskRecognizer:
    name = "vosk"
    threads: int | None = None  # Vosk's own, not set by voiced

    def __init__(self, model_path: Path) -> None:
        require_dir(model_path, MODEL_FILES, "Vosk")
        import vosk

        vosk.SetLogLevel(-1)
        self.model_path = model_path
        # Words of a grammar that the model lacks, reported once each; the grammar of the
        # latest vocabulary, as Vosk takes it (each command is heard with the same one).
        # Both are the listening thread's: it starts the sessions with a grammar.
        self._reported_unknown: set[str] = set()
        self._grammar_of: tuple[tuple[str, ...], str] | None = None
        try:
            self._model = vosk.Model(str(model_path))
        except Exception as err:
            raise AsrError(f"Vosk cannot load the model in {model_path}: {err}") from err

    def start(self, grammar: Sequence[str] | None = None) -> VoskSession:
        return VoskSession(self, self.kaldi(grammar), biased=bool(grammar))

    def kaldi(self, grammar: Sequence[str] | None = None) -> Any:
        """A KaldiRecognizer, limited to the `grammar` phrases (and anything else as unknown)."""
        import vosk

        if not grammar:
            return vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        sentences = tuple(grammar)
        if self._grammar_of is None or self._grammar_of[0] != sentences:
            phrases = self.grammar(sentences)
            self._grammar_of = (
                sentences,
                json.dumps(phrases, ensure_ascii=False) if phrases else "",
            )
        if self._grammar_of[1]:
            return vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar_of[1])
        return vosk.KaldiRecognizer(self._model, SAMPLE_RATE)

    def grammar(self, sentences: Sequence[str]) -> list[str]:
        """The phrases given to Vosk for `sentences`, of the words its model knows only:
        Vosk would drop the others silently. The words it lacks are logged once."""
        known = self._model.vosk_model_find_word
        phrases, unknown = [], []
        for phrase in vosk_phrases(sentences):
            words = phrase.split()
            lacking = [word for word in words if known(word) < 0]
            unknown += lacking
            kept = " ".join(word for word in words if word not in lacking)
            if kept:
                phrases.append(kept)
        new = sorted(set(unknown) - self._reported_unknown)
        if new:
            self._reported_unknown.update(new)
            log.warning(
                "the Vosk model in %s does not know these words of the commands and device "
                "names, so it cannot hear them: %s",
                self.model_path,
                ", ".join(new),
            )
        if known(UNKNOWN_WORD) >= 0:
            phrases.append(UNKNOWN_WORD)
        return list(dict.fromkeys(phrases))


class VoskSession:
    """Decodes as audio arrives, so the transcript is ready when speech ends."""

    def __init__(self, owner: VoskRecognizer, recognizer: Any, biased: bool) -> None:
        self._owner = owner
        self._recognizer = recognizer
        self._biased = biased
        # The audio fed, for a second decoding without the grammar.
        self._chunks: list[np.ndarray] = []
        # Vosk closes an utterance at each pause it hears; a command may span several.
        self._finished_parts: list[str] = []
        self._last_partial = ""

    def accept(self, samples: np.ndarray) -> str | None:
        if self._biased:
            self._chunks.append(samples)
        if self._recognizer.AcceptWaveform(samples.astype("<i2").tobytes()):
            self._keep(json.loads(self._recognizer.Result()).get("text", ""))
            partial = ""
        else:
            partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        text = " ".join([*self._finished_parts, partial]).strip()
        if text and text != self._last_partial:
            self._last_partial = text
            return text
        return None

    def finish(self) -> str:
        return self.final_decoder()()

    def final_decoder(self) -> VoskDecoder:
        self._keep(json.loads(self._recognizer.FinalResult()).get("text", ""))
        self._last_partial = " ".join(self._finished_parts).strip()
        return self.decoder()

    def decoder(self) -> VoskDecoder:
        """What was heard so far: Vosk has decoded it already, as the partial result."""
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return VoskDecoder(self._owner, self._last_partial, self._biased, samples)

    def _keep(self, text: str) -> None:
        words = [word for word in text.split() if word != UNKNOWN_WORD]
        if words:
            self._finished_parts.append(" ".join(words))


class VoskDecoder:
    """Vosk's text of a command so far; without the grammar, the audio is decoded again by
    a recogniser that has none."""

    def __init__(self, owner: VoskRecognizer, text: str, biased: bool, samples: np.ndarray) -> None:
        self._owner = owner
        self._text = text
        self._biased = biased
        self._samples = samples
        self.decodings: list[Decoding] = []

    def __call__(self) -> str:
        self.decodings.append(Decoding(self._text, biased=self._biased))
        return self._text

    def without_bias(self) -> str | None:
        if not self._biased:
            return None
        session = VoskSession(self._owner, self._owner.kaldi(), biased=False)
        session.accept(self._samples)
        text = session.finish()
        self.decodings.append(Decoding(text, biased=False))
        return text
