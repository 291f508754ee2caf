"""The environment the app runs in: its stage's settings, pointed at loopback."""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from pathlib import Path

from chalice.config import Config

# Anything that could send a client to a real account or a user's profile.
_UNSAFE = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
}


def chalice_config(project_dir: Path, stage: str) -> Config:
    """The stage's configuration from .chalice/config.json (empty if there is none)."""
    path = project_dir / ".chalice" / "config.json"
    from_disk = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return Config(
        chalice_stage=stage,
        # No function's own settings (a secret from SSM for one, say): all the
        # functions share this process, so only the stage-wide ones can apply.
        function_name="",
        config_from_disk=from_disk,
        default_params={"project_dir": str(project_dir)},
    )


def apply_stage_settings(environ: MutableMapping[str, str], config: Config) -> None:
    """The stage's variables, where the environment does not set them already."""
    for name, value in config.environment_variables.items():
        environ.setdefault(name, str(value))


def use_emulation(environ: MutableMapping[str, str], endpoint: str) -> None:
    """Send every AWS client to the emulation, with fake credentials."""
    for name in list(environ):
        if name in _UNSAFE or name.startswith("AWS_ENDPOINT_URL_"):
            del environ[name]
    environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            # moto's DynamoDB streams only answer clients that do not do this.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            # No profile, SSO or endpoint setting from ~/.aws may leak in.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    environ.setdefault("AWS_REGION", region)
    environ.setdefault("AWS_DEFAULT_REGION", region)


def use_websocket_endpoint(environ: MutableMapping[str, str], endpoint: str) -> None:
    environ["WEBSOCKET_ENDPOINT"] = endpoint
    # Also for clients created without an explicit endpoint_url.
    environ["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = endpoint
