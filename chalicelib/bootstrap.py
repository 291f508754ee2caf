"""Wiring done once per process: settings, logging, the token verifier, workflows."""

from __future__ import annotations

import os
import warnings
from functools import lru_cache

from jwt.warnings import InsecureKeyLengthWarning

from chalicelib import logs
from chalicelib.auth import TokenVerifier, build_verifier
from chalicelib.settings import Settings, get_settings
from chalicelib.storage.connection import shared_connection
from chalicelib.workflow.definitions import WorkflowDefinition, load_workflows

LOCAL_SECRET = "local-dev-secret"


def settings() -> Settings:
    return get_settings()


def start() -> Settings:
    """Called at import of app.py: anything wrong with the configuration stops the
    process here, with a message, instead of on the first request."""
    current = get_settings()
    logs.setup(current.log_level)
    # Bind every model to the one shared connection, and build its botocore client,
    # during start-up: no read builds a session of its own, and the client's models
    # are loaded while app.py has the collector off (then frozen with the rest).
    shared_connection().client  # noqa: B018
    workflows()
    if current.force_release_requires_approval:
        workflow(current.force_release_workflow)
    return current


@lru_cache(maxsize=1)
def workflows() -> dict[str, WorkflowDefinition]:
    return load_workflows(get_settings().workflows_dir)


def workflow(name: str) -> WorkflowDefinition:
    loaded = workflows()
    if name not in loaded:
        raise ValueError(f"FORCE_RELEASE_WORKFLOW: no workflow named {name!r}")
    return loaded[name]


def _jwt_secret(current: Settings) -> str:
    if current.auth_jwt_secret_parameter:
        # Read once at start, decrypted; the secret never sits in the template.
        import boto3  # only here: importing boto3 costs a cold start ~0.1 s

        ssm = boto3.client("ssm")
        parameter = ssm.get_parameter(Name=current.auth_jwt_secret_parameter,
                                      WithDecryption=True)
        return str(parameter["Parameter"]["Value"])
    if current.auth_jwt_secret:
        return current.auth_jwt_secret
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise ValueError("set AUTH_JWT_SECRET_PARAMETER or AUTH_JWKS_URL on AWS")
    return LOCAL_SECRET


def _quiet_about_the_local_secret(secret: str) -> None:
    # CONTRACT.md fixes this short local default; PyJWT would warn on every token.
    if secret == LOCAL_SECRET:
        warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)


@lru_cache(maxsize=1)
def verifier() -> TokenVerifier:
    current = get_settings()
    secret = "" if current.auth_jwks_url else _jwt_secret(current)
    _quiet_about_the_local_secret(secret)
    return build_verifier(current, secret)
