"""Edit sessions in DynamoDB: the item's current slot and each session's history.

Every change here is one transaction with a condition on the current slot, so two
writers can never both win; the conditions compare against server time passed in
as `:now`, never against what DynamoDB TTL may or may not have deleted.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import GetError, PynamoDBException, QueryError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.sessions import EditSession, Holder
from chalicelib.errors import StorageUnavailable
from chalicelib.storage.models import ACTIVE_SHARD, CURRENT, SessionRecord
from chalicelib.storage.tx import Transaction

SLOT = "slot"


def history_key(session_id: str) -> str:
    return f"session#{session_id}"


def to_session(record: SessionRecord | None) -> EditSession | None:
    if record is None or not record.session_id:
        return None
    return EditSession(
        item_id=record.item_id,
        session_id=record.session_id,
        fence=int(record.fence),
        holder=Holder(record.holder_user or "", record.holder_ws or "",
                      record.holder_ws_name or ""),
        acquired_at=float(record.acquired_at or 0),
        expires_at=float(record.expires_at or 0),
    )


def read_slot(item_id: str) -> SessionRecord | None:
    try:
        return SessionRecord.get(item_id, CURRENT, consistent_read=True)
    except SessionRecord.DoesNotExist:
        return None
    except GetError as exc:
        raise StorageUnavailable("the session store is unavailable") from exc


def read_current(item_id: str) -> EditSession | None:
    return to_session(read_slot(item_id))


def read_history(item_id: str, session_id: str) -> EditSession | None:
    try:
        record = SessionRecord.get(item_id, history_key(session_id))
    except SessionRecord.DoesNotExist:
        return None
    except GetError as exc:
        raise StorageUnavailable("the session store is unavailable") from exc
    return to_session(record)


def _live_fields(session: EditSession) -> list:
    r = SessionRecord
    return [
        r.session_id.set(session.session_id),
        r.fence.set(session.fence),
        r.holder_user.set(session.holder.user),
        r.holder_ws.set(session.holder.workstation_id),
        r.holder_ws_name.set(session.holder.workstation_name),
        r.acquired_at.set(session.acquired_at),
        r.expires_at.set(session.expires_at),
        r.lease_shard.set(ACTIVE_SHARD),
    ]


def _cleared_fields() -> list:
    r = SessionRecord
    return [r.session_id.remove(), r.holder_user.remove(), r.holder_ws.remove(),
            r.holder_ws_name.remove(), r.acquired_at.remove(), r.expires_at.remove(),
            r.lease_shard.remove()]


def add_start(tx: Transaction, session: EditSession, replacing: str | None,
              now: float) -> None:
    """Start `session` in the slot: free, or holding the expired session `replacing`.

    The fence condition keeps fences rising even if this server's clock is behind
    the one that wrote the previous fence.
    """
    r = SessionRecord
    if replacing is None:
        taken = r.session_id.does_not_exist()
    else:
        taken = (r.session_id == replacing) & (r.expires_at <= now)
    fence_rises = r.fence.does_not_exist() | (r.fence < session.fence)
    tx.update(SessionRecord(session.item_id, CURRENT), _live_fields(session),
              condition=taken & fence_rises, label=SLOT)
    tx.put(_history_record(session))


def _history_record(session: EditSession) -> SessionRecord:
    return SessionRecord(
        item_id=session.item_id, record=history_key(session.session_id),
        session_id=session.session_id, fence=session.fence,
        holder_user=session.holder.user, holder_ws=session.holder.workstation_id,
        holder_ws_name=session.holder.workstation_name,
        acquired_at=session.acquired_at, expires_at=session.expires_at,
    )


def still_as_seen(session: EditSession) -> Condition:
    """The slot holds `session` as a client saw it (in an entity tag): the same id,
    fence, holder and start. This is what makes a tag safe to write from without
    reading the slot. The lease is left out: heartbeats move it all the time, and
    the session is still the one the client saw."""
    r = SessionRecord
    condition = (r.session_id == session.session_id) & (r.fence == session.fence)
    condition &= r.holder_user == session.holder.user
    condition &= r.holder_ws == session.holder.workstation_id
    condition &= r.holder_ws_name == session.holder.workstation_name
    condition &= r.acquired_at == session.acquired_at
    return condition


def add_end(tx: Transaction, item_id: str, session_id: str, reason: str, now: float,
            holder_user: str | None = None, expired: bool = False,
            seen: EditSession | None = None) -> None:
    """End `session_id` if it is still the item's session (and live, unless expired);
    with `seen`, only if the slot still holds exactly that session."""
    r = SessionRecord
    condition = r.session_id == session_id
    condition &= (r.expires_at <= now) if expired else (r.expires_at > now)
    if holder_user is not None:
        condition &= r.holder_user == holder_user
    if seen is not None:
        condition &= still_as_seen(seen)
    tx.update(SessionRecord(item_id, CURRENT), _cleared_fields(), condition=condition,
              label=SLOT)
    tx.update(SessionRecord(item_id, history_key(session_id)),
              [r.ended_at.set(now), r.end_reason.set(reason)])


def add_transfer(tx: Transaction, old: EditSession, new: EditSession,
                 now: float) -> None:
    """End `old` and start `new` in one step: nobody can take the item in between."""
    r = SessionRecord
    condition = (r.session_id == old.session_id) & (r.expires_at > now)
    condition &= r.holder_user == old.holder.user
    tx.update(SessionRecord(old.item_id, CURRENT), _live_fields(new),
              condition=condition, label=SLOT)
    tx.update(SessionRecord(old.item_id, history_key(old.session_id)),
              [r.ended_at.set(now), r.end_reason.set("handoff")])
    tx.put(_history_record(new))


def extend(item_id: str, session_id: str, expires_at: float, now: float,
           holder_user: str) -> EditSession:
    """Move a live session's expiry; one conditional update, no transaction needed
    since a heartbeat changes nobody's rights and writes no audit entry."""
    r = SessionRecord
    slot = SessionRecord(item_id, CURRENT)
    condition = (r.session_id == session_id) & (r.expires_at > now)
    condition &= r.holder_user == holder_user
    try:
        slot.update(actions=[r.expires_at.set(expires_at)], condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise LeaseNotExtended() from exc
        raise StorageUnavailable("the session store is unavailable") from exc
    session = to_session(slot)
    assert session is not None
    return session


class LeaseNotExtended(Exception):
    """The session named was not the item's live session."""


def expired_sessions(now: float, limit: int = 100) -> Iterator[EditSession]:
    """Live-looking sessions whose lease has passed (read from the expiry index,
    which may lag; the end transaction re-checks against the table)."""
    try:
        for record in SessionRecord.expiry_index.query(
            ACTIVE_SHARD, SessionRecord.expires_at <= now, limit=limit
        ):
            session = to_session(record)
            if session is not None:
                yield session
    except (QueryError, PynamoDBException) as exc:
        raise StorageUnavailable("the session store is unavailable") from exc
