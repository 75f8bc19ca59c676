"""scripts/bench's result: the runs summed up into medians and ratios (the JSON it writes),
and the table it prints."""

from __future__ import annotations

import argparse
from typing import Any

from voiced.devtools.bench_end_of_turn import show_end_of_turn
from voiced.devtools.bench_live import show_live_path
from voiced.devtools.bench_turns import INTENT_TURNS, LLM_TURNS, STAGES, median, ratio
from voiced.models import Models


def summarise(
    runs: dict[str, list[dict[str, Any]]],
    pauses: list[dict[str, Any]],
    speeds: list[tuple[float | None, float | None]],
    listening: list[float],
    follow_up: dict[str, int],
    drops: list[dict[str, Any]],
    peak_mb: float,
    models: Models,
    args: argparse.Namespace,
) -> dict[str, Any]:
    def path_summary(names: list[str]) -> dict[str, Any]:
        turns = [turn for name in names for turn in runs[name]]

        def med(key: str) -> float | None:
            return median([turn.get(key) for turn in turns])

        summary: dict[str, Any] = {
            "voice_to_voice_s": med("voice_to_voice_s"),
            "fixed_silence_voice_to_voice_s": med("fixed_silence_voice_to_voice_s"),
            "after_endpoint_s": med("after_endpoint_s"),
            "speculation_used": sum(bool(turn["speculation_used"]) for turn in turns),
            "ended_early": sum(bool(turn["ended_early"]) for turn in turns),
            "turns": len(turns),
            # Each turn's chunks fall in another place (bench_turns.chunk_place).
            "chunk_places": len({turn.get("lead_samples") for turn in turns}),
            "naive_voice_to_voice_s": med("naive_voice_to_voice_s"),
            "naive_stock_whisper_voice_to_voice_s": med("naive_stock_whisper_voice_to_voice_s"),
            "transcript_to_audio_s": med("transcript_to_audio_s"),
            "endpoint_wait_s": med("endpoint_wait_s"),
            **{stage: med(stage) for stage in STAGES},
            "prompt_tokens_evaluated": med("prompt_tokens_evaluated"),
            "fixed_silence_prompt_tokens_evaluated": med("fixed_silence_prompt_tokens_evaluated"),
        }
        summary["voiced_over_naive"] = ratio(
            summary["voice_to_voice_s"], summary["naive_voice_to_voice_s"]
        )
        summary["voiced_over_naive_stock_whisper"] = ratio(
            summary["voice_to_voice_s"], summary["naive_stock_whisper_voice_to_voice_s"]
        )
        if any("bound_s" in turn for turn in turns):
            summary["bound_s"] = med("bound_s")
            summary["recognition_s"] = med("recognition_s")
            summary["transcript_to_audio_over_bound"] = ratio(
                summary["transcript_to_audio_s"], summary["bound_s"]
            )
            # The medians above come from different turns: the recordings' first clauses
            # differ by 0.4 s, so each sits in the gap between two recordings.
            summary["over_bound_s"] = med("over_bound_s")
        summary["answered_by"] = sorted({str(turn["answered_by"]) for turn in turns})
        # The ratio hangs on the answer's length: the naive pipeline speaks nothing
        # until the whole answer is synthesised, voiced its first clause.
        summary["per_recording"] = {
            name: {
                "voice_to_voice_s": median([turn["voice_to_voice_s"] for turn in runs[name]]),
                "naive_voice_to_voice_s": median(
                    [turn["naive_voice_to_voice_s"] for turn in runs[name]]
                ),
                "naive_stock_whisper_voice_to_voice_s": median(
                    [turn["naive_stock_whisper_voice_to_voice_s"] for turn in runs[name]]
                ),
                "completion_tokens": median([turn["completion_tokens"] for turn in runs[name]]),
            }
            for name in names
        }
        for figures in summary["per_recording"].values():
            figures["voiced_over_naive"] = ratio(
                figures["voice_to_voice_s"], figures["naive_voice_to_voice_s"]
            )
            figures["voiced_over_naive_stock_whisper"] = ratio(
                figures["voice_to_voice_s"], figures["naive_stock_whisper_voice_to_voice_s"]
            )
        # Said for the first time in the process: no confirmation comes from the cache yet.
        summary["transcript_to_audio_first_time_s"] = median(
            [runs[name][0]["transcript_to_audio_s"] for name in names]
        )
        return summary

    voiced_tps = median([speed[0] for speed in speeds])
    raw_tps = median([speed[1] for speed in speeds])
    return {
        "runs": args.runs,
        # The configured LLM (the default: Qwen2.5-Coder-0.5B), for voiced and the naive
        # pipeline alike.
        "model": models.llm.model_path.name,  # type: ignore[attr-defined]
        # None for Vosk, which has no threads of its own to count.
        "asr": {"engine": models.recognizer.name, "threads": models.recognizer.threads},
        "llm_path": path_summary(LLM_TURNS),
        "intent_path": path_summary(INTENT_TURNS),
        "tokens_per_second": {
            "voiced": voiced_tps,
            "raw": raw_tps,
            "voiced_over_raw": ratio(voiced_tps, raw_tps),
            "threads": models.llm.threads,  # type: ignore[attr-defined]
        },
        "pause_recordings": {
            "turns": len(pauses),
            "speculations_discarded": sum(turn["speculations_discarded"] for turn in pauses),
            "turns_with_a_discard": sum(turn["speculations_discarded"] > 0 for turn in pauses),
            "ended_early": sum(bool(turn["ended_early"]) for turn in pauses),
            # Speech resumes after every one of these pauses and discards the speculation
            # begun in it: a turn that ended early with none discarded ended at the pause.
            "ended_at_the_pause": sum(
                bool(turn["ended_early"]) and turn["speculations_discarded"] == 0 for turn in pauses
            ),
            "transcripts": sorted({turn["transcript"] for turn in pauses}),
        },
        "follow_up_turn": follow_up,
        "listening_compute_per_audio_second": median(listening),
        "dropped_frames_while_llm_busy": drops,
        "peak_rss_mb": round(peak_mb, 1),
        "turns": runs,
    }


