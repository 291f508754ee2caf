"""What a cold-start child gets: its tables (created here when moto is a server),
a workstation, a token, and the first request, as one JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from devstack.token import mint

ITEM = "COLD-1"
WORKSTATION = "ws-cold"
RESOURCE = "/items/{item_id}/edit-session"


def run_setup(scratch: Path, prefix: str,
              endpoint: str | None) -> tuple[Path, dict[str, str]]:
    """Write the child's setup file; return it and the child's environment."""
    from chalicelib.settings import load_settings
    from chalicelib.storage.schema import create_table_requests

    environ = child_environment(prefix, endpoint)
    settings = load_settings(environ)
    workstation = {"TableName": settings.workstations_table, "Item": {
        "workstation_id": {"S": WORKSTATION}, "name": {"S": "cold-cad"},
        "owner": {"S": "alice"}, "created_at": {"S": "2026-12-03T15:04:05Z"}}}
    setup = {"moto": "server" if endpoint else "here",
             "tables": create_table_requests(settings), "workstation": workstation,
             "put": {**workstation, "Item": {**workstation["Item"],
                                             "workstation_id": {"S": "ws-put"}}},
             "event": acquire_event(mint("alice", ["editor"]))}
    if endpoint:
        _create_on_server(endpoint, setup)
    path = scratch / f"{prefix}setup.json"
    path.write_text(json.dumps(setup), encoding="utf-8")
    return path, environ


def child_environment(prefix: str, endpoint: str | None) -> dict[str, str]:
    environ = {**os.environ, "TABLE_PREFIX": prefix}
    if endpoint:
        environ["AWS_ENDPOINT_URL"] = endpoint
    return environ


def _create_on_server(endpoint: str, setup: dict[str, Any]) -> None:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint)
    for request in setup["tables"]:
        client.create_table(**request)
    client.put_item(**setup["workstation"])


def acquire_event(token: str) -> dict[str, Any]:
    """API Gateway's proxy event for POST /items/COLD-1/edit-session."""
    path = RESOURCE.format(item_id=ITEM)
    return {
        "resource": RESOURCE, "path": path, "httpMethod": "POST",
        "headers": {"Authorization": f"Bearer {token}",
                    "Content-Type": "application/json"},
        "multiValueHeaders": {}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": {"item_id": ITEM},
        "stageVariables": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": RESOURCE, "httpMethod": "POST",
                           "requestId": "cold-start", "stage": "api", "apiId": "bench",
                           "path": f"/api{path}", "identity": {"sourceIp": "127.0.0.1"}},
        "body": json.dumps({"workstation_id": WORKSTATION}),
    }
