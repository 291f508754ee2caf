"""Workstations and their watches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import Forbidden, NotFound, StorageUnavailable
from chalicelib.storage.models import WatchRecord, WorkstationRecord
from chalicelib.storage.tx import ConditionFailed, Transaction

OWNER_CHECK = "workstation"


@dataclass(frozen=True)
class Workstation:
    id: str
    name: str
    owner: str
    created_at: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "owner": self.owner,
                "created_at": self.created_at}


def _to_workstation(record: WorkstationRecord) -> Workstation:
    return Workstation(record.workstation_id, record.name, record.owner,
                       record.created_at)


def create(workstation: Workstation) -> None:
    record = WorkstationRecord(
        workstation_id=workstation.id, name=workstation.name,
        owner=workstation.owner, created_at=workstation.created_at,
    )
    try:
        record.save(condition=WorkstationRecord.workstation_id.does_not_exist())
    except PynamoDBException as exc:
        raise StorageUnavailable("the workstation store is unavailable") from exc


def get(workstation_id: str) -> Workstation:
    try:
        return _to_workstation(WorkstationRecord.get(workstation_id))
    except WorkstationRecord.DoesNotExist as exc:
        raise NotFound(f"no workstation {workstation_id}") from exc
    except PynamoDBException as exc:
        raise StorageUnavailable("the workstation store is unavailable") from exc


@lru_cache(maxsize=4096)
def describe(workstation_id: str) -> Workstation:
    """A workstation's name and owner never change, so a warm process reads each
    once. Writes that depend on ownership still check it inside their transaction
    (`add_owner_check`), so a deleted workstation is never acted for."""
    return get(workstation_id)


def owned(workstation_id: str, user: str) -> Workstation:
    workstation = describe(workstation_id)
    if workstation.owner != user:
        raise Forbidden("that workstation belongs to another user")
    return workstation


def add_owner_check(tx: Transaction, workstation_id: str, user: str) -> None:
    tx.check(WorkstationRecord, workstation_id, None,
             WorkstationRecord.owner == user, label=OWNER_CHECK)


def forget() -> None:
    # lru_cache cannot drop one key; clearing all is cheap, and deletes are rare.
    describe.cache_clear()


def list_owned(user: str) -> list[Workstation]:
    try:
        return [_to_workstation(r) for r in WorkstationRecord.owner_index.query(user)]
    except PynamoDBException as exc:
        raise StorageUnavailable("the workstation store is unavailable") from exc


def delete(workstation_id: str) -> None:
    """Delete the workstation and its watches (the watches in batches)."""
    try:
        with WatchRecord.batch_write() as batch:
            for watch in WatchRecord.by_workstation.query(workstation_id):
                batch.delete(WatchRecord(watch.item_id, workstation_id))
        WorkstationRecord(workstation_id).delete()
    except PynamoDBException as exc:
        raise StorageUnavailable("the workstation store is unavailable") from exc
    forget()


def watch(workstation_id: str, item_id: str, user: str) -> None:
    """Add the watch only while the workstation exists and is the user's: another
    process may still have a deleted workstation in its `describe` cache."""
    tx = Transaction()
    add_owner_check(tx, workstation_id, user)
    tx.put(WatchRecord(item_id, workstation_id))
    try:
        tx.commit()
    except ConditionFailed as failure:
        forget()
        raise NotFound(f"no workstation {workstation_id} of yours") from failure


def unwatch(workstation_id: str, item_id: str) -> None:
    try:
        WatchRecord(item_id, workstation_id).delete()
    except PynamoDBException as exc:
        raise StorageUnavailable("the watch store is unavailable") from exc


def watched_items(workstation_id: str) -> list[str]:
    try:
        return [w.item_id for w in WatchRecord.by_workstation.query(workstation_id)]
    except PynamoDBException as exc:
        raise StorageUnavailable("the watch store is unavailable") from exc


def watchers(item_id: str) -> Iterator[str]:
    try:
        for watch_record in WatchRecord.query(item_id):
            yield watch_record.workstation_id
    except PynamoDBException as exc:
        raise StorageUnavailable("the watch store is unavailable") from exc
