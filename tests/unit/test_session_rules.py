"""Edit-session rules, with no AWS."""

import pytest

from chalicelib.domain.sessions import (
    EditSession,
    Holder,
    check_heartbeat,
    check_holder,
    check_release,
    extend_lease,
    live_or_none,
    start_session,
)
from chalicelib.errors import Forbidden, NoSession, SessionLost

ALICE = Holder("alice", "ws_a", "alice-cad")


def session(expires_at: float = 1_000.0, session_id: str = "es_1") -> EditSession:
    return EditSession("P-1", session_id, 7, ALICE, 400.0, expires_at)


def test_new_session_fence_is_above_the_previous_one() -> None:
    started = start_session("P-1", "es_2", ALICE, previous_fence=41, now=10.0,
                            lease_seconds=600)
    assert started.fence == 42
    assert started.expires_at == 610.0


def test_heartbeat_moves_expiry_from_now() -> None:
    assert extend_lease(session(), now=900.0, lease_seconds=600).expires_at == 1500.0


def test_session_past_its_expiry_is_over_even_if_not_swept() -> None:
    assert live_or_none(session(expires_at=1_000.0), now=1_000.0) is None
    assert live_or_none(session(expires_at=1_000.0), now=999.9) is not None


def test_heartbeat_with_an_old_session_id_is_session_lost() -> None:
    with pytest.raises(SessionLost):
        check_heartbeat(session(session_id="es_new"), "es_old", now=500.0)


def test_heartbeat_on_an_expired_session_is_session_lost() -> None:
    with pytest.raises(SessionLost):
        check_heartbeat(session(expires_at=100.0), "es_1", now=500.0)


def test_release_of_a_free_item_is_no_session() -> None:
    with pytest.raises(NoSession):
        check_release(None, "alice", None, now=500.0)


def test_release_by_someone_else_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        check_release(session(), "bob", None, now=500.0)


def test_release_naming_an_older_session_is_session_lost() -> None:
    with pytest.raises(SessionLost):
        check_release(session(), "alice", "es_0", now=500.0)


def test_holder_releases_own_live_session() -> None:
    assert check_release(session(), "alice", "es_1", now=500.0).session_id == "es_1"


def test_holder_only_actions_refuse_other_users() -> None:
    with pytest.raises(Forbidden):
        check_holder(session(), "bob", now=500.0)


def test_session_serialises_times_as_iso_utc() -> None:
    body = session().to_dict()
    assert body["acquired_at"] == "1970-01-01T00:06:40Z"
    assert body["holder"] == {"user": "alice", "workstation_id": "ws_a",
                              "workstation_name": "alice-cad"}

