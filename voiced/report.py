"""What happened in each turn, as written to the replay report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TurnReport:
    wake_word: str
    wake_at_s: float
    input: str | None = None
    transcript: str = ""
    # "intent" or "llm"; None when the turn ended before an answer (nothing heard, an error).
    answered_by: str | None = None
    intent: dict[str, Any] | None = None
    # An action that waits for a spoken yes: "asked" by this turn; "confirmed" or "declined"
    # by the answer, heard without the wake word.
    confirmation: str | None = None
    response: str = ""
    speech_end_at_s: float = 0.0
    # Wall time from the end of the command entering the pipeline to the first reply audio.
    latency_s: float | None = None
    # Seconds after the confirmed endpoint, per stage; null where the stage did not happen.
    timings: dict[str, float | None] = field(default_factory=dict)
    partials: list[str] = field(default_factory=list)
    asr_engine: str = ""
    llm_completion_tokens: int = 0
    # The model's whole reply, with what was not spoken: a last sentence cut by the token
    # cap, a tool call.
    llm_reply: str = ""
    # The turn's whole prompt, and the part of it evaluated for this turn: the rest (the
    # system prompt, the history) was already in the model's cache.
    llm_prompt_tokens: int = 0
    llm_prompt_tokens_evaluated: int = 0
    # Why the answer ended: "stop", "length" (token cap), "timeout", "cancelled".
    llm_finish_reason: str | None = None
    reply_audio_seconds: float = 0.0
    # Heard without the wake word, in the window after an answer (voiced/follow_up.py).
    follow_up: bool = False
    # Cut short by a new wake word (barge-in) or by stopping.
    interrupted: bool = False
    # "used" when the transcript (and a question's answer) came from speculation at a
    # pause; speculations begun and discarded because speech went on; the turn ended at a
    # pause as a complete command; seconds from the confirmed endpoint to the first audio.
    speculation: str | None = None
    speculations_discarded: int = 0
    ended_early: bool = False
    after_endpoint_s: float | None = None
    # The decodings the transcript was checked with (with the command bias, and again
    # without it), and what the check decided for a command that changes something:
    # {"decision": "act" | "ask" | "not_caught", "agreed", "reason"}; None when unchecked.
    decodes: list[dict[str, Any]] = field(default_factory=list)
    heard_check: dict[str, Any] | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def process_memory_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status, e.g. VmRSS (resident now)
    or VmHWM (peak resident); None where the kernel does not give it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def resident_mb() -> float:
    """The process's resident memory now, for measuring its growth: no figure is an error."""
    resident = process_memory_mb("VmRSS")
    if resident is None:
        raise RuntimeError("no VmRSS in /proc/self/status")
    return resident


def peak_rss_mb() -> float | None:
    """The process's peak resident memory. VmHWM, unlike getrusage's maxrss, starts afresh
    at exec: a child forked from a large parent does not inherit the parent's peak."""
    return process_memory_mb("VmHWM")


def replay_report(
    inputs: list[str], audio_seconds: float, turns: list[TurnReport]
) -> dict[str, Any]:
    return {
        "input": inputs[0] if len(inputs) == 1 else inputs,
        "audio_seconds": round(audio_seconds, 3),
        "turns": [turn.to_json() for turn in turns],
        # Of the whole process so far, models included.
        "peak_rss_mb": peak_rss_mb(),
    }
