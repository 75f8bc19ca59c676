"""Configuration: read once at start into frozen, validated objects.

A bad value stops the daemon before any device opens, with a message naming the
key, the value and what is allowed (exit code 78, sysexits' EX_CONFIG).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    NodeEvent,
)

from voiced.asr_config import AsrSettings, AutoAsrConfig, upgrade_asr, warn_moved_asr_keys
from voiced.cores import unavailable_cpus
from voiced.device_config import (  # noqa: F401 (the names configuration users import)
    DOMAIN_OF_KIND,
    SENSITIVE_KINDS,
    DeviceConfig,
    DeviceKind,
    demo_devices,
    describe_device_error,
    device_section,
    without_backend,
)
from voiced.device_settings import DEFAULT_PAYLOADS  # noqa: F401
from voiced.echo import EchoConfig
from voiced.engines import engine_names, engine_section
from voiced.follow_up import ConversationConfig
from voiced.llm_config import LlmSettings, LocalLlmConfig
from voiced.sections import MqttTopic, Section, hostname, http_url
from voiced.speech_config import (
    OpenWakeWordConfig,
    PiperTtsConfig,
    SileroVadConfig,
    TtsSettings,
    VadSettings,
    WakeSettings,
)
from voiced.turn_end import TurnEndConfig

# Sections that are one of the registered engines, and the names of those engines.
ENGINE_KINDS = ("wake", "vad", "asr", "llm", "tts")
ENGINE_TAGS = {kind: engine_names(kind) for kind in ENGINE_KINDS}
# The section of the engine that runs in-process, by its old name.
LlmConfig = LocalLlmConfig
# The shared keys, by their old names.
WakeConfig = WakeSettings
TtsConfig = TtsSettings
if TYPE_CHECKING:
    WakeSection = WakeSettings
    VadSection = VadSettings
    AsrSection = AsrSettings
    LlmSection = LlmSettings
    TtsSection = TtsSettings
    DeviceSection = DeviceConfig
else:
    WakeSection = engine_section("wake", default="openwakeword")
    VadSection = engine_section("vad", default="silero")
    AsrSection = engine_section("asr", default="auto")
    LlmSection = engine_section("llm", default="local")
    TtsSection = engine_section("tts", default="piper")
    DeviceSection = device_section()

EX_CONFIG = 78
# Limits on the file itself: a configuration is a few kilobytes; these stop a YAML bomb
# (aliases of aliases) or a stray huge file before it is read into memory.
MAX_CONFIG_BYTES = 128 * 1024
MAX_CONFIG_DEPTH = 32
# Values in the document counted as if every alias were written out in full.
MAX_CONFIG_VALUES = 100_000
# How much of a bad value an error message quotes.
MAX_QUOTED_CHARS = 80
MAX_PROBLEMS_SHOWN = 10


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


class AudioConfig(Section):
    # A device name (a substring of what `voiced check` lists) or a PortAudio index;
    # null is the system default. Names survive reboots, ALSA card numbers do not.
    input_device: str | int | None = None
    output_device: str | int | None = None
    # A WAV file played at real pace in place of the microphone (demos, tests); silence
    # follows its end.
    input_file: Path | None = None


class EndpointConfig(Section):
    vad_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # Non-speech after the command that ends it.
    silence_seconds: Annotated[float, Field(gt=0, le=5)] = 0.7
    # Speech shorter than this does not start a command (clicks, breaths).
    min_speech_seconds: Annotated[float, Field(ge=0, le=2)] = 0.1
    # No speech this long after the wake word: the turn is dropped.
    start_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 4.0
    max_command_seconds: Annotated[float, Field(gt=0, le=60)] = 15.0
    # At a pause this long the command so far is recognised, and a question answered (held,
    # unheard), while the rest of the silence is waited out; 0 turns speculation off. At
    # 0.08 it begins at the first 80 ms chunk of a pause (docs/endpoint.md).
    speculate_after_seconds: Annotated[float, Field(ge=0, le=5)] = 0.08
    # Commands longer than this are not speculated on.
    speculate_max_seconds: Annotated[float, Field(gt=0, le=60)] = 8.0
    # A command recognised at a pause as a complete intent ends after this much silence
    # instead of silence_seconds (needs speculation); 0 turns the early end off.
    early_end_seconds: Annotated[float, Field(ge=0, le=5)] = 0.45


class StateFileConfig(Section):
    # Device state for the state_file back end (relative: working directory).
    path: Path = Path("state.json")
    # Running timers, so that they survive a restart; null: timers.json beside `path`.
    timers_path: Path | None = None
    # At most this many timers at once (a timers file with more is kept aside).
    max_timers: Annotated[int, Field(ge=1, le=1000)] = 50

    # How loud voiced speaks, as last set by voice; null: volume.json beside `path`.
    volume_path: Path | None = None
    # The shopping list said by voice; null: shopping_list.json beside `path`.
    shopping_list_path: Path | None = None

    @property
    def timers_file(self) -> Path:
        return self.timers_path or self.path.with_name("timers.json")

    @property
    def volume_file(self) -> Path:
        return self.volume_path or self.path.with_name("volume.json")

    @property
    def shopping_list_file(self) -> Path:
        return self.shopping_list_path or self.path.with_name("shopping_list.json")


class MqttConfig(Section):
    host: Annotated[str, AfterValidator(hostname)] = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 1883
    username: str | None = None
    # The password is read from this file (a systemd credential, say), never from here.
    password_file: Path | None = None
    client_id: str = "voiced"
    # Announce the devices to Home Assistant through MQTT discovery.
    discovery: bool = False
    discovery_prefix: MqttTopic = "homeassistant"
    # Devices announced under discovery_prefix become voiced's devices (docs/devices.md).
    discovery_import: bool = False
    # voiced's own state, mute switch, timers and say-entity, announced by discovery.
    entities: bool = False
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0


class HomeAssistantConfig(Section):
    # `import` is a Python keyword: the field is import_devices, and a dumped configuration
    # (which names fields) must load again.
    model_config = ConfigDict(**Section.model_config, populate_by_name=True)

    url: Annotated[str, AfterValidator(http_url)] = "http://homeassistant.local:8123"
    # A long-lived access token, read from this file, or else from this environment variable.
    token_file: Path | None = None
    token_env: str = "VOICED_HA_TOKEN"
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    # Home Assistant's lights, switches, fans, locks and garage doors become voiced's devices.
    import_devices: bool = Field(False, alias="import")


class ConfirmConfig(Section):
    # After "Unlock the front door?", a yes is listened for this long, without the wake word.
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0


class LoggingConfig(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"

    @property
    def level_number(self) -> int:
        """The level as the logging module numbers it."""
        return int(getattr(logging, self.level.upper()))


class Config(Section):
    # Where scripts/fetch-models put the models; relative to the working directory.
    models_dir: Path = Path("models")
    audio: AudioConfig = AudioConfig()
    wake: WakeSection = Field(default_factory=OpenWakeWordConfig)
    vad: VadSection = Field(default_factory=SileroVadConfig)
    endpoint: EndpointConfig = EndpointConfig()
    asr: AsrSection = Field(default_factory=AutoAsrConfig)
    llm: LlmSection = Field(default_factory=LocalLlmConfig)
    tts: TtsSection = Field(default_factory=PiperTtsConfig)
    devices: list[DeviceSection] = Field(default_factory=demo_devices)
    state_file: StateFileConfig = StateFileConfig()
    mqtt: MqttConfig = MqttConfig()
    homeassistant: HomeAssistantConfig = HomeAssistantConfig()
    confirm: ConfirmConfig = ConfirmConfig()
    turn_end: TurnEndConfig = TurnEndConfig()
    echo: EchoConfig = EchoConfig()
    conversation: ConversationConfig = ConversationConfig()
    logging: LoggingConfig = LoggingConfig()
    # Keys of an older file, read as they meant: each with its new place (parse_config).
    _deprecated: tuple[str, ...] = PrivateAttr(default=())

    @property
    def deprecated_keys(self) -> tuple[str, ...]:
        return self._deprecated

    @field_validator("asr", mode="before")
    @classmethod
    def _upgrade(cls, section: Any) -> Any:
        return upgrade_asr(section)

    @model_validator(mode="after")
    def _unique_devices(self) -> Config:
        ids: set[str] = set()
        for device in self.devices:
            if device.id in ids:
                raise ValueError(f"two devices have the id {device.id!r}; each needs its own")
            ids.add(device.id)
        seen: dict[str, str] = {}
        for device in self.devices:
            for spoken in [device.id, device.name, *device.aliases]:
                key = " ".join(spoken.casefold().split())
                if key in seen and seen[key] != device.id:
                    raise ValueError(f"{spoken!r} names both {seen[key]!r} and {device.id!r}")
                seen[key] = device.id
        return self


class _Loader(yaml.SafeLoader):
    """A YAML loader with limits: depth, values as expanded by aliases, string keys, and a
    key given twice (which plain YAML silently keeps last) refused."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0
        # Per open collection: its anchor and the value count when it began.
        self._open: list[tuple[str | None, int]] = []
        self._anchored: dict[str, int] = {}

    def get_event(self) -> Event:
        """Count each event as the composer takes it, before it can nest or expand."""
        event: Event = super().get_event()
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, AliasEvent):
            self._values += self._anchored.get(str(event.anchor), 1)
        elif isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_CONFIG_DEPTH:
                raise ConfigError(f"nested deeper than {MAX_CONFIG_DEPTH} levels at line {line}")
            self._open.append((event.anchor, self._values))
            self._values += 1
        elif isinstance(event, CollectionEndEvent):
            self._depth -= 1
            anchor, values_before = self._open.pop()
            if anchor is not None:
                self._anchored[anchor] = self._values - values_before
        elif isinstance(event, NodeEvent):  # a scalar
            self._values += 1
            if event.anchor is not None:
                self._anchored[event.anchor] = 1
        if self._values > MAX_CONFIG_VALUES:
            raise ConfigError(
                f"more than {MAX_CONFIG_VALUES} values with its aliases expanded (line {line})"
            )
        return event


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[str] = set()
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise ConfigError(f"merge keys (<<) are not supported (line {line}): write it out")
        if not isinstance(key_node, yaml.ScalarNode):
            raise ConfigError(f"the key at line {line} is a list or a mapping, not a name")
        key = loader.construct_object(key_node)
        if not isinstance(key, str):
            raise ConfigError(f"the key {_quote(key)} at line {line} is not a name")
        if key in seen:
            raise ConfigError(f"duplicate key {key!r} at line {line}")
        seen.add(key)
    return dict(loader.construct_pairs(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _quote(value: Any) -> str:
    """A value as an error message shows it: its repr, cut short."""
    text = repr(value)
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 3] + "..."
    return text


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in _without_tags(item["loc"])) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key {_quote(key)}")
            continue
        if (device_problem := describe_device_error(key, item)) is not None:
            lines.append(device_problem)
            continue
        if item["type"] == "union_tag_invalid":
            engines = ", ".join(ENGINE_TAGS.get(key, []))
            tag = item.get("ctx", {}).get("tag")
            lines.append(f"{key}.engine = {_quote(tag)}: no such engine (installed: {engines})")
            continue
        message = item["msg"].removeprefix("Value error, ")
        value = item.get("input")
        if key.endswith(("url", "host")) or isinstance(value, dict):
            # A URL may hold a password; a section is named by its key: the message says
            # what is wrong without quoting them.
            lines.append(f"{key}: {message}")
        else:
            lines.append(f"{key} = {_quote(value)}: {message}")
    if len(lines) > MAX_PROBLEMS_SHOWN:
        lines[MAX_PROBLEMS_SHOWN:] = [f"and {len(lines) - MAX_PROBLEMS_SHOWN} more problems"]
    return "; ".join(lines)


