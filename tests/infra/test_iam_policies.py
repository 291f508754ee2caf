"""Every IAM statement in the packaged template is scoped to this stack's resources,
and each function's role reaches only what that function uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

# Statements allowed to name every resource, because AWS has no resource-level
# permission for the action: (role, Sid). None are needed today.
WILDCARD_EXCEPTIONS: set[tuple[str, str]] = set()

TABLES_OF = {
    "ApiHandlerRole": {"SessionsTable", "WorkstationsTable", "WatchesTable",
                       "AuditTable", "OutboxTable", "HandoffsTable", "ApprovalsTable"},
    "WebsocketConnectRole": {"WorkstationsTable", "ConnectionsTable", "OutboxTable"},
    "WebsocketMessageRole": {"WorkstationsTable", "ConnectionsTable", "EventsTable"},
    "WebsocketDisconnectRole": {"WorkstationsTable", "ConnectionsTable"},
    "OutboxConsumerRole": {"OutboxTable", "WatchesTable", "HandoffsTable",
                           "WorkstationsTable", "EventsTable", "ConnectionsTable",
                           "SessionsTable"},
    "SweepRole": {"SessionsTable", "ApprovalsTable", "AuditTable", "OutboxTable"},
    "AutoReleaseRole": {"ApprovalsTable", "SessionsTable", "AuditTable", "OutboxTable"},
}
_SUB_NAMES = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}")


def _documents(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Inline role policies, standalone policies and resource policies."""
    props = resource.get("Properties", {})
    inline = [p.get("PolicyDocument", p) for p in as_list(props.get("Policies", []))
              if isinstance(p, dict)]
    for document in [props.get("PolicyDocument"), *inline]:
        if isinstance(document, dict) and "Statement" in document:
            yield document


def statements(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, statement) of every identity and resource policy."""
    for logical_id, resource in resources.items():
        for document in _documents(resource):
            for statement in document["Statement"]:
                yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def targets(resource: Any) -> set[str]:
    """The template resources and parameters a statement's Resource names (none for
    a literal ARN, which cannot be scoped to this stack)."""
    if not isinstance(resource, dict):
        return set()
    if "Ref" in resource or "Fn::GetAtt" in resource:
        return {as_list(resource.get("Ref") or resource["Fn::GetAtt"])[0]}
    text = as_list(resource.get("Fn::Sub", ""))[0]
    return {name for name in _SUB_NAMES.findall(text) if not name.startswith("AWS")}


def grants(resources: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(role, action, target) for every allowed action on a named resource."""
    return {(role, action, target)
            for role, statement in statements(resources)
            for action in as_list(statement["Action"])
            for resource in as_list(statement["Resource"])
            for target in targets(resource)}


def holders(resources: dict[str, Any], action: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for role, granted, target in grants(resources):
        if granted == action:
            found.setdefault(role, set()).add(target)
    return found


def test_the_template_has_policies_to_check(resources: dict[str, Any]) -> None:
    assert {role for role, _ in statements(resources)} == set(TABLES_OF)


def test_no_permission_comes_from_outside_the_template(
    resources: dict[str, Any],
) -> None:
    """Managed policies and SAM policy templates would escape the checks below."""
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        assert "ManagedPolicyArns" not in props, logical_id
        if resource["Type"] == "AWS::Serverless::Function":
            assert "Policies" not in props, logical_id


def test_no_statement_allows_every_resource(resources: dict[str, Any]) -> None:
    for owner, statement in statements(resources):
        assert "NotResource" not in statement, owner
        if (owner, statement.get("Sid", "")) in WILDCARD_EXCEPTIONS:
            continue
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{owner} {statement.get('Sid')}: Resource *"


def test_no_statement_allows_every_action_of_a_service(
    resources: dict[str, Any],
) -> None:
    for owner, statement in statements(resources):
        assert "NotAction" not in statement, owner
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{owner}: {action}"


def test_every_statement_names_resources_of_this_stack(
    resources: dict[str, Any],
) -> None:
    for owner, statement in statements(resources):
        assert statement["Effect"] == "Allow", owner
        for resource in as_list(statement["Resource"]):
            assert targets(resource), (owner, resource)
            assert targets(resource) <= set(resources) | {"JwtSecretParameter"}


@pytest.mark.parametrize("role", sorted(TABLES_OF))
def test_each_role_reaches_only_the_tables_its_function_uses(
    resources: dict[str, Any], role: str,
) -> None:
    reached = {target for owner, action, target in grants(resources)
               if owner == role and action.startswith("dynamodb:")}
    assert reached == TABLES_OF[role]


def test_each_role_writes_logs_to_its_own_log_group_only(
    resources: dict[str, Any],
) -> None:
    for role, groups in holders(resources, "logs:PutLogEvents").items():
        assert groups == {role.removesuffix("Role") + "LogGroup"}
    assert set(holders(resources, "logs:PutLogEvents")) == set(TABLES_OF)
    assert not holders(resources, "logs:CreateLogGroup")


def test_only_pushing_functions_may_manage_websocket_connections(
    resources: dict[str, Any],
) -> None:
    action = "execute-api:ManageConnections"
    assert holders(resources, action) == {
        "WebsocketMessageRole": {"WebsocketAPI"},
        "OutboxConsumerRole": {"WebsocketAPI"},
    }
    stage = resources["WebsocketAPIStage"]["Properties"]["StageName"]
    for _, statement in statements(resources):
        if statement["Action"] == action:
            path = statement["Resource"]["Fn::Sub"].split("${WebsocketAPI}")[1]
            assert path == f"/{stage}/POST/@connections/*"


def test_only_the_outbox_consumer_publishes_to_the_bus_and_reads_the_stream(
    resources: dict[str, Any],
) -> None:
    assert holders(resources, "events:PutEvents") == {
        "OutboxConsumerRole": {"EditSessionsBus"}}
    for action in ("GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"):
        assert holders(resources, f"dynamodb:{action}") == {
            "OutboxConsumerRole": {"OutboxTable"}}


def test_only_token_checking_functions_read_the_secret_parameter(
    resources: dict[str, Any],
) -> None:
    assert holders(resources, "ssm:GetParameter") == {
        "ApiHandlerRole": {"JwtSecretParameter"},
        "WebsocketConnectRole": {"JwtSecretParameter"},
    }


def test_each_dead_letter_queue_is_written_by_its_function_only(
    resources: dict[str, Any],
) -> None:
    assert holders(resources, "sqs:SendMessage") == {
        f"{name}Role": {f"{name}DeadLetterQueue"}
        for name in ("OutboxConsumer", "Sweep", "AutoRelease")
    }
