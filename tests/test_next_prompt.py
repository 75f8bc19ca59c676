"""The start of the next turn's prompt, known when an answer ends."""

from __future__ import annotations

from voiced.next_prompt import next_prompt_prefix


class CharTemplate:
    """A chat template like the models' ("<user>question</user>"), one token a character."""

    def tokens(self, messages: list[dict[str, str]]) -> list[int]:
        text = "".join(f"<{m['role']}>{m['content']}</{m['role']}>" for m in messages)
        return [ord(character) for character in text]


def text(tokens: list[int]) -> str:
    return "".join(map(chr, tokens))


SYSTEM = [{"role": "system", "content": "Be brief."}]


def test_the_prefix_ends_where_the_next_question_begins() -> None:
    history = [
        *SYSTEM,
        {"role": "user", "content": "Hi?"},
        {"role": "assistant", "content": "Hello."},
    ]
    prefix = next_prompt_prefix(CharTemplate(), history)
    assert (
        text(prefix)
        == "<system>Be brief.</system><user>Hi?</user><assistant>Hello.</assistant><user>"
    )


def test_a_pending_exchange_is_part_of_the_prefix() -> None:
    prefix = next_prompt_prefix(CharTemplate(), SYSTEM, ("Hi?", "Hello."))
    assert text(prefix) == text(
        next_prompt_prefix(
            CharTemplate(),
            [
                *SYSTEM,
                {"role": "user", "content": "Hi?"},
                {"role": "assistant", "content": "Hello."},
            ],
        )
    )
