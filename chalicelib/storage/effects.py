"""Writes a change's audit entries and outbox entries into its transaction."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib import clock
from chalicelib.domain.records import AuditEntry, Effects
from chalicelib.ids import new_id, time_ordered_id
from chalicelib.storage.models import AuditRecord, OutboxRecord
from chalicelib.storage.tx import Transaction

# The stream consumer reads an outbox entry within seconds; a day is only a margin
# for a consumer that was down, after which TTL may clean the entry up.
OUTBOX_KEEP_SECONDS = 24 * 3600

DELIVER = "deliver"
PUBLISH = "publish"
REPLAY = "replay"


def audit_target(target_type: str, target_id: str) -> str:
    return f"{target_type}#{target_id}"


def audit_record(entry: AuditEntry, now: float, position: int = 0) -> AuditRecord:
    return AuditRecord(
        target=audit_target(entry.target_type, entry.target_id),
        entry_id=time_ordered_id(now, position),
        time=clock.iso(now),
        action=entry.action,
        actor=entry.actor,
        target_type=entry.target_type,
        target_id=entry.target_id,
        details=entry.details,
    )


def outbox_record(kind: str, payload: Mapping[str, object],
                  now: float) -> OutboxRecord:
    return OutboxRecord(
        outbox_id=new_id("ob"),
        kind=kind,
        payload=payload,
        created_at=now,
        expires_at=int(now) + OUTBOX_KEEP_SECONDS,
    )


def add_effects(tx: Transaction, effects: Effects, now: float) -> None:
    """Audit entries, then one outbox entry for all deliveries, so they reach each
    workstation in the order the change listed them (stream records of different
    items carry no order between them)."""
    for position, entry in enumerate(effects.audit):
        tx.put(audit_record(entry, now, position))
    if effects.deliveries:
        deliveries = [delivery.to_payload() for delivery in effects.deliveries]
        tx.put(outbox_record(DELIVER, {"deliveries": deliveries}, now))
    for publication in effects.publications:
        payload = {"source": publication.source, "detail_type": publication.detail_type,
                   "detail": publication.detail}
        tx.put(outbox_record(PUBLISH, payload, now))