def _without_tags(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A key as written: pydantic names the engine (the union's tag) after its section."""
    if len(loc) > 1 and isinstance(loc[0], str) and loc[1] in ENGINE_TAGS.get(loc[0], ()):
        return (loc[0], *loc[2:])
    return without_backend(loc)


def parse_config(data: Any, source: str = "configuration") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {_describe(err)}") from None
    config._deprecated = warn_moved_asr_keys(data.get("asr"), source)
    return config


def load_config(path: Path | None) -> Config:
    """Read the YAML file at `path` (None: the built-in defaults), and check it against
    this machine (the cores it names)."""
    if path is None:
        return Config()
    try:
        with path.open("rb") as file:
            content = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from err
    if len(content) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        # A scalar YAML resolves but Python cannot build: a date out of range, say.
        raise ConfigError(f"{path}: a value cannot be read: {_quote(str(err))}") from None
    finally:
        loader.dispose()
    _check_strings(data, str(path))
    config = parse_config(data, str(path))
    _check_machine(config, str(path))
    _check_input_file(config, str(path))
    return config


def _check_strings(data: Any, source: str) -> None:
    """No NUL character in any key or value: paths and topics cannot hold one."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        key, value = pending.pop()
        if isinstance(value, dict):
            pending += [(f"{key}.{k}" if key else str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            pending += [(f"{key}.{index}", v) for index, v in enumerate(value)]
        elif isinstance(value, str) and "\x00" in value:
            raise ConfigError(f"{source}: {key or '(top level)'} contains a NUL character")


def _check_machine(config: Config, source: str) -> None:
    local = config.llm.local()
    key = "llm" if local is config.llm else "llm.fallback"
    if local is not None and isinstance(local.cpus, list):
        missing, available = unavailable_cpus(local.cpus)
        if len(missing) == len(local.cpus):
            raise ConfigError(
                f"{source}: {key}.cpus = {_quote(local.cpus)}: names no core this process "
                f"may use (it may use {available})"
            )


def _check_input_file(config: Config, source: str) -> None:
    """audio.input_file is checked as the daemon will read it, by its header: a file that
    is not there, or not a WAV, stops the daemon before any model loads, and a reload to
    it is refused. Its audio (up to an hour) is not read here: each load would."""
    path = config.audio.input_file
    if path is None:
        return
    from voiced.wavio import WavError, check_wav

    try:
        check_wav(path)
    except WavError as err:
        where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
        raise ConfigError(f"{source}: audio.input_file: {err}{where}") from None
