"""One cold start in a fresh process: `python -m bench.cold_child app|boto3 SETUP`.

Started by bench.cold_start, which writes SETUP (a JSON file). Prints one JSON line
of timed phases. The clock starts just before `import app` (or `import boto3`) and
stops when the first request (or put) has answered. Before it, only the standard
library is imported, and moto with boto3 when moto runs in this process.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

_mocks: list[Any] = []


class LambdaContext:
    aws_request_id = "cold-start"
    function_name = "api_handler"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def moto_here(setup: dict[str, Any]) -> None:
    """Set-up, not timed: moto in this process, with the tables and a workstation.
    A separate boto3 session, so the timed `boto3.client` still starts cold."""
    import boto3
    from moto import mock_aws

    _mocks.append(mock_aws())
    _mocks[-1].start()
    client = boto3.session.Session().client("dynamodb")
    for request in setup["tables"]:
        client.create_table(**request)
    client.put_item(**setup["workstation"])


def first_acquire(setup: dict[str, Any]) -> tuple[int, float]:
    app = importlib.import_module("app")
    imported = time.perf_counter()
    response = app.app(setup["event"], LambdaContext())
    return int(response["statusCode"]), imported


def first_put(setup: dict[str, Any]) -> tuple[int, float]:
    import boto3

    imported = time.perf_counter()
    answer = boto3.client("dynamodb").put_item(**setup["put"])
    return int(answer["ResponseMetadata"]["HTTPStatusCode"]), imported


def main(kind: str, setup_path: str) -> None:
    setup = json.loads(Path(setup_path).read_text(encoding="utf-8"))
    if setup["moto"] == "here":
        moto_here(setup)
    start = time.perf_counter()
    status, imported = (first_acquire if kind == "app" else first_put)(setup)
    done = time.perf_counter()
    print(json.dumps({"kind": kind, "status": status, "import_s": imported - start,
                      "first_call_s": done - imported, "total_s": done - start}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
