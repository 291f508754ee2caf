"""The stages in .chalice/config.json: complete, valid, and different where they
should be. The local stack runs with the dev stage's settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chalicelib.settings import load_settings
from infra.package import FUNCTIONS, ROOT, SECRET_SETTING, stage_config

STAGES = ("dev", "prod")
SETTINGS = {
    "SESSION_LEASE_SECONDS", "SWEEP_INTERVAL_SECONDS", "EVENT_RETENTION_SECONDS",
    "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_ROLES_CLAIM",
    "FORCE_RELEASE_REQUIRES_APPROVAL", "FORCE_RELEASE_WORKFLOW", "EVENT_BUS_NAME",
    "LOG_LEVEL", "HANDOFF_REQUESTS_PER_MINUTE",
}


@pytest.mark.parametrize("stage", STAGES)
def test_every_setting_is_given_and_loads(stage: str) -> None:
    env = stage_config(stage).environment_variables
    assert SETTINGS <= set(env)
    settings = load_settings(env)
    assert isinstance(logging.getLevelName(settings.log_level), int)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("function", [None, *FUNCTIONS])
def test_no_function_names_a_secret_parameter(stage: str, function: str | None) -> None:
    """The local stack applies the stage's variables (with chalice's default
    function's); a parameter name there would make it read the secret from SSM.
    The packaged template sets it instead (infra/package.py)."""
    config = stage_config(stage)
    if function is not None:
        config = config.scope(stage, function)
    assert SECRET_SETTING not in config.environment_variables


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_has_its_own_policy_file(stage: str) -> None:
    config = stage_config(stage)
    assert config.autogen_policy is False
    files = {config.scope(stage, f).iam_policy_file for f in FUNCTIONS}
    assert files == {f"policy-{f}.json" for f in FUNCTIONS}
    assert all(Path(ROOT, ".chalice", name).is_file() for name in files)


def test_prod_needs_approval_to_force_release_and_logs_less() -> None:
    dev = load_settings(stage_config("dev").environment_variables)
    prod = load_settings(stage_config("prod").environment_variables)
    assert (dev.force_release_requires_approval, dev.log_level) == (False, "DEBUG")
    assert (prod.force_release_requires_approval, prod.log_level) == (True, "INFO")
    assert dev.event_bus_name != prod.event_bus_name


def test_dev_accepts_the_local_stacks_tokens() -> None:
    """CONTRACT.md 2: the local stack's issuer and audience."""
    dev = load_settings(stage_config("dev").environment_variables)
    assert (dev.auth_issuer, dev.auth_audience) == ("edit-sessions-local",
                                                    "edit-sessions")
