"""Admin force-release over the running local stack, with approval off and on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.testing import RunningStack, running_stack
from tests.e2e.conftest import STACK_ENV, Api, frames_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def approving_stack() -> Iterator[RunningStack]:
    env = {**STACK_ENV, "FORCE_RELEASE_REQUIRES_APPROVAL": "true"}
    with running_stack(env=env) as running:
        yield running


def test_without_approval_the_release_is_immediate(api: Api) -> None:
    alice = api.workstation("alice")
    session = api.call("POST", "/items/F-1/edit-session",
                       body={"workstation_id": alice}).json()
    with api.socket("alice", alice) as socket:
        response = api.call("DELETE", "/items/F-1/edit-session/force-release",
                            user="root", roles=["admin"],
                            body={"reason": "workstation died"})
        frame = frames_until(socket, "edit.force_released")[-1]

    assert response.status_code == 200
    assert response.json() == {"released": session, "approval_id": None}
    assert frame["data"]["admin"] == "root"
    assert frame["data"]["reason"] == "workstation died"
    assert api.call("GET", "/items/F-1/edit-session").status_code == 404


def test_force_release_with_the_etag_of_get_ends_exactly_that_session(
    api: Api,
) -> None:
    alice, bob = api.workstation("alice"), api.workstation("bob")
    first = api.call("POST", "/items/F-4/edit-session", body={"workstation_id": alice})
    stale = api.call("GET", "/items/F-4/edit-session").headers["ETag"]
    api.call("DELETE", "/items/F-4/edit-session", body={
        "session_id": first.json()["session_id"]})
    second = api.call("POST", "/items/F-4/edit-session", user="bob",
                      body={"workstation_id": bob}).json()
    path = "/items/F-4/edit-session/force-release?reason=stuck"

    refused = api.call("DELETE", path, user="root", roles=["admin"],
                       headers={"If-Match": stale})
    current = api.call("GET", "/items/F-4/edit-session").headers["ETag"]
    released = api.call("DELETE", path, user="root", roles=["admin"],
                        headers={"If-Match": current})

    assert refused.status_code == 412
    assert refused.json()["session"] == second
    assert released.status_code == 200
    assert released.json()["released"] == second


def test_with_approval_the_holder_is_warned_and_a_second_admin_releases(
    approving_stack: RunningStack,
) -> None:
    api = Api(approving_stack)
    alice = api.workstation("alice")
    api.call("POST", "/items/F-2/edit-session", body={"workstation_id": alice})

    with api.socket("alice", alice) as socket:
        asked = api.call("DELETE", "/items/F-2/edit-session/force-release?reason=away",
                         user="root", roles=["admin"])
        warning = frames_until(socket, "edit.force_release_requested")[-1]
        assert asked.status_code == 202
        approval_id = asked.json()["approval_id"]
        assert warning["data"]["approval_id"] == approval_id
        assert api.call("GET", "/items/F-2/edit-session").status_code == 200

        signed = api.call("POST", f"/approvals/{approval_id}/sign", user="carol",
                          roles=["admin"], body={"decision": "approve"})
        released = frames_until(socket, "edit.force_released", timeout=30)[-1]

    assert signed.json()["status"] == "approved"
    assert released["data"]["approval_id"] == approval_id
    assert api.call("GET", "/items/F-2/edit-session").status_code == 404


def test_the_requesting_admin_cannot_approve_their_own_request(
    approving_stack: RunningStack,
) -> None:
    api = Api(approving_stack)
    api.call("POST", "/items/F-3/edit-session",
             body={"workstation_id": api.workstation("alice")})
    asked = api.call("DELETE", "/items/F-3/edit-session/force-release?reason=away",
                     user="root", roles=["admin"]).json()
    response = api.call("POST", f"/approvals/{asked['approval_id']}/sign", user="root",
                        roles=["admin"], body={"decision": "approve"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "self_approval"
