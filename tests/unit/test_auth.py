"""Token verification, with no AWS."""

import time
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth import TokenVerifier, bearer_token, require_role
from chalicelib.domain.principal import Principal
from chalicelib.errors import Forbidden, Unauthenticated
from chalicelib.settings import load_settings
from tests.conftest import make_token

SETTINGS = load_settings({})
VERIFIER = TokenVerifier(SETTINGS, "local-dev-secret")


def test_valid_token_gives_user_and_roles() -> None:
    principal = VERIFIER.verify(make_token("alice", ["admin"]))
    assert principal == Principal("alice", frozenset({"admin"}))


def test_token_for_another_audience_is_refused() -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(make_token("alice", aud="another-service"))


def test_token_from_another_issuer_is_refused() -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(make_token("alice", iss="someone-else"))


def test_token_without_exp_is_refused() -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(make_token("alice", exp=None))


def test_token_without_iat_is_refused() -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(make_token("alice", iat=None))


def test_expired_token_is_refused_beyond_the_clock_skew() -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(make_token("alice", exp=int(time.time()) - 61))


def test_token_just_expired_within_the_skew_is_accepted() -> None:
    assert VERIFIER.verify(make_token("alice", exp=int(time.time()) - 30)).user == "alice"


def test_unsigned_token_with_alg_none_is_refused() -> None:
    now = int(time.time())
    claims = {"sub": "alice", "iat": now, "exp": now + 60, "iss": SETTINGS.auth_issuer,
              "aud": SETTINGS.auth_audience, "roles": ["admin"]}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(unsigned)


def test_token_signed_with_another_key_is_refused() -> None:
    claims = jwt.decode(make_token("alice"), options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-of-enough-length-123", algorithm="HS256")
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(forged)


def test_rs256_token_is_refused_by_an_hs256_deployment() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(make_token("alice"), options={"verify_signature": False})
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(jwt.encode(claims, key, algorithm="RS256"))


def test_roles_come_from_the_configured_claim() -> None:
    cognito = TokenVerifier(replace(SETTINGS, auth_roles_claim="cognito:groups"),
                            "local-dev-secret")
    token = make_token("alice", roles=[], **{"cognito:groups": ["admin"]})
    assert cognito.verify(token).is_admin


def test_roles_that_are_not_a_list_of_strings_are_refused() -> None:
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(make_token("alice", roles="admin"))


def test_admin_can_do_what_an_editor_can_but_not_the_reverse() -> None:
    require_role(Principal("a", frozenset({"admin"})), "editor")
    with pytest.raises(Forbidden):
        require_role(Principal("e", frozenset({"editor"})), "admin")


def test_viewer_cannot_edit() -> None:
    with pytest.raises(Forbidden):
        require_role(Principal("v", frozenset({"viewer"})), "editor")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_missing_or_malformed_authorization_header_is_refused(header: str | None) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token(header)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_a_time_claim_written_as_a_string_is_refused(claim: str) -> None:
    soon = str(int(time.time()) + 3600 if claim == "exp" else int(time.time()) - 10)
    with pytest.raises(Unauthenticated) as refused:
        VERIFIER.verify(make_token("alice", **{claim: soon}))
    assert f"{claim} must be a number" in refused.value.message


def test_an_over_long_sub_is_refused_with_its_limit() -> None:
    with pytest.raises(Unauthenticated) as refused:
        VERIFIER.verify(make_token("a" * 257))
    assert "1 to 256 characters" in refused.value.message
