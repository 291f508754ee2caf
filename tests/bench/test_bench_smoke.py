"""Smoke runs of the benchmarks at tiny sizes: each runs end to end and returns
figures of the right shape. Nothing here asserts a timing: benchmarks are not tests
(`make bench` runs them at full size)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import calls, cold_start, contention, fanout
from bench.__main__ import main
from bench.figures import EXACTLY, Figure


@pytest.fixture(autouse=True)
def own_environment() -> Iterator[None]:
    """The benchmarks set fake credentials and settings; later tests get theirs."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def assert_well_formed(figures: list[Figure]) -> None:
    assert figures
    for figure in figures:
        assert figure.name and isinstance(figure.value, (int, float))
        assert figure.verdict() in ("ok", "MISS", "info")
        assert figure.name in figure.line()
        json.dumps(figure.to_dict())


def test_a_figure_over_its_target_is_a_miss() -> None:
    assert Figure("acquire", 2, "calls", 1).verdict() == "MISS"
    assert Figure("acquire", 1, "calls", 1).verdict() == "ok"
    assert Figure("winners", 2, "", 1, compare=EXACTLY).verdict() == "MISS"
    assert Figure("naive", 2, "calls").verdict() == "info"


def test_call_counts_cover_every_operation() -> None:
    figures = calls.run()
    assert_well_formed(figures)
    assert len(figures) == len(calls.MEASURES)
    for figure in figures:
        assert figure.value == sum(figure.details["by_operation"].values())


def test_fan_out_posts_to_every_watcher() -> None:
    figures = fanout.run(watchers=3, delay=0.0, repeats=1)
    assert_well_formed(figures)
    assert [figure.details["posted"] for figure in figures[:2]] == [3, 3]


def test_cold_start_times_both_kinds_of_child() -> None:
    figures = cold_start.run(runs=1)
    assert_well_formed(figures)
    for figure in figures:
        assert {kind: len(runs) for kind, runs in figure.details["runs"].items()} == {
            "app": 1, "boto3": 1}


def test_contention_answers_every_racer() -> None:
    figures = contention.run(threads=2, sequential=2)
    assert_well_formed(figures)
    assert sum(figures[0].details["statuses"].values()) == 2


def test_main_writes_every_figure_and_fails_on_a_miss(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    code = main(["--only", "calls", "--output", str(output)])
    results = json.loads(output.read_text())["figures"]
    assert len(results) == len(calls.MEASURES)
    assert code == (1 if any(r["result"] == "MISS" for r in results) else 0)
