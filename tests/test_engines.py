"""Engines are chosen by name among those registered through entry points: a third-party
engine is chosen the way a built-in one is; older files with the flat sections still load."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from voiced import check
from voiced.asr_config import AutoAsrConfig, VoskAsrConfig, WhisperAsrConfig
from voiced.config import Config, ConfigError, load_config, parse_config
from voiced.device_config import DeviceConfig
from voiced.device_settings import HomeAssistantDevice, MqttDevice
from voiced.engines import engine_names
from voiced.llm_config import LocalLlmConfig, OpenAiLlmConfig

# The asr section as files had it before each engine had its own.
FLAT_ASR = """\
asr:
  engine: auto
  whisper_model: whisper-tiny.en
  vosk_model: vosk-model-small-ko-0.22
  language: en
  threads: 3
  temperature: 0.0
  beam_size: 1
  command_bias: false
  whisper_window_seconds: 20
"""

# A recogniser from another package: its own module and its entry point, nothing else.
ECHO_ENGINE = """
from typing import Literal
from voiced.asr_config import AsrSettings

class Session:
    def __init__(self, text): self.text = text
    def accept(self, samples): return None
    def finish(self): return self.text

class Echo:
    name = "echo"
    def __init__(self, text): self.text = text
    def start(self, grammar=None): return Session(self.text)

class EchoConfig(AsrSettings):
    engine: Literal["echo"] = "echo"
    text: str = ""
    def load(self, models_dir):
        return Echo(self.text)
"""


def test_every_stage_has_its_built_in_engine_registered() -> None:
    assert engine_names("wake") == ["openwakeword"]
    assert engine_names("vad") == ["silero"]
    assert engine_names("asr") == ["auto", "vosk", "whisper"]
    assert engine_names("llm") == ["local", "openai"]
    assert engine_names("tts") == ["piper"]


def test_a_flat_asr_section_of_an_older_file_loads_as_it_meant(tmp_path: Path) -> None:
    path = tmp_path / "voiced.yaml"
    path.write_text(FLAT_ASR, encoding="utf-8")
    asr = load_config(path).asr
    assert asr == AutoAsrConfig(
        command_bias=False,
        whisper=WhisperAsrConfig(model="whisper-tiny.en", threads=3, window_seconds=20),
        vosk=VoskAsrConfig(model="vosk-model-small-ko-0.22"),
    )
    chosen = parse_config({"asr": {"engine": "whisper", "whisper_model": "w"}}).asr
    assert chosen == WhisperAsrConfig(model="w")
    assert parse_config({"asr": {"engine": "vosk", "vosk_model": "v"}}).asr == VoskAsrConfig(
        model="v"
    )


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (3, 2), (8, 2)])
def test_whisper_decodes_on_one_thread_on_two_cores_unless_told(
    monkeypatch: pytest.MonkeyPatch, cores: int, threads: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    assert WhisperAsrConfig().thread_count() == threads
    assert WhisperAsrConfig(threads=4).thread_count() == 4


@pytest.mark.parametrize(
    "section, message",
    [
        ({"whisper": {"command_bias": False}},
         "asr.whisper: command_bias is not read here: with asr.engine auto it is "
         "asr.command_bias, for whichever engine runs"),
        ({"engine": "auto", "vosk": {"command_bias": True}},
         "asr.vosk: command_bias is not read here"),
        ({"whisper": {"engine": "vosk"}},
         "asr.whisper: engine is not read here: asr.engine chooses the engine"),
    ],
)  # fmt: skip
def test_the_auto_sections_own_keys_under_an_engines_name_are_refused(
    section: dict[str, object], message: str
) -> None:
    """They were accepted, then the auto section's value overrode them."""
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config({"asr": section})


def test_a_dumped_auto_section_loads_again() -> None:
    config = parse_config({"asr": {"command_bias": False, "whisper": {"threads": 3}}})
    assert Config.model_validate(config.model_dump()) == config
    assert Config.model_validate_json(config.model_dump_json()) == config


def test_a_flat_whisper_section_with_the_vosk_model_loads_as_it_meant() -> None:
    """The old template named both models; Whisper chosen, its model left at the default."""
    config = parse_config({"asr": {"engine": "whisper", "vosk_model": "v", "threads": 3}})
    assert config.asr == WhisperAsrConfig(threads=3)
    assert config.deprecated_keys == (
        "asr.vosk_model is deprecated: the whisper engine does not read it",
    )


