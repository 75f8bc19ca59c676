"""A Generation's stream: what an engine's thread puts, the turn's thread reads."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from voiced.generation import Generation, GenerationEnded, GenerationFailed, LlmError, Piece


def test_pieces_are_read_in_order_until_the_end() -> None:
    generation = Generation("Hi")

    def engine() -> None:
        for piece in ("Hel", "lo."):
            generation.put(piece)
        generation.end()

    producer = threading.Thread(target=engine)
    producer.start()
    assert list(generation) == ["Hel", "lo."]
    producer.join()
    assert generation.done_at is not None


def test_a_failure_is_raised_to_the_reader_after_the_pieces_before_it() -> None:
    generation = Generation("Hi")
    generation.put("Hel")
    cause = OSError("the socket closed")
    generation.fail(cause)
    generation.end()
    pieces = iter(generation)
    assert next(pieces) == "Hel"
    with pytest.raises(LlmError, match="the socket closed") as raised:
        next(pieces)
    assert raised.value.__cause__ is cause


def test_only_frozen_messages_cross_the_queue() -> None:
    generation = Generation("Hi")
    generation.put("a")
    generation.fail(ValueError("x"))
    generation.end()
    messages = [generation.pieces.get_nowait() for _ in range(3)]
    assert [type(m) for m in messages] == [Piece, GenerationFailed, GenerationEnded]
    with pytest.raises(dataclasses.FrozenInstanceError):
        messages[0].text = "b"  # type: ignore[misc,union-attr]
