"""Approvals over HTTP: reading, signing, cancelling, expiring, and what they commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.domain.principal import Principal
from chalicelib.errors import ServiceError
from chalicelib.services import approvals
from chalicelib.settings import get_settings
from chalicelib.storage.connection import shared_connection
from chalicelib.storage.models import ApprovalRecord, AuditRecord, OutboxRecord

ITEM = "PN-200"
FORCE = f"/items/{ITEM}/edit-session/force-release"
ADMIN = ["admin"]
TWO_ADMINS = """\
name: session-override
description: two admins must agree
gates:
  - {name: admin-review, role: admin, required: 2}
pending_hours: 1
"""

Api = Callable[..., Any]


@pytest.fixture
def two_admin_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Deploys a session-override workflow that needs two admins (WORKFLOWS_DIR)."""
    (tmp_path / "session-override.yaml").write_text(TWO_ADMINS)
    monkeypatch.setenv("WORKFLOWS_DIR", str(tmp_path))
    get_settings.cache_clear()
    bootstrap.workflows.cache_clear()
    yield
    monkeypatch.delenv("WORKFLOWS_DIR")
    get_settings.cache_clear()
    bootstrap.workflows.cache_clear()


def requested(api: Api, requester: str = "alice") -> str:
    """Bob holds the item; `requester`, an admin, asks to force-release it."""
    workstation = api("POST", "/workstations", user="bob", body={"name": "bob-cad"})
    api("POST", f"/items/{ITEM}/edit-session", user="bob",
        body={"workstation_id": workstation.json_body["id"]})
    response = api("DELETE", FORCE, user=requester, roles=ADMIN,
                   body={"reason": "stuck"})
    assert response.status_code == 202
    return str(response.json_body["approval_id"])


def sign(api: Api, approval_id: str, user: str, decision: str = "approve",
         roles: list[str] | None = None) -> Any:
    return api("POST", f"/approvals/{approval_id}/sign", user=user,
               roles=roles or ADMIN, body={"decision": decision, "comment": "seen"})


def error_code(response: Any) -> str:
    return str(response.json_body["error"]["code"])


def audit_actions(approval_id: str) -> list[str]:
    return [e.action for e in AuditRecord.query(f"approval#{approval_id}")]


def published() -> list[dict]:
    return [r.payload for r in OutboxRecord.scan() if r.kind == "publish"]


