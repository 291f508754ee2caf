"""Approvals in DynamoDB, and the markers that keep force-release exactly-once.

pk `approval#<id>`: the approval. It changes only by a put conditioned on the
`version` read and on still being pending, so of two concurrent signers one wins
and the other re-reads and is told why.

pk `pending#<item>#<session>`: names the one pending approval of a session. Created
with its approval, deleted in the transaction that takes the approval out of
pending, so a repeated force-release finds the first approval and a later one
may start afresh.

pk `applied#<approval id>`: written with the release an approval caused, so a
redelivered approval.completed event releases and audits once.
"""

from __future__ import annotations

import functools
import operator

from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib.domain.approvals import Approval, Subject
from chalicelib.errors import StorageUnavailable
from chalicelib.storage.models import ApprovalRecord, SignatureMap
from chalicelib.storage.tx import Transaction
from chalicelib.workflow.engine import PENDING, ApprovalState, Signature

APPROVAL = "approval"
PENDING_MARKER = "pending"
APPLIED = "applied"


def approval_key(approval_id: str) -> str:
    return f"approval#{approval_id}"


def pending_key(item_id: str, session_id: str) -> str:
    return f"pending#{item_id}#{session_id}"


def applied_key(approval_id: str) -> str:
    return f"applied#{approval_id}"


def to_record(approval: Approval) -> ApprovalRecord:
    state, subject = approval.state, approval.subject
    return ApprovalRecord(
        pk=approval_key(state.id), approval_id=state.id, workflow=state.workflow,
        status=state.status, item_id=subject.item_id, session_id=subject.session_id,
        fence=subject.fence, holder_user=subject.holder_user,
        holder_ws=subject.holder_ws, requested_by=state.requested_by,
        reason=approval.reason, signatures=[_signature_map(s) for s in state.signatures],
        created_at=state.created_at, completed_at=state.completed_at,
        pending_until=state.expires_at, version=approval.version,
    )


def _signature_map(signature: Signature) -> SignatureMap:
    return SignatureMap(user=signature.user, decision=signature.decision,
                        comment=signature.comment, time=signature.time,
                        gate=signature.gate)


def to_approval(record: ApprovalRecord) -> Approval:
    signatures = tuple(Signature(s.user, s.decision, s.comment, s.time, s.gate)
                       for s in record.signatures or [])
    state = ApprovalState(
        id=record.approval_id or "", workflow=record.workflow or "",
        status=record.status or "", requested_by=record.requested_by or "",
        signatures=signatures, created_at=record.created_at or "",
        completed_at=record.completed_at,
        expires_at=None if record.pending_until is None else float(record.pending_until),
    )
    subject = Subject(record.item_id or "", record.session_id or "",
                      int(record.fence or 0), record.holder_user or "",
                      record.holder_ws or "")
    return Approval(state, subject, record.reason or "", int(record.version or 0))


def add_new(tx: Transaction, approval: Approval) -> None:
    """The approval, and the marker that makes it its session's one pending one.
    A failed marker comes back with the stored one, naming the approval to reuse."""
    a = ApprovalRecord
    tx.put(to_record(approval), condition=a.pk.does_not_exist())
    subject = approval.subject
    tx.put(ApprovalRecord(pk=pending_key(subject.item_id, subject.session_id),
                          approval_id=approval.id),
           condition=a.pk.does_not_exist(), label=PENDING_MARKER)


def add_change(tx: Transaction, before: Approval, after: Approval) -> None:
    """Store `after` only over the pending version `before` was computed from."""
    a = ApprovalRecord
    unchanged = (a.version == before.version) & (a.status == PENDING)
    tx.put(to_record(after), condition=unchanged, label=APPROVAL)
    if after.status != PENDING:
        subject = after.subject
        tx.delete(ApprovalRecord(pk=pending_key(subject.item_id, subject.session_id)))


def add_applied(tx: Transaction, approval_id: str) -> None:
    tx.put(ApprovalRecord(pk=applied_key(approval_id), approval_id=approval_id),
           condition=ApprovalRecord.pk.does_not_exist(), label=APPLIED)


def marked_approval_id(marker: Model | None) -> str | None:
    """The approval a failed pending marker named (from ConditionFailed.items)."""
    return marker.approval_id if isinstance(marker, ApprovalRecord) else None


def get(approval_id: str) -> Approval | None:
    try:
        record = ApprovalRecord.get(approval_key(approval_id), consistent_read=True)
    except ApprovalRecord.DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise StorageUnavailable("the approval store is unavailable") from exc
    return to_approval(record)


def with_status(status: str, limit: int, requested_by: str | None = None,
                due_by: float | None = None) -> list[Approval]:
    """The newest `limit` approvals in `status`, from the status index (which may
    lag a write by a moment; every change re-reads the table first)."""
    try:
        records = ApprovalRecord.by_status.query(
            status, filter_condition=_filter(requested_by, due_by),
            scan_index_forward=False, limit=limit)
        return [to_approval(record) for record in records]
    except PynamoDBException as exc:
        raise StorageUnavailable("the approval store is unavailable") from exc


def _filter(requested_by: str | None, due_by: float | None) -> Condition | None:
    a = ApprovalRecord
    parts = []
    if requested_by is not None:
        parts.append(a.requested_by == requested_by)
    if due_by is not None:
        parts.append(a.pending_until <= due_by)
    return functools.reduce(operator.and_, parts) if parts else None
