from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.errors import AlreadySigned, ApprovalClosed, Forbidden, SelfApproval
from chalicelib.workflow.definitions import Gate, WorkflowDefinition, load_workflows
from chalicelib.workflow.engine import (
    ApprovalState,
    Signature,
    cancel,
    current_gate,
    expire,
    is_expired,
    new_approval,
    sign,
    signers,
)

SHIPPED = Path(__file__).resolve().parents[2] / "workflows"
T0 = 1_796_310_245.0  # 2026-12-03T15:04:05Z
DAY = 24 * 3600
ADMIN = ("admin",)


def override() -> WorkflowDefinition:
    return load_workflows(str(SHIPPED))["session-override"]


def two_gates(reject_ends: bool = True) -> WorkflowDefinition:
    return WorkflowDefinition(
        name="release",
        description="Two editors, then an admin.",
        gates=(Gate("leads", "editor", 2), Gate("final", "admin", 1)),
        pending_seconds=None,
        reject_ends=reject_ends,
    )


def pending(definition: WorkflowDefinition, requester: str = "ann") -> ApprovalState:
    return new_approval("ap-1", definition, requester, T0)


def approve(
    state: ApprovalState,
    definition: WorkflowDefinition,
    user: str,
    roles: tuple[str, ...] = ADMIN,
    now: float = T0 + 60,
) -> ApprovalState:
    return sign(state, definition, user, roles, "approve", "ok", now)


def reject(
    state: ApprovalState, definition: WorkflowDefinition, user: str
) -> ApprovalState:
    return sign(state, definition, user, ADMIN, "reject", "no", T0 + 60)


# new_approval


def test_new_approval_is_pending_and_expires_after_the_workflow_window() -> None:
    state = pending(override())

    assert state == ApprovalState(
        id="ap-1",
        workflow="session-override",
        status="pending",
        requested_by="ann",
        signatures=(),
        created_at="2026-12-03T15:04:05Z",
        completed_at=None,
        expires_at=T0 + DAY,
    )


def test_new_approval_without_pending_window_never_expires() -> None:
    state = pending(two_gates())

    assert state.expires_at is None
    assert is_expired(state, T0 + 365 * DAY) is False


# session-override


def test_second_admin_approval_completes_session_override() -> None:
    definition = override()

    state = approve(pending(definition), definition, "bob")

    assert state.status == "approved"
    assert state.completed_at == "2026-12-03T15:05:05Z"
    assert state.signatures == (
        Signature("bob", "approve", "ok", "2026-12-03T15:05:05Z", "admin-review"),
    )
    assert signers(state) == ["bob"]


def test_requester_cannot_sign_own_request() -> None:
    definition = override()

    with pytest.raises(SelfApproval):
        approve(pending(definition), definition, "ann")


def test_requester_cannot_reject_own_request_either() -> None:
    definition = override()

    with pytest.raises(SelfApproval):
        reject(pending(definition), definition, "ann")


def test_editor_cannot_sign_admin_gate() -> None:
    definition = override()

    with pytest.raises(Forbidden) as caught:
        approve(pending(definition), definition, "bob", roles=("editor",))

    assert not isinstance(caught.value, SelfApproval)


def test_user_without_roles_cannot_sign() -> None:
    definition = override()

    with pytest.raises(Forbidden):
        approve(pending(definition), definition, "bob", roles=())


def test_first_reject_ends_session_override() -> None:
    definition = override()

    state = reject(pending(definition), definition, "bob")

    assert state.status == "rejected"
    assert state.completed_at == "2026-12-03T15:05:05Z"
    assert state.signatures[0].decision == "reject"
    assert signers(state) == []


def test_unknown_decision_is_a_value_error() -> None:
    definition = override()

    with pytest.raises(ValueError, match="decision"):
        sign(pending(definition), definition, "bob", ADMIN, "maybe", "", T0)


def test_definition_of_another_workflow_is_refused() -> None:
    with pytest.raises(ValueError, match="follows 'session-override'"):
        approve(pending(override()), two_gates(), "bob")


def test_signing_returns_a_new_state_and_leaves_the_old_one() -> None:
    definition = override()
    before = pending(definition)

    approve(before, definition, "bob")

    assert before.status == "pending"
    assert before.signatures == ()


# Closed approvals


@pytest.mark.parametrize("status", ["approved", "rejected", "cancelled", "expired"])
def test_closed_approval_cannot_be_signed(status: str) -> None:
    definition = override()
    state = replace(pending(definition), status=status)

    with pytest.raises(ApprovalClosed):
        approve(state, definition, "bob")


def test_approval_past_its_deadline_cannot_be_signed_before_the_sweep() -> None:
    definition = override()

    with pytest.raises(ApprovalClosed, match="expired"):
        approve(pending(definition), definition, "bob", now=T0 + DAY)


def test_closed_check_comes_before_self_approval() -> None:
    definition = override()
    state = replace(pending(definition), status="approved")

    with pytest.raises(ApprovalClosed):
        approve(state, definition, "ann")


def test_self_approval_check_comes_before_role_check() -> None:
    definition = override()

    with pytest.raises(SelfApproval):
        approve(pending(definition), definition, "ann", roles=("viewer",))


