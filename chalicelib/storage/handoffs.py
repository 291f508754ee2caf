"""Handoff requests, their per-session de-duplication, and requesters' rate counts."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, UpdateError

from chalicelib.domain.handoffs import CLOSED, PENDING, HandoffRequest
from chalicelib.errors import StorageUnavailable
from chalicelib.storage.models import HandoffRecord
from chalicelib.storage.tx import Transaction

DEDUPE = "dedupe"
RATE = "rate"
REQUEST = "request"
RATE_WINDOW_SECONDS = 60


def _item_pk(item_id: str) -> str:
    return f"item#{item_id}"


def _request_sk(request_id: str) -> str:
    return f"request#{request_id}"


def _dedupe_sk(session_id: str, workstation_id: str) -> str:
    return f"dedupe#{session_id}#{workstation_id}"


def to_request(record: HandoffRecord) -> HandoffRequest:
    return HandoffRequest(
        request_id=record.request_id or "", item_id=record.item_id or "",
        session_id=record.session_id or "", requester_user=record.requester_user or "",
        requester_ws=record.requester_ws or "", message=record.message or "",
        status=record.status or "", created_at=float(record.created_at or 0),
    )


def rate_window(now: float) -> int:
    return int(now) // RATE_WINDOW_SECONDS * RATE_WINDOW_SECONDS


def add_request(tx: Transaction, request: HandoffRequest, per_minute: int,
                now: float) -> None:
    """The request, a marker that makes it the requester's one pending request on
    this session, and one more in the requester's count for this minute."""
    h = HandoffRecord
    pk = _item_pk(request.item_id)
    tx.put(HandoffRecord(
        pk, _request_sk(request.request_id), request_id=request.request_id,
        item_id=request.item_id, session_id=request.session_id,
        requester_user=request.requester_user, requester_ws=request.requester_ws,
        message=request.message, status=request.status, created_at=request.created_at,
    ), condition=h.sk.does_not_exist())
    tx.put(HandoffRecord(pk, _dedupe_sk(request.session_id, request.requester_ws),
                         request_id=request.request_id),
           condition=h.sk.does_not_exist(), label=DEDUPE)
    window = rate_window(now)
    tx.update(HandoffRecord(f"rate#{request.requester_user}", str(window)),
              [h.used.add(1), h.expires_at.set(window + 2 * RATE_WINDOW_SECONDS)],
              condition=h.used.does_not_exist() | (h.used < per_minute), label=RATE)


def get(item_id: str, request_id: str) -> HandoffRequest | None:
    try:
        record = HandoffRecord.get(_item_pk(item_id), _request_sk(request_id),
                                   consistent_read=True)
    except HandoffRecord.DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise StorageUnavailable("the handoff store is unavailable") from exc
    return to_request(record)


def pending_on(item_id: str, session_id: str) -> list[HandoffRequest]:
    h = HandoffRecord
    try:
        records = h.query(
            _item_pk(item_id), h.sk.startswith("request#"),
            filter_condition=(h.session_id == session_id) & (h.status == PENDING),
            consistent_read=True,
        )
        return sorted((to_request(r) for r in records), key=lambda r: r.created_at)
    except PynamoDBException as exc:
        raise StorageUnavailable("the handoff store is unavailable") from exc


def add_decision(tx: Transaction, request: HandoffRequest, status: str,
                 message: str, now: float) -> None:
    h = HandoffRecord
    pk = _item_pk(request.item_id)
    tx.update(HandoffRecord(pk, _request_sk(request.request_id)),
              [h.status.set(status), h.decided_at.set(now),
               h.decision_message.set(message)],
              condition=h.status == PENDING, label=REQUEST)
    tx.delete(HandoffRecord(pk, _dedupe_sk(request.session_id, request.requester_ws)))


def close_pending(item_id: str, session_id: str, now: float) -> list[str]:
    """Close a finished session's pending requests; return the requesters'
    workstations. Each close is conditional, so a request accepted or declined at
    the same moment keeps that outcome."""
    closed = []
    h = HandoffRecord
    for request in pending_on(item_id, session_id):
        try:
            HandoffRecord(_item_pk(item_id), _request_sk(request.request_id)).update(
                actions=[h.status.set(CLOSED), h.decided_at.set(now)],
                condition=h.status == PENDING,
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise StorageUnavailable("the handoff store is unavailable") from exc
            continue
        closed.append(request.requester_ws)
    return closed
