"""systemd/voiced.service: systemd's own checks (security score, verify) and the known traps.

`systemd-analyze` works offline on a unit file: no running systemd is needed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "systemd" / "voiced.service"
VOICED = "/opt/voiced/venv/bin/voiced"
EXEC_START = f"ExecStart={VOICED} run --config /etc/voiced/voiced.yaml"
EXEC_RELOAD = f"ExecReload={VOICED} reload --pid $MAINPID"
MAX_EXPOSURE = 2.0

ANALYZE = shutil.which("systemd-analyze") or (
    "/usr/bin/systemd-analyze" if Path("/usr/bin/systemd-analyze").exists() else None
)
needs_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze is not installed (scripts/setup installs systemd)"
)


def analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def settings(text: str) -> list[tuple[str, str]]:
    """(key, value) of every assignment, in order; comments and section headers skipped."""
    pairs = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;[":
            continue
        key, _, value = stripped.partition("=")
        pairs.append((key.strip(), value.strip()))
    return pairs


def values(key: str) -> list[str]:
    return [value for k, value in settings(UNIT.read_text()) if k == key]


def verify(unit_text: str, tmp_path: Path) -> str:
    """`systemd-analyze verify` on a copy of the unit whose ExecStart= and ExecReload= run
    /bin/true.

    verify checks that their programs exist and are executable, and the venv exists only on
    an installed machine; everything else is verified as shipped. It prints its findings
    (unknown keys, bad values, missing programs) and often still exits 0, so what it prints
    is the result. The copy keeps the name voiced.service: verify derives the unit's type
    and name from the file name.
    """
    assert EXEC_START in unit_text
    copy = tmp_path / "voiced.service"
    runs_true = unit_text.replace(EXEC_START, "ExecStart=/bin/true")
    copy.write_text(runs_true.replace(f"ExecReload={VOICED} ", "ExecReload=/bin/true "))
    result = analyze("verify", copy)
    return (result.stdout + result.stderr).strip()


@needs_analyze
def test_security_exposure_is_low() -> None:
    result = analyze("security", "--offline=true", UNIT)
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for voiced\.service: (\d+(?:\.\d+)?)", output)
    assert match, output
    exposure = float(match.group(1))
    assert exposure <= MAX_EXPOSURE, output


@needs_analyze
def test_verify_prints_nothing_for_the_shipped_unit(tmp_path: Path) -> None:
    assert verify(UNIT.read_text(), tmp_path) == ""


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("ProtectHome=yes", "ProtectHomes=yes"), "Unknown key"),
        (("ProtectSystem=strict", "ProtectSystem=strict # read-only"), "Failed to parse"),
        (("RestartSec=5", "RestartSec=5 # pause"), "Failed to parse"),
        ((f"ExecReload={VOICED}", "ExecReload=/no/such/voiced"), "/no/such/voiced"),
    ],
    ids=["misspelled-key", "trailing-comment", "trailing-comment-on-a-time", "missing-program"],
)
@needs_analyze
def test_verify_complains_about_a_broken_unit(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    old, new = change
    # Only the setting's own line changes, not a comment that mentions it.
    broken, count = re.subn(f"^{re.escape(old)}", new, UNIT.read_text(), count=1, flags=re.M)
    assert count == 1, old
    assert complaint in verify(broken, tmp_path)


def test_service_contract() -> None:
    """The settings the daemon and the install scripts rely on."""
    expected = {
        "Type": "notify",
        "NotifyAccess": "main",
        "WatchdogSec": "30",
        "TimeoutStartSec": "120",
        "Restart": "on-failure",
        "RestartSec": "5",
        "RestartPreventExitStatus": "78",
        "ExecStart": EXEC_START.partition("=")[2],
        "ExecReload": EXEC_RELOAD.partition("=")[2],
        "User": "voiced",
        "Group": "voiced",
        "SupplementaryGroups": "audio",
        "WorkingDirectory": "/var/lib/voiced",
        "StateDirectory": "voiced",
        "CacheDirectory": "voiced",
        "RuntimeDirectory": "voiced",
        "ConfigurationDirectory": "voiced",
        "UMask": "0077",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateUsers": "yes",
        "NoNewPrivileges": "yes",
        "DevicePolicy": "closed",
        "DeviceAllow": "char-alsa rw",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
        "CapabilityBoundingSet": "",
        "AmbientCapabilities": "",
        "SystemCallArchitectures": "native",
        "IPAddressDeny": "any",
        "IPAddressAllow": "localhost",
    }
    for key, value in expected.items():
        assert values(key) == [value], key
    assert "PYTHONUNBUFFERED=1" in values("Environment")
    assert "@system-service" in values("SystemCallFilter")


def test_execreload_is_a_command_voiced_knows() -> None:
    """`voiced reload --pid $MAINPID`, as systemd runs it ($MAINPID set)."""
    from voiced.cli import _parser

    [command] = values("ExecReload")
    program, *args = shlex.split(command.replace("$MAINPID", "4242"))
    assert program == VOICED
    parsed = _parser().parse_args(args)
    assert (parsed.command, parsed.pid) == ("reload", 4242)


def test_a_reload_that_hangs_ends_with_voiced_saying_so() -> None:
    """systemd bounds ExecReload= by TimeoutStartSec= (service_enter_reload in v252's
    src/core/service.c), which each load step pushes to 60 s away (EXTEND_TIMEOUT_USEC=):
    `voiced reload` must give up before either, or systemd kills it before it can say why."""
    from voiced.daemon import LOAD_STEP_TIMEOUT_SECONDS
    from voiced.reload_command import ANSWER_TIMEOUT_SECONDS

    [timeout_start] = values("TimeoutStartSec")
    systemd_waits_seconds = min(float(timeout_start), LOAD_STEP_TIMEOUT_SECONDS)
    # The margin: Python's start, the polling.
    assert systemd_waits_seconds - ANSWER_TIMEOUT_SECONDS >= 5


def test_a_crash_loop_ends_at_the_start_limit() -> None:
    """A daemon that crashes at every start is restarted a few times, then left failed:
    the limit sits in [Unit], where systemd reads it (in [Service] it is ignored)."""
    text = UNIT.read_text()
    unit_section = text[text.index("[Unit]") : text.index("[Service]")]
    limits = dict(settings(unit_section))
    assert int(limits["StartLimitBurst"]) >= 3
    # Long enough to hold that many starts on a slow Pi: loading (~60 s) plus RestartSec.
    assert int(limits["StartLimitIntervalSec"]) >= int(limits["StartLimitBurst"]) * 65


def test_no_memory_deny_write_execute() -> None:
    """sounddevice's audio callback is a cffi callback: it needs writable+executable memory."""
    assert values("MemoryDenyWriteExecute") in ([], ["no"], ["false"])


