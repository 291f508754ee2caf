"""What cfn-lint checks in a SAM template, and that the packaged one passes it.

cfn-lint 1.58 does not run the SAM translator: it merges `Globals` and validates each
AWS::Serverless::* resource against SAM's own schema. So a broken SAM property or a
reference to a missing resource is reported, but a fault that only shows in the
CloudFormation the transform produces is not (the tests below pin both down). The
properties this service overrides in SAM events are therefore asserted directly in
test_packaged_template.py, and CloudFormation runs the real transform on deploy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cfnlint.api import lint, lint_file
from cfnlint.match import Match

SAM = "AWS::Serverless-2016-10-31"


def sam_function(**properties: Any) -> dict[str, Any]:
    base = {"Runtime": "python3.11", "Handler": "app.handler",
            "CodeUri": "s3://edit-sessions-artifacts/deployment.zip"}
    return {"Type": "AWS::Serverless::Function", "Properties": {**base, **properties}}


def rule_ids(template: dict[str, Any]) -> set[str]:
    return {match.rule.id for match in lint(json.dumps(template))}


def described(matches: list[Match]) -> list[str]:
    return [f"{m.rule.id} {m.message} ({m.filename}:{m.linenumber})" for m in matches]


def test_a_sound_sam_function_passes() -> None:
    template = {"Transform": SAM, "Resources": {"Fn": sam_function()}}
    assert rule_ids(template) == set()


def test_a_reference_to_a_missing_resource_in_a_sam_function_is_an_error() -> None:
    role = {"Fn::GetAtt": ["NoSuchRole", "Arn"]}
    template = {"Transform": SAM, "Resources": {"Fn": sam_function(Role=role)}}
    assert "E1010" in rule_ids(template)


def test_a_broken_sam_event_is_an_error() -> None:
    events = {"Tick": {"Type": "Schedule", "Properties": {"Schedule": "every minute"}}}
    template = {"Transform": SAM, "Resources": {"Fn": sam_function(Events=events)}}
    assert any(rule.startswith("E3") for rule in rule_ids(template))


def test_the_sam_transform_itself_is_not_run() -> None:
    """An unknown runtime is an error on the AWS::Lambda::Function the transform
    would make, but goes unreported on the SAM function it would be made from."""
    sam = {"Transform": SAM, "Resources": {"Fn": sam_function(Runtime="python2.0")}}
    plain = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python2.0", "Handler": "app.handler",
        "Role": "arn:aws:iam::123456789012:role/edit-sessions",
        "Code": {"ZipFile": "def handler(event, context): pass"}}}}}
    assert rule_ids(sam) == set()
    assert rule_ids(plain) == {"E3030"}


def test_the_packaged_template_passes_cfn_lint(packaged: Path) -> None:
    assert described(lint_file(packaged)) == []
