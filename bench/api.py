"""The app's routes as a signed-in user, over chalice.test.Client or real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devstack.token import mint

EDITOR = ("editor",)
ADMIN = ("admin",)


class BenchError(RuntimeError):
    """The app answered something a benchmark did not expect; its figures would lie."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Send = Callable[[str, str, dict[str, str], str | None], Reply]


def session_path(item_id: str) -> str:
    return f"/items/{item_id}/edit-session"


def over_chalice(client: Any) -> Send:
    """Through chalice.test.Client: the routes in this process, no HTTP server."""

    def send(method: str, path: str, headers: dict[str, str], body: str | None) -> Reply:
        response = getattr(client.http, method.lower())(path, headers=headers,
                                                         body=body)
        return Reply(response.status_code,
                     json.loads(response.body) if response.body else None,
                     dict(response.headers))

    return send


def over_http(base_url: str) -> Send:
    import requests

    def send(method: str, path: str, headers: dict[str, str], body: str | None) -> Reply:
        response = requests.request(method, base_url + path, headers=headers,
                                    data=body, timeout=60)
        return Reply(response.status_code, response.json() if response.content else None,
                     dict(response.headers))

    return send


@dataclass
class Api:
    send: Send
    tokens: dict[tuple[str, ...], str] = field(default_factory=dict)

    def call(self, method: str, path: str, user: str = "alice",
             roles: Sequence[str] = EDITOR, body: Any = None,
             headers: dict[str, str] | None = None) -> Reply:
        """Tokens are minted once per user, so a timed call times only the route."""
        return self.send(method, path, {**self.headers(user, roles), **(headers or {})},
                         None if body is None else json.dumps(body))

    def token(self, user: str, roles: Sequence[str] = EDITOR) -> str:
        key = (user, *roles)
        if key not in self.tokens:
            self.tokens[key] = mint(user, list(roles))
        return self.tokens[key]

    def headers(self, user: str, roles: Sequence[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, roles)}",
                "Content-Type": "application/json"}

    def expect(self, status: int, method: str, path: str, **kwargs: Any) -> Any:
        return self.expect_reply(status, method, path, **kwargs).body

    def expect_reply(self, status: int, method: str, path: str, **kwargs: Any) -> Reply:
        reply = self.call(method, path, **kwargs)
        if reply.status != status:
            raise BenchError(f"{method} {path}: expected {status}, got "
                             f"{reply.status} {reply.body!r}")
        return reply

    def workstation(self, user: str) -> str:
        created = self.expect(201, "POST", "/workstations", user=user,
                              body={"name": f"{user}-cad"})
        return str(created["id"])

    def acquire(self, item_id: str, workstation_id: str, user: str = "alice") -> Any:
        return self.expect(201, "POST", session_path(item_id), user=user,
                           body={"workstation_id": workstation_id})

    def release(self, item_id: str, session_id: str | None, user: str = "alice") -> None:
        body = {"session_id": session_id} if session_id else None
        self.expect(204, "DELETE", session_path(item_id), user=user, body=body)
