"""scripts/bench's figures of the listening path: its compute per second of audio (with and
without the end-of-turn model), and the input chunks dropped while the LLM works."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK
from voiced.config import Config
from voiced.devtools.bench_turns import LONG_ANSWER, heard_command
from voiced.listener import Listener
from voiced.llm import LlmWorker
from voiced.messages import AudioChunk
from voiced.models import Models, llm_path
from voiced.pause_judge import PauseJudge, listening_endpoint
from voiced.sources import WavFileSource
from voiced.wavio import read_wav

# Seconds of capture simulated while the LLM works, and the capture buffer in chunks
# (PortAudio's default input latency on ALSA holds a few periods).
CAPTURE_SECONDS = 8.0
CAPTURE_BUFFER_CHUNKS = 4


def listening_compute_per_audio_second(
    config: Config, models: Models, path: Path, vocabulary: list[str] | None
) -> float:
    """Wake word, endpointing and recognition, fed as fast as they go, per audio second."""
    samples = read_wav(path)
    started = time.process_time()
    wall = time.monotonic()
    heard_command(config, models, path, vocabulary).session.finish()
    # Process time counts every thread's CPU; on a shared machine wall time is the bound.
    return min(time.process_time() - started, time.monotonic() - wall) / (
        len(samples) / SAMPLE_RATE
    )


def listening_with_turn_end_per_audio_second(
    config: Config, models: Models, path: Path, vocabulary: list[str] | None
) -> float:
    """As listening_compute_per_audio_second, with the end-of-turn model judging each pause
    (on the listening thread, as in the pipeline)."""
    samples = read_wav(path)
    endpoint = listening_endpoint(config.endpoint, config.turn_end)
    listener = Listener(
        models.wake, models.vad, models.recognizer, config.wake, endpoint, vocabulary
    )
    judge = PauseJudge(config.turn_end, config.endpoint, models.smart_turn)
    started = time.process_time()
    wall = time.monotonic()
    command = None
    for chunk in WavFileSource([path], silence_after=False).chunks():
        command = listener.feed(chunk)
        if command is not None:
            break
        judge.ends(listener.progress, None, listener.heard_so_far)
    command = command or listener.end_of_input()
    if command is not None:
        command.session.finish()
    return min(time.process_time() - started, time.monotonic() - wall) / (
        len(samples) / SAMPLE_RATE
    )


def dropped_frames_while_thinking(config: Config, models: Models, nice: int) -> dict[str, Any]:
    """Simulated capture at real pace into a small buffer, drained by the listening path,
    while an LLM worker at `nice` reads long prompts and generates without pause."""
    llm_config = config.model_copy(
        update={"llm": config.llm.model_copy(update={"nice": nice, "prompt_cache": False})}
    )
    worker = LlmWorker(llm_path(llm_config), llm_config.llm)  # type: ignore[arg-type]
    worker.wait_ready()
    busy = threading.Event()
    busy.set()

    def keep_thinking() -> None:
        while busy.is_set():
            worker.conversation.exchanges.clear()
            for _ in worker.ask(LONG_ANSWER + " " + "Add many details. " * 40):
                pass

    thinker = threading.Thread(target=keep_thinking, daemon=True)
    thinker.start()
    time.sleep(0.5)
    captured: queue.Queue[np.ndarray] = queue.Queue(maxsize=CAPTURE_BUFFER_CHUNKS)
    dropped = 0
    lateness: list[float] = []
    chunk = np.zeros(SAMPLES_PER_CHUNK, dtype=np.float32)
    chunks = int(CAPTURE_SECONDS * SAMPLE_RATE / SAMPLES_PER_CHUNK)

    def capture() -> None:
        nonlocal dropped
        start = time.monotonic()
        for n in range(chunks):
            due = start + (n + 1) * SAMPLES_PER_CHUNK / SAMPLE_RATE
            time.sleep(max(0.0, due - time.monotonic()))
            lateness.append(time.monotonic() - due)
            try:
                captured.put_nowait(chunk)
            except queue.Full:
                dropped += 1

    listener = Listener(models.wake, models.vad, models.recognizer, config.wake, config.endpoint)
    capturer = threading.Thread(target=capture)
    capturer.start()
    while capturer.is_alive() or not captured.empty():
        try:
            samples = captured.get(timeout=0.2)
        except queue.Empty:
            continue
        listener.feed(AudioChunk(samples, start_s=0.0, received_at=time.monotonic()))
    busy.clear()
    thinker.join()
    worker.close()
    return {
        "nice": nice,
        "chunks": chunks,
        "dropped": dropped,
        "capture_late_p99_ms": round(float(np.percentile(lateness, 99)) * 1000, 1),
    }
