"""RS256 tokens checked against a JWKS document (OIDC / Cognito deployments), served
from loopback so PyJWT's own key fetching is exercised."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth import TokenVerifier, build_verifier
from chalicelib.errors import Unauthenticated
from chalicelib.settings import load_settings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks() -> bytes:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    return json.dumps({"keys": [{**public, "kid": "k1", "use": "sig",
                                 "alg": "RS256"}]}).encode()


class _Keys(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = _jwks()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {"sub": "alice", "iat": now, "exp": now + 300,
                                 "iss": "idp", "aud": "edit-sessions",
                                 "cognito:groups": ["admin"]}
    claims.update(overrides)
    return claims


@pytest.fixture
def verifier(jwks_url: str) -> TokenVerifier:
    settings = replace(load_settings({}), auth_jwks_url=jwks_url, auth_issuer="idp",
                       auth_roles_claim="cognito:groups")
    return build_verifier(settings, "")


def test_token_signed_by_a_published_key_is_accepted(verifier: TokenVerifier) -> None:
    token = jwt.encode(_claims(), KEY, algorithm="RS256", headers={"kid": "k1"})
    principal = verifier.verify(token)
    assert principal.user == "alice" and principal.is_admin


def test_token_signed_by_an_unpublished_key_is_refused(verifier: TokenVerifier) -> None:
    token = jwt.encode(_claims(), OTHER_KEY, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(Unauthenticated):
        verifier.verify(token)


def test_hs256_token_is_refused_when_keys_come_from_jwks(verifier: TokenVerifier) -> None:
    token = jwt.encode(_claims(), "a-shared-secret-that-is-long-enough!",
                       algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(Unauthenticated):
        verifier.verify(token)
