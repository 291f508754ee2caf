"""Stored events of each workstation, and the connections they are pushed to.

Event ids are allocated from the workstation's `event_seq` by a transaction that
moves the counter from the value it read and stores the event together, so an id
can only be stored after every smaller id of that workstation: a client resuming
after id N can never miss an event stored later with a smaller id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import Forbidden, NotFound, StorageUnavailable
from chalicelib.storage.models import ConnectionRecord, EventRecord, WorkstationRecord
from chalicelib.storage.tx import ConditionFailed, Transaction

ID_DIGITS = 20
LAST_ID = "9" * ID_DIGITS
COUNTER = "counter"
ALREADY_STORED = "marker"
# API Gateway closes a WebSocket after two hours; the record outlives it a little.
CONNECTION_KEEP_SECONDS = 3 * 3600


@dataclass(frozen=True)
class StoredEvent:
    id: str
    type: str
    time: str
    data: dict[str, Any]

    def frame(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "time": self.time, "data": self.data}


@dataclass(frozen=True)
class Recipient:
    """A workstation as the delivery needs it: its counter and open connections."""

    workstation_id: str
    event_seq: int
    connections: frozenset[str]
    replaying: frozenset[str]

    @property
    def live_connections(self) -> frozenset[str]:
        return self.connections - self.replaying


def event_id(seq: int) -> str:
    return f"{seq:0{ID_DIGITS}d}"


def _recipient(record: WorkstationRecord) -> Recipient:
    return Recipient(record.workstation_id, int(record.event_seq or 0),
                     frozenset(record.connections or ()),
                     frozenset(record.replaying or ()))


def recipients(workstation_ids: Iterable[str]) -> Iterator[Recipient]:
    """Batch-read the workstations (100 a call); unknown ids are skipped."""
    try:
        for record in WorkstationRecord.batch_get(
            list(workstation_ids),
            attributes_to_get=["workstation_id", "event_seq", "connections", "replaying"],
        ):
            yield _recipient(record)
    except PynamoDBException as exc:
        raise StorageUnavailable("the workstation store is unavailable") from exc


# Three parts per workstation (counter, event, marker) and at most 100 parts in a
# DynamoDB transaction: one call stores one event for 33 workstations.
GROUP_SIZE = 33


@dataclass(frozen=True)
class Event:
    source_id: str
    type: str
    time: str
    data: dict[str, Any]


class GroupRefused(Exception):
    """Some workstations of the group could not take the event as read.

    `moved` holds each one whose counter moved (its current record, None when the
    workstation was deleted); `already` the ones that had stored this event before.
    """

    def __init__(self, moved: dict[str, Recipient | None], already: set[str]) -> None:
        super().__init__(f"{len(moved)} moved, {len(already)} already stored")
        self.moved = moved
        self.already = already


def store_group(recipients: list[Recipient], event: Event, now: float,
                retention_seconds: int) -> list[tuple[Recipient, StoredEvent]]:
    """Store `event` for up to GROUP_SIZE workstations in one transaction, each
    under the id after the counter value read."""
    keep_until = int(now) + retention_seconds
    tx = Transaction()
    for recipient in recipients:
        _add_event(tx, recipient, event, keep_until)
    try:
        tx.commit()
    except ConditionFailed as failure:
        raise _refusal(failure, recipients) from failure
    return [(r, StoredEvent(event_id(r.event_seq + 1), event.type, event.time,
                            event.data)) for r in recipients]


def _add_event(tx: Transaction, recipient: Recipient, event: Event,
               keep_until: int) -> None:
    w = WorkstationRecord
    ws = recipient.workstation_id
    seq = recipient.event_seq + 1
    counter_is = (w.event_seq == recipient.event_seq) if recipient.event_seq else (
        w.event_seq.does_not_exist() | (w.event_seq == 0))
    tx.update(WorkstationRecord(ws), [w.event_seq.set(seq)],
              condition=w.workstation_id.exists() & counter_is, label=f"{COUNTER}:{ws}")
    tx.put(EventRecord(ws, event_id(seq), type=event.type, time=event.time,
                       data=event.data, expires_at=keep_until))
    tx.put(EventRecord(ws, f"src#{event.source_id}", expires_at=keep_until),
           condition=EventRecord.event_id.does_not_exist(),
           label=f"{ALREADY_STORED}:{ws}")


def _refusal(failure: ConditionFailed, recipients: list[Recipient]) -> GroupRefused:
    moved: dict[str, Recipient | None] = {}
    already = set()
    for recipient in recipients:
        ws = recipient.workstation_id
        if failure.failed(f"{ALREADY_STORED}:{ws}"):
            already.add(ws)
        elif failure.failed(f"{COUNTER}:{ws}"):
            record = failure.item(f"{COUNTER}:{ws}", WorkstationRecord)
            moved[ws] = _recipient(record) if record is not None else None
    return GroupRefused(moved, already)


def events_after(workstation_id: str, after: str, now: float,
                 limit: int | None = None) -> Iterator[StoredEvent]:
    """Stored events after `after`, in id order, skipping ones past retention
    (TTL deletes late, so expiry is decided here)."""
    first = event_id(int(after) + 1) if after else event_id(0)
    if first > LAST_ID:
        return
    try:
        for record in EventRecord.query(
            workstation_id, EventRecord.event_id.between(first, LAST_ID),
            consistent_read=True, limit=limit,
        ):
            if record.expires_at > now and record.type:
                yield StoredEvent(record.event_id, record.type, record.time or "",
                                  record.data or {})
    except PynamoDBException as exc:
        raise StorageUnavailable("the event store is unavailable") from exc


def add_connection(connection_id: str, workstation_id: str, user: str, now: float,
                   replaying: bool) -> None:
    """Register a connection, only if the workstation is the user's (one transaction)."""
    w = WorkstationRecord
    actions = [w.connections.add({connection_id})]
    if replaying:
        actions.append(w.replaying.add({connection_id}))
    tx = Transaction()
    tx.update(WorkstationRecord(workstation_id), actions,
              condition=w.workstation_id.exists() & (w.owner == user), label="owner")
    tx.put(ConnectionRecord(connection_id, workstation_id=workstation_id, user=user,
                            connected_at=now,
                            expires_at=int(now) + CONNECTION_KEEP_SECONDS))
    try:
        tx.commit()
    except ConditionFailed as failure:
        owner = failure.items.get("owner")
        if owner is None:
            raise NotFound(f"no workstation {workstation_id}") from failure
        raise Forbidden("that workstation belongs to another user") from failure


def connection(connection_id: str) -> ConnectionRecord | None:
    try:
        return ConnectionRecord.get(connection_id)
    except ConnectionRecord.DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise StorageUnavailable("the connection store is unavailable") from exc


def remove_connection(workstation_id: str, connection_id: str) -> None:
    w = WorkstationRecord
    tx = Transaction()
    tx.update(WorkstationRecord(workstation_id),
              [w.connections.delete({connection_id}),
               w.replaying.delete({connection_id})],
              condition=w.workstation_id.exists(), label="workstation")
    tx.delete(ConnectionRecord(connection_id))
    try:
        tx.commit()
    except ConditionFailed:
        # The workstation is gone; its connection record still has to go.
        try:
            ConnectionRecord(connection_id).delete()
        except PynamoDBException as exc:
            raise StorageUnavailable("the connection store is unavailable") from exc


def end_replay(workstation_id: str, connection_id: str) -> None:
    try:
        WorkstationRecord(workstation_id).update(
            actions=[WorkstationRecord.replaying.delete({connection_id})],
            condition=WorkstationRecord.workstation_id.exists(),
        )
    except PynamoDBException:
        # The workstation was deleted meanwhile: nothing left to mark.
        pass
