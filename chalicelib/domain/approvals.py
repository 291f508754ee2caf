"""Force-release approvals: what one is about, who may see or cancel it, and what a
force-release request answers. Pure rules over frozen values; no storage."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain.principal import Principal
from chalicelib.domain.sessions import EditSession
from chalicelib.errors import Forbidden
from chalicelib.workflow import engine
from chalicelib.workflow.engine import ApprovalState

SUBJECT_TYPE = "edit_session"


@dataclass(frozen=True)
class Subject:
    """The one session an approval may release. The holder and fence are kept so
    the release can be checked and reported without trusting a later read."""

    item_id: str
    session_id: str
    fence: int
    holder_user: str
    holder_ws: str

    def to_dict(self) -> dict[str, str]:
        return {"type": SUBJECT_TYPE, "item_id": self.item_id,
                "session_id": self.session_id}


@dataclass(frozen=True)
class Approval:
    state: ApprovalState
    subject: Subject
    reason: str
    # Every stored change adds one; writes are conditioned on the version read.
    version: int = 0

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def status(self) -> str:
        return self.state.status

    def changed(self, state: ApprovalState) -> Approval:
        return replace(self, state=state, version=self.version + 1)

    def to_dict(self) -> dict[str, Any]:
        state = self.state
        return {
            "id": state.id,
            "workflow": state.workflow,
            "status": state.status,
            "subject": self.subject.to_dict(),
            "requested_by": state.requested_by,
            "reason": self.reason,
            "signatures": [{"user": s.user, "decision": s.decision,
                            "comment": s.comment, "time": s.time}
                           for s in state.signatures],
            "created_at": state.created_at,
            "completed_at": state.completed_at,
        }


@dataclass(frozen=True)
class ForceReleased:
    """The session was released at once (no approval needed): 200."""

    session: EditSession
    status: int = 200

    def body(self) -> dict[str, Any]:
        return {"released": self.session.to_dict(), "approval_id": None}


@dataclass(frozen=True)
class ReleasePending:
    """An approval must complete first: 202, for a new or an already pending one."""

    approval: Approval
    status: int = 202

    def body(self) -> dict[str, Any]:
        return {"approval_id": self.approval.id, "status": self.approval.status,
                "workflow": self.approval.state.workflow}


ForceReleaseOutcome = ForceReleased | ReleasePending


def subject_of(session: EditSession) -> Subject:
    return Subject(session.item_id, session.session_id, session.fence,
                   session.holder.user, session.holder.workstation_id)


def shown(approval: Approval, now: float) -> Approval:
    """A pending approval past its deadline is expired, whether or not swept yet."""
    return replace(approval, state=engine.expire(approval.state, now))


def may_read(approval: Approval, principal: Principal) -> bool:
    return principal.is_admin or approval.state.requested_by == principal.user


def check_may_read(approval: Approval, principal: Principal) -> Approval:
    if not may_read(approval, principal):
        raise Forbidden("only an admin or the requester may see this approval")
    return approval


def check_may_cancel(approval: Approval, principal: Principal) -> Approval:
    if not may_read(approval, principal):
        raise Forbidden("only an admin or the requester may cancel this approval")
    return approval


def releases_on_approval(approval: Approval, workflow: str) -> bool:
    """Auto-release acts only on an approved approval of the force-release workflow."""
    return approval.status == engine.APPROVED and approval.state.workflow == workflow


def newest_first(approvals: list[Approval], limit: int) -> list[Approval]:
    ordered = sorted(approvals, key=lambda a: (a.state.created_at, a.id), reverse=True)
    return ordered[:limit]
