"""A small Chalice app that uses every kind of handler the local stack serves.

Handlers record what they receive; GET /seen/{kind} shows it to the tests.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import boto3
from chalice import Chalice, Rate, Response
from chalice.app import CloudWatchEvent, DynamoDBEvent, SQSEvent, WebsocketEvent

app = Chalice(app_name="devstack-sample")
app.experimental_feature_flags.update(["WEBSOCKETS"])

EVENT_PATTERN = {"source": ["devstack.sample"], "detail-type": ["thing.happened"]}
JOBS_QUEUE = "devstack-sample-jobs"

_seen: dict[str, list[Any]] = {}
_attempts: dict[str, int] = {}
_lock = threading.Lock()


def _record(kind: str, value: Any) -> None:
    with _lock:
        _seen.setdefault(kind, []).append(value)


def _push(connection_id: str, message: dict[str, Any]) -> None:
    client = boto3.client(
        "apigatewaymanagementapi", endpoint_url=os.environ["WEBSOCKET_ENDPOINT"]
    )
    client.post_to_connection(ConnectionId=connection_id, Data=json.dumps(message))


@app.route("/seen/{kind}")
def seen(kind: str) -> dict[str, Any]:
    with _lock:
        return {"events": list(_seen.get(kind, []))}


@app.route("/settings")
def settings() -> dict[str, Any]:
    names = ["WEBSOCKET_ENDPOINT", "OUTBOX_STREAM_ARN", "AWS_ENDPOINT_URL"]
    return {name: os.environ.get(name) for name in names}


@app.on_ws_connect()
def connect(event: WebsocketEvent) -> Response:
    query = event.to_dict().get("queryStringParameters") or {}
    if "deny" in query:
        return Response(status_code=403, body="denied")
    _record("connect", event.to_dict())
    if "greet" in query:
        # Like an app that pushes stored events as soon as a client connects.
        threading.Thread(target=_greet, args=(event.connection_id,)).start()
    return Response(status_code=200, body="")


def _greet(connection_id: str) -> None:
    client = boto3.client(
        "apigatewaymanagementapi", endpoint_url=os.environ["WEBSOCKET_ENDPOINT"]
    )
    # $connect may not have returned yet; AWS answers 410 until it has.
    for _ in range(500):
        try:
            client.get_connection(ConnectionId=connection_id)
            break
        except client.exceptions.GoneException:
            continue
    _push(connection_id, {"greeting": "hello"})


@app.on_ws_message()
def message(event: WebsocketEvent) -> None:
    if event.body == "boom":
        raise RuntimeError("the sample handler fails on purpose")
    _push(event.connection_id, {"connection_id": event.connection_id, "echo": event.body})


@app.on_ws_disconnect()
def disconnect(event: WebsocketEvent) -> None:
    _record("disconnect", event.to_dict())


@app.on_dynamodb_record(stream_arn=os.environ.get("OUTBOX_STREAM_ARN", ""), batch_size=10)
def outbox(event: DynamoDBEvent) -> None:
    for record in event:
        key = json.dumps(record.keys, sort_keys=True)
        with _lock:
            _attempts[key] = _attempts.get(key, 0) + 1
            attempt = _attempts[key]
        if record.new_image and "fail_once" in record.new_image and attempt == 1:
            raise RuntimeError("the sample stream handler fails once on purpose")
    _record("stream", event.to_dict())


@app.on_cw_event(EVENT_PATTERN)
def thing_happened(event: CloudWatchEvent) -> None:
    _record("cw", event.to_dict())


@app.on_sqs_message(queue=JOBS_QUEUE, batch_size=5)
def job(event: SQSEvent) -> None:
    _record("sqs", event.to_dict())


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sweep(event: CloudWatchEvent) -> None:
    _record("schedule", event.to_dict())
