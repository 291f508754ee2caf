"""Shared fixtures: fake AWS credentials for every test, tokens, and (for the moto
tier) tables built from the same infra/ definitions the deployment uses."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "AUTH_JWT_SECRET": "local-dev-secret",
    "WEBSOCKET_ENDPOINT": "https://test.execute-api.us-east-1.amazonaws.com",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

SECRET = "local-dev-secret"
ISSUER = "edit-sessions-local"
AUDIENCE = "edit-sessions"


def make_token(user: str, roles: list[str] | None = None, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user, "iat": now, "exp": now + 3600,
                              "iss": ISSUER, "aud": AUDIENCE,
                              "roles": roles if roles is not None else ["editor"]}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.fixture
def token() -> Callable[..., str]:
    return make_token
