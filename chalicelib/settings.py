"""Settings, read once from the environment into a frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting is present but cannot be used; start-up must stop."""


@dataclass(frozen=True)
class Settings:
    session_lease_seconds: int
    sweep_interval_seconds: int
    event_retention_seconds: int
    auth_jwt_secret: str
    auth_jwt_secret_parameter: str
    auth_jwks_url: str
    auth_issuer: str
    auth_audience: str
    auth_roles_claim: str
    force_release_requires_approval: bool
    force_release_workflow: str
    workflows_dir: str
    event_bus_name: str
    websocket_endpoint: str
    handoff_requests_per_minute: int
    log_level: str
    sessions_table: str
    workstations_table: str
    watches_table: str
    connections_table: str
    events_table: str
    audit_table: str
    outbox_table: str
    handoffs_table: str
    approvals_table: str


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _default_workflows_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), "workflows")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    prefix = env.get("TABLE_PREFIX", "edit-sessions-")
    return Settings(
        session_lease_seconds=_int(env, "SESSION_LEASE_SECONDS", 600),
        sweep_interval_seconds=_int(env, "SWEEP_INTERVAL_SECONDS", 60),
        event_retention_seconds=_int(env, "EVENT_RETENTION_SECONDS", 7 * 24 * 3600),
        auth_jwt_secret=env.get("AUTH_JWT_SECRET", ""),
        auth_jwt_secret_parameter=env.get("AUTH_JWT_SECRET_PARAMETER", ""),
        auth_jwks_url=env.get("AUTH_JWKS_URL", ""),
        auth_issuer=env.get("AUTH_ISSUER", "edit-sessions-local"),
        auth_audience=env.get("AUTH_AUDIENCE", "edit-sessions"),
        auth_roles_claim=env.get("AUTH_ROLES_CLAIM", "roles"),
        force_release_requires_approval=_bool(
            env, "FORCE_RELEASE_REQUIRES_APPROVAL", False
        ),
        force_release_workflow=env.get("FORCE_RELEASE_WORKFLOW", "session-override"),
        workflows_dir=env.get("WORKFLOWS_DIR", _default_workflows_dir()),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
        websocket_endpoint=env.get("WEBSOCKET_ENDPOINT", ""),
        handoff_requests_per_minute=_int(env, "HANDOFF_REQUESTS_PER_MINUTE", 5),
        log_level=env.get("LOG_LEVEL", "INFO"),
        sessions_table=env.get("SESSIONS_TABLE", prefix + "sessions"),
        workstations_table=env.get("WORKSTATIONS_TABLE", prefix + "workstations"),
        watches_table=env.get("WATCHES_TABLE", prefix + "watches"),
        connections_table=env.get("CONNECTIONS_TABLE", prefix + "connections"),
        events_table=env.get("EVENTS_TABLE", prefix + "events"),
        audit_table=env.get("AUDIT_TABLE", prefix + "audit"),
        outbox_table=env.get("OUTBOX_TABLE", prefix + "outbox"),
        handoffs_table=env.get("HANDOFFS_TABLE", prefix + "handoffs"),
        approvals_table=env.get("APPROVALS_TABLE", prefix + "approvals"),
    )


# Logical ids in infra/resources.json, mapped to the setting that names each table.
TABLE_SETTINGS = {
    "SessionsTable": "sessions_table",
    "WorkstationsTable": "workstations_table",
    "WatchesTable": "watches_table",
    "ConnectionsTable": "connections_table",
    "EventsTable": "events_table",
    "AuditTable": "audit_table",
    "OutboxTable": "outbox_table",
    "HandoffsTable": "handoffs_table",
    "ApprovalsTable": "approvals_table",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
