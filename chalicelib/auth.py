"""Bearer-token verification with PyJWT (HS256 secret or RS256 keys from JWKS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from chalicelib.domain.principal import Principal
from chalicelib.errors import Forbidden, Unauthenticated
from chalicelib.settings import Settings

REQUIRED_CLAIMS = ["sub", "exp", "iat", "iss", "aud"]
CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class TokenVerifier:
    """Checks signature, algorithm, issuer, audience and required claims."""

    settings: Settings
    secret: str
    jwks_client: jwt.PyJWKClient | None = None

    def verify(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated("a bearer token is required")

        try:
            claims = jwt.decode(
                token,
                key=self._key_for(token),
                algorithms=[self._algorithm],
                audience=self.settings.auth_audience,
                issuer=self.settings.auth_issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc

        _check_times(claims)
        return self._principal(claims)

    @property
    def _algorithm(self) -> str:
        # One algorithm per deployment: a token can never pick its own (no `none`,
        # and no HS256 signed with a public key when the deployment uses RS256).
        return "RS256" if self.jwks_client else "HS256"

    def _key_for(self, token: str) -> Any:
        if self.jwks_client is None:
            return self.secret
        return self.jwks_client.get_signing_key_from_jwt(token).key

    def _principal(self, claims: dict[str, Any]) -> Principal:
        user = claims["sub"]
        roles = claims.get(self.settings.auth_roles_claim, [])
        if not isinstance(user, str) or not user or len(user) > 256:
            raise Unauthenticated("invalid token: sub must be a string of 1 to 256 "
                                  "characters")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated("invalid token: roles must be a list of strings")
        return Principal(user=user, roles=frozenset(roles))


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("Authorization: Bearer <token> is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be Bearer <token>")
    return token.strip()


def require_role(principal: Principal, role: str) -> None:
    if not principal.has_role(role):
        raise Forbidden(f"this needs the {role} role")


def build_verifier(settings: Settings, secret: str) -> TokenVerifier:
    if settings.auth_jwks_url:
        # PyJWKClient caches the key set, so a warm Lambda fetches it once.
        return TokenVerifier(settings, "", jwt.PyJWKClient(settings.auth_jwks_url))
    if not secret:
        raise ValueError("AUTH_JWT_SECRET (or AUTH_JWT_SECRET_PARAMETER) must be set")
    return TokenVerifier(settings, secret)


def _check_times(claims: dict[str, Any]) -> None:
    """PyJWT also takes a time written as a string of digits; a JWT's NumericDate
    is a JSON number (RFC 7519 section 2), so such a token is refused."""
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool)
                               or not isinstance(value, (int, float))):
            raise Unauthenticated(f"invalid token: {name} must be a number")
