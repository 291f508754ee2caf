"""SQS queues as event sources: long-poll, invoke, delete what was handled."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from devstack.lambdas import to_event_json
from devstack.workers import Worker

log = logging.getLogger("devstack.sqs")

# Short enough that stopping the stack waits at most about this long.
LONG_POLL_SECONDS = 1

# Returns the messages that were handled and may be deleted.
Consumer = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


class QueuePoller(Worker):
    """Receives batches from one queue and hands them to a consumer."""

    def __init__(
        self,
        name: str,
        client: Any,
        queue_url: str,
        consume: Consumer,
        stop: threading.Event,
        batch_size: int = 10,
    ) -> None:
        super().__init__(name, stop)
        self._client = client
        self._queue_url = queue_url
        self._consume = consume
        self._batch_size = max(1, min(batch_size, 10))

    def poll(self) -> None:
        messages = self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=LONG_POLL_SECONDS,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if messages:
            self._delete(self._consume(messages))

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
        ]
        self._client.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)


def ensure_queue(client: Any, name: str, **attributes: str) -> tuple[str, str]:
    """Create the queue if it is missing; return its URL and ARN."""
    if name.endswith(".fifo"):
        attributes = {"FifoQueue": "true", **attributes}
    url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def lambda_sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of the event Lambda builds for an SQS event source."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _lambda_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # Lambda spells the API's message attributes in camel case.
    converted: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = to_event_json(value["BinaryValue"])
    return converted
