"""Small factories for the moto tier: the outbox stream as Lambda would deliver it,
and what moto's management API received for a connection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.settings import get_settings


class LambdaContext:
    aws_request_id = "test-request"
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _as_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    dynamodb.setdefault("SizeBytes", 0)
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn,
            "awsRegion": "us-east-1"}


@dataclass
class OutboxStream:
    """Reads the outbox table's stream and hands new records to the app's consumer,
    the way the Lambda event source mapping does on AWS."""

    positions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        table = boto3.client("dynamodb").describe_table(
            TableName=get_settings().outbox_table)["Table"]
        self.stream_arn = table["LatestStreamArn"]
        self.streams = boto3.client("dynamodbstreams")

    def records(self) -> list[dict[str, Any]]:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)
        found = []
        for shard in shards["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            page = self.streams.get_records(ShardIterator=self._iterator(shard_id))
            if page["Records"]:
                self.positions[shard_id] = page["Records"][-1]["dynamodb"][
                    "SequenceNumber"]
            found.extend(_as_lambda_record(r, self.stream_arn) for r in page["Records"])
        return found

    def _iterator(self, shard_id: str) -> str:
        # A new iterator per read: moto replaces a table's stream shard with a copy
        # when it rolls a failed transaction back, and old iterators stop seeing
        # new records.
        position = self.positions.get(shard_id)
        where = {"ShardIteratorType": "TRIM_HORIZON"}
        if position:
            where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                     "SequenceNumber": position}
        return str(self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, **where)["ShardIterator"])

    def drain(self) -> int:
        """Deliver until the stream has nothing new (deliveries may add entries)."""
        import app as app_module

        total = 0
        while records := self.records():
            app_module.outbox_consumer({"Records": records}, LambdaContext())
            total += len(records)
        return total


def frames_posted(connection_id: str) -> list[dict[str, Any]]:
    """Every frame moto's management API received for `connection_id`, in order."""
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    raw = backend.connections[connection_id].data.decode("utf-8")
    decoder, frames, position = json.JSONDecoder(), [], 0
    while position < len(raw):
        frame, position = decoder.raw_decode(raw, position)
        frames.append(frame)
    return frames


def ws_event(route_key: str, connection_id: str, query: dict[str, str] | None = None,
             body: str | None = None) -> dict[str, Any]:
    """An API Gateway WebSocket event as Lambda receives it."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(
        route_key, "MESSAGE")
    return {
        "requestContext": {"routeKey": route_key, "eventType": event_type,
                           "connectionId": connection_id, "domainName": "test",
                           "stage": "test", "apiId": "test"},
        "queryStringParameters": query,
        "body": body,
        "isBase64Encoded": False,
    }
