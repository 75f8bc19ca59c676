"""How scripts/echo-check prints its figures: heard and false wakes per level, raw and
cancelled, for the mixes and the replays; the drift cases; each reply's first seconds;
where echoes land on a live audio stack; the canceller's CPU."""

from __future__ import annotations

from typing import Any

import numpy as np

from voiced.devtools.echo_check_mixes import DRIFT_LEVEL_DB, DRIFT_OFFSETS_SECONDS, DRIFT_PPM
from voiced.devtools.echo_check_replies import PLACES, REPLY_GAP_SECONDS, SECONDS_MEASURED


def counts(kind: str, figures: dict[str, Any]) -> tuple[int, int, int]:
    """(heard, cases, false wakes) of one row's raw or cancelled runs."""
    if kind == "mixed":
        cases = figures["cases"]
        false = sum(case["false_wake"] for case in cases) + figures["echo_only_false_wake"]
        return sum(case["heard"] for case in cases), len(cases), false
    valid = [case for case in figures["cases"] if case["valid"]]
    false = sum(len(case["false_wakes"]) for case in figures["cases"])
    false += len(figures["echo_only"]["false_wakes"])
    return sum(case["heard"] for case in valid), len(valid), false


def show(results: dict[str, Any]) -> None:
    titles = {
        "mixed": "the person mixed into the reply's echo, canceller and wake word model",
        "replay": "voiced replay --echo, the whole pipeline at real pace",
    }
    for kind, title in titles.items():
        if kind not in results:
            continue
        print(f"barge-in under simulated echo ({results['date']}): {title}")
        print(
            f"{'level':>8}  {'heard, raw':>12}  {'heard, cancelled':>17}  false wakes raw/cancelled"
        )
        totals = np.zeros((2, 3), dtype=int)
        for level, row in results[kind].items():
            if "raw" not in row:
                row = {"raw": row["cancelled"], **row}
            raw, cancelled = counts(kind, row["raw"]), counts(kind, row["cancelled"])
            totals += np.array([raw, cancelled])
            print(
                f"{float(level):>+6.0f} dB  {f'{raw[0]}/{raw[1]}':>12}"
                f"  {f'{cancelled[0]}/{cancelled[1]}':>17}  {raw[2]}/{cancelled[2]}"
            )
        (rh, rn, rf), (ch, cn, cf) = totals
        print(f"{'all':>8}  {f'{rh}/{rn}':>12}  {f'{ch}/{cn}':>17}  {rf}/{cf}")
    if "drift" in results:
        drift = results["drift"]
        print(
            f"clock drift, person {DRIFT_LEVEL_DB:+.0f} dB at {DRIFT_OFFSETS_SECONDS} s into a"
            f" {drift['reply_seconds']} s reply, cancelled:"
        )
        for ppm in DRIFT_PPM:
            cases = drift[str(ppm)]
            erles = [case["erle_db"] for case in cases if case["erle_db"] is not None]
            by_offset = [
                np.mean([c["erle_db"] for c in cases if c["offset_s"] == o and c["erle_db"]])
                for o in DRIFT_OFFSETS_SECONDS
            ]
            print(
                f"{ppm:>6.0f} ppm  heard {sum(c['heard'] for c in cases)}/{len(cases)}"
                f"  false wakes {sum(c['false_wake'] for c in cases)}"
                f"  ERLE {np.mean(erles):.1f} dB (by offset: "
                + ", ".join(f"{e:.1f}" for e in by_offset)
                + ")"
            )
    if "replies" in results:
        show_replies(results["replies"])
    if "live" in results:
        show_live(results["live"])
    cpu_ms = results["cpu_seconds_per_audio_second"] * 1000
    print(f"canceller CPU per second of audio: {cpu_ms:.1f} ms")


def show_replies(replies: dict[str, Any]) -> None:
    count = replies["replies"]
    print(
        f"{count} replies {REPLY_GAP_SECONDS:g} s apart, echo cancelled in their first"
        f" {SECONDS_MEASURED} seconds (mean of replies 2-{count}):"
    )
    for place in PLACES:
        row = replies[place]
        print(f"  replies starting {place} (at {row['phase_samples']} of a chunk),")
        print("  reference placed (the clock read to ± samples):")
        for way, figures in row.items():
            if way == "phase_samples":
                continue
            seconds = "  ".join(f"{x:>5.1f} dB" for x in figures["mean_after_first"])
            print(f"    {way:<26} {seconds}")


def show_live(live: dict[str, Any]) -> None:
    if "skipped" in live:
        print(f"live placement skipped: {live['skipped']}")
        return
    print("where each burst's echo lands against its reference, private PulseAudio (samples):")
    for kind, figures in live.items():
        print(
            f"  {kind:<28} spread {figures['spread_samples']:>5}"
            f"  std {figures['std_samples']:>6.1f}  {figures['offsets_samples']}"
        )
