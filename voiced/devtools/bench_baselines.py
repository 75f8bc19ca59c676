"""What scripts/bench compares voiced with: the naive pipeline (the same models chained in
sequence, with voiced's recogniser and with Whisper's stock 30 s window) and the compute
bound (raw llama-cpp-python from the transcript to the first clause of voiced's reply, plus
Piper on it)."""

from __future__ import annotations

import codecs
import time
from typing import Any

from voiced.asr import Recognizer, load_recognizer
from voiced.asr.whisper_engine import FULL_WINDOW_SECONDS
from voiced.asr_config import WhisperAsrConfig
from voiced.audio import SAMPLE_RATE, SAMPLES_PER_CHUNK
from voiced.config import Config
from voiced.generation import Conversation
from voiced.intents.engine import IntentEngine
from voiced.llama_answer import ChatTemplate, common_prefix
from voiced.models import Models, llm_path
from voiced.pipeline import strip_wake_phrase
from voiced.sentences import SentenceSplitter


class Naive:
    """The intents and recognition bias that voiced uses, for the naive pipeline too; and
    Whisper as other assistants run it, faster-whisper's transcribe in its 30 s window
    (None when voiced's own recogniser is that already, or is Vosk)."""

    def __init__(self, config: Config, recognizer: Recognizer) -> None:
        self.intents = IntentEngine(config, announce=lambda *_args, **_kwargs: None)
        self.vocabulary = self.intents.matcher.vocabulary() if config.asr.command_bias else None
        self.stock_recognizer: Recognizer | None = None
        full = FULL_WINDOW_SECONDS
        asr = config.asr.chosen(config.models_dir)
        if isinstance(asr, WhisperAsrConfig) and asr.window_seconds < full:
            stock = asr.model_copy(update={"window_seconds": full})
            self.stock_recognizer = load_recognizer(config.models_dir, stock)

    def transcribe(self, recognizer: Recognizer, samples: Any) -> tuple[str, float]:
        """The transcript, and the seconds it took."""
        session = recognizer.start(self.vocabulary)
        session.accept(samples)
        started = time.monotonic()
        transcript = session.finish()
        return transcript, time.monotonic() - started


class Raw:
    """The same GGUF through llama-cpp-python's own API, with nothing of voiced's around it."""

    def __init__(self, config: Config, threads: int) -> None:
        from llama_cpp import Llama

        self.config = config
        self.llama = Llama(
            model_path=str(llm_path(config)),
            n_ctx=config.llm.context_tokens,  # type: ignore[attr-defined]
            n_threads=threads,
            n_threads_batch=threads,
            seed=config.llm.seed,
            verbose=False,
        )
        self.template = ChatTemplate(self.llama, llm_path(config))

    def messages(self, question: str) -> list[dict[str, str]]:
        """The system prompt and the question, as voiced's first turn asks it."""
        return Conversation(self.config.llm.system_prompt, budget_tokens=0).messages(question)

    def answer_as(self, question: str, reply: str) -> int:
        """Generate `reply` to the question whole, token after token as generation does,
        without sampling: the naive pipeline says what voiced said. Left to sample freely
        at temperature > 0, the two differ on the KV cache's batching alone ("The sky is
        blue." against three sentences). Without sampling this is no slower than
        generating the same reply (measured: within 4 % on 96 tokens)."""
        llama = self.llama
        self._evaluate_prompt(question)
        tokens = llama.tokenize(reply.encode("utf-8"), add_bos=False)
        for token in tokens[:-1]:
            llama.eval([token])
        return len(tokens)

    def _evaluate_prompt(self, question: str) -> None:
        """The prompt in the KV cache; what it holds of it already is kept, as
        llama-cpp-python does."""
        llama = self.llama
        prompt = self.template.tokens(self.messages(question))
        kept = min(common_prefix(llama.input_ids[: llama.n_tokens], prompt), len(prompt) - 1)  # type: ignore[arg-type]
        llama.n_tokens = kept
        llama.eval(prompt[kept:])

    def warm_system_prompt(self) -> None:
        """Leave exactly the system prompt in the KV cache (llama-cpp-python reuses it)."""
        system = self.template.system_tokens(self.config.llm.system_prompt)
        for _ in self.llama.create_completion(system, max_tokens=1, temperature=0.0):
            pass

    def stream(self, question: str, max_tokens: int) -> Any:
        return self.llama.create_completion(
            self.template.tokens(self.messages(question)),
            max_tokens=max_tokens,
            temperature=self.config.llm.temperature,
            top_p=self.config.llm.top_p,
            seed=self.config.llm.seed,
            stream=True,
        )

    def first_clause_as(self, question: str, reply: str, splitter: SentenceSplitter) -> str:
        """Generate `reply` as `answer_as` does, with the sampler's work paid for each
        token, up to its first clause as voiced splits it, and return that clause: the
        compute bound times voiced's own answer, not one sampled afresh (SmolLM2 says "The
        capital of France is Paris." to one and loops on "la France, la France, ..." for
        96 tokens to the other)."""
        llama = self.llama
        self._evaluate_prompt(question)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        llm = self.config.llm
        for token in llama.tokenize(reply.encode("utf-8"), add_bos=False):
            # The sampler's work, as generation does it; voiced's token replaces its choice.
            llama.sample(top_p=llm.top_p, temp=llm.temperature)
            pieces = splitter.feed(decoder.decode(llama.detokenize([token])))
            if pieces:
                return pieces[0]
            llama.eval([token])  # its logits would choose the next token
        return " ".join(splitter.flush())


