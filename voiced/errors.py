"""Errors shared by several stages."""

from __future__ import annotations


class VoicedError(Exception):
    """Base of every error voiced reports to a person instead of a traceback."""


class ModelError(VoicedError):
    """A model file is missing or unusable; the message names the file and the fix."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        self.fix = fix
        super().__init__(f"{message}; fix: run {fix}" if fix else message)
