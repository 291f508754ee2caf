"""Request validation: strict bodies (no unknown or read-only fields), typed values,
bounded strings, valid ids. Every failure names its field."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import ValidationFailed

ITEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
OPAQUE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
EVENT_ID = re.compile(r"[0-9]{1,20}")
MAX_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class Text:
    """A string field of `min_len`..`max_len` characters (after stripping nothing:
    names are stored as given)."""

    min_len: int = 1
    max_len: int = 64
    pattern: re.Pattern[str] | None = None

    def check(self, field: str, value: Any) -> str:
        if value is None:
            raise ValidationFailed(field, "is required")
        if not isinstance(value, str):
            raise ValidationFailed(field, "must be a string")
        if not self.min_len <= len(value) <= self.max_len:
            raise ValidationFailed(
                field, f"must be {self.min_len} to {self.max_len} characters"
            )
        if self.min_len > 0 and value.isspace():
            raise ValidationFailed(field, "must not be blank")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise ValidationFailed(field, "has characters that are not allowed")
        if any(_unprintable(ch) for ch in value):
            raise ValidationFailed(
                field, "must not contain control, direction-override or surrogate "
                "characters")
        return value


# Characters that change how the text around them is shown (right-to-left
# overrides and isolates), which one user could use to make a name read as another.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unprintable(ch: str) -> bool:
    """Controls (C0, DEL, C1) other than tab and newline, lone surrogates (which
    cannot even be stored as UTF-8), and direction overrides."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in "\t\n"
    return category == "Cs" or ch in _BIDI_CONTROLS


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def check(self, field: str, value: Any) -> str:
        choices = ", ".join(self.options)
        if value is None:
            raise ValidationFailed(field, f"is required: one of {choices}")
        if value not in self.options:
            raise ValidationFailed(field, f"must be one of {choices}")
        return str(value)


WORKSTATION_ID = Text(1, 64, OPAQUE_ID)
SESSION_ID = Text(1, 64, OPAQUE_ID)


def parse_json_object(raw: bytes | None, allow_empty: bool = False) -> dict[str, Any]:
    if not raw:
        if allow_empty:
            return {}
        raise ValidationFailed("body", "a JSON object is required")
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed("body", f"must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("body", "is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ValidationFailed("body", "must be a JSON object")
    return body


def fields(body: Mapping[str, Any], required: Mapping[str, Any],
           optional: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check `body` against field specs; unknown fields (including the read-only
    ones of a response, like `fence` or `holder`) are refused, not ignored."""
    optional = optional or {}
    for name in body:
        if name not in required and name not in optional:
            raise ValidationFailed(name, "is not a field of this request")
    values: dict[str, Any] = {}
    for name, spec in required.items():
        if name not in body:
            raise ValidationFailed(name, "is required")
        values[name] = spec.check(name, body[name])
    for name, spec in optional.items():
        if name in body and body[name] is not None:
            values[name] = spec.check(name, body[name])
    return values


def item_id(value: str) -> str:
    if not ITEM_ID.fullmatch(value or ""):
        raise ValidationFailed(
            "item_id",
            "must be 1-128 characters: a letter or digit, then letters, digits, . _ - :",
        )
    return value


def opaque_id(field: str, value: Any) -> str:
    if not isinstance(value, str) or not OPAQUE_ID.fullmatch(value):
        raise ValidationFailed(field, "is not a valid id")
    return value


def event_id(field: str, value: Any) -> str:
    if not isinstance(value, str) or not EVENT_ID.fullmatch(value):
        raise ValidationFailed(field, "must be an event id (digits)")
    return value


def bounded_int(field: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValidationFailed(field, f"must be a whole number from {low} to {high}")
    value = int(raw)
    return value


def one_of(body: Mapping[str, Any], query: Mapping[str, str], name: str,
           spec: Text) -> str | None:
    """A value that may come in the body or the query string, checked; both at once
    must agree, so a request never means two things."""
    values = {spec.check(name, where[name]) for where in (body, query) if name in where}
    if len(values) > 1:
        raise ValidationFailed(name, "differs between the body and the query string")
    return values.pop() if values else None


def no_body(raw: bytes | None) -> None:
    """A route that takes no body still refuses one that is not empty or `{}`."""
    fields(parse_json_object(raw, allow_empty=True), {})


# One strong entity tag, "opaque" (RFC 9110 section 8.8.3); a list has inner quotes.
_ENTITY_TAG = re.compile(r'"([\x21\x23-\x7e]*)"')


def entity_tag(header: str | None) -> str | None:
    """The tag of an `If-Match` header, or None when it is absent or `*` (any
    current session). A weak tag or a list of tags is refused: the request has to
    name one session exactly."""
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.fullmatch(header.strip())
    if match is None:
        raise ValidationFailed("If-Match", 'must be one strong entity tag ("...") '
                               "as given in the ETag of GET, or *")
    return match.group(1)


def only_query(query: Mapping[str, str] | None, allowed: set[str]) -> dict[str, str]:
    query = dict(query or {})
    for name in query:
        if name not in allowed:
            raise ValidationFailed(name, "is not a parameter of this request")
    return query
