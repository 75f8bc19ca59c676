"""The `asr` section: the recogniser named by `engine:`, with its own keys.

    asr: {engine: whisper, model: whisper-tiny.en, window_seconds: 10, ...}
    asr: {engine: vosk, model: vosk-model-small-en-us-0.15}
    asr: {engine: auto}   # Vosk when its model is installed, otherwise Whisper

Files written before the engines had sections of their own (whisper_model, vosk_model,
whisper_window_seconds and Whisper's keys side by side) are read as they meant, and each
such key is named with its new place (`moved_asr_keys`): the daemon logs it, `voiced
check` shows it. A value under both an old key and its new place is an error.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_serializer, field_validator

from voiced.sections import Section

if TYPE_CHECKING:
    from voiced.asr import Recognizer

log = logging.getLogger(__name__)

# On this many cores or fewer Whisper decodes on one thread by default.
SMALL_MACHINE_CORES = 2


class AsrSettings(Section):
    """The keys every recogniser reads."""

    # The registered name of the engine (entry points voiced.engines.asr).
    engine: str
    # Steer recognition toward the commands and device names (Whisper: a prompt; Vosk:
    # a grammar).
    command_bias: bool = True

    def chosen(self, models_dir: Path) -> AsrSettings:
        """The engine that runs: this one, unless it stands for a choice among others."""
        return self

    def load(self, models_dir: Path) -> Recognizer:
        raise NotImplementedError


class WhisperAsrConfig(AsrSettings):
    engine: Literal["whisper"] = "whisper"
    # A CTranslate2 model in models/whisper.
    model: str = "whisper-tiny.en"
    language: str = "en"
    # None: one thread on a machine of two cores or fewer, two on more (thread_count).
    threads: Annotated[int, Field(ge=1, le=64)] | None = None
    # Decoding temperature: 0 (greedy) makes the transcript repeatable.
    temperature: Annotated[float, Field(ge=0, le=1)] = 0.0
    beam_size: Annotated[int, Field(ge=1, le=10)] = 1
    # A command shorter than this (with the 0.5 s of silence appended to it) is heard in a
    # window this long instead of the full 30 s (a longer one in the shortest of 15, 20 or
    # 30 s that holds it): 10 s decodes in a quarter of the time here and understands as
    # many commands as 15 s (within 1 % of 30 s; scripts/whisper-window measures both).
    window_seconds: Annotated[int, Field(ge=10, le=30)] = 10

    def model_path(self, models_dir: Path) -> Path:
        return models_dir / "whisper" / self.model

    def thread_count(self) -> int:
        """The threads Whisper decodes on. On two cores one is quicker, alone and at a
        pause beside Smart Turn (docs/performance.md, "Whisper on one thread"); two where
        there are more cores, as before (not measured there)."""
        if self.threads is not None:
            return self.threads
        return 1 if len(os.sched_getaffinity(0)) <= SMALL_MACHINE_CORES else 2

    def load(self, models_dir: Path) -> Recognizer:
        from voiced.asr.whisper_engine import WhisperRecognizer

        return WhisperRecognizer(self.model_path(models_dir), self)


class VoskAsrConfig(AsrSettings):
    engine: Literal["vosk"] = "vosk"
    # A Vosk model in models/vosk.
    model: str = "vosk-model-small-en-us-0.15"

    def model_path(self, models_dir: Path) -> Path:
        return models_dir / "vosk" / self.model

    def load(self, models_dir: Path) -> Recognizer:
        from voiced.asr.vosk_engine import VoskRecognizer

        return VoskRecognizer(self.model_path(models_dir))


class AutoAsrConfig(AsrSettings):
    """Vosk when its model is installed (it streams: the text is ready at the endpoint),
    otherwise Whisper; each with its own keys."""

    engine: Literal["auto"] = "auto"
    whisper: WhisperAsrConfig = WhisperAsrConfig()
    vosk: VoskAsrConfig = VoskAsrConfig()

    @field_validator("whisper", "vosk", mode="before")
    @classmethod
    def _own_keys_only(cls, section: Any) -> Any:
        """The engine and the command bias are this section's, for whichever engine runs:
        written under an engine's name they would be read and then ignored."""
        if isinstance(section, dict):
            if "command_bias" in section:
                raise ValueError(
                    "command_bias is not read here: with asr.engine auto it is "
                    "asr.command_bias, for whichever engine runs"
                )
            if "engine" in section:
                raise ValueError("engine is not read here: asr.engine chooses the engine")
        return section

    @field_serializer("whisper", "vosk", mode="wrap")
    def _dump_own_keys_only(self, section: AsrSettings, dump: SerializerFunctionWrapHandler) -> Any:
        """Dumped as it is written, so that it loads again."""
        data = dump(section)
        if isinstance(data, dict):
            data.pop("engine", None)
            data.pop("command_bias", None)
        return data

    def chosen(self, models_dir: Path) -> AsrSettings:
        engine = self.vosk if (self.vosk.model_path(models_dir) / "am").is_dir() else self.whisper
        return engine.model_copy(update={"command_bias": self.command_bias})

    def load(self, models_dir: Path) -> Recognizer:
        return self.chosen(models_dir).load(models_dir)


