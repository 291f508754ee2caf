"""The edit-session core over the running local stack."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from websockets.exceptions import InvalidStatus

from devstack.testing import running_stack
from tests.e2e.conftest import STACK_ENV, Api, frames_until

pytestmark = pytest.mark.e2e


def test_health_answers_without_a_token(api: Api) -> None:
    response = requests.get(api.stack.http_url + "/health", timeout=10)
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_404_in_the_contracts_error_form(api: Api) -> None:
    response = api.call("GET", "/no/such/route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_watcher_hears_acquire_and_release_over_the_socket(api: Api) -> None:
    watcher = api.workstation("bob")
    assert api.call("PUT", f"/workstations/{watcher}/watches/E-1", user="bob"
                    ).status_code == 204
    with api.socket("bob", watcher) as socket:
        socket.send(json.dumps({"action": "ping"}))
        assert frames_until(socket, "pong")[-1] == {"type": "pong"}

        alice = api.workstation("alice")
        session = api.call("POST", "/items/E-1/edit-session",
                           body={"workstation_id": alice}).json()
        acquired = frames_until(socket, "edit.session_acquired")[-1]
        assert acquired["data"] == {"item_id": "E-1", "session": session}

        api.call("DELETE", "/items/E-1/edit-session",
                 body={"session_id": session["session_id"]})
        released = frames_until(socket, "edit.session_released")[-1]
        assert released["data"]["reason"] == "released"
        assert released["data"]["holder"] == session["holder"]
        assert released["id"] > acquired["id"]


def test_twenty_concurrent_acquirers_over_http_give_one_winner(api: Api) -> None:
    users = [f"racer{i}" for i in range(20)]
    stations = {user: api.workstation(user) for user in users}
    start = threading.Barrier(20)

    def acquire(user: str) -> requests.Response:
        start.wait()
        return api.call("POST", "/items/E-RACE/edit-session", user=user,
                        body={"workstation_id": stations[user]})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(acquire, users))

    assert sorted(r.status_code for r in responses) == [201] + [409] * 19
    losers = [r.json() for r in responses if r.status_code == 409]
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert all(body["error"]["code"] == "session_held" for body in losers)
    assert all(body["session"] == winner for body in losers)


def test_bob_cannot_connect_to_alices_workstation(api: Api) -> None:
    alice = api.workstation("alice")
    with pytest.raises(InvalidStatus) as refused:
        api.socket("bob", alice)
    assert refused.value.response.status_code == 403


def test_bob_cannot_watch_from_alices_workstation(api: Api) -> None:
    alice = api.workstation("alice")
    response = api.call("PUT", f"/workstations/{alice}/watches/E-2", user="bob")
    assert response.status_code == 403


def test_reconnect_with_after_delivers_what_was_missed_in_order_once(api: Api) -> None:
    watcher, alice = api.workstation("bob"), api.workstation("alice")
    api.call("PUT", f"/workstations/{watcher}/watches/E-3", user="bob")
    with api.socket("bob", watcher) as socket:
        first = api.call("POST", "/items/E-3/edit-session",
                         body={"workstation_id": alice}).json()
        seen = frames_until(socket, "edit.session_acquired")[-1]["id"]

    api.call("DELETE", "/items/E-3/edit-session",
             body={"session_id": first["session_id"]})
    api.call("POST", "/items/E-3/edit-session", body={"workstation_id": alice})

    with api.socket("bob", watcher, after=seen) as socket:
        missed = frames_until(socket, "edit.session_acquired")
        socket.send(json.dumps({"action": "ping"}))
        after_replay = frames_until(socket, "pong")

    assert [f["type"] for f in missed] == ["edit.session_released",
                                           "edit.session_acquired"]
    assert [f["id"] for f in missed] == sorted(f["id"] for f in missed)
    assert all(f["id"] > seen for f in missed)
    assert after_replay == [{"type": "pong"}]


def test_expired_session_is_swept_and_watchers_hear_it() -> None:
    env = {**STACK_ENV, "SESSION_LEASE_SECONDS": "1"}
    with running_stack(env=env) as short_leases:
        api = Api(short_leases)
        watcher = api.workstation("bob")
        api.call("PUT", f"/workstations/{watcher}/watches/E-4", user="bob")
        with api.socket("bob", watcher) as socket:
            api.call("POST", "/items/E-4/edit-session",
                     body={"workstation_id": api.workstation("alice")})
            released = frames_until(socket, "edit.session_released")[-1]

        assert released["data"]["reason"] == "expired"
        assert api.call("GET", "/items/E-4/edit-session").status_code == 404
        audit = api.call("GET", "/audit?target_type=edit_session&target_id=E-4",
                         roles=["admin"]).json()
        assert audit["entries"][0]["action"] == "edit.session_expired"
