"""The kitchen light behind Home Assistant and the bedroom lamp behind a Mosquitto broker
that wants a password: the setup of the tests that look for secrets in what voiced prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import MODELS_DIR, RECORDINGS, TEST_LLM_MODEL
from tests.servers import Broker, mosquitto_passwords, running_broker

MQTT_PASSWORD = "correct horse battery staple"
KITCHEN_LIGHT_ON = RECORDINGS / "commands" / "kitchen-light-on.wav"
# Piper's voice: Whisper hears it alike with AVX2 and AVX-512 (espeak-ng's "turn on the
# bedroom lamp" is heard as "turn off" in a 15 s window with AVX2).
BEDROOM_LAMP_OFF = RECORDINGS / "commands" / "bedroom-lamp-off.wav"
DEVICES = [
    {"id": "kitchen_light", "name": "kitchen light", "area": "kitchen",
     "aliases": ["kitchen lights", "light in the kitchen"],
     "backend": "homeassistant", "entity_id": "light.kitchen"},
    {"id": "bedroom_lamp", "name": "bedroom lamp", "area": "bedroom",
     "aliases": ["bedside lamp"], "backend": "mqtt", "command_topic": "home/lamp/set"},
]  # fmt: skip


@contextmanager
def password_broker(directory: Path) -> Iterator[Broker]:
    """A broker that lets the user "voiced" in with MQTT_PASSWORD, and no one else."""
    passwords = mosquitto_passwords(directory, "voiced", MQTT_PASSWORD)
    with running_broker(directory, passwords) as running:
        yield running


def write_config(
    directory: Path,
    broker: Broker,
    home_assistant_url: str,
    *,
    mqtt: dict[str, object],
    homeassistant: dict[str, object],
    **sections: object,
) -> Path:
    """voiced.yaml in `directory` for both devices; `mqtt` and `homeassistant` add the
    secrets (and any other key) to those sections, `sections` adds whole sections."""
    config = {
        "models_dir": str(MODELS_DIR),
        "llm": {"model": TEST_LLM_MODEL, "temperature": 0.0},
        "devices": DEVICES,
        "state_file": {"path": str(directory / "state.json")},
        "mqtt": {
            "host": "127.0.0.1",
            "port": broker.port,
            "username": "voiced",
            "timeout_seconds": 2.0,
            **mqtt,
        },
        "homeassistant": {"url": home_assistant_url, "timeout_seconds": 2.0, **homeassistant},
        **sections,
    }
    path = directory / "voiced.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path
