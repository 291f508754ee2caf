"""Figure 3: one `edit.session_released` to many watching workstations, each with
one connection whose post takes 20 ms; and the release route's latency with and
without those watchers. The app's real delivery code runs over moto; only the
management API's answer is faked (below the app, in botocore)."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.api import Api, BenchError
from bench.counting import CallCounter, app_clients
from bench.figures import Figure
from bench.world import World, consume, moto_app, released_records

QUIET = "FAN-QUIET"
BUSY = "FAN-BUSY"
ALL_POSTED_TARGET = 2.0
LATENCY_RATIO_TARGET = 1.5


class _EmptyBody:
    def stream(self, **_: Any) -> Any:
        yield b""


@dataclass
class SlowPosts:
    """Answers PostToConnection itself after `delay` seconds, before moto sees the
    request, and notes when each post ended."""

    delay: float
    ended: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> None:
        client.meta.events.register_first(
            "before-send.apigatewaymanagementapi.PostToConnection", self._post)

    def _post(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        time.sleep(self.delay)
        with self.lock:
            self.ended.append(time.perf_counter())
        return AWSResponse(request.url, 200, {}, _EmptyBody())


@dataclass(frozen=True)
class FanOut:
    posted: int
    all_posted: float
    moto: float
    moto_cpu: float
    process_cpu: float
    calls: dict[str, int]

    @property
    def own_cpu(self) -> float:
        """CPU spent outside moto: the app's delivery code, pynamodb, botocore."""
        return self.process_cpu - self.moto_cpu


def run(watchers: int = 1000, delay: float = 0.02, repeats: int = 5) -> list[Figure]:
    from chalicelib.delivery.push import management_client

    with moto_app() as world:
        posts = SlowPosts(delay)
        posts.attach(management_client())
        holder = world.api.workstation("alice")
        add_watchers(BUSY, watchers)
        quiet, busy = route_latencies(world.api, holder, repeats)
        outcome = fan_out(world, holder, posts)
        with without_table_snapshots() as cancelled:
            uncopied = fan_out(world, holder, posts)
    for result in (outcome, uncopied):
        if result.posted != watchers:
            raise BenchError(f"{result.posted} of {watchers} watchers were posted to")
    if cancelled:
        raise BenchError(f"{len(cancelled)} transactions were cancelled while moto "
                         "kept no snapshot to roll back to; that figure would lie")
    return [fan_out_figure(outcome, watchers, delay),
            uncopied_figure(uncopied, watchers),
            latency_figure(quiet, busy, watchers)]


@contextmanager
def without_table_snapshots() -> Iterator[list[Exception]]:
    """For a second, diagnostic fan-out: moto's TransactWriteItems deep-copies the
    whole table of each part before writing (to roll back a cancelled transaction),
    which is most of the first fan-out's time and nothing DynamoDB does. Here moto
    keeps no copy. A cancelled transaction would then keep its partial writes, so
    each one is collected, and any one makes the figure void."""
    import copy

    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models.table import Table

    class NoTableCopies:
        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    backend = dynamodb_models.DynamoDBBackend
    original = backend.transact_write_items
    cancelled: list[Exception] = []

    def noting_cancellations(self: Any, transact_items: Any) -> None:
        try:
            original(self, transact_items)
        except TransactionCanceledException as exc:
            cancelled.append(exc)
            raise

    dynamodb_models.copy = NoTableCopies()  # type: ignore[assignment]
    backend.transact_write_items = noting_cancellations  # type: ignore[method-assign]
    try:
        yield cancelled
    finally:
        dynamodb_models.copy = copy
        backend.transact_write_items = original  # type: ignore[method-assign]


def add_watchers(item_id: str, count: int) -> None:
    """Set-up, written straight to the tables: registering and connecting through
    the routes would take minutes in moto."""
    from chalicelib.storage.models import WatchRecord, WorkstationRecord

    stations, watches = WorkstationRecord.batch_write(), WatchRecord.batch_write()
    with stations, watches:
        for index in range(count):
            ws = f"ws-watcher-{index:05d}"
            stations.save(WorkstationRecord(
                workstation_id=ws, name=ws, owner=f"user{index}",
                created_at="2026-12-03T15:04:05Z", connections={f"conn-{index:05d}"}))
            watches.save(WatchRecord(item_id, ws))


def route_latencies(api: Api, holder: str, repeats: int) -> tuple[float, float]:
    """Median seconds of the release route, for the item nobody watches and the
    watched one, taken in turns; the first turn warms up and is not kept."""
    samples: dict[str, list[float]] = {QUIET: [], BUSY: []}
    for _ in range(repeats + 1):
        for item_id in (QUIET, BUSY):
            session = api.acquire(item_id, holder)
            start = time.perf_counter()
            api.release(item_id, session["session_id"])
            samples[item_id].append(time.perf_counter() - start)
    return (statistics.median(samples[QUIET][1:]),
            statistics.median(samples[BUSY][1:]))


def fan_out(world: World, holder: str, posts: SlowPosts) -> FanOut:
    from tests.moto.helpers import OutboxStream

    records = released_records(world, OutboxStream(), BUSY, holder)
    counter = CallCounter()
    counter.attach(*app_clients())
    posts.ended.clear()
    moto, moto_cpu = world.moto.seconds, world.moto.cpu
    start, start_cpu = time.perf_counter(), time.process_time()
    with counter.measure() as calls:
        consume(world, records)
    last = max(posts.ended, default=start)
    return FanOut(len(posts.ended), last - start, world.moto.seconds - moto,
                  world.moto.cpu - moto_cpu, time.process_time() - start_cpu,
                  dict(calls))


def fan_out_figure(outcome: FanOut, watchers: int, delay: float) -> Figure:
    from chalicelib.services.delivery import WORKERS

    posting = watchers * delay
    note = (f"moto answering one request at a time {outcome.moto:.2f} s "
            f"(CPU {outcome.moto_cpu:.2f} s); CPU outside moto {outcome.own_cpu:.2f} s; "
            f"posts {posting:.1f} s over {WORKERS} threads (>= "
            f"{posting / WORKERS:.2f} s)")
    details = {"posted": outcome.posted, "moto_s": outcome.moto,
               "moto_cpu_s": outcome.moto_cpu, "own_cpu_s": outcome.own_cpu,
               "post_delay_s": delay, "workers": WORKERS, "calls": outcome.calls}
    return Figure(f"fan-out: time until {watchers} watchers posted",
                  outcome.all_posted, "s", ALL_POSTED_TARGET, note=note,
                  details=details)


def uncopied_figure(outcome: FanOut, watchers: int) -> Figure:
    note = (f"the same fan-out again, moto copying no tables: moto "
            f"{outcome.moto:.2f} s, CPU outside moto {outcome.own_cpu:.2f} s")
    details = {"posted": outcome.posted, "moto_s": outcome.moto,
               "own_cpu_s": outcome.own_cpu, "calls": outcome.calls}
    return Figure(f"fan-out to {watchers}, moto keeping no table copies",
                  outcome.all_posted, "s", None, note=note, details=details)


def latency_figure(quiet: float, busy: float, watchers: int) -> Figure:
    note = f"median {busy * 1000:.1f} ms vs {quiet * 1000:.1f} ms"
    return Figure(f"release route latency, {watchers} watchers / none",
                  busy / quiet, "x", LATENCY_RATIO_TARGET, note=note,
                  details={"with_watchers_s": busy, "without_s": quiet})
