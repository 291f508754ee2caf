"""The comparison for figure 1: a plain lock client that reads the lock item, then
writes it with a condition on what it read (two calls per acquire)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

TABLE = "bench-naive-locks"


def create_table(client: Any) -> None:
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "item_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "item_id", "AttributeType": "S"}],
    )


@dataclass
class NaiveLocks:
    client: Any
    lease_seconds: int = 600

    def acquire(self, item_id: str, holder: str) -> bool:
        now = time.time()
        key = {"item_id": {"S": item_id}}
        found = self.client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
        item = found.get("Item")
        if item and float(item["expires_at"]["N"]) > now:
            return False
        version = int(item["version"]["N"]) if item else 0
        condition = "attribute_not_exists(item_id) OR version = :read"
        try:
            self.client.put_item(
                TableName=TABLE, ConditionExpression=condition,
                ExpressionAttributeValues={":read": {"N": str(version)}},
                Item={**key, "holder": {"S": holder},
                      "expires_at": {"N": str(now + self.lease_seconds)},
                      "version": {"N": str(version + 1)}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True
