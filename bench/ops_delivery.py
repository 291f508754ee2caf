"""Call counts off the request path: the outbox consumer delivering one release
event; and the plain lock client the service is compared with."""

from __future__ import annotations

from bench import naive
from bench.figures import Figure
from bench.scene import Scene, calls_figure
from bench.world import consume, released_records

NO_WATCHERS = "reads the holder from history, the watchers, pending handoff requests"
PER_WATCHER = ("one TransactWriteItems stores the event for up to 33 watchers, and "
               "each open connection adds one post; BatchGetItem reads 100 "
               "workstations a call")


def delivery_no_watchers(scene: Scene) -> Figure:
    records = released_records(scene.world, scene.stream, "D-0", scene.alice)
    with scene.counter.measure() as calls:
        consume(scene.world, records)
    return calls_figure("delivery of a release, no watchers", calls, why=NO_WATCHERS)


def delivery_three_watchers(scene: Scene) -> Figure:
    for index in range(3):
        _connected_watcher(scene, "D-3", f"watcher{index}")
    records = released_records(scene.world, scene.stream, "D-3", scene.alice)
    with scene.counter.measure() as calls:
        consume(scene.world, records)
    return calls_figure("delivery of a release, 3 watchers", calls, why=PER_WATCHER)


def _connected_watcher(scene: Scene, item_id: str, user: str) -> None:
    from tests.moto.helpers import LambdaContext, ws_event

    ws = scene.api.workstation(user)
    scene.api.expect(204, "PUT", f"/workstations/{ws}/watches/{item_id}", user=user)
    query = {"token": scene.api.token(user), "workstation_id": ws}
    answer = scene.world.app.ws_connect(ws_event("$connect", f"conn-{user}", query),
                                        LambdaContext())
    assert answer["statusCode"] == 200, answer


def naive_lock(scene: Scene) -> Figure:
    import boto3

    client = boto3.client("dynamodb")
    naive.create_table(client)
    scene.counter.attach(client)
    locks = naive.NaiveLocks(client)
    locks.acquire("WARM", "warm")
    with scene.counter.measure() as calls:
        acquired = locks.acquire("N-1", "alice")
    assert acquired, "the plain lock client could not take a free item"
    return calls_figure("plain lock client: acquire (read, then write)", calls,
                        why="for comparison")


MEASURES = [delivery_no_watchers, delivery_three_watchers, naive_lock]
