"""The speaker on a fake voice: sentences synthesised on one thread and played on another,
a held reply played only once released, a cut one never."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from tests.fakes import WAIT_SECONDS, FakeSink, FakeTts, PacedFakeSink
from voiced.speaker import Reply, Speaker
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


def announce(
    speaker: Speaker, text: str, wanted: Callable[[], bool] | None = None
) -> tuple[threading.Thread, list[Reply]]:
    """`speaker.speak(text)` on a thread of its own, as the timers thread calls it."""
    replies: list[Reply] = []

    def speak() -> None:
        replies.append(speaker.speak(text, wanted=wanted))

    thread = threading.Thread(target=speak, daemon=True)
    thread.start()
    return thread, replies


def test_an_announcement_waits_for_the_reply_in_progress() -> None:
    """A timer ending while an answer streams is spoken after the answer, not inside it."""
    tts = FakeTts()
    speaker = start_speaker(tts, FakeSink())
    try:
        reply = speaker.begin()
        speaker.say(reply, "Paris is the capital of France.")
        thread, _ = announce(speaker, "Your timer is done.")
        time.sleep(0.2)
        speaker.say(reply, "It lies on the Seine.")
        speaker.end(reply)
        assert reply.wait(WAIT_SECONDS)
        thread.join(WAIT_SECONDS)
    finally:
        speaker.close()

    assert [text for text, _cached in tts.synthesized] == [
        "Paris is the capital of France.",
        "It lies on the Seine.",
        "Your timer is done.",
    ]


def test_a_reply_cut_and_never_ended_holds_no_announcement(sink: FakeSink) -> None:
    speaker = start_speaker(FakeTts(), sink)
    try:
        held = speaker.begin(held=True)  # a speculation's answer, then discarded
        thread, _ = announce(speaker, "Your timer is done.")
        time.sleep(0.1)
        assert thread.is_alive()
        held.cancelled.set()
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive()
    finally:
        speaker.close()
    assert sink.samples == samples(0.1)


def test_the_floor_holds_announcements_and_taking_it_cuts_them() -> None:
    sink = PacedFakeSink()
    speaker = start_speaker(FakeTts(seconds_per_sentence=1.0), sink)
    try:
        speaker.floor(True)  # a command is being heard
        waiting, replies = announce(speaker, "Your timer is done.")
        time.sleep(0.2)
        assert sink.samples == 0 and waiting.is_alive()
        speaker.floor(False)
        assert sink.played.wait(WAIT_SECONDS)
        speaker.floor(True)  # the wake word, over the announcement
        waiting.join(WAIT_SECONDS)
        [cut] = replies
        assert cut.cancelled.is_set()
        assert 0 < cut.samples_spoken < samples(1.0)
    finally:
        speaker.close()


def test_an_announcement_no_longer_wanted_after_the_turn_is_dropped(sink: FakeSink) -> None:
    """A timer rings again while "hey Jarvis, stop" is heard: the turn stops it, and the
    ring that waited for the turn is not said after its "Okay."."""
    tts = FakeTts()
    speaker = start_speaker(tts, sink)
    rings = threading.Event()
    rings.set()
    try:
        speaker.floor(True)
        waiting, replies = announce(speaker, "Your timer is done.", wanted=rings.is_set)
        time.sleep(0.1)
        rings.clear()  # the turn's "stop"
        speaker.floor(False)
        waiting.join(WAIT_SECONDS)
        assert not waiting.is_alive()
        assert replies[0].cancelled.is_set() and sink.samples == 0
        assert tts.synthesized == []
        # Still wanted, it is said.
        speaker.floor(True)
        rings.set()
        waiting, replies = announce(speaker, "Your timer is done.", wanted=rings.is_set)
        time.sleep(0.1)
        speaker.floor(False)
        waiting.join(WAIT_SECONDS)
        assert not replies[0].cancelled.is_set() and sink.samples > 0
    finally:
        speaker.close()


def test_an_announcement_waiting_when_the_speaker_closes_is_dropped(sink: FakeSink) -> None:
    speaker = start_speaker(FakeTts(), sink)
    speaker.floor(True)
    waiting, replies = announce(speaker, "Your timer is done.")
    time.sleep(0.1)
    speaker.close()
    waiting.join(WAIT_SECONDS)
    assert not waiting.is_alive()
    assert replies[0].cancelled.is_set() and sink.samples == 0


def test_the_sink_is_told_where_each_reply_ends_and_whether_it_was_cut(
    speaker: Speaker, sink: FakeSink
) -> None:
    whole = speaker.begin()
    speaker.say(whole, "One.")
    speaker.end(whole)
    assert whole.wait(WAIT_SECONDS)
    cut = speaker.begin()
    speaker.say(cut, "Two.")
    cut.cancelled.set()
    speaker.end(cut)
    assert cut.wait(WAIT_SECONDS)

    assert sink.ends == [False, True]


def test_closing_drops_what_is_playing_and_the_sink_is_never_written_again() -> None:
    """A reload closes the old speaker during a long announcement: it stops within a
    slice, not at the announcement's end, and its thread writes no more."""
    sink = PacedFakeSink()
    speaker = start_speaker(FakeTts(seconds_per_sentence=4.0), sink)
    speaking, replies = announce(speaker, "The washing machine is done. Please empty it.")
    assert sink.played.wait(WAIT_SECONDS)
    started = time.monotonic()
    speaker.close()  # FakeSink refuses any write after this
    speaking.join(WAIT_SECONDS)

    assert time.monotonic() - started < 1.0
    assert not any(thread.is_alive() for thread in speaker.threads)
    [dropped] = replies
    assert dropped.cancelled.is_set() and dropped.samples_spoken < samples(1.0)
    assert sink.closed


class LeadingSilenceTts(FakeTts):
    """Each sentence: 50 ms of silence, then 50 ms of sound."""

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]:
        self.synthesized.append((text, cached))
        silence, sound = np.zeros(samples(0.05), np.int16), np.full(samples(0.05), 3000, np.int16)
        yield np.concatenate([silence, sound])


class WritesSink(FakeSink):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[np.ndarray] = []

    def write(self, samples: np.ndarray, sample_rate: int) -> None:
        super().write(samples, sample_rate)
        self.writes.append(samples)


def test_the_first_sound_of_a_reply_is_not_kept_waiting_by_the_voices_silence() -> None:
    sink = WritesSink()
    speaker = start_speaker(LeadingSilenceTts(), sink)
    try:
        reply = speaker.begin()
        speaker.say(reply, "One.")
        speaker.say(reply, "Two.")
        speaker.end(reply)
        assert reply.wait(WAIT_SECONDS)
    finally:
        speaker.close()

    first, second = sink.writes
    # 10 ms of the silence kept before the sound; a later sentence's pause left whole.
    assert len(first) == samples(0.01) + samples(0.05)
    assert np.count_nonzero(first) == samples(0.05)
    assert len(second) == 2 * samples(0.05)
    assert reply.samples_spoken == len(first) + len(second)
