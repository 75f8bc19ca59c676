"""The speaker on a fake voice: sentences synthesised on one thread and played on another,
a held reply played only once released, a cut one never."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import WAIT_SECONDS, FakeSink, FakeTts
from voiced.speaker import Speaker
from voiced.turn.loop import start_speaker


@pytest.fixture
def sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def speaker(sink: FakeSink) -> Iterator[Speaker]:
    speaker = start_speaker(FakeTts(seconds_per_sentence=0.1), sink)
    yield speaker
    speaker.close()


def samples(seconds: float) -> int:
    return round(seconds * FakeTts.sample_rate)


def test_a_reply_is_played_sentence_after_sentence(speaker: Speaker, sink: FakeSink) -> None:
    reply = speaker.begin()
    speaker.say(reply, "One.")
    speaker.say(reply, "Two.", cached=True)
    speaker.end(reply)

    assert reply.wait(WAIT_SECONDS)
    assert reply.samples_spoken == sink.samples == samples(0.2)
    assert reply.first_audio_at is not None and reply.error is None


def test_a_held_reply_is_played_only_once_released(speaker: Speaker, sink: FakeSink) -> None:
    reply = speaker.begin(held=True)
    speaker.say(reply, "Held.")
    speaker.end(reply)

    assert not reply.wait(0.1)
    assert sink.samples == 0
    reply.released.set()
    assert reply.wait(WAIT_SECONDS)
    assert sink.samples == samples(0.1)


def test_a_held_reply_cut_is_never_heard(speaker: Speaker, sink: FakeSink) -> None:
    reply = speaker.begin(held=True)
    speaker.say(reply, "Never heard.")
    speaker.end(reply)
    reply.cancelled.set()

    assert reply.wait(WAIT_SECONDS)
    assert sink.samples == 0 and reply.first_audio_at is None


def test_words_prepared_ahead_are_cached_not_played(sink: FakeSink) -> None:
    tts = FakeTts()
    speaker = start_speaker(tts, sink)
    speaker.prepare("Turned on the kitchen light.")
    speaker.speak("Done.")
    speaker.close()

    assert tts.synthesized == [("Turned on the kitchen light.", True), ("Done.", False)]
    assert sink.samples == samples(0.1)
    assert sink.closed
    assert not any(thread.is_alive() for thread in speaker.threads)


def test_a_failing_voice_ends_only_its_reply(sink: FakeSink) -> None:
    speaker = start_speaker(FakeTts(fail_on="Bad."), sink)
    try:
        failed = speaker.begin()
        speaker.say(failed, "Bad.")
        speaker.say(failed, "Skipped.")
        speaker.end(failed)
        assert failed.wait(WAIT_SECONDS)
        good = speaker.speak("Fine.")
    finally:
        speaker.close()

    assert failed.error is not None and failed.samples_spoken == 0
    assert good.error is None and good.samples_spoken == samples(0.1)
