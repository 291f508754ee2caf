"""Server time. Every rule takes `now` as an argument; only entry points read it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return round(time.time(), 3)


def iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
