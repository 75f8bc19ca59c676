"""Following the pauses of the command being heard with the end-of-turn policy
(voiced/turn_end.py): the voice is judged by Smart Turn once per pause (twice where the
words are complete, or a whole command still being checked, and it first says the
sentence goes on, or is not sure of the command), the words by the speculation begun at
the pause, and the policy says when the turn ends.

Ending the turn is all it does: what follows is what follows any confirmed endpoint.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import numpy as np

from voiced.audio import SAMPLE_RATE
from voiced.config import EndpointConfig
from voiced.give_way import AUDIO_FIRST, GiveWay
from voiced.listener import CaptureProgress
from voiced.smart_turn import SmartTurn
from voiced.speculation import Speculation
from voiced.turn_end import (
    Judgement,
    TurnEndConfig,
    asks,
    clean_command,
    ends_turn,
    judge_decodings,
    judge_words,
    wants_second_look,
)

log = logging.getLogger(__name__)


def listening_endpoint(endpoint: EndpointConfig, turn_end: TurnEndConfig) -> EndpointConfig:
    """The endpoint settings the listener runs on: with the judgement on, the silence that
    ends a turn whatever is said is the long limit; the judgement ends it sooner."""
    if not turn_end.enabled:
        return endpoint
    silence = max(endpoint.silence_seconds, turn_end.long_pause_seconds)
    return endpoint.model_copy(update={"silence_seconds": silence, "early_end_seconds": 0.0})


def audio_at(samples: np.ndarray, pause_s: float, wanted_s: float) -> np.ndarray:
    """The audio as it was `wanted_s` into a pause now `pause_s` long."""
    extra = int(max(0.0, pause_s - wanted_s) * SAMPLE_RATE)
    return samples[: len(samples) - extra] if extra else samples


class PauseJudge:
    """Owned by the listening thread (it runs Smart Turn there, once or twice a pause)."""

    def __init__(
        self,
        config: TurnEndConfig,
        endpoint: EndpointConfig,
        smart_turn: SmartTurn | None,
        give_way: GiveWay = AUDIO_FIRST,
    ) -> None:
        # A longer endpoint.silence_seconds is the longest a turn waits, as the listener
        # holds it (listening_endpoint): the judgement never ends a turn sooner than that.
        longest = max(config.long_pause_seconds, endpoint.silence_seconds)
        self.config = config.model_copy(update={"long_pause_seconds": longest})
        self.endpoint = endpoint
        self.smart_turn = smart_turn
        # A look holds the LLM back where it shares the cores (voiced/give_way.py).
        self.give_way = give_way
        # The pause being judged (where its speech ended, in command audio time) and what
        # the voice said of it.
        self._pause_at_s: float | None = None
        self._probability: float | None = None
        self._asked = False
        # How long the voice's last look took (monotonic seconds): what another would cost.
        self._look_s = 0.0
        # The voice judged once more, later in the pause (voice_again_after_seconds).
        self._again: float | None = None
        self._asked_again = False

    def ends(
        self,
        progress: CaptureProgress | None,
        speculation: Speculation | None,
        audio: Callable[[], np.ndarray],
    ) -> bool:
        """Whether the command being heard ends now, at this pause. `audio` gives the
        command's audio so far (asked only when the voice is to be judged)."""
        if progress is None or progress.pause_s <= 0:
            self._pause_at_s = None
            self._forget_voice()
            return False
        if self._pause_at_s != progress.last_speech_end_s:
            self._pause_at_s = progress.last_speech_end_s
            self._forget_voice()
        pause_s = progress.pause_s
        # Both looks of the voice in one step read the command's audio once.
        audio = functools.cache(audio)
        if pause_s + 1e-9 < self.config.voice_after_seconds:
            return False
        words = self._words(progress, speculation)
        # The voice is asked at voice_after_seconds, beside the decoding (by default), or
        # once the words are known (`voice_waits_for_words`: its call slows the decoding on
        # a small machine); never when the words already say the sentence goes on.
        wanted = words is not Judgement.INCOMPLETE and (
            words is not None
            or not self.config.voice_waits_for_words
            or pause_s + 1e-9 >= self.config.fallback_pause_seconds
        )
        if wanted and not self._asked and self.smart_turn is not None:
            self._asked = True
            # The audio as it was voice_after_seconds into the pause, however late the voice
            # is asked: the model was trained with about 0.2 s of silence after the words,
            # and more silence makes it say finished more often.
            voice_at_s = self.config.voice_after_seconds
            try:
                self._probability = self._look(audio_at(audio(), pause_s, voice_at_s))
            except Exception as err:  # onnxruntime's own errors: the words decide alone
                log.warning("the end-of-turn model failed: %s", err)
        # A whole command's words count only once its decoding without the bias is known:
        # it may dangle, and a clean one earns the command pause (with a sure voice).
        command = clean = False
        if words is Judgement.COMPLETE and speculation is not None and speculation.complete_command:
            command, words, clean = self._checked_words(speculation)
        # A whole command whose check is still coming is looked at again meanwhile.
        # A command whose check said it is not clean cannot earn the command pause.
        again = self._voice_again(
            Judgement.COMPLETE if command and words is None else words,
            command and (words is None or clean),
            pause_s,
            audio,
        )
        question = speculation is not None and asks(words, speculation.complete_command)
        if not ends_turn(
            pause_s, self._probability, words, self.config, command, clean, again, question
        ):
            return False
        log.info(
            "turn ends after a %.2f s pause: voice %s%s, words %s%s",
            pause_s,
            "unknown" if self._probability is None else f"{self._probability:.2f}",
            "" if again is None else f" then {again:.2f}",
            "unknown" if words is None else words.value,
            (" (a whole command)" + (" heard the same without the bias" if clean else ""))
            if command
            else (" (a question)" if question else ""),
        )
        return True

    def words_awaited(
        self, progress: CaptureProgress | None, speculation: Speculation | None
    ) -> bool:
        """Whether the turn, not ended at this pause, may end at it once the speculation's
        words (and a command's check without the bias) come: they are still being made,
        and the pause heard is as long as the shortest that words can earn. Worth waiting
        for before the next chunk: the pause heard so far is judged again when they come."""
        return (
            progress is not None
            and speculation is not None
            and not speculation.checked.is_set()
            and speculation.progress.last_speech_end_s == progress.last_speech_end_s
            and progress.pause_s + 1e-9 >= self.config.shortest_pause_seconds
        )

    def _forget_voice(self) -> None:
        self._probability, self._asked = None, False
        self._again, self._asked_again = None, False

    def _look(self, samples: np.ndarray) -> float:
        assert self.smart_turn is not None
        started = time.monotonic()
        try:
            with self.give_way.held():
                return self.smart_turn.probability(samples)
        finally:
            self._look_s = time.monotonic() - started

    def _voice_again(
        self,
        words: Judgement | None,
        command: bool,
        pause_s: float,
        audio: Callable[[], np.ndarray],
    ) -> float | None:
        """Where the voice said the sentence goes on and the words say it is complete, the
        voice judged once more on the audio as it was `voice_again_after_seconds` into the
        pause: Smart Turn's probability swings with the silence it is given. `words` is
        COMPLETE for a whole command whose check without the bias is still coming: the
        look is taken meanwhile, and counts only if the check leaves the words complete
        (pause_for). On a slow machine the check came after that point, and a look taken
        only then kept the turn 0.06-0.12 s more (a 2-core Zen 3, docs/endpoint.md).
        A whole command's voice that said finished but was not sure is looked at again
        only where that look ends before the pause of such a command
        (unsure_command_pause_seconds) would end the turn anyway (its cost is the last
        look's): on a slow machine it would only delay it."""
        again_s = self.config.voice_again_after_seconds
        if (
            self._asked_again
            or not wants_second_look(words, self._probability, self.config, command)
            or pause_s + 1e-9 < again_s
            or self.smart_turn is None
        ):
            return self._again
        finished = self._probability is not None and (
            self._probability >= self.config.complete_probability
        )
        if finished and pause_s + self._look_s >= self.config.unsure_command_pause_seconds:
            return self._again
        self._asked_again = True
        try:
            self._again = self._look(audio_at(audio(), pause_s, again_s))
        except Exception as err:  # onnxruntime's own errors: the first judgement stands
            log.warning("the end-of-turn model failed: %s", err)
        return self._again

    def _words(
        self, progress: CaptureProgress, speculation: Speculation | None
    ) -> Judgement | None:
        """What the words up to this pause say, once the speculation on them is settled;
        None while it may still come."""
        if (
            speculation is None
            or speculation.progress.last_speech_end_s != progress.last_speech_end_s
        ):
            # None is begun on a long command, or with speculation off: the voice decides.
            coming = (
                self.endpoint.speculate_after_seconds > 0
                and progress.length_s <= self.endpoint.speculate_max_seconds
            )
            return None if coming else Judgement.UNSURE
        if not speculation.ready.is_set():
            return None
        recognized = speculation.recognized
        if recognized is None:  # recognition failed
            return Judgement.UNSURE
        return judge_words(recognized.transcript, speculation.complete_command)

    @staticmethod
    def _checked_words(speculation: Speculation) -> tuple[bool, Judgement | None, bool]:
        """Whether a whole command's words were heard so without the command bias too
        (the heard check decodes its audio again during the pause, to act on it), what
        they say then (a decoding that ends on a dangling word says the sentence goes on),
        and whether it heard the same words, nothing after them (turn_end.clean_command).
        Words None while the check may still come; a command decoded only once (the
        check asks anyway, or it only reads and neither the command pause nor
        clean_command_over_voice needs its second decoding, voiced/turn/speculate.py)
        keeps the plain short pause."""
        if not speculation.checked.is_set():
            return True, None, False
        unbiased = [d.transcript for d in speculation.decode.decodings if not d.biased]
        if not unbiased:
            return False, Judgement.COMPLETE, False
        recognized = speculation.recognized
        biased = "" if recognized is None else recognized.transcript
        clean = clean_command(biased, unbiased)
        return True, judge_decodings(Judgement.COMPLETE, unbiased, biased), clean
