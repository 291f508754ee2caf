"""Workstations and watches: a user's CAD clients and the items they follow."""

from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.principal import Principal
from chalicelib.errors import Forbidden
from chalicelib.ids import new_id
from chalicelib.storage import workstations as store
from chalicelib.storage.workstations import Workstation


def register(principal: Principal, name: str) -> Workstation:
    workstation = Workstation(new_id("ws"), name, principal.user, clock.iso(clock.now()))
    store.create(workstation)
    return workstation


def mine(principal: Principal) -> list[Workstation]:
    return store.list_owned(principal.user)


def remove(principal: Principal, workstation_id: str) -> None:
    workstation = store.get(workstation_id)
    if workstation.owner != principal.user and not principal.is_admin:
        raise Forbidden("that workstation belongs to another user")
    store.delete(workstation_id)


def watch(principal: Principal, workstation_id: str, item_id: str) -> None:
    store.owned(workstation_id, principal.user)
    store.watch(workstation_id, item_id, principal.user)


def unwatch(principal: Principal, workstation_id: str, item_id: str) -> None:
    store.owned(workstation_id, principal.user)
    store.unwatch(workstation_id, item_id)


def watched(principal: Principal, workstation_id: str) -> list[str]:
    store.owned(workstation_id, principal.user)
    return store.watched_items(workstation_id)
