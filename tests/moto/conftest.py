"""The moto tier: every test gets fresh tables, built from infra/resources.json."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.delivery.push import management_client
from chalicelib.settings import get_settings
from chalicelib.storage import workstations as workstation_store
from chalicelib.storage.connection import reset_shared_connection
from chalicelib.storage.schema import create_tables


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        reset_shared_connection()
        workstation_store.forget()
        management_client.cache_clear()
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


@pytest.fixture
def outbox(aws: None) -> Any:
    from tests.moto.helpers import OutboxStream

    return OutboxStream()


@pytest.fixture
def workstation(api: Callable[..., Any]) -> Callable[..., str]:
    """`workstation(user)` registers a workstation of `user` and returns its id."""

    def register(user: str = "alice", name: str | None = None) -> str:
        response = api("POST", "/workstations", user=user,
                       body={"name": name or f"{user}-cad"})
        assert response.status_code == 201, response.body
        return str(response.json_body["id"])

    return register


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto answer one request at a time, as DynamoDB's own atomicity would.

    moto checks a condition and then writes without a lock, so two threads can both
    pass it; real DynamoDB never lets them. This serialises the emulator, not the
    code under test, which still sends its requests concurrently.
    """
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def one_at_a_time(self: Any, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)


@pytest.fixture
def approval_mode(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app as deployed with FORCE_RELEASE_REQUIRES_APPROVAL=true."""
    from dataclasses import replace

    import app as app_module

    monkeypatch.setattr(app_module, "settings",
                        replace(app_module.settings,
                                force_release_requires_approval=True))
