"""The outbox stream consumer: carries out what each committed change asked for."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from chalicelib import events_bus
from chalicelib.domain.records import Delivery, Publication
from chalicelib.services import delivery
from chalicelib.settings import Settings
from chalicelib.storage.effects import DELIVER, PUBLISH, REPLAY

log = logging.getLogger(__name__)


def new_entries(records: Iterable[Any]) -> Iterable[dict[str, Any]]:
    """The outbox entries inserted, from DynamoDB stream records (TTL removals and
    anything but inserts are ignored)."""
    # boto3 is imported here, not at start: the HTTP functions never read a stream.
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    for record in records:
        if record.event_name != "INSERT" or not record.new_image:
            continue
        yield {k: deserializer.deserialize(v) for k, v in record.new_image.items()}


def handle(settings: Settings, entry: dict[str, Any]) -> None:
    kind, payload = entry["kind"], entry["payload"]
    if isinstance(payload, str):
        # JSONAttribute stores the payload as a JSON string.
        payload = json.loads(payload)
    if kind == DELIVER:
        for index, each in enumerate(payload["deliveries"]):
            delivery.deliver(settings, f"{entry['outbox_id']}.{index}",
                             Delivery.from_payload(each), float(entry["created_at"]))
    elif kind == PUBLISH:
        events_bus.publish(settings, Publication(payload["source"],
                                                 payload["detail_type"],
                                                 payload["detail"]))
    elif kind == REPLAY:
        delivery.finish_replay(payload["workstation_id"], payload["connection_id"],
                               payload["after"])
    else:
        log.error("unknown outbox entry kind", extra={"kind": kind})


def handle_batch(settings: Settings, event: Iterable[Any]) -> None:
    """Carry out every new entry of a stream batch. An exception makes Lambda retry
    the batch; entries already carried out are skipped on the retry because each
    stored event is keyed by its outbox entry."""
    for entry in new_entries(event):
        handle(settings, entry)
