"""Use cases of edit sessions: acquire, read, heartbeat, release, sweep."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.domain import session_events
from chalicelib.domain.principal import Principal
from chalicelib.domain.records import SYSTEM_ACTOR, Effects
from chalicelib.domain.sessions import (
    EditSession,
    Holder,
    check_holder,
    check_release,
    live_or_none,
    start_session,
)
from chalicelib.errors import (
    ConcurrentUpdate,
    Forbidden,
    NoSession,
    NotFound,
    SessionHeld,
    SessionLost,
)
from chalicelib.ids import new_id
from chalicelib.settings import Settings
from chalicelib.storage import sessions as store
from chalicelib.storage import workstations
from chalicelib.storage.effects import add_effects
from chalicelib.storage.models import SessionRecord
from chalicelib.storage.tx import ConditionFailed, Transaction

log = logging.getLogger(__name__)

ATTEMPTS = 4


@dataclass(frozen=True)
class Acquired:
    session: EditSession
    created: bool


def first_fence(now: float) -> int:
    """The fence to try first without reading: microseconds since the epoch, so it
    is already above any fence this item had unless a clock ran ahead."""
    return int(now * 1_000_000)


def acquire(settings: Settings, principal: Principal, item_id: str,
            workstation_id: str) -> Acquired:
    workstation = workstations.owned(workstation_id, principal.user)
    holder = Holder(principal.user, workstation.id, workstation.name)
    replacing: EditSession | None = None
    previous_fence = first_fence(clock.now()) - 1

    for _ in range(ATTEMPTS):
        now = clock.now()
        session = start_session(item_id, new_id("es"), holder, previous_fence, now,
                                settings.session_lease_seconds)
        try:
            _commit_start(principal, session, replacing, now)
            return Acquired(session, created=True)
        except ConditionFailed as failure:
            outcome = _after_failed_start(failure, item_id, workstation_id, now)
        except ConcurrentUpdate:
            # DynamoDB cancels a transaction that collides with another one in
            # flight on the same item; once that one is done, the slot says who won.
            time.sleep(random.uniform(0.005, 0.03))
            outcome = _classify(store.read_slot(item_id), workstation_id, clock.now())
        if isinstance(outcome, EditSession):
            return Acquired(outcome, created=False)
        replacing, previous_fence = outcome

    raise ConcurrentUpdate("the item changed hands too often; try again")


def _commit_start(principal: Principal, session: EditSession,
                  replacing: EditSession | None, now: float) -> None:
    tx = Transaction()
    workstations.add_owner_check(tx, session.holder.workstation_id, principal.user)
    store.add_start(tx, session, replacing.session_id if replacing else None, now)
    effects = session_events.acquired(session, principal.user)
    if replacing is not None:
        expired = _expiry_effects(replacing)
        effects = session_events.combine(expired, effects)
    add_effects(tx, effects, now)
    tx.commit()


def _after_failed_start(
    failure: ConditionFailed, item_id: str, workstation_id: str, now: float
) -> EditSession | tuple[EditSession | None, int]:
    """What a lost start means: this workstation's own session (returned), someone
    else's (SessionHeld), or an expired one / a stale fence to retry past."""
    if failure.failed(workstations.OWNER_CHECK):
        workstations.forget()
        raise NotFound(f"no workstation {workstation_id} of yours")

    slot = failure.item(store.SLOT, SessionRecord)
    if slot is None:
        slot = store.read_slot(item_id)
    return _classify(slot, workstation_id, now)


def _classify(
    slot: SessionRecord | None, workstation_id: str, now: float
) -> EditSession | tuple[EditSession | None, int]:
    current = store.to_session(slot)
    live = live_or_none(current, now)
    if live is not None and live.holder.workstation_id == workstation_id:
        return live
    if live is not None:
        raise SessionHeld("another workstation holds this item", session=live.to_dict())
    fence = int(slot.fence) if slot is not None else 0
    return current, fence


def _expiry_effects(session: EditSession) -> Effects:
    return session_events.ended(
        session.item_id, session.session_id, "expired", SYSTEM_ACTOR,
        session_events.EXPIRED, {"holder": session.holder.to_dict()}, session=session,
    )


def current(item_id: str) -> EditSession:
    live = live_or_none(store.read_current(item_id), clock.now())
    if live is None:
        raise NoSession("nobody holds this item")
    return live


def heartbeat(settings: Settings, principal: Principal, item_id: str,
              session_id: str) -> EditSession:
    now = clock.now()
    try:
        return store.extend(item_id, session_id, now + settings.session_lease_seconds,
                            now, principal.user)
    except store.LeaseNotExtended:
        pass

    live = live_or_none(store.read_current(item_id), now)
    if live is not None and live.session_id == session_id:
        raise Forbidden("only the holder may renew this session")
    raise SessionLost("that session is no longer current")


def release(principal: Principal, item_id: str, session_id: str | None) -> None:
    """With the session id, one conditional transaction; without it, one read first
    to learn which session the caller holds."""
    now = clock.now()
    known: EditSession | None = None
    if session_id is None:
        known = check_release(store.read_current(item_id), principal.user, None, now)
        session_id = known.session_id

    tx = Transaction()
    store.add_end(tx, item_id, session_id, "released", now, holder_user=principal.user)
    add_effects(tx, session_events.ended(
        item_id, session_id, "released", principal.user,
        session_events.RELEASED, {}, session=known,
    ), now)
    try:
        tx.commit()
    except ConditionFailed as failure:
        slot = failure.item(store.SLOT, SessionRecord)
        check_release(store.to_session(slot), principal.user, session_id, now)
        raise ConcurrentUpdate("the session changed during release") from failure


def sweep_expired(limit: int = 100) -> int:
    """End sessions whose lease passed; return how many this run ended."""
    now = clock.now()
    ended = 0
    for session in store.expired_sessions(now, limit):
        tx = Transaction()
        store.add_end(tx, session.item_id, session.session_id, "expired", now,
                      expired=True)
        add_effects(tx, _expiry_effects(session), now)
        try:
            tx.commit()
            ended += 1
        except ConditionFailed:
            # Renewed, released or taken over since the index was read: not ours.
            log.info("sweep skipped a session that changed",
                     extra={"item_id": session.item_id})
    return ended


def holder_session(principal: Principal, item_id: str) -> EditSession:
    return check_holder(store.read_current(item_id), principal.user, clock.now())
