"""End-to-end test helper: the local stack in a subprocess, with real clients.

    from devstack.testing import running_stack

    def test_health():
        with running_stack() as stack:
            assert requests.get(stack.http_url + "/health").ok
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import boto3

# Not imported from devstack.stack: tests need not load moto and the app.
PROJECT_DIR = Path(__file__).resolve().parent.parent

READY = re.compile(
    r"^ready (?P<http>http://\S+) (?P<ws>ws://\S+) aws=(?P<aws>\S+)"
    r" connections=(?P<connections>\S+)"
)
STDERR_TAIL_LINES = 200

T = TypeVar("T")


class StackFailed(RuntimeError):
    """The stack did not start; the message ends with its stderr."""


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    region: str
    stderr_file: IO[bytes]
    http_url: str = ""
    ws_url: str = ""
    aws_url: str = ""
    connections_url: str = ""
    stdout_lines: list[str] = field(default_factory=list)
    ready: queue.Queue[re.Match[str] | None] = field(default_factory=queue.Queue)

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for the stack's emulated AWS (or its @connections API)."""
        endpoint = self.aws_url
        if service == "apigatewaymanagementapi":
            endpoint = self.connections_url
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            **kwargs,
        )

    def stderr(self) -> str:
        return _read_all(self.stderr_file)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Signal the stack and wait; kill it if it overstays. Returns the exit code."""
        return _stop(self.process, sig, timeout)


@contextmanager
def running_stack(
    env: Mapping[str, str] | None = None, app: str = "app", timeout: float = 60.0
) -> Iterator[RunningStack]:
    """Start `python -m devstack --app APP`; yield once it is ready; stop it after.

    PORT and WS_PORT default to 0, so the stack binds free ports and reports them.
    Raises StackFailed, with the stack's stderr, if it is not ready within `timeout`.
    """
    environ = {**os.environ, "PORT": "0", "WS_PORT": "0", "PYTHONUNBUFFERED": "1"}
    environ.update(env or {})
    stderr_file = tempfile.TemporaryFile()
    process = _launch(app, environ, stderr_file)
    stack = RunningStack(process, _region(environ), stderr_file)
    reader = _follow_stdout(stack)
    try:
        _wait_until_ready(stack, timeout)
        yield stack
    finally:
        stack.stop()
        reader.join(5.0)
        if process.stdout is not None:
            process.stdout.close()
        stderr_file.close()


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """Poll until `probe` returns something truthy; if it never does, fail naming `what`.

    For checks on things the stack does asynchronously (stream handlers, pushes).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _launch(
    app: str, environ: Mapping[str, str], stderr_file: IO[bytes]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "devstack", "--app", app],
        cwd=PROJECT_DIR,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
    )


def _wait_until_ready(stack: RunningStack, timeout: float) -> None:
    try:
        match = stack.ready.get(timeout=timeout)
    except queue.Empty:
        match = None
    if match is None:
        _reap(stack.process)
        raise StackFailed(_failure_report(stack, timeout))
    stack.http_url = match["http"]
    stack.ws_url = match["ws"]
    stack.aws_url = match["aws"]
    stack.connections_url = match["connections"]


def _follow_stdout(stack: RunningStack) -> threading.Thread:
    """Collect stdout in a thread; `stack.ready` gets the ready match, or None."""

    def read() -> None:
        assert stack.process.stdout is not None
        for line in stack.process.stdout:
            stack.stdout_lines.append(line.rstrip("\n"))
            match = READY.match(line)
            if match and stack.ready.empty():
                stack.ready.put(match)
        stack.ready.put(None)  # read to the end, so the pipe never fills up

    thread = threading.Thread(target=read, name="devstack-stdout", daemon=True)
    thread.start()
    return thread


def _region(environ: Mapping[str, str]) -> str:
    # The same default the stack applies.
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _reap(process: subprocess.Popen[str]) -> None:
    # Stdout ended: the process is exiting; let its exit code be known.
    try:
        process.wait(5.0)
    except subprocess.TimeoutExpired:
        pass


def _failure_report(stack: RunningStack, timeout: float) -> str:
    code = stack.process.returncode
    if code is None:
        what = f"no ready line within {timeout:.0f} s"
    else:
        what = f"exited with {code} before it was ready"
    tail = stack.stderr().splitlines()[-STDERR_TAIL_LINES:]
    return f"devstack {what}; its stderr:\n" + "\n".join(tail)


def _stop(process: subprocess.Popen[str], sig: int, timeout: float) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def _read_all(handle: IO[bytes]) -> str:
    if handle.closed:
        return ""
    handle.seek(0)
    return handle.read().decode("utf-8", errors="replace")
