"""Edit-session rules: leases, fences, and who may do what to a session."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.clock import iso
from chalicelib.errors import Forbidden, NoSession, SessionLost


@dataclass(frozen=True)
class Holder:
    user: str
    workstation_id: str
    workstation_name: str

    def to_dict(self) -> dict[str, str]:
        return {
            "user": self.user,
            "workstation_id": self.workstation_id,
            "workstation_name": self.workstation_name,
        }


@dataclass(frozen=True)
class EditSession:
    item_id: str
    session_id: str
    fence: int
    holder: Holder
    acquired_at: float
    expires_at: float

    def is_live(self, now: float) -> bool:
        return now < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "session_id": self.session_id,
            "fence": self.fence,
            "holder": self.holder.to_dict(),
            "acquired_at": iso(self.acquired_at),
            "expires_at": iso(self.expires_at),
        }


def start_session(
    item_id: str, session_id: str, holder: Holder, previous_fence: int, now: float,
    lease_seconds: int,
) -> EditSession:
    """A new session always gets a fence above every earlier session of the item."""
    return EditSession(
        item_id=item_id,
        session_id=session_id,
        fence=previous_fence + 1,
        holder=holder,
        acquired_at=now,
        expires_at=now + lease_seconds,
    )


def extend_lease(session: EditSession, now: float, lease_seconds: int) -> EditSession:
    return replace(session, expires_at=now + lease_seconds)


def live_or_none(session: EditSession | None, now: float) -> EditSession | None:
    """A session past its `expires_at` is over, whether or not it was swept yet."""
    if session is None or not session.is_live(now):
        return None
    return session


def check_heartbeat(current: EditSession | None, session_id: str, now: float) -> None:
    live = live_or_none(current, now)
    if live is None or live.session_id != session_id:
        raise SessionLost("that session is no longer current")


def check_release(
    current: EditSession | None, user: str, session_id: str | None, now: float
) -> EditSession:
    live = live_or_none(current, now)
    if live is None:
        raise NoSession("nobody holds this item")
    if live.holder.user != user:
        raise Forbidden("only the holder may release this session")
    if session_id is not None and live.session_id != session_id:
        raise SessionLost("that session is no longer current")
    return live


def check_holder(current: EditSession | None, user: str, now: float) -> EditSession:
    """The live session, if `user` holds it; used by holder-only handoff routes."""
    live = live_or_none(current, now)
    if live is None:
        raise NoSession("nobody holds this item")
    if live.holder.user != user:
        raise Forbidden("only the holder may do this")
    return live