def show(result: dict[str, Any]) -> None:
    def row(name: str, value: Any, target: str = "") -> None:
        print(f"  {name:<44} {'-' if value is None else value!s:>10}  {target}")

    print(f"model: {result['model']} (voiced and the naive pipeline)")
    asr = result["asr"]
    threads = "" if asr["threads"] is None else f", {asr['threads']} thread(s)"
    print(f"speech recognition: {asr['engine']}{threads}")
    for key, title in (("llm_path", "LLM path"), ("intent_path", "intent path")):
        summary = result[key]
        places = summary.get("chunk_places")
        print(f"{title} (medians of {result['runs']} runs, the chunks in {places} places, seconds)")
        # The LLM path's is its compute bound + 0.1 s, printed with the bound below.
        target = "" if key == "llm_path" else "target <= 0.35"
        row("voice to voice (end of command -> audio)", summary["voice_to_voice_s"], target)
        target = "target <= 0.4" if key == "llm_path" else "target <= 0.1"
        row("after the confirmed endpoint -> audio", summary["after_endpoint_s"], target)
        row("naive pipeline, voice to voice", summary["naive_voice_to_voice_s"])
        row(
            "voiced with a fixed silence (no end of turn)",
            summary.get("fixed_silence_voice_to_voice_s"),
        )
        target = "target <= 0.5" if key == "llm_path" else ""
        row("voiced / naive", summary["voiced_over_naive"], target)
        row(
            "naive, Whisper's stock 30 s transcribe",
            summary["naive_stock_whisper_voice_to_voice_s"],
        )
        row("voiced / naive (stock Whisper)", summary["voiced_over_naive_stock_whisper"], target)
        row(
            "speculation used / ended early",
            f"{summary['speculation_used']}/{summary['ended_early']} of {summary['turns']}",
        )
        # A recording of the LLM path that an intent answers measures no model: say so.
        wanted = "llm" if key == "llm_path" else "intent"
        answered = ", ".join(summary["answered_by"])
        row("answered by", answered, "" if answered == wanted else f"NOT all {wanted}: fix")
        target = "" if key == "llm_path" else "target <= 0.1"
        row("transcript -> first audio", summary["transcript_to_audio_s"], target)
        row("  the first time in the process", summary["transcript_to_audio_first_time_s"])
        if "bound_s" in summary:
            row("compute bound (first clause + its audio)", summary["bound_s"])
            row(
                "voice to voice bound (pause + recognition + that)",
                summary.get("voice_to_voice_bound_s"),
            )
            row(
                "voice to voice over it, turn by turn", summary.get("over_bound_s"), "target <= 0.1"
            )
            row("transcript -> audio / bound", summary["transcript_to_audio_over_bound"], "<= 1.3")
        row("endpoint wait", summary["endpoint_wait_s"])
        for stage in STAGES:
            row(f"{stage} (after endpoint)", summary[stage])
        row("prompt tokens evaluated per turn", summary["prompt_tokens_evaluated"])
        row("  with a fixed silence", summary.get("fixed_silence_prompt_tokens_evaluated"))
        print("  per recording: voiced, naive, voiced / naive (stock Whisper; answer tokens)")
        for name, figures in summary["per_recording"].items():
            row(
                f"  {name}",
                f"{figures['voice_to_voice_s']} {figures['naive_voice_to_voice_s']}",
                f"{figures['voiced_over_naive']} ({figures['voiced_over_naive_stock_whisper']};"
                f" {figures['completion_tokens']:.0f})",
            )
    pauses = result["pause_recordings"]
    print(f"pause recordings ({pauses['turns']} turns, speech resumes after 0.4 s)")
    row("speculations discarded", pauses["speculations_discarded"])
    row("turns with a discard", f"{pauses['turns_with_a_discard']}/{pauses['turns']}")
    row("ended early", pauses["ended_early"])
    row("ended at the pause (wrong)", pauses["ended_at_the_pause"], "target 0")
    print(f"  transcripts: {pauses['transcripts']}")
    if "end_of_turn" in result:
        show_end_of_turn(result["end_of_turn"])
    speed = result["tokens_per_second"]
    print(f"LLM generation, {speed['threads']} threads (tokens/s)")
    row("voiced", speed["voiced"])
    row("raw llama-cpp-python", speed["raw"])
    row("voiced / raw", speed["voiced_over_raw"], "target >= 0.95")
    remote = result.get("remote_llm_first_audio")
    if remote:
        print("LLM turns, transcript -> first audio, the same model (medians, seconds)")
        row("local engine", remote["local_s"])
        row("llm.engine openai (loopback llama_cpp.server)", remote["remote_s"])
        row("openai / local", remote["remote_over_local"])
    follow = result["follow_up_turn"]
    print("follow-up turn (prompt tokens)")
    row("whole prompt", follow["prompt_tokens"])
    row("new since the last turn", follow["new_tokens"])
    row("evaluated", follow["prompt_tokens_evaluated"], "target <= new + 10")
    print("listening path")
    row(
        "compute per second of audio (s)",
        result["listening_compute_per_audio_second"],
        "target <= 0.15",
    )
    for drops in result["dropped_frames_while_llm_busy"]:
        row(
            f"dropped chunks, LLM at nice {drops['nice']}",
            f"{drops['dropped']}/{drops['chunks']}",
            f"capture late p99 {drops['capture_late_p99_ms']} ms",
        )
    row(
        "  with the end-of-turn model",
        result.get("listening_with_turn_end_per_audio_second"),
        "target <= 0.15",
    )
    print("memory")
    row("peak RSS of voiced replay (MB)", result["peak_rss_mb"], "target <= 1000")
    show_live_path(result, row)
