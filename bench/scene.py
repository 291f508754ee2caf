"""What the call-count operations share: a warm app over moto, a call counter on
its clients, and the set-up steps several operations need."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.api import ADMIN, Api, session_path
from bench.counting import CallCounter, app_clients, breakdown
from bench.figures import Figure
from bench.world import World, approvals_required


@dataclass
class Scene:
    world: World
    counter: CallCounter
    alice: str
    bob: str
    stream: Any

    @property
    def api(self) -> Api:
        return self.world.api


def warmed(world: World) -> Scene:
    """Workstations registered and each used once, so the process is warm: its
    shared connection is wired and the workstations are cached."""
    from tests.moto.helpers import OutboxStream

    api = world.api
    alice, bob = api.workstation("alice"), api.workstation("bob")
    for user, ws in (("alice", alice), ("bob", bob)):
        session = api.acquire(f"WARM-{user}", ws, user=user)
        api.release(f"WARM-{user}", session["session_id"], user=user)
    counter = CallCounter()
    counter.attach(*app_clients())
    return Scene(world, counter, alice, bob, OutboxStream())


def calls_figure(name: str, calls: Counter[str], target: float | None = None,
                 why: str = "") -> Figure:
    """`why` is shown with the breakdown when the figure misses or has no target."""
    value = sum(calls.values())
    shown = why and (target is None or value > target)
    note = f"{breakdown(calls)}; {why}" if shown else breakdown(calls)
    return Figure(name, value, "calls", target, note=note,
                  details={"by_operation": dict(calls)})


def force_release_path(item_id: str) -> str:
    return session_path(item_id) + "/force-release"


def pending_approval(scene: Scene, item_id: str) -> str:
    """Alice holds the item; admin Dave asks to force-release it (approval on)."""
    scene.api.acquire(item_id, scene.alice)
    with approvals_required(scene.world.app):
        pending = scene.api.expect(202, "DELETE", force_release_path(item_id),
                                   user="dave", roles=ADMIN, body={"reason": "bench"})
    return str(pending["approval_id"])


def sign(scene: Scene, approval_id: str) -> None:
    scene.api.expect(200, "POST", f"/approvals/{approval_id}/sign", user="carol",
                     roles=ADMIN, body={"decision": "approve"})
