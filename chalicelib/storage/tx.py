"""A DynamoDB transaction that reports which of its parts failed, and why.

pynamodb sends a transaction's parts grouped by kind (condition checks, deletes,
puts, updates), so the cancellation reasons come back in that order rather than in
the order the parts were added. This wrapper keeps the labels straight and turns
botocore failures into the project's own errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import ConcurrentUpdate, StorageUnavailable
from chalicelib.storage.connection import shared_connection

M = TypeVar("M", bound=Model)

_KINDS = ("check", "delete", "put", "update")
MAX_ITEMS = 100


class ConditionFailed(Exception):
    """One or more labelled parts failed their condition.

    `items` maps each failed label to the stored item as it was (None when absent),
    decoded into its model when the part asked for it.
    """

    def __init__(self, items: dict[str, Model | None]) -> None:
        super().__init__(", ".join(sorted(items)))
        self.items = items

    def failed(self, label: str) -> bool:
        return label in self.items

    def item(self, label: str, model_cls: type[M]) -> M | None:
        """The failed part's stored item as `model_cls` (the part's own model), or
        None when the label did not fail or the item was absent."""
        found = self.items.get(label)
        return found if isinstance(found, model_cls) else None


@dataclass
class _Part:
    kind: str
    label: str
    model_cls: type[Model]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class Transaction:
    parts: list[_Part] = field(default_factory=list)

    def put(
        self, model: Model, condition: Condition | None = None, label: str = ""
    ) -> None:
        self._add("put", label, type(model), model, condition=condition)

    def update(
        self, model: Model, actions: list[Any], condition: Condition | None = None,
        label: str = "",
    ) -> None:
        self._add("update", label, type(model), model, actions, condition=condition)

    def delete(
        self, model: Model, condition: Condition | None = None, label: str = ""
    ) -> None:
        self._add("delete", label, type(model), model, condition=condition)

    def check(
        self, model_cls: type[Model], hash_key: str, range_key: str | None,
        condition: Condition, label: str = "",
    ) -> None:
        self._add("check", label, model_cls, model_cls, hash_key, range_key,
                  condition=condition)

    def commit(self, token: str | None = None) -> None:
        if not self.parts:
            return
        if len(self.parts) > MAX_ITEMS:
            raise ValueError(f"a transaction takes at most {MAX_ITEMS} parts")

        ordered = sorted(self.parts, key=lambda part: _KINDS.index(part.kind))
        try:
            with TransactWrite(
                connection=shared_connection(), client_request_token=token
            ) as write:
                for part in ordered:
                    _send(write, part)
        except TransactWriteError as exc:
            raise _translate(exc, ordered) from exc
        except PynamoDBException as exc:
            raise StorageUnavailable("the session store is unavailable") from exc

    def _add(self, kind: str, label: str, model_cls: type[Model], *args: Any,
             **kwargs: Any) -> None:
        self.parts.append(_Part(kind, label, model_cls, args, kwargs))


def _send(write: TransactWrite, part: _Part) -> None:
    kwargs = dict(part.kwargs)
    if part.label and part.kind in ("put", "update"):
        kwargs["return_values"] = "ALL_OLD"
    if part.kind == "check":
        write.condition_check(*part.args, **kwargs)
    elif part.kind == "put":
        write.save(*part.args, **kwargs)
    elif part.kind == "update":
        write.update(*part.args, add_version_condition=False, **kwargs)
    else:
        write.delete(*part.args, add_version_condition=False, **kwargs)


def _translate(exc: TransactWriteError, ordered: list[_Part]) -> Exception:
    reasons = exc.cancellation_reasons or []
    codes = {reason.code for reason in reasons if reason is not None}
    if "ConditionalCheckFailed" in codes:
        failed: dict[str, Model | None] = {}
        for part, reason in zip(ordered, reasons, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                raw = reason.raw_item
                failed[part.label] = part.model_cls.from_raw_data(raw) if raw else None
        return ConditionFailed(failed)
    if codes & {"TransactionConflict"}:
        return ConcurrentUpdate("another change to the same record was in flight")
    return StorageUnavailable(f"the session store refused the change: {sorted(codes)}")
