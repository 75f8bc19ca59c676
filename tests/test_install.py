"""scripts/install and scripts/uninstall into a temporary root (--root), run as subprocesses.

voiced is pip-installed with --no-deps (the libraries would take minutes) and the models come
from a tiny mirror of fake files, so a run takes seconds. Under --root the scripts neither
create the user nor run systemctl.

Most tests are about the configuration, the models, the unit and uninstall, not the venv,
yet the venv is most of an install's time: ensurepip, and pip's build of voiced in a fresh
isolated environment each time. Their `target` holds a copy of one venv made once per session with
`python3 -m venv` and given pyproject's build requirements: install says the venv exists,
and pip builds voiced in it (--no-build-isolation). test_install_twice_then_uninstall_twice
lets install make the venv and build voiced as on a user's machine (`empty_target`);
test_the_venv_gets_the_systemd_extra_or_install_says_why_not and test_unknown_argument_fails
need no venv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from voiced.config import Config, StateFileConfig, load_config

# Every test here loads the real models.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "scripts" / "install"
UNINSTALL = ROOT / "scripts" / "uninstall"
SHIPPED_CONFIG = ROOT / "config" / "voiced.yaml"
SHIPPED_UNIT = ROOT / "systemd" / "voiced.service"
# The shipped configuration as install writes it: with the service's paths.
INSTALLED_CONFIG = (
    SHIPPED_CONFIG.read_text(encoding="utf-8")
    .replace("\nmodels_dir: models\n", "\nmodels_dir: /var/lib/voiced/models\n", 1)
    .replace("\n  path: state.json\n", "\n  path: /var/lib/voiced/state.json\n", 1)
    .encode()
)

BUILD_REQUIRES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "build-system"
]["requires"]

MIRROR_FILES = {
    "llm/fake-model.gguf": b"not a real GGUF\n",
    "piper/fake-voice.onnx": b"not a real voice\n",
    "piper/fake-voice.onnx.json": b'{"audio": {"sample_rate": 22050}}\n',
}


def run(
    script: Path, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(script), *map(str, args)],
        cwd=ROOT,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    return result


def files(root: Path) -> set[str]:
    """Every file and symlink under `root`, relative, the venv's insides left out."""
    found = set()
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("opt/voiced/venv/"):
            continue
        if path.is_file() or path.is_symlink():
            found.add(relative)
    return found


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    for name, content in MIRROR_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