@pytest.mark.parametrize(
    ("section", "both"),
    [
        ({"engine": "auto", "threads": 4, "whisper": {"threads": 2}},
         "asr.threads and asr.whisper.threads"),
        ({"engine": "whisper", "model": "whisper-base.en", "whisper_model": "whisper-tiny.en"},
         "asr.whisper_model and asr.model"),
        ({"engine": "vosk", "model": "a", "vosk_model": "b"}, "asr.vosk_model and asr.model"),
        ({"vosk_model": "a", "vosk": {"model": "b"}, "whisper_window_seconds": 20,
          "whisper": {"window_seconds": 15}},
         "asr.vosk_model and asr.vosk.model; asr.whisper_window_seconds and "
         "asr.whisper.window_seconds"),
    ],
)  # fmt: skip
def test_a_value_under_an_old_key_and_its_new_place_is_refused(
    section: dict[str, object], both: str
) -> None:
    with pytest.raises(ConfigError, match=rf"asr: {re.escape(both)} are both set"):
        parse_config({"asr": section})


def test_a_flat_asr_key_is_read_with_a_warning_naming_its_new_place(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "voiced.yaml"
    path.write_text(FLAT_ASR, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="voiced.asr_config"):
        config = load_config(path)
    said = [record.getMessage() for record in caplog.records]
    assert f"{path}: asr.whisper_model is deprecated: it is read as asr.whisper.model; " in (
        "\n".join(said)
    )
    assert len(said) == len(config.deprecated_keys) == 7  # all but engine and command_bias
    assert "asr.threads is deprecated: it is read as asr.whisper.threads; write it there" in (
        config.deprecated_keys
    )
    # Whisper's keys mean nothing to Vosk: said so, not moved.
    vosk = parse_config({"asr": {"engine": "vosk", "vosk_model": "v", "threads": 2}})
    assert vosk.deprecated_keys == (
        "asr.threads is deprecated: the vosk engine does not read it",
        "asr.vosk_model is deprecated: it is read as asr.model; write it there",
    )
    assert parse_config({"asr": {"engine": "whisper", "threads": 2}}).deprecated_keys == ()
    # `voiced check` shows them (the models and devices are not what is tested here).
    monkeypatch.setattr(check, "probe_all", lambda _args, _report: [])
    monkeypatch.setattr(check, "_devices", lambda _config: "none")
    out = io.StringIO()
    assert check.run_checks(config, path, out) == check.EX_OK
    assert (
        "warning  configuration: asr.vosk_model is deprecated: it is read as asr.vosk.model"
        in out.getvalue()
    )


def test_an_engine_chosen_by_name_has_its_own_keys() -> None:
    config = parse_config({"llm": {"engine": "openai", "url": "http://10.0.0.2:8080/v1"}})
    assert isinstance(config.llm, OpenAiLlmConfig) and config.llm.fallback is None
    assert isinstance(Config().llm, LocalLlmConfig)  # no engine: key, the local model
    with pytest.raises(ConfigError, match=r"unknown key 'llm\.cpus'"):
        parse_config({"llm": {"engine": "openai", "url": "http://10.0.0.2/v1", "cpus": [1]}})
    with pytest.raises(ConfigError, match=r"unknown key 'asr\.window_seconds'"):
        parse_config({"asr": {"engine": "vosk", "window_seconds": 15}})
    with pytest.raises(ConfigError, match=r"llm\.url: Field required"):
        parse_config({"llm": {"engine": "openai"}})


def test_the_fallback_follows_the_servers_conversation_keys() -> None:
    section = {"engine": "openai", "url": "http://10.0.0.2/v1", "max_tokens": 40}
    config = parse_config({"llm": {**section, "fallback": {"model": "m.gguf"}}})
    assert isinstance(config.llm, OpenAiLlmConfig)
    settings = config.llm.fallback_settings()
    assert settings is not None
    assert (settings.engine, settings.model, settings.max_tokens) == ("local", "m.gguf", 40)


def test_an_engine_not_installed_is_named_with_those_that_are() -> None:
    with pytest.raises(
        ConfigError, match=r"asr\.engine = 'kaldi': no such engine \(installed: auto, vosk"
    ):
        parse_config({"asr": {"engine": "kaldi"}})


def test_the_fallbacks_cores_are_checked_against_this_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    path = tmp_path / "voiced.yaml"
    path.write_text(
        "llm: {engine: openai, url: 'http://10.0.0.2/v1', fallback: {cpus: [7]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"llm\.fallback\.cpus = \[7\]: names no core"):
        load_config(path)


def run_with_package(
    tmp_path: Path, name: str, entry_points: str, source: str, program: str
) -> subprocess.CompletedProcess[str]:
    """`program` run where an installed package voiced-NAME (module voiced_NAME) declares
    `entry_points`."""
    site = tmp_path / "site"
    info = site / f"voiced_{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: voiced-{name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    (site / f"voiced_{name}.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(site)},
    )


