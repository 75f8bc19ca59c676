import os
import re
from pathlib import Path

import pytest
import yaml

from voiced.config import EX_CONFIG, Config, ConfigError, load_config, parse_config

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "voiced.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voiced.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults():
    config = load_config(None)
    assert config == Config()
    assert config.endpoint.silence_seconds == 0.7
    assert config.llm.cpus == "auto"


def test_empty_file_gives_the_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == Config()


def test_values_in_the_file_override_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    path = write(tmp_path, "endpoint:\n  silence_seconds: 1.2\nllm:\n  cpus: [2, 3]\n")
    config = load_config(path)
    assert config.endpoint.silence_seconds == 1.2
    assert config.llm.cpus == [2, 3]
    assert config.wake == Config().wake


def test_unknown_top_level_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        load_config(write(tmp_path, "colour: blue\n"))


def test_unknown_nested_key_is_named_with_its_dotted_path(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'llm\.foo'"):
        load_config(write(tmp_path, "llm: {foo: 1}\n"))


def test_bad_value_names_the_key_and_the_value(tmp_path):
    path = write(tmp_path, "endpoint: {silence_seconds: -1}\n")
    with pytest.raises(ConfigError, match=r"endpoint\.silence_seconds = -1: .*greater than 0"):
        load_config(path)


def test_wrong_type_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"asr\.threads = 'many'"):
        load_config(write(tmp_path, "asr: {engine: whisper, threads: many}\n"))
    # A key of the older flat section is named where it lives now.
    with pytest.raises(ConfigError, match=r"asr\.whisper\.threads = 'many'"):
        load_config(write(tmp_path, "asr: {threads: many}\n"))


def test_empty_cpu_list_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match=r"llm\.cpus = \[\]: .*at least one core"):
        load_config(write(tmp_path, "llm: {cpus: []}\n"))


def test_error_message_names_the_file(tmp_path):
    path = write(tmp_path, "colour: blue\n")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_config(path)


def test_duplicate_top_level_key_is_rejected(tmp_path):
    path = write(tmp_path, "llm:\n  seed: 1\nllm:\n  seed: 2\n")
    with pytest.raises(ConfigError, match="duplicate key 'llm' at line 3"):
        load_config(path)


def test_duplicate_nested_key_is_rejected(tmp_path):
    path = write(tmp_path, "llm:\n  seed: 1\n  seed: 2\n")
    with pytest.raises(ConfigError, match="duplicate key 'seed'"):
        load_config(path)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n"])
def test_top_level_that_is_not_a_mapping_is_rejected(tmp_path, text):
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(write(tmp_path, text))


def test_invalid_yaml_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "llm: {seed: 1\n"))


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_directory_instead_of_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)


def test_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "voiced.yaml"
    path.write_bytes("llm:\n  system_prompt: Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_shipped_config_file_equals_the_defaults():
    assert load_config(REPO_CONFIG) == Config()


def test_the_shipped_config_gives_each_mqtt_connection_its_own_id() -> None:
    """Installed as it is, two voiced on one broker never share a session."""
    from voiced.devices.mqtt import session_id

    mqtt = load_config(REPO_CONFIG).mqtt
    assert session_id(mqtt) != session_id(mqtt)


def test_the_shipped_config_gives_way_to_imported_devices(monkeypatch) -> None:
    """Installed as it is with importing switched on, voiced has the home's devices
    only: no demo device on the state file shadows a real one of the same name."""
    from voiced.device_settings import HomeAssistantDevice
    from voiced.devices.imported import DeviceImports

    data = yaml.safe_load(REPO_CONFIG.read_text(encoding="utf-8"))
    data["homeassistant"]["import"] = True
    home = [
        HomeAssistantDevice(
            id="ha_light_kitchen", name="Kitchen Light", kind="light", entity_id="light.kitchen"
        )
    ]
    monkeypatch.setattr("voiced.devices.ha_import.import_from_home_assistant", lambda _config: home)
    devices = DeviceImports().apply(parse_config(data)).devices
    assert [(device.id, device.backend) for device in devices] == [
        ("ha_light_kitchen", "homeassistant")
    ]


def test_the_shipped_configs_commented_devices_are_the_demo_devices() -> None:
    """What the file says: uncommented, its device list is what voiced has without one."""
    text = REPO_CONFIG.read_text(encoding="utf-8")
    commented = re.search(r"^# devices:\n(?:#.*\n)+", text, re.MULTILINE)
    assert commented is not None
    uncommented = re.sub(r"^# ?", "", commented.group(0), flags=re.MULTILINE)
    config = parse_config(yaml.safe_load(uncommented))
    assert "devices" in config.model_fields_set
    assert config.devices == Config().devices


def test_an_input_file_is_read_with_the_configuration(tmp_path, monkeypatch):
    """A WAV file that is not there, or is no WAV, stops the daemon before any model loads
    (exit 78, not restarted), and a reload to it is refused, instead of killing the daemon
    after it said it was ready."""
    from tests.helpers import recording

    missing = write(tmp_path, f"audio:\n  input_file: {tmp_path / 'doorbell.wav'}\n")
    with pytest.raises(ConfigError, match=r"audio\.input_file: .*doorbell\.wav: no such file$"):
        load_config(missing)
    (tmp_path / "notes.wav").write_text("not audio\n")
    monkeypatch.chdir(tmp_path)
    text = write(tmp_path, "audio:\n  input_file: notes.wav\n")
    with pytest.raises(
        ConfigError,
        match=rf"audio\.input_file: notes\.wav: not a readable WAV .*\(relative to {tmp_path}\)",
    ):
        load_config(text)
    good = write(tmp_path, f"audio:\n  input_file: {recording('silence')}\n")
    # By its header: its audio (up to an hour) is not read at every load (each SIGHUP).
    import soundfile

    monkeypatch.setattr(soundfile, "read", lambda *args, **kwargs: pytest.fail("audio read"))
    assert load_config(good).audio.input_file == recording("silence")


# Hostile files: each stops with a ConfigError (exit 78) that names the problem.


def test_cores_this_machine_lacks_are_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    with pytest.raises(ConfigError, match=r"llm\.cpus = \[99\]: names no core .*\[0, 1\]"):
        load_config(write(tmp_path, "llm: {cpus: [99]}\n"))
    # One core of the list is enough: the others are left out when pinning.
    assert load_config(write(tmp_path, "llm: {cpus: [1, 99]}\n")).llm.cpus == [1, 99]


def test_a_yaml_bomb_is_refused_before_it_grows(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append("llm: {system_prompt: *a8}")
    with pytest.raises(ConfigError, match="more than 100000 values with its aliases expanded"):
        load_config(write(tmp_path, "\n".join(lines) + "\n"))


def test_a_few_aliases_are_still_fine(tmp_path):
    text = "x: &names [lamp two, desk lamp]\n"
    with pytest.raises(ConfigError, match="unknown key 'x'"):
        load_config(write(tmp_path, text))
    text = "devices:\n  - {id: lamp, name: lamp, aliases: &more [desk lamp]}\n"
    assert load_config(write(tmp_path, text)).devices[0].aliases == ["desk lamp"]


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    with pytest.raises(ConfigError, match="nested deeper than 32 levels at line 1"):
        load_config(write(tmp_path, "a: " + "[" * 50_000 + "]" * 50_000 + "\n"))


def test_a_huge_file_is_refused_unread(tmp_path):
    path = write(tmp_path, "# " + "x" * 200_000 + "\n")
    with pytest.raises(ConfigError, match="larger than 128 KiB"):
        load_config(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("? [a, b]\n: 1\n", "key at line 1 is a list or a mapping"),
        ("{a: 1}: 2\n", "key at line 1 is a list or a mapping"),
        ("1: 2\n", "the key 1 at line 1 is not a name"),
        ("llm:\n  null: 2\n", "the key None at line 2 is not a name"),
    ],
)
def test_keys_must_be_names(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write(tmp_path, text))


def test_a_value_python_cannot_build_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(write(tmp_path, "llm: {seed: 2026-13-45}\n"))


def test_a_nul_character_in_a_value_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="models_dir contains a NUL"):
        load_config(write(tmp_path, 'models_dir: "a\\0b"\n'))


