"""The recorder: a turn's report, filled from what each stage gives and the moments its
stages were reached (Turn.marks), never computed twice."""

from __future__ import annotations

from voiced.asr import Decoding
from voiced.generation import Generation
from voiced.listener import HeardCommand
from voiced.messages import WakeDetected
from voiced.report import TurnReport
from voiced.speaker import Reply
from voiced.turn.turn import Turn


def new_report(wake: WakeDetected, asr_engine: str) -> TurnReport:
    return TurnReport(wake_word=wake.wake_word, wake_at_s=wake.at_s, asr_engine=asr_engine)


def record_command(
    report: TurnReport, command: HeardCommand, input_name: str | None, discarded: int
) -> None:
    """What the listener says of the command: where it came from and how it ended."""
    report.input = input_name
    report.speech_end_at_s = command.speech_end_at_s
    report.partials = list(command.partials)
    report.ended_early = command.ended_early
    report.speculations_discarded = discarded


def record_generation(report: TurnReport, generation: Generation) -> None:
    """What the model did for the turn."""
    report.llm_completion_tokens = generation.completion_tokens
    if generation.exchange is not None:
        report.llm_reply = generation.exchange.assistant
    report.llm_prompt_tokens = generation.prompt_tokens
    report.llm_prompt_tokens_evaluated = generation.prompt_tokens_evaluated
    report.llm_finish_reason = generation.finish_reason


def record_reply(turn: Turn, reply: Reply, sample_rate: int, command: HeardCommand) -> None:
    """The reply, once played to its end."""
    report = turn.report
    turn.reached("tts_first_audio_s", reply.first_audio_at)
    turn.mark("reply_done_s")
    report.reply_audio_seconds = round(reply.samples_spoken / sample_rate, 3)
    if reply.error is not None and report.error is None:
        report.error = str(reply.error)
    if reply.first_audio_at is not None:
        report.latency_s = round(reply.first_audio_at - command.speech_end_received_at, 3)


def close_report(turn: Turn, command: HeardCommand, decodings: list[Decoding]) -> TurnReport:
    """The turn is over: what was said, and every stage's moment as seconds after the
    confirmed endpoint, in the order the stages were reached."""
    report = turn.report
    report.response = " ".join(turn.spoken)
    report.interrupted = turn.cancelled
    report.timings = {
        "endpoint_wait_s": round(command.endpoint_at - command.speech_end_received_at, 3),
        **{
            name: None if at is None else round(at - command.endpoint_at, 3)
            for name, at in turn.marks.items()
        },
    }
    report.after_endpoint_s = report.timings.get("tts_first_audio_s")
    report.decodes = [decoding.to_json() for decoding in decodings]
    return report
