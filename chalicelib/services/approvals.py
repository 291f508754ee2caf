"""Force-release and approvals (being written)."""

from __future__ import annotations

from typing import Any

EVENT_SOURCE = "edit-sessions.approvals"
STATUSES = ("pending", "approved", "rejected", "cancelled", "expired")


def force_release(*args: Any) -> Any:
    raise NotImplementedError


def visible(*args: Any) -> Any:
    raise NotImplementedError


def get(*args: Any) -> Any:
    raise NotImplementedError


def sign(*args: Any) -> Any:
    raise NotImplementedError


def cancel(*args: Any) -> Any:
    raise NotImplementedError


def workflow_definition(*args: Any) -> Any:
    raise NotImplementedError


def sweep_expired() -> int:
    return 0


def auto_release(*args: Any) -> None:
    raise NotImplementedError
