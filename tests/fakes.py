"""A fake for every engine, so that the turn logic runs in milliseconds.

Heard audio is scripted chunk by chunk: a chunk marked as the wake word fires the fake
wake word, a chunk marked as speech is speech to the fake VAD, and the fake recogniser
hears, per command, the text it was given. The fake LLM yields given pieces, the fake
voice returns silence of a given length for each sentence.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from tests.helpers import repeatable_config
from voiced.asr import Decoder, Decoding, RecognizerSession
from voiced.audio import SAMPLES_PER_CHUNK, FrameBuffer, samples_to_seconds
from voiced.config import Config, DeviceConfig
from voiced.generation import Exchange, Generation, LlmError
from voiced.intents import Action, Handler, IntentContext, IntentError, IntentMatch
from voiced.intents.engine import IntentEngine
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import Registry, load_registry
from voiced.messages import AudioChunk
from voiced.pipeline import Pipeline
from voiced.report import TurnReport
from voiced.tts import TtsError
from voiced.vad import SAMPLES_PER_VAD_FRAME

WAKE_WORD = "hey_jarvis"
# Sample values that mark what a chunk is, for the fakes that hear it.
WAKE_MARK = 1111
SPEECH_MARK = 2222
# How long a wait in a test may take before it is a failure, not a slow machine.
WAIT_SECONDS = 5.0


# Heard audio.


@dataclass(frozen=True)
class Wait:
    """In a script: the source stops until `event` is set (a stage reached)."""

    event: threading.Event


@dataclass(frozen=True)
class Do:
    """In a script: `action` is called there, between two chunks."""

    action: Callable[[], None]


def wake(chunks: int = 1) -> list[np.ndarray]:
    return [np.full(SAMPLES_PER_CHUNK, WAKE_MARK, np.int16)] * chunks


def speech(seconds: float) -> list[np.ndarray]:
    return [np.full(SAMPLES_PER_CHUNK, SPEECH_MARK, np.int16)] * _chunks(seconds)


def silence(seconds: float) -> list[np.ndarray]:
    return [np.zeros(SAMPLES_PER_CHUNK, np.int16)] * _chunks(seconds)


def _chunks(seconds: float) -> int:
    return round(seconds / samples_to_seconds(SAMPLES_PER_CHUNK))


def command(speech_seconds: float = 0.5, then_silence: float = 1.0) -> list[np.ndarray]:
    """The wake word, a command and the silence that ends it."""
    return [*wake(), *speech(speech_seconds), *silence(then_silence)]


def answer(speech_seconds: float = 0.3, then_silence: float = 1.0) -> list[np.ndarray]:
    """Words without the wake word (the answer to a question), and the silence after."""
    return [*speech(speech_seconds), *silence(then_silence)]


class ScriptedSource:
    """Scripted chunks (and waits) as a microphone or a recording gives them."""

    def __init__(
        self, script: Iterable[np.ndarray | Wait | Do], waits_for_replies: bool = True
    ) -> None:
        self.script = list(script)
        self.waits_for_replies = waits_for_replies
        # Between chunks for a source that does not wait: the turn thread gets its turn.
        self.pause_seconds = 0.0 if waits_for_replies else 0.002

    def chunks(self) -> Generator[AudioChunk, None, None]:
        at_s = 0.0
        for item in self.script:
            if isinstance(item, Wait):
                if not item.event.wait(WAIT_SECONDS):
                    raise TimeoutError("the script waited in vain")
                continue
            if isinstance(item, Do):
                item.action()
                continue
            yield AudioChunk(item, at_s, time.monotonic())
            at_s += samples_to_seconds(len(item))
            time.sleep(self.pause_seconds)


class FakeWake:
    """Fires on a chunk marked as the wake word."""

    name = WAKE_WORD

    def __init__(self) -> None:
        self.fired = threading.Event()
        self.times_fired = 0

    def score(self, chunk: np.ndarray) -> float:
        if len(chunk) and chunk[0] == WAKE_MARK:
            self.times_fired += 1
            self.fired.set()
            return 1.0
        return 0.0

    def reset(self) -> None:
        pass


class FakeVad:
    """Speech in frames of chunks marked as speech."""

    threshold = 0.5

    def __init__(self) -> None:
        self._frames = FrameBuffer(SAMPLES_PER_VAD_FRAME)

    def probabilities(self, samples: np.ndarray) -> list[float]:
        return [float(frame[0] == SPEECH_MARK) for frame in self._frames.push(samples)]

    def reset(self) -> None:
        self._frames.clear()


# Recognition.


@dataclass(frozen=True)
class Said:
    """What the fake recogniser hears in one command: with the command bias, and without
    it (None: the same)."""

    text: str
    unbiased: str | None = None


class FakeDecoder:
    def __init__(self, said: Said, gate: threading.Event | None) -> None:
        self.said = said
        self.gate = gate
        self.decodings: list[Decoding] = []

    def __call__(self) -> str:
        if self.gate is not None and not self.gate.wait(WAIT_SECONDS):
            raise TimeoutError("the decoding waited in vain")
        self.decodings.append(Decoding(self.said.text, biased=True))
        return self.said.text

    def without_bias(self) -> str | None:
        text = self.said.text if self.said.unbiased is None else self.said.unbiased
        self.decodings.append(Decoding(text, biased=False))
        return text


class FakeSession:
    def __init__(self, said: Said, gate: threading.Event | None) -> None:
        self.said = said
        self.gate = gate

    def accept(self, samples: np.ndarray) -> str | None:
        return None

    def finish(self) -> str:
        return self.said.text

    def final_decoder(self) -> Decoder:
        return FakeDecoder(self.said, self.gate)

    def decoder(self) -> Decoder:
        return FakeDecoder(self.said, self.gate)


class FakeRecognizer:
    """Hears the given texts, one per command, in order ("" once they run out). A
    decoding waits for `gate`, when one is given."""

    name = "fake"
    model_path = Path("fake")
    threads: int | None = None

    def __init__(self, texts: Sequence[str | Said] = (), gate: threading.Event | None = None):
        self.texts = [text if isinstance(text, Said) else Said(text) for text in texts]
        self.gate = gate
        self.sessions = 0

    def start(self, grammar: Sequence[str] | None = None) -> RecognizerSession:
        said = self.texts[self.sessions] if self.sessions < len(self.texts) else Said("")
        self.sessions += 1
        return FakeSession(said, self.gate)


# The language model.


@dataclass
class FakeGeneration(Generation):
    """Yields its script piece by piece; stops when cancelled, as the worker does."""

    script: list[str] = field(default_factory=list)
    fail: Exception | None = None
    # Before each piece after the first: the model's pace.
    seconds_per_piece: float = 0.0
    # How it ends when its script runs out: "length" or "timeout" as if cut there.
    finish: str = "stop"

    def __iter__(self) -> Iterator[str]:
        self.prompt_tokens = self.prompt_tokens_evaluated = len(self.user.split())
        said = []
        for index, piece in enumerate(self.script):
            if index and self.seconds_per_piece:
                self.cancelled.wait(self.seconds_per_piece)
            if self.cancelled.is_set():
                self.finish_reason = "cancelled"
                break
            if self.fail is not None:
                raise LlmError(f"generation failed: {self.fail}") from self.fail
            if self.first_token_at is None:
                self.first_token_at = time.monotonic()
            self.completion_tokens += 1
            said.append(piece)
            yield piece
        else:
            self.finish_reason = self.finish
        self.done_at = time.monotonic()
        self.exchange = Exchange(self.user, "".join(said).strip(), self.completion_tokens)


class FakeLlm:
    """Answers every question with the given pieces (or what `answer` makes of it)."""

    def __init__(
        self,
        pieces: Sequence[str] | Callable[[str], Sequence[str]] = ("I do not know.",),
        seconds_per_piece: float = 0.0,
        fail: Exception | None = None,
        finish: str = "stop",
    ) -> None:
        self.answer = pieces if callable(pieces) else (lambda _user: pieces)
        self.finish = finish
        self.seconds_per_piece = seconds_per_piece
        self.fail = fail
        self.asked: list[tuple[str, bool]] = []
        self.generations: list[FakeGeneration] = []
        self.remembered: list[Generation] = []
        # What each remembered answer said, where it was cut short (else None).
        self.said: list[str | None] = []

    def ask(self, user: str, speculative: bool = False) -> Generation:
        self.asked.append((user, speculative))
        generation = FakeGeneration(
            user,
            speculative=speculative,
            script=list(self.answer(user)),
            fail=self.fail,
            seconds_per_piece=self.seconds_per_piece,
            finish=self.finish,
        )
        self.generations.append(generation)
        return generation

    def remember(self, generation: Generation, said: str | None = None) -> None:
        self.remembered.append(generation)
        self.said.append(said)


# The voice and the speaker.


class FakeTts:
    """Silence of `seconds_per_sentence` for each sentence; fails on `fail_on`."""

    sample_rate = 22_050

    def __init__(self, seconds_per_sentence: float = 0.1, fail_on: str | None = None) -> None:
        self.seconds_per_sentence = seconds_per_sentence
        self.fail_on = fail_on
        self.synthesized: list[tuple[str, bool]] = []

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        self.synthesized.append((text, cached))
        if text == self.fail_on:
            raise TtsError(f"fake voice failed on {text!r}")
        yield np.zeros(round(self.sample_rate * self.seconds_per_sentence), np.int16)


class FakeSink:
    """Keeps count of what is played; `played` is set on the first audio."""

    def __init__(self) -> None:
        self.samples = 0
        self.played = threading.Event()
        self.closed = False
        # Each reply's end, in order: True where it was cut.
        self.ends: list[bool] = []

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        if self.closed:
            raise AssertionError("written to after it was closed")
        self.samples += len(samples)
        self.played.set()

    def end_reply(self, cut: bool) -> None:
        self.ends.append(cut)

    def close(self) -> None:
        self.closed = True


class PacedFakeSink(FakeSink):
    """A FakeSink that takes as long to play what it is given as a speaker would."""

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        super().write(samples, sample_rate)
        time.sleep(len(samples) / sample_rate)


@dataclass
class FakeEngines:
    wake: FakeWake = field(default_factory=FakeWake)
    vad: FakeVad = field(default_factory=FakeVad)
    recognizer: FakeRecognizer = field(default_factory=FakeRecognizer)
    llm: FakeLlm = field(default_factory=FakeLlm)
    tts: FakeTts = field(default_factory=FakeTts)
    smart_turn: None = None


# A pipeline on the fakes.


# No speculation, no early end: the turn recognises the command itself at the endpoint.
PLAIN_ENDPOINT = {"speculate_after_seconds": 0, "early_end_seconds": 0}


def fake_config(tmp_path: Path, **sections: object) -> Config:
    """The test configuration, its device state kept under `tmp_path`."""
    return repeatable_config(state_file={"path": str(tmp_path / "state.json")}, **sections)


# Loading the plugins and compiling their sentence templates (a matcher warms itself up)
# take most of a second: one registry, and one matcher per set of devices, serve every
# test. Both are only read once built.
_registry: list[Registry] = []
_matchers: dict[str, IntentMatcher] = {}


def intent_engine(config: Config, announce: Callable[[str], None]) -> IntentEngine:
    """The intent engine of `config` (its own devices' state and timers)."""
    if not _registry:
        _registry.append(load_registry())
    devices = json.dumps([device.model_dump(mode="json") for device in config.devices])
    built = _matchers.get(devices)
    matcher = IntentMatcher if built is None else (lambda _registry, _devices: built)
    with mock.patch("voiced.intents.engine.IntentMatcher", matcher):
        engine = IntentEngine(config, announce, _registry[0])
    _matchers.setdefault(devices, engine.matcher)
    return engine


@contextmanager
def engine_with_front_door(tmp_path: Path) -> Iterator[IntentEngine]:
    """The intent engine of the default devices and a lock ("front door"), its state kept
    under `tmp_path`; closed after."""
    devices = [*Config().devices, DeviceConfig(id="front_door", name="front door", kind="lock")]
    config = repeatable_config(
        devices=[device.model_dump() for device in devices],
        state_file={"path": str(tmp_path / "state.json")},
    )
    engine = intent_engine(config, say_nothing)
    try:
        yield engine
    finally:
        engine.close()


def bare_context(**fields: Any) -> IntentContext:
    """What a handler that needs no devices (and, unless `fields` give them, no timers)
    is given, with `fields`."""
    return IntentContext(
        **{
            "devices": None,
            "device_names": {},
            "device_kinds": {},
            "device_areas": {},
            "timers": None,
            **fields,
        }
    )


def say_nothing(text: str, wanted: Callable[[], bool] | None = None) -> None:
    """An announce that says nothing, but asks `wanted` as the speaker does (Timers marks
    a ring heard when it is asked)."""
    if wanted is not None:
        wanted()


def kept_in(said: list[str]) -> Callable[..., None]:
    """An announce that keeps in `said` what the speaker would say (asking `wanted` first,
    as Speaker.speak does)."""

    def announce(text: str, wanted: Callable[[], bool] | None = None) -> None:
        if wanted is None or wanted():
            said.append(text)

    return announce


def spoken(handler: Handler, match: IntentMatch, context: IntentContext) -> str:
    """What voiced says to `match`, acting as the engine does: an Action carried out, a
    refusal (IntentError) said."""
    try:
        said = handler(match, context)
        if isinstance(said, Action):
            said.act()
            said = said.say
    except IntentError as err:
        return str(err)
    assert isinstance(said, str), said
    return said


@contextmanager
def fake_pipeline(
    config: Config, engines: FakeEngines, sink: FakeSink | None = None
) -> Iterator[Pipeline]:
    announced: list[Pipeline] = []
    intents = intent_engine(config, lambda text: announced[0].announce(text))
    pipeline = Pipeline(config, engines, sink or FakeSink(), intents=intents)
    announced.append(pipeline)
    try:
        yield pipeline
    finally:
        pipeline.close()


def run(
    config: Config,
    engines: FakeEngines,
    script: Iterable[np.ndarray | Wait],
    waits_for_replies: bool = True,
    sink: FakeSink | None = None,
) -> list[TurnReport]:
    """The script through a pipeline on the fakes; every turn's report."""
    with fake_pipeline(config, engines, sink) as pipeline:
        return pipeline.run(ScriptedSource(script, waits_for_replies))