def naive_turn(
    config: Config,
    models: Models,
    raw: Raw,
    naive: Naive,
    samples: Any,
    reply: str,
    endpoint_wait: float,
) -> dict[str, Any]:
    """Transcribe, answer in full (the LLM's `reply`, as voiced answered), synthesise in
    full: voice to voice, with voiced's recogniser and with Whisper's stock window, and
    what was heard and said."""
    stock_recognition_s = None
    if naive.stock_recognizer is not None:
        _text, stock_recognition_s = naive.transcribe(naive.stock_recognizer, samples)
    heard, recognition_s = naive.transcribe(models.recognizer, samples)
    started = time.monotonic()
    transcript = strip_wake_phrase(heard, config.wake.model)
    match = naive.intents.match(transcript)
    tokens = 0
    if match:
        text = naive.intents.answer(match).response
    else:
        tokens = raw.answer_as(transcript, reply)
        text = reply
    for _ in models.tts.synthesize(text, cached=False):
        pass
    answer_s = time.monotonic() - started
    # The same turn, had its recognition been faster-whisper's stock transcribe.
    if stock_recognition_s is None:
        stock_recognition_s = recognition_s
    return {
        "naive_voice_to_voice_s": endpoint_wait + recognition_s + answer_s,
        "recognition_s": recognition_s,
        "naive_stock_whisper_voice_to_voice_s": endpoint_wait + stock_recognition_s + answer_s,
        "naive_transcript": transcript,
        "naive_completion_tokens": tokens,
    }


def bound_turn(config: Config, models: Models, raw: Raw, transcript: str, reply: str) -> float:
    """Raw llama-cpp-python from the transcript to the first clause of voiced's reply,
    plus Piper on it."""
    raw.warm_system_prompt()
    splitter = SentenceSplitter(config.tts.first_clause_min_chars)
    started = time.monotonic()
    clause = raw.first_clause_as(transcript, reply, splitter)
    for _ in models.tts.synthesize(clause, cached=False):
        pass
    return time.monotonic() - started


def naive_endpoint_wait(config: Config) -> float:
    chunk_s = SAMPLES_PER_CHUNK / SAMPLE_RATE
    return config.endpoint.silence_seconds + chunk_s / 2
