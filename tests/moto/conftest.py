"""The moto tier: every test gets fresh tables, built from infra/resources.json."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.settings import get_settings
from chalicelib.storage import workstations as workstation_store
from chalicelib.storage.connection import reset_shared_connection
from chalicelib.storage.schema import create_tables


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        reset_shared_connection()
        workstation_store.forget()
        create_tables(boto3.client("dynamodb"), get_settings())
        yield
    reset_shared_connection()


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app) as test_client:
        yield test_client


@pytest.fixture
def api(client: Any, token: Callable[..., str]) -> Callable[..., Any]:
    """`api(method, path, user=..., roles=..., body=...)` through Chalice's client."""
    import json

    def call(method: str, path: str, user: str = "alice", roles: list[str] | None = None,
             body: Any = None, headers: dict[str, str] | None = None) -> Any:
        all_headers = {"Authorization": f"Bearer {token(user, roles)}",
                       "Content-Type": "application/json"}
        all_headers.update(headers or {})
        raw = isinstance(body, (str, bytes)) or body is None
        payload = body if raw else json.dumps(body)
        return getattr(client.http, method.lower())(path, headers=all_headers,
                                                    body=payload)
    return call
