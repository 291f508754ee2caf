"""Structured logs: JSON lines with the request id, user and item, never a token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from chalicelib import logs


@pytest.fixture
def log_lines() -> io.StringIO:
    """What the service's JSON handler writes, captured."""
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger("chalicelib").handlers
                   if getattr(h, "_edit_sessions", False))
    original = handler.setStream(stream)  # type: ignore[attr-defined]
    yield stream
    handler.setStream(original)  # type: ignore[attr-defined]


def test_request_log_is_json_with_user_and_item_and_no_token(
    api, workstation, log_lines
) -> None:
    ws = workstation("alice")
    api("POST", "/items/P-77/edit-session", body={"workstation_id": ws})

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    done = [line for line in lines if line.get("path") == "/items/{item_id}/edit-session"]
    assert done and done[-1]["user"] == "alice" and done[-1]["item_id"] == "P-77"
    assert done[-1]["status"] == 201 and done[-1]["service"] == logs.SERVICE
    assert "eyJ" not in log_lines.getvalue()  # no JWT, nor any part of one


def test_refused_token_is_logged_without_the_token(client, log_lines) -> None:
    forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUifQ.c2lnbmF0dXJl"
    client.http.get("/items/P-1/edit-session",
                    headers={"Authorization": f"Bearer {forged}"})
    assert "eyJ" not in log_lines.getvalue()
    assert "c2lnbmF0dXJl" not in log_lines.getvalue()
    assert '"status":401' in log_lines.getvalue().replace(" ", "")
