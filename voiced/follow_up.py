"""Follow-ups without the wake word: after an answer, voiced goes on listening for a few
seconds, and speech that continues the conversation ("and how long is it?") is a turn.

What is said in that window may be meant for someone else, or be no speech at all: it
starts a turn only when the VAD hears a run of speech at least `min_speech_seconds` long,
and the recogniser is confident it heard words (Whisper's mean log-probability per token
and its no-speech probability), and, unless the reply asked a question, more than one word.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from voiced.report import TurnReport

if TYPE_CHECKING:
    from voiced.asr import Decoding

log = logging.getLogger(__name__)


class ConversationConfig(BaseModel):
    """`conversation:` in voiced.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # After an answer, speech beginning within this many seconds continues the
    # conversation without the wake word; 0 turns follow-ups off.
    follow_up_seconds: float = Field(5.0, ge=0.0, le=30.0)
    # Every answer of the LLM opens that window; false: only a reply that asks a question
    # (which always does).
    follow_up_after_answers: bool = True
    # Shorter runs of speech in the window are not a follow-up (a cough, a door, a word).
    min_speech_seconds: float = Field(0.4, ge=0.0, le=2.0)
    # Whisper's confidence a follow-up needs: mean log-probability per token at least,
    # probability of no speech at most (Vosk gives neither: only the other checks apply).
    min_avg_log_prob: float = Field(-0.8, le=0.0)
    max_no_speech_prob: float = Field(0.5, ge=0.0, le=1.0)


def asks_a_question(text: str) -> bool:
    return text.rstrip().rstrip("\"')").endswith("?")


class FollowUp:
    """Owned by the pipeline: whether the last reply opens a window, and whether what was
    heard in it is a turn. Called from the turn thread (`answered`, `accepts`) and the
    listening thread (`window_seconds`) one after the other, never at once."""

    def __init__(self, config: ConversationConfig) -> None:
        self.config = config
        self._window: float | None = None
        self._asked_question = False
        # The report `accepts` turned down, until `ignored` is asked about it: one at a
        # time, as turns are; held (not its id) so that no later report can pass for it.
        self._rejected: TurnReport | None = None

    def answered(self, report: TurnReport) -> None:
        """A turn ended: does its reply open the window?"""
        self._asked_question = asks_a_question(report.response)
        opens = (
            self.config.follow_up_seconds > 0
            and not report.interrupted
            and report.error is None
            and bool(report.response)
            and (
                self._asked_question
                or (self.config.follow_up_after_answers and report.answered_by == "llm")
            )
        )
        self._window = self.config.follow_up_seconds if opens else None

    def window_seconds(self) -> float | None:
        """The window to listen in now, once (None: wait for the wake word)."""
        window, self._window = self._window, None
        return window

    def accepts(self, report: TurnReport, decodings: Iterable[Decoding]) -> bool:
        """Is what was heard in the window a turn? A turn that is not is ignored: no
        answer, and no report."""
        report.follow_up = True
        reason = self._rejection(report.transcript, list(decodings))
        if reason is None:
            return True
        log.info("heard after the answer, not a follow-up (%s): %r", reason, report.transcript)
        self._rejected = report
        return False

    def rejected(self, report: TurnReport) -> bool:
        """Whether `accepts` turned this report down (it stays so until `ignored`)."""
        return report is self._rejected

    def ignored(self, report: TurnReport) -> bool:
        """Whether this report was turned down; it is forgotten once asked about."""
        if report is self._rejected:
            self._rejected = None
            return True
        return False

    def _rejection(self, transcript: str, decodings: list[Decoding]) -> str | None:
        words = [word for word in transcript.split() if any(ch.isalnum() for ch in word)]
        if not words:
            return "no words"
        if len(words) < 2 and not self._asked_question:
            return "one word"
        for decoding in decodings[:1]:  # the decoding the transcript came from
            if decoding.no_speech_prob is not None and (
                decoding.no_speech_prob > self.config.max_no_speech_prob
            ):
                return f"no speech {decoding.no_speech_prob:.2f}"
            if decoding.avg_log_prob is not None and (
                decoding.avg_log_prob < self.config.min_avg_log_prob
            ):
                return f"log-probability {decoding.avg_log_prob:.2f}"
        return None
