"""Answering with the language model: its answer spoken sentence by sentence as it
comes, a tool call held back whole and carried out as a command."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from voiced.config import Config
from voiced.instructions_echo import InstructionsEcho
from voiced.intents import IntentMatch
from voiced.intents.tools import ToolCallRefused, ToolCallSniffer, ToolGate
from voiced.sentences import SentenceSplitter
from voiced.speakable import CodeBlockFilter, speakable
from voiced.speculation import HeldAnswer
from voiced.turn.ports import Llm
from voiced.turn.record import record_generation
from voiced.turn.turn import Turn

REFUSED = "Sorry, I can't do that."
# A piece that ends as a sentence does (its closing quote or bracket after it).
_WHOLE_SENTENCE = re.compile(r"[.!?][\"')\]]*$")
NO_ANSWER = "Sorry, I have no answer to that."


class LlmResponder:
    """Streams the model's answer into a turn's reply: on the turn thread, or on the
    speculation thread for a question answered unheard during the silence."""

    def __init__(
        self,
        config: Config,
        llm: Llm,
        tool_gate: ToolGate,
        carry_out: Callable[[Turn, IntentMatch], None],
    ) -> None:
        self.config = config
        self.llm = llm
        self.tool_gate = tool_gate
        # A sentence reading out the system prompt is not spoken (voiced/instructions_echo.py).
        self.echo_of_prompt = InstructionsEcho(config.llm.system_prompt)
        # A tool call the gate lets through is carried out as a matched command.
        self.carry_out = carry_out

    def answer(self, turn: Turn) -> None:
        self.act_on(turn, self.stream(turn))

    def adopt(self, turn: Turn, held: HeldAnswer) -> None:
        """Take the answer begun during the silence, streamed to its end (`held` is how
        it ended): a tool call carried out, an error raised. The history gets it once
        it has been heard (`keep`)."""
        if held.error is not None:
            raise held.error
        self.act_on(turn, held.said or ToolCallSniffer())

    def stream(self, turn: Turn, speculative: bool = False) -> ToolCallSniffer:
        """Ask the LLM and speak its answer as it comes; a tool call is held back whole."""
        # A reply that is a tool call is held back and checked, never spoken.
        sniffer = ToolCallSniffer()
        if turn.cancelled:  # cut before it was asked: the model is not woken for nothing
            turn.report.llm_finish_reason = "cancelled"
            return sniffer
        generation = self.llm.ask(turn.report.transcript, speculative)
        turn.generating(generation)  # cut while it was being asked: stopped here
        splitter = SentenceSplitter(self.config.tts.first_clause_min_chars)
        code = CodeBlockFilter()
        for piece in generation:
            for sentence in splitter.feed(code.feed(sniffer.feed(piece))):
                self._speak(turn, sentence)
        rest = code.feed(sniffer.flush()) + code.flush()
        for sentence in [] if turn.cancelled else [*splitter.feed(rest), *splitter.flush()]:
            # Cut by the token cap or the time limit: an unfinished last sentence is not
            # spoken (unless it is all there is), a whole one is.
            if not generation.cut or not turn.spoken or _WHOLE_SENTENCE.search(sentence):
                self._speak(turn, sentence)
        turn.reached("llm_first_token_s", generation.first_token_at)
        turn.reached("llm_done_s", generation.done_at or time.monotonic())
        record_generation(turn.report, generation)
        return sniffer

    def act_on(self, turn: Turn, sniffer: ToolCallSniffer) -> None:
        """After the answer: carry out a tool call it was, or apologise for no answer."""
        if turn.cancelled:
            return
        if sniffer.is_call:
            self._act_on_tool_call(turn, sniffer.call_text)
        elif not turn.spoken:
            turn.speak(NO_ANSWER, cached=True)

    def keep(self, turn: Turn) -> None:
        """Once the reply has played or was cut: the history keeps what the person heard
        of the answer. An answer cut short, or not heard to its end (a barge-in after the
        model had finished, a speaker or voice failing), is kept as far as its sentences
        began to play (the last perhaps cut), not as the model wrote it; an answer begun
        during the silence is kept whole once adopted; any other was kept whole by the
        engine itself. A sentence left unsaid (it read out the instructions) is not kept
        either. A tool call says none of the model's words: its exchange stays whatever
        cut the confirmation after it."""
        generation = turn.generation
        if generation is None or turn.report.answered_by != "llm":
            return
        heard = (turn.reply.heard if turn.reply is not None else [])[: turn.model_sentences]
        if generation.cut or turn.model_unsaid or len(heard) < turn.model_sentences:
            self.llm.remember(generation, " ".join(heard))
        elif generation.speculative:
            self.llm.remember(generation)

    def _speak(self, turn: Turn, sentence: str) -> None:
        """Speak a sentence of the model's, without its markdown, emoji and URLs; one that
        reads out its instructions is left unsaid."""
        if self.echo_of_prompt.quotes(sentence):
            turn.log("not said, it reads out the instructions: %r", sentence, stage="llm")
            turn.model_unsaid = True  # nor kept in the history, which would teach it
            return
        spoken = speakable(sentence)
        if spoken:
            turn.model_sentences += 1
            turn.speak(spoken)

    def _act_on_tool_call(self, turn: Turn, output: str) -> None:
        try:
            match = self.tool_gate.check(output)
        except ToolCallRefused as err:
            turn.log("tool call refused: %s", err, stage="llm", level=logging.WARNING)
            turn.speak(REFUSED, cached=True)
            return
        self.carry_out(turn, match)