def test_max_tokens_must_leave_room_in_the_context():
    with pytest.raises(ConfigError, match=r"max_tokens \(4096\) must be less than context_tokens"):
        parse_config({"llm": {"max_tokens": 4096, "context_tokens": 2048}})


def device(**fields: object) -> dict[str, object]:
    return {"id": "lamp", "name": "lamp", **fields}


@pytest.mark.parametrize(
    "devices, message",
    [
        ([device(), device(name="desk lamp")], "two devices have the id 'lamp'"),
        (
            [device(), device(id="other", name="other", aliases=["Lamp"])],
            "'Lamp' names both 'lamp' and 'other'",
        ),
        ([device(name="desk lamp"), device(id="b", name="desk  lamp")], "double spaces"),
        ([device(name="   ")], "must not be blank"),
        (
            [device(name="ｋｉｔｃｈｅｎ")],
            "full-width or compatibility characters; write it as 'kitchen'",
        ),
        ([device(name="lamp\u200b")], "control or invisible characters"),
        ([device(name="!!!")], "a letter or a digit"),
        ([device(aliases=[""])], "must not be blank"),
        ([device(backend="mqtt", command_topic="home/#")], "wildcards"),
    ],
)
def test_devices_that_cannot_be_told_apart_or_said_are_refused(devices, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config({"devices": devices})


@pytest.mark.parametrize(
    "url, message",
    [
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("ftp://ha.local", "must start with http:// or https://"),
        ("http://me:s3cret-pw@ha.local:8123", "must not contain a user name or password"),
        ("http://s3cret-pw@ha.local:8123", "must not contain a user name or password"),
        ("http://ha.local:99999", "valid host and port"),
        ("http://", "must name a host"),
        ("http://ha.local/?s3cret-pw", "query"),
    ],
)
def test_home_assistant_url_must_be_plain_http(url, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        parse_config({"homeassistant": {"url": url}})
    assert "s3cret-pw" not in str(raised.value)


def test_mqtt_host_is_a_host_only():
    with pytest.raises(ConfigError, match="host name or IP address only") as raised:
        parse_config({"mqtt": {"host": "me:s3cret-pw@broker"}})
    assert "s3cret-pw" not in str(raised.value)


def test_a_long_bad_value_is_quoted_short(tmp_path):
    path = write(tmp_path, f"asr: {{threads: {'many' * 10_000}}}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert len(str(raised.value)) < 300


def test_the_command_line_exits_78_for_cores(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, "llm: {cpus: [4095]}\n")
    done = subprocess.run(
        [sys.executable, "-m", "voiced.cli", "--config", str(path), "intents"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EX_CONFIG
    assert "llm.cpus = [4095]: names no core" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_yaml_merge_key_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"merge keys \(<<\) are not supported \(line 3\)"):
        load_config(write(tmp_path, "base: &b {threshold: 0.5}\nwake:\n  <<: *b\n"))
