"""The auto-release function: releases exactly the approved subject, once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib.errors import StorageUnavailable
from chalicelib.services import approvals
from chalicelib.settings import Settings, get_settings
from chalicelib.storage.connection import shared_connection
from chalicelib.storage.models import AuditRecord, OutboxRecord

ITEM = "PN-300"
SESSION = f"/items/{ITEM}/edit-session"
ADMIN = ["admin"]

Api = Callable[..., Any]


@pytest.fixture
def settings(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    import app as app_module

    approving = replace(get_settings(), force_release_requires_approval=True)
    monkeypatch.setattr(app_module, "settings", approving)
    yield approving


def hold(api: Api, user: str) -> dict:
    workstation = api("POST", "/workstations", user=user, body={"name": f"{user}-cad"})
    response = api("POST", SESSION, user=user,
                   body={"workstation_id": workstation.json_body["id"]})
    assert response.status_code == 201
    return response.json_body


def decided(api: Api, decision: str = "approve") -> str:
    """Alice asks to force-release the item; Carol decides."""
    approval_id = api("DELETE", f"{SESSION}/force-release", roles=ADMIN,
                      body={"reason": "stuck"}).json_body["approval_id"]
    signed = api("POST", f"/approvals/{approval_id}/sign", user="carol", roles=ADMIN,
                 body={"decision": decision})
    assert signed.status_code == 200
    return str(approval_id)


def completed_event(approval_id: str, state: str = "approved") -> dict:
    """What EventBridge hands the function; only the approval id is trusted."""
    return {"version": "0", "id": "evt-1", "source": "edit-sessions.approvals",
            "detail-type": "approval.completed", "account": "000000000000",
            "region": "us-east-1", "time": "2026-12-03T15:04:05Z", "resources": [],
            "detail": {"approval_id": approval_id, "workflow": "session-override",
                       "state": state, "subject": {}, "requested_by": "alice",
                       "signers": ["carol"]}}


def force_released_entries() -> list[AuditRecord]:
    return [e for e in AuditRecord.query(f"edit_session#{ITEM}")
            if e.action == "edit.force_released"]


def holder_events() -> list[dict]:
    found = []
    for record in OutboxRecord.scan():
        found.extend(record.payload.get("deliveries", []))
    return [d for d in found if d.get("type") == "edit.force_released"]


def test_an_approved_request_releases_the_session(api: Api, settings: Settings) -> None:
    session = hold(api, "bob")
    approval_id = decided(api)
    assert approvals.auto_release(settings, completed_event(approval_id)) == "released"
    assert api("GET", SESSION).status_code == 404
    [entry] = force_released_entries()
    assert entry.details["admin"] == "alice" and entry.details["reason"] == "stuck"
    assert entry.details["holder"] == session["holder"]
    assert entry.details["approval_id"] == approval_id
    [told] = holder_events()
    assert told["workstations"] == [session["holder"]["workstation_id"]]
    assert told["data"]["approval_id"] == approval_id


def test_the_same_event_twice_releases_and_audits_once(
    api: Api, settings: Settings,
) -> None:
    hold(api, "bob")
    approval_id = decided(api)
    event = completed_event(approval_id)
    assert approvals.auto_release(settings, event) == "released"
    assert approvals.auto_release(settings, event) != "released"
    assert len(force_released_entries()) == 1
    assert len(holder_events()) == 1


def test_a_rejected_approval_releases_nothing(api: Api, settings: Settings) -> None:
    hold(api, "bob")
    approval_id = decided(api, "reject")
    # Even an event that claims approval is checked against the stored approval.
    outcome = approvals.auto_release(settings, completed_event(approval_id))
    assert outcome == "not_approved"
    assert api("GET", SESSION).status_code == 200
    assert force_released_entries() == []


def test_an_approval_of_another_workflow_releases_nothing(
    api: Api, settings: Settings,
) -> None:
    hold(api, "bob")
    approval_id = decided(api)
    elsewhere = replace(settings, force_release_workflow="other-workflow")
    assert approvals.auto_release(elsewhere, completed_event(approval_id)) == (
        "not_approved")
    assert api("GET", SESSION).status_code == 200


def test_unknown_approvals_and_odd_events_are_ignored(settings: Settings) -> None:
    assert approvals.auto_release(settings, completed_event("ap_nothing")) == (
        "not_approved")
    assert approvals.auto_release(settings, {"detail": {}}) == "not_approved"


def test_a_newer_session_of_the_item_is_left_alone(
    api: Api, settings: Settings,
) -> None:
    hold(api, "bob")
    approval_id = decided(api)
    assert api("DELETE", SESSION, user="bob").status_code == 204
    newer = hold(api, "dave")
    assert approvals.auto_release(settings, completed_event(approval_id)) == (
        "session_ended")
    assert api("GET", SESSION).json_body == newer
    assert force_released_entries() == []


def test_a_storage_fault_raises_so_the_event_is_retried(
    api: Api, settings: Settings,
) -> None:
    hold(api, "bob")
    approval_id = decided(api)
    with Stubber(shared_connection().client) as stub:
        stub.add_client_error("GetItem", "InternalServerError", http_status_code=500)
        with pytest.raises(StorageUnavailable):
            approvals.auto_release(settings, completed_event(approval_id))
    assert approvals.auto_release(settings, completed_event(approval_id)) == "released"


def test_two_deliveries_at_once_release_and_audit_once(
    api: Api, settings: Settings,
) -> None:
    hold(api, "bob")
    approval_id = decided(api)
    event = completed_event(approval_id)
    inner: list[str] = []

    def other_delivery_commits_first(**_: Any) -> None:
        # Both deliveries have read the live session; the other one writes first.
        if not inner:
            inner.append("started")
            inner.append(approvals.auto_release(settings, event))

    hooks = shared_connection().client.meta.events
    hooks.register("before-call.dynamodb.TransactWriteItems",
                   other_delivery_commits_first)
    try:
        outer = approvals.auto_release(settings, event)
    finally:
        hooks.unregister("before-call.dynamodb.TransactWriteItems",
                         other_delivery_commits_first)
    assert (inner[-1], outer) == ("released", "already_applied")
    assert len(force_released_entries()) == 1
