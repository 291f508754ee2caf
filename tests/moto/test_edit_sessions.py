"""Edit-session routes over moto: acquire, read, heartbeat, release, and the audit."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.storage.models import AuditRecord, OutboxRecord, SessionRecord

ITEM = "/items/P-100/edit-session"


def test_acquire_of_a_free_item_starts_a_session(api, workstation) -> None:
    ws = workstation("alice")
    response = api("POST", ITEM, body={"workstation_id": ws})

    assert response.status_code == 201
    session = response.json_body
    assert session["item_id"] == "P-100"
    assert session["holder"] == {"user": "alice", "workstation_id": ws,
                                 "workstation_name": "alice-cad"}
    assert session["expires_at"] > session["acquired_at"]
    assert api("GET", ITEM, user="bob", roles=["viewer"]).json_body == session


def test_acquire_again_from_the_holding_workstation_returns_the_same_session(
    api, workstation
) -> None:
    ws = workstation("alice")
    first = api("POST", ITEM, body={"workstation_id": ws})
    again = api("POST", ITEM, body={"workstation_id": ws})

    assert again.status_code == 200
    assert again.json_body == first.json_body


def test_acquire_of_a_held_item_is_session_held_with_the_current_session(
    api, workstation
) -> None:
    first = api("POST", ITEM, body={"workstation_id": workstation("alice")})
    bob = api("POST", ITEM, user="bob", body={"workstation_id": workstation("bob")})

    assert bob.status_code == 409
    assert bob.json_body["error"]["code"] == "session_held"
    assert bob.json_body["session"] == first.json_body


def test_twenty_concurrent_acquirers_give_exactly_one_winner(
    api, workstation, atomic_moto
) -> None:
    stations = [workstation(f"user{i}") for i in range(20)]

    def acquire(i: int) -> Any:
        return api("POST", ITEM, user=f"user{i}", body={"workstation_id": stations[i]})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(acquire, range(20)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19
    assert {r.json_body["error"]["code"] for r in responses if r.status_code == 409} == {
        "session_held"}
    acquired = _audit_actions("P-100").count("edit.session_acquired")
    assert acquired == 1


def test_each_new_session_gets_a_larger_fence(api, workstation) -> None:
    ws = workstation("alice")
    fences = []
    for _ in range(3):
        session = api("POST", ITEM, body={"workstation_id": ws}).json_body
        fences.append(session["fence"])
        api("DELETE", ITEM, body={"session_id": session["session_id"]})

    assert fences == sorted(fences) and len(set(fences)) == 3


def test_heartbeat_extends_the_lease(api, workstation) -> None:
    session = api("POST", ITEM, body={"workstation_id": workstation()}).json_body
    renewed = api("POST", ITEM + "/heartbeat", body={"session_id": session["session_id"]})

    assert renewed.status_code == 200
    assert renewed.json_body["session_id"] == session["session_id"]
    assert renewed.json_body["expires_at"] >= session["expires_at"]


def test_heartbeat_with_an_old_session_id_is_session_lost(api, workstation) -> None:
    ws = workstation()
    old = api("POST", ITEM, body={"workstation_id": ws}).json_body
    api("DELETE", ITEM)
    api("POST", ITEM, body={"workstation_id": ws})

    response = api("POST", ITEM + "/heartbeat", body={"session_id": old["session_id"]})
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "session_lost"


def test_heartbeat_by_someone_else_is_forbidden(api, workstation) -> None:
    session = api("POST", ITEM, body={"workstation_id": workstation()}).json_body
    response = api("POST", ITEM + "/heartbeat", user="bob",
                   body={"session_id": session["session_id"]})
    assert response.status_code == 403


def test_release_frees_the_item_and_is_audited(api, workstation) -> None:
    session = api("POST", ITEM, body={"workstation_id": workstation()}).json_body
    response = api("DELETE", ITEM + "?session_id=" + session["session_id"])

    assert response.status_code == 204
    assert api("GET", ITEM).json_body["error"]["code"] == "no_session"
    assert _audit_actions("P-100") == ["edit.session_released", "edit.session_acquired"]


def test_release_without_a_session_id_releases_the_callers_session(
    api, workstation
) -> None:
    api("POST", ITEM, body={"workstation_id": workstation()})
    assert api("DELETE", ITEM).status_code == 204
    assert api("GET", ITEM).status_code == 404


def test_release_of_a_free_item_is_no_session(api) -> None:
    response = api("DELETE", ITEM)
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "no_session"


def test_release_by_someone_else_is_forbidden_and_keeps_the_session(
    api, workstation
) -> None:
    session = api("POST", ITEM, body={"workstation_id": workstation()}).json_body
    response = api("DELETE", ITEM, user="bob", body={"session_id": session["session_id"]})

    assert response.status_code == 403
    assert api("GET", ITEM).json_body["session_id"] == session["session_id"]


def test_body_carrying_fence_or_holder_is_refused_and_nothing_is_stored(
    api, workstation
) -> None:
    ws = workstation()
    for extra in ({"fence": 999}, {"holder": {"user": "mallory"}}):
        response = api("POST", ITEM, body={"workstation_id": ws, **extra})
        assert response.status_code == 400
        assert response.json_body["error"]["code"] == "validation_error"
        assert response.json_body["field"] in extra

    assert SessionRecord.count() == 0
    assert OutboxRecord.count() == 0
    assert AuditRecord.count() == 0


def test_acquire_for_another_users_workstation_is_forbidden(api, workstation) -> None:
    alice_ws = workstation("alice")
    response = api("POST", ITEM, user="bob", body={"workstation_id": alice_ws})
    assert response.status_code == 403
    assert SessionRecord.count() == 0


def test_viewer_cannot_acquire(api, workstation) -> None:
    response = api("POST", ITEM, roles=["viewer"],
                   body={"workstation_id": workstation()})
    assert response.status_code == 403


def test_acquire_of_an_unknown_workstation_is_not_found(api) -> None:
    response = api("POST", ITEM, body={"workstation_id": "ws_nope"})
    assert response.status_code == 404


def test_invalid_item_id_is_a_validation_error(api, workstation) -> None:
    response = api("POST", "/items/-bad/edit-session",
                   body={"workstation_id": workstation()})
    assert response.status_code == 400
    assert response.json_body["field"] == "item_id"


def test_bad_json_is_a_validation_error(api) -> None:
    response = api("POST", ITEM, body="{not json")
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "validation_error"


def test_session_is_one_transaction_with_its_audit_entry_and_event(
    api, workstation
) -> None:
    api("POST", ITEM, body={"workstation_id": workstation()})
    kinds = [(o.kind, d["type"]) for o in OutboxRecord.scan()
             for d in o.payload["deliveries"]]
    assert kinds == [("deliver", "edit.session_acquired")]
    assert _audit_actions("P-100") == ["edit.session_acquired"]


def test_token_for_another_audience_is_unauthenticated(client, token) -> None:
    bad = token("alice", aud="another-service")
    response = client.http.get(ITEM, headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthenticated"


def test_token_without_exp_is_unauthenticated(client, token) -> None:
    bad = token("alice", exp=None)
    response = client.http.get(ITEM, headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401


def test_health_needs_no_token(client) -> None:
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


def _audit_actions(item_id: str) -> list[str]:
    return [entry.action for entry in AuditRecord.query(
        f"edit_session#{item_id}", scan_index_forward=False)]


Api = Callable[..., Any]


def test_release_with_different_session_ids_in_body_and_query_is_refused(
    api, workstation
) -> None:
    session = api("POST", ITEM, body={"workstation_id": workstation()}).json_body
    response = api("DELETE", ITEM + "?session_id=es_other",
                   body={"session_id": session["session_id"]})
    assert response.status_code == 400
    assert api("GET", ITEM).status_code == 200


def test_wrong_method_is_405_in_the_contracts_error_form(client, token) -> None:
    response = client.http.patch("/workstations",
                                 headers={"Authorization": f"Bearer {token('a')}"})
    assert response.status_code == 405
    assert response.json_body["error"]["code"] == "method_not_allowed"


def test_name_with_a_lone_surrogate_is_a_validation_error(api) -> None:
    response = api("POST", "/workstations", body='{"name": "\\ud800"}')
    assert response.status_code == 400
    assert response.json_body["field"] == "name"


def test_acquire_that_collides_in_flight_answers_session_held_with_the_winner(
    api, workstation
) -> None:
    """Real DynamoDB cancels a transaction that collides with another one in flight
    (TransactionConflict); moto never does, so the collision is forced with Stubber."""
    from botocore.stub import Stubber

    from chalicelib.storage.connection import shared_connection

    bob_ws, alice_ws = workstation("bob"), workstation("alice")
    winner = api("POST", ITEM, user="alice", body={"workstation_id": alice_ws}).json_body
    slot = shared_connection().client.get_item(
        TableName=SessionRecord.Meta.table_name,
        Key={"item_id": {"S": "P-100"}, "record": {"S": "current"}},
        ConsistentRead=True)
    # Watching reads (and caches) bob's workstation, so acquire goes straight to
    # its transaction.
    api("PUT", f"/workstations/{bob_ws}/watches/Z-1", user="bob")
    with Stubber(shared_connection().client) as stub:
        stub.add_client_error(
            "transact_write_items", "TransactionCanceledException",
            modeled_fields={"CancellationReasons": [{"Code": "None"}] * 4
                            + [{"Code": "TransactionConflict"}]},
            expected_params=None)
        stub.add_response("get_item", {"Item": slot["Item"]}, expected_params=None)
        response = api("POST", ITEM, user="bob", body={"workstation_id": bob_ws})

    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "session_held"
    assert response.json_body["session"] == winner
