"""Handoff rules, with no AWS."""

import pytest

from chalicelib.domain import handoffs as rules
from chalicelib.domain.handoffs import HandoffRequest
from chalicelib.domain.sessions import EditSession, Holder
from chalicelib.errors import (
    AlreadyHolder,
    Forbidden,
    NotFound,
    RequestClosed,
    SessionLost,
)

ALICE = Holder("alice", "ws_a", "alice-cad")
SESSION = EditSession("P-1", "es_1", 5, ALICE, 0.0, 600.0)


def request(status: str = rules.PENDING, session_id: str = "es_1") -> HandoffRequest:
    return HandoffRequest("hr_1", "P-1", session_id, "bob", "ws_b", "please", status, 1.0)


def test_holder_cannot_ask_for_their_own_item() -> None:
    with pytest.raises(AlreadyHolder):
        rules.check_may_request(SESSION, "alice")


def test_another_user_may_ask() -> None:
    rules.check_may_request(SESSION, "bob")


def test_only_the_holder_decides() -> None:
    with pytest.raises(Forbidden):
        rules.check_decidable(request(), SESSION, "carol")


def test_request_on_an_older_session_cannot_be_decided() -> None:
    with pytest.raises(SessionLost):
        rules.check_decidable(request(session_id="es_0"), SESSION, "alice")


def test_request_after_the_session_ended_cannot_be_decided() -> None:
    with pytest.raises(SessionLost):
        rules.check_decidable(request(), None, "alice")


def test_decided_request_cannot_be_decided_again() -> None:
    with pytest.raises(RequestClosed):
        rules.check_decidable(request(status=rules.DECLINED), SESSION, "alice")


def test_unknown_request_is_not_found() -> None:
    with pytest.raises(NotFound):
        rules.check_decidable(None, SESSION, "alice")


def test_accept_tells_requester_watchers_and_audits_all_three_changes() -> None:
    new = EditSession("P-1", "es_2", 6, Holder("bob", "ws_b", "bob-cad"), 10.0, 610.0)
    effects = rules.accepted(request(), SESSION, new)

    assert [e.action for e in effects.audit] == [
        "edit.handoff_accepted", "edit.session_released", "edit.session_acquired"]
    to_requester, released, acquired = effects.deliveries
    assert to_requester.workstations == ("ws_b",)
    assert to_requester.data["session"]["session_id"] == "es_2"
    assert released.data["reason"] == "handoff"
    assert released.close_requests_of == ("P-1", "es_1")
    assert acquired.watchers_of == "P-1"


def test_request_event_goes_to_the_holders_workstation_with_the_message() -> None:
    effects = rules.requested(request(), "ws_a")
    delivery = effects.deliveries[0]
    assert delivery.workstations == ("ws_a",)
    assert delivery.data["message"] == "please"
    assert delivery.data["requester"] == {"user": "bob", "workstation_id": "ws_b"}
