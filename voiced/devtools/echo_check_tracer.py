"""scripts/echo-check --trace: what the echo canceller did in a whole replay, chunk by chunk
(the echo and the person in what was heard, what was left of the echo, the delay, the wake
word's score) and each delay estimate and filter reset, summed up at the second wake word."""

from __future__ import annotations

from typing import Any

import numpy as np

import voiced.echo as echo_module
from voiced.devtools.echo_check_setup import HEARD_WITHIN_SECONDS
from voiced.echo import EchoCanceller, Pieces, SpeakerTimeline
from voiced.echo_sim import ECHO_RMS, SimulatedRoom
from voiced.models import Models
from voiced.speex import SpeexEcho


def dbfs(power: float) -> float:
    return round(10 * float(np.log10(power + 1e-12)), 1)


class Tracer:
    """Per chunk, in the listening thread: the room's echo and the person in what is heard,
    what the canceller left of the echo (its output less the person), its delay, the wake
    word's score; and each delay estimate and filter reset, in input seconds."""

    def __init__(self, models: Models) -> None:
        self.rows: list[dict[str, Any]] = []
        self.events: list[tuple[float, str]] = []
        self._parts: tuple[np.ndarray, np.ndarray] | None = None
        self._at = 0.0
        self._first_write: float | None = None
        self.start()
        tracer = self
        room_process, room_played = SimulatedRoom.process, SimulatedRoom.played
        cancel, estimate = EchoCanceller.process, echo_module.estimate_delay
        canceller_played = EchoCanceller.played
        timeline_write = SpeakerTimeline.write
        reset = SpeexEcho.reset
        score = models.wake.score

        def traced_room(room: SimulatedRoom, samples: np.ndarray) -> np.ndarray:
            gain = ECHO_RMS * 10 ** (room.level_db / 20) / room.speech_rms
            person = samples.astype(np.float64) / 32768.0 * gain
            out = room_process(room, samples)
            tracer._parts = (person, out.astype(np.float64) / 32768.0 - person)
            return out

        def traced_placed(
            timeline: SpeakerTimeline, samples: np.ndarray, rate: int, now: int
        ) -> Pieces:
            pieces = timeline_write(timeline, samples, rate, now)
            tracer._placed = pieces[-1][0]  # the write's own piece (a held-back end first)
            return pieces

        def traced_played(
            room: SimulatedRoom, samples: np.ndarray, rate: int, written_at: float | None = None
        ) -> None:
            if tracer._first_write is None:
                tracer._first_write = tracer._at
            tracer.events.append((tracer._at, f"write {len(samples) / rate:.2f} s"))
            room_played(room, samples, rate, written_at)
            tracer._room_at = tracer._placed

        def traced_reference(
            canceller: EchoCanceller,
            samples: np.ndarray,
            rate: int,
            written_at: float | None = None,
        ) -> None:
            canceller_played(canceller, samples, rate, written_at)
            tracer.offsets.append((round(tracer._at, 2), tracer._placed - tracer._room_at))

        def traced_cancel(canceller: EchoCanceller, samples: np.ndarray) -> np.ndarray:
            tracer._at = canceller.audio_seconds
            out = cancel(canceller, samples)
            person, echo = tracer._parts if tracer._parts is not None else (samples * 0.0,) * 2
            residual = out.astype(np.float64) / 32768.0 - person
            tracer.rows.append(
                {
                    "t": round(tracer._at, 2),
                    "echo": float(np.mean(echo**2)),
                    "residual": float(np.mean(residual**2)),
                    "person": float(np.mean(person**2)),
                    "lag": canceller.lag,
                    "delay": canceller.delay,
                    "score": 0.0,
                }
            )
            return out

        def traced_estimate(heard: np.ndarray, played: np.ndarray, max_lag: int) -> int | None:
            lag = estimate(heard, played, max_lag)
            tracer.events.append((tracer._at, f"estimate {lag}"))
            return lag

        def traced_reset(speex: SpeexEcho) -> None:
            tracer.events.append((tracer._at, "filter reset"))
            reset(speex)

        def traced_score(chunk: np.ndarray) -> float:
            value = score(chunk)
            if tracer.rows:
                tracer.rows[-1]["score"] = value
            return value

        SimulatedRoom.process = traced_room  # type: ignore[method-assign, assignment]
        SpeakerTimeline.write = traced_placed  # type: ignore[method-assign, assignment]
        SimulatedRoom.played = traced_played  # type: ignore[method-assign, assignment]
        EchoCanceller.played = traced_reference  # type: ignore[method-assign, assignment]
        EchoCanceller.process = traced_cancel  # type: ignore[method-assign, assignment]
        echo_module.estimate_delay = traced_estimate
        SpeexEcho.reset = traced_reset  # type: ignore[method-assign, assignment]
        models.wake.score = traced_score  # type: ignore[method-assign]

    def start(self) -> None:
        self.rows, self.events, self._parts, self._at, self._first_write = [], [], None, 0.0, None
        self.offsets: list[tuple[float, int]] = []
        self._room_at = self._placed = 0

    def summary(self, said_at: float) -> dict[str, Any]:
        """At the second wake word: where the reply was, the delay, the filter's age, the
        echo left (ERLE over the 1.5 s before it), the best score in the 2.5 s after."""

        def window(start: float, end: float) -> list[dict[str, Any]]:
            return [row for row in self.rows if start <= row["t"] < end]

        before = window(said_at - 1.5, said_at)
        erle = None
        if before:
            echo = sum(row["echo"] for row in before)
            residual = sum(row["residual"] for row in before)
            erle = round(10 * np.log10(echo / max(residual, 1e-12)), 1) if echo else None
        after = window(said_at, said_at + HEARD_WITHIN_SECONDS)
        resets = [at for at, what in self.events if what == "filter reset" and at <= said_at]
        start = self._first_write
        changed = [
            o for n, o in enumerate(self.offsets) if n == 0 or o[1] != self.offsets[n - 1][1]
        ]
        rows = window(said_at - 3.0, said_at + HEARD_WITHIN_SECONDS)
        return {
            "reply_start_s": start,
            "into_reply_s": None if start is None else round(said_at - start, 2),
            "lag_at_wake": before[-1]["lag"] if before else None,
            "last_reset_s": resets[-1] if resets else None,
            "erle_db": erle,
            "echo_dbfs": dbfs(np.mean([row["echo"] for row in before])) if before else None,
            "score_max": round(max((row["score"] for row in after), default=0.0), 3),
            "scores": [round(row["score"], 2) for row in after],
            "events": [(round(at, 2), what) for at, what in self.events],
            # Where each write's reference was queued less where its echo was (samples).
            "offsets": changed,
            # Echo, residual and person (dBFS) and the score, chunk by chunk around it.
            "rows": [
                [row["t"], *(dbfs(row[k]) for k in ("echo", "residual", "person")), row["score"]]
                for row in rows
            ],
        }