def test_requester_reads_the_approval_in_the_contract_shape(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    body = api("GET", f"/approvals/{approval_id}", roles=["viewer"]).json_body
    assert body["id"] == approval_id and body["status"] == "pending"
    assert body["subject"]["type"] == "edit_session"
    assert body["subject"]["item_id"] == ITEM
    assert body["requested_by"] == "alice" and body["reason"] == "stuck"
    assert body["signatures"] == [] and body["completed_at"] is None


def test_others_may_not_read_an_approval_and_unknown_is_404(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    assert api("GET", f"/approvals/{approval_id}", user="erin").status_code == 403
    assert api("GET", f"/approvals/{approval_id}", user="carol",
               roles=ADMIN).status_code == 200
    assert api("GET", "/approvals/ap_nothing", roles=ADMIN).status_code == 404


def test_list_shows_admins_everything_and_others_their_own(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    by_admin = api("GET", "/approvals", user="carol", roles=ADMIN).json_body
    assert [a["id"] for a in by_admin["approvals"]] == [approval_id]
    own = api("GET", "/approvals", user="alice", roles=["viewer"]).json_body
    assert [a["id"] for a in own["approvals"]] == [approval_id]
    assert api("GET", "/approvals", user="erin").json_body == {"approvals": []}


def test_list_filters_by_status(api: Api, approval_mode: None) -> None:
    approval_id = requested(api)
    sign(api, approval_id, "carol")
    approved = api("GET", "/approvals?status=approved", roles=ADMIN).json_body
    assert [a["id"] for a in approved["approvals"]] == [approval_id]
    pending = api("GET", "/approvals?status=pending", roles=ADMIN).json_body
    assert pending["approvals"] == []
    assert api("GET", "/approvals?status=odd", roles=ADMIN).status_code == 400


def test_the_requester_cannot_sign_their_own_request(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    response = sign(api, approval_id, "alice")
    assert response.status_code == 403
    assert error_code(response) == "self_approval"


def test_a_second_admin_approves_and_the_completion_is_published(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    response = sign(api, approval_id, "carol")
    assert response.status_code == 200
    assert response.json_body["status"] == "approved"
    assert response.json_body["completed_at"] is not None
    assert sorted(audit_actions(approval_id)) == ["approval.completed",
                                                  "approval.signed"]
    [event] = published()
    assert (event["source"], event["detail_type"]) == ("edit-sessions.approvals",
                                                       "approval.completed")
    session_id = response.json_body["subject"]["session_id"]
    assert event["detail"] == {
        "approval_id": approval_id, "workflow": "session-override", "state": "approved",
        "subject": {"type": "edit_session", "item_id": ITEM, "session_id": session_id},
        "requested_by": "alice", "signers": ["carol"]}


def test_approval_alone_does_not_release_the_session(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    sign(api, approval_id, "carol")
    assert api("GET", f"/items/{ITEM}/edit-session").status_code == 200


def test_a_reject_ends_it_and_lets_a_new_request_start(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    response = sign(api, approval_id, "carol", "reject")
    assert response.json_body["status"] == "rejected"
    assert published()[0]["detail"]["state"] == "rejected"
    again = api("DELETE", FORCE, roles=ADMIN, body={"reason": "still stuck"})
    assert again.json_body["approval_id"] != approval_id


def test_signing_a_closed_approval_is_409(api: Api, approval_mode: None) -> None:
    approval_id = requested(api)
    sign(api, approval_id, "carol")
    response = sign(api, approval_id, "dave")
    assert response.status_code == 409
    assert error_code(response) == "approval_closed"


def test_nobody_signs_twice(
    two_admin_workflow: None, api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    assert sign(api, approval_id, "carol").json_body["status"] == "pending"
    response = sign(api, approval_id, "carol")
    assert response.status_code == 409
    assert error_code(response) == "already_signed"
    assert sign(api, approval_id, "dave").json_body["status"] == "approved"


def test_an_editor_cannot_sign_an_admin_gate(api: Api, approval_mode: None) -> None:
    approval_id = requested(api)
    response = sign(api, approval_id, "erin", roles=["editor"])
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert api("GET", f"/approvals/{approval_id}",
               roles=ADMIN).json_body["signatures"] == []


def test_two_admins_signing_at_once_never_both_complete_it(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    both_read = threading.Barrier(2, timeout=10)
    # moto's in-process tables are not safe for concurrent transactions; this lock
    # stands in for DynamoDB's own isolation. The barrier makes both signers read
    # the pending approval before either writes.
    one_at_a_time = threading.Lock()
    first_writes = threading.Semaphore(2)

    def before(**_: Any) -> None:
        if first_writes.acquire(blocking=False):
            both_read.wait()
        one_at_a_time.acquire()

    def after(**_: Any) -> None:
        one_at_a_time.release()

    outcomes: list[object] = []

    def signer(user: str) -> None:
        try:
            outcomes.append(approvals.sign(get_settings(), Principal(
                user, frozenset({"admin"})), approval_id, "approve", ""))
        except ServiceError as error:
            outcomes.append(error)

    hooks = shared_connection().client.meta.events
    hooks.register("before-call.dynamodb.TransactWriteItems", before)
    hooks.register("after-call.dynamodb.TransactWriteItems", after)
    try:
        threads = [threading.Thread(target=signer, args=(u,)) for u in ("carol", "dave")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        hooks.unregister("before-call.dynamodb.TransactWriteItems", before)
        hooks.unregister("after-call.dynamodb.TransactWriteItems", after)

    codes = sorted(o.code if isinstance(o, ServiceError) else "ok" for o in outcomes)
    assert codes == ["approval_closed", "ok"]
    stored = api("GET", f"/approvals/{approval_id}", roles=ADMIN).json_body
    assert len(stored["signatures"]) == 1
    assert audit_actions(approval_id).count("approval.completed") == 1
    assert len(published()) == 1


def test_the_requester_cancels(api: Api, approval_mode: None) -> None:
    approval_id = requested(api)
    response = api("POST", f"/approvals/{approval_id}/cancel", roles=["viewer"])
    assert response.status_code == 200
    assert response.json_body["status"] == "cancelled"
    assert "approval.cancelled" in audit_actions(approval_id)
    assert published()[0]["detail"]["state"] == "cancelled"
    assert error_code(sign(api, approval_id, "carol")) == "approval_closed"


def test_others_cannot_cancel_and_a_closed_one_cannot_be_cancelled(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    assert api("POST", f"/approvals/{approval_id}/cancel",
               user="erin").status_code == 403
    assert api("POST", f"/approvals/{approval_id}/cancel", user="carol",
               roles=ADMIN).status_code == 200
    again = api("POST", f"/approvals/{approval_id}/cancel", roles=ADMIN)
    assert again.status_code == 409
    assert error_code(again) == "approval_closed"


def past_deadline(approval_id: str) -> None:
    """As if the approval's pending hours had passed."""
    ApprovalRecord(pk=f"approval#{approval_id}").update(
        actions=[ApprovalRecord.pending_until.set(time.time() - 1)])


def test_the_sweep_expires_approvals_past_their_deadline(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    past_deadline(approval_id)
    assert approvals.sweep_expired() == 1
    assert approvals.sweep_expired() == 0
    body = api("GET", f"/approvals/{approval_id}", roles=ADMIN).json_body
    assert body["status"] == "expired"
    assert audit_actions(approval_id) == ["approval.expired"]
    assert published()[0]["detail"]["state"] == "expired"
    again = api("DELETE", FORCE, roles=ADMIN, body={"reason": "again"})
    assert again.json_body["approval_id"] != approval_id


def test_the_sweep_leaves_approvals_within_their_deadline(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    assert approvals.sweep_expired() == 0
    assert api("GET", f"/approvals/{approval_id}",
               roles=ADMIN).json_body["status"] == "pending"


def test_an_unswept_approval_past_its_deadline_is_expired_and_replaced(
    api: Api, approval_mode: None,
) -> None:
    approval_id = requested(api)
    past_deadline(approval_id)
    assert api("GET", f"/approvals/{approval_id}",
               roles=ADMIN).json_body["status"] == "expired"
    assert error_code(sign(api, approval_id, "carol")) == "approval_closed"
    listed = api("GET", "/approvals?status=expired", roles=ADMIN).json_body
    assert [a["id"] for a in listed["approvals"]] == [approval_id]
    again = api("DELETE", FORCE, roles=ADMIN, body={"reason": "again"})
    assert again.json_body["approval_id"] != approval_id


def test_workflows_are_readable_by_name(api: Api) -> None:
    response = api("GET", "/workflows/session-override", roles=["viewer"])
    assert response.status_code == 200
    assert response.json_body["gates"][0]["role"] == "admin"
    assert api("GET", "/workflows/nothing-here", roles=["viewer"]).status_code == 404
