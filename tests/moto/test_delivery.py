"""Delivery over moto: events stored per workstation, pushed to each connection,
replayed on reconnect, and gone connections forgotten."""

from __future__ import annotations

import json
import time

from botocore.stub import ANY, Stubber

import app as app_module
from chalicelib.delivery.push import management_client
from chalicelib.services import sessions
from chalicelib.storage.models import CURRENT, SessionRecord, WorkstationRecord
from tests.conftest import make_token
from tests.moto.helpers import LambdaContext, frames_posted, ws_event

ITEM = "/items/P-7/edit-session"


def connect(ws: str, connection_id: str, user: str = "alice",
            after: str | None = None) -> dict:
    query = {"token": make_token(user), "workstation_id": ws}
    if after is not None:
        query["after"] = after
    return app_module.ws_connect(ws_event("$connect", connection_id, query),
                                 LambdaContext())


def bob_watching(api, workstation, connection_id: str | None = None) -> str:
    """bob's workstation, watching P-7 and, if given, connected as `connection_id`."""
    watcher = workstation("bob")
    api("PUT", f"/workstations/{watcher}/watches/P-7", user="bob")
    if connection_id is not None:
        connect(watcher, connection_id, user="bob")
    return str(watcher)


def send(connection_id: str, frame: dict) -> dict:
    return app_module.ws_message(
        ws_event("$default", connection_id, body=json.dumps(frame)), LambdaContext())


def types(frames: list[dict]) -> list[str]:
    return [frame["type"] for frame in frames]


def test_watchers_hear_an_acquire_through_the_outbox(api, workstation, outbox) -> None:
    watcher = bob_watching(api, workstation)
    assert connect(watcher, "conn-bob", user="bob")["statusCode"] == 200

    session = api("POST", ITEM, body={"workstation_id": workstation("alice")}).json_body
    outbox.drain()

    [frame] = frames_posted("conn-bob")
    assert frame["type"] == "edit.session_acquired"
    assert frame["data"] == {"item_id": "P-7", "session": session}
    assert frame["id"] and frame["time"].endswith("Z")


def test_release_tells_watchers_who_held_it(api, workstation, outbox) -> None:
    bob_watching(api, workstation, "conn-bob")
    session = api("POST", ITEM, body={"workstation_id": workstation("alice")}).json_body
    api("DELETE", ITEM, body={"session_id": session["session_id"]})
    outbox.drain()

    released = frames_posted("conn-bob")[-1]
    assert released["type"] == "edit.session_released"
    assert released["data"] == {"item_id": "P-7", "session_id": session["session_id"],
                                "holder": session["holder"], "reason": "released"}


def test_bob_cannot_connect_to_alices_workstation(workstation) -> None:
    alice_ws = workstation("alice")
    assert connect(alice_ws, "conn-x", user="bob")["statusCode"] == 403
    assert WorkstationRecord.get(alice_ws).connections is None


def test_connect_with_a_bad_token_is_refused(workstation) -> None:
    ws = workstation("alice")
    event = ws_event("$connect", "conn-y", {"token": "nope", "workstation_id": ws})
    assert app_module.ws_connect(event, LambdaContext())["statusCode"] == 401


def test_bob_cannot_watch_from_alices_workstation(api, workstation) -> None:
    alice_ws = workstation("alice")
    response = api("PUT", f"/workstations/{alice_ws}/watches/P-7", user="bob")
    assert response.status_code == 403
    assert api("GET", f"/workstations/{alice_ws}/watches").json_body == {"items": []}


def test_push_to_a_gone_connection_removes_it_and_reaches_the_other(
    api, workstation, outbox
) -> None:
    watcher = bob_watching(api, workstation, "conn-gone")
    connect(watcher, "conn-live", user="bob")

    # Connections are pushed in id order, so the stubbed answers line up.
    with Stubber(management_client()) as stub:
        stub.add_client_error("post_to_connection", "GoneException",
                              http_status_code=410,
                              expected_params={"ConnectionId": "conn-gone", "Data": ANY})
        stub.add_response("post_to_connection", {},
                          expected_params={"ConnectionId": "conn-live", "Data": ANY})
        api("POST", ITEM, body={"workstation_id": workstation("alice")})
        outbox.drain()
        stub.assert_no_pending_responses()

    record = WorkstationRecord.get(watcher)
    assert record.connections == {"conn-live"}


