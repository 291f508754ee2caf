"""DELETE /items/{item}/edit-session/force-release, with and without approval."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chalicelib.domain.principal import Principal
from chalicelib.services import sessions
from chalicelib.storage.connection import shared_connection
from chalicelib.storage.models import AuditRecord, OutboxRecord

ITEM = "PN-100"
FORCE = f"/items/{ITEM}/edit-session/force-release"
ADMIN = ["admin"]


def hold(api: Callable[..., Any], user: str = "bob", item: str = ITEM) -> dict:
    workstation = api("POST", "/workstations", user=user, body={"name": f"{user}-cad"})
    acquired = api("POST", f"/items/{item}/edit-session", user=user,
                   body={"workstation_id": workstation.json_body["id"]})
    assert acquired.status_code == 201
    return acquired.json_body


def audit(item: str = ITEM) -> list[AuditRecord]:
    return list(AuditRecord.query(f"edit_session#{item}"))


def outbox(event_type: str) -> list[dict]:
    """Committed deliveries of one type (publish entries carry none)."""
    found = []
    for record in OutboxRecord.scan():
        found.extend(record.payload.get("deliveries", []))
    return [delivery for delivery in found if delivery.get("type") == event_type]


def test_direct_force_release_ends_the_session(api: Callable[..., Any]) -> None:
    session = hold(api)
    response = api("DELETE", FORCE, roles=ADMIN, body={"reason": "left for holiday"})
    assert response.status_code == 200
    assert response.json_body == {"released": session, "approval_id": None}
    assert api("GET", f"/items/{ITEM}/edit-session").status_code == 404


def test_direct_force_release_audits_admin_reason_and_holder(
    api: Callable[..., Any],
) -> None:
    session = hold(api)
    api("DELETE", FORCE, roles=ADMIN, body={"reason": "left for holiday"})
    [entry] = [e for e in audit() if e.action == "edit.force_released"]
    assert entry.actor == "alice"
    assert entry.details["admin"] == "alice"
    assert entry.details["reason"] == "left for holiday"
    assert entry.details["holder"] == session["holder"]
    assert entry.details["approval_id"] is None


def test_direct_force_release_commits_the_holders_event(
    api: Callable[..., Any],
) -> None:
    session = hold(api)
    api("DELETE", f"{FORCE}?reason=stuck", roles=ADMIN)
    [to_holder] = outbox("edit.force_released")
    assert to_holder["workstations"] == [session["holder"]["workstation_id"]]
    assert to_holder["data"] == {"item_id": ITEM, "session_id": session["session_id"],
                                 "holder": session["holder"], "admin": "alice",
                                 "reason": "stuck", "approval_id": None}
    [to_watchers] = outbox("edit.session_released")
    assert to_watchers["data"]["reason"] == "force_released"
    assert to_watchers["watchers_of"] == ITEM


def test_force_release_without_a_reason_is_refused(api: Callable[..., Any]) -> None:
    hold(api)
    response = api("DELETE", FORCE, roles=ADMIN)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "validation_error"
    assert api("GET", f"/items/{ITEM}/edit-session").status_code == 200


def test_force_release_of_a_free_item_is_404(api: Callable[..., Any]) -> None:
    response = api("DELETE", FORCE, roles=ADMIN, body={"reason": "x"})
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "no_session"


def test_force_release_needs_an_admin(api: Callable[..., Any]) -> None:
    hold(api)
    response = api("DELETE", FORCE, user="erin", roles=["editor"], body={"reason": "x"})
    assert response.status_code == 403
    assert api("GET", f"/items/{ITEM}/edit-session").status_code == 200


def test_force_release_that_loses_to_the_holders_release_is_404(
    api: Callable[..., Any],
) -> None:
    hold(api)
    bob = Principal("bob", frozenset({"editor"}))
    raced = threading.Event()

    def holder_releases_first(**_: Any) -> None:
        # Runs just before the force-release's transaction is sent.
        if not raced.is_set():
            raced.set()
            sessions.release(bob, ITEM, None)

    events = shared_connection().client.meta.events
    events.register("before-call.dynamodb.TransactWriteItems", holder_releases_first)
    try:
        response = api("DELETE", FORCE, roles=ADMIN, body={"reason": "x"})
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems",
                          holder_releases_first)
    assert response.status_code == 404
    assert [e.action for e in audit()].count("edit.force_released") == 0


def test_with_approval_the_session_stays_and_202_names_the_approval(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    hold(api)
    response = api("DELETE", FORCE, roles=ADMIN, body={"reason": "stuck"})
    assert response.status_code == 202
    body = response.json_body
    assert body["status"] == "pending" and body["workflow"] == "session-override"
    assert body["approval_id"]
    assert api("GET", f"/items/{ITEM}/edit-session").status_code == 200


def test_repeating_the_request_while_pending_returns_the_same_approval(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    hold(api)
    first = api("DELETE", FORCE, roles=ADMIN, body={"reason": "stuck"}).json_body
    again = api("DELETE", FORCE, user="carol", roles=ADMIN, body={"reason": "x"})
    assert again.status_code == 202
    assert again.json_body == first
    requested = [e for e in audit() if e.action == "edit.force_release_requested"]
    assert len(requested) == 1


def test_request_audits_and_tells_the_holder(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    session = hold(api)
    approval_id = api("DELETE", FORCE, roles=ADMIN,
                      body={"reason": "stuck"}).json_body["approval_id"]
    [entry] = [e for e in audit() if e.action == "edit.force_release_requested"]
    assert entry.details == {"session_id": session["session_id"], "admin": "alice",
                             "reason": "stuck", "holder": session["holder"],
                             "approval_id": approval_id}
    [told] = outbox("edit.force_release_requested")
    assert told["workstations"] == [session["holder"]["workstation_id"]]
    assert told["data"]["approval_id"] == approval_id


def test_a_closed_approval_lets_a_new_request_start(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    hold(api)
    first = api("DELETE", FORCE, roles=ADMIN, body={"reason": "a"}).json_body
    cancelled = api("POST", f"/approvals/{first['approval_id']}/cancel", roles=ADMIN)
    assert cancelled.status_code == 200
    second = api("DELETE", FORCE, roles=ADMIN, body={"reason": "b"})
    assert second.status_code == 202
    assert second.json_body["approval_id"] != first["approval_id"]


def test_with_approval_a_free_item_is_404(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    response = api("DELETE", FORCE, roles=ADMIN, body={"reason": "x"})
    assert response.status_code == 404
