"""Use cases of force-release and approvals: release now or ask for an approval,
sign, cancel, expire, and release the session an approved approval names.

Completion reaches EventBridge through the transactional outbox: the change that
completes an approval writes its `approval.completed` event as an outbox entry in
the same DynamoDB transaction, and the outbox stream consumer puts it on the bus.
So the signature and the event cannot be lost apart (neither commits without the
other), and a crash right after the commit still publishes: the stream keeps the
entry for 24 hours and Lambda retries the consumer until the bus takes it. A
direct put_events after the commit would lose the event on such a crash, and
before the commit would announce approvals that never happened.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chalicelib import bootstrap, clock
from chalicelib.domain import approval_events as events
from chalicelib.domain import approvals as rules
from chalicelib.domain import session_tags
from chalicelib.domain.approvals import (
    Approval,
    ForceReleased,
    ForceReleaseOutcome,
    ReleasePending,
)
from chalicelib.domain.principal import Principal
from chalicelib.domain.records import Effects
from chalicelib.domain.sessions import EditSession, live_or_none
from chalicelib.errors import (
    ApprovalClosed,
    ConcurrentUpdate,
    NoSession,
    NotFound,
    PreconditionFailed,
)
from chalicelib.ids import new_id
from chalicelib.settings import Settings
from chalicelib.storage import approvals as store
from chalicelib.storage import sessions as session_store
from chalicelib.storage.effects import add_effects
from chalicelib.storage.tx import ConditionFailed, Transaction
from chalicelib.workflow import engine
from chalicelib.workflow.definitions import WorkflowDefinition

log = logging.getLogger(__name__)

EVENT_SOURCE = events.EVENT_SOURCE
STATUSES = engine.STATUSES
ATTEMPTS = 4
# GET /approvals answers at most the newest 100 (no paging yet: pending ones are
# few, and older ones stay readable by id and in the audit log).
PAGE_LIMIT = 100

RELEASED = "released"
NOT_APPROVED = "not_approved"
SESSION_ENDED = "session_ended"
ALREADY_APPLIED = "already_applied"


# Force-release ------------------------------------------------------------------------

def force_release(settings: Settings, principal: Principal, item_id: str,
                  reason: str, tag: str | None = None) -> ForceReleaseOutcome:
    """Release the item's session now, or ask for an approval to. With `tag` (the
    session's entity tag, from `If-Match`) only that session, and without reading
    it first: the write's condition checks the session's id, fence, holder and
    start as the tag carries them."""
    seen = _seen_session(item_id, tag)
    if settings.force_release_requires_approval:
        return _request_approval(settings, principal, item_id, reason, seen)
    if seen is not None:
        return _release_seen(principal, seen, reason)
    return _release_now(principal, item_id, reason)


def _seen_session(item_id: str, tag: str | None) -> EditSession | None:
    if tag is None:
        return None
    seen = session_tags.session_of(item_id, tag)
    if seen is None:
        raise PreconditionFailed("If-Match is not the entity tag of a session")
    return seen


def _live_session(item_id: str, now: float) -> EditSession:
    live = live_or_none(session_store.read_current(item_id), now)
    if live is None:
        raise NoSession("nobody holds this item")
    return live


def _release_now(principal: Principal, item_id: str, reason: str) -> ForceReleased:
    """Releases whoever holds the item when the request runs: a session that ended
    or changed hands between the read and the write makes it read again."""
    for _ in range(ATTEMPTS):
        now = clock.now()
        session = _live_session(item_id, now)
        try:
            _commit_release(session, principal.user, reason, now, from_tag=False)
        except ConditionFailed:
            continue
        log.info("session force-released", extra={"session_id": session.session_id})
        return ForceReleased(session)
    raise ConcurrentUpdate("the item changed hands too often; try again")


def _release_seen(principal: Principal, seen: EditSession,
                  reason: str) -> ForceReleased:
    """One write: the tag already says which session, so there is nothing to read.
    The answer shows the session as the tag does; a heartbeat since the tag was
    taken has moved its `expires_at`, which is not read back."""
    now = clock.now()
    try:
        _commit_release(seen, principal.user, reason, now, from_tag=True)
    except ConditionFailed as failure:
        slot = failure.item(session_store.SLOT, session_store.SessionRecord)
        raise _not_as_seen(session_store.to_session(slot), now) from failure
    log.info("session force-released", extra={"session_id": seen.session_id})
    return ForceReleased(seen)


def _not_as_seen(current: EditSession | None, now: float) -> Exception:
    """404 when nobody holds the item any more, else 412 with the session that does."""
    current = live_or_none(current, now)
    if current is None:
        return NoSession("nobody holds this item")
    return PreconditionFailed("the item's session is not the one in If-Match",
                              session=current.to_dict())


def _commit_release(session: EditSession, admin: str, reason: str, now: float,
                    from_tag: bool) -> None:
    """Raises ConditionFailed when the session ended or changed hands since it was
    read, or, from a tag, when the slot holds another session than the tag's."""
    tx = Transaction()
    session_store.add_end(tx, session.item_id, session.session_id,
                          events.RELEASE_REASON, now,
                          seen=session if from_tag else None)
    add_effects(tx, events.force_released(session, admin, reason, None), now)
    tx.commit()


