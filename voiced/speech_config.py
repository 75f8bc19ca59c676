"""The `wake`, `vad` and `tts` sections: the keys every engine of a kind reads, then each
engine's own, chosen by `engine:` among those registered (entry points
voiced.engines.wake, .vad and .tts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from voiced.sections import Section

if TYPE_CHECKING:
    from voiced.engines import Tts, Vad, WakeWord


class WakeSettings(Section):
    engine: str
    # The wake word: the name of its model (openWakeWord: hey_jarvis, alexa, ...).
    model: str = "hey_jarvis"
    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # After a detection the same word is ignored this long.
    refractory_seconds: Annotated[float, Field(ge=0)] = 2.0
    # Audio kept from just before the detection and given to the recogniser.
    preroll_seconds: Annotated[float, Field(ge=0, le=2)] = 0.3
    # The wake word is listened for while a reply is spoken; heard, it cuts the reply
    # and its generation (barge-in).
    barge_in: bool = True

    def load(self, models_dir: Path) -> WakeWord:
        raise NotImplementedError


class OpenWakeWordConfig(WakeSettings):
    """openWakeWord's ONNX models in models/wakeword."""

    engine: Literal["openwakeword"] = "openwakeword"

    def load(self, models_dir: Path) -> WakeWord:
        from voiced.wake import WakeWordDetector

        return WakeWordDetector(models_dir, self.model, self.threshold)


class VadSettings(Section):
    engine: str

    def load(self, models_dir: Path, threshold: float) -> Vad:
        """The detector; `threshold` is the probability above which a frame is speech
        (endpoint.vad_threshold)."""
        raise NotImplementedError


class SileroVadConfig(VadSettings):
    """Silero VAD's ONNX model in models/wakeword."""

    engine: Literal["silero"] = "silero"

    def load(self, models_dir: Path, threshold: float) -> Vad:
        from voiced.vad import SileroVad

        return SileroVad(models_dir, threshold)


class TtsSettings(Section):
    engine: str
    # The voice, by its engine's name for it.
    voice: str = "en_US-joe-medium"
    # Speak the first clause of a long first sentence as soon as it is complete.
    first_clause_min_chars: Annotated[int, Field(ge=0)] = 24
    # Audio of recent sentences kept for the next time they are said (a command's
    # confirmation is spoken at once); 0 turns the phrase cache off.
    cache_seconds: Annotated[float, Field(ge=0, le=3600)] = 120.0

    def load(self, models_dir: Path) -> Tts:
        raise NotImplementedError


class PiperTtsConfig(TtsSettings):
    """A Piper voice in models/piper (<voice>.onnx and <voice>.onnx.json)."""

    engine: Literal["piper"] = "piper"
    # Speaking speed: above 1 is slower; null is the voice's own.
    length_scale: Annotated[float, Field(gt=0, le=4)] | None = None

    def load(self, models_dir: Path) -> Tts:
        from voiced.tts import PiperTts

        return PiperTts(models_dir, self)
