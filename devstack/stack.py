"""The stack: its pieces started in the order the app needs them, stopped in reverse."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from chalice.app import Chalice
from chalice.config import Config

from chalicelib.settings import Settings, load_settings
from devstack.aws import AwsEmulation, create_resources
from devstack.env import (
    apply_stage_settings,
    chalice_config,
    use_emulation,
    use_websocket_endpoint,
)
from devstack.http_api import HttpApi
from devstack.lambdas import FunctionFactory, LambdaFunction
from devstack.mgmt_api import ManagementApi
from devstack.sources import SourceSettings, build_workers
from devstack.workers import Worker
from devstack.ws_events import STAGE
from devstack.ws_gateway import WebSocketGateway, WebSocketRoutes

log = logging.getLogger("devstack")

PROJECT_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: nothing here is fit to face a network
JOIN_TIMEOUT = 15.0


@dataclass(frozen=True)
class Options:
    app_module: str = "app"
    stage: str = "dev"
    http_port: int = 8000
    ws_port: int = 8001
    project_dir: Path = PROJECT_DIR

    @classmethod
    def from_env(
        cls, environ: MutableMapping[str, str], app_module: str, stage: str
    ) -> Options:
        return cls(
            app_module=app_module,
            stage=stage,
            http_port=_port(environ, "PORT", 8000),
            ws_port=_port(environ, "WS_PORT", 8001),
        )


class Stack:
    def __init__(
        self, options: Options, environ: MutableMapping[str, str] = os.environ
    ) -> None:
        self._options = options
        self._environ = environ
        self._stoppers: list[Callable[[], None]] = []
        self._threads: list[threading.Thread] = []
        self._stop_workers = threading.Event()

    def start(self) -> str:
        """Start everything; return the ready line. Stops what started on failure."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> bool:
        """Stop everything started; True if every thread of the stack ended."""
        while self._stoppers:
            stopper = self._stoppers.pop()
            try:
                stopper()
            except Exception:
                log.exception("error while stopping")
        left = [thread.name for thread in self._threads if thread.is_alive()]
        if left:
            log.warning("threads still running: %s", ", ".join(left))
        return not left

    def _start(self) -> str:
        config = chalice_config(self._options.project_dir, self._options.stage)
        apply_stage_settings(self._environ, config)
        aws_url = self._start_aws()
        gateway = WebSocketGateway(WebSocketRoutes(), HOST, self._options.ws_port)
        connections_url = self._start_management_api(gateway)
        region = self._environ["AWS_REGION"]
        settings = self._create_resources()

        module = self._import_app()
        app: Chalice = module.app
        _point_chalice_websocket_api(app, connections_url)
        factory = _function_factory(module, app, config, region)
        self._start_workers(app, factory, settings, region)
        self._start_gateway(gateway, app, factory)
        http = self._start_http(app, config)
        return (
            f"ready http://{HOST}:{http.port} ws://{HOST}:{gateway.port} "
            f"aws={aws_url} connections={connections_url}"
        )

    def _start_aws(self) -> str:
        aws = AwsEmulation(HOST)
        endpoint = aws.start()
        self._stoppers.append(aws.stop)
        # Before anything makes a boto3 client: they read this when created.
        use_emulation(self._environ, endpoint)
        return endpoint

    def _start_management_api(self, gateway: WebSocketGateway) -> str:
        api = ManagementApi(gateway, HOST, STAGE)
        api.start()
        self._stoppers.append(api.stop)
        self._threads.append(api.thread)
        use_websocket_endpoint(self._environ, api.endpoint)
        return api.endpoint

    def _create_resources(self) -> Settings:
        settings = load_settings(self._environ)
        streams = create_resources(settings)
        if settings.outbox_table in streams:
            # The app reads this at import, for its @app.on_dynamodb_record.
            self._environ["OUTBOX_STREAM_ARN"] = streams[settings.outbox_table]
        return settings

    def _import_app(self) -> ModuleType:
        root = str(self._options.project_dir)
        if root not in sys.path:
            sys.path.insert(0, root)
        return importlib.import_module(self._options.app_module)

    def _start_workers(
        self, app: Chalice, factory: FunctionFactory, settings: Settings, region: str
    ) -> None:
        source_settings = SourceSettings(
            event_bus=settings.event_bus_name or "default",
            schedule_interval=float(settings.sweep_interval_seconds),
            region=region,
        )
        workers = build_workers(
            app.event_sources, factory, source_settings, self._stop_workers
        )
        for worker in workers:
            worker.start()
        self._threads.extend(worker.thread for worker in workers)
        self._stoppers.append(lambda: self._join_workers(workers))

    def _join_workers(self, workers: list[Worker]) -> None:
        self._stop_workers.set()
        for worker in workers:
            worker.thread.join(JOIN_TIMEOUT)

    def _start_gateway(
        self, gateway: WebSocketGateway, app: Chalice, factory: FunctionFactory
    ) -> None:
        gateway.routes = _websocket_routes(app, factory)
        gateway.start()
        self._stoppers.append(gateway.stop)
        self._threads.append(gateway.thread)

    def _start_http(self, app: Chalice, config: Config) -> HttpApi:
        http = HttpApi(app, config, HOST, self._options.http_port)
        http.start()
        self._stoppers.append(http.stop)
        self._threads.append(http.thread)
        return http


def _function_factory(
    module: ModuleType, app: Chalice, config: Config, region: str
) -> FunctionFactory:
    return FunctionFactory(
        app_module=module,
        app_name=app.app_name,
        stage=config.chalice_stage,
        region=region,
        memory_mb=config.lambda_memory_size or 128,
        timeout_seconds=config.lambda_timeout or 60,
    )


def _websocket_routes(app: Chalice, factory: FunctionFactory) -> WebSocketRoutes:
    def function(route_key: str) -> LambdaFunction | None:
        handler = app.websocket_handlers.get(route_key)
        if handler is None:
            return None
        return factory.for_handler(handler.name, handler.handler_string)

    return WebSocketRoutes(
        connect=function("$connect"),
        message=function("$default"),
        disconnect=function("$disconnect"),
    )


def _point_chalice_websocket_api(app: Chalice, endpoint: str) -> None:
    # Chalice's own app.websocket_api builds an https execute-api URL from the
    # event; apps that use it (rather than their own client) need ours instead.
    api = app.websocket_api
    if api is not None and getattr(api, "_endpoint", "") is None:
        api._endpoint = endpoint


def _port(environ: MutableMapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise ValueError(f"{name} must be a port number (0: any free one), not {raw!r}")
    return int(raw)
