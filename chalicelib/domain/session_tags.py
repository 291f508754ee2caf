"""Entity tags of edit sessions: the session a client saw, handed back in `If-Match`
so that a force-release ends exactly that session and no later one.

A tag carries every field of the session as it was shown. The service need not
trust it: a write that uses a tag is conditioned on the session's id, fence, holder
and start, so a tag of another session, or one altered to name another holder,
matches nothing and changes nothing. Carrying the fields is what lets that write
go out without reading the session first. The lease (`expires_at`) is in the tag,
so that GET's tag changes with what it shows, but a heartbeat since does not make
the tag stale: the session is still the one the client saw.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re

from chalicelib.domain.sessions import EditSession, Holder

# Far above any real tag (ids are at most 64 characters, names 64, users 256).
MAX_TAG_CHARS = 2048
MAX_USER_CHARS = 256
SESSION_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def tag_of(session: EditSession) -> str:
    """The tag's opaque value (without the quotes HTTP puts around it)."""
    fields = [session.session_id, session.fence, session.holder.user,
              session.holder.workstation_id, session.holder.workstation_name,
              session.acquired_at, session.expires_at]
    raw = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def session_of(item_id: str, tag: str) -> EditSession | None:
    """The session a tag describes, or None when it is not one this service made."""
    if len(tag) > MAX_TAG_CHARS:
        return None
    try:
        raw = base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4))
        fields = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(fields, list) or len(fields) != 7:
        return None
    session_id, fence, user, ws, ws_name, acquired_at, expires_at = fields
    if not (_is_text(session_id, 64) and SESSION_ID.fullmatch(session_id)
            and _is_count(fence) and _is_text(user, MAX_USER_CHARS)
            and _is_text(ws, 64) and _is_text(ws_name, 64)
            and _is_time(acquired_at) and _is_time(expires_at)):
        return None
    return EditSession(item_id, session_id, fence, Holder(user, ws, ws_name),
                       acquired_at, expires_at)


def _is_text(value: object, max_len: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_len


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_time(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)
