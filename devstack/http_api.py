"""The HTTP API: Chalice's own local API Gateway, served from a thread."""

from __future__ import annotations

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    ForbiddenError,
    LocalChalice,
    LocalDevServer,
    LocalGatewayException,
    ThreadedHTTPServer,
)

from devstack.serving import ServerThread

NOT_FOUND = b'{"error": {"code": "not_found", "message": "no such route"}}'


class BusyHTTPServer(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets the sixth simultaneous connection;
    # API Gateway queues far more than that.
    request_queue_size = 128
    daemon_threads = True


class ContractRequestHandler(ChaliceRequestHandler):
    """An unknown route answers 404 with the contract's error body, as the deployed
    API does through its MISSING_AUTHENTICATION_TOKEN gateway response (API
    Gateway's own answer, which Chalice's local server copies, is 403)."""

    def _send_error_response(self, error: LocalGatewayException) -> None:
        if isinstance(error, ForbiddenError):
            headers = {"Content-Type": "application/json"}
            self._send_http_response(404, headers, NOT_FOUND)
            return
        super()._send_error_response(error)


class HttpApi(ServerThread):
    def __init__(self, app: Chalice, config: Config, host: str, port: int) -> None:
        # The HTTP server itself, not LocalDevServer.serve_forever: that prints.
        server = _local_server(app, config, host, port).server
        super().__init__(server, "http-api")
        self.port: int = server.server_address[1]


def _local_server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    # Chalice's create_local_server swaps the app's class the same way, once per app;
    # it takes no handler class, hence the two lines here.
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=ContractRequestHandler,
                          server_cls=BusyHTTPServer)
