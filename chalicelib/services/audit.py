"""Reading the audit log: one target's entries, newest first, a page at a time."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import StorageUnavailable, ValidationFailed
from chalicelib.storage.effects import audit_target
from chalicelib.storage.models import AuditRecord
from chalicelib.validation import Choice, Text, bounded_int

TARGET_TYPES = Choice(("edit_session", "approval"))
TARGET_ID = Text(1, 128)


def _encode_cursor(key: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_cursor(cursor: str, target: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        valid = isinstance(key, dict) and key["target"]["S"] == target
        valid = valid and isinstance(key["entry_id"]["S"], str)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationFailed("cursor", "is not a cursor this service gave out") from exc
    if not valid:
        raise ValidationFailed("cursor", "belongs to another target")
    return {"target": {"S": key["target"]["S"]}, "entry_id": {"S": key["entry_id"]["S"]}}


def _entry(record: AuditRecord) -> dict[str, Any]:
    return {"id": record.entry_id, "time": record.time, "action": record.action,
            "actor": record.actor, "target_type": record.target_type,
            "target_id": record.target_id, "details": record.details}


def page(query: Mapping[str, str]) -> dict[str, Any]:
    target_type = TARGET_TYPES.check("target_type", query.get("target_type"))
    target_id = TARGET_ID.check("target_id", query.get("target_id"))
    limit = bounded_int("limit", query.get("limit"), 50, 1, 200)
    target = audit_target(target_type, target_id)
    start = _decode_cursor(query["cursor"], target) if query.get("cursor") else None

    try:
        results = AuditRecord.query(target, scan_index_forward=False, limit=limit,
                                    last_evaluated_key=start, page_size=limit)
        entries = [_entry(record) for record in results]
    except PynamoDBException as exc:
        raise StorageUnavailable("the audit store is unavailable") from exc
    last = results.last_evaluated_key
    more = len(entries) == limit
    return {"entries": entries,
            "next_cursor": _encode_cursor(last) if last and more else None}
