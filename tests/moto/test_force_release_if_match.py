"""Force-release of exactly the session an admin saw: GET gives an ETag, and
force-release with that tag in If-Match ends that session and no later one."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.storage.connection import shared_connection
from tests.moto.test_force_release import ADMIN, FORCE, ITEM, audit, hold

SESSION = f"/items/{ITEM}/edit-session"


def seen_tag(api: Callable[..., Any]) -> str:
    shown = api("GET", SESSION)
    assert shown.status_code == 200
    return shown.headers["ETag"]


def force(api: Callable[..., Any], tag: str, **kwargs: Any) -> Any:
    return api("DELETE", FORCE, roles=ADMIN, body={"reason": "stuck"},
               headers={"If-Match": tag}, **kwargs)


def forged(tag: str, **changes: Any) -> str:
    """The tag with some of its fields changed, encoded as the service encodes."""
    raw = tag.strip('"')
    fields = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    names = ["session_id", "fence", "user", "workstation_id", "workstation_name",
             "acquired_at", "expires_at"]
    fields = [changes.get(name, value) for name, value in zip(names, fields, strict=True)]
    encoded = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()
    return f'"{encoded.rstrip("=")}"'


@pytest.fixture
def calls() -> Iterator[Counter[str]]:
    counted: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counted[model.name] += 1

    events = shared_connection().client.meta.events
    events.register("before-call.dynamodb", count)
    yield counted
    events.unregister("before-call.dynamodb", count)


def test_get_gives_the_session_an_entity_tag(api: Callable[..., Any]) -> None:
    hold(api)
    tag = seen_tag(api)
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 2


def test_force_release_with_the_seen_tag_ends_that_session(
    api: Callable[..., Any],
) -> None:
    session = hold(api)
    response = force(api, seen_tag(api))
    assert response.status_code == 200
    assert response.json_body == {"released": session, "approval_id": None}
    assert api("GET", SESSION).status_code == 404
    [entry] = [e for e in audit() if e.action == "edit.force_released"]
    assert entry.details["holder"] == session["holder"]


def test_force_release_with_a_tag_is_one_write_and_no_read(
    api: Callable[..., Any], calls: Counter[str],
) -> None:
    hold(api)
    tag = seen_tag(api)
    calls.clear()
    assert force(api, tag).status_code == 200
    assert calls == Counter({"TransactWriteItems": 1})


def test_a_tag_of_an_earlier_session_releases_nobody_and_names_the_current_one(
    api: Callable[..., Any],
) -> None:
    hold(api)
    stale = seen_tag(api)
    api("DELETE", SESSION, user="bob")
    current = hold(api, user="carol")
    response = force(api, stale)
    assert response.status_code == 412
    assert response.json_body["error"]["code"] == "precondition_failed"
    assert response.json_body["session"] == current
    assert api("GET", SESSION).json_body == current
    assert [e.action for e in audit()].count("edit.force_released") == 0


def test_a_heartbeat_after_the_tag_still_releases_that_session(
    api: Callable[..., Any],
) -> None:
    session = hold(api)
    tag = seen_tag(api)
    beat = api("POST", f"{SESSION}/heartbeat", user="bob",
               body={"session_id": session["session_id"]})
    assert beat.status_code == 200 and seen_tag(api) != tag
    response = force(api, tag)
    assert response.status_code == 200
    assert response.json_body["released"] == session  # as the tag showed it
    assert api("GET", SESSION).status_code == 404


def test_a_tag_for_a_session_that_ended_is_404(api: Callable[..., Any]) -> None:
    hold(api)
    tag = seen_tag(api)
    api("DELETE", SESSION, user="bob")
    response = force(api, tag)
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "no_session"


@pytest.mark.parametrize("change", [
    {"user": "mallory"},
    {"workstation_id": "ws-someone-else"},
    {"workstation_name": "renamed"},
    {"fence": 1},
    {"acquired_at": 1.5},
])
def test_an_altered_tag_changes_nothing(
    api: Callable[..., Any], change: dict[str, Any],
) -> None:
    session = hold(api)
    response = force(api, forged(seen_tag(api), **change))
    assert response.status_code == 412
    assert api("GET", SESSION).json_body == session
    assert [e.action for e in audit()].count("edit.force_released") == 0


@pytest.mark.parametrize("header", ['"not-base64!"', '"e30"', '""', f'"{"A" * 3000}"'])
def test_a_tag_the_service_never_made_is_412(
    api: Callable[..., Any], header: str,
) -> None:
    hold(api)
    response = force(api, header)
    assert response.status_code == 412
    assert api("GET", SESSION).status_code == 200


@pytest.mark.parametrize("header", ['W/"abc"', '"a", "b"', "abc"])
def test_a_weak_unquoted_or_listed_if_match_is_a_validation_error(
    api: Callable[..., Any], header: str,
) -> None:
    hold(api)
    response = force(api, header)
    assert response.status_code == 400
    assert response.json_body["field"] == "If-Match"
    assert api("GET", SESSION).status_code == 200


def test_if_match_star_releases_whoever_holds_the_item(api: Callable[..., Any]) -> None:
    session = hold(api)
    response = force(api, "*")
    assert response.status_code == 200
    assert response.json_body["released"] == session


def test_with_approval_a_tag_names_the_approvals_session_without_a_read(
    api: Callable[..., Any], approval_mode: None, calls: Counter[str],
) -> None:
    session = hold(api)
    tag = seen_tag(api)
    calls.clear()
    response = force(api, tag)
    assert calls == Counter({"TransactWriteItems": 1})
    assert response.status_code == 202
    approval = api("GET", f"/approvals/{response.json_body['approval_id']}",
                   roles=ADMIN).json_body
    assert approval["subject"]["session_id"] == session["session_id"]


def test_with_approval_a_stale_tag_asks_for_nothing(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    hold(api)
    stale = seen_tag(api)
    api("DELETE", SESSION, user="bob")
    hold(api, user="carol")
    assert force(api, stale).status_code == 412
    assert api("GET", "/approvals", roles=ADMIN).json_body["approvals"] == []


def test_with_approval_a_heartbeat_after_the_tag_does_not_matter(
    api: Callable[..., Any], approval_mode: None,
) -> None:
    session = hold(api)
    tag = seen_tag(api)
    api("POST", f"{SESSION}/heartbeat", user="bob",
        body={"session_id": session["session_id"]})
    assert force(api, tag).status_code == 202
