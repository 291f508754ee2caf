"""Puts the service's events on EventBridge (CONTRACT.md 6)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.records import Publication
from chalicelib.settings import Settings


class PublishFailed(Exception):
    """EventBridge did not take the event; the stream batch is retried."""


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3  # imported on first use: the HTTP functions never publish

    return boto3.client("events")


def publish(settings: Settings, publication: Publication) -> None:
    entry = {
        "Source": publication.source,
        "DetailType": publication.detail_type,
        "Detail": json.dumps(publication.detail),
    }
    if settings.event_bus_name:
        entry["EventBusName"] = settings.event_bus_name
    try:
        response = _client().put_events(Entries=[entry])
    except (BotoCoreError, ClientError) as exc:
        raise PublishFailed(str(exc)) from exc
    if response.get("FailedEntryCount"):
        raise PublishFailed(json.dumps(response["Entries"]))
