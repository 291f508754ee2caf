"""The events and audit entries of edit-session changes (CONTRACT.md 7 and 8)."""

from __future__ import annotations

from chalicelib.domain.records import TARGET_EDIT_SESSION, AuditEntry, Delivery, Effects
from chalicelib.domain.sessions import EditSession

ACQUIRED = "edit.session_acquired"
RELEASED = "edit.session_released"
EXPIRED = "edit.session_expired"


def acquired(session: EditSession, actor: str) -> Effects:
    return Effects(
        audit=[AuditEntry(ACQUIRED, actor, TARGET_EDIT_SESSION, session.item_id,
                          {"session": session.to_dict()})],
        deliveries=[Delivery(ACQUIRED, {"item_id": session.item_id,
                                        "session": session.to_dict()},
                             watchers_of=session.item_id)],
    )


def ended(
    item_id: str, session_id: str, reason: str, actor: str, audit_action: str,
    details: dict[str, object], session: EditSession | None = None,
) -> Effects:
    """A session ended: audit it, tell watchers and anyone waiting for a handoff.

    When the caller did not read the session (a release that named its session id),
    the holder is filled in from the session's history off the request path.
    """
    holder = session.holder.to_dict() if session else None
    data = {"item_id": item_id, "session_id": session_id, "holder": holder,
            "reason": reason}
    return Effects(
        audit=[AuditEntry(audit_action, actor, TARGET_EDIT_SESSION, item_id,
                          {"session_id": session_id, "reason": reason, **details})],
        deliveries=[Delivery(
            RELEASED, data, watchers_of=item_id,
            close_requests_of=(item_id, session_id),
            holder_of=None if session else (item_id, session_id),
        )],
    )


def combine(*parts: Effects) -> Effects:
    combined = Effects()
    for part in parts:
        combined.audit.extend(part.audit)
        combined.deliveries.extend(part.deliveries)
        combined.publications.extend(part.publications)
    return combined
