"""The `voiced` command: run, reload, replay, ask, say, check."""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import math
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

from voiced import __version__
from voiced.config import EX_CONFIG, Config, ConfigError, load_config
from voiced.echo import simulate_db
from voiced.errors import VoicedError
from voiced.memory import limit_heap_growth
from voiced.native_threads import end_process, still_running
from voiced.reload_answer import REJECTED, answer_path
from voiced.reload_command import ANSWER_TIMEOUT_SECONDS, ReloadFailed, request_reload
from voiced.wavio import WavError

log = logging.getLogger("voiced")

EX_OK = 0
EX_USAGE = 2
EX_FAILURE = 1
# 128 + SIGINT, as a shell reports a command that Ctrl-C ended: a script must not read an
# interrupted check, ask or replay as done. (`voiced run` stops on SIGINT by itself, with 0.)
EX_INTERRUPTED = 130
DEFAULT_CONFIG_PATHS = (Path("/etc/voiced/voiced.yaml"),)


class UsageError(Exception):
    """An argument that cannot be used; said in one line, before any work (exit code 2)."""


def run(argv: list[str] | None = None) -> NoReturn:
    """The `voiced` command: main, then the process's end. A model's worker left in a
    native call (LlmWorker.close) ends it without the teardown that would crash it
    (voiced/native_threads.py); tests call main, which returns."""
    try:
        code = main(argv)
    except Exception:
        if not still_running():
            raise
        # As the interpreter would say it, without its teardown (end_process).
        traceback.print_exc()
        code = EX_FAILURE
    sys.exit(end_process(code))


def main(argv: list[str] | None = None) -> int:
    # A crash inside a native library (a segfault in llama.cpp, say) kills the process
    # before any Python handler runs; this prints every thread's Python stack to stderr
    # first (the journal, under systemd), so the log names the stage that was running.
    faulthandler.enable()
    limit_heap_growth()
    args = _parser().parse_args(argv)
    if args.command == "reload":
        # The daemon's reading of the file is what counts, not this process's.
        return _reload(args)
    try:
        config = load_config(_config_path(getattr(args, "config", None)))
    except ConfigError as err:
        print(f"voiced: configuration error: {err}", file=sys.stderr)
        return EX_CONFIG
    _setup_logging(config, getattr(args, "verbose", False))
    try:
        result: int = args.handler(args, config)
        return result
    except (WavError, UsageError) as err:
        print(f"voiced: {err}", file=sys.stderr)
        return EX_USAGE
    except VoicedError as err:
        print(f"voiced: {err}", file=sys.stderr)
        return EX_FAILURE
    except KeyboardInterrupt:
        return EX_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    # Accepted before or after the command: `voiced --config F replay ...` or
    # `voiced replay ... --config F`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="configuration file (YAML)"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug messages"
    )
    parser = argparse.ArgumentParser(
        prog="voiced", description="Offline voice assistant.", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"voiced {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, parents=[common])

    run = command("run", "listen on the microphone and answer (the daemon)")
    run.set_defaults(handler=_run)

    replay = command("replay", "send recordings through the same pipeline")
    replay.add_argument("inputs", type=Path, nargs="+", metavar="IN.wav")
    replay.add_argument("--out", type=Path, help="write the spoken replies to this WAV file")
    replay.add_argument("--report", default=None, help="write the JSON report here (- for stdout)")
    replay.add_argument(
        "--realtime", action="store_true", help="feed at the pace of a real microphone"
    )
    replay.add_argument(
        "--echo",
        type=simulate_db,
        metavar="LEVEL_DB",
        help="simulate a loudspeaker: the replies come back into the input, the person's"
        " speech LEVEL_DB above them (implies --realtime)",
    )
    replay.set_defaults(handler=_replay)

    ask = command("ask", "answer a typed request as if it were spoken")
    ask.add_argument("texts", nargs="+", metavar="TEXT", help="one turn each, in one conversation")
    ask.add_argument("--out", type=Path, help="write the replies to this WAV file")
    ask.add_argument("--report", default=None, help="write the JSON report here (- for stdout)")
    ask.set_defaults(handler=_ask)

    say = command("say", "speak a text")
    say.add_argument("text")
    say.add_argument("--out", type=Path, help="write to this WAV file instead of the speaker")
    say.set_defaults(handler=_say)

    reload = commands.add_parser(
        "reload",
        help="have the daemon read its configuration again, and wait for what came of it"
        " (the service's ExecReload=)",
    )
    reload.add_argument("--pid", type=_pid, required=True, help="the daemon's process ID")
    reload.add_argument(
        "--timeout-seconds",
        type=_seconds,
        default=ANSWER_TIMEOUT_SECONDS,
        help="how long the daemon may be silent (default %(default)g)",
    )

    check = command("check", "check the configuration, models and devices")
    check.set_defaults(handler=_check)

    intents = command("intents", "list the intent plugins, their intents and sentences")
    intents.set_defaults(handler=_intents)
    return parser


def _pid(text: str) -> int:
    try:
        pid = int(text)
    except ValueError:
        pid = 0
    if pid <= 0:
        raise argparse.ArgumentTypeError(f"not a process ID: {text!r}")
    return pid


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds < math.inf):
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text!r}")
    return seconds


def _config_path(given: Path | None) -> Path | None:
    if given is not None:
        return given
    if os.environ.get("VOICED_CONFIG"):
        return Path(os.environ["VOICED_CONFIG"])
    return next((path for path in DEFAULT_CONFIG_PATHS if path.is_file()), None)