# Multi-gate workflows


def test_gates_are_passed_in_order() -> None:
    definition = two_gates()
    state = pending(definition)
    assert current_gate(state, definition) == Gate("leads", "editor", 2)

    state = approve(state, definition, "bob", roles=("editor",))
    assert current_gate(state, definition) == Gate("leads", "editor", 2)

    state = approve(state, definition, "cid", roles=("editor",))
    assert current_gate(state, definition) == Gate("final", "admin", 1)
    assert state.status == "pending"

    state = approve(state, definition, "dee")
    assert current_gate(state, definition) is None
    assert state.status == "approved"
    assert signers(state) == ["bob", "cid", "dee"]
    assert [s.gate for s in state.signatures] == ["leads", "leads", "final"]


def test_admin_satisfies_an_editor_gate() -> None:
    definition = two_gates()

    state = approve(pending(definition), definition, "bob", roles=ADMIN)

    assert state.signatures[0].gate == "leads"


def test_editor_cannot_sign_once_the_admin_gate_is_current() -> None:
    definition = two_gates()
    state = pending(definition)
    for user in ("bob", "cid"):
        state = approve(state, definition, user, roles=("editor",))

    with pytest.raises(Forbidden):
        approve(state, definition, "eve", roles=("editor",))


def test_signer_of_an_earlier_gate_cannot_sign_a_later_one() -> None:
    definition = two_gates()
    state = pending(definition)
    for user in ("bob", "cid"):
        state = approve(state, definition, user)

    with pytest.raises(AlreadySigned):
        approve(state, definition, "bob")


def test_same_user_cannot_sign_twice_in_one_gate() -> None:
    definition = two_gates()
    state = approve(pending(definition), definition, "bob")

    with pytest.raises(AlreadySigned):
        approve(state, definition, "bob")


def test_gate_counts_distinct_approvers_only() -> None:
    definition = two_gates()
    duplicate = Signature("bob", "approve", "", "2026-12-03T15:04:05Z", "leads")
    state = replace(pending(definition), signatures=(duplicate, duplicate))

    assert current_gate(state, definition) == Gate("leads", "editor", 2)


def test_reject_in_a_later_gate_ends_a_multi_gate_workflow() -> None:
    definition = two_gates()
    state = pending(definition)
    for user in ("bob", "cid"):
        state = approve(state, definition, user)

    state = reject(state, definition, "dee")

    assert state.status == "rejected"
    assert signers(state) == ["bob", "cid"]


# reject_ends: false


def test_reject_does_not_end_workflow_when_reject_ends_is_false() -> None:
    definition = two_gates(reject_ends=False)

    state = reject(pending(definition), definition, "bob")

    assert state.status == "pending"
    assert state.completed_at is None
    assert current_gate(state, definition) == Gate("leads", "editor", 2)


def test_rejecter_cannot_sign_again_when_reject_ends_is_false() -> None:
    definition = two_gates(reject_ends=False)
    state = reject(pending(definition), definition, "bob")

    with pytest.raises(AlreadySigned):
        approve(state, definition, "bob")


def test_approvals_still_complete_after_a_non_final_reject() -> None:
    definition = two_gates(reject_ends=False)
    state = reject(pending(definition), definition, "bob")
    for user in ("cid", "dee", "eve"):
        state = approve(state, definition, user)

    assert state.status == "approved"
    assert signers(state) == ["cid", "dee", "eve"]
    assert len(state.signatures) == 4


# cancel


def test_requester_cancel_closes_a_pending_approval() -> None:
    state = cancel(pending(override()), T0 + 120)

    assert state.status == "cancelled"
    assert state.completed_at == "2026-12-03T15:06:05Z"


@pytest.mark.parametrize("status", ["approved", "rejected", "cancelled", "expired"])
def test_closed_approval_cannot_be_cancelled(status: str) -> None:
    state = replace(pending(override()), status=status)

    with pytest.raises(ApprovalClosed):
        cancel(state, T0)


def test_approval_past_its_deadline_cannot_be_cancelled() -> None:
    with pytest.raises(ApprovalClosed):
        cancel(pending(override()), T0 + DAY + 1)


# expire


def test_pending_approval_expires_at_its_deadline() -> None:
    state = pending(override())

    assert is_expired(state, T0 + DAY - 1) is False
    assert is_expired(state, T0 + DAY) is True


def test_expire_marks_overdue_approval_with_its_deadline_as_completion() -> None:
    state = expire(pending(override()), T0 + DAY + 300)

    assert state.status == "expired"
    assert state.completed_at == "2026-12-04T15:04:05Z"
    assert is_expired(state, T0 + DAY + 300) is True


def test_expire_leaves_an_approval_within_its_window_unchanged() -> None:
    state = pending(override())

    assert expire(state, T0 + DAY - 1) is state


def test_expire_leaves_a_completed_approval_unchanged() -> None:
    definition = override()
    approved = approve(pending(definition), definition, "bob")

    assert expire(approved, T0 + 2 * DAY) is approved
    assert is_expired(approved, T0 + 2 * DAY) is False


def test_expire_leaves_an_approval_without_deadline_unchanged() -> None:
    state = pending(two_gates())

    assert expire(state, T0 + 365 * DAY) is state
