"""scripts/turn-end-data's comparison of policies over the pauses it collected
(voiced/devtools/turn_end_data.py): each policy is voiced/turn_end.py's own code, fed what
the pipeline knew at the pause."""

from __future__ import annotations

import functools
from typing import Any

from voiced.devtools.turn_end_data import VOICE_AT_S, evaluate
from voiced.turn_end import (
    Judgement,
    TurnEndConfig,
    asks,
    clean_command,
    judge_decodings,
    judge_words,
    pause_for,
    wants_second_look,
)

# The policies compared: the settings before the chunks' place was varied, each lever
# alone and together, the command pause at any voice or at a sure one (0.32 s when the
# voice's first judgement is at least 0.9, or its second look at least 0.95), and the
# other whole commands at the short pause or a little after it (the defaults: 0.43 s);
# docs/endpoint.md.
# Before 2026-12-07 evening a question waited the short pause at any voice.
QUESTIONS_BEFORE = {"question_pause_seconds": 0.4}
FIRST_LOOK_ONLY = {
    **QUESTIONS_BEFORE,
    "command_again_probability": 0.0,
    "unsure_command_pause_seconds": 0.4,
}
BEFORE = {
    **FIRST_LOOK_ONLY,
    "voice_again_after_seconds": 0.0,
    "clean_command_over_voice": False,
    "command_pause_seconds": 0.4,
}
POLICIES: dict[str, dict[str, Any]] = {
    "before": BEFORE,
    "voice again at 0.28 s": {**BEFORE, "voice_again_after_seconds": 0.28},
    "voice again at 0.36 s": {**BEFORE, "voice_again_after_seconds": 0.36},
    "clean command over the voice": {**BEFORE, "clean_command_over_voice": True},
    "both": {**FIRST_LOOK_ONLY, "command_pause_seconds": 0.4},
    **{
        f"both, command pause {pause} s at any voice": {
            **FIRST_LOOK_ONLY,
            "command_pause_seconds": pause,
            "command_probability": 0.5,
        }
        for pause in (0.32, 0.36)
    },
    **{
        f"both, command pause 0.32 s when the voice is {sure} at first": {
            **FIRST_LOOK_ONLY,
            "command_probability": sure,
        }
        for sure in (0.8, 0.85, 0.9, 0.95)
    },
    **{
        f"both, command pause 0.32 s when the voice is 0.9 at first or {again} again": {
            **QUESTIONS_BEFORE,
            "command_again_probability": again,
            "unsure_command_pause_seconds": 0.4,
        }
        for again in (0.9, 0.93, 0.95, 0.97)
    },
    **{
        f"... 0.95 again, other whole commands {pause} s"
        + (" (questions 0.4 s: the defaults before)" if pause == 0.43 else ""): {
            **QUESTIONS_BEFORE,
            "unsure_command_pause_seconds": pause,
        }
        for pause in (0.43, 0.46)
    },
    **{
        f"... questions {pause} s when the voice is {sure} at first"
        + (" (the defaults)" if (pause, sure) == (0.32, 0.9) else ""): {
            "question_pause_seconds": pause,
            "question_probability": sure,
        }
        for pause, sure in ((0.4, 0.9), (0.32, 0.5), (0.32, 0.85), (0.32, 0.9), (0.28, 0.9))
    },
}


def wait_of(row: dict[str, Any], config: TurnEndConfig) -> float:
    """The silence the policy waits at this pause, as voiced/pause_judge.py decides it (the
    same functions of voiced/turn_end.py, fed what was recorded at the pause)."""
    words = judge_words(row["transcript"] or "", row["complete_command"])
    question = asks(words, row["complete_command"])
    command = clean = False
    if words is Judgement.COMPLETE and row["complete_command"] and row["unbiased"]:
        command = True
        words = judge_decodings(Judgement.COMPLETE, row["unbiased"], row["transcript"])
        clean = clean_command(row["transcript"], row["unbiased"])
    voices = row["voices"]
    first = voices.get(f"{config.voice_after_seconds:.2f}")
    again = None
    if wants_second_look(words, first, config, command and clean):
        again_key = f"{config.voice_again_after_seconds:.2f}"
        if again_key not in {f"{at:.2f}" for at in VOICE_AT_S}:
            raise ValueError(f"the voice was not recorded at {again_key} s of pause")
        again = voices.get(again_key)
    return pause_for(first, again, words, config, command, clean, question)


def compare(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    results = {}
    for name, settings in POLICIES.items():
        config = TurnEndConfig(**settings)
        results[name] = evaluate(rows, functools.partial(wait_of, config=config))
    return results


def show_policies(rows: list[dict[str, Any]]) -> None:
    places = len({row["lead"] for row in rows})
    print(f"{len(rows)} pauses judged, the chunks in {places} places")
    for name, result in compare(rows).items():
        print(f"{name}:")
        cuts = ", ".join(f"{length} s: {count}" for length, count in result["cut"].items())
        print(f"  cut inside a sentence (pause length: count): {cuts}")
        print(f"  cut: {', '.join(result['cut_at']) or 'none'}")
        print(f"  waits at the real ends: {result['end_waits']}")
        for recording, waits in result["waits"].items():
            if recording.startswith("commands/") or recording.startswith("pauses/complete"):
                print(f"    {recording:34s} {' '.join(f'{wait:.2f}' for wait in waits)}")
