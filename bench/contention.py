"""Figure 4: 32 workstations race for one item through the local stack (real HTTP);
exactly one may win, none may fail, and the slowest answer is compared with an
uncontended acquire."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass

from bench import env
from bench.api import Api, BenchError, over_http
from bench.figures import EXACTLY, Figure

CONTENDED = "RACE-1"
P99_RATIO_TARGET = 3.0


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float


def run(threads: int = 32, sequential: int = 20) -> list[Figure]:
    from devstack.testing import running_stack

    env.configure()
    with running_stack() as stack:
        api = Api(over_http(stack.http_url))
        solo = uncontended(api, sequential)
        racers = [_warm_racer(api, index) for index in range(threads)]
        answers = race(api, racers)
    return figures(answers, solo)


def uncontended(api: Api, count: int) -> float:
    """Median seconds of `count` sequential acquires of different free items, after
    one warm-up acquire."""
    ws = api.workstation("solo")
    api.acquire("SOLO-WARM", ws, user="solo")
    took = []
    for index in range(count):
        start = time.perf_counter()
        api.acquire(f"SOLO-{index}", ws, user="solo")
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def _warm_racer(api: Api, index: int) -> tuple[str, str]:
    """A user with a workstation the stack has used once (as the solo one was)."""
    user = f"racer{index:02d}"
    ws = api.workstation(user)
    session = api.acquire(f"WARM-{user}", ws, user=user)
    api.release(f"WARM-{user}", session["session_id"], user=user)
    return user, ws


def race(api: Api, racers: list[tuple[str, str]]) -> list[Answer]:
    """Every racer acquires the same item at once (released by one barrier)."""
    barrier = threading.Barrier(len(racers))
    answers: list[Answer] = []
    lock = threading.Lock()

    def acquire(user: str, ws: str) -> None:
        barrier.wait()
        start = time.perf_counter()
        reply = api.call("POST", f"/items/{CONTENDED}/edit-session", user=user,
                         body={"workstation_id": ws})
        with lock:
            answers.append(Answer(reply.status, time.perf_counter() - start))

    workers = [threading.Thread(target=acquire, args=racer) for racer in racers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if len(answers) != len(racers):
        raise BenchError(f"{len(racers) - len(answers)} racers got no answer")
    return answers


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: with 32 values, p99 is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(answers: list[Answer], solo: float) -> list[Figure]:
    statuses = Counter(answer.status for answer in answers)
    shown = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    failed = sum(count for code, count in statuses.items() if code >= 500)
    return [
        Figure(f"contention: 201 answers of {len(answers)}", statuses[201], "", 1,
               compare=EXACTLY, note=shown, details={"statuses": dict(statuses)}),
        Figure(f"contention: 5xx answers of {len(answers)}", failed, "", 0),
        _p99_figure(answers, solo),
    ]


def _p99_figure(answers: list[Answer], solo: float) -> Figure:
    seconds = [answer.seconds for answer in answers]
    p50, p99 = percentile(seconds, 0.5), percentile(seconds, 0.99)
    serial = len(answers) * solo
    note = (f"p99 {p99 * 1000:.0f} ms, p50 {p50 * 1000:.0f} ms vs {solo * 1000:.1f} "
            f"ms; {len(answers)} x uncontended = {serial * 1000:.0f} ms")
    details = {"p50_s": p50, "p99_s": p99, "uncontended_median_s": solo,
               "answers_s": sorted(seconds)}
    return Figure("contention: p99 / uncontended median", p99 / solo, "x",
                  P99_RATIO_TARGET, note=note, details=details)
