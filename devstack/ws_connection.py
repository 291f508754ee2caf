"""One WebSocket connection as the gateway and its management API see it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import ServerConnection

from devstack.ws_events import ConnectionInfo


class State(enum.Enum):
    CONNECTING = "connecting"  # $connect is running; AWS answers posts with 410
    ACCEPTED = "accepted"  # $connect said yes; the socket is not open yet
    OPEN = "open"
    CLOSING = "closing"


@dataclass
class Connection:
    info: ConnectionInfo
    socket: ServerConnection
    state: State = State.CONNECTING
    # Posted before the socket opened, sent in order once it does; None = close.
    pending: list[bytes | None] = field(default_factory=list)
    last_active_ms: int = 0

    @property
    def reachable(self) -> bool:
        return self.state in (State.ACCEPTED, State.OPEN)

    def hold(self, item: bytes | None) -> bool:
        """Keep an item for when the socket opens; False if it is open already."""
        if self.state is not State.ACCEPTED:
            return False
        self.pending.append(item)
        return True

    def describe(self) -> dict[str, Any]:
        """GetConnection's answer, in the wire names botocore maps to ConnectedAt..."""
        return {
            "connectedAt": _iso(self.info.connected_at_ms),
            "lastActiveAt": _iso(self.last_active_ms),
            "identity": {
                "sourceIp": self.info.source_ip,
                "userAgent": self.info.user_agent,
            },
        }


def _iso(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
