"""scripts/bench's end-of-turn figures: the pause recordings replayed with the end-of-turn
judgement and with the fixed silence alone, and which turns ended before the speaker
finished, by pause length. Each recording's chunks fall in another place (bench_turns'
chunk_place); scripts/turn-end-data --positions 8 tries every place for every recording."""

from __future__ import annotations

import json
from typing import Any

from voiced.audio import SAMPLE_RATE
from voiced.config import Config
from voiced.devtools.bench_turns import RECORDINGS, chunk_place, source_after_silence
from voiced.models import Models
from voiced.replay import replay

# Sentences with a pause inside and whole ones (voiced/devtools/pause_recordings.py); a turn
# that ends more than this before the speech does was cut.
PAUSES = RECORDINGS / "pauses"
CUT_MARGIN_S = 0.3


def without_turn_end(config: Config) -> Config:
    """voiced as it was: a fixed silence, and the early end of a complete command."""
    return config.model_copy(
        update={"turn_end": config.turn_end.model_copy(update={"enabled": False})}
    )


def cuts_by_pause(config: Config, models: Models) -> dict[str, Any]:
    """Each pause recording replayed (each speculation waited for, as if recognition took
    no audio time), with the end-of-turn judgement and without it: the turns that ended
    before the speaker finished, by pause length and by voice."""
    manifest = json.loads((PAUSES / "expected.json").read_text())
    # The answer does not change where a turn ends: a few tokens of it are enough.
    short = {"llm": config.llm.model_copy(update={"max_tokens": 4})}
    policies = {"turn_end": config.model_copy(update=short)}
    policies["fixed_silence"] = without_turn_end(policies["turn_end"])
    result: dict[str, Any] = {}
    for policy, policy_config in policies.items():
        cut: dict[str, list[str]] = {}
        for index, (name, expected) in enumerate(manifest.items()):
            models.llm.conversation.exchanges.clear()
            # The chunks fall in a new place for each recording, as a microphone's do.
            lead_samples = chunk_place(index)
            source = source_after_silence(PAUSES / f"{name}.wav", lead_samples)
            turns = replay(policy_config, models, source)["turns"]
            pause = expected["pause_seconds"]
            key = "whole" if not pause else f"{pause:.1f}"
            cut.setdefault(key, [])
            if not turns:
                cut[key].append(f"{name} (nothing heard)")
                continue
            first = turns[0]
            end_s = expected["speech_end_seconds"] + lead_samples / SAMPLE_RATE
            if first["speech_end_at_s"] < end_s - CUT_MARGIN_S:
                cut[key].append(name)
        counts = {key: len(names) for key, names in sorted(cut.items())}
        totals = {
            key: sum(
                1
                for name, e in manifest.items()
                if ("whole" if not e["pause_seconds"] else f"{e['pause_seconds']:.1f}") == key
            )
            for key in counts
        }
        result[policy] = {
            "cut": counts,
            "of": totals,
            "cut_human": sum(name.startswith("human") for names in cut.values() for name in names),
            "cut_recordings": sorted(name for names in cut.values() for name in names),
        }
    result["human_recordings"] = sum(name.startswith("human") for name in manifest)
    return result


def show_end_of_turn(figures: dict[str, Any]) -> None:
    print(
        f"end of turn: turns cut before the speaker finished, by pause length "
        f"(tests/recordings/pauses, {figures['human_recordings']} of them real people)"
    )
    for policy, title in (("turn_end", "voice + words"), ("fixed_silence", "fixed silence")):
        cuts = figures[policy]
        counts = "  ".join(f"{key}: {cuts['cut'][key]}/{cuts['of'][key]}" for key in cuts["cut"])
        print(f"  {title:<14} {counts}   (people: {cuts['cut_human']})")
        print(f"  {'':<14} cut: {', '.join(cuts['cut_recordings']) or 'none'}")
