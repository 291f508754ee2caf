"""API Gateway's management API (@connections), as botocore's client calls it.

POST sends the body to the socket, DELETE closes it, GET describes it. A socket that
is not (or no longer) connected answers 410 GoneException, so app code takes the
same path it takes on AWS.
"""

from __future__ import annotations

import json
import logging
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from devstack.serving import ServerThread

log = logging.getLogger("devstack.connections")

# PostToConnection refuses payloads over 128 KB.
MAX_POST_BYTES = 128 * 1024


class Connections(Protocol):
    def post(self, connection_id: str, data: bytes) -> bool: ...

    def delete(self, connection_id: str) -> bool: ...

    def info(self, connection_id: str) -> dict[str, Any] | None: ...


class ManagementApi(ServerThread):
    """A threaded HTTP server on loopback; `endpoint` is the client's endpoint_url."""

    def __init__(
        self, connections: Connections, host: str, stage: str, port: int = 0
    ) -> None:
        handler = type(
            "Handler", (_Handler,), {"connections": connections, "stage": stage}
        )
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        super().__init__(server, "ws-management-api")
        self.endpoint = f"http://{host}:{server.server_address[1]}/{stage}"


class _Handler(BaseHTTPRequestHandler):
    connections: Connections
    stage: str

    def do_POST(self) -> None:  # noqa: N802 (the name http.server looks up)
        connection_id = self._connection_id()
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if connection_id is None:
            self._forbidden()
        elif len(data) > MAX_POST_BYTES:
            self._error(413, "PayloadTooLargeException", "Message too long")
        elif self.connections.post(connection_id, data):
            self._reply(200)
        else:
            self._gone(connection_id)

    def do_DELETE(self) -> None:  # noqa: N802
        connection_id = self._connection_id()
        if connection_id is None:
            self._forbidden()
        elif self.connections.delete(connection_id):
            self._reply(204)
        else:
            self._gone(connection_id)

    def do_GET(self) -> None:  # noqa: N802
        connection_id = self._connection_id()
        if connection_id is None:
            self._forbidden()
            return
        info = self.connections.info(connection_id)
        if info is None:
            self._gone(connection_id)
        else:
            self._reply(200, info)

    def _connection_id(self) -> str | None:
        """The id in /{stage}/@connections/{id}; None for any other path."""
        parts = urlsplit(self.path).path.split("/")
        if len(parts) != 4 or parts[1:3] != [self.stage, "@connections"]:
            return None
        return unquote(parts[3]) or None

    def _gone(self, connection_id: str) -> None:
        self._error(410, "GoneException", f"Connection {connection_id} is gone")

    def _forbidden(self) -> None:
        # What API Gateway answers for a path it has no route for.
        self._error(403, "ForbiddenException", "Forbidden")

    def _error(self, status: int, error_type: str, message: str) -> None:
        self._reply(status, {"message": message}, {"x-amzn-ErrorType": error_type})

    def _reply(
        self,
        status: int,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug(format, *args)
