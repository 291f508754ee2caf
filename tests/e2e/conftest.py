"""End to end: the local stack in a subprocess, driven over real HTTP and WebSocket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from websockets.sync.client import ClientConnection, connect

from devstack.testing import RunningStack, running_stack
from tests.conftest import make_token


@dataclass
class Api:
    stack: RunningStack

    def call(self, method: str, path: str, user: str = "alice",
             roles: list[str] | None = None, body: Any = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {make_token(user, roles)}",
                   "Content-Type": "application/json", **(headers or {})}
        return requests.request(method, self.stack.http_url + path, headers=headers,
                                data=None if body is None else json.dumps(body),
                                timeout=30)

    def workstation(self, user: str) -> str:
        response = self.call("POST", "/workstations", user=user,
                             body={"name": f"{user}-cad"})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def socket(self, user: str, workstation_id: str,
               after: str | None = None) -> ClientConnection:
        url = (f"{self.stack.ws_url}/?token={make_token(user)}"
               f"&workstation_id={workstation_id}")
        if after is not None:
            url += f"&after={after}"
        return connect(url, open_timeout=10)


def frames_until(socket: ClientConnection, wanted: str, timeout: float = 15.0
                 ) -> list[dict[str, Any]]:
    """Read frames until one of type `wanted` arrives; return all read."""
    frames = []
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        frames.append(frame)
        if frame.get("type") == wanted:
            return frames


STACK_ENV = {"SWEEP_INTERVAL_SECONDS": "1", "FORCE_RELEASE_REQUIRES_APPROVAL": "false"}


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    with running_stack(env=STACK_ENV) as running:
        yield running


@pytest.fixture
def api(stack: RunningStack) -> Api:
    return Api(stack)
