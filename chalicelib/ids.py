"""Identifiers."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def time_ordered_id(epoch: float, position: int = 0) -> str:
    """Sorts by creation time (to the microsecond), then by position within one
    change, then by a random tail."""
    micros = int(epoch * 1_000_000) if epoch else time.time_ns() // 1000
    return f"{micros:017d}{position:03d}{secrets.token_hex(4)}"
