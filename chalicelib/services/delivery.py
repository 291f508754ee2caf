"""Delivers events: stores each one for every recipient workstation, then pushes it.

This runs off the request path, from the outbox table's stream, so a route's
latency does not grow with the number of watchers, and an entry committed with
its change is delivered even if the process that made the change died.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib import clock
from chalicelib.delivery.push import ConnectionGone, PushFailed, push
from chalicelib.domain.records import Delivery
from chalicelib.errors import ConcurrentUpdate
from chalicelib.settings import Settings
from chalicelib.storage import events, handoffs, workstations
from chalicelib.storage import sessions as session_store

log = logging.getLogger(__name__)

STORE_ATTEMPTS = 5
# Stores and pushes wait on the network; threads let 1000 watchers go out in parallel.
WORKERS = 32


def deliver(settings: Settings, source_id: str, delivery: Delivery,
            created_at: float) -> int:
    """Store and push one event to all its recipients; return how many got it."""
    event = events.Event(source_id, delivery.type, clock.iso(created_at),
                         _with_holder(delivery))
    found = list(events.recipients(sorted(_recipients(delivery))))
    groups = [found[i:i + events.GROUP_SIZE]
              for i in range(0, len(found), events.GROUP_SIZE)]

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return sum(pool.map(lambda group: _store_and_push(settings, group, event),
                            groups))


def _store_and_push(settings: Settings, group: list[events.Recipient],
                    event: events.Event) -> int:
    """A group's pushes start as soon as its event is stored, not after every
    group's: the first watchers hear of it while later groups are still stored."""
    stored = _store_group(settings, group, event)
    for pair in stored:
        _push_stored(pair)
    return len(stored)


def _recipients(delivery: Delivery) -> set[str]:
    """The named workstations, the item's watchers, and the requesters of a finished
    session's pending handoff requests (closed here)."""
    recipients = set(delivery.workstations)
    if delivery.watchers_of:
        recipients.update(workstations.watchers(delivery.watchers_of))
    if delivery.close_requests_of:
        item_id, session_id = delivery.close_requests_of
        recipients.update(handoffs.close_pending(item_id, session_id, clock.now()))
    return recipients


def _push_stored(pair: tuple[events.Recipient, events.StoredEvent]) -> None:
    recipient, stored = pair
    push_to_connections(recipient.workstation_id, recipient.live_connections,
                        stored.frame())


def _with_holder(delivery: Delivery) -> dict[str, Any]:
    if delivery.holder_of is None or delivery.data.get("holder"):
        return delivery.data
    session = session_store.read_history(*delivery.holder_of)
    holder = session.holder.to_dict() if session else None
    return {**delivery.data, "holder": holder}


Stored = list[tuple[events.Recipient, events.StoredEvent]]


def _store_group(settings: Settings, group: list[events.Recipient],
                 event: events.Event) -> Stored:
    """Store the event for a group; workstations whose counter moved meanwhile are
    retried with the counter they now have, ones that had it already are done."""
    for _ in range(STORE_ATTEMPTS):
        if not group:
            return []
        try:
            return events.store_group(group, event, clock.now(),
                                      settings.event_retention_seconds)
        except events.GroupRefused as refused:
            group = _regroup(group, refused)
    raise ConcurrentUpdate("workstation event counters kept moving")


def _regroup(group: list[events.Recipient],
             refused: events.GroupRefused) -> list[events.Recipient]:
    regrouped = []
    for recipient in group:
        ws = recipient.workstation_id
        if ws in refused.already:
            continue
        if ws in refused.moved:
            current = refused.moved[ws]
            if current is not None:
                regrouped.append(current)
            continue
        regrouped.append(recipient)
    return regrouped


def push_to_connections(workstation_id: str, connection_ids: Iterable[str],
                        frame: dict[str, Any]) -> None:
    """A failed push never fails the caller: the event is stored for replay."""
    for connection_id in sorted(connection_ids):
        try:
            push(connection_id, frame)
        except ConnectionGone:
            events.remove_connection(workstation_id, connection_id)
        except PushFailed as exc:
            log.warning("push failed", extra={"workstation_id": workstation_id,
                                              "error": str(exc)})


def replay(workstation_id: str, connection_id: str, after: str) -> str:
    """Send stored events after `after` to one connection, in order; return the
    last id sent. Stops early, forgetting the connection, when it is gone."""
    try:
        return _send_after(workstation_id, connection_id, after)
    except _Gone as gone:
        events.remove_connection(workstation_id, connection_id)
        return gone.last


def finish_replay(workstation_id: str, connection_id: str, after: str) -> None:
    """The replay asked for at connect: replay, then let live pushes reach the
    connection again, then replay what was stored in between (live pushes skipped
    it while it was replaying)."""
    last = _replay_once_open(workstation_id, connection_id, after)
    events.end_replay(workstation_id, connection_id)
    replay(workstation_id, connection_id, last)


# API Gateway opens the socket only after $connect returns; a replay that gets
# there first is answered Gone. It waits a moment before believing that.
OPENING_RETRIES = 3
OPENING_WAIT_SECONDS = 0.2


def _replay_once_open(workstation_id: str, connection_id: str, after: str) -> str:
    for _ in range(OPENING_RETRIES):
        try:
            return _send_after(workstation_id, connection_id, after)
        except _Gone as gone:
            after = gone.last
            time.sleep(OPENING_WAIT_SECONDS)
    return replay(workstation_id, connection_id, after)


class _Gone(Exception):
    def __init__(self, last: str) -> None:
        super().__init__(last)
        self.last = last


def _send_after(workstation_id: str, connection_id: str, after: str) -> str:
    last = after
    for stored in events.events_after(workstation_id, after, clock.now()):
        try:
            push(connection_id, stored.frame())
        except ConnectionGone as exc:
            raise _Gone(last) from exc
        except PushFailed as exc:
            log.warning("replay push failed", extra={"workstation_id": workstation_id,
                                                     "error": str(exc)})
            return last
        last = stored.id
    return last
