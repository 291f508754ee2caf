"""The example pipeline runs the same steps as docs/deploy.md, with OIDC credentials."""

from __future__ import annotations

from typing import Any

import yaml

from infra.package import INFRA

PIPELINE = INFRA / "pipeline" / "github-actions.yml"


def jobs() -> dict[str, Any]:
    return yaml.safe_load(PIPELINE.read_text("utf-8"))["jobs"]


def commands(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_deploys_only_after_every_test_passed() -> None:
    assert "make test" in commands(jobs()["test"])
    assert jobs()["deploy"]["needs"] == "test"


def test_packages_lints_then_deploys_with_the_capabilities_sam_needs() -> None:
    run = commands(jobs()["deploy"])
    steps = ["make cfn-lint", "aws cloudformation package", "aws cloudformation deploy"]
    assert all(step in run for step in steps)
    assert [run.index(step) for step in steps] == sorted(run.index(s) for s in steps)
    assert "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND" in run
    assert "JwtSecretParameter=/edit-sessions/$STAGE/jwt-secret" in run


def test_gets_aws_credentials_from_oidc_not_stored_keys() -> None:
    deploy = jobs()["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    (login,) = [s for s in deploy["steps"] if "configure-aws-credentials" in
                s.get("uses", "")]
    assert set(login["with"]) == {"role-to-assume", "aws-region"}
    assert "secrets." not in PIPELINE.read_text("utf-8")
