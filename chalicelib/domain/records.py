"""What a state change commits besides itself: an audit entry and events to deliver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TARGET_EDIT_SESSION = "edit_session"
TARGET_APPROVAL = "approval"
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class AuditEntry:
    action: str
    actor: str
    target_type: str
    target_id: str
    details: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """One event for workstations, carried out off the request path.

    `watchers_of` adds every workstation watching that item. `close_requests_of`
    (item id, session id) closes that session's pending handoff requests and adds
    their requesters. `holder_of` (item id, session id) fills `data["holder"]`
    from the session's history when the change did not know it.
    """

    type: str
    data: dict[str, Any]
    workstations: tuple[str, ...] = ()
    watchers_of: str | None = None
    close_requests_of: tuple[str, str] | None = None
    holder_of: tuple[str, str] | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "data": self.data,
            "workstations": list(self.workstations),
            "watchers_of": self.watchers_of,
            "close_requests_of": list(self.close_requests_of or []) or None,
            "holder_of": list(self.holder_of or []) or None,
        }

    @staticmethod
    def from_payload(payload: dict[str, Any]) -> Delivery:
        close = payload.get("close_requests_of")
        holder = payload.get("holder_of")
        return Delivery(
            type=payload["type"],
            data=payload["data"],
            workstations=tuple(payload.get("workstations") or ()),
            watchers_of=payload.get("watchers_of"),
            close_requests_of=(close[0], close[1]) if close else None,
            holder_of=(holder[0], holder[1]) if holder else None,
        )


@dataclass(frozen=True)
class Publication:
    """An EventBridge event, put on the bus by the outbox consumer."""

    source: str
    detail_type: str
    detail: dict[str, Any]


@dataclass
class Effects:
    """Everything one state change commits in its transaction, besides the change."""

    audit: list[AuditEntry] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
