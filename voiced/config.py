"""Configuration: read once at start into frozen, validated objects.

A bad value stops the daemon before any device opens, with a message naming the
key, the value and what is allowed (exit code 78, sysexits' EX_CONFIG).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
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

from voiced.cores import unavailable_cpus
from voiced.echo import EchoConfig
from voiced.follow_up import ConversationConfig

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


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _spoken_name(value: str) -> str:
    """A name people say: visible, not blank, in plain (NFKC) characters."""
    if not value.strip():
        raise ValueError("must not be blank")
    if value != value.strip() or "  " in value:
        raise ValueError("must have no leading, trailing or double spaces")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise ValueError("must not contain control or invisible characters")
    plain = unicodedata.normalize("NFKC", value)
    if plain != value:
        raise ValueError(f"contains full-width or compatibility characters; write it as {plain!r}")
    if not any(char.isalnum() for char in value):
        raise ValueError("must contain a letter or a digit")
    return value


SpokenName = Annotated[str, Field(max_length=100), AfterValidator(_spoken_name)]


def _mqtt_topic(value: str) -> str:
    """A topic published or subscribed to exactly: no wildcards, no NUL, not empty."""
    if not value or "\x00" in value:
        raise ValueError("must be a non-empty topic without NUL characters")
    if "+" in value or "#" in value:
        raise ValueError("must be an exact topic: the wildcards + and # are not allowed here")
    if len(value.encode("utf-8")) > 1024:
        raise ValueError("must be at most 1024 bytes")
    return value


MqttTopic = Annotated[str, AfterValidator(_mqtt_topic)]


def _hostname(value: str) -> str:
    """A host name or address only: a URL or user:password@ here would be a mistake."""
    if not value or any(char in value for char in "/@?#\\ ") or not value.isprintable():
        raise ValueError("must be a host name or IP address only (no scheme, user or path)")
    return value


def _http_url(value: str) -> str:
    """An http(s) URL of a server, without credentials (the token is sent in a header)."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # a port that is not a number from 0 to 65535 raises here
    except ValueError:
        raise ValueError("must be an http:// or https:// URL with a valid host and port") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password: use token_file")
    if not parts.hostname or not value.isprintable() or " " in value:
        raise ValueError("must name a host, with no spaces or control characters")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?) or a fragment (#)")
    return value


class AudioConfig(_Section):
    # A device name (a substring of what `voiced check` lists) or a PortAudio index;
    # null is the system default. Names survive reboots, ALSA card numbers do not.
    input_device: str | int | None = None
    output_device: str | int | None = None
    # A WAV file played at real pace in place of the microphone (demos, tests); silence
    # follows its end.
    input_file: Path | None = None


class WakeConfig(_Section):
    model: str = "hey_jarvis"
    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # After a detection the same word is ignored this long.
    refractory_seconds: Annotated[float, Field(ge=0)] = 2.0
    # Audio kept from just before the detection and given to the recogniser.
    preroll_seconds: Annotated[float, Field(ge=0, le=2)] = 0.3
    # The wake word is listened for while a reply is spoken; heard, it cuts the reply
    # and its generation (barge-in).
    barge_in: bool = True


class EndpointConfig(_Section):
    vad_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # Non-speech after the command that ends it.
    silence_seconds: Annotated[float, Field(gt=0, le=5)] = 0.7
    # Speech shorter than this does not start a command (clicks, breaths).
    min_speech_seconds: Annotated[float, Field(ge=0, le=2)] = 0.1
    # No speech this long after the wake word: the turn is dropped.
    start_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 4.0
    max_command_seconds: Annotated[float, Field(gt=0, le=60)] = 15.0
    # At a pause this long the command so far is recognised, and a question answered (held,
    # unheard), while the rest of the silence is waited out; 0 turns speculation off.
    speculate_after_seconds: Annotated[float, Field(ge=0, le=5)] = 0.2
    # Commands longer than this are not speculated on.
    speculate_max_seconds: Annotated[float, Field(gt=0, le=60)] = 8.0
    # A command recognised at a pause as a complete intent ends after this much silence
    # instead of silence_seconds (needs speculation); 0 turns the early end off.
    early_end_seconds: Annotated[float, Field(ge=0, le=5)] = 0.45


class AsrConfig(_Section):
    # auto: Vosk when its English model is installed, otherwise Whisper.
    engine: Literal["auto", "vosk", "whisper"] = "auto"
    whisper_model: str = "whisper-tiny.en"
    vosk_model: str = "vosk-model-small-en-us-0.15"
    language: str = "en"
    threads: Annotated[int, Field(ge=1, le=64)] = 2
    # Whisper's decoding temperature: 0 (greedy) makes the transcript repeatable.
    temperature: Annotated[float, Field(ge=0, le=1)] = 0.0
    beam_size: Annotated[int, Field(ge=1, le=10)] = 1
    # Steer recognition toward the commands and device names (Whisper: a prompt).
    command_bias: bool = True
    # Whisper hears a command shorter than this in a window this long instead of its full
    # 30 s: 15 s halves the decoding time here and understands at most 1 % fewer commands
    # (scripts/whisper-window measures both per window).
    whisper_window_seconds: Annotated[int, Field(ge=10, le=30)] = 15


class LlmConfig(_Section):
    # A GGUF file in models/llm: Qwen2.5-Coder-0.5B-Instruct Q4_K_M by default
    # (scripts/fetch-models). When it is missing, fallback_model is used with a warning.
    model: str = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    fallback_model: str | None = "SmolLM2-135M-Instruct.Q4_1.gguf"
    # It says what the model cannot do, so that it does not pretend to (measured by
    # scripts/answer-quality): devices and live facts are the intents' business.
    system_prompt: str = (
        "You are Jarvis, a voice assistant in a home. Answer in one to three short "
        "sentences of plain spoken English, with no lists and no markdown. You cannot see "
        "or change any device, and you have no internet: you do not know the weather, the "
        "news, the time or anything else that is happening now. When asked to do or check "
        "such a thing, say that you cannot; never say that you did it."
    )
    max_tokens: Annotated[int, Field(ge=1, le=4096)] = 96
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.2
    top_p: Annotated[float, Field(gt=0, le=1)] = 0.9
    seed: Annotated[int, Field(ge=-1, le=2**32 - 1)] = 0
    # The KV cache holds this many tokens (12 KB each for the default model): room for the
    # system prompt, the history below and the answer.
    context_tokens: Annotated[int, Field(ge=256, le=32768)] = 1024
    # Map the model file instead of reading it into memory: mapped, the pages llama.cpp
    # reads only at load stay resident too (28 MB more at the peak of a replay).
    mmap: bool = False
    # The conversation (without the system prompt) is kept within this many tokens;
    # the oldest turns are dropped first.
    history_token_budget: Annotated[int, Field(ge=0, le=32768)] = 640
    # Wall-clock limit of one answer; past it the answer is cut short, and a model call
    # stuck this long stops the watchdog pings.
    turn_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0
    # CPU cores the LLM worker is pinned to: a list, "all" (unpinned) or "auto" (on 4 or
    # more cores the fastest but one, leaving a core to capture and playback; unpinned on
    # fewer). Its threads: null is one per pinned core.
    cpus: Literal["all", "auto"] | list[Annotated[int, Field(ge=0, le=4095)]] = "auto"
    threads: Annotated[int, Field(ge=1, le=64)] | None = None
    # The LLM worker's niceness: on shared cores the audio path comes first.
    nice: Annotated[int, Field(ge=0, le=19)] = 10
    # Keep the evaluated system prompt on disk (in $XDG_CACHE_HOME/voiced), so that a
    # restart does not evaluate it again.
    prompt_cache: bool = True

    @field_validator("cpus")
    @classmethod
    def _cpus_not_empty(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("must list at least one core, or be 'all'")
        return value

    @model_validator(mode="after")
    def _answer_fits(self) -> LlmConfig:
        if self.max_tokens >= self.context_tokens:
            raise ValueError(
                f"max_tokens ({self.max_tokens}) must be less than context_tokens "
                f"({self.context_tokens}): the answer and its question share the context"
            )
        return self


class TtsConfig(_Section):
    voice: str = "en_US-joe-medium"
    # Speak the first clause of a long first sentence as soon as it is complete.
    first_clause_min_chars: Annotated[int, Field(ge=0)] = 24
    length_scale: Annotated[float, Field(gt=0, le=4)] | None = None
    # Audio of recent sentences kept for the next time they are said (a command's
    # confirmation is spoken at once); 0 turns the phrase cache off.
    cache_seconds: Annotated[float, Field(ge=0, le=3600)] = 120.0


DeviceKind = Literal["light", "switch", "fan", "lock", "garage_door"]
# Home Assistant's domain of each kind: its intents, services and MQTT discovery use it.
# "on" is locked for a lock and open for a garage door, as in Home Assistant's intents.
DOMAIN_OF_KIND = {
    "light": "light",
    "switch": "switch",
    "fan": "fan",
    "lock": "lock",
    "garage_door": "cover",
}
# Kinds that guard the home: opening or unlocking one waits for a spoken yes.
SENSITIVE_KINDS = frozenset({"lock", "garage_door"})
# MQTT payloads per kind, as Home Assistant's MQTT integrations expect them by default.
DEFAULT_PAYLOADS = {"lock": ("LOCK", "UNLOCK"), "garage_door": ("OPEN", "CLOSE")}


class DeviceConfig(_Section):
    # A stable identifier: state file key, MQTT discovery id.
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    # What people call it; aliases are other names for the same device.
    name: SpokenName
    aliases: list[SpokenName] = []
    area: SpokenName | None = None
    kind: DeviceKind = "light"
    backend: Literal["state_file", "mqtt", "homeassistant"] = "state_file"
    # mqtt: where commands go and where the device reports its state.
    command_topic: MqttTopic | None = None
    state_topic: MqttTopic | None = None
    brightness_command_topic: MqttTopic | None = None
    # Default: ON/OFF; LOCK/UNLOCK for a lock; OPEN/CLOSE for a garage door.
    payload_on: str = "ON"
    payload_off: str = "OFF"
    # homeassistant: the entity this device is, e.g. light.kitchen.
    entity_id: Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _payloads_of_kind(cls, data: Any) -> Any:
        # Only a string can name a kind; anything else is refused by the field's own check.
        if (
            isinstance(data, dict)
            and isinstance(data.get("kind"), str)
            and (data["kind"] in DEFAULT_PAYLOADS)
        ):
            payload_on, payload_off = DEFAULT_PAYLOADS[data["kind"]]
            data = {"payload_on": payload_on, "payload_off": payload_off, **data}
        return data

    @property
    def domain(self) -> str:
        return DOMAIN_OF_KIND[self.kind]

    @model_validator(mode="after")
    def _backend_settings(self) -> DeviceConfig:
        if self.backend == "mqtt" and not self.command_topic:
            raise ValueError(f"device {self.id!r} uses mqtt and needs a command_topic")
        if self.backend == "homeassistant" and not self.entity_id:
            raise ValueError(f"device {self.id!r} uses homeassistant and needs an entity_id")
        return self


class StateFileConfig(_Section):
    # Device state for the state_file back end (relative: working directory).
    path: Path = Path("state.json")
    # Running timers, so that they survive a restart; null: timers.json beside `path`.
    timers_path: Path | None = None
    # At most this many timers at once (a timers file with more is kept aside).
    max_timers: Annotated[int, Field(ge=1, le=1000)] = 50

    @property
    def timers_file(self) -> Path:
        return self.timers_path or self.path.with_name("timers.json")


class MqttConfig(_Section):
    host: Annotated[str, AfterValidator(_hostname)] = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 1883
    username: str | None = None
    # The password is read from this file (a systemd credential, say), never from here.
    password_file: Path | None = None
    client_id: str = "voiced"
    # Announce the devices to Home Assistant through MQTT discovery.
    discovery: bool = False
    discovery_prefix: MqttTopic = "homeassistant"
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0


class HomeAssistantConfig(_Section):
    url: Annotated[str, AfterValidator(_http_url)] = "http://homeassistant.local:8123"
    # A long-lived access token, read from this file, or else from this environment variable.
    token_file: Path | None = None
    token_env: str = "VOICED_HA_TOKEN"
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0


def _demo_devices() -> list[DeviceConfig]:
    return [
        DeviceConfig(
            id="kitchen_light",
            name="kitchen light",
            area="kitchen",
            aliases=["kitchen lights", "light in the kitchen"],
        ),
        DeviceConfig(
            id="bedroom_lamp", name="bedroom lamp", area="bedroom", aliases=["bedside lamp"]
        ),
        DeviceConfig(id="living_room_light", name="living room light", area="living room"),
        DeviceConfig(id="coffee_maker", name="coffee maker", area="kitchen", kind="switch"),
        DeviceConfig(id="ceiling_fan", name="ceiling fan", area="bedroom", kind="fan"),
    ]


class ConfirmConfig(_Section):
    # After "Unlock the front door?", a yes is listened for this long, without the wake word.
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"


class Config(_Section):
    # Where scripts/fetch-models put the models; relative to the working directory.
    models_dir: Path = Path("models")
    audio: AudioConfig = AudioConfig()
    wake: WakeConfig = WakeConfig()
    endpoint: EndpointConfig = EndpointConfig()
    asr: AsrConfig = AsrConfig()
    llm: LlmConfig = LlmConfig()
    tts: TtsConfig = TtsConfig()
    devices: list[DeviceConfig] = Field(default_factory=_demo_devices)
    state_file: StateFileConfig = StateFileConfig()
    mqtt: MqttConfig = MqttConfig()
    homeassistant: HomeAssistantConfig = HomeAssistantConfig()
    confirm: ConfirmConfig = ConfirmConfig()
    echo: EchoConfig = EchoConfig()
    conversation: ConversationConfig = ConversationConfig()
    logging: LoggingConfig = LoggingConfig()

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
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key {_quote(key)}")
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


def parse_config(data: Any, source: str = "configuration") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {_describe(err)}") from None


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
    if isinstance(config.llm.cpus, list):
        missing, available = unavailable_cpus(config.llm.cpus)
        if len(missing) == len(config.llm.cpus):
            raise ConfigError(
                f"{source}: llm.cpus = {_quote(config.llm.cpus)}: names no core this process "
                f"may use (it may use {available})"
            )
