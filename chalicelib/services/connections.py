"""WebSocket connections of workstations: connect, messages, disconnect."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from chalicelib import clock
from chalicelib.bootstrap import verifier
from chalicelib.delivery.push import ConnectionGone, PushFailed, push
from chalicelib.errors import ServiceError, ValidationFailed
from chalicelib.services import delivery
from chalicelib.storage import events
from chalicelib.storage.effects import REPLAY, outbox_record
from chalicelib.validation import event_id, opaque_id

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096


def connect(connection_id: str, query: Mapping[str, str] | None) -> None:
    """Check the token and that the workstation is the token user's, then register.

    A replay cannot be sent from $connect (API Gateway opens the socket only after
    this returns), so a requested replay is committed as an outbox entry that the
    stream consumer carries out a moment later.
    """
    query = query or {}
    principal = verifier().verify(query.get("token", ""))
    workstation_id = opaque_id("workstation_id", query.get("workstation_id"))
    after = query.get("after")
    if after is not None:
        event_id("after", after)

    now = clock.now()
    events.add_connection(connection_id, workstation_id, principal.user, now,
                          replaying=after is not None)
    if after is not None:
        payload = {"workstation_id": workstation_id, "connection_id": connection_id,
                   "after": after}
        outbox_record(REPLAY, payload, now).save()


def disconnect(connection_id: str) -> None:
    record = events.connection(connection_id)
    if record is not None:
        events.remove_connection(record.workstation_id, connection_id)


def message(connection_id: str, body: str) -> None:
    """`ping` gets `pong`; `resume` replays stored events after the given id."""
    record = events.connection(connection_id)
    if record is None:
        return
    try:
        action, after = _parse(body)
    except ServiceError as error:
        _reply(record.workstation_id, connection_id,
               {"type": "error", "error": {"code": error.code, "message": error.message}})
        return

    if action == "ping":
        _reply(record.workstation_id, connection_id, {"type": "pong"})
    else:
        delivery.replay(record.workstation_id, connection_id, after)


def _parse(body: str) -> tuple[str, str]:
    if len(body.encode("utf-8")) > MAX_FRAME_BYTES:
        raise ValidationFailed("frame", f"must be at most {MAX_FRAME_BYTES} bytes")
    try:
        frame: Any = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("frame", "is not valid JSON") from exc
    if not isinstance(frame, dict):
        raise ValidationFailed("frame", "must be a JSON object")
    action = frame.get("action")
    if action == "ping":
        return "ping", ""
    if action == "resume":
        return "resume", event_id("after", frame.get("after"))
    raise ValidationFailed("action", "must be ping or resume")


def _reply(workstation_id: str, connection_id: str, frame: dict[str, Any]) -> None:
    try:
        push(connection_id, frame)
    except ConnectionGone:
        events.remove_connection(workstation_id, connection_id)
    except PushFailed as exc:
        log.warning("reply failed", extra={"error": str(exc)})