def test_resources_system_calls_stay_allowed() -> None:
    """voiced calls sched_setaffinity() and setpriority(), both in @resources."""
    filters = values("SystemCallFilter")
    for value in filters:
        if value.startswith("~"):
            assert "@resources" not in value.split(), value
            assert "sched_setaffinity" not in value and "setpriority" not in value, value
        else:
            # An allow list must take @resources in, directly or through @system-service.
            assert "@system-service" in value.split() or "@resources" in value.split(), value


def test_no_cpu_affinity_in_the_unit() -> None:
    """The LLM thread is pinned from voiced.yaml (llm.cpus); CPUAffinity= would pin everything."""
    assert values("CPUAffinity") == []
    assert values("NUMAPolicy") == []


def test_comments_are_on_lines_of_their_own() -> None:
    """systemd takes `Key=value # text` as the value `value # text`: never write that."""
    for number, line in enumerate(UNIT.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("#", ";")) or not stripped:
            continue
        assert "#" not in stripped, f"line {number}: {line}"


def test_no_home_specifier() -> None:
    """%h in a system unit is root's home, not the voiced user's."""
    for key, value in settings(UNIT.read_text()):
        assert "%h" not in value, key


def test_lan_back_ends_are_explained() -> None:
    """IPAddressAllow=localhost blocks a LAN broker: the unit must say how to widen it."""
    text = UNIT.read_text()
    assert "IPAddressAllow=" in text
    comment = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "LAN" in comment and "IPAddressAllow=" in comment