# Keys of the flat section, before each engine had its own: where each went.
_WHISPER_KEYS = {
    "whisper_model": "model",
    "whisper_window_seconds": "window_seconds",
    "language": "language",
    "threads": "threads",
    "temperature": "temperature",
    "beam_size": "beam_size",
}
_VOSK_KEYS = {"vosk_model": "model"}


def upgrade_asr(section: Any) -> Any:
    """A flat `asr` section of an older file, in the shape of its engine's section.
    Anything else is left as it is, for validation to judge. A value both under its old
    key and in its new place is refused (ValueError): neither may silently win."""
    if not isinstance(section, dict):
        return section
    engine = section.get("engine", "auto")
    if engine not in ("auto", "whisper", "vosk"):
        return section
    old = set(section) & {*_WHISPER_KEYS, *_VOSK_KEYS}
    if engine == "whisper":
        # Whisper's own section has these keys under the same names: they are not old.
        old -= {key for key, new in _WHISPER_KEYS.items() if key == new}
    if not old:
        return section
    rest = {k: v for k, v in section.items() if k not in old}
    whisper = {_WHISPER_KEYS[key]: key for key in old if key in _WHISPER_KEYS}
    vosk = {_VOSK_KEYS[key]: key for key in old if key in _VOSK_KEYS}
    if engine == "auto":
        places = [("asr.whisper", rest.get("whisper") or {}, whisper)]
        places.append(("asr.vosk", rest.get("vosk") or {}, vosk))
    else:
        places = [("asr", rest, whisper if engine == "whisper" else vosk)]
    both = sorted(
        f"asr.{old_key} and {place}.{new}"
        for place, into, moved in places
        if isinstance(into, dict)
        for new, old_key in moved.items()
        if new in into
    )
    if both:
        raise ValueError(
            f"{'; '.join(both)} are both set (an old key and its new place): keep the new one"
        )
    moved_in = {
        place: {**into, **{new: section[key] for new, key in moved.items()}}
        if isinstance(into, dict)
        else into  # not a section: validation says so
        for place, into, moved in places
    }
    if engine != "auto":
        return moved_in["asr"]
    return {**rest, "whisper": moved_in["asr.whisper"], "vosk": moved_in["asr.vosk"]}


def moved_asr_keys(section: Any) -> list[str]:
    """What `upgrade_asr` does to each key of a flat section, one sentence a key: its new
    place, or that the engine never read it."""
    if upgrade_asr(section) is section:
        return []
    engine = section.get("engine", "auto")
    notes = []
    for old, new in [*_WHISPER_KEYS.items(), *_VOSK_KEYS.items()]:
        if old not in section:
            continue
        whisper = old in _WHISPER_KEYS
        if engine == "auto":
            place = f"asr.{'whisper' if whisper else 'vosk'}.{new}"
        elif (engine == "whisper") == whisper:
            place = f"asr.{new}"
        else:
            notes.append(f"asr.{old} is deprecated: the {engine} engine does not read it")
            continue
        if place != f"asr.{old}":
            notes.append(f"asr.{old} is deprecated: it is read as {place}; write it there")
    return notes


def warn_moved_asr_keys(section: Any, source: str) -> tuple[str, ...]:
    """`moved_asr_keys`, each logged as a warning about `source` (the file)."""
    notes = tuple(moved_asr_keys(section))
    for note in notes:
        log.warning("%s: %s", source, note)
    return notes
