"""Handoff routes over moto: request, accept, decline, list, and what closes them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from chalicelib.errors import RateLimited
from chalicelib.services import handoffs
from chalicelib.settings import get_settings
from chalicelib.storage.models import HandoffRecord, OutboxRecord
from tests.moto.helpers import frames_posted
from tests.moto.test_delivery import connect

ITEM = "/items/P-9/edit-session"


@pytest.fixture
def held(api, workstation) -> dict:
    """alice holds P-9; bob has a workstation of his own."""
    alice_ws = workstation("alice")
    session = api("POST", ITEM, body={"workstation_id": alice_ws}).json_body
    return {"session": session, "alice_ws": alice_ws, "bob_ws": workstation("bob")}


def ask(api, held, user: str = "bob", message: str = "need it for ECO-12"):
    return api("POST", ITEM + "/request-handoff", user=user,
               body={"workstation_id": held["bob_ws"], "message": message})


def test_request_is_stored_and_reaches_the_holders_workstation(api, held, outbox) -> None:
    connect(held["alice_ws"], "conn-alice", user="alice")
    response = ask(api, held)

    assert response.status_code == 202
    request = response.json_body
    assert request["status"] == "pending"
    assert request["session_id"] == held["session"]["session_id"]
    assert request["requester"] == {"user": "bob", "workstation_id": held["bob_ws"]}

    outbox.drain()
    [frame] = frames_posted("conn-alice")
    assert frame["type"] == "edit.handoff_requested"
    assert frame["data"]["request_id"] == request["request_id"]
    assert frame["data"]["message"] == "need it for ECO-12"


def test_second_request_by_the_same_requester_returns_the_first(api, held) -> None:
    first = ask(api, held)
    second = ask(api, held, message="again")

    assert second.status_code == 200
    assert second.json_body == first.json_body
    deliveries = [d for o in OutboxRecord.scan() for d in o.payload["deliveries"]
                  if d["type"] == "edit.handoff_requested"]
    assert len(deliveries) == 1


def test_request_without_a_session_is_no_session(api, workstation) -> None:
    response = api("POST", ITEM + "/request-handoff", user="bob",
                   body={"workstation_id": workstation("bob")})
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "no_session"


def test_holder_asking_is_already_holder(api, held) -> None:
    response = api("POST", ITEM + "/request-handoff",
                   body={"workstation_id": held["alice_ws"]})
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "already_holder"


def test_message_over_500_characters_is_refused(api, held) -> None:
    response = ask(api, held, message="x" * 501)
    assert response.status_code == 400
    assert response.json_body["field"] == "message"
    assert HandoffRecord.count() == 0


def test_request_from_another_users_workstation_is_forbidden(api, held) -> None:
    response = api("POST", ITEM + "/request-handoff", user="carol",
                   body={"workstation_id": held["bob_ws"]})
    assert response.status_code == 403


def test_accept_hands_the_item_over_in_one_step(api, held, outbox) -> None:
    connect(held["bob_ws"], "conn-bob", user="bob")
    request = ask(api, held).json_body
    response = api("POST", f"{ITEM}/handoff-requests/{request['request_id']}/accept")

    assert response.status_code == 200
    new = response.json_body["session"]
    assert new["holder"]["user"] == "bob"
    assert new["fence"] > held["session"]["fence"]
    assert new["session_id"] != held["session"]["session_id"]
    assert api("GET", ITEM).json_body == new

    outbox.drain()
    accepted = [f for f in frames_posted("conn-bob")
                if f["type"] == "edit.handoff_accepted"]
    assert accepted[0]["data"]["session"] == new
    assert _audit_actions(api)[:3] == ["edit.session_acquired", "edit.session_released",
                                       "edit.handoff_accepted"]


def test_watchers_hear_release_for_handoff_then_acquire(api, held, workstation,
                                                        outbox) -> None:
    outbox.drain()
    watcher = workstation("carol")
    api("PUT", f"/workstations/{watcher}/watches/P-9", user="carol")
    connect(watcher, "conn-carol", user="carol")
    request = ask(api, held).json_body
    api("POST", f"{ITEM}/handoff-requests/{request['request_id']}/accept")
    outbox.drain()

    frames = frames_posted("conn-carol")
    assert [f["type"] for f in frames] == ["edit.session_released",
                                           "edit.session_acquired"]
    assert frames[0]["data"]["reason"] == "handoff"


def test_only_the_holder_accepts(api, held) -> None:
    request = ask(api, held).json_body
    response = api("POST", f"{ITEM}/handoff-requests/{request['request_id']}/accept",
                   user="bob")
    assert response.status_code == 403
    assert api("GET", ITEM).json_body["holder"]["user"] == "alice"


def test_accepting_a_request_on_an_ended_session_is_a_conflict(api, held) -> None:
    request = ask(api, held).json_body
    api("DELETE", ITEM)
    api("POST", ITEM, body={"workstation_id": held["alice_ws"]})

    response = api("POST", f"{ITEM}/handoff-requests/{request['request_id']}/accept")
    assert response.status_code == 409


def test_decline_tells_the_requester_with_the_holders_message(api, held, outbox) -> None:
    connect(held["bob_ws"], "conn-bob", user="bob")
    request = ask(api, held).json_body
    response = api("POST", f"{ITEM}/handoff-requests/{request['request_id']}/decline",
                   body={"message": "mid-change, try at 5"})

    assert response.status_code == 200
    assert response.json_body["status"] == "declined"
    outbox.drain()
    [frame] = frames_posted("conn-bob")
    assert frame["type"] == "edit.handoff_declined"
    assert frame["data"]["message"] == "mid-change, try at 5"
    assert api("GET", ITEM).json_body["holder"]["user"] == "alice"


def test_after_a_decline_the_requester_may_ask_again(api, held) -> None:
    first = ask(api, held).json_body
    api("POST", f"{ITEM}/handoff-requests/{first['request_id']}/decline")
    again = ask(api, held)
    assert again.status_code == 202
    assert again.json_body["request_id"] != first["request_id"]


def test_pending_requests_are_listed_for_the_holder_and_admins_only(api, held) -> None:
    request = ask(api, held).json_body
    holder_view = api("GET", ITEM + "/handoff-requests")
    admin_view = api("GET", ITEM + "/handoff-requests", user="root", roles=["admin"])
    other_view = api("GET", ITEM + "/handoff-requests", user="bob")

    assert holder_view.json_body == {"requests": [request]}
    assert admin_view.json_body == {"requests": [request]}
    assert other_view.status_code == 403


def test_release_closes_pending_requests_and_tells_requesters(api, held, outbox) -> None:
    connect(held["bob_ws"], "conn-bob", user="bob")
    request = ask(api, held).json_body
    api("DELETE", ITEM)
    outbox.drain()

    frames = frames_posted("conn-bob")
    assert frames[-1]["type"] == "edit.session_released"
    assert frames[-1]["data"]["reason"] == "released"
    stored = HandoffRecord.get("item#P-9", f"request#{request['request_id']}")
    assert stored.status == "closed"


def test_requests_past_the_per_minute_limit_are_rate_limited(api, held,
                                                             workstation) -> None:
    settings = replace(get_settings(), handoff_requests_per_minute=2)
    from chalicelib.domain.principal import Principal

    bob = Principal("bob", frozenset({"editor"}))
    for item in ("A-1", "A-2", "A-3"):
        api("POST", f"/items/{item}/edit-session",
            body={"workstation_id": held["alice_ws"]})
    handoffs.request(settings, bob, "A-1", held["bob_ws"], "")
    handoffs.request(settings, bob, "A-2", held["bob_ws"], "")
    with pytest.raises(RateLimited) as caught:
        handoffs.request(settings, bob, "A-3", held["bob_ws"], "")
    assert 1 <= caught.value.retry_after <= 60


def test_rate_limit_answers_429_with_retry_after(api, held) -> None:
    limit = get_settings().handoff_requests_per_minute
    for i in range(limit):
        api("POST", f"/items/R-{i}/edit-session",
            body={"workstation_id": held["alice_ws"]})
        assert api("POST", f"/items/R-{i}/edit-session/request-handoff", user="bob",
                   body={"workstation_id": held["bob_ws"]}).status_code == 202
    api("POST", "/items/R-X/edit-session", body={"workstation_id": held["alice_ws"]})
    response = api("POST", "/items/R-X/edit-session/request-handoff", user="bob",
                   body={"workstation_id": held["bob_ws"]})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_concurrent_accepts_declines_and_releases_end_as_some_serial_order(
    api, held, atomic_moto
) -> None:
    request = ask(api, held).json_body
    path = f"{ITEM}/handoff-requests/{request['request_id']}"
    start = threading.Barrier(10)

    def act(i: int):
        start.wait()
        if i % 3 == 0:
            return api("POST", path + "/accept")
        if i % 3 == 1:
            return api("POST", path + "/decline")
        return api("DELETE", ITEM, body={"session_id": held["session"]["session_id"]})

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(act, range(10)))

    # Only serial orders may show: one decision at most, one release at most, and
    # no release after an accept (the session went to bob). A decline followed by
    # the holder's release is one of those orders; the reverse is not.
    won = [i % 3 for i, r in enumerate(responses) if r.status_code in (200, 204)]
    assert all(r.status_code < 500 for r in responses)
    assert won.count(0) + won.count(1) <= 1 and won.count(2) <= 1
    assert not (0 in won and 2 in won)
    assert won
    stored = HandoffRecord.get("item#P-9", f"request#{request['request_id']}")
    expected = {0: "accepted", 1: "declined"}
    decided = [expected[kind] for kind in won if kind in expected]
    # After a release alone the request stays pending until the stream consumer
    # closes it.
    assert stored.status == (decided[0] if decided else "pending")


def _audit_actions(api) -> list[str]:
    audit = api("GET", "/audit?target_type=edit_session&target_id=P-9", user="root",
                roles=["admin"])
    return [e["action"] for e in audit.json_body["entries"]]


def test_a_request_whose_workstation_was_deleted_cannot_be_accepted(api, held) -> None:
    request = ask(api, held).json_body
    api("DELETE", f"/workstations/{held['bob_ws']}", user="bob")

    response = api("POST", f"{ITEM}/handoff-requests/{request['request_id']}/accept")
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "request_closed"
    assert api("GET", ITEM).json_body["holder"]["user"] == "alice"


def test_accepting_an_accepted_request_again_is_request_closed(api, held) -> None:
    request = ask(api, held).json_body
    path = f"{ITEM}/handoff-requests/{request['request_id']}/accept"
    assert api("POST", path).status_code == 200
    again = api("POST", path)
    assert again.status_code == 409
    assert again.json_body["error"]["code"] == "request_closed"