def test_reconnect_with_after_gets_what_was_missed_in_order_once(
    api, workstation, outbox
) -> None:
    watcher = bob_watching(api, workstation, "conn-1")
    alice = workstation("alice")
    first = api("POST", ITEM, body={"workstation_id": alice}).json_body
    outbox.drain()
    seen = frames_posted("conn-1")[-1]["id"]
    app_module.ws_disconnect(ws_event("$disconnect", "conn-1"), LambdaContext())

    api("DELETE", ITEM, body={"session_id": first["session_id"]})
    api("POST", ITEM, body={"workstation_id": alice})
    outbox.drain()
    connect(watcher, "conn-2", user="bob", after=seen)
    outbox.drain()

    missed = frames_posted("conn-2")
    assert types(missed) == ["edit.session_released", "edit.session_acquired"]
    assert [f["id"] for f in missed] == sorted(f["id"] for f in missed)
    assert all(f["id"] > seen for f in missed)


def test_resume_message_replays_after_the_given_id(api, workstation, outbox) -> None:
    bob_watching(api, workstation, "conn-1")
    api("POST", ITEM, body={"workstation_id": workstation("alice")})
    outbox.drain()
    [live] = frames_posted("conn-1")

    send("conn-1", {"action": "resume", "after": "0"})
    assert frames_posted("conn-1") == [live, live]


def test_ping_gets_pong(workstation) -> None:
    connect(workstation("bob"), "conn-p", user="bob")
    send("conn-p", {"action": "ping"})
    assert frames_posted("conn-p") == [{"type": "pong"}]


def test_unknown_message_gets_an_error_frame(workstation) -> None:
    connect(workstation("bob"), "conn-e", user="bob")
    send("conn-e", {"action": "shout"})
    [frame] = frames_posted("conn-e")
    assert frame["type"] == "error"
    assert frame["error"]["code"] == "validation_error"


def test_expired_session_is_swept_and_watchers_hear_it(api, workstation, outbox) -> None:
    bob_watching(api, workstation, "conn-bob")
    session = api("POST", ITEM, body={"workstation_id": workstation("alice")}).json_body
    _expire("P-7")

    assert sessions.sweep_expired() == 1
    outbox.drain()

    released = frames_posted("conn-bob")[-1]
    assert released["type"] == "edit.session_released"
    assert released["data"]["reason"] == "expired"
    assert released["data"]["session_id"] == session["session_id"]
    assert api("GET", ITEM).status_code == 404
    audit = api("GET", "/audit?target_type=edit_session&target_id=P-7", roles=["admin"])
    assert audit.json_body["entries"][0]["action"] == "edit.session_expired"


def test_sweep_leaves_live_sessions_alone(api, workstation) -> None:
    api("POST", ITEM, body={"workstation_id": workstation("alice")})
    assert sessions.sweep_expired() == 0
    assert api("GET", ITEM).status_code == 200


def test_expired_session_can_be_taken_over_before_the_sweep(
    api, workstation, outbox
) -> None:
    old = api("POST", ITEM, body={"workstation_id": workstation("alice")}).json_body
    _expire("P-7")

    new = api("POST", ITEM, user="bob", body={"workstation_id": workstation("bob")})

    assert new.status_code == 201
    assert new.json_body["fence"] > old["fence"]
    audit = api("GET", "/audit?target_type=edit_session&target_id=P-7", roles=["admin"])
    actions = [e["action"] for e in audit.json_body["entries"]]
    assert actions == ["edit.session_acquired", "edit.session_expired",
                       "edit.session_acquired"]


def _expire(item_id: str) -> None:
    """Arrange a lease that ran out a minute ago, as the table would hold it."""
    SessionRecord(item_id, CURRENT).update(
        actions=[SessionRecord.expires_at.set(time.time() - 60)])


def test_resume_with_a_number_instead_of_an_id_gets_an_error_frame(workstation) -> None:
    connect(workstation("bob"), "conn-n", user="bob")
    send("conn-n", {"action": "resume", "after": 5})
    [frame] = frames_posted("conn-n")
    assert frame["type"] == "error" and frame["error"]["code"] == "validation_error"


def test_resume_after_the_largest_id_replays_nothing(workstation) -> None:
    connect(workstation("bob"), "conn-m", user="bob")
    send("conn-m", {"action": "resume", "after": "9" * 20})
    send("conn-m", {"action": "ping"})
    assert frames_posted("conn-m") == [{"type": "pong"}]


def test_replay_at_connect_waits_for_a_socket_that_is_still_opening(
    api, workstation, outbox
) -> None:
    watcher = bob_watching(api, workstation)
    api("POST", ITEM, body={"workstation_id": workstation("alice")})
    outbox.drain()
    connect(watcher, "conn-new", user="bob", after="0")

    # API Gateway answers Gone until the handshake has finished.
    with Stubber(management_client()) as stub:
        stub.add_client_error("post_to_connection", "GoneException",
                              http_status_code=410,
                              expected_params={"ConnectionId": "conn-new", "Data": ANY})
        stub.add_response("post_to_connection", {},
                          expected_params={"ConnectionId": "conn-new", "Data": ANY})
        outbox.drain()
        stub.assert_no_pending_responses()

    assert WorkstationRecord.get(watcher).connections == {"conn-new"}
