"""The approval state machine: pure transitions over frozen states, no storage.

Callers load a state, apply one transition and store the result; every function
takes `now` as epoch seconds so that tests and the sweep decide what time it is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from chalicelib.domain.roles import role_satisfies
from chalicelib.errors import AlreadySigned, ApprovalClosed, Forbidden, SelfApproval
from chalicelib.workflow.definitions import Gate, WorkflowDefinition

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"
EXPIRED = "expired"
STATUSES = (PENDING, APPROVED, REJECTED, CANCELLED, EXPIRED)

APPROVE = "approve"
REJECT = "reject"
DECISIONS = (APPROVE, REJECT)


@dataclass(frozen=True)
class Signature:
    user: str
    decision: str
    comment: str
    time: str
    gate: str


@dataclass(frozen=True)
class ApprovalState:
    id: str
    workflow: str
    status: str
    requested_by: str
    signatures: tuple[Signature, ...]
    created_at: str
    completed_at: str | None
    expires_at: float | None


def iso_utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def new_approval(
    approval_id: str, definition: WorkflowDefinition, requested_by: str, now: float
) -> ApprovalState:
    pending = definition.pending_seconds
    return ApprovalState(
        id=approval_id,
        workflow=definition.name,
        status=PENDING,
        requested_by=requested_by,
        signatures=(),
        created_at=iso_utc(now),
        completed_at=None,
        expires_at=None if pending is None else now + pending,
    )


def current_gate(state: ApprovalState, definition: WorkflowDefinition) -> Gate | None:
    """The first gate still short of approvers, or None when every gate is satisfied."""
    for gate in definition.gates:
        if len(_approvers(state, gate.name)) < gate.required:
            return gate
    return None


def sign(
    state: ApprovalState,
    definition: WorkflowDefinition,
    user: str,
    roles: Iterable[str],
    decision: str,
    comment: str,
    now: float,
) -> ApprovalState:
    _check_workflow(state, definition)
    gate = _gate_user_may_sign(state, definition, user, roles, now)
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")

    signature = Signature(user, decision, comment, iso_utc(now), gate.name)
    signed = replace(state, signatures=state.signatures + (signature,))
    if decision == REJECT:
        return _complete(signed, REJECTED, now) if definition.reject_ends else signed
    if current_gate(signed, definition) is None:
        return _complete(signed, APPROVED, now)
    return signed


def cancel(state: ApprovalState, now: float) -> ApprovalState:
    _require_open(state, now)
    return _complete(state, CANCELLED, now)


def is_expired(state: ApprovalState, now: float) -> bool:
    """True when a pending approval has reached its deadline, swept or not."""
    if state.status == EXPIRED:
        return True
    return state.status == PENDING and _past_deadline(state, now)


def expire(state: ApprovalState, now: float) -> ApprovalState:
    deadline = state.expires_at
    if state.status != PENDING or deadline is None or now < deadline:
        return state
    # The approval ended at its deadline, not when the sweep happened to notice.
    return replace(state, status=EXPIRED, completed_at=iso_utc(deadline))


def signers(state: ApprovalState) -> list[str]:
    """Users who approved, in signing order; rejecters are not signers."""
    return [s.user for s in state.signatures if s.decision == APPROVE]


def _gate_user_may_sign(
    state: ApprovalState,
    definition: WorkflowDefinition,
    user: str,
    roles: Iterable[str],
    now: float,
) -> Gate:
    _require_open(state, now)
    if user == state.requested_by:
        raise SelfApproval("the requester cannot sign their own request")
    if any(s.user == user for s in state.signatures):
        raise AlreadySigned(f"{user} has already signed this approval")

    gate = current_gate(state, definition)
    if gate is None:
        # Only reachable when the definition changed under a pending approval.
        raise ApprovalClosed("every gate of this approval is already satisfied")
    if not role_satisfies(roles, gate.role):
        raise Forbidden(f"signing gate {gate.name!r} needs the {gate.role} role")
    return gate


def _check_workflow(state: ApprovalState, definition: WorkflowDefinition) -> None:
    if state.workflow != definition.name:
        raise ValueError(
            f"approval {state.id} follows {state.workflow!r}, not {definition.name!r}"
        )


def _require_open(state: ApprovalState, now: float) -> None:
    if state.status != PENDING:
        raise ApprovalClosed(f"approval {state.id} is {state.status}")
    if _past_deadline(state, now):
        raise ApprovalClosed(f"approval {state.id} has expired")


def _past_deadline(state: ApprovalState, now: float) -> bool:
    return state.expires_at is not None and now >= state.expires_at


def _approvers(state: ApprovalState, gate_name: str) -> set[str]:
    return {
        s.user for s in state.signatures if s.gate == gate_name and s.decision == APPROVE
    }


def _complete(state: ApprovalState, status: str, now: float) -> ApprovalState:
    return replace(state, status=status, completed_at=iso_utc(now))
