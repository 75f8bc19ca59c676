"""The engines behind each stage, as protocols, and the registry that finds them by name.

An engine registers its configuration section as an entry point in the group
`voiced.engines.<kind>` (wake, vad, asr, llm, tts), named as `engine:` names it in the
configuration; the section builds the engine (`load`). The built-in engines register the
same way a third-party one does, so adding an engine touches its own module and its
entry point only.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Annotated, Any, Protocol, Union

import numpy as np
from pydantic import BaseModel, Discriminator, Tag

if TYPE_CHECKING:
    from voiced.asr import Recognizer
    from voiced.generation import Conversation, Generation

__all__ = ["Llm", "Recognizer", "Tts", "Vad", "WakeWord", "engine_names", "engine_section"]

log = logging.getLogger(__name__)

ENTRY_POINT_PREFIX = "voiced.engines."


class WakeWord(Protocol):
    """Scores each 80 ms chunk of heard audio for one wake word."""

    name: str

    def reset(self) -> None: ...

    def score(self, chunk: np.ndarray) -> float: ...


class Vad(Protocol):
    """The probability of speech in each frame of heard audio."""

    threshold: float

    def reset(self) -> None: ...

    def probabilities(self, samples: np.ndarray) -> list[float]: ...


class Llm(Protocol):
    """Answers one question at a time, as a stream of text pieces that can be cancelled;
    keeps the conversation."""

    conversation: Conversation

    def ask(self, user: str, speculative: bool = False) -> Generation: ...

    def wait_constructed(self) -> None: ...

    def remember(self, generation: Generation, said: str | None = None) -> None: ...

    def wait_ready(self, timeout_seconds: float | None = None) -> None: ...

    def close(self) -> None: ...


class Tts(Protocol):
    """Speaks text as int16 audio at its own sample rate."""

    sample_rate: int

    def synthesize(self, text: str, cached: bool = False) -> Iterator[np.ndarray]: ...

    def warm_up(self) -> None: ...


@functools.cache
def _registered(kind: str) -> dict[str, type]:
    """The engines of a kind; one that fails to load is logged and left out, as a plugin
    is: the configuration then names it as not installed."""
    engines = {}
    for entry_point in entry_points(group=ENTRY_POINT_PREFIX + kind):
        try:
            section = entry_point.load()
            if not (isinstance(section, type) and issubclass(section, BaseModel)) or (
                "engine" not in section.model_fields
            ):
                raise TypeError(f"{entry_point.value} is not a configuration section")
        except Exception as err:  # third-party code: skip that engine only
            log.error(
                "%s engine %r skipped: %s: %s", kind, entry_point.name, type(err).__name__, err
            )
            continue
        engines[entry_point.name] = section
    return engines


def engine_names(kind: str) -> list[str]:
    return sorted(_registered(kind))


def engine_section(kind: str, default: str) -> Any:
    """The type of a configuration section that is one of the registered engines of
    `kind`: a union told apart by its `engine` key, `default` when the key is left out."""
    engines = _registered(kind)
    if default not in engines:
        raise RuntimeError(
            f"no {kind} engine {default!r} is registered (entry points {ENTRY_POINT_PREFIX}"
            f"{kind}): is voiced installed (pip install -e .)?"
        )
    if len(engines) == 1:
        return engines[default]
    members = tuple(Annotated[section, Tag(name)] for name, section in engines.items())
    return Annotated[Union[members], Discriminator(_engine_of(default))]  # noqa: UP007


def _engine_of(default: str) -> Callable[[Any], str]:
    def engine(value: Any) -> str:
        if isinstance(value, dict):
            return str(value.get("engine", default))
        return str(getattr(value, "engine", default))

    return engine
