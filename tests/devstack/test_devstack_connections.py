"""The WebSocket gateway and its management API, in-process, with real clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from devstack.lambdas import LambdaFunction
from devstack.mgmt_api import ManagementApi
from devstack.testing import wait_for
from devstack.ws_gateway import WebSocketGateway, WebSocketRoutes

RECV_TIMEOUT = 5.0


class FakeApp:
    """Route handlers that record their events; `$connect` obeys `?status=`."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.events.append(event)
        query = event.get("queryStringParameters") or {}
        if query.get("raise"):
            raise RuntimeError("a failing handler")
        return {"statusCode": int(query.get("status", 200))}

    def connection_ids(self, route_key: str) -> list[str]:
        with self.lock:
            return [
                e["requestContext"]["connectionId"]
                for e in self.events
                if e["requestContext"]["routeKey"] == route_key
            ]

    def routes(self) -> WebSocketRoutes:
        def function(name: str) -> LambdaFunction:
            return LambdaFunction(name=name, handler=self.handle, region="us-east-1")

        return WebSocketRoutes(function("connect"), function("message"), function("bye"))


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


@pytest.fixture
def gateway(app: FakeApp) -> Iterator[WebSocketGateway]:
    gateway = WebSocketGateway(app.routes(), "127.0.0.1", 0)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def api(gateway: WebSocketGateway) -> Iterator[ManagementApi]:
    api = ManagementApi(gateway, "127.0.0.1", "local")
    api.start()
    yield api
    api.stop()


@pytest.fixture
def client(api: ManagementApi) -> Any:
    return management_client(api.endpoint)


def management_client(endpoint: str) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def url(gateway: WebSocketGateway, query: str = "") -> str:
    return f"ws://127.0.0.1:{gateway.port}/{query}"


def only_connection(app: FakeApp) -> str:
    ids = wait_for(lambda: app.connection_ids("$connect"), "$connect")
    assert len(ids) == 1
    return ids[0]


def test_post_to_connection_sends_one_text_frame(app, gateway, client):
    with connect(url(gateway)) as socket:
        client.post_to_connection(ConnectionId=only_connection(app), Data=b'{"a": 1}')

        assert socket.recv(timeout=RECV_TIMEOUT) == '{"a": 1}'


def test_an_unknown_connection_is_gone(gateway, client):
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="bm9wZSwgbm90IGhlcmU=", Data=b"x")
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId="bm9wZSwgbm90IGhlcmU=")


def test_get_connection_describes_the_socket(app, gateway, client):
    with connect(url(gateway)):
        info = client.get_connection(ConnectionId=only_connection(app))

    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    assert "websockets" in info["Identity"]["UserAgent"]
    assert info["ConnectedAt"] <= info["LastActiveAt"]


def test_delete_connection_closes_the_socket_and_runs_disconnect(app, gateway, client):
    with connect(url(gateway)) as socket:
        connection_id = only_connection(app)
        client.delete_connection(ConnectionId=connection_id)

        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=RECV_TIMEOUT)
    wait_for(lambda: connection_id in app.connection_ids("$disconnect"), "$disconnect")
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"late")


def test_a_refused_connect_refuses_the_handshake_and_registers_nothing(
    app, gateway, client
):
    with pytest.raises(InvalidStatus) as refused:
        with connect(url(gateway, "?status=401")):
            pass

    assert refused.value.response.status_code == 401
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId=only_connection(app))


def test_a_failing_connect_handler_answers_500_and_the_gateway_lives_on(app, gateway):
    with pytest.raises(InvalidStatus) as refused:
        with connect(url(gateway, "?raise=1")):
            pass

    assert refused.value.response.status_code == 500
    with connect(url(gateway)) as socket:
        socket.send("still serving")
    wait_for(lambda: app.connection_ids("$default"), "$default")


def test_message_event_carries_the_frame(app, gateway):
    with connect(url(gateway)) as socket:
        socket.send("hi there")
        wait_for(lambda: app.connection_ids("$default"), "$default")

    message = next(e for e in app.events if e["requestContext"]["eventType"] == "MESSAGE")
    assert message["body"] == "hi there"
    assert message["isBase64Encoded"] is False
    assert message["requestContext"]["messageId"]


class SlowToOpenGateway(WebSocketGateway):
    """Holds each socket between its handshake and its opening until `go` is set.

    That gap is a few microseconds in real use; this makes it wide enough to hit.
    """

    go = threading.Event()

    async def _on_open(self, socket: Any) -> None:
        await asyncio.to_thread(self.go.wait, RECV_TIMEOUT)
        await super()._on_open(socket)


def test_posts_made_before_the_socket_opens_are_held_in_order(app, client):
    gateway = SlowToOpenGateway(app.routes(), "127.0.0.1", 0)
    api = ManagementApi(gateway, "127.0.0.1", "local")
    gateway.start()
    api.start()
    try:
        client = management_client(api.endpoint)
        with connect(url(gateway)) as socket:
            connection_id = only_connection(app)
            for number in range(3):
                client.post_to_connection(ConnectionId=connection_id, Data=str(number))
            SlowToOpenGateway.go.set()
            client.post_to_connection(ConnectionId=connection_id, Data=b"3")

            frames = [socket.recv(timeout=RECV_TIMEOUT) for _ in range(4)]
    finally:
        api.stop()
        gateway.stop()

    assert frames == ["0", "1", "2", "3"]


def test_a_wrong_stage_is_forbidden(gateway, api):
    other_stage = management_client(api.endpoint.replace("/local", "/prod"))

    with pytest.raises(other_stage.exceptions.ForbiddenException):
        other_stage.post_to_connection(ConnectionId="abc=", Data=b"x")


def test_a_payload_over_128_kb_is_refused(app, gateway, client):
    with connect(url(gateway)):
        connection_id = only_connection(app)
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            client.post_to_connection(ConnectionId=connection_id, Data=b"x" * 131073)
