"""What scripts/bench replays and how it reads one turn: the recordings and the questions,
voiced's turn through replay's pipeline at real pace, the command as voiced's listener cuts
it, the medians and ratios the figures are given as, and the progress lines on stderr."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLES_PER_CHUNK
from voiced.config import Config
from voiced.listener import HeardCommand, Listener
from voiced.models import Models
from voiced.sources import WavFileSource

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT / "tests" / "recordings"
# Questions with a one-sentence answer and with a few sentences, as a household asks them.
# ask-joke is no longer one: TellJoke answers it (voiced/intents/fun.py); ask-rainbow is.
LLM_TURNS = [
    "ask-capital",
    "espeak-ask-capital",
    "ask-moon",
    "ask-rainbow",
    "ask-sky",
    "ask-plants",
]
INTENT_TURNS = ["commands/kitchen-light-on", "commands/living-room-light-on", "commands/time-piper"]
# Commands and a question with a 0.4 s pause inside: the speculation at the pause is wrong.
PAUSE_TURNS = ["pause-corrected-command", "pause-mid-command", "pause-mid-question"]
# A microphone's 80 ms chunks fall anywhere in the speech, a recording's always in one
# place, and where they fall changes when a turn ends (docs/endpoint.md): each replay puts
# them in one of this many places, a chunk apart / CHUNK_PLACES, turn by turn.
CHUNK_PLACES = 8
# A question with a long answer, for generation speed.
LONG_ANSWER = "Tell me a long story about a dragon who lives in a lighthouse."


def median(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 3) if known else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def chunk_place(turn: int, places: int = CHUNK_PLACES) -> int:
    """The samples of silence before a recording's `turn`th replay (its index plus the
    run's), one of `places` spread over a chunk: the places go round, so that the
    recordings and the runs meet them all."""
    return (turn % places) * SAMPLES_PER_CHUNK // places


def source_after_silence(path: Path, lead_samples: int) -> WavFileSource:
    """A recording to replay with `lead_samples` of silence first: its chunks fall that
    much later in the speech."""
    source = WavFileSource([path])
    source.recordings = [
        (name, np.concatenate([np.zeros(lead_samples, np.int16), samples]))
        for name, samples in source.recordings
    ]
    return source


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def heard_command(
    config: Config, models: Models, path: Path, vocabulary: list[str] | None
) -> HeardCommand:
    """The recording's command as voiced's own listener cuts it (fed as fast as it goes)."""
    listener = Listener(
        models.wake, models.vad, models.recognizer, config.wake, config.endpoint, vocabulary
    )
    for chunk in WavFileSource([path], silence_after=False).chunks():
        if (command := listener.feed(chunk)) is not None:
            return command
    last = listener.end_of_input()
    if last is None:
        raise SystemExit(f"{path}: no command heard")
    return last


def voiced_turn(
    config: Config, models: Models, path: Path, lead_samples: int = 0
) -> dict[str, Any]:
    from tests.voice_to_voice import paced_replay

    models.llm.conversation.exchanges.clear()  # every run the same question, no history
    turn, heard = paced_replay(config, models, path, lead_samples)
    timings = turn["timings"]
    transcript_to_audio = None
    if timings.get("tts_first_audio_s") is not None:
        transcript_to_audio = timings["tts_first_audio_s"] - timings["asr_final_s"]
    return {
        "lead_samples": lead_samples,
        "voice_to_voice_s": turn["latency_s"],
        # From the last loud sample to the reply's first, as the live path measures it.
        "heard_s": heard,
        "after_endpoint_s": turn["after_endpoint_s"],
        "speculation_used": turn["speculation"] == "used",
        "speculations_discarded": turn["speculations_discarded"],
        "ended_early": turn["ended_early"],
        "transcript_to_audio_s": transcript_to_audio,
        "prompt_tokens_evaluated": turn["llm_prompt_tokens_evaluated"],
        "prompt_tokens": turn["llm_prompt_tokens"],
        "completion_tokens": turn["llm_completion_tokens"],
        **{name: timings.get(name) for name in STAGES},
        "endpoint_wait_s": timings["endpoint_wait_s"],
        "transcript": turn["transcript"],
        "reply": turn["llm_reply"] or turn["response"],
        # What the model said, empty when voiced said something of its own instead.
        "llm_reply": turn["llm_reply"],
        "answered_by": turn["answered_by"],
    }


STAGES = ["asr_final_s", "llm_first_token_s", "first_sentence_s", "tts_first_audio_s"]
