"""The events API Gateway's WebSocket APIs pass to their integrations."""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Both show up in requestContext and in the management API's URL.
STAGE = "local"
API_ID = "local"


@dataclass(frozen=True)
class ConnectionInfo:
    connection_id: str
    connected_at_ms: int
    domain_name: str
    source_ip: str
    user_agent: str


def new_connection_id() -> str:
    # API Gateway's ids look like "L0SM9cOFvHcCIhw=": 11 random bytes in base64.
    return base64.b64encode(os.urandom(11)).decode("ascii")


def now_ms() -> int:
    return int(time.time() * 1000)


def connect_event(
    info: ConnectionInfo, path: str, headers: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "requestContext": _request_context(info, "$connect", "CONNECT"),
        "isBase64Encoded": False,
        **_header_fields(headers),
    }
    query = parse_qsl(urlsplit(path).query, keep_blank_values=True)
    if query:
        # As on AWS: a repeated parameter keeps its last value in the single map.
        event["queryStringParameters"] = dict(query)
        event["multiValueQueryStringParameters"] = _multi(query)
    return event


def message_event(info: ConnectionInfo, message: str | bytes) -> dict[str, Any]:
    context = _request_context(info, "$default", "MESSAGE")
    context["messageId"] = str(uuid.uuid4())
    if isinstance(message, bytes):
        body, encoded = base64.b64encode(message).decode("ascii"), True
    else:
        body, encoded = message, False
    return {"requestContext": context, "body": body, "isBase64Encoded": encoded}


def disconnect_event(
    info: ConnectionInfo, code: int | None, reason: str | None
) -> dict[str, Any]:
    context = _request_context(info, "$disconnect", "DISCONNECT")
    # 1006 is what a socket that went away without a close frame reports.
    context["disconnectStatusCode"] = 1006 if code is None else code
    context["disconnectReason"] = reason or ""
    return {
        "requestContext": context,
        "isBase64Encoded": False,
        **_header_fields([("Host", info.domain_name)]),
    }


def _request_context(
    info: ConnectionInfo, route_key: str, event_type: str
) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "messageDirection": "IN",
        "connectionId": info.connection_id,
        "connectedAt": info.connected_at_ms,
        "domainName": info.domain_name,
        "stage": STAGE,
        "apiId": API_ID,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent},
    }


def _header_fields(headers: Iterable[tuple[str, str]]) -> dict[str, Any]:
    pairs = list(headers)
    return {"headers": dict(pairs), "multiValueHeaders": _multi(pairs)}


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped
