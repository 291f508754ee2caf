"""pynamodb models: the stored records. Table names come from settings.

Keys and indexes must match infra/resources.json; tests/moto checks they do.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()

CURRENT = "current"
ACTIVE_SHARD = "active"


class ExpiryIndex(GlobalSecondaryIndex["SessionRecord"]):
    class Meta:
        index_name = "expiry-index"
        projection = AllProjection()

    lease_shard = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class SessionRecord(Model):
    """`record` is CURRENT for the item's live slot, or `session#<id>` for history.

    The current record outlives its sessions so that `fence` only ever grows.
    """

    class Meta:
        table_name = _settings.sessions_table

    item_id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute(range_key=True)
    fence = NumberAttribute(default=0)
    session_id = UnicodeAttribute(null=True)
    holder_user = UnicodeAttribute(null=True)
    holder_ws = UnicodeAttribute(null=True)
    holder_ws_name = UnicodeAttribute(null=True)
    acquired_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    # Set only while a session is live, so the expiry index holds live sessions only.
    lease_shard = UnicodeAttribute(null=True)
    ended_at = NumberAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)
    expiry_index = ExpiryIndex()




class OwnerIndex(GlobalSecondaryIndex["WorkstationRecord"]):
    class Meta:
        index_name = "owner-index"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class WorkstationRecord(Model):
    class Meta:
        table_name = _settings.workstations_table

    workstation_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    owner = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # The last event id given out to this workstation; ids are allocated by
    # conditional writes on it, so they sort in the order events were stored.
    event_seq = NumberAttribute(default=0)
    connections = UnicodeSetAttribute(null=True)
    # Connections still receiving a replay: live pushes skip them until it ends.
    replaying = UnicodeSetAttribute(null=True)
    owner_index = OwnerIndex()


class WorkstationWatchIndex(GlobalSecondaryIndex["WatchRecord"]):
    class Meta:
        index_name = "workstation-index"
        projection = KeysOnlyProjection()

    workstation_id = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)


class WatchRecord(Model):
    class Meta:
        table_name = _settings.watches_table

    item_id = UnicodeAttribute(hash_key=True)
    workstation_id = UnicodeAttribute(range_key=True)
    by_workstation = WorkstationWatchIndex()


class ConnectionRecord(Model):
    class Meta:
        table_name = _settings.connections_table

    connection_id = UnicodeAttribute(hash_key=True)
    workstation_id = UnicodeAttribute()
    user = UnicodeAttribute()
    connected_at = NumberAttribute()
    expires_at = NumberAttribute()


class EventRecord(Model):
    """A stored event of one workstation; `event_id` is its zero-padded sequence.

    Items whose `event_id` starts with `src#` mark an outbox entry as already stored
    for this workstation, so a redelivered stream batch does not store it twice.
    """

    class Meta:
        table_name = _settings.events_table

    workstation_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute(null=True)
    time = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)
    expires_at = NumberAttribute()


class AuditRecord(Model):
    class Meta:
        table_name = _settings.audit_table

    target = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    time = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    details = JSONAttribute()


class OutboxRecord(Model):
    """Work committed with a state change, carried out by the stream consumer."""

    class Meta:
        table_name = _settings.outbox_table

    outbox_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    payload = JSONAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class HandoffRecord(Model):
    """pk `item#<item>`: sk `request#<id>` is a request, sk `dedupe#<session>#<ws>`
    points at a requester's request on a session. pk `rate#<user>`: request counts."""

    class Meta:
        table_name = _settings.handoffs_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    request_id = UnicodeAttribute(null=True)
    item_id = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    requester_user = UnicodeAttribute(null=True)
    requester_ws = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    created_at = NumberAttribute(null=True)
    decided_at = NumberAttribute(null=True)
    decision_message = UnicodeAttribute(null=True)
    used = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class SignatureMap(MapAttribute):  # type: ignore[type-arg]
    user = UnicodeAttribute()
    decision = UnicodeAttribute()
    comment = UnicodeAttribute()
    time = UnicodeAttribute()
    gate = UnicodeAttribute()


class StatusIndex(GlobalSecondaryIndex["ApprovalRecord"]):
    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ApprovalRecord(Model):
    """pk `approval#<id>` is an approval; pk `pending#<item>#<session>` marks the one
    pending approval of a session, so a repeated force-release finds it."""

    class Meta:
        table_name = _settings.approvals_table

    pk = UnicodeAttribute(hash_key=True)
    approval_id = UnicodeAttribute(null=True)
    workflow = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    item_id = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    fence = NumberAttribute(null=True)
    holder_user = UnicodeAttribute(null=True)
    holder_ws = UnicodeAttribute(null=True)
    requested_by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    signatures = ListAttribute(of=SignatureMap, null=True)  # type: ignore[arg-type]
    created_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    pending_until = NumberAttribute(null=True)
    version = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)
    by_status = StatusIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    SessionRecord,
    WorkstationRecord,
    WatchRecord,
    ConnectionRecord,
    EventRecord,
    AuditRecord,
    OutboxRecord,
    HandoffRecord,
    ApprovalRecord,
)
