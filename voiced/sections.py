"""What every configuration section shares: frozen, closed to unknown keys, and the
checked kinds of value (spoken names, MQTT topics, host names, server URLs)."""

from __future__ import annotations

import unicodedata
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _spoken_name(value: str) -> str:
    """A name people say: visible, not blank, in plain (NFKC) characters."""
    if not value.strip():
        raise ValueError("must not be blank")
    if value != value.strip() or "  " in value:
        raise ValueError("must have no leading, trailing or double spaces")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise ValueError("must not contain control or invisible characters")
    plain = unicodedata.normalize("NFKC", value)
    if plain != value:
        raise ValueError(f"contains full-width or compatibility characters; write it as {plain!r}")
    if not any(char.isalnum() for char in value):
        raise ValueError("must contain a letter or a digit")
    return value


SpokenName = Annotated[str, Field(max_length=100), AfterValidator(_spoken_name)]


def _mqtt_topic(value: str) -> str:
    """A topic published or subscribed to exactly: no wildcards, no NUL, not empty."""
    if not value or "\x00" in value:
        raise ValueError("must be a non-empty topic without NUL characters")
    if "+" in value or "#" in value:
        raise ValueError("must be an exact topic: the wildcards + and # are not allowed here")
    if len(value.encode("utf-8")) > 1024:
        raise ValueError("must be at most 1024 bytes")
    return value


MqttTopic = Annotated[str, AfterValidator(_mqtt_topic)]


def hostname(value: str) -> str:
    """A host name or address only: a URL or user:password@ here would be a mistake."""
    if not value or any(char in value for char in "/@?#\\ ") or not value.isprintable():
        raise ValueError("must be a host name or IP address only (no scheme, user or path)")
    return value


def http_url(value: str) -> str:
    """An http(s) URL of a server, without credentials (the token is sent in a header)."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # a port that is not a number from 0 to 65535 raises here
    except ValueError:
        raise ValueError("must be an http:// or https:// URL with a valid host and port") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password: use token_file")
    if not parts.hostname or not value.isprintable() or " " in value:
        raise ValueError("must name a host, with no spaces or control characters")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?) or a fragment (#)")
    return value


HostName = Annotated[str, AfterValidator(hostname)]
HttpUrl = Annotated[str, AfterValidator(http_url)]
