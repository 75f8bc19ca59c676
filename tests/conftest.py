"""Shared fixtures: the real models (loaded once per session) and the test recordings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import MODELS_DIR, repeatable_config
from voiced.config import Config
from voiced.models import Models, load_models


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
