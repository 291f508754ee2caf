"""One pynamodb connection (one botocore session and client) shared by every model.

pynamodb otherwise builds a botocore session per model class, which costs a cold
start several hundred milliseconds for nothing.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pynamodb.connection import Connection

from chalicelib.storage.models import ALL_MODELS


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or (
        "us-east-1"
    )


@lru_cache(maxsize=1)
def shared_connection() -> Connection:
    connection = Connection(region=_region(), max_pool_connections=64)
    for model in ALL_MODELS:
        table_connection = model._get_connection()
        meta_table = table_connection.connection.get_meta_table(model.Meta.table_name)
        connection.add_meta_table(meta_table)
        table_connection.connection = connection
    return connection


def reset_shared_connection() -> None:
    """Forget the shared connection (tests that start a fresh moto backend)."""
    shared_connection.cache_clear()
    for model in ALL_MODELS:
        model._connection = None
