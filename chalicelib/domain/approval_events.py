"""The audit entries, workstation events and EventBridge events of force-releases
and approvals (CONTRACT.md 6, 7 and 8)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import session_events
from chalicelib.domain.approvals import Approval
from chalicelib.domain.records import (
    SYSTEM_ACTOR,
    TARGET_APPROVAL,
    TARGET_EDIT_SESSION,
    AuditEntry,
    Delivery,
    Effects,
    Publication,
)
from chalicelib.domain.sessions import EditSession
from chalicelib.workflow import engine

EVENT_SOURCE = "edit-sessions.approvals"
COMPLETED_DETAIL_TYPE = "approval.completed"

FORCE_RELEASED = "edit.force_released"
FORCE_RELEASE_REQUESTED = "edit.force_release_requested"
SIGNED = "approval.signed"
COMPLETED = "approval.completed"
CANCELLED = "approval.cancelled"
EXPIRED = "approval.expired"
RELEASE_REASON = "force_released"


def force_released(session: EditSession, admin: str, reason: str,
                   approval_id: str | None) -> Effects:
    """The holder hears who took the item and why; watchers and waiting handoff
    requesters hear that it was released, as for any other end of a session."""
    holder = session.holder.to_dict()
    details: dict[str, object] = {"admin": admin, "reason": reason,
                                  "holder": holder, "approval_id": approval_id}
    ended = session_events.ended(session.item_id, session.session_id, RELEASE_REASON,
                                 admin, FORCE_RELEASED, details, session=session)
    data = {"item_id": session.item_id, "session_id": session.session_id, **details}
    told = Effects(deliveries=[Delivery(FORCE_RELEASED, data,
                                        workstations=(session.holder.workstation_id,))])
    return session_events.combine(told, ended)


def force_release_requested(approval: Approval, session: EditSession) -> Effects:
    admin = approval.state.requested_by
    audit = AuditEntry(FORCE_RELEASE_REQUESTED, admin, TARGET_EDIT_SESSION,
                       session.item_id,
                       {"session_id": session.session_id, "admin": admin,
                        "reason": approval.reason, "holder": session.holder.to_dict(),
                        "approval_id": approval.id})
    data = {"item_id": session.item_id, "session_id": session.session_id,
            "admin": admin, "reason": approval.reason, "approval_id": approval.id}
    return Effects(audit=[audit], deliveries=[Delivery(
        FORCE_RELEASE_REQUESTED, data, workstations=(session.holder.workstation_id,))])


def signed(approval: Approval, signer: str) -> Effects:
    """`approval` as signed: one entry for the signature, and the completion's
    entry and event when this signature decided it."""
    signature = approval.state.signatures[-1]
    entry = AuditEntry(SIGNED, signer, TARGET_APPROVAL, approval.id,
                       {"decision": signature.decision, "comment": signature.comment,
                        "gate": signature.gate, "status": approval.status})
    effects = Effects(audit=[entry])
    if approval.status == engine.PENDING:
        return effects
    return session_events.combine(effects, closed(approval, signer, COMPLETED))


def closed(approval: Approval, actor: str, action: str) -> Effects:
    """Every way out of pending is audited and published, so that subscribers see
    rejections, cancellations and expiries as well as approvals."""
    detail = completed_detail(approval)
    entry = AuditEntry(action, actor, TARGET_APPROVAL, approval.id,
                       {k: v for k, v in detail.items() if k != "approval_id"})
    publication = Publication(EVENT_SOURCE, COMPLETED_DETAIL_TYPE, detail)
    return Effects(audit=[entry], publications=[publication])


def cancelled(approval: Approval, actor: str) -> Effects:
    return closed(approval, actor, CANCELLED)


def expired(approval: Approval) -> Effects:
    return closed(approval, SYSTEM_ACTOR, EXPIRED)


def completed_detail(approval: Approval) -> dict[str, Any]:
    state = approval.state
    return {"approval_id": state.id, "workflow": state.workflow,
            "state": state.status, "subject": approval.subject.to_dict(),
            "requested_by": state.requested_by, "signers": engine.signers(state)}
