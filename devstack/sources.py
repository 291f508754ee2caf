"""The app's non-HTTP event sources, each wired to a polling thread."""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from chalice.app import (
    BaseEventSourceConfig,
    CloudWatchEventConfig,
    DynamoDBEventConfig,
    ScheduledEventConfig,
    SQSEventConfig,
)

from devstack.lambdas import ACCOUNT_ID, FunctionFactory, LambdaFunction, invoke_logged
from devstack.sqs import QueuePoller, ensure_queue, lambda_sqs_record
from devstack.streams import StreamPoller
from devstack.workers import Worker

log = logging.getLogger("devstack.sources")

# Lambda tries an asynchronous (EventBridge) invocation three times in all.
ASYNC_ATTEMPTS = 3


@dataclass(frozen=True)
class SourceSettings:
    event_bus: str
    schedule_interval: float
    region: str


def build_workers(
    sources: list[BaseEventSourceConfig],
    functions: FunctionFactory,
    settings: SourceSettings,
    stop: threading.Event,
) -> list[Worker]:
    """A prepared worker for every source this stack can emulate."""
    workers = []
    for source in sources:
        function = functions.for_handler(source.name, source.handler_string)
        worker = _worker_for(source, function, settings, stop)
        if worker is None:
            log.warning("%s: %s is not emulated", source.name, type(source).__name__)
            continue
        worker.prepare()
        workers.append(worker)
    return workers


def _worker_for(
    source: BaseEventSourceConfig,
    function: LambdaFunction,
    settings: SourceSettings,
    stop: threading.Event,
) -> Worker | None:
    if isinstance(source, DynamoDBEventConfig):
        return StreamPoller(function, source, boto3.client("dynamodbstreams"), stop)
    if isinstance(source, CloudWatchEventConfig):
        return event_rule_poller(function, source, settings.event_bus, stop)
    if isinstance(source, ScheduledEventConfig):
        return ScheduleWorker(function, source, settings, stop)
    if isinstance(source, SQSEventConfig):
        return sqs_source_poller(function, source, stop)
    return None


def event_rule_poller(
    function: LambdaFunction,
    source: CloudWatchEventConfig,
    bus: str,
    stop: threading.Event,
) -> QueuePoller:
    """A rule with the source's pattern, targeting a queue the poller drains.

    The queue stands in for Lambda's asynchronous invoke, so moto itself decides
    which events match the pattern.
    """
    sqs = boto3.client("sqs")
    name = _resource_name(function.name)
    # A short visibility timeout makes a failed event come back for its retry soon.
    url, arn = ensure_queue(sqs, name, VisibilityTimeout="1")
    _put_rule(name, bus, source.event_pattern, arn)
    return QueuePoller(f"events-{source.name}", sqs, url, _EventInvoker(function), stop)


def _put_rule(name: str, bus: str, pattern: dict[str, Any], queue_arn: str) -> None:
    events = boto3.client("events")
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    target = {"Id": "devstack-queue", "Arn": queue_arn}
    events.put_targets(Rule=name, EventBusName=bus, Targets=[target])


class _EventInvoker:
    """Invokes once per event; an event that keeps failing is dropped, as on AWS."""

    def __init__(self, function: LambdaFunction) -> None:
        self._function = function

    def __call__(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [message for message in messages if self._handle(message)]

    def _handle(self, message: dict[str, Any]) -> bool:
        event = json.loads(message["Body"])
        event.pop("ingestion-time", None)  # moto's bookkeeping, not in real events
        # moto's target template leaves the account out; EventBridge sends it.
        event.setdefault("account", ACCOUNT_ID)
        ok, _ = invoke_logged(self._function, event)
        attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
        if not ok and attempts >= ASYNC_ATTEMPTS:
            log.error("%s: dropping event %s after %d attempts",
                      self._function.name, event.get("id"), attempts)
            return True
        return ok


def sqs_source_poller(
    function: LambdaFunction, source: SQSEventConfig, stop: threading.Event
) -> QueuePoller:
    """Lambda's SQS mapping: a failed batch reappears after the visibility timeout."""
    sqs = boto3.client("sqs")
    queue = source.queue or (source.queue_arn or "").rsplit(":", 1)[-1]
    url, arn = ensure_queue(sqs, queue)

    def consume(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        event = {"Records": [lambda_sqs_record(message, arn) for message in messages]}
        ok, _ = invoke_logged(function, event)
        return messages if ok else []

    return QueuePoller(f"sqs-{source.name}", sqs, url, consume, stop, source.batch_size)


class ScheduleWorker(Worker):
    """Invokes the function every interval, starting one interval after start."""

    def __init__(
        self,
        function: LambdaFunction,
        source: ScheduledEventConfig,
        settings: SourceSettings,
        stop: threading.Event,
    ) -> None:
        super().__init__(f"schedule-{source.name}", stop)
        self._function = function
        self._interval = settings.schedule_interval
        rule = _resource_name(function.name)
        self._rule_arn = f"arn:aws:events:{settings.region}:{ACCOUNT_ID}:rule/{rule}"

    def poll(self) -> None:
        if not self.stop_event.wait(self._interval):
            invoke_logged(self._function, self.scheduled_event())

    def scheduled_event(self) -> dict[str, Any]:
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._rule_arn.split(":")[3],
            "resources": [self._rule_arn],
            "detail": {},
        }


def _resource_name(name: str) -> str:
    # Rule and queue names allow fewer characters, and 64 at most.
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:64]
