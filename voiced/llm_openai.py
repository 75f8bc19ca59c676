"""The language model on another machine: an OpenAI-compatible server streams the answer
(/v1/chat/completions, stream=true, server-sent events), and the local model answers the
turn instead when the server cannot be reached, fails, or is slower than
`first_token_timeout_seconds` to its first word. The switch is only logged.

One worker thread asks, one turn at a time, as the local engine does; a cancel (barge-in,
discarded speculation) shuts the connection down, which ends the read at once. Each
request has deadlines for connecting, the first word and the whole answer, each held
across all the reads it spans (a server dripping bytes does not stretch it); a line and
the whole stream are bounded in size; redirects are not followed (they would carry the token
elsewhere); the token is read at each request, from a file or the environment.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from voiced.deadline_socket import DeadlineSocket
from voiced.devices.secrets import check_secret, read_secret_file, redact
from voiced.engines import Llm
from voiced.errors import VoicedError
from voiced.generation import TOKENS_PER_MESSAGE, Conversation, Exchange, Generation, LlmError
from voiced.health import Health
from voiced.llm_config import OpenAiLlmConfig
from voiced.messages import Stop

log = logging.getLogger(__name__)

# One server-sent event line: a chunk of a few hundred bytes; a whole answer is small.
MAX_LINE_BYTES = 64 * 1024
MAX_STREAM_BYTES = 4 * 1024 * 1024
# The most one read of the stream takes: a few events (a read returns what has come).
READ_BYTES = 16 * 1024
# Letters a token holds, on average, in English: the history is kept within its budget
# by this estimate (the server's counts cover the whole prompt, not one exchange).
CHARS_PER_TOKEN = 4
# How much of an error body a log line quotes.
MAX_QUOTED_BYTES = 200
# After the server's finish reason, how long its usage and [DONE] may take to come.
AFTER_FINISH_SECONDS = 1.0


class ServerUnavailable(LlmError):
    """The server gave no first word (unreachable, an error, or too slow): the local model
    may answer instead."""


class OpenAiLlm:
    """Asks an OpenAI-compatible server; `ask` queues a request and returns its stream."""

    def __init__(
        self, config: OpenAiLlmConfig, fallback: Llm | None = None, health: Health | None = None
    ) -> None:
        self.config = config
        self.fallback = fallback
        self.health = health or Health()
        self.conversation = Conversation(config.system_prompt, config.history_token_budget)
        if fallback is not None:
            # One conversation, whoever answers a turn of it.
            fallback.conversation = self.conversation
        self.server = Server(config, "/chat/completions")
        self.model_path = Path(config.model)
        self.threads = getattr(fallback, "threads", 0)
        self._requests: queue.Queue[Generation | Stop] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="llm", daemon=True)
        self._thread.start()

    def wait_constructed(self) -> None:
        if self.fallback is not None:
            self.fallback.wait_constructed()

    def wait_ready(self, timeout_seconds: float | None = None) -> None:
        """The server is not asked before the first turn: it may come up later."""
        if self.fallback is not None:
            self.fallback.wait_ready(timeout_seconds)

    def ask(self, user: str, speculative: bool = False) -> Generation:
        generation = Generation(user, speculative=speculative)
        self._requests.put(generation)
        return generation

    def remember(self, generation: Generation, said: str | None = None) -> None:
        """As LlmWorker.remember."""
        self.conversation.remember(generation, said, estimate_tokens)

    def close(self) -> None:
        self._requests.put(Stop())
        self._thread.join(timeout=2)
        if self.fallback is not None:
            self.fallback.close()

    def _run(self) -> None:
        while True:
            generation = self._requests.get()
            if isinstance(generation, Stop):
                return
            try:
                # The server's connect and first-word limits come before a fallback's
                # whole turn: the stage's deadline holds all three.
                deadline = (
                    self.config.connect_timeout_seconds
                    + self.config.first_token_timeout_seconds
                    + self.config.turn_timeout_seconds
                )
                with self.health.busy("llm", deadline):
                    self._answer(generation)
            except BaseException as err:  # the turn fails, the worker lives on
                log.error("LLM generation failed: %s", err)
                generation.fail(err)
            finally:
                generation.end()

    def _answer(self, generation: Generation) -> None:
        if generation.cancelled.is_set():  # cut before it was asked
            generation.finish_reason = "cancelled"
            return
        try:
            reply = self._stream(generation)
        except ServerUnavailable as err:
            if generation.cancelled.is_set():
                generation.finish_reason = "cancelled"
                return
            if self.fallback is None:
                raise
            log.warning("the LLM server did not answer (%s): the local model answers", err)
            self._answer_locally(generation)
            return
        if generation.cancelled.is_set():
            generation.finish_reason = "cancelled"
        answer = "".join(reply).strip()
        tokens = estimate_tokens(generation.user) + estimate_tokens(answer)
        generation.exchange = Exchange(generation.user, answer, tokens)
        if not generation.speculative and not generation.cut:
            self.conversation.add(generation.exchange)

    def _answer_locally(self, generation: Generation) -> None:
        """The local model's answer, passed on piece by piece as if it were the server's."""
        if self.fallback is None:
            return
        local = self.fallback.ask(generation.user, generation.speculative)
        generation.on_cancel(local.cancel)
        for piece in local:
            if generation.first_token_at is None:
                generation.first_token_at = local.first_token_at or time.monotonic()
            generation.put(piece)
        for name in ("completion_tokens", "prompt_tokens", "prompt_tokens_evaluated"):
            setattr(generation, name, getattr(local, name))
        generation.finish_reason = local.finish_reason
        generation.exchange = local.exchange

    def _stream(self, generation: Generation) -> list[str]:
        """Ask the server and put the answer's pieces on the generation as they come."""
        started = time.monotonic()
        deadline = started + self.config.turn_timeout_seconds
        connection = self.server.connection()
        generation.on_cancel(lambda: _shut(connection))
        reply: list[str] = []
        try:
            sock = self._connect(connection)
            if generation.cancelled.is_set():  # while connecting: no socket to shut down yet
                raise ServerUnavailable("cancelled while connecting")
            # Every read and write from here on, the status line and headers too, is held
            # to the first word's deadline, then to the whole answer's.
            held = DeadlineSocket(sock, started + self.config.first_token_timeout_seconds)
            connection.sock = held
            response = self._request(connection, generation)
            calls = ToolCalls()
            received = 0
            done = False
            for line in sse_lines(response):
                if generation.cancelled.is_set():
                    break
                received += len(line)
                if len(line) > MAX_LINE_BYTES or received > MAX_STREAM_BYTES:
                    raise _failure(generation, "sent an event or a stream beyond the limit")
                event = parse_event(line)
                if event == "[DONE]":
                    done = True
                    break
                if not isinstance(event, dict):
                    continue
                if error := event.get("error"):
                    raise _failure(
                        generation, f"ended in an error: {self.server.quote(error_text(error))}"
                    )
                pieces = event_pieces(event, generation, calls)
                if generation.finish_reason is not None:
                    # Ended by the server: only its usage and [DONE] may follow, soon. One
                    # that keeps the connection open without them does not hold the turn.
                    held.deadline = min(held.deadline, time.monotonic() + AFTER_FINISH_SECONDS)
                if generation.first_token_at is None and (pieces or calls.begun):
                    # A tool call's first bit is the server answering too.
                    generation.first_token_at = time.monotonic()
                    held.deadline = deadline
                for piece in pieces:
                    reply.append(piece)
                    generation.put(piece)
            # A stream that just stops is a server gone away (a close-delimited stream, or
            # a chunked one cut at a chunk's end): its answer is not whole.
            if generation.finish_reason is None and not generation.cancelled.is_set():
                if not done:
                    raise _failure(generation, "stopped short, with no [DONE] nor finish reason")
                if generation.first_token_at is None:
                    raise _failure(generation, "ended with no answer")
            call = calls.text()
            if call:  # a server that parses tool calls itself: as the model wrote them
                reply.append(call)
                generation.put(call)
        except (OSError, http.client.HTTPException, ValueError) as err:
            if generation.cancelled.is_set():
                return reply
            if isinstance(err, TimeoutError):
                if generation.finish_reason is not None:  # whole, and no [DONE] after it
                    return reply
                return self._overdue(generation, reply)
            raise _failure(generation, f"broke off: {self.server.quote(err)}") from None
        finally:
            connection.close()
        return reply

    def _overdue(self, generation: Generation, reply: list[str]) -> list[str]:
        if generation.first_token_at is None:
            limit = self.config.first_token_timeout_seconds
            raise ServerUnavailable(f"no first word within {limit:g} s")
        log.warning("answer cut at the %.0f s limit", self.config.turn_timeout_seconds)
        generation.finish_reason = "timeout"
        return reply

    def _connect(self, connection: http.client.HTTPConnection) -> socket.socket:
        try:
            connection.connect()
        except OSError as err:
            raise ServerUnavailable(
                f"cannot connect to {self.server.where()}: {self.server.quote(err)}"
            ) from None
        return connection.sock

    def _request(
        self, connection: http.client.HTTPConnection, generation: Generation
    ) -> http.client.HTTPResponse:
        body = json.dumps(
            {
                "model": self.config.model,
                "messages": self.conversation.messages(generation.user),
                "max_tokens": self.config.max_tokens,
                "temperature": self.config.temperature,
                "top_p": self.config.top_p,
                "seed": self.config.seed,
                "stream": True,
            }
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        try:
            token = self.server.token()
        except VoicedError as err:  # an unreadable token: the server cannot be asked
            raise ServerUnavailable(str(err)) from None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request("POST", self.server.url.path, body=body, headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            content = response.read(MAX_QUOTED_BYTES).decode("utf-8", "replace")
            raise ServerUnavailable(
                f"{self.server.where()} answered {response.status}: {self.server.quote(content)}"
            )
        return response


@dataclass(frozen=True)
class ServerState:
    """What `voiced check` says of the server: whether it answers its model list now."""

    answers: bool
    note: str


def server_state(config: OpenAiLlmConfig) -> ServerState:
    """Ask the server for its model list. A token that cannot be read raises VoicedError:
    a fault of the configuration, which no waiting mends."""
    server = Server(config, "/models")
    token = server.token()
    connection = server.connection()
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", server.url.path, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as err:
        return ServerState(False, f"server {server.where()} unreachable now ({server.quote(err)})")
    finally:
        connection.close()
    if status != 200:
        return ServerState(False, f"server {server.where()} answered {status}")
    return ServerState(True, f"server {server.where()} answers")


class Server:
    """One endpoint of the server: its connection (no proxy, no redirects), its token."""

    def __init__(self, config: OpenAiLlmConfig, path: str) -> None:
        self.config = config
        self.url = urlsplit(config.url.rstrip("/") + path)

    def connection(self) -> http.client.HTTPConnection:
        host, port = self.url.hostname or "", self.url.port
        timeout = self.config.connect_timeout_seconds
        if self.url.scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def token(self) -> str | None:
        if self.config.token_file is not None:
            return read_secret_file(self.config.token_file, "LLM token_file", header_value=True)
        value = os.environ.get(self.config.token_env)
        if not value:
            return None
        return check_secret(value, f"the environment variable {self.config.token_env}", True)

    def where(self) -> str:
        return f"{self.url.scheme}://{self.url.netloc}"

    def quote(self, err: object) -> str:
        """`err` as said in a log or an error: without the token, wherever it is kept (a
        server may echo it back)."""
        tokens = [os.environ.get(self.config.token_env) or ""]
        with contextlib.suppress(Exception):  # an unreadable token file: none to hide
            tokens.append(self.token() or "")
        return redact(str(err), [token for token in tokens if token])[:MAX_QUOTED_BYTES]


class ToolCalls:
    """Tool calls a server streams as structured deltas, put back in the form the model
    writes them (<tool_call>{...}</tool_call>), for the same allow-list."""

    def __init__(self) -> None:
        self._name = ""
        self._arguments = ""

    def add(self, calls: Any) -> None:
        if not isinstance(calls, list) or not calls or not isinstance(calls[0], dict):
            return
        function = calls[0].get("function")
        if isinstance(function, dict):
            self._name += str(function.get("name") or "")
            self._arguments += str(function.get("arguments") or "")

    @property
    def begun(self) -> bool:
        return bool(self._name or self._arguments)

    def text(self) -> str:
        if not self._name:
            return ""
        try:
            arguments = json.loads(self._arguments or "{}")
        except json.JSONDecodeError:
            arguments = self._arguments  # refused by the gate, with its reason
        call = json.dumps({"name": self._name, "arguments": arguments})
        return f"<tool_call>{call}</tool_call>"


def event_pieces(event: dict[str, Any], generation: Generation, calls: ToolCalls) -> list[str]:
    """The text an event adds to the answer; its counts and finish reason noted."""
    usage = event.get("usage")
    if isinstance(usage, dict):
        generation.completion_tokens = token_count(usage.get("completion_tokens"))
        generation.prompt_tokens = generation.prompt_tokens_evaluated = token_count(
            usage.get("prompt_tokens")
        )
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return []
    choice = choices[0]
    if choice.get("finish_reason"):
        generation.finish_reason = "length" if choice["finish_reason"] == "length" else "stop"
    delta = choice.get("delta")
    if not isinstance(delta, dict):
        return []
    calls.add(delta.get("tool_calls"))
    content = delta.get("content")
    if not isinstance(content, str) or not content:
        return []
    if not isinstance(usage, dict):
        generation.completion_tokens += 1  # a chunk is a token on the servers tried
    return [content]


def error_text(error: object) -> str:
    """What an `error` event says: its message where it has one, else all of it."""
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return str(error)


def token_count(value: object) -> int:
    """A count the server reports; anything but a whole number of 0 or more reads as 0
    (a bool is an int to Python, not a count)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


def sse_lines(response: http.client.HTTPResponse) -> Iterator[bytes]:
    """The stream's lines as they arrive (each read takes what has come, up to
    READ_BYTES). A line longer than MAX_LINE_BYTES is given unfinished as soon as it is,
    for the caller to refuse."""
    pending = bytearray()
    while data := response.read1(READ_BYTES):
        pending += data
        start = 0
        while (end := pending.find(b"\n", start)) >= 0:
            yield bytes(pending[start : end + 1])
            start = end + 1
        del pending[:start]
        if len(pending) > MAX_LINE_BYTES:
            yield bytes(pending)
            return
    if pending:  # the last line, with no line break
        yield bytes(pending)


def parse_event(line: bytes) -> dict[str, Any] | str | None:
    """A `data:` line's JSON object (or "[DONE]"); None for anything else (comments,
    event names, blank lines between events, empty `data:` lines some proxies send)."""
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("data:"):
        return None
    data = text[len("data:") :].strip()
    if not data:
        return None
    if data == "[DONE]":
        return data
    event = json.loads(data)  # a ValueError ends the stream as broken
    return event if isinstance(event, dict) else None


def estimate_tokens(text: str) -> int:
    """About the tokens `text` takes, rather more than fewer: English at CHARS_PER_TOKEN,
    any other character a token for each byte of its UTF-8, as the byte-level tokenizers
    of models trained mostly on English split them (SmolLM2: Korean 2-3 tokens a
    syllable). Counted at CHARS_PER_TOKEN too, a Korean or Chinese history was put at a
    tenth of its size, and overran the server's context."""
    non_ascii = [char for char in text if char >= "\x80"]
    extra = sum(len(char.encode()) for char in non_ascii)
    return (len(text) - len(non_ascii)) // CHARS_PER_TOKEN + extra + TOKENS_PER_MESSAGE


def _failure(generation: Generation, why: str) -> LlmError:
    """Before the first word, the local model may answer instead; after it, the turn fails."""
    if generation.first_token_at is None:
        return ServerUnavailable(why)
    return LlmError(f"the LLM server's answer {why}")


def _shut(connection: http.client.HTTPConnection) -> None:
    """End a blocked read on another thread: the socket is shut down, not closed under it."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)
