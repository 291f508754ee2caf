"""Pushes frames to WebSocket connections through the API Gateway management API."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.settings import get_settings


class ConnectionGone(Exception):
    """The connection is closed for good; forget it."""


class PushFailed(Exception):
    """The push did not go through this time; the event stays stored for replay."""


@lru_cache(maxsize=1)
def management_client() -> Any:
    endpoint = get_settings().websocket_endpoint
    if not endpoint:
        raise PushFailed("WEBSOCKET_ENDPOINT is not configured")
    # A dead connection should fail fast: the event is stored and will be replayed.
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2},
                    max_pool_connections=64)
    import boto3  # imported on first use: most HTTP requests never push

    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, config=config)


def push(connection_id: str, frame: dict[str, Any]) -> None:
    body = json.dumps(frame, separators=(",", ":")).encode("utf-8")
    try:
        management_client().post_to_connection(ConnectionId=connection_id, Data=body)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("GoneException", "410"):
            raise ConnectionGone(connection_id) from exc
        raise PushFailed(f"{connection_id}: {code}") from exc
    except BotoCoreError as exc:
        raise PushFailed(f"{connection_id}: {exc}") from exc
