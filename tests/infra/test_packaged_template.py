"""What `python -m infra.package --stage prod` puts in the deployable template."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import TABLE_SETTINGS
from infra.package import FUNCTIONS, INFRA, log_group_id

HANDLERS = {
    "APIHandler": "app.app",
    "WebsocketConnect": "app.ws_connect",
    "WebsocketMessage": "app.ws_message",
    "WebsocketDisconnect": "app.ws_disconnect",
    "OutboxConsumer": "app.outbox_consumer",
    "Sweep": "app.sweep",
    "AutoRelease": "app.auto_release",
}
TABLES = json.loads((INFRA / "resources.json").read_text("utf-8"))["Resources"]


def props(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return resources[logical_id]["Properties"]


def event(resources: dict[str, Any], function: str) -> dict[str, Any]:
    (only,) = props(resources, function)["Events"].values()
    return only


def test_has_the_rest_api_with_every_route_of_the_app(resources: dict[str, Any]) -> None:
    import app

    assert resources["RestAPI"]["Type"] == "AWS::Serverless::Api"
    paths = props(resources, "RestAPI")["DefinitionBody"]["paths"]
    assert set(paths) == set(app.app.routes)


def test_has_the_websocket_api_with_its_three_routes(resources: dict[str, Any]) -> None:
    assert props(resources, "WebsocketAPI")["ProtocolType"] == "WEBSOCKET"
    keys = {r["Properties"]["RouteKey"] for r in resources.values()
            if r["Type"] == "AWS::ApiGatewayV2::Route"}
    assert keys == {"$connect", "$default", "$disconnect"}


def test_has_every_function_with_its_handler(resources: dict[str, Any]) -> None:
    functions = {logical_id: r["Properties"]["Handler"] for logical_id, r in
                 resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions == HANDLERS
    assert set(FUNCTIONS.values()) == set(HANDLERS)


def test_tables_are_deployed_exactly_as_infra_defines_them(
    resources: dict[str, Any],
) -> None:
    for logical_id, table in TABLES.items():
        assert resources[logical_id] == table
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True}
    assert set(TABLES) == set(TABLE_SETTINGS)


@pytest.mark.parametrize("table", ["ConnectionsTable", "EventsTable", "OutboxTable",
                                   "HandoffsTable", "ApprovalsTable"])
def test_tables_that_expire_items_have_ttl(resources: dict[str, Any], table: str) -> None:
    assert props(resources, table)["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at", "Enabled": True}


def test_auto_release_rule_listens_on_the_service_bus(resources: dict[str, Any]) -> None:
    assert resources["EditSessionsBus"]["Type"] == "AWS::Events::EventBus"
    assert props(resources, "EditSessionsBus")["Name"] == "edit-sessions-prod"
    rule = event(resources, "AutoRelease")
    assert rule["Type"] == "CloudWatchEvent"
    assert rule["Properties"]["EventBusName"] == {"Ref": "EditSessionsBus"}
    assert rule["Properties"]["Pattern"]["detail-type"] == ["approval.completed"]


def test_sweep_runs_on_a_schedule(resources: dict[str, Any]) -> None:
    schedule = event(resources, "Sweep")
    assert schedule == {"Type": "Schedule",
                        "Properties": {"Schedule": "rate(1 minute)"}}


def test_outbox_consumer_reads_the_outbox_stream(resources: dict[str, Any]) -> None:
    source = event(resources, "OutboxConsumer")
    assert source["Type"] == "DynamoDB"
    assert source["Properties"]["Stream"] == {"Fn::GetAtt": ["OutboxTable", "StreamArn"]}
    assert props(resources, "OutboxTable")["StreamSpecification"]


def test_failed_outbox_batches_are_split_retried_a_bounded_time_then_parked(
    resources: dict[str, Any],
) -> None:
    source = event(resources, "OutboxConsumer")["Properties"]
    assert source["BisectBatchOnFunctionError"] is True
    assert 0 < source["MaximumRetryAttempts"] <= 10
    destination = source["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["OutboxConsumerDeadLetterQueue", "Arn"]}
    assert resources["OutboxConsumerDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"


@pytest.mark.parametrize("function", ["Sweep", "AutoRelease"])
def test_asynchronous_functions_have_a_dead_letter_queue(
    resources: dict[str, Any], function: str,
) -> None:
    queue = f"{function}DeadLetterQueue"
    assert props(resources, function)["DeadLetterQueue"] == {
        "Type": "SQS", "TargetArn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert resources[queue]["Type"] == "AWS::SQS::Queue"


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_every_function_is_told_the_deployed_resources(
    resources: dict[str, Any], function: str,
) -> None:
    env = props(resources, function)["Environment"]["Variables"]
    for logical_id, setting in TABLE_SETTINGS.items():
        assert env[setting.upper()] == {"Ref": logical_id}
    assert env["EVENT_BUS_NAME"] == {"Ref": "EditSessionsBus"}
    stage = props(resources, "WebsocketAPIStage")["StageName"]
    assert env["WEBSOCKET_ENDPOINT"] == {"Fn::Sub": (
        "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
        + stage)}


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_every_function_gets_the_prod_settings(
    resources: dict[str, Any], function: str,
) -> None:
    env = props(resources, function)["Environment"]["Variables"]
    assert env["FORCE_RELEASE_REQUIRES_APPROVAL"] == "true"
    assert env["LOG_LEVEL"] == "INFO"
    assert env["SESSION_LEASE_SECONDS"] == "600"
    assert "AUTH_JWT_SECRET" not in env


def test_only_token_checking_functions_are_told_the_secret_parameter(
    template: dict[str, Any], resources: dict[str, Any],
) -> None:
    told = {f for f in HANDLERS if "AUTH_JWT_SECRET_PARAMETER"
            in props(resources, f)["Environment"]["Variables"]}
    assert told == {"APIHandler", "WebsocketConnect"}
    parameter = template["Parameters"]["JwtSecretParameter"]
    assert parameter["Default"] == "/edit-sessions/prod/jwt-secret"


def test_each_function_has_a_role_of_its_own(resources: dict[str, Any]) -> None:
    roles = {f: props(resources, f)["Role"]["Fn::GetAtt"][0] for f in HANDLERS}
    assert len(set(roles.values())) == len(HANDLERS)
    assert all(resources[r]["Type"] == "AWS::IAM::Role" for r in roles.values())


def test_each_log_group_is_named_after_its_function(resources: dict[str, Any]) -> None:
    for chalice_name, function in FUNCTIONS.items():
        name = props(resources, function)["FunctionName"]["Fn::Sub"]
        group = props(resources, log_group_id(chalice_name))
        assert name == "${AWS::StackName}-" + chalice_name
        assert group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/" + name}
        assert group["RetentionInDays"] == 90


def test_bundle_carries_the_workflow_definitions(packaged: Path) -> None:
    with zipfile.ZipFile(packaged.parent / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    assert {"app.py", "workflows/session-override.yaml"} <= names


def test_unknown_routes_answer_404_in_the_contracts_error_form(
    resources: dict[str, Any]
) -> None:
    responses = props(resources, "RestAPI")["GatewayResponses"]
    missing_route = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing_route["StatusCode"] == 404
    body = json.loads(missing_route["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "not_found"
