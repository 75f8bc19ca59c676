"""One answer on a loaded llama.cpp model, run on the LLM worker's thread (voiced/llm.py).

The chat prompt is rendered from the model's own template and evaluated in short slices,
so that a cancelled or overdue turn stops between two slices even while a long prompt is
read; each turn evaluates only the tokens that follow what is already in the KV cache.
Between two model calls it gives way to the audio path's (voiced/give_way.py), when given
one to give way to.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from voiced.errors import ModelError
from voiced.generation import TOKENS_PER_MESSAGE, Conversation, Exchange, Generation, LlmError
from voiced.give_way import GiveWay
from voiced.llm_config import LocalLlmConfig

log = logging.getLogger(__name__)

# Prompt tokens evaluated between two looks at the cancel flag and the deadline: small
# enough to stop within tens of milliseconds, large enough to keep batched evaluation fast.
PROMPT_SLICE_TOKENS = 32


def common_prefix(cached: Sequence[int], tokens: list[int]) -> int:
    count = 0
    for old, new in zip(cached, tokens, strict=False):
        if old != new:
            break
        count += 1
    return count


class ChatTemplate:
    """The model's own chat template, from its GGUF metadata, rendered to tokens."""

    def __init__(self, llama: Any, model_path: Path) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"LLM model {model_path} has no chat template in its metadata")

        def text_of(token: int) -> str:
            return "" if token < 0 else llama.detokenize([token], special=True).decode()

        self._llama = llama
        self._format = Jinja2ChatFormatter(
            template, eos_token=text_of(llama.token_eos()), bos_token=text_of(llama.token_bos())
        )
        # The markers of the template's own tokens, which the rendered prompt is read with:
        # written in a message ("<|im_end|>" typed to `voiced ask`, or in a server's answer
        # kept in the history), they would end it and open another, a system one say.
        markers = {text_of(llama.token_eos()), text_of(llama.token_bos())} - {""}
        self._markers = re.compile(
            "|".join([r"<\|[^|<>\s]{1,40}\|>", *map(re.escape, sorted(markers))])
        )

    def tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The prompt of `messages`, the markers of special tokens taken out of their
        contents: only the template's own are read as such."""
        messages = [
            {**message, "content": self._markers.sub("", message["content"])}
            for message in messages
        ]
        rendered = self._format(messages=messages)  # type: ignore[arg-type]
        return list(
            self._llama.tokenize(
                rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
            )
        )

    def system_tokens(self, system_prompt: str) -> list[int]:
        """The tokens every prompt starts with: those two different questions share."""
        one, two = (
            self.tokens(
                [{"role": "system", "content": system_prompt}, {"role": "user", "content": q}]
            )
            for q in ("a", "b")
        )
        return one[: common_prefix(one, two)]


class LlamaAnswer:
    """Answers on `llama` (a llama_cpp.Llama): the prompt fitted to the context, evaluated
    in slices, then tokens sampled until the model ends, the cap, a cancel or the deadline.
    Used only on the thread that owns `llama`."""

    def __init__(
        self,
        llama: Any,
        model_path: Path,
        config: LocalLlmConfig,
        give_way: GiveWay | None = None,
    ) -> None:
        import llama_cpp

        self.llama = llama
        self.config = config
        self.give_way = give_way
        self.template = ChatTemplate(llama, model_path)
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)

    def answer(self, generation: Generation, conversation: Conversation) -> None:
        """Put the answer's pieces on `generation`; note its exchange, and keep it in
        `conversation` unless it is speculative or cut short (Generation.cut)."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        reply = []
        for token in self.tokens(self.prompt(generation.user, conversation), generation):
            piece = decoder.decode(self.llama.detokenize([token]))
            if not piece:
                continue  # the first bytes of a character split over tokens
            if generation.first_token_at is None:
                generation.first_token_at = time.monotonic()
            reply.append(piece)
            generation.put(piece)
        answer = "".join(reply).strip()
        tokens = self.count_tokens(generation.user) + self.count_tokens(answer)
        generation.exchange = Exchange(generation.user, answer, tokens)
        if not generation.speculative and not generation.cut:
            conversation.add(generation.exchange)

    def prompt(self, user: str, conversation: Conversation) -> list[int]:
        """The turn's prompt, with the oldest exchanges dropped until the answer fits."""
        room = self.config.context_tokens - self.config.max_tokens
        tokens = self.template.tokens(conversation.messages(user))
        while len(tokens) > room and conversation.exchanges:
            conversation.exchanges.pop(0)
            tokens = self.template.tokens(conversation.messages(user))
        if len(tokens) > room:
            raise LlmError(
                f"the question is {len(tokens)} tokens with the system prompt; "
                f"llm.context_tokens leaves room for {room}"
            )
        return tokens

    def evaluate(
        self, tokens: list[int], generation: Generation, deadline: float = float("inf")
    ) -> bool:
        """Bring the KV cache to `tokens`, evaluating only what follows the cached prefix,
        the last token always (its logits start the answer). False if stopped on the way."""
        llama = self.llama
        kept = min(common_prefix(llama.input_ids[: llama.n_tokens], tokens), len(tokens) - 1)
        llama.n_tokens = kept
        for start in range(kept, len(tokens), PROMPT_SLICE_TOKENS):
            if self._stopped(generation, deadline):
                return False
            piece = tokens[start : start + PROMPT_SLICE_TOKENS]
            self._give_way()
            llama.eval(piece)
            generation.prompt_tokens_evaluated += len(piece)
        return True

    def tokens(self, prompt: list[int], generation: Generation) -> Iterator[int]:
        """The answer's tokens, until the model ends it, the cap, cancel or the deadline."""
        deadline = time.monotonic() + self.config.turn_timeout_seconds
        generation.prompt_tokens = len(prompt)
        if not self.evaluate(prompt, generation, deadline):
            return
        self.llama.set_seed(self.config.seed)
        sampled = self.llama.generate(
            prompt, top_p=self.config.top_p, temp=self.config.temperature, reset=True
        )
        for token in sampled:
            if self._is_end(token):
                generation.finish_reason = "stop"
                return
            if generation.completion_tokens >= self.config.max_tokens:
                generation.finish_reason = "length"
                return
            if self._stopped(generation, deadline):
                return
            generation.completion_tokens += 1
            yield token
            # The next token is computed as the loop asks for it.
            self._give_way()

    def _give_way(self) -> None:
        if self.give_way is not None:
            self.give_way.wait()

    def _stopped(self, generation: Generation, deadline: float) -> bool:
        if generation.cancelled.is_set():
            generation.finish_reason = "cancelled"
        elif time.monotonic() > deadline:
            log.warning("answer cut at the %.0f s limit", self.config.turn_timeout_seconds)
            generation.finish_reason = "timeout"
        return generation.finish_reason is not None

    def _is_end(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False)) + TOKENS_PER_MESSAGE
