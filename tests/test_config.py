import re
from pathlib import Path

import pytest

from voiced.config import Config, ConfigError, load_config

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


def test_values_in_the_file_override_the_defaults(tmp_path):
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
