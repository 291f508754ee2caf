"""The embedded AWS emulation (moto's server) and the resources the app expects."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from chalicelib.settings import Settings
from chalicelib.storage.schema import create_tables

log = logging.getLogger("devstack.aws")


class OneWriteAtATime:
    """WSGI middleware: moto checks a condition and then writes without a lock, so two
    concurrent requests could both pass it, which real DynamoDB never allows. The
    emulator answers DynamoDB requests one at a time (the app still sends them
    concurrently); other services, SQS long polls among them, are not held up."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return list(self._app(environ, start_response))
        with self._lock:
            return list(self._app(environ, start_response))


class AtomicMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = OneWriteAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


class AwsEmulation:
    """moto in a thread on loopback, on a port the OS picks."""

    def __init__(self, host: str) -> None:
        self._server = AtomicMotoServer(ip_address=host, port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()


def create_resources(settings: Settings) -> dict[str, str]:
    """The tables and the event bus; returns each stream-enabled table's stream ARN."""
    streams = create_tables(boto3.client("dynamodb"), settings)
    if settings.event_bus_name:
        boto3.client("events").create_event_bus(Name=settings.event_bus_name)
    log.info("tables created; %d with a stream", len(streams))
    return streams
