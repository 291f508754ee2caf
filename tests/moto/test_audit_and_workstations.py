"""The audit log's paging and the workstation routes, over moto."""

from __future__ import annotations

import base64
import json

AUDIT = "/audit?target_type=edit_session&target_id=P-5"


def churn(api, workstation, times: int) -> None:
    ws = workstation("alice")
    for _ in range(times):
        session = api("POST", "/items/P-5/edit-session",
                      body={"workstation_id": ws}).json_body
        api("DELETE", "/items/P-5/edit-session",
            body={"session_id": session["session_id"]})


def test_audit_pages_newest_first_and_the_cursor_reaches_every_entry(
    api, workstation
) -> None:
    churn(api, workstation, 3)
    seen, cursor = [], None
    while True:
        page = api("GET", AUDIT + "&limit=2" + (f"&cursor={cursor}" if cursor else ""),
                   user="root", roles=["admin"]).json_body
        seen.extend(page["entries"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == 6
    assert [e["id"] for e in seen] == sorted((e["id"] for e in seen), reverse=True)
    assert seen[0]["action"] == "edit.session_released"
    assert seen[-1]["action"] == "edit.session_acquired"
    assert all(e["target_type"] == "edit_session" and e["target_id"] == "P-5"
               for e in seen)


def test_audit_is_for_admins_only(api) -> None:
    assert api("GET", AUDIT, roles=["editor"]).status_code == 403


def test_a_cursor_for_another_target_is_refused(api, workstation) -> None:
    churn(api, workstation, 2)
    first = api("GET", AUDIT + "&limit=1", user="root", roles=["admin"]).json_body
    other = "/audit?target_type=edit_session&target_id=P-6&cursor="
    response = api("GET", other + first["next_cursor"], user="root", roles=["admin"])
    assert response.status_code == 400
    assert response.json_body["field"] == "cursor"


def test_a_forged_cursor_is_refused(api) -> None:
    forged = base64.urlsafe_b64encode(json.dumps({"x": 1}).encode()).decode()
    response = api("GET", AUDIT + "&cursor=" + forged, user="root", roles=["admin"])
    assert response.status_code == 400


def test_audit_needs_a_target(api) -> None:
    response = api("GET", "/audit", user="root", roles=["admin"])
    assert response.status_code == 400


def test_workstations_are_listed_for_their_owner_only(api, workstation) -> None:
    mine = workstation("alice")
    workstation("bob")
    listed = api("GET", "/workstations").json_body["workstations"]
    assert [w["id"] for w in listed] == [mine]
    assert listed[0]["owner"] == "alice"


def test_workstation_name_over_64_characters_is_refused(api) -> None:
    response = api("POST", "/workstations", body={"name": "x" * 65})
    assert response.status_code == 400
    assert response.json_body["field"] == "name"


def test_owner_deletes_a_workstation_and_its_watches(api, workstation) -> None:
    ws = workstation("alice")
    api("PUT", f"/workstations/{ws}/watches/P-5")
    assert api("DELETE", f"/workstations/{ws}").status_code == 204
    assert api("GET", "/workstations").json_body == {"workstations": []}
    assert api("GET", f"/workstations/{ws}/watches").status_code == 404


def test_another_user_cannot_delete_a_workstation_but_an_admin_can(
    api, workstation
) -> None:
    ws = workstation("alice")
    assert api("DELETE", f"/workstations/{ws}", user="bob").status_code == 403
    assert api("DELETE", f"/workstations/{ws}", user="root",
               roles=["admin"]).status_code == 204


def test_watching_twice_is_harmless_and_unwatching_removes_it(api, workstation) -> None:
    ws = workstation("alice")
    for _ in range(2):
        assert api("PUT", f"/workstations/{ws}/watches/P-5").status_code == 204
    assert api("GET", f"/workstations/{ws}/watches").json_body == {"items": ["P-5"]}
    assert api("DELETE", f"/workstations/{ws}/watches/P-5").status_code == 204
    assert api("GET", f"/workstations/{ws}/watches").json_body == {"items": []}


def test_unknown_fields_on_register_are_refused(api) -> None:
    response = api("POST", "/workstations", body={"name": "cad", "owner": "mallory"})
    assert response.status_code == 400
    assert response.json_body["field"] == "owner"
