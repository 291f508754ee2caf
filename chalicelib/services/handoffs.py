"""Use cases of handoffs: ask the holder for an item; the holder accepts or declines."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.domain import handoffs as rules
from chalicelib.domain.handoffs import HandoffRequest
from chalicelib.domain.principal import Principal
from chalicelib.domain.sessions import EditSession, Holder, live_or_none
from chalicelib.errors import (
    ConcurrentUpdate,
    Forbidden,
    NoSession,
    NotFound,
    RateLimited,
    RequestClosed,
)
from chalicelib.ids import new_id
from chalicelib.settings import Settings
from chalicelib.storage import handoffs as store
from chalicelib.storage import sessions as session_store
from chalicelib.storage import workstations
from chalicelib.storage.effects import add_effects
from chalicelib.storage.models import HandoffRecord
from chalicelib.storage.tx import ConditionFailed, Transaction


@dataclass(frozen=True)
class Requested:
    request: HandoffRequest
    created: bool


def request(settings: Settings, principal: Principal, item_id: str,
            workstation_id: str, message: str) -> Requested:
    workstations.owned(workstation_id, principal.user)
    now = clock.now()
    session = live_or_none(session_store.read_current(item_id), now)
    if session is None:
        raise NoSession("nobody holds this item")
    rules.check_may_request(session, principal.user)

    new = HandoffRequest(new_id("hr"), item_id, session.session_id, principal.user,
                         workstation_id, message, rules.PENDING, now)
    tx = Transaction()
    _add_session_check(tx, session, now)
    store.add_request(tx, new, settings.handoff_requests_per_minute, now)
    add_effects(tx, rules.requested(new, session.holder.workstation_id), now)
    try:
        tx.commit()
    except ConditionFailed as failure:
        return Requested(_existing_or_raise(failure, item_id, now), created=False)
    return Requested(new, created=True)


def _add_session_check(tx: Transaction, session: EditSession, now: float) -> None:
    r = session_store.SessionRecord
    tx.check(r, session.item_id, session_store.CURRENT,
             (r.session_id == session.session_id) & (r.expires_at > now),
             label=session_store.SLOT)


def _existing_or_raise(failure: ConditionFailed, item_id: str,
                       now: float) -> HandoffRequest:
    """A repeat returns the first request; otherwise say why nothing was stored."""
    marker = failure.item(store.DEDUPE, HandoffRecord)
    if marker is not None:
        existing = store.get(item_id, marker.request_id or "")
        if existing is not None:
            return existing
    if failure.failed(session_store.SLOT):
        raise NoSession("the session ended before the request was stored")
    if failure.failed(store.RATE):
        retry_after = store.rate_window(now) + store.RATE_WINDOW_SECONDS - int(now)
        raise RateLimited("too many handoff requests; wait a little",
                          retry_after=max(retry_after, 1))
    raise ConcurrentUpdate("the request could not be stored; try again")


def pending(principal: Principal, item_id: str) -> list[HandoffRequest]:
    session = live_or_none(session_store.read_current(item_id), clock.now())
    if session is None:
        raise NoSession("nobody holds this item")
    if session.holder.user != principal.user and not principal.is_admin:
        raise Forbidden("only the holder or an admin may list handoff requests")
    return store.pending_on(item_id, session.session_id)


def accept(settings: Settings, principal: Principal, item_id: str,
           request_id: str) -> EditSession:
    now = clock.now()
    handoff, old = _decidable(principal, item_id, request_id, now)
    requester_ws = _requesters_workstation(handoff)

    holder = Holder(handoff.requester_user, requester_ws.id, requester_ws.name)
    new = EditSession(item_id, new_id("es"), old.fence + 1, holder, now,
                      now + settings.session_lease_seconds)
    tx = Transaction()
    workstations.add_owner_check(tx, handoff.requester_ws, handoff.requester_user)
    session_store.add_transfer(tx, old, new, now)
    store.add_decision(tx, handoff, rules.ACCEPTED, "", now)
    add_effects(tx, rules.accepted(handoff, old, new), now)
    try:
        tx.commit()
    except ConditionFailed:
        _explain_lost_decision(item_id, request_id, principal, now)
    return new


def decline(principal: Principal, item_id: str, request_id: str,
            message: str) -> HandoffRequest:
    now = clock.now()
    handoff, session = _decidable(principal, item_id, request_id, now)

    tx = Transaction()
    _add_session_check(tx, session, now)
    store.add_decision(tx, handoff, rules.DECLINED, message, now)
    add_effects(tx, rules.declined(handoff, principal.user, message), now)
    try:
        tx.commit()
    except ConditionFailed:
        _explain_lost_decision(item_id, request_id, principal, now)
    return HandoffRequest(**{**handoff.__dict__, "status": rules.DECLINED})


def _requesters_workstation(handoff: HandoffRequest) -> workstations.Workstation:
    try:
        return workstations.describe(handoff.requester_ws)
    except NotFound as exc:
        raise RequestClosed("the requester's workstation no longer exists") from exc


def _decidable(principal: Principal, item_id: str, request_id: str,
               now: float) -> tuple[HandoffRequest, EditSession]:
    current = live_or_none(session_store.read_current(item_id), now)
    return rules.check_decidable(store.get(item_id, request_id), current,
                                 principal.user)


def _explain_lost_decision(item_id: str, request_id: str, principal: Principal,
                           now: float) -> None:
    """Another accept, decline, release or expiry got there first: say which."""
    _decidable(principal, item_id, request_id, now)
    handoff = store.get(item_id, request_id)
    if handoff is not None:
        workstations.forget()  # the cached workstation may have been deleted since
        _requesters_workstation(handoff)
    raise ConcurrentUpdate("the request changed; try again")
