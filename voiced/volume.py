"""How loud voiced speaks: a level from 1 to 10, said by voice ("speak louder", "set the
volume to 4"), applied to every sample played and kept in volume.json across restarts.

Level 10 is the voice as synthesised (the loudness before levels existed); each step
below it is 3 dB quieter, so level 1 is 27 dB down: quiet, never silent. voiced does not
go silent on request: a person would have no way to hear it answer again.

Threads: a turn's thread sets the level (the volume intent); the playback thread reads
`gain` for each sentence it plays. One float read or written whole needs no lock; the
file is written by the setter's thread alone."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from voiced.files import UnreadableFileError, read_json_file, write_atomically

log = logging.getLogger(__name__)

MIN_LEVEL = 1
MAX_LEVEL = 10
DEFAULT_LEVEL = MAX_LEVEL
# Each step below MAX_LEVEL, in decibels.
STEP_DB = 3.0
# Bounds on what is read back from the file.
MAX_FILE_BYTES = 1024
MAX_JSON_DEPTH = 4


def gain_of(level: int) -> float:
    """The factor on each sample at `level`: 1.0 at the top, 3 dB less a step below it."""
    return float(10 ** (-STEP_DB * (MAX_LEVEL - level) / 20))


class Volume:
    """The speaking volume; `path` None keeps it in memory only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        self._level = self._read() if path is not None else DEFAULT_LEVEL
        self.gain = gain_of(self._level)

    @property
    def level(self) -> int:
        return self._level

    def set(self, level: int) -> int:
        """Set the level, kept within 1-10; the level set."""
        level = max(MIN_LEVEL, min(MAX_LEVEL, int(level)))
        self._level, self.gain = level, gain_of(level)
        log.info("volume set to %d", level)
        self._write()
        return level

    def _read(self) -> int:
        assert self.path is not None
        try:
            data = read_json_file(self.path, MAX_FILE_BYTES, MAX_JSON_DEPTH)
        except FileNotFoundError:
            return DEFAULT_LEVEL
        except (UnreadableFileError, OSError) as err:
            log.warning("volume file %s is unusable (%s): volume %d", self.path, err, DEFAULT_LEVEL)
            return DEFAULT_LEVEL
        level = data.get("level") if isinstance(data, dict) else None
        if isinstance(level, bool) or not isinstance(level, int):
            log.warning('volume file %s has no whole "level": volume %d', self.path, DEFAULT_LEVEL)
            return DEFAULT_LEVEL
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            log.warning(
                "volume file %s says level %d, not %d-%d: volume %d",
                self.path, level, MIN_LEVEL, MAX_LEVEL, DEFAULT_LEVEL,
            )  # fmt: skip
            return DEFAULT_LEVEL
        return level

    def _write(self) -> None:
        if self.path is None:
            return
        with self._write_lock:
            try:
                write_atomically(self.path, json.dumps({"level": self._level}) + "\n")
            except OSError as err:  # it still holds until voiced restarts
                log.error("cannot keep the volume in %s: %s", self.path, err)