def test_a_third_party_engine_is_chosen_by_its_entry_point(tmp_path: Path) -> None:
    entry_points = (
        "[voiced.engines.asr]\necho = voiced_echo:EchoConfig\nbroken = voiced_echo:Missing\n"
    )
    program = (
        "from voiced.config import parse_config\n"
        "config = parse_config({'asr': {'engine': 'echo', 'text': 'roll a die'}})\n"
        "print(config.asr.load(config.models_dir).start().finish())\n"
    )
    result = run_with_package(tmp_path, "echo", entry_points, ECHO_ENGINE, program)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "roll a die"
    # One that cannot be loaded is left out and named; the others still are chosen.
    assert "asr engine 'broken' skipped: AttributeError" in result.stderr


def test_a_device_back_end_is_one_of_those_registered() -> None:
    device = {"id": "lamp", "name": "lamp", "backend": "zigbee"}
    with pytest.raises(ConfigError, match=r"no back end 'zigbee' \(homeassistant, mqtt, state_f"):
        parse_config({"devices": [device]})
    with pytest.raises(ConfigError, match="uses mqtt and needs a command_topic"):
        parse_config({"devices": [{**device, "backend": "mqtt"}]})


def test_a_device_has_the_keys_of_its_own_back_end_only() -> None:
    lamp = {"id": "lamp", "name": "lamp"}
    devices = parse_config(
        {
            "devices": [
                lamp,
                {"id": "hall", "name": "hall", "backend": "mqtt", "command_topic": "h/set"},
                {"id": "porch", "name": "porch", "backend": "homeassistant", "entity_id": "a.b"},
            ]
        }
    ).devices
    assert [type(device) for device in devices] == [DeviceConfig, MqttDevice, HomeAssistantDevice]
    with pytest.raises(ConfigError, match=r"unknown key 'devices\.0\.command_topic'"):
        parse_config({"devices": [{**lamp, "command_topic": "h/set"}]})
    mqtt = {**lamp, "backend": "mqtt", "command_topic": "h/set"}
    with pytest.raises(ConfigError, match=r"unknown key 'devices\.0\.entity_id'"):
        parse_config({"devices": [{**mqtt, "entity_id": "light.lamp"}]})


# A device back end from another package: its module (the back end and its device keys)
# and its entry point, nothing else.
ZIGBEE_BACKEND = """
from typing import Literal
from voiced.device_config import BackendKind, DeviceConfig
from voiced.devices import BackendError  # a back end's error, imported as plugins do

class ZigbeeDevice(DeviceConfig):
    backend: Literal["zigbee"] = "zigbee"
    ieee_address: str

class Zigbee:
    def __init__(self, devices): self.devices = devices

zigbee = BackendKind(lambda config, devices: Zigbee(devices), ZigbeeDevice)
"""


def test_a_third_party_back_end_brings_its_own_device_keys(tmp_path: Path) -> None:
    program = (
        "import voiced.devices  # first, as the daemon's imports may come\n"
        "from voiced.config import ConfigError, parse_config\n"
        "device = {'id': 'plug', 'name': 'plug', 'backend': 'zigbee', 'ieee_address': '0x1'}\n"
        "print(parse_config({'devices': [device]}).devices[0].ieee_address)\n"
        "try:\n"
        "    parse_config({'devices': [{**device, 'command_topic': 'x'}]})\n"
        "except ConfigError as err:\n"
        "    print(err)\n"
    )
    entry_points = "[voiced.devices]\nzigbee = voiced_zigbee:zigbee\n"
    result = run_with_package(tmp_path, "zigbee", entry_points, ZIGBEE_BACKEND, program)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "0x1",
        "configuration: unknown key 'devices.0.command_topic'",
    ]
