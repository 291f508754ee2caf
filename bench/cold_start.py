"""Figure 2: cold start. A fresh process imports the app and serves its first
acquire, against a fresh process that imports boto3 and does one DynamoDB put.

Both are timed inside the child (bench.cold_child). Two ways to host moto:
- in the child (mock_aws): moto imports boto3 and botocore before the clock
  starts, so neither side pays for importing them;
- as a server in this process (the child only gets its endpoint): nothing but the
  standard library is loaded before the clock, as on Lambda.
"""

from __future__ import annotations

import compileall
import json
import logging
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import env
from bench.api import BenchError
from bench.cold_setup import run_setup
from bench.figures import Figure
from bench.import_cost import heaviest_imports

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET = 1.2


def run(runs: int = 5) -> list[Figure]:
    env.configure()
    compile_app()
    with tempfile.TemporaryDirectory() as scratch:
        here = _timed(Path(scratch), runs, None)
        with moto_server() as endpoint:
            away = _timed(Path(scratch), runs, endpoint)
    heavy = heaviest_imports()
    return [_figure("cold start / boto3 put, moto in process", here, heavy),
            _figure("cold start / boto3 put, moto as a server", away, heavy)]


def compile_app() -> None:
    """Byte-compile app.py and chalicelib/ as the package ships them (infra/package.py),
    and as site-packages already are: with PYTHONDONTWRITEBYTECODE set, or on a
    read-only Lambda file system, each child would otherwise compile ~46 modules."""
    compileall.compile_file(PROJECT_DIR / "app.py", quiet=1)
    compileall.compile_dir(PROJECT_DIR / "chalicelib", quiet=1)


def _timed(scratch: Path, runs: int, endpoint: str | None) -> dict[str, list[dict]]:
    """`runs` child pairs, taken in turns; each run gets its own tables."""
    results: dict[str, list[dict]] = {"app": [], "boto3": []}
    for index in range(runs):
        prefix = f"cold{index}-{'server' if endpoint else 'here'}-"
        setup_path, child_env = run_setup(scratch, prefix, endpoint)
        for kind in results:
            results[kind].append(_child(kind, setup_path, child_env))
    return results


def _child(kind: str, setup_path: Path, child_env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cold_child", kind, str(setup_path)],
        cwd=PROJECT_DIR, env=child_env, capture_output=True, text=True, timeout=300,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchError(f"cold start child failed ({kind}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] not in (200, 201):
        raise BenchError(f"cold start child ({kind}) answered {result['status']}")
    return result


def _median(results: list[dict[str, Any]], phase: str) -> float:
    return statistics.median(result[phase] for result in results)


def _figure(name: str, results: dict[str, list[dict]],
            heavy: list[tuple[str, float]]) -> Figure:
    app, put = results["app"], results["boto3"]
    ratio = _median(app, "total_s") / _median(put, "total_s")
    note = (f"app: import {_median(app, 'import_s'):.3f} s + first acquire "
            f"{_median(app, 'first_call_s'):.3f} s; boto3: import "
            f"{_median(put, 'import_s'):.3f} s + put "
            f"{_median(put, 'first_call_s'):.3f} s")
    if ratio > TARGET:
        shown = ", ".join(f"{package} {seconds:.3f} s" for package, seconds in heavy[:5])
        note += f"; imports beyond boto3's: {shown}"
    details = {"runs": results, "heaviest_imports_s": dict(heavy)}
    return Figure(name, ratio, "x", TARGET, note=note, details=details)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on a free loopback port, as the local stack runs it."""
    from devstack.aws import AwsEmulation

    # werkzeug logs every request to stderr unless told otherwise.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    emulation = AwsEmulation("127.0.0.1")
    endpoint = emulation.start()
    try:
        yield endpoint
    finally:
        emulation.stop()

