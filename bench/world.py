"""The app over moto, in this process: fresh tables built from infra/ as
tests/moto/conftest.py builds them, with moto made atomic and timed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from bench import env
from bench.api import Api, over_chalice


@dataclass
class MotoTime:
    """The seconds moto spent answering, one request at a time, and its CPU time."""

    seconds: float = 0.0
    cpu: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class World:
    app: ModuleType
    api: Api
    moto: MotoTime


@contextmanager
def moto_app() -> Iterator[World]:
    env.configure()
    from chalice.test import Client
    from moto import mock_aws

    try:
        with mock_aws(), atomic_moto() as moto:
            _fresh_tables()
            import app as app_module

            with Client(app_module.app) as client:
                yield World(app_module, Api(over_chalice(client)), moto)
    finally:
        _forget_clients()  # no client built over this moto outlives it


@contextmanager
def atomic_moto() -> Iterator[MotoTime]:
    """moto checks a condition and then writes without a lock, so two threads could
    both pass it; DynamoDB never lets them. As in the tests (`atomic_moto`), the
    emulator answers one request at a time, and here that time is summed."""
    from moto.core.botocore_stubber import BotocoreStubber

    moto = MotoTime()
    original = BotocoreStubber.process_request

    def one_at_a_time(stubber: Any, request: Any) -> Any:
        with moto.lock:
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                return original(stubber, request)
            finally:
                moto.seconds += time.perf_counter() - start
                moto.cpu += time.thread_time() - start_cpu

    BotocoreStubber.process_request = one_at_a_time  # type: ignore[method-assign]
    try:
        yield moto
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]


def _fresh_tables() -> None:
    import boto3

    from chalicelib.settings import get_settings
    from chalicelib.storage.schema import create_tables

    _forget_clients()
    create_tables(boto3.client("dynamodb"), get_settings())


def _forget_clients() -> None:
    from chalicelib.delivery.push import management_client
    from chalicelib.storage import workstations
    from chalicelib.storage.connection import reset_shared_connection

    reset_shared_connection()
    workstations.forget()
    management_client.cache_clear()


@contextmanager
def approvals_required(app_module: ModuleType) -> Iterator[None]:
    """FORCE_RELEASE_REQUIRES_APPROVAL on for the app's routes, for a while."""
    original = app_module.settings
    app_module.settings = replace(original, force_release_requires_approval=True)
    try:
        yield
    finally:
        app_module.settings = original


def released_records(world: World, stream: Any, item_id: str,
                     workstation_id: str) -> list[dict[str, Any]]:
    """Alice acquires and releases `item_id`; only the release's outbox stream
    records are returned (`stream` is a tests.moto.helpers.OutboxStream)."""
    session = world.api.acquire(item_id, workstation_id)
    stream.records()  # skip everything before the release
    world.api.release(item_id, session["session_id"])
    return list(stream.records())


def consume(world: World, records: list[dict[str, Any]]) -> None:
    """Hand stream records to the app's consumer, as Lambda's event source would."""
    from tests.moto.helpers import LambdaContext

    world.app.outbox_consumer({"Records": records}, LambdaContext())