def _request_approval(settings: Settings, principal: Principal, item_id: str,
                      reason: str, seen: EditSession | None) -> ReleasePending:
    definition = bootstrap.workflow(settings.force_release_workflow)
    for _ in range(ATTEMPTS):
        now = clock.now()
        session = seen or _live_session(item_id, now)
        state = engine.new_approval(new_id("ap"), definition, principal.user, now)
        approval = Approval(state, rules.subject_of(session), reason)
        try:
            _commit_request(approval, session, now, from_tag=seen is not None)
            return ReleasePending(approval)
        except ConditionFailed as failure:
            if seen is not None and failure.failed(session_store.SLOT):
                # A condition check returns no item (pynamodb cannot ask for it),
                # so this refusal reads the slot to say who holds the item now.
                current = session_store.read_current(item_id)
                raise _not_as_seen(current, now) from failure
            pending = _pending_after(failure, now)
        if pending is not None:
            return ReleasePending(pending)
    raise ConcurrentUpdate("the item or its approval changed; try again")


def _commit_request(approval: Approval, session: EditSession, now: float,
                    from_tag: bool) -> None:
    """The approval names the session, its fence and holder; from a tag, those are
    checked against the slot here."""
    tx = Transaction()
    r = session_store.SessionRecord
    condition = (r.session_id == session.session_id) & (r.expires_at > now)
    if from_tag:
        condition &= session_store.still_as_seen(session)
    tx.check(r, session.item_id, session_store.CURRENT, condition,
             label=session_store.SLOT)
    store.add_new(tx, approval)
    add_effects(tx, events.force_release_requested(approval, session), now)
    tx.commit()


def _pending_after(failure: ConditionFailed, now: float) -> Approval | None:
    """The approval already pending on the session, or None to read and try again:
    the session ended or changed, or the pending one passed its deadline unswept
    (it is expired here, which frees the session for a new approval)."""
    if failure.failed(session_store.SLOT):
        return None
    marked = store.marked_approval_id(failure.items.get(store.PENDING_MARKER))
    existing = store.get(marked) if marked else None
    # A marker whose approval is not pending cannot be written by this module
    # (both change in one transaction); retrying ends in ConcurrentUpdate.
    if existing is None or existing.status != engine.PENDING:
        return None
    if engine.is_expired(existing.state, now):
        _expire(existing, now)
        return None
    return existing


# Approvals ----------------------------------------------------------------------------

def visible(principal: Principal, status: str | None) -> list[dict[str, Any]]:
    """All approvals for admins, one's own requests for others, newest first."""
    now = clock.now()
    requested_by = None if principal.is_admin else principal.user
    found = [rules.shown(approval, now)
             for stored in _stored_statuses(status)
             for approval in store.with_status(stored, PAGE_LIMIT, requested_by)]
    if status is not None:
        found = [approval for approval in found if approval.status == status]
    return [approval.to_dict() for approval in rules.newest_first(found, PAGE_LIMIT)]


def _stored_statuses(status: str | None) -> tuple[str, ...]:
    if status is None:
        return STATUSES
    if status == engine.EXPIRED:
        # A pending approval past its deadline shows as expired before it is swept.
        return (engine.PENDING, engine.EXPIRED)
    return (status,)


def get(principal: Principal, approval_id: str) -> dict[str, Any]:
    approval = rules.check_may_read(_existing(approval_id), principal)
    return rules.shown(approval, clock.now()).to_dict()


