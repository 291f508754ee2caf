"""Call counts of the edit-session routes: acquire, heartbeat, release."""

from __future__ import annotations

from bench.api import session_path
from bench.figures import Figure
from bench.scene import Scene, calls_figure

RELEASE_READS = ("the caller names no session, so the service reads which one it "
                 "holds first (docs/design.md, Concurrency)")


def acquire_free(scene: Scene) -> Figure:
    with scene.counter.measure() as calls:
        scene.api.acquire("A-1", scene.alice)
    return calls_figure("acquire, free item", calls, target=1)


def acquire_uncached(scene: Scene) -> Figure:
    from chalicelib.storage import workstations

    workstations.forget()
    with scene.counter.measure() as calls:
        scene.api.acquire("A-2", scene.alice)
    workstations.describe(scene.bob)  # warm again for the operations after this one
    return calls_figure("acquire, workstation not yet cached", calls,
                        why="a new process reads the workstation once")


def heartbeat(scene: Scene) -> Figure:
    session = scene.api.acquire("H-1", scene.alice)
    with scene.counter.measure() as calls:
        scene.api.expect(200, "POST", session_path("H-1") + "/heartbeat",
                         body={"session_id": session["session_id"]})
    return calls_figure("heartbeat", calls, target=1)


def release_naming_session(scene: Scene) -> Figure:
    session = scene.api.acquire("R-1", scene.alice)
    with scene.counter.measure() as calls:
        scene.api.release("R-1", session["session_id"])
    return calls_figure("release, no watchers, session_id given", calls, target=1)


def release_unnamed(scene: Scene) -> Figure:
    scene.api.acquire("R-2", scene.alice)
    with scene.counter.measure() as calls:
        scene.api.release("R-2", None)
    return calls_figure("release, no watchers, no session_id", calls, target=2,
                        why=RELEASE_READS)


MEASURES = [acquire_free, acquire_uncached, heartbeat, release_naming_session,
            release_unnamed]
