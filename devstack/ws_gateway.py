"""The WebSocket API: sockets on loopback, routes invoked like Lambda integrations.

Sockets live on one event loop in the gateway's own thread; route handlers run in
a thread pool, so a handler may call the management API (which waits on that loop)
without deadlocking it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http
import logging
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from devstack.lambdas import LambdaFunction, invoke_logged
from devstack.ws_connection import Connection, State
from devstack.ws_events import (
    ConnectionInfo,
    connect_event,
    disconnect_event,
    message_event,
    new_connection_id,
    now_ms,
)

log = logging.getLogger("devstack.websocket")

T = TypeVar("T")

# API Gateway's limit on one message; bigger ones close the socket with 1009.
MAX_MESSAGE_BYTES = 128 * 1024
# How long a management API call waits on the event loop (a slow reader).
CALL_TIMEOUT = 10.0


@dataclass(frozen=True)
class WebSocketRoutes:
    connect: LambdaFunction | None = None
    message: LambdaFunction | None = None
    disconnect: LambdaFunction | None = None


class WebSocketGateway:
    """Serves sockets; post, delete and info are safe to call from any thread."""

    def __init__(self, routes: WebSocketRoutes, host: str, port: int) -> None:
        self.routes = routes
        self._host = host
        self.port = port
        self._connections: dict[str, Connection] = {}  # used on the loop only
        self._tasks: set[asyncio.Task[None]] = set()
        self._executor = concurrent.futures.ThreadPoolExecutor(
            16, thread_name_prefix="ws-lambda"
        )
        self.thread = threading.Thread(target=self._run, name="ws-gateway", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._stopping = asyncio.Event()
        self._startup_error: Exception | None = None

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("the websocket gateway did not start")
        if self._startup_error is not None:
            raise self._startup_error

    def stop(self, timeout: float = 30.0) -> None:
        if self.thread.is_alive() and self._loop is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
            self.thread.join(timeout)
        self._executor.shutdown(wait=True, cancel_futures=True)

    def post(self, connection_id: str, data: bytes) -> bool:
        return self._call(self._post(connection_id, data), False)

    def delete(self, connection_id: str) -> bool:
        return self._call(self._delete(connection_id), False)

    def info(self, connection_id: str) -> dict[str, Any] | None:
        return self._call(self._info(connection_id), None)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        server = await self._listen()
        self._started.set()
        if server is None:
            return
        await self._stopping.wait()

        server.close()  # closes open sockets with 1001, as a redeploy would
        await server.wait_closed()
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _listen(self) -> Server | None:
        try:
            server = await serve(
                self._on_open,
                self._host,
                self.port,
                process_request=self._on_handshake,
                max_size=MAX_MESSAGE_BYTES,
            )
        except Exception as exc:  # a port in use, mostly; start() raises it
            self._startup_error = exc
            return None
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _on_handshake(
        self, socket: ServerConnection, request: Request
    ) -> Response | None:
        conn = self._register(socket, request)
        status, body = await self._run_connect(conn, request)
        if not 200 <= status < 300:
            del self._connections[conn.info.connection_id]
            return socket.respond(*_refusal(status, body))
        conn.state = State.ACCEPTED
        self._spawn(self._after_close(conn))
        return None

    def _register(self, socket: ServerConnection, request: Request) -> Connection:
        connection_id = new_connection_id()
        while connection_id in self._connections:
            connection_id = new_connection_id()
        info = ConnectionInfo(
            connection_id=connection_id,
            connected_at_ms=now_ms(),
            domain_name=f"{self._host}:{self.port}",
            source_ip=str(socket.remote_address[0]),
            user_agent=request.headers.get("User-Agent", ""),
        )
        conn = Connection(info, socket, last_active_ms=info.connected_at_ms)
        self._connections[connection_id] = conn
        return conn

    async def _run_connect(self, conn: Connection, request: Request) -> tuple[int, str]:
        if self.routes.connect is None:
            return 200, ""
        event = connect_event(conn.info, request.path, request.headers.raw_items())
        ok, result = await self._invoke(self.routes.connect, event)
        if not ok:
            return 500, "Internal server error"
        if not isinstance(result, dict):
            return 200, ""
        status = int(result.get("statusCode", 200))
        return status, str(result.get("body") or "")

    async def _on_open(self, socket: ServerConnection) -> None:
        conn = next((c for c in self._connections.values() if c.socket is socket), None)
        if conn is None or not await self._flush(conn):
            return
        try:
            async for message in socket:
                conn.last_active_ms = now_ms()
                await self._on_message(conn, message)
        except ConnectionClosed:
            pass  # the close watcher reports it

    async def _flush(self, conn: Connection) -> bool:
        # Posts may keep arriving while earlier ones are sent: drain before OPEN.
        while conn.pending:
            item = conn.pending.pop(0)
            if item is None:
                await conn.socket.close()
                return False
            await _send(conn.socket, item)
        if conn.state is State.ACCEPTED:
            conn.state = State.OPEN
        return conn.state is State.OPEN

    async def _on_message(self, conn: Connection, message: str | bytes) -> None:
        if self.routes.message is None:
            log.debug("no $default route; dropped a message")
            return
        await self._invoke(self.routes.message, message_event(conn.info, message))

    async def _after_close(self, conn: Connection) -> None:
        await conn.socket.wait_closed()
        self._connections.pop(conn.info.connection_id, None)
        if self.routes.disconnect is not None:
            socket = conn.socket
            event = disconnect_event(conn.info, socket.close_code, socket.close_reason)
            await self._invoke(self.routes.disconnect, event)

    async def _invoke(
        self, function: LambdaFunction, event: dict[str, Any]
    ) -> tuple[bool, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, invoke_logged, function, event)

    async def _post(self, connection_id: str, data: bytes) -> bool:
        conn = self._connections.get(connection_id)
        if conn is None or not conn.reachable:
            return False
        conn.last_active_ms = now_ms()
        return conn.hold(data) or await _send(conn.socket, data)

    async def _delete(self, connection_id: str) -> bool:
        conn = self._connections.get(connection_id)
        if conn is None or not conn.reachable:
            return False
        if not conn.hold(None):
            # Not awaited: the caller should not wait out the close handshake.
            self._spawn(conn.socket.close())
        conn.state = State.CLOSING
        return True

    async def _info(self, connection_id: str) -> dict[str, Any] | None:
        conn = self._connections.get(connection_id)
        if conn is None or not conn.reachable:
            return None
        return conn.describe()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _call(self, coro: Coroutine[Any, Any, T], default: T) -> T:
        loop = self._loop
        if loop is None or loop.is_closed():
            coro.close()
            return default
        try:
            future = asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError:  # the loop closed in between: the stack is stopping
            coro.close()
            return default
        try:
            return future.result(CALL_TIMEOUT)
        except concurrent.futures.TimeoutError:
            future.cancel()  # so a late send cannot follow the 410 we answer
            log.warning("websocket gateway did not answer; treating the socket as gone")
            return default


async def _send(socket: ServerConnection, data: bytes) -> bool:
    try:
        await socket.send(_frame(data))
    except ConnectionClosed:
        return False
    return True


def _frame(data: bytes) -> str | bytes:
    # Text goes out as a text frame, which is what clients of API Gateway receive.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _refusal(status: int, body: str) -> tuple[int, str]:
    # The handshake response needs a status the http module knows.
    try:
        known = http.HTTPStatus(status)
    except ValueError:
        known = http.HTTPStatus.BAD_GATEWAY
    return known.value, body or known.phrase