@pytest.fixture
def empty_target(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


@pytest.fixture(scope="session")
def venv_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv as install makes it (scripts/install runs `python3 -m venv`)."""
    venv = tmp_path_factory.mktemp("venv-template") / "venv"
    subprocess.run(["python3", "-m", "venv", venv], timeout=300, check=True)
    # What pyproject's build-system asks for, installed once: the installs into a copy then
    # build voiced in the venv (--no-build-isolation) instead of in a fresh one each time.
    subprocess.run(
        [venv / "bin/python", "-m", "pip", "install", "--quiet", *BUILD_REQUIRES],
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        timeout=300,
        check=True,
    )
    return venv


@pytest.fixture
def target(empty_target: Path, venv_template: Path) -> Path:
    """An empty root but for the venv, copied: install only pip-installs into it."""
    venv = empty_target / "opt/voiced/venv"
    venv.parent.mkdir(parents=True)
    # -a keeps the venv's symlinks to the interpreter.
    subprocess.run(["cp", "-a", venv_template, venv], timeout=60, check=True)
    return empty_target


def install(
    target: Path, mirror: Path, pip_args: str = "--no-deps --no-build-isolation"
) -> subprocess.CompletedProcess[str]:
    """Into a copy of the template venv by default; a venv install made itself has no
    setuptools new enough to build without isolation, so it is given --no-deps only."""
    return run(INSTALL, "--root", target, "--pip-args", pip_args, "--models-from", mirror)


def uninstall(target: Path) -> subprocess.CompletedProcess[str]:
    return run(UNINSTALL, "--root", target)


def check_installed(target: Path) -> None:
    venv = target / "opt/voiced/venv"
    assert (venv / "bin/python").is_file()
    assert os.access(venv / "bin/voiced", os.X_OK)
    # Written by pip at install time, for this venv (not the one it was copied from).
    assert (venv / "bin/voiced").read_text().splitlines()[0] == f"#!{venv}/bin/python"
    # The console script works: voiced is importable from the venv (no deps needed for this).
    version = subprocess.run(
        [venv / "bin/python", "-c", "import importlib.metadata as m; print(m.version('voiced'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert version.stdout.strip() == "0.1.0"
    assert (target / "etc/systemd/system/voiced.service").read_bytes() == SHIPPED_UNIT.read_bytes()
    models = target / "var/lib/voiced/models"
    for name, content in MIRROR_FILES.items():
        assert (models / name).read_bytes() == content, name
    assert files(target) == {
        "etc/voiced/voiced.yaml",
        "etc/systemd/system/voiced.service",
        "opt/voiced/voiced.yaml.orig",
        *(f"var/lib/voiced/models/{name}" for name in MIRROR_FILES),
    }


def test_install_twice_then_uninstall_twice(empty_target: Path, mirror: Path) -> None:
    target = empty_target
    build_dir_before = (ROOT / "build").exists()
    first = install(target, mirror, "--no-deps")
    assert "creating the virtual environment" in first.stdout
    check_installed(target)
    config = target / "etc/voiced/voiced.yaml"
    assert config.read_bytes() == INSTALLED_CONFIG
    # The service's paths, whatever directory `voiced check` is run from; else the defaults.
    assert load_config(config) == Config(
        models_dir=Path("/var/lib/voiced/models"),
        state_file=StateFileConfig(path=Path("/var/lib/voiced/state.json")),
    )
    assert "installing the configuration" in first.stdout
    assert "skipping the system user" in first.stdout
    assert "skipping systemctl" in first.stdout

    second = install(target, mirror, "--no-deps")
    check_installed(target)
    assert config.read_bytes() == INSTALLED_CONFIG
    assert f"virtual environment {target / 'opt/voiced/venv'} exists" in second.stdout
    assert "is this release's, unedited" in second.stdout
    assert "copied 0 file(s)" in second.stderr

    # pip builds from a copy: the install leaves no build/ in the source tree.
    assert (ROOT / "build").exists() == build_dir_before

    uninstall(target)
    assert files(target) == set()
    assert not (target / "opt/voiced").exists()
    assert not (target / "var/lib/voiced").exists()
    assert not (target / "etc/voiced").exists()
    again = uninstall(target)
    assert files(target) == set()
    assert "already gone" in again.stdout


def test_an_edited_configuration_survives_install_and_uninstall(target: Path, mirror: Path) -> None:
    # A model fetched earlier (e.g. with fetch-models --production) is kept by install.
    earlier = target / "var/lib/voiced/models/llm/production.gguf"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"fetched earlier\n")
    install(target, mirror)
    assert earlier.read_bytes() == b"fetched earlier\n"
    earlier.unlink()
    config = target / "etc/voiced/voiced.yaml"
    edited = INSTALLED_CONFIG.decode().replace("threshold: 0.5", "threshold: 0.6", 1)
    assert edited != INSTALLED_CONFIG.decode()
    config.write_text(edited)

    install(target, mirror)
    assert config.read_text() == edited
    check_installed(target)

    first = uninstall(target)
    assert "keeping the configuration" in first.stdout
    assert files(target) == {"etc/voiced/voiced.yaml"}
    assert config.read_text() == edited

    second = uninstall(target)
    assert "keeping the configuration" in second.stdout
    assert files(target) == {"etc/voiced/voiced.yaml"}
    assert config.read_text() == edited


def an_older_release(text: str) -> str:
    """The shipped configuration as an older release had it: another default."""
    older = text.replace("threshold: 0.5", "threshold: 0.45", 1)
    assert older != text
    return older


def test_an_unedited_configuration_is_replaced_by_the_new_release(
    target: Path, mirror: Path
) -> None:
    """Re-running install is the upgrade: a configuration nobody edited gets the new
    defaults, and the copy of what was shipped follows."""
    install(target, mirror)
    config = target / "etc/voiced/voiced.yaml"
    shipped = target / "opt/voiced/voiced.yaml.orig"
    older = an_older_release(config.read_text())
    config.write_text(older)
    shipped.write_text(older)

    upgrade = install(target, mirror)
    assert "replacing the unedited configuration" in upgrade.stdout
    assert config.read_bytes() == INSTALLED_CONFIG
    assert shipped.read_bytes() == INSTALLED_CONFIG
    check_installed(target)  # and no voiced.yaml.new

    again = install(target, mirror)
    assert "is this release's, unedited" in again.stdout
    check_installed(target)


def test_an_edited_configuration_is_kept_with_the_new_one_beside_it(
    target: Path, mirror: Path
) -> None:
    install(target, mirror)
    config = target / "etc/voiced/voiced.yaml"
    new = target / "etc/voiced/voiced.yaml.new"
    shipped = target / "opt/voiced/voiced.yaml.orig"
    older = an_older_release(config.read_text())
    edited = older.replace("refractory_seconds: 2.0", "refractory_seconds: 3.0", 1)
    assert edited != older
    config.write_text(edited)
    shipped.write_text(older)

    upgrade = install(target, mirror)
    assert config.read_text() == edited
    assert new.read_bytes() == INSTALLED_CONFIG
    assert shipped.read_bytes() == INSTALLED_CONFIG
    assert f"keeping the edited configuration {config}; this release's is {new}" in (upgrade.stdout)
    # Said again by the next install, as long as it is there.
    again = install(target, mirror)
    assert config.read_text() == edited and f"this release's is {new}" in again.stdout

    # The new one taken in whole: voiced.yaml.new is not needed any more.
    new.replace(config)
    taken = install(target, mirror)
    assert "is this release's, unedited" in taken.stdout
    check_installed(target)


def upgraded_over_an_edited_configuration(target: Path, mirror: Path) -> Path:
    """An install, then the next release's over a configuration the user edited: the new
    release's voiced.yaml.new, put beside it."""
    install(target, mirror)
    config = target / "etc/voiced/voiced.yaml"
    older = an_older_release(config.read_text())
    config.write_text(older + "# mine\n")
    (target / "opt/voiced/voiced.yaml.orig").write_text(older)
    install(target, mirror)
    new = target / "etc/voiced/voiced.yaml.new"
    assert new.is_file()
    return new


def test_uninstall_removes_the_new_release_configuration_beside_an_edited_one(
    target: Path, mirror: Path
) -> None:
    upgraded_over_an_edited_configuration(target, mirror)

    removed = uninstall(target)
    assert "keeping the configuration" in removed.stdout
    assert files(target) == {"etc/voiced/voiced.yaml"}


def test_uninstall_keeps_a_new_release_configuration_being_merged(
    target: Path, mirror: Path
) -> None:
    """Edited, voiced.yaml.new is a merge in progress: kept, as an edited configuration."""
    new = upgraded_over_an_edited_configuration(target, mirror)
    new.write_text(new.read_text() + "# merging\n")

    removed = uninstall(target)
    assert f"keeping {new}: it was edited" in removed.stdout
    assert files(target) == {"etc/voiced/voiced.yaml", "etc/voiced/voiced.yaml.new"}


def test_uninstall_removes_the_units_drop_ins_and_shows_them(target: Path, mirror: Path) -> None:
    """What `systemctl edit voiced` wrote (the LAN allowed, say) goes with the unit: a later
    install would otherwise inherit it unseen."""
    install(target, mirror)
    dropins = target / "etc/systemd/system/voiced.service.d"
    dropins.mkdir()
    (dropins / "override.conf").write_text("[Service]\nIPAddressAllow=192.168.1.0/24\n")

    removed = uninstall(target)
    assert f"the drop-in {dropins / 'override.conf'} held:" in removed.stdout
    assert "    IPAddressAllow=192.168.1.0/24" in removed.stdout
    assert f"removing the unit's drop-ins {dropins}" in removed.stdout
    assert not dropins.exists() and files(target) == set()


def test_the_venv_gets_the_systemd_extra_or_install_says_why_not(
    empty_target: Path, mirror: Path, tmp_path: Path
) -> None:
    """As scripts/setup does: the journal handler needs systemd-python, built from source.
    The venv's pip is stood in for, to see what it is asked; when the extra cannot be
    built, voiced is installed without it and install says what that costs."""
    target = empty_target
    python = target / "opt/voiced/venv/bin/python"
    python.parent.mkdir(parents=True)
    asked = tmp_path / "pip-asked"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2" = "-m pip" ]; then\n'
        f'    echo "$*" >> {asked}\n'
        '    case "$*" in *"[systemd]"*) [ -z "$FAIL_SYSTEMD" ] || exit 1 ;; esac\n'
        "    exit 0\n"
        "fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)

    install(target, mirror, "--no-deps")
    [with_extra] = asked.read_text().splitlines()
    assert with_extra.endswith("[systemd]")

    asked.unlink()
    failed = run(
        INSTALL, "--root", target, "--pip-args", "--no-deps", "--models-from", mirror,
        env={"FAIL_SYSTEMD": "1"},
    )  # fmt: skip
    assert "systemd-python did not build" in failed.stdout
    [tried, plain] = asked.read_text().splitlines()
    assert tried.endswith("[systemd]") and plain == tried.removesuffix("[systemd]")


def test_unknown_argument_fails(empty_target: Path) -> None:
    target = empty_target
    for script in (INSTALL, UNINSTALL):
        result = subprocess.run(
            ["bash", str(script), "--root", str(target), "--no-such-option"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode != 0
        assert "unknown argument: --no-such-option" in result.stderr
    assert files(target) == set()
