"""Handoff requests: one workstation asks the holder of an item for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.clock import iso
from chalicelib.domain.records import TARGET_EDIT_SESSION, AuditEntry, Delivery, Effects
from chalicelib.domain.session_events import ACQUIRED, RELEASED
from chalicelib.domain.sessions import EditSession
from chalicelib.errors import (
    AlreadyHolder,
    Forbidden,
    NotFound,
    RequestClosed,
    SessionLost,
)

PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
CLOSED = "closed"

REQUESTED = "edit.handoff_requested"
HANDOFF_ACCEPTED = "edit.handoff_accepted"
HANDOFF_DECLINED = "edit.handoff_declined"

MAX_MESSAGE = 500


@dataclass(frozen=True)
class HandoffRequest:
    request_id: str
    item_id: str
    session_id: str
    requester_user: str
    requester_ws: str
    message: str
    status: str
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "item_id": self.item_id,
            "session_id": self.session_id,
            "requester": {"user": self.requester_user,
                          "workstation_id": self.requester_ws},
            "message": self.message,
            "status": self.status,
            "created_at": iso(self.created_at),
        }


def check_may_request(session: EditSession, requester_user: str) -> None:
    if session.holder.user == requester_user:
        raise AlreadyHolder("you already hold this item")


def check_decidable(request: HandoffRequest | None, current: EditSession | None,
                    user: str) -> tuple[HandoffRequest, EditSession]:
    """Only the holder decides, and only a pending request on the live session."""
    if request is None:
        raise NotFound("no such handoff request")
    if request.status != PENDING:
        raise RequestClosed(f"that request is already {request.status}")
    if current is None or current.session_id != request.session_id:
        raise SessionLost("that request's session is no longer current")
    if current.holder.user != user:
        raise Forbidden("only the holder may decide a handoff request")
    return request, current


def requested(request: HandoffRequest, holder_ws: str) -> Effects:
    data = {"item_id": request.item_id, "session_id": request.session_id,
            "request_id": request.request_id,
            "requester": request.to_dict()["requester"], "message": request.message}
    return Effects(
        audit=[AuditEntry(REQUESTED, request.requester_user, TARGET_EDIT_SESSION,
                          request.item_id, {k: v for k, v in data.items()
                                            if k != "item_id"})],
        deliveries=[Delivery(REQUESTED, data, workstations=(holder_ws,))],
    )


def accepted(request: HandoffRequest, old: EditSession, new: EditSession) -> Effects:
    holder = old.holder.user
    released = {"item_id": old.item_id, "session_id": old.session_id,
                "holder": old.holder.to_dict(), "reason": "handoff"}
    return Effects(
        audit=[
            AuditEntry(HANDOFF_ACCEPTED, holder, TARGET_EDIT_SESSION, old.item_id,
                       {"request_id": request.request_id, "from_session": old.session_id,
                        "to_session": new.session_id}),
            AuditEntry(RELEASED, holder, TARGET_EDIT_SESSION, old.item_id,
                       {"session_id": old.session_id, "reason": "handoff"}),
            AuditEntry(ACQUIRED, request.requester_user, TARGET_EDIT_SESSION,
                       new.item_id, {"session": new.to_dict(),
                                     "request_id": request.request_id}),
        ],
        deliveries=[
            Delivery(HANDOFF_ACCEPTED, {"item_id": new.item_id,
                                        "request_id": request.request_id,
                                        "session": new.to_dict()},
                     workstations=(request.requester_ws,)),
            Delivery(RELEASED, released, watchers_of=old.item_id,
                     close_requests_of=(old.item_id, old.session_id)),
            Delivery(ACQUIRED, {"item_id": new.item_id, "session": new.to_dict()},
                     watchers_of=new.item_id),
        ],
    )


def declined(request: HandoffRequest, holder_user: str, message: str) -> Effects:
    return Effects(
        audit=[AuditEntry(HANDOFF_DECLINED, holder_user, TARGET_EDIT_SESSION,
                          request.item_id, {"request_id": request.request_id,
                                            "message": message})],
        deliveries=[Delivery(HANDOFF_DECLINED, {"item_id": request.item_id,
                                                "request_id": request.request_id,
                                                "message": message},
                             workstations=(request.requester_ws,))],
    )
