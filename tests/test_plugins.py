"""Third-party intent plugins, installed the way a user would (pip, an entry point), found
by `voiced` in a subprocess: the example dice plugin answers "roll a die", and a plugin
that breaks at import is reported without taking the built-in ones down with it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import MODELS_DIR, RECORDINGS, ROOT, TEST_LLM_MODEL

# Every test here loads the real models.
pytestmark = pytest.mark.slow

VOICED = [sys.executable, "-m", "voiced.cli"]
DICE_SOURCE = ROOT / "examples" / "voiced-dice"
ROLL_A_DIE = RECORDINGS / "commands" / "roll-a-die.wav"
BUILT_IN_PLUGINS = ["clock", "home", "timers"]

BROKEN_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "voiced-broken-example"
version = "0.0.1"

[project.entry-points."voiced.intents"]
broken_example = "voiced_broken_example:plugin"

[tool.setuptools]
packages = ["voiced_broken_example"]
"""
BROKEN_MODULE = '''"""Needs a library that is not installed, as a broken plugin would."""

raise ImportError("voiced_broken_example needs the library frobnicate")
'''


def pip_install(source: Path, target: Path) -> None:
    """Install the package at `source` into the directory `target` (pip --target).

    Built from a copy: pip builds in the source tree and would leave build/ and
    *.egg-info behind in the repository.
    """
    copy = target.parent / f"{target.name}-source"
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    install += ["--no-deps", "--target", str(target)]
    # Offline with the venv's setuptools; else an isolated build (setuptools from pip's cache).
    attempts = [["--no-build-isolation", "--no-index"], []]
    errors = []
    for options in attempts:
        result = subprocess.run(
            [*install, *options, str(copy)], capture_output=True, text=True, timeout=300
        )
        if result.returncode == 0:
            return
        errors.append(f"pip {' '.join(options)}: {result.stdout}{result.stderr}")
        shutil.rmtree(target, ignore_errors=True)
    pytest.fail(f"cannot install {source}:\n" + "\n".join(errors))


def voiced(
    *args: str | Path, pythonpath: Path | None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VOICED_CONFIG", "JOURNAL_STREAM"}
    }
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [*VOICED, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def dice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with voiced-dice installed in it, for PYTHONPATH."""
    target = tmp_path_factory.mktemp("dice") / "site"
    pip_install(DICE_SOURCE, target)
    assert (target / "voiced_dice" / "__init__.py").is_file()
    return target


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("config")
    config = {
        "models_dir": str(MODELS_DIR),
        "llm": {"model": TEST_LLM_MODEL, "temperature": 0.0, "seed": 0},
        "asr": {"whisper": {"temperature": 0.0}},
        "state_file": {"path": str(directory / "state.json")},
    }
    path = directory / "voiced.yaml"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return path


def only_turn(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["turns"]) == 1, report
    turn: dict[str, Any] = report["turns"][0]
    return turn


def test_intents_lists_an_installed_plugin(dice: Path, config_file: Path) -> None:
    result = voiced("intents", "--config", config_file, pythonpath=dice)
    assert result.returncode == 0, result.stderr
    assert "plugin dice: rolls dice" in result.stdout
    assert re.search(r"^  RollDie$", result.stdout, re.MULTILINE), result.stdout
    assert "roll (a|the|one) (die|dice)" in result.stdout
    for name in BUILT_IN_PLUGINS:
        assert f"plugin {name}:" in result.stdout
    assert "NOT LOADED" not in result.stdout

    # Not installed, not listed: the plugin came from the PYTHONPATH directory.
    without = voiced("intents", "--config", config_file, pythonpath=None)
    assert without.returncode == 0, without.stderr
    assert "plugin dice" not in without.stdout
    assert "RollDie" not in without.stdout


def test_an_installed_plugin_answers_its_command(dice: Path, config_file: Path) -> None:
    turn = only_turn(
        voiced("replay", ROLL_A_DIE, "--report", "-", "--config", config_file, pythonpath=dice)
    )
    assert turn["answered_by"] == "intent", turn
    assert turn["intent"]["name"] == "RollDie", turn
    assert re.fullmatch(r"You rolled a [1-6]\.", turn["response"]), turn
    assert turn["llm_completion_tokens"] == 0
    assert turn["reply_audio_seconds"] > 0.5


def test_without_the_plugin_the_command_is_not_rolled(config_file: Path) -> None:
    turn = only_turn(
        voiced("replay", ROLL_A_DIE, "--report", "-", "--config", config_file, pythonpath=None)
    )
    assert "roll" in turn["transcript"].lower(), turn  # heard, just not understood
    assert turn["intent"] is None or turn["intent"]["name"] != "RollDie", turn
    assert not re.search(r"You rolled a \d", turn["response"]), turn


def test_a_plugin_that_breaks_at_import_is_reported_not_loaded(
    tmp_path: Path, config_file: Path
) -> None:
    source = tmp_path / "broken"
    (source / "voiced_broken_example").mkdir(parents=True)
    (source / "pyproject.toml").write_text(BROKEN_PYPROJECT, encoding="utf-8")
    (source / "voiced_broken_example" / "__init__.py").write_text(BROKEN_MODULE, encoding="utf-8")
    target = tmp_path / "site"
    pip_install(source, target)

    result = voiced("intents", "--config", config_file, pythonpath=target)

    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^plugin broken_example: NOT LOADED: ImportError: .*frobnicate$",
        result.stdout,
        re.MULTILINE,
    ), result.stdout
    for name in BUILT_IN_PLUGINS:
        assert f"plugin {name}:" in result.stdout
    assert "  HassTurnOn" in result.stdout
    # The failure is logged too, naming the entry point.
    assert "broken_example" in result.stderr
