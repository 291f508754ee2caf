"""Mint a token for the local stack: `python -m devstack.token alice --roles editor`.

Signed with the local stack's HS256 secret, issuer and audience (or the AUTH_*
settings in the environment), valid for an hour.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import jwt
from jwt.warnings import InsecureKeyLengthWarning

# The contract fixes the local default secret; its shortness is not news here.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)


def mint(user: str, roles: list[str], minutes: int = 60) -> str:
    now = int(time.time())
    claims = {
        "sub": user,
        "iat": now,
        "exp": now + minutes * 60,
        "iss": os.environ.get("AUTH_ISSUER", "edit-sessions-local"),
        "aud": os.environ.get("AUTH_AUDIENCE", "edit-sessions"),
        os.environ.get("AUTH_ROLES_CLAIM", "roles"): roles,
    }
    secret = os.environ.get("AUTH_JWT_SECRET", "local-dev-secret")
    return jwt.encode(claims, secret, algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("user")
    parser.add_argument("--roles", default="editor",
                        help="comma-separated: viewer, editor, admin")
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args()
    print(mint(args.user, [r for r in args.roles.split(",") if r], args.minutes))


if __name__ == "__main__":
    main()
