"""Force-release and approval rules with no AWS: outcomes, visibility, effects."""

from __future__ import annotations

import pytest

from chalicelib.domain import approval_events as events
from chalicelib.domain import approvals as rules
from chalicelib.domain.principal import Principal
from chalicelib.domain.sessions import EditSession, Holder
from chalicelib.errors import Forbidden
from chalicelib.workflow import engine
from chalicelib.workflow.definitions import Gate, WorkflowDefinition

T0 = 1_796_310_245.0  # 2026-12-03T15:04:05Z
OVERRIDE = WorkflowDefinition("session-override", "", (Gate("admin-review", "admin", 1),),
                              pending_seconds=3600)


def session(session_id: str = "es_1") -> EditSession:
    return EditSession("PN-1", session_id, 7, Holder("bob", "ws_bob", "Bob's CAD"),
                       T0, T0 + 600)


def approval(requester: str = "alice") -> rules.Approval:
    state = engine.new_approval("ap_1", OVERRIDE, requester, T0)
    return rules.Approval(state, rules.subject_of(session()), "stuck over lunch")


def signed_by(user: str, decision: str, pending: rules.Approval) -> rules.Approval:
    state = engine.sign(pending.state, OVERRIDE, user, ("admin",), decision, "ok",
                        T0 + 60)
    return pending.changed(state)


def admin(user: str = "carol") -> Principal:
    return Principal(user, frozenset({"admin"}))


def editor(user: str) -> Principal:
    return Principal(user, frozenset({"editor"}))


def test_direct_release_answers_the_released_session_and_no_approval() -> None:
    outcome = rules.ForceReleased(session())
    assert outcome.status == 200
    assert outcome.body() == {"released": session().to_dict(), "approval_id": None}


def test_release_needing_approval_answers_202_with_the_approval() -> None:
    outcome = rules.ReleasePending(approval())
    assert outcome.status == 202
    assert outcome.body() == {"approval_id": "ap_1", "status": "pending",
                              "workflow": "session-override"}


def test_subject_names_exactly_the_session_and_keeps_its_fence_and_holder() -> None:
    subject = rules.subject_of(session())
    assert subject.to_dict() == {"type": "edit_session", "item_id": "PN-1",
                                 "session_id": "es_1"}
    assert (subject.fence, subject.holder_user, subject.holder_ws) == (7, "bob",
                                                                       "ws_bob")


def test_approval_object_has_the_contract_fields() -> None:
    body = signed_by("carol", "approve", approval()).to_dict()
    assert set(body) == {"id", "workflow", "status", "subject", "requested_by",
                         "reason", "signatures", "created_at", "completed_at"}
    assert body["status"] == "approved"
    assert body["signatures"] == [{"user": "carol", "decision": "approve",
                                   "comment": "ok", "time": "2026-12-03T15:05:05Z"}]


def test_every_change_moves_the_version_on() -> None:
    assert signed_by("carol", "approve", approval()).version == 1


def test_pending_approval_past_its_deadline_is_shown_as_expired() -> None:
    assert rules.shown(approval(), T0 + 3599).status == "pending"
    assert rules.shown(approval(), T0 + 3600).status == "expired"


def test_requester_and_admins_may_read_an_approval_others_may_not() -> None:
    assert rules.check_may_read(approval("dave"), editor("dave")).id == "ap_1"
    assert rules.check_may_read(approval("dave"), admin()).id == "ap_1"
    with pytest.raises(Forbidden):
        rules.check_may_read(approval("dave"), editor("erin"))


def test_only_requester_or_admin_may_cancel() -> None:
    with pytest.raises(Forbidden):
        rules.check_may_cancel(approval("dave"), editor("erin"))
    assert rules.check_may_cancel(approval("dave"), editor("dave")).id == "ap_1"


def test_only_an_approved_approval_of_the_workflow_releases() -> None:
    approved = signed_by("carol", "approve", approval())
    assert rules.releases_on_approval(approved, "session-override")
    assert not rules.releases_on_approval(approved, "other-workflow")
    assert not rules.releases_on_approval(signed_by("carol", "reject", approval()),
                                          "session-override")
    assert not rules.releases_on_approval(approval(), "session-override")


def test_force_released_audits_and_tells_holder_and_watchers() -> None:
    effects = events.force_released(session(), "alice", "stuck", "ap_1")
    [entry] = effects.audit
    assert (entry.action, entry.actor, entry.target_id) == ("edit.force_released",
                                                            "alice", "PN-1")
    assert entry.details["admin"] == "alice" and entry.details["reason"] == "stuck"
    assert entry.details["holder"]["user"] == "bob"
    assert entry.details["approval_id"] == "ap_1"
    to_holder, to_watchers = sorted(effects.deliveries, key=lambda d: d.type)
    assert to_holder.type == "edit.force_released"
    assert to_holder.workstations == ("ws_bob",)
    assert set(to_holder.data) == {"item_id", "session_id", "holder", "admin",
                                   "reason", "approval_id"}
    assert to_watchers.data["reason"] == "force_released"
    assert to_watchers.close_requests_of == ("PN-1", "es_1")


def test_force_release_requested_tells_the_holder_who_and_why() -> None:
    effects = events.force_release_requested(approval(), session())
    [delivery] = effects.deliveries
    assert delivery.workstations == ("ws_bob",)
    assert delivery.data == {"item_id": "PN-1", "session_id": "es_1", "admin": "alice",
                             "reason": "stuck over lunch", "approval_id": "ap_1"}
    assert effects.audit[0].details["holder"]["workstation_id"] == "ws_bob"


def test_a_signature_that_leaves_it_pending_publishes_nothing() -> None:
    two = WorkflowDefinition("session-override", "", (Gate("g", "admin", 2),), None)
    state = engine.new_approval("ap_1", two, "alice", T0)
    once = approval().changed(engine.sign(state, two, "carol", ("admin",), "approve",
                                          "", T0))
    effects = events.signed(once, "carol")
    assert [e.action for e in effects.audit] == ["approval.signed"]
    assert effects.publications == []


def test_the_deciding_signature_audits_completion_and_publishes_it() -> None:
    effects = events.signed(signed_by("carol", "approve", approval()), "carol")
    assert [e.action for e in effects.audit] == ["approval.signed",
                                                 "approval.completed"]
    [publication] = effects.publications
    assert (publication.source, publication.detail_type) == (
        "edit-sessions.approvals", "approval.completed")
    assert publication.detail == {
        "approval_id": "ap_1", "workflow": "session-override", "state": "approved",
        "subject": {"type": "edit_session", "item_id": "PN-1", "session_id": "es_1"},
        "requested_by": "alice", "signers": ["carol"]}


def test_a_rejection_is_published_with_no_signers() -> None:
    effects = events.signed(signed_by("carol", "reject", approval()), "carol")
    assert effects.publications[0].detail["state"] == "rejected"
    assert effects.publications[0].detail["signers"] == []


def test_newest_first_keeps_the_page_limit() -> None:
    older = approval()
    newer = rules.Approval(engine.new_approval("ap_2", OVERRIDE, "alice", T0 + 5),
                           older.subject, "")
    assert [a.id for a in rules.newest_first([older, newer], 1)] == ["ap_2"]