def _setup_logging(config: Config, verbose: bool) -> None:
    level = logging.DEBUG if verbose else config.logging.level_number
    handler = _journal_handler() if os.environ.get("JOURNAL_STREAM") else None
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def _journal_handler() -> logging.Handler | None:
    """Under systemd, log to the journal natively: structured fields (TURN_ID, STAGE,
    LATENCY_S) stay searchable with journalctl."""
    try:
        from systemd.journal import JournalHandler
    except ImportError:
        return None
    handler: logging.Handler = JournalHandler(SYSLOG_IDENTIFIER="voiced")
    return handler


def _replay(args: argparse.Namespace, config: Config) -> int:
    from voiced.devices.imported import with_imported_devices
    from voiced.models import load_models
    from voiced.replay import replay
    from voiced.sources import WavFileSource

    # Read first: a bad file or report path is reported before any model loads.
    _check_report_path(args.report)
    if args.echo is not None:
        echo = config.echo.model_copy(update={"simulate_db": args.echo})
        config = config.model_copy(update={"echo": echo})
    source = WavFileSource(list(args.inputs), realtime=args.realtime or args.echo is not None)
    config = with_imported_devices(config)
    models = load_models(config)
    try:
        report = replay(config, models, source, args.out)
    finally:
        models.close()
    _write_report(report, args.report)
    return EX_OK


def _ask(args: argparse.Namespace, config: Config) -> int:
    from voiced.devices.imported import with_imported_devices
    from voiced.models import load_models
    from voiced.replay import ask
    from voiced.sinks import SpeakerSink, WavSink
    from voiced.tts import AudioSink

    _check_report_path(args.report)
    config = with_imported_devices(config)
    sink: AudioSink = WavSink(args.out) if args.out else SpeakerSink(config.audio.output_device)
    models = load_models(config)
    try:
        report = ask(config, models, list(args.texts), sink)
    finally:
        models.close()
    _write_report(report, args.report)
    return EX_OK


def _check_report_path(destination: str | None) -> None:
    """The report's file must be writable where it is asked for, before the work is done
    (which loads every model) and lost."""
    if destination in (None, "-"):
        return
    path = Path(destination)
    if path.is_dir():
        raise UsageError(f"--report {destination}: is a directory")
    if not path.parent.is_dir():
        raise UsageError(f"--report {destination}: there is no directory {path.parent}")
    if not os.access(path.parent, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise UsageError(f"--report {destination}: not writable here")


def _write_report(report: dict[str, Any], destination: str | None) -> None:
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if destination == "-":
        print(text)
    elif destination:
        try:
            Path(destination).write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            raise VoicedError(f"--report {destination}: {err.strerror or err}") from err
    else:
        for turn in report["turns"]:
            print(f"{turn['transcript']!r} -> {turn['response']!r}")


def _run(args: argparse.Namespace, config: Config) -> int:
    from voiced.daemon import run_daemon

    # Test-only: make the named stage hang, to prove the watchdog notices.
    hang_stage = os.environ.get("VOICED_TEST_HANG_STAGE") or None
    verbose = getattr(args, "verbose", False)
    run_daemon(config, _config_path(getattr(args, "config", None)), hang_stage, verbose)
    return EX_OK


def _reload(args: argparse.Namespace) -> int:
    path = answer_path()
    if path is None:
        print(
            "voiced: reload: RUNTIME_DIRECTORY is not set, so there is no answer to wait for:"
            " this is the service's ExecReload= (systemctl reload voiced); kill -HUP asks"
            " any voiced run for a reload without waiting",
            file=sys.stderr,
        )
        return EX_FAILURE
    try:
        answer = request_reload(args.pid, path, args.timeout_seconds)
    except ReloadFailed as err:
        print(f"voiced: reload: {err}", file=sys.stderr)
        return EX_FAILURE
    except KeyboardInterrupt:
        print("voiced: reload: interrupted before the daemon answered", file=sys.stderr)
        return EX_FAILURE
    if answer.outcome == REJECTED:
        print(f"voiced: {answer.message}", file=sys.stderr)
        return EX_FAILURE
    print(answer.message)
    return EX_OK


def _say(args: argparse.Namespace, config: Config) -> int:
    from voiced.sinks import SpeakerSink, WavSink
    from voiced.tts import AudioSink
    from voiced.turn.loop import start_speaker
    from voiced.volume import Volume

    sink: AudioSink = WavSink(args.out) if args.out else SpeakerSink(config.audio.output_device)
    # At the volume the daemon speaks at, as last set by voice.
    volume = Volume(config.state_file.volume_file)
    speaker = start_speaker(config.tts.load(config.models_dir), sink, volume=volume)
    try:
        reply = speaker.speak(args.text)
    finally:
        speaker.close()
    if reply.error is not None:
        raise VoicedError(f"speaking failed: {reply.error}")
    return EX_OK


def _intents(args: argparse.Namespace, config: Config) -> int:
    from voiced.intents.registry import load_registry

    registry = load_registry()
    for plugin in registry.plugins:
        print(f"plugin {plugin.name}: {plugin.description}")
        for intent, templates in plugin.templates().items():
            print(f"  {intent}")
            for template in templates:
                print(f"    {template}")
    for name, reason in registry.failures.items():
        print(f"plugin {name}: NOT LOADED: {reason}")
    print("devices: " + ", ".join(f"{d.name} ({d.kind}, {d.backend})" for d in config.devices))
    return EX_OK


def _check(args: argparse.Namespace, config: Config) -> int:
    from voiced.check import run_checks

    return run_checks(config, _config_path(getattr(args, "config", None)))


if __name__ == "__main__":
    run()
