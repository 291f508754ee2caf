"""Figure 4: 32 workstations race for one item through the local stack (real HTTP);
exactly one may win, none may fail, and the slowest answer is compared with an
uncontended acquire."""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import env
from bench.api import Api, BenchError, over_http
from bench.figures import EXACTLY, Figure

CONTENDED = "RACE-1"
P99_RATIO_TARGET = 3.0


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float


@dataclass(frozen=True)
class StackCpu:
    """CPU seconds the local stack's process spent per acquire, alone and in the
    race, and the cores it could use. None where /proc is not there."""

    solo: float
    raced: float
    cores: int


def run(threads: int = 32, sequential: int = 20) -> list[Figure]:
    from devstack.testing import running_stack

    env.configure()
    with running_stack() as stack:
        api = Api(over_http(stack.http_url))
        pid = stack.process.pid
        readings: list[float | None] = []
        solo = uncontended(api, sequential, lambda: readings.append(cpu_seconds(pid)))
        racers = [_warm_racer(api, index) for index in range(threads)]
        readings.append(cpu_seconds(pid))
        answers = race(api, racers)
        readings.append(cpu_seconds(pid))
    return figures(answers, solo, stack_cpu(readings, sequential, threads))


def stack_cpu(readings: list[float | None], solo_count: int,
              raced_count: int) -> StackCpu | None:
    """From CPU readings before and after the solo acquires and the race."""
    known = [reading for reading in readings if reading is not None]
    if len(known) != 4:
        return None
    before, after_solo, race_start, race_end = known
    return StackCpu((after_solo - before) / solo_count,
                    (race_end - race_start) / raced_count, os.cpu_count() or 1)


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def uncontended(api: Api, count: int, mark: Callable[[], None] = lambda: None) -> float:
    """Median seconds of `count` sequential acquires of different free items, after
    one warm-up acquire; `mark` runs just before and just after them."""
    ws = api.workstation("solo")
    api.acquire("SOLO-WARM", ws, user="solo")
    took = []
    mark()
    for index in range(count):
        start = time.perf_counter()
        api.acquire(f"SOLO-{index}", ws, user="solo")
        took.append(time.perf_counter() - start)
    mark()
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


def figures(answers: list[Answer], solo: float,
            cpu: StackCpu | None = None) -> list[Figure]:
    statuses = Counter(answer.status for answer in answers)
    shown = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    failed = sum(count for code, count in statuses.items() if code >= 500)
    return [
        Figure(f"contention: 201 answers of {len(answers)}", statuses[201], "", 1,
               compare=EXACTLY, note=shown, details={"statuses": dict(statuses)}),
        Figure(f"contention: 5xx answers of {len(answers)}", failed, "", 0),
        _p99_figure(answers, solo, cpu),
    ]


def _p99_figure(answers: list[Answer], solo: float, cpu: StackCpu | None) -> Figure:
    seconds = [answer.seconds for answer in answers]
    p50, p99 = percentile(seconds, 0.5), percentile(seconds, 0.99)
    serial = len(answers) * solo
    note = (f"p99 {p99 * 1000:.0f} ms, p50 {p50 * 1000:.0f} ms vs {solo * 1000:.1f} "
            f"ms; {len(answers)} x uncontended = {serial * 1000:.0f} ms")
    details: dict[str, object] = {"p50_s": p50, "p99_s": p99,
                                  "uncontended_median_s": solo,
                                  "answers_s": sorted(seconds)}
    if cpu is not None:
        # The last of N simultaneous answers cannot come before the stack has spent
        # N answers' CPU, spread over its cores at best.
        floor = len(answers) * cpu.raced / cpu.cores
        note += (f"; stack CPU per acquire {cpu.solo * 1000:.1f} ms alone, "
                 f"{cpu.raced * 1000:.1f} ms raced, so on {cpu.cores} cores the "
                 f"slowest answer needs >= {floor * 1000:.0f} ms "
                 f"({floor / solo:.1f} x)")
        details.update(stack_cpu_per_acquire_alone_s=cpu.solo,
                       stack_cpu_per_acquire_raced_s=cpu.raced, cores=cpu.cores,
                       cpu_floor_s=floor, cpu_floor_ratio=floor / solo)
    return Figure("contention: p99 / uncontended median", p99 / solo, "x",
                  P99_RATIO_TARGET, note=note, details=details)
