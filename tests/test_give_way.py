"""The LLM gives way to the audio path's calls a person waits on, where they share
cores: it makes no model call while one is under way, never waits on one for good, and
the look at a pause and a reply's first sentence are such calls."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

import voiced.give_way
from tests.fakes import WAIT_SECONDS, FakeSink, FakeTts
from tests.helpers import repeatable_config
from voiced.give_way import AUDIO_FIRST, GiveWay
from voiced.llm import LlmWorker, llm_give_way
from voiced.models import llm_path
from voiced.pause_judge import PauseJudge
from voiced.speaker import Speaker
from voiced.turn.loop import start
from voiced.turn_end import TurnEndConfig


def test_nothing_under_way_is_no_wait() -> None:
    give_way = GiveWay()
    started = time.monotonic()
    assert not give_way.wait()
    assert time.monotonic() - started < 0.05


def test_the_wait_lasts_until_every_call_under_way_has_ended() -> None:
    give_way = GiveWay()
    first, second = give_way.held(), give_way.held()
    first.__enter__()
    second.__enter__()
    assert give_way.under_way == 2
    waited = threading.Event()

    def llm() -> None:
        give_way.wait()
        waited.set()

    thread = threading.Thread(target=llm)
    thread.start()
    first.__exit__(None, None, None)
    assert not waited.wait(0.1)
    second.__exit__(None, None, None)
    assert waited.wait(WAIT_SECONDS)
    thread.join()
    assert give_way.under_way == 0


def test_a_call_that_never_ends_holds_the_llm_only_so_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(voiced.give_way, "LONGEST_WAIT_SECONDS", 0.05)
    give_way = GiveWay()
    with give_way.held():
        started = time.monotonic()
        assert give_way.wait()
        assert time.monotonic() - started < 1.0


def test_a_call_that_fails_holds_nothing_back() -> None:
    give_way = GiveWay()
    with pytest.raises(RuntimeError), give_way.held():
        raise RuntimeError("the voice failed")
    assert give_way.under_way == 0


class VoiceSeeingTheLlmHeld:
    """Smart Turn's place: notes whether the LLM was held back while it looked."""

    def __init__(self, give_way: GiveWay) -> None:
        self.give_way = give_way
        self.held_while_looking: list[int] = []

    def probability(self, samples: np.ndarray) -> float:
        self.held_while_looking.append(self.give_way.under_way)
        return 0.99


def test_the_look_at_a_pause_holds_the_llm_back() -> None:
    give_way = GiveWay()
    voice = VoiceSeeingTheLlmHeld(give_way)
    config = repeatable_config()
    judge = PauseJudge(TurnEndConfig(), config.endpoint, voice, give_way)  # type: ignore[arg-type]

    assert judge._look(np.zeros(16_000, np.int16)) == 0.99
    assert voice.held_while_looking == [1]
    assert give_way.under_way == 0


class TtsSeeingTheLlmHeld(FakeTts):
    def __init__(self, give_way: GiveWay) -> None:
        super().__init__()
        self.give_way = give_way
        self.held_while_synthesising: list[int] = []

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        self.held_while_synthesising.append(self.give_way.under_way)
        yield from super().synthesize(text, cached)


def test_only_a_replys_first_sentence_holds_the_llm_back() -> None:
    give_way = GiveWay()
    tts = TtsSeeingTheLlmHeld(give_way)
    speaker = Speaker(tts, FakeSink(), give_way=give_way)
    speaker.threads = [start("tts", speaker.synthesize_loop), start("playback", speaker.play_loop)]
    try:
        for words in (["One.", "Two.", "Three."], ["Again."]):
            reply = speaker.begin()
            for sentence in words:
                speaker.say(reply, sentence)
            speaker.end(reply)
            assert reply.wait(WAIT_SECONDS)
    finally:
        speaker.close()
    assert tts.held_while_synthesising == [1, 0, 0, 1]


@pytest.mark.slow
def test_the_llm_makes_no_model_call_while_a_call_is_under_way() -> None:
    config = repeatable_config()
    settings = config.llm.model_copy(update={"cpus": "all"})
    worker = LlmWorker(llm_path(config), settings)  # type: ignore[arg-type]
    try:
        worker.wait_ready(120)
        assert worker.give_way is AUDIO_FIRST
        generation = worker.ask("Count from one to forty, every number in words.")
        pieces = iter(generation)
        next(pieces)
        with AUDIO_FIRST.held():
            before = generation.completion_tokens
            time.sleep(0.3)
            # At most the token whose call was under way.
            assert generation.completion_tokens <= before + 1
        rest = "".join(pieces)
        assert generation.completion_tokens > before and rest
    finally:
        worker.close()


def test_an_llm_gives_way_where_it_shares_every_core_and_is_told_to() -> None:
    every = sorted(os.sched_getaffinity(0))
    settings = repeatable_config().llm
    told_not = settings.model_copy(update={"give_way": False})
    assert llm_give_way(settings, None) is AUDIO_FIRST  # type: ignore[arg-type]
    assert llm_give_way(settings, every) is AUDIO_FIRST  # type: ignore[arg-type]
    assert llm_give_way(told_not, None) is None  # type: ignore[arg-type]
    if len(every) > 1:
        assert llm_give_way(settings, every[:-1]) is None  # type: ignore[arg-type]
