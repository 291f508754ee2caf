"""The per-workstation event store: ordered ids, groups, redelivery, races."""

from __future__ import annotations

import time

import pytest

from chalicelib.storage import events
from chalicelib.storage.models import EventRecord, WorkstationRecord


@pytest.fixture
def stations(aws, workstation, atomic_moto) -> list[str]:
    """40 workstations: two groups, which delivery stores on two threads at once
    (so moto must answer one request at a time, as DynamoDB is atomic)."""
    return [workstation(f"user{i}") for i in range(40)]


def event(source: str = "ob_1.0") -> events.Event:
    return events.Event(source, "edit.session_acquired", "2026-12-03T00:00:00Z",
                        {"item_id": "P-1"})


def stored_ids(ws: str) -> list[str]:
    return [e.id for e in events.events_after(ws, "", time.time())]


def test_a_group_stores_the_next_id_for_every_workstation(stations) -> None:
    group = list(events.recipients(stations[:events.GROUP_SIZE]))
    events.store_group(group, event("ob_1.0"), time.time(), 3600)
    events.store_group(list(events.recipients(stations[:events.GROUP_SIZE])),
                       event("ob_2.0"), time.time(), 3600)

    for ws in stations[:events.GROUP_SIZE]:
        assert stored_ids(ws) == [events.event_id(1), events.event_id(2)]


def test_the_same_outbox_entry_is_stored_once_per_workstation(stations) -> None:
    group = list(events.recipients(stations[:2]))
    events.store_group(group, event("ob_9.0"), time.time(), 3600)

    again = list(events.recipients(stations[:2]))
    with pytest.raises(events.GroupRefused) as refused:
        events.store_group(again, event("ob_9.0"), time.time(), 3600)
    assert refused.value.already == set(stations[:2])
    assert stored_ids(stations[0]) == [events.event_id(1)]


def test_a_counter_that_moved_refuses_the_group_and_reports_its_value(stations) -> None:
    group = list(events.recipients(stations[:3]))
    WorkstationRecord(stations[1]).update(actions=[WorkstationRecord.event_seq.set(7)])

    with pytest.raises(events.GroupRefused) as refused:
        events.store_group(group, event(), time.time(), 3600)

    moved = refused.value.moved[stations[1]]
    assert moved is not None and moved.event_seq == 7
    assert EventRecord.count(stations[0]) == 0  # nothing of the group was stored


def test_delivery_continues_each_workstations_own_sequence(
    api, stations, outbox
) -> None:
    for ws, user in zip(stations, (f"user{i}" for i in range(40)), strict=True):
        api("PUT", f"/workstations/{ws}/watches/P-1", user=user)
    WorkstationRecord(stations[5]).update(actions=[WorkstationRecord.event_seq.set(3)])
    api("POST", "/items/P-1/edit-session", user="user0",
        body={"workstation_id": stations[0]})

    outbox.drain()

    assert stored_ids(stations[0]) == [events.event_id(1)]
    assert [e.id for e in events.events_after(stations[5], "3", time.time())] == [
        events.event_id(4)]
    assert all(len(stored_ids(ws)) == 1 for ws in stations if ws != stations[5])
