"""Property tests of the files voiced reads, as a hostile (or clumsy) hand would write
them: any configuration ends in a Config or a ConfigError (exit 78), and any state file
ends in a state, with nothing the file held lost."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import examples, scratch_directory
from voiced.config import Config, ConfigError, DeviceConfig, load_config
from voiced.devices import DeviceState
from voiced.devices.state_file import StateFileBackend

LAMP = DeviceConfig(id="lamp", name="lamp")
# Each example is a file read once: well under a second, whatever it holds.
MAX_SECONDS = 2.0
PROPERTY = settings(
    max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(), children, max_size=4)
    ),
    max_leaves=25,
)
SECTIONS = {
    "llm": ["max_tokens", "context_tokens", "cpus", "seed", "temperature", "threads"],
    "wake": ["threshold", "model", "barge_in"],
    "homeassistant": ["url", "token_file", "timeout_seconds"],
    "mqtt": ["host", "port", "password_file", "discovery_prefix"],
    "state_file": ["path", "timers_path"],
    "logging": ["level"],
}
DEVICE_KEYS = ["id", "name", "aliases", "kind", "backend", "command_topic", "entity_id", "area"]


@st.composite
def configurations(draw: st.DrawFn) -> Any:
    """Mostly the real keys with odd values: what gets past the unknown-key check."""
    document: dict[Any, Any] = {}
    for section in draw(st.lists(st.sampled_from(sorted(SECTIONS)), max_size=3, unique=True)):
        keys = st.sampled_from(SECTIONS[section]) | st.text(max_size=5)
        document[section] = draw(st.dictionaries(keys, VALUES, max_size=4))
    if draw(st.booleans()):
        device = st.dictionaries(st.sampled_from(DEVICE_KEYS), SCALARS | VALUES, max_size=6)
        document["devices"] = draw(st.lists(device, max_size=3))
    if draw(st.booleans()):
        document = draw(VALUES)  # not even a mapping, now and then
    return document


def loads_or_refuses(text: str) -> Config | None:
    with scratch_directory() as directory:
        path = Path(directory) / "voiced.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.monotonic()
        try:
            return load_config(path)
        except ConfigError as err:
            assert len(str(err)) < 4000
            return None
        finally:
            assert time.monotonic() - started < MAX_SECONDS


@PROPERTY
@given(configurations())
# Once a TypeError: a kind that is a list was looked up in a dict of kinds.
@example({"devices": [{"kind": []}]})
def test_any_configuration_is_a_config_or_a_config_error(document: Any) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    config = loads_or_refuses(text)
    if config is not None:
        assert config.llm.max_tokens < config.llm.context_tokens
        assert len({device.id for device in config.devices}) == len(config.devices)


@PROPERTY
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!?|>'\"#%@`, \n\t0123.e")), max_size=200))
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    loads_or_refuses(text)


@PROPERTY
@given(st.integers(2, 30), st.integers(2, 12), st.integers(0, 3))
def test_aliases_of_aliases_never_blow_up(width: int, levels: int, keep: int) -> None:
    lines = ["a0: &a0 x"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"llm: {{system_prompt: *a{min(keep, levels - 1)}}}")
    loads_or_refuses("\n".join(lines) + "\n")


# The state file.

ENTRIES = (
    st.fixed_dictionaries({}, optional={"on": SCALARS, "brightness_pct": SCALARS, "extra": VALUES})
    | VALUES
)
DOCUMENTS = st.fixed_dictionaries(
    {"devices": st.dictionaries(st.text(max_size=8), ENTRIES, max_size=4)},
    optional={"mine": VALUES, "timers": VALUES},
)


def finite(value: Any) -> bool:
    """Whether json can write `value` back as it was read (NaN is not written by voiced)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(finite(item) for item in value)
    if isinstance(value, dict):
        return all(finite(item) for item in value.values())
    return True


@PROPERTY
@given(DOCUMENTS)
def test_a_change_keeps_everything_else_the_file_held(document: dict[str, Any]) -> None:
    with scratch_directory() as directory:
        path = Path(directory) / "state.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        backend = StateFileBackend(path)
        backend.turn(LAMP, True)
        written = json.loads(path.read_text(encoding="utf-8"))
        aside = list(Path(directory).glob("state.json.unreadable-*"))
        if not finite(document):
            # NaN or Infinity: not JSON, so the file was kept aside whole.
            assert [p.read_text(encoding="utf-8") for p in aside] == [json.dumps(document)]
            return
        assert aside == []
        expected = json.loads(json.dumps(document))  # as JSON has it: keys are strings
        expected["devices"]["lamp"] = {
            "on": True,
            "brightness_pct": backend.state(LAMP).brightness_pct,
        }
        assert written == expected
        assert backend.state(LAMP).on is True


@PROPERTY
@given(st.binary(max_size=300) | DOCUMENTS.map(lambda d: json.dumps(d).encode()[:-1]))
def test_any_bytes_are_a_state_or_kept_aside_whole(content: bytes) -> None:
    with scratch_directory() as directory:
        path = Path(directory) / "state.json"
        path.write_bytes(content)
        backend = StateFileBackend(path)
        state = backend.state(LAMP)
        assert isinstance(state, DeviceState)
        backend.turn(LAMP, False)
        assert backend.state(LAMP).on is False
        aside = list(Path(directory).glob("state.json.unreadable-*"))
        if aside:
            assert [p.read_bytes() for p in aside] == [content]
        else:
            # Usable as it was: the change went into it.
            assert json.loads(path.read_bytes())["devices"]["lamp"]["on"] is False
