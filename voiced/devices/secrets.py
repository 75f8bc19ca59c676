"""The back ends' secrets (Home Assistant's token, the MQTT password): read and checked
without ever being quoted, and scrubbed from any message that might carry them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from voiced.devices import BackendError
from voiced.files import UnreadableFileError, open_regular

# A token or a password is a line; a file much larger is not what was meant.
MAX_SECRET_BYTES = 4096
# user:password@ in a URL, and what follows "Bearer " in a header.
_URL_CREDENTIALS = re.compile(r"(?<=//)[^/@\s]*@")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
REDACTED = "[redacted]"
# Shorter pieces of a secret are not searched for: they would blank ordinary words.
MIN_REDACTED_CHARS = 4


def read_secret_file(path: Path, what: str, header_value: bool) -> str:
    """The secret in `path`: one line (a final newline is fine). `what` names it in errors
    ("Home Assistant token_file"); a header value must be printable ASCII without spaces."""
    try:
        # A regular file only: a FIFO or a device there would hang every call that reads it.
        with os.fdopen(open_regular(path), "rb") as file:
            content = file.read(MAX_SECRET_BYTES + 1)
    except UnreadableFileError:
        raise BackendError(f"the {what} {path} is not a regular file") from None
    except OSError as err:
        raise BackendError(f"cannot read the {what} {path}: {err.strerror or err}") from None
    where = f"the {what} {path}"
    if len(content) > MAX_SECRET_BYTES:
        raise BackendError(
            f"{where} is larger than {MAX_SECRET_BYTES} bytes: it should hold one line"
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise BackendError(f"{where} is not UTF-8 text") from None
    return check_secret(text, where, header_value)


def check_secret(text: str, where: str, header_value: bool) -> str:
    """`text` as a secret (its final line break removed), or BackendError naming `where`."""
    value = text.strip() if header_value else text.removesuffix("\n").removesuffix("\r")
    if not value:
        raise BackendError(f"{where} is empty")
    if "\n" in value or "\r" in value:
        raise BackendError(f"{where} has more than one line: it should hold the secret alone")
    if header_value and not all(0x21 <= ord(char) <= 0x7E for char in value):
        raise BackendError(
            f"{where} has a space, a control or a non-ASCII character: a token is one word "
            "of printable ASCII"
        )
    if not value.isprintable():
        raise BackendError(f"{where} has a control character")
    return value


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the given secrets, URL credentials or bearer tokens."""
    for secret in secrets:
        # As given, as a library may quote it (repr escapes a line break), line by line.
        forms = {secret, repr(secret)[1:-1], *secret.splitlines()}
        for form in sorted(forms, key=len, reverse=True):
            if len(form.strip()) >= MIN_REDACTED_CHARS:
                text = text.replace(form, REDACTED)
    text = _URL_CREDENTIALS.sub(f"{REDACTED}@", text)
    return _BEARER.sub(lambda match: match.group(1) + REDACTED, text)
