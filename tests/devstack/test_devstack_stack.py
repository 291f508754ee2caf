"""The local stack end to end: a subprocess running the sample app, real clients."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from devstack.testing import RunningStack, running_stack, wait_for

pytestmark = pytest.mark.e2e

SAMPLE_APP = "tests.devstack.sample_app"
TABLE_PREFIX = "devstack-test-"
EVENT_BUS = "devstack-test-bus"
RECV_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def sample_stack() -> Iterator[RunningStack]:
    env = {
        "SWEEP_INTERVAL_SECONDS": "1",
        "EVENT_BUS_NAME": EVENT_BUS,
        "TABLE_PREFIX": TABLE_PREFIX,
    }
    with running_stack(env=env, app=SAMPLE_APP) as stack:
        yield stack


def seen(stack: RunningStack, kind: str) -> list[dict[str, Any]]:
    response = requests.get(f"{stack.http_url}/seen/{kind}", timeout=5)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def received(socket: Any) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(socket.recv(timeout=RECV_TIMEOUT))
    return frame


def connect_event_with(stack: RunningStack, marker: str) -> dict[str, Any] | None:
    for event in seen(stack, "connect"):
        if (event.get("queryStringParameters") or {}).get("marker") == marker:
            return event
    return None


def test_prints_a_single_ready_line_naming_its_endpoints(sample_stack: RunningStack):
    ready_lines = [line for line in sample_stack.stdout_lines if "ready" in line]
    assert len(ready_lines) == 1
    assert ready_lines[0].startswith("ready http://127.0.0.1:")
    assert sample_stack.ws_url.startswith("ws://127.0.0.1:")
    assert seen(sample_stack, "nothing-yet") == []


def test_app_sees_the_local_endpoints(sample_stack: RunningStack):
    settings = requests.get(f"{sample_stack.http_url}/settings", timeout=5).json()

    assert settings["AWS_ENDPOINT_URL"] == sample_stack.aws_url
    assert settings["WEBSOCKET_ENDPOINT"] == sample_stack.connections_url
    table = sample_stack.client("dynamodb").describe_table(TableName=_outbox())["Table"]
    assert settings["OUTBOX_STREAM_ARN"] == table["LatestStreamArn"]


def test_connect_handler_refusal_refuses_the_handshake(sample_stack: RunningStack):
    with pytest.raises(InvalidStatus) as refused:
        with connect(f"{sample_stack.ws_url}/?deny=1"):
            pass

    assert refused.value.response.status_code == 403


def test_connect_event_is_shaped_like_api_gateways(sample_stack: RunningStack):
    marker = uuid.uuid4().hex
    with connect(f"{sample_stack.ws_url}/?marker={marker}&a=1&a=2"):
        event = wait_for(lambda: connect_event_with(sample_stack, marker), "$connect")

    context = event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert (context["stage"], context["apiId"]) == ("local", "local")
    assert "ws://" + context["domainName"] == sample_stack.ws_url
    assert len(context["connectionId"]) == 16
    assert event["queryStringParameters"] == {"marker": marker, "a": "2"}
    assert event["multiValueQueryStringParameters"]["a"] == ["1", "2"]
    assert event["isBase64Encoded"] is False


def test_a_message_is_echoed_through_the_management_api(sample_stack: RunningStack):
    with connect(sample_stack.ws_url) as socket:
        socket.send("hello")
        frame = received(socket)

    assert frame["echo"] == "hello"
    assert frame["connection_id"]


def test_a_failing_message_handler_leaves_the_socket_working(
    sample_stack: RunningStack,
):
    with connect(sample_stack.ws_url) as socket:
        socket.send("boom")
        socket.send("still there?")
        frame = received(socket)

    assert frame["echo"] == "still there?"


def test_a_push_made_as_soon_as_connect_returns_is_delivered(
    sample_stack: RunningStack,
):
    with connect(f"{sample_stack.ws_url}/?greet=1") as socket:
        frame = received(socket)

    assert frame == {"greeting": "hello"}


def test_a_closed_connection_is_gone_after_its_disconnect(sample_stack: RunningStack):
    with connect(sample_stack.ws_url) as socket:
        socket.send("who am I")
        connection_id = received(socket)["connection_id"]

    def disconnected() -> bool:
        events = seen(sample_stack, "disconnect")
        return connection_id in [e["requestContext"]["connectionId"] for e in events]

    wait_for(disconnected, "$disconnect")
    client = sample_stack.client("apigatewaymanagementapi")
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"anyone?")


def test_an_outbox_write_reaches_the_stream_handler(sample_stack: RunningStack):
    outbox_id = uuid.uuid4().hex
    sample_stack.client("dynamodb").put_item(
        TableName=_outbox(), Item={"outbox_id": {"S": outbox_id}}
    )

    record = wait_for(lambda: _stream_record(sample_stack, outbox_id), "stream record")
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == _stream_arn(sample_stack)
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)


def test_a_failed_stream_batch_is_retried_until_it_succeeds(sample_stack: RunningStack):
    outbox_id = uuid.uuid4().hex
    sample_stack.client("dynamodb").put_item(
        TableName=_outbox(),
        Item={"outbox_id": {"S": outbox_id}, "fail_once": {"BOOL": True}},
    )

    # The sample handler records a batch only once it has not raised.
    wait_for(lambda: _stream_record(sample_stack, outbox_id), "the retried record")
    assert "failed on 1 stream records; retrying" in sample_stack.stderr()


def test_only_events_matching_the_pattern_reach_the_cw_handler(
    sample_stack: RunningStack,
):
    events = sample_stack.client("events")
    unmatched, matched = uuid.uuid4().hex, uuid.uuid4().hex
    events.put_events(Entries=[_entry("devstack.other", unmatched)])
    events.put_events(Entries=[_entry("devstack.sample", matched)])

    event = wait_for(lambda: _cw_event(sample_stack, matched), "the matching event")
    assert event["source"] == "devstack.sample"
    assert event["detail-type"] == "thing.happened"
    assert event["account"] and event["id"] and event["time"]
    assert _cw_event(sample_stack, unmatched) is None


def test_an_sqs_message_reaches_its_handler(sample_stack: RunningStack):
    sqs = sample_stack.client("sqs")
    body = uuid.uuid4().hex
    queue_url = sqs.get_queue_url(QueueName="devstack-sample-jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    def record() -> dict[str, Any] | None:
        records = [r for e in seen(sample_stack, "sqs") for r in e["Records"]]
        return next((r for r in records if r["body"] == body), None)

    found = wait_for(record, "the SQS record")
    assert found["eventSource"] == "aws:sqs"
    assert found["eventSourceARN"].endswith(":devstack-sample-jobs")


def test_the_schedule_runs_every_sweep_interval(sample_stack: RunningStack):
    events = wait_for(lambda: seen(sample_stack, "schedule"), "a scheduled run")

    assert events[0]["detail-type"] == "Scheduled Event"
    assert events[0]["source"] == "aws.events"
    assert events[0]["resources"][0].startswith("arn:aws:events:")


def test_delete_connection_closes_the_socket(sample_stack: RunningStack):
    client = sample_stack.client("apigatewaymanagementapi")
    with connect(sample_stack.ws_url) as socket:
        socket.send("id please")
        connection_id = received(socket)["connection_id"]
        client.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=RECV_TIMEOUT)


def _outbox() -> str:
    return TABLE_PREFIX + "outbox"


def _stream_arn(stack: RunningStack) -> str:
    table = stack.client("dynamodb").describe_table(TableName=_outbox())["Table"]
    arn: str = table["LatestStreamArn"]
    return arn


def _stream_record(stack: RunningStack, outbox_id: str) -> dict[str, Any] | None:
    records = [r for e in seen(stack, "stream") for r in e["Records"]]
    key = {"outbox_id": {"S": outbox_id}}
    return next((r for r in records if r["dynamodb"]["Keys"] == key), None)


def _entry(source: str, marker: str) -> dict[str, str]:
    return {
        "Source": source,
        "DetailType": "thing.happened",
        "Detail": json.dumps({"marker": marker}),
        "EventBusName": EVENT_BUS,
    }


def _cw_event(stack: RunningStack, marker: str) -> dict[str, Any] | None:
    events = seen(stack, "cw")
    return next((e for e in events if e["detail"].get("marker") == marker), None)
