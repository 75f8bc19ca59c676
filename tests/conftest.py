"""Shared fixtures: the real models (loaded once per session) and the test recordings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import helpers
from tests.fakes import say_nothing
from tests.helpers import MODELS_DIR, repeatable_config
from voiced import wall_clock
from voiced.config import Config
from voiced.intents.engine import IntentEngine
from voiced.models import Models, load_models


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The LLM's saved prompt goes to a directory of the test session, also for the
    daemons that tests start as subprocesses."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(autouse=True)
def wall_clock_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wall clock is taken to be set: tests freeze it against the real monotonic
    clock, which would look like a step to timers restored from a file. The tests of a
    clock not yet set say so (`Timers(synchronised=...)`)."""
    monkeypatch.setattr(wall_clock, "clock_known_synchronised", lambda: True)


@pytest.fixture(scope="session")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    state = tmp_path_factory.mktemp("state") / "state.json"
    return repeatable_config(state_file={"path": str(state)})


@pytest.fixture(scope="session")
def models(config: Config) -> Iterator[Models]:
    if not (MODELS_DIR / "llm").is_dir():
        pytest.fail("models are missing: run scripts/setup (or scripts/fetch-models)")
    loaded = load_models(config)
    yield loaded
    loaded.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[IntentEngine]:
    """An intent engine of the default configuration, its state in `tmp_path` (a module
    whose commands need devices defines its own)."""
    running = IntentEngine(Config(state_file={"path": str(tmp_path / "state.json")}), say_nothing)
    yield running
    running.close()


def pytest_configure(config: pytest.Config) -> None:
    """Before the test modules are read: their property tests size themselves by it."""
    helpers.FAST_TIER = " ".join(str(config.option.markexpr).split()) == "not slow"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the real models is marked slow: `pytest -m "not slow"` (the fast tier)
    must never load them."""
    unmarked = [
        item.nodeid
        for item in items
        if "models" in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests on the real models must be marked slow: " + ", ".join(unmarked)
        )
