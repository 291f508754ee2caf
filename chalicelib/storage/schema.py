"""Table definitions, read from infra/resources.json.

The CloudFormation template that deploys the tables is also the source the local stack
and the moto tests build their tables from, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import os
from typing import Any

from chalicelib.settings import TABLE_SETTINGS, Settings

RESOURCES_PATH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "infra", "resources.json"
)

# CloudFormation-only properties that CreateTable does not take.
_NOT_FOR_CREATE_TABLE = {
    "PointInTimeRecoverySpecification",
    "TimeToLiveSpecification",
    "SSESpecification",
    "TableName",
}


def table_resources(path: str = RESOURCES_PATH) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        template = json.load(handle)
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }


def create_table_requests(settings: Settings) -> list[dict[str, Any]]:
    """CreateTable arguments for every table, named as `settings` names them."""
    requests = []
    for logical_id, properties in table_resources().items():
        request = {k: v for k, v in properties.items() if k not in _NOT_FOR_CREATE_TABLE}
        request["TableName"] = getattr(settings, TABLE_SETTINGS[logical_id])
        if "StreamSpecification" in request:
            request["StreamSpecification"] = {
                "StreamEnabled": True, **request["StreamSpecification"]
            }
        requests.append(request)
    return requests


def create_tables(dynamodb_client: Any, settings: Settings) -> dict[str, str]:
    """Create every table; return the stream ARN of each table that has a stream."""
    streams = {}
    for request in create_table_requests(settings):
        description = dynamodb_client.create_table(**request)["TableDescription"]
        if "LatestStreamArn" in description:
            streams[request["TableName"]] = description["LatestStreamArn"]
    return streams