def sign(settings: Settings, principal: Principal, approval_id: str, decision: str,
         comment: str) -> dict[str, Any]:
    """Read, let the engine decide, write if nobody changed it meanwhile; the loser
    of a race reads again, so the engine tells it why (already signed, closed)."""
    for _ in range(ATTEMPTS):
        now = clock.now()
        approval = _existing(approval_id)
        definition = _definition(approval.state.workflow)
        after = approval.changed(engine.sign(
            approval.state, definition, principal.user, principal.roles, decision,
            comment, now))
        if _commit_change(approval, after, events.signed(after, principal.user), now):
            return after.to_dict()
    raise ConcurrentUpdate("the approval changed too often; try again")


def cancel(principal: Principal, approval_id: str) -> dict[str, Any]:
    for _ in range(ATTEMPTS):
        now = clock.now()
        approval = rules.check_may_cancel(_existing(approval_id), principal)
        after = approval.changed(engine.cancel(approval.state, now))
        if _commit_change(approval, after, events.cancelled(after, principal.user),
                          now):
            return after.to_dict()
    raise ConcurrentUpdate("the approval changed too often; try again")


def workflow_definition(name: str) -> dict[str, Any]:
    definition = bootstrap.workflows().get(name)
    if definition is None:
        raise NotFound(f"no workflow named {name}")
    return definition.to_dict()


def sweep_expired(limit: int = 100) -> int:
    """Expire pending approvals past their deadline; return how many this run did."""
    now = clock.now()
    due = store.with_status(engine.PENDING, limit, due_by=now)
    return sum(1 for approval in due if _expire(approval, now))


def _expire(approval: Approval, now: float) -> bool:
    after = approval.changed(engine.expire(approval.state, now))
    if after.status != engine.EXPIRED:
        return False
    # False when it was signed or cancelled since it was read: that outcome stands.
    return _commit_change(approval, after, events.expired(after), now)


def _existing(approval_id: str) -> Approval:
    approval = store.get(approval_id)
    if approval is None:
        raise NotFound(f"no approval {approval_id}")
    return approval


def _definition(name: str) -> WorkflowDefinition:
    definition = bootstrap.workflows().get(name)
    if definition is None:
        raise ApprovalClosed(f"workflow {name!r} is no longer loaded")
    return definition


def _commit_change(before: Approval, after: Approval, effects: Effects,
                   now: float) -> bool:
    """False when another change got there first; the caller reads and decides
    again."""
    tx = Transaction()
    store.add_change(tx, before, after)
    add_effects(tx, effects, now)
    try:
        tx.commit()
    except ConditionFailed:
        return False
    return True


# Auto-release -------------------------------------------------------------------------

def auto_release(settings: Settings, event: Mapping[str, Any]) -> str:
    """Release the session an approved approval names; return what happened.

    The event only says which approval to look at: its status, workflow and subject
    are read again from the table. Expected outcomes (not approved, session already
    ended, event delivered twice) return quietly, since raising would only make
    EventBridge retry; StorageUnavailable and ConcurrentUpdate raise to be retried.
    """
    approval_id = str((event.get("detail") or {}).get("approval_id") or "")
    approval = store.get(approval_id) if approval_id else None
    if approval is None or not rules.releases_on_approval(
            approval, settings.force_release_workflow):
        return _skipped(NOT_APPROVED, approval_id)
    return _release_subject(approval)


def _release_subject(approval: Approval) -> str:
    """Only the subject's own session, and only while it is live: a later session
    of the item is someone else's work."""
    now = clock.now()
    subject = approval.subject
    session = live_or_none(session_store.read_current(subject.item_id), now)
    if session is None or session.session_id != subject.session_id:
        return _skipped(SESSION_ENDED, approval.id)
    try:
        _commit_auto_release(approval, session, now)
    except ConditionFailed as failure:
        applied = failure.failed(store.APPLIED)
        return _skipped(ALREADY_APPLIED if applied else SESSION_ENDED, approval.id)
    log.info("approved force-release applied", extra={
        "approval_id": approval.id, "item_id": subject.item_id,
        "session_id": subject.session_id})
    return RELEASED


def _commit_auto_release(approval: Approval, session: EditSession, now: float) -> None:
    tx = Transaction()
    session_store.add_end(tx, session.item_id, session.session_id,
                          events.RELEASE_REASON, now)
    store.add_applied(tx, approval.id)
    add_effects(tx, events.force_released(session, approval.state.requested_by,
                                          approval.reason, approval.id), now)
    tx.commit()


def _skipped(outcome: str, approval_id: str) -> str:
    log.info("auto-release did nothing",
             extra={"approval_id": approval_id, "outcome": outcome})
    return outcome
