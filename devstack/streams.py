"""DynamoDB stream event sources: poll the stream, invoke with batches, like Lambda."""

from __future__ import annotations

import logging
import threading
from typing import Any

from chalice.app import DynamoDBEventConfig

from devstack.lambdas import LambdaFunction, to_event_json
from devstack.workers import Backoff, Worker

log = logging.getLogger("devstack.streams")

POLL_INTERVAL_IDLE = 0.1
POLL_INTERVAL_BUSY = 0.05


class StreamPoller(Worker):
    """One stream mapping; a failing batch blocks its shard, retried with backoff."""

    def __init__(
        self,
        function: LambdaFunction,
        source: DynamoDBEventConfig,
        client: Any,
        stop: threading.Event,
    ) -> None:
        super().__init__(f"stream-{source.name}", stop)
        self._function = function
        self._source = source
        self._client = client
        self._iterators: dict[str, str] = {}
        self._positions: dict[str, str] = {}
        self._pending: list[dict[str, Any]] = []
        self._retries = Backoff()

    def prepare(self) -> None:
        # Taken before the stack says ready, so no write after "ready" is missed.
        arn = self._source.stream_arn
        description = self._client.describe_stream(StreamArn=arn)["StreamDescription"]
        for shard in description["Shards"]:
            self._iterators[shard["ShardId"]] = self._client.get_shard_iterator(
                StreamArn=arn,
                ShardId=shard["ShardId"],
                ShardIteratorType=self._source.starting_position,
            )["ShardIterator"]

    def poll(self) -> None:
        if not self._pending:
            self._pending = self._next_batch()
        if not self._pending:
            self.stop_event.wait(POLL_INTERVAL_IDLE)
        elif self._deliver(self._pending):
            self._pending = []
            self.stop_event.wait(POLL_INTERVAL_BUSY)
        else:
            self.stop_event.wait(self._retries.delay)

    def _next_batch(self) -> list[dict[str, Any]]:
        for shard_id in list(self._iterators):
            records = self._read_settled(shard_id)
            if records:
                last = records[-1]["dynamodb"]["SequenceNumber"]
                self._positions[shard_id] = last
                return [self._lambda_record(r) for r in records]
        return []

    def _read_settled(self, shard_id: str) -> list[dict[str, Any]]:
        """Records after the checkpoint, read twice and kept only if both reads agree.

        moto rolls a failed transaction back by putting a copy of each table in
        place, stream shard included. An iterator taken just before that points at
        the discarded shard, which still holds the failed transaction's records. A
        second, fresh read sees the restored shard; records that were never
        committed differ between the two reads and wait for the next poll.
        """
        iterator = self._iterator_for(shard_id)
        first = self._read(iterator)
        if not first["Records"]:
            self._advance(shard_id, iterator, first.get("NextShardIterator"))
            return []
        # Before any checkpoint on a LATEST mapping there is no position to take a
        # fresh iterator from; the same iterator is read again.
        again = self._iterator_for(shard_id) if shard_id in self._positions or (
            self._source.starting_position != "LATEST") else iterator
        second = self._read(again)
        if again != iterator:
            forget_shard_iterator(self._source.stream_arn, iterator)
        self._advance(shard_id, again, second.get("NextShardIterator"))
        if _identities(first["Records"]) != _identities(second["Records"]):
            return []
        return list(first["Records"])

    def _read(self, iterator: str) -> dict[str, Any]:
        response: dict[str, Any] = self._client.get_records(
            ShardIterator=iterator, Limit=min(self._source.batch_size, 1000)
        )
        return response

    def _iterator_for(self, shard_id: str) -> str:
        """A fresh iterator after the last record read, as Lambda's checkpoint is
        (an old iterator may point at a shard that moto has since replaced)."""
        position = self._positions.get(shard_id)
        if position is None and self._source.starting_position == "LATEST":
            return self._iterators[shard_id]
        kwargs: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        if position is not None:
            kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                      "SequenceNumber": position}
        return str(self._client.get_shard_iterator(
            StreamArn=self._source.stream_arn, ShardId=shard_id, **kwargs
        )["ShardIterator"])

    def _advance(self, shard_id: str, used: str, following: str | None) -> None:
        forget_shard_iterator(self._source.stream_arn, used)
        if following:
            self._iterators[shard_id] = following
        else:
            log.info("%s: shard %s closed", self.name, shard_id)
            del self._iterators[shard_id]

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        converted: dict[str, Any] = to_event_json(record)
        converted["eventSourceARN"] = self._source.stream_arn
        converted["awsRegion"] = self._source.stream_arn.split(":")[3]
        return converted

    def _deliver(self, records: list[dict[str, Any]]) -> bool:
        # Lambda retries a failed batch until it succeeds, holding back the shard.
        try:
            self._function.invoke({"Records": records})
        except Exception:
            what = f"{self._function.name} failed on {len(records)} stream records"
            self._retries.log_failure(log, what)
            return False
        self._retries.reset()
        return True


def _identities(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["dynamodb"]["SequenceNumber"], repr(r["dynamodb"].get("Keys")))
            for r in records]


def forget_shard_iterator(stream_arn: str, iterator: str) -> None:
    """Drop a used iterator from the in-process moto, which keeps every one forever.

    Polling every 100 ms otherwise leaks about 100 MB an hour. Reaching into moto
    is only possible because it runs in this process; if its internals change,
    this quietly does nothing.
    """
    try:
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        parts = stream_arn.split(":")
        backend = dynamodbstreams_backends[parts[4]][parts[3]]
        backend.shard_iterators.pop(iterator, None)
    except (ImportError, KeyError, AttributeError, IndexError):
        pass
