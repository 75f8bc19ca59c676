"""Configuration: read once at start into frozen, validated objects.

A bad value stops the daemon before any device opens, with a message naming the
key, the value and what is allowed (exit code 78, sysexits' EX_CONFIG).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

EX_CONFIG = 78


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    # Whisper samples by default; 0 makes the transcript repeatable.
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
    seed: int = 0
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
    cpus: Literal["all", "auto"] | list[Annotated[int, Field(ge=0)]] = "auto"
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
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = []
    area: str | None = None
    kind: DeviceKind = "light"
    backend: Literal["state_file", "mqtt", "homeassistant"] = "state_file"
    # mqtt: where commands go and where the device reports its state.
    command_topic: str | None = None
    state_topic: str | None = None
    brightness_command_topic: str | None = None
    # Default: ON/OFF; LOCK/UNLOCK for a lock; OPEN/CLOSE for a garage door.
    payload_on: str = "ON"
    payload_off: str = "OFF"
    # homeassistant: the entity this device is, e.g. light.kitchen.
    entity_id: Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _payloads_of_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") in DEFAULT_PAYLOADS:
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

    @property
    def timers_file(self) -> Path:
        return self.timers_path or self.path.with_name("timers.json")


class MqttConfig(_Section):
    host: str = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 1883
    username: str | None = None
    # The password is read from this file (a systemd credential, say), never from here.
    password_file: Path | None = None
    client_id: str = "voiced"
    # Announce the devices to Home Assistant through MQTT discovery.
    discovery: bool = False
    discovery_prefix: str = "homeassistant"
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0


class HomeAssistantConfig(_Section):
    url: str = "http://homeassistant.local:8123"
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
    logging: LoggingConfig = LoggingConfig()

    @model_validator(mode="after")
    def _unique_devices(self) -> Config:
        seen: dict[str, str] = {}
        for device in self.devices:
            for spoken in [device.id, device.name, *device.aliases]:
                key = spoken.lower()
                if key in seen and seen[key] != device.id:
                    raise ValueError(f"{spoken!r} names both {seen[key]!r} and {device.id!r}")
                seen[key] = device.id
        return self


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects a key given twice, which plain YAML silently keeps last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ConfigError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key {key!r}")
        else:
            lines.append(f"{key} = {item.get('input')!r}: {item['msg']}")
    return "; ".join(lines)


def parse_config(data: Any, source: str = "configuration") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {_describe(err)}") from err


def load_config(path: Path | None) -> Config:
    """Read the YAML file at `path` (None: the built-in defaults)."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from err
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    return parse_config(data, str(path))
