"""Counts AWS API calls per operation with a botocore `before-call` hook.

The hook is registered on each client it is attached to; it counts only while a
`measure()` block is open, so set-up and warm-up calls are never counted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: Counter[str] | None = None

    def attach(self, *clients: Any) -> None:
        for client in clients:
            client.meta.events.register("before-call", self._count,
                                        unique_id=f"bench-count-{id(self)}")

    def _count(self, model: Any, **_: Any) -> None:
        # One `before-call` per API call, whatever its retries.
        with self._lock:
            if self._open is not None:
                self._open[model.name] += 1

    @contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        counts: Counter[str] = Counter()
        self._open = counts
        try:
            yield counts
        finally:
            self._open = None


def breakdown(counts: Counter[str]) -> str:
    return " + ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"


def app_clients() -> list[Any]:
    """Every AWS client the app uses: the shared pynamodb connection (all tables),
    the WebSocket management API, EventBridge."""
    from chalicelib import events_bus
    from chalicelib.delivery.push import management_client
    from chalicelib.storage.connection import shared_connection

    return [shared_connection().client, management_client(), events_bus._client()]
