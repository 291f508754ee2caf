"""Handoff requests over the running local stack."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import Api, frames_until

pytestmark = pytest.mark.e2e


def held_by_alice(api: Api, item: str) -> tuple[str, str, dict]:
    alice, bob = api.workstation("alice"), api.workstation("bob")
    session = api.call("POST", f"/items/{item}/edit-session",
                       body={"workstation_id": alice}).json()
    return alice, bob, session


def ask(api: Api, item: str, bob: str) -> dict:
    response = api.call("POST", f"/items/{item}/edit-session/request-handoff",
                        user="bob", body={"workstation_id": bob, "message": "ECO-7"})
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_request_reaches_the_holders_socket(api: Api) -> None:
    alice, bob, _ = held_by_alice(api, "H-1")
    with api.socket("alice", alice) as socket:
        request = ask(api, "H-1", bob)
        frame = frames_until(socket, "edit.handoff_requested")[-1]

    assert frame["data"]["request_id"] == request["request_id"]
    assert frame["data"]["requester"] == {"user": "bob", "workstation_id": bob}
    assert frame["data"]["message"] == "ECO-7"


def test_offline_holder_gets_the_request_on_reconnect_with_after(api: Api) -> None:
    alice, bob, _ = held_by_alice(api, "H-2")
    with api.socket("alice", alice) as socket:
        socket.send('{"action": "ping"}')
        frames_until(socket, "pong")

    request = ask(api, "H-2", bob)
    with api.socket("alice", alice, after="0") as socket:
        frame = frames_until(socket, "edit.handoff_requested")[-1]
    assert frame["data"]["request_id"] == request["request_id"]


def test_accept_gives_the_requester_the_new_session(api: Api) -> None:
    alice, bob, old = held_by_alice(api, "H-3")
    request = ask(api, "H-3", bob)
    with api.socket("bob", bob) as socket:
        accepted = api.call(
            "POST", f"/items/H-3/edit-session/handoff-requests/"
                    f"{request['request_id']}/accept")
        frame = frames_until(socket, "edit.handoff_accepted")[-1]

    new = accepted.json()["session"]
    assert frame["data"]["session"] == new
    assert new["holder"]["user"] == "bob" and new["fence"] > old["fence"]
    assert api.call("GET", "/items/H-3/edit-session").json() == new


def test_concurrent_accepts_declines_and_releases_end_as_some_serial_order(
    api: Api,
) -> None:
    _, bob, session = held_by_alice(api, "H-4")
    request = ask(api, "H-4", bob)
    path = f"/items/H-4/edit-session/handoff-requests/{request['request_id']}"
    start = threading.Barrier(10)

    def act(i: int) -> requests.Response:
        start.wait()
        if i % 3 == 0:
            return api.call("POST", path + "/accept")
        if i % 3 == 1:
            return api.call("POST", path + "/decline")
        return api.call("DELETE", "/items/H-4/edit-session",
                        body={"session_id": session["session_id"]})

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(act, range(10)))

    # Only serial orders may show: one decision at most, one release at most, and
    # no release after an accept. A decline, then the holder's release, is one.
    won = [i % 3 for i, r in enumerate(responses) if r.status_code in (200, 204)]
    assert all(r.status_code < 500 for r in responses)
    assert won and won.count(0) + won.count(1) <= 1 and won.count(2) <= 1
    assert not (0 in won and 2 in won)
    current = api.call("GET", "/items/H-4/edit-session")
    if 0 in won:
        assert current.json()["holder"]["user"] == "bob"
    elif 2 in won:
        assert current.status_code == 404
    else:
        assert current.json()["holder"]["user"] == "alice"
