"""What cfn-lint checks in a SAM template, and that the packaged one passes it.

cfn-lint releases up to 1.53 run the SAM translator before linting; later ones only
check AWS::Serverless::* resources against SAM's schema, and miss faults that show
only in the CloudFormation the transform produces. requirements-dev.txt pins a
release that transforms, and the tests below prove that it does.
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


def test_the_sam_transform_is_run_so_faults_in_its_output_are_caught() -> None:
    """An unknown runtime is only wrong on the AWS::Lambda::Function the transform
    makes from the SAM function; it is reported, so the transform ran."""
    sam = {"Transform": SAM, "Resources": {"Fn": sam_function(Runtime="python2.0")}}
    assert "E3030" in rule_ids(sam)


def test_the_packaged_template_passes_cfn_lint(packaged: Path) -> None:
    assert described(lint_file(packaged)) == []
