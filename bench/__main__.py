"""`python -m bench`: run the benchmarks, print one line per figure, write them all
to bench/results.json, and exit 1 when a figure misses its target."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bench import calls, cold_start, contention, env, fanout
from bench.figures import RESULTS_PATH, Figure, all_met, write_results

BENCHMARKS = ("calls", "cold", "fanout", "contention")
HEADER = f"{'figure':<48} {'value':>9} {'unit':<6}{'target':>9}  result"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS,
                        default=list(BENCHMARKS))
    parser.add_argument("--watchers", type=int, default=1000, help="fan-out size")
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind")
    parser.add_argument("--threads", type=int, default=32, help="contending clients")
    parser.add_argument("--sequential", type=int, default=20,
                        help="uncontended acquires")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    return parser.parse_args(argv)


def runners(args: argparse.Namespace) -> dict[str, Callable[[], list[Figure]]]:
    return {
        "calls": calls.run,
        "cold": lambda: cold_start.run(args.runs),
        "fanout": lambda: fanout.run(args.watchers),
        "contention": lambda: contention.run(args.threads, args.sequential),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the app's JSON logs, errors only
    env.configure()
    figures: list[Figure] = []
    print(HEADER, flush=True)
    for name in args.only:
        for figure in runners(args)[name]():
            print(figure.line(), flush=True)
            figures.append(figure)
    write_results(figures, args.output)
    missed = sum(1 for figure in figures if figure.ok is False)
    print(f"{missed} of {len(figures)} figures missed their target; see {args.output}")
    return 0 if all_met(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
