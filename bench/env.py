"""The benchmark process's environment: fake credentials, no real AWS endpoint or
profile, and the app's settings. Set before the app is imported (settings are read
once per process)."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# Anything that could reach a real account or a user's profile.
_UNSAFE = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
           "AWS_SECURITY_TOKEN")
_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    # moto's DynamoDB streams only answer clients that do not do this.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}
# Kept when already set (the test suite sets its own).
_DEFAULTS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AUTH_JWT_SECRET": "local-dev-secret",
    "WEBSOCKET_ENDPOINT": "https://bench.execute-api.us-east-1.amazonaws.com",
    "FORCE_RELEASE_REQUIRES_APPROVAL": "false",
}


def configure(environ: MutableMapping[str, str] = os.environ) -> None:
    for name in [n for n in environ if n.startswith("AWS_ENDPOINT_URL")]:
        del environ[name]
    for name in _UNSAFE:
        environ.pop(name, None)
    environ.update(_FAKE_AWS)
    for name, value in _DEFAULTS.items():
        environ.setdefault(name, value)
