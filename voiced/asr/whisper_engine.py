"""Whisper tiny.en on faster-whisper (CTranslate2, int8): decodes the whole command at
its endpoint, or the command so far at a pause (speculation).

A command is heard in a window shorter than Whisper's 30 seconds
(`asr.whisper.window_seconds`, 10; a longer command in the shortest of 15, 20 or 30 s
that holds it): the encoder's cost falls faster than its input here (0.09 instead of
0.34 s per command), and on 317 generated recordings in four voices it understood 268
where 30 s understood 271 and 15 s 267 (scripts/whisper-window, docs/performance.md).
The window's features past the command are zeros, as faster-whisper pads its own 30 s
window, so that a 30 s window decodes exactly as faster-whisper's transcribe does.
Whisper, trained on 30 s, loops more often in a short window ("Turn off the coffee maker.
Turn off the coffee maker. ..."): a looping transcript is decoded again in the same window
with a repetition penalty, and in the full one if it loops still."""

from __future__ import annotations

import itertools
import logging
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voiced.asr import AsrError, Decoding, require_dir
from voiced.asr_config import WhisperAsrConfig
from voiced.audio import SAMPLE_RATE, int16_to_float32, seconds_to_samples
from voiced.words import words as words_of

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
# Samples this quiet at the end of a command are digital silence; a fixed tail replaces them.
SILENCE_LEVEL = 30
TAIL_SECONDS = 0.5
FULL_WINDOW_SECONDS = 30
# The wider windows a command too long for `window_seconds` steps up to before the full one.
WINDOW_STEPS = (15, 20)
FRAMES_PER_SECOND = 100
# faster-whisper's defaults for telling silence from speech.
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
MAX_COMPRESSION_RATIO = 2.4
# A decoding longer than this many tokens per second of audio (plus a few) is Whisper
# looping, not speech (fast speech is ~4 words a second, ~1.3 tokens a word): it is cut
# there instead of running to the decoder's 448 tokens (~1 s here), and decoded again.
MAX_TOKENS_PER_SECOND = 8
EXTRA_TOKENS = 16
# The decoding without the bias (the heard check's) of audio whose biased decoding wrote
# n tokens is cut after 2n plus these: the same audio says about as much either way, and
# a loop is told by the second time it says something (repeats_itself).
CHECK_EXTRA_TOKENS = 2
# A run of this many words or more said twice in a row is a loop, not speech.
MIN_REPEATED_WORDS = 3
# A loop in the short window is decoded again in it first with the tokens already written
# scored down (CTranslate2's repetition penalty): the decoder alone, 0.02-0.07 s here,
# where the full window's encoder takes 0.3-0.4 s. On the looping decodings of the
# recorded commands it wrote what the full window writes (docs/recognition.md). Taken
# only when it says no more than the loop did, and no less than the loop said before it
# repeated itself: its words begin the looping ones and hold those (not "" or "Turn on
# the" for "Turn on the light. Turn on the light. ...").
LOOP_REPETITION_PENALTY = 1.2


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, model_path: Path, config: WhisperAsrConfig) -> None:
        require_dir(model_path, MODEL_FILES, "Whisper")
        from faster_whisper import WhisperModel

        self.model_path = model_path
        self.config = config
        self.threads: int | None = config.thread_count()
        self._model = WhisperModel(
            str(model_path), device="cpu", compute_type="int8", cpu_threads=self.threads
        )
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer,
            self._model.model.is_multilingual,
            task="transcribe",
            language=config.language,
        )
        self._suppressed_tokens = get_suppressed_tokens(self._tokenizer, [-1])
        # Decodings in the short window that looped and were done again in it with the
        # repetition penalty, and those that looped then too and were done in the full one.
        self.penalised_retries = 0
        self.full_window_retries = 0
        self._counts_lock = threading.Lock()
        self._windows: list[tuple[np.ndarray, WindowCache]] = []
        self._windows_lock = threading.Lock()

    def start(self, grammar: Sequence[str] | None = None) -> WhisperSession:
        # Whisper has no grammar; it is steered toward the phrases by a prompt.
        prompt = " ".join(grammar) if grammar else None
        return WhisperSession(self, prompt)

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> str:
        return self.decode(samples, prompt, self.window_of(samples)).transcript

    def window_of(self, samples: np.ndarray) -> WindowCache:
        """The encoder's output kept for these very samples (the latest two commands')."""
        with self._windows_lock:
            for held, window in self._windows:
                if held is samples:
                    return window
            window = WindowCache()
            self._windows = [(samples, window), *self._windows[:1]]
            return window

    def decode(
        self,
        samples: np.ndarray,
        prompt: str | None = None,
        window: WindowCache | None = None,
        most_tokens: int | None = None,
    ) -> Decoding:
        """Decode `samples`; the encoder's output for the short window is kept in `window`
        so that a second decoding of the same audio (without the prompt) only decodes.
        `most_tokens` cuts the short window's decoding sooner than the audio's length
        would (a loop in it is then decoded again, as any loop)."""
        audio = int16_to_float32(samples)
        seconds = window_for(len(audio), self.config.window_seconds)
        try:
            if seconds < FULL_WINDOW_SECONDS:
                cache = window or WindowCache()
                decoding = self._decode_short(audio, prompt, seconds, cache, most_tokens)
                if decoding is not None:
                    return decoding
                with self._counts_lock:
                    self.full_window_retries += 1
            return Decoding(self._decode_full(audio, prompt), biased=bool(prompt))
        except Exception as err:
            raise AsrError(f"Whisper failed on {len(samples)} samples: {err}") from err

    def _decode_short(
        self,
        audio: np.ndarray,
        prompt: str | None,
        seconds: int,
        window: WindowCache,
        most_tokens: int | None = None,
    ) -> Decoding | None:
        """The decoding in the short window; None when it loops, even penalised (Whisper
        loops more often in a short window; the full one rarely does)."""
        window.last = None
        looped = self._decode_in_window(audio, prompt, seconds, window, most_tokens=most_tokens)
        if not repeats_itself(looped):
            return window.last or Decoding(looped, biased=bool(prompt))
        with self._counts_lock:
            self.penalised_retries += 1
        text = self._decode_in_window(
            audio,
            prompt,
            seconds,
            window,
            repetition_penalty=LOOP_REPETITION_PENALTY,
            most_tokens=most_tokens,
        )
        heard = words_of(text)
        said_once = said_before_the_loop(looped)
        if (
            heard
            and len(heard) >= len(said_once)
            and words_of(looped)[: len(heard)] == heard
            and not repeats_itself(text)
        ):
            log.info("heard %r in the %d s window, then %r", looped, seconds, text)
            # Without the penalised scores: they are not Whisper's confidence in the words.
            window.last = Decoding(text, biased=bool(prompt))
            return window.last
        log.info("heard %r, then %r in the %d s window: decoding in 30 s", looped, text, seconds)
        return None

    def _decode_full(self, audio: np.ndarray, prompt: str | None) -> str:
        segments, _info = self._model.transcribe(
            audio,
            language=self.config.language,
            beam_size=self.config.beam_size,
            temperature=self.config.temperature,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
            initial_prompt=prompt,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    def _decode_in_window(
        self,
        audio: np.ndarray,
        prompt: str | None,
        seconds: int,
        window: WindowCache | None = None,
        repetition_penalty: float = 1.0,
        most_tokens: int | None = None,
    ) -> str:
        """What faster-whisper's transcribe does for one segment, in a shorter window. The
        encoder's output, and the decoding with Whisper's confidence, are kept in `window`."""
        window = window or WindowCache()
        if window.encoded is None or window.seconds != seconds:
            frames = seconds * FRAMES_PER_SECOND
            # Without the frame past the audio's end, as faster-whisper leaves it out.
            features = self._model.feature_extractor(audio)[:, :-1][:, :frames]
            features = np.pad(features, ((0, 0), (0, frames - features.shape[1])))
            window.encoded, window.seconds = self._model.encode(features), seconds
        tokens = self._prompt_tokens(prompt)
        if self.config.temperature > 0:
            sampling = {
                "beam_size": 1,
                "sampling_topk": 0,
                "sampling_temperature": self.config.temperature,
            }
        else:
            sampling = {"beam_size": self.config.beam_size}
        speech_tokens = EXTRA_TOKENS + int(MAX_TOKENS_PER_SECOND * len(audio) / SAMPLE_RATE)
        if most_tokens is not None:
            speech_tokens = min(speech_tokens, most_tokens)
        result = self._model.model.generate(
            window.encoded,
            [tokens],
            max_length=generation_length(len(tokens), speech_tokens, self._model.max_length),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed_tokens,
            repetition_penalty=repetition_penalty,
            **sampling,
        )[0]
        text_tokens = result.sequences_ids[0]
        # Silence, as faster-whisper tells it: likely no speech and no confident words.
        mean_log_prob = result.scores[0] * len(text_tokens) / (len(text_tokens) + 1)
        silent = result.no_speech_prob > NO_SPEECH_THRESHOLD and mean_log_prob <= LOG_PROB_THRESHOLD
        window.last = Decoding(
            "" if silent else str(self._tokenizer.decode(text_tokens)).strip(),
            biased=bool(prompt),
            avg_log_prob=float(mean_log_prob),
            no_speech_prob=float(result.no_speech_prob),
        )
        return window.last.transcript

    def check_tokens(self, biased: str) -> int:
        """The most tokens the decoding without the bias writes, for audio whose biased
        decoding was `biased` (CHECK_EXTRA_TOKENS)."""
        return 2 * len(self._tokenizer.encode(" " + biased.strip())) + CHECK_EXTRA_TOKENS

    def _prompt_tokens(self, prompt: str | None) -> list[int]:
        tokens = []
        if prompt:
            # At most half the decoder's length, its latest words kept, as faster-whisper does.
            words = self._tokenizer.encode(" " + prompt.strip())
            tokens = [self._tokenizer.sot_prev, *words[-(self._model.max_length // 2 - 1) :]]
        return [*tokens, *self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]


def generation_length(prompt_tokens: int, new_tokens: int, longest: int) -> int:
    """The max_length to give CTranslate2's Whisper for the decoder to write up to
    `new_tokens` after a prompt of `prompt_tokens`: it writes at most
    min(max_length // 2, max_length - prompt_tokens + 1) (its src/models/whisper.cc), so
    the sum alone let a decoding without a prompt write half as many. Whisper's own
    `longest` (448) bounds it."""
    return min(longest, max(2 * new_tokens, prompt_tokens - 1 + new_tokens))


def window_for(samples: int, least: int) -> int:
    """The shortest window that holds a command of this many samples: `least` (the
    configured window), or a wider step; the full one for a command as long as that."""
    for seconds in (least, *WINDOW_STEPS):
        if seconds >= least and samples < seconds_to_samples(seconds):
            return seconds
    return FULL_WINDOW_SECONDS


def _sentences(text: str) -> list[str]:
    """The sentences of a transcript, lower case, for telling a loop."""
    return [part.strip().lower() for part in re.split(r"(?<=[.?!])\s+", text) if part]


def repeats_itself(text: str) -> bool:
    """A sentence said twice in a row, or text more repetitive than faster-whisper's own
    fallback test allows (zlib compression ratio above 2.4): Whisper looping."""
    sentences = _sentences(text)
    if any(first == second for first, second in itertools.pairwise(sentences)):
        return True
    # Without punctuation, as a loop cut at MAX_TOKENS_PER_SECOND ends: a run of words said
    # again at once ("turn on the light turn on the light").
    words = words_of(text)
    for length in range(MIN_REPEATED_WORDS, len(words) // 2 + 1):
        for start in range(len(words) - 2 * length + 1):
            if words[start : start + length] == words[start + length : start + 2 * length]:
                return True
    raw = text.encode()
    return bool(raw) and len(raw) / len(zlib.compress(raw)) > MAX_COMPRESSION_RATIO


def said_before_the_loop(text: str) -> list[str]:
    """The words of a looping transcript up to the end of the first copy of what it
    repeats: "turn on the light" of "Turn on the light. Turn on the light. Turn on the",
    "hey jarvis 5" of "Hey Jarvis 5 5 5 5 5 5"; none when no words repeat."""
    sentences = _sentences(text)
    for at, (first, second) in enumerate(itertools.pairwise(sentences)):
        if first == second and words_of(first):
            return words_of(" ".join(sentences[: at + 1]))
    words = words_of(text)
    for start in range(len(words)):
        for length in range(MIN_REPEATED_WORDS, (len(words) - start) // 2 + 1):
            run = words[start : start + 2 * length]
            if run[:length] == run[length:]:
                # The shortest unit the run repeats: "5" of "5 5 5 5 5 5".
                period = next(p for p in range(1, length + 1) if run[p:] == run[:-p])
                return words[: start + period]
    return []


class WhisperSession:
    def __init__(self, recognizer: WhisperRecognizer, prompt: str | None) -> None:
        self._recognizer = recognizer
        self._prompt = prompt
        self._chunks: list[np.ndarray] = []

    def accept(self, samples: np.ndarray) -> str | None:
        self._chunks.append(samples)
        return None

    def finish(self) -> str:
        return self.decoder()()

    def final_decoder(self) -> WhisperDecoder:
        return self.decoder()

    def decoder(self) -> WhisperDecoder:
        """The decoding of what was fed so far, to run on another thread while more is fed.
        Whisper's words change with a few milliseconds more or less of silence after them
        ("capital of Italy" / "capital immediately"): the digital silence at the end is cut
        and a fixed tail put in its place, so that a speculation at a pause and the decoding
        at the endpoint hear the same audio."""
        if not self._chunks:
            return WhisperDecoder(self._recognizer, np.zeros(0, np.int16), self._prompt)
        samples = np.concatenate(self._chunks)
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
        end = int(loud[-1]) + 1 if len(loud) else len(samples)
        tail = np.zeros(seconds_to_samples(TAIL_SECONDS), np.int16)
        return WhisperDecoder(self._recognizer, np.concatenate([samples[:end], tail]), self._prompt)


@dataclass
class WindowCache:
    """The encoder's output for one command's audio, shared by its decodings."""

    encoded: Any = None
    # The window it was encoded in: a cache is tied to one array of samples, and so to one
    # window, but an output of another size would decode wrongly without an error.
    seconds: int | None = None
    # The latest decoding in it.
    last: Decoding | None = None


class WhisperDecoder:
    """One command's audio, decoded with the session's prompt when called, and again
    without it on `without_bias` (the encoder's output is reused: only the decoder runs)."""

    def __init__(
        self, recognizer: WhisperRecognizer, samples: np.ndarray, prompt: str | None
    ) -> None:
        self._recognizer = recognizer
        self._samples = samples
        self._prompt = prompt
        self.decodings: list[Decoding] = []

    def __call__(self) -> str:
        return self._decode(self._prompt)

    def without_bias(self) -> str | None:
        return None if not self._prompt else self._decode(None)

    def _decode(self, prompt: str | None) -> str:
        biased = bool(prompt)
        if len(self._samples) == 0:
            heard = Decoding("", biased)
        elif prompt == self._prompt:
            # Through transcribe, as every decoding of a command is made.
            text = self._recognizer.transcribe(self._samples, prompt)
            last = self._recognizer.window_of(self._samples).last
            heard = last if last is not None and last.transcript == text else Decoding(text, biased)
        else:
            window = self._recognizer.window_of(self._samples)
            # Cut at about twice what the biased decoding said, where it came first.
            said = next((d.transcript for d in self.decodings if d.biased), None)
            most = None if said is None else self._recognizer.check_tokens(said)
            heard = self._recognizer.decode(self._samples, prompt, window, most)
        self.decodings.append(heard)
        return heard.transcript
