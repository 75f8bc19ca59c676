"""Speex's acoustic echo canceller (libspeexdsp, BSD), through ctypes.

The `speexdsp` binding on the package index is a 2018 source package that needs SWIG to
build and exposes neither the residual echo suppressor nor a reset; the C API is five
functions, so they are called directly. Debian's `libspeexdsp1` provides the library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

import numpy as np

from voiced.errors import VoicedError

# From speex/speex_echo.h and speex/speex_preprocess.h.
SPEEX_ECHO_SET_SAMPLING_RATE = 24
SPEEX_PREPROCESS_SET_DENOISE = 0
SPEEX_PREPROCESS_SET_ECHO_SUPPRESS = 20
SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22
SPEEX_PREPROCESS_SET_ECHO_STATE = 24

_INT16_P = ctypes.POINTER(ctypes.c_int16)


class SpeexUnavailable(VoicedError):
    """libspeexdsp cannot be loaded."""


@functools.cache  # find_library runs ldconfig in a child process: once is enough
def _load() -> Any:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as err:
        raise SpeexUnavailable(
            f"libspeexdsp not found ({err}): install Debian's libspeexdsp1"
        ) from err
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_echo_state_reset.argtypes = [ctypes.c_void_p]
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, _INT16_P, _INT16_P, _INT16_P]
    lib.speex_preprocess_state_init.restype = ctypes.c_void_p
    lib.speex_preprocess_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_preprocess_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_preprocess_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_preprocess_run.argtypes = [ctypes.c_void_p, _INT16_P]
    return lib


def _pointer(samples: np.ndarray) -> Any:
    return samples.ctypes.data_as(_INT16_P)


class SpeexEcho:
    """One echo canceller: a linear adaptive filter `filter_samples` long, then (when
    `suppress_db` is not 0) Speex's residual echo suppressor, which attenuates what the
    filter left by up to `suppress_db` while voiced speaks. Noise suppression is off:
    the wake word and the VAD were trained on unsuppressed audio."""

    def __init__(
        self, frame_samples: int, filter_samples: int, sample_rate: int, suppress_db: int
    ) -> None:
        self._lib = _load()
        self.frame_samples = frame_samples
        self._echo = self._lib.speex_echo_state_init(frame_samples, filter_samples)
        rate = ctypes.c_int(sample_rate)
        self._lib.speex_echo_ctl(self._echo, SPEEX_ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
        self._pre = None
        if suppress_db:
            self._pre = self._lib.speex_preprocess_state_init(frame_samples, sample_rate)
            off = ctypes.c_int(0)
            self._lib.speex_preprocess_ctl(
                self._pre, SPEEX_PREPROCESS_SET_DENOISE, ctypes.byref(off)
            )
            self._lib.speex_preprocess_ctl(
                self._pre, SPEEX_PREPROCESS_SET_ECHO_STATE, ctypes.c_void_p(self._echo)
            )
            for request in (
                SPEEX_PREPROCESS_SET_ECHO_SUPPRESS,
                SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE,
            ):
                level = ctypes.c_int(-abs(suppress_db))
                self._lib.speex_preprocess_ctl(self._pre, request, ctypes.byref(level))
        self._out = np.zeros(frame_samples, dtype=np.int16)

    def process(self, captured: np.ndarray, played: np.ndarray) -> np.ndarray:
        """Cancel `played` (aligned to `captured`, int16, whole frames) out of `captured`."""
        if self._echo is None:  # closed: a null state would crash the library
            return captured
        n = self.frame_samples
        captured = np.ascontiguousarray(captured, dtype=np.int16)
        played = np.ascontiguousarray(played, dtype=np.int16)
        # A partial frame at the end (none in 80 ms chunks) passes as it is.
        cleaned = captured.copy()
        for start in range(0, len(captured) - n + 1, n):
            near, far = captured[start : start + n], played[start : start + n]
            out = self._out
            self._lib.speex_echo_cancellation(
                self._echo, _pointer(near), _pointer(far), _pointer(out)
            )
            if self._pre is not None:
                self._lib.speex_preprocess_run(self._pre, _pointer(out))
            cleaned[start : start + n] = out
        return cleaned

    def reset(self) -> None:
        """Forget what was learned (the alignment of playback and capture changed)."""
        if self._echo is not None:
            self._lib.speex_echo_state_reset(self._echo)

    def close(self) -> None:
        if self._pre is not None:
            self._lib.speex_preprocess_state_destroy(self._pre)
            self._pre = None
        if self._echo is not None:
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = None
