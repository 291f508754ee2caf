"""The service's own errors. Each carries its HTTP status and contract error code.

Storage and delivery translate AWS errors into these at their edges; `httpapi`
turns them into responses in one place.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class ValidationFailed(ServiceError):
    status = 400
    code = "validation_error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class SelfApproval(Forbidden):
    code = "self_approval"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class NoSession(NotFound):
    code = "no_session"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class SessionHeld(Conflict):
    code = "session_held"


class SessionLost(Conflict):
    code = "session_lost"


class AlreadyHolder(Conflict):
    code = "already_holder"


class RequestClosed(Conflict):
    code = "request_closed"


class AlreadySigned(Conflict):
    code = "already_signed"


class ApprovalClosed(Conflict):
    code = "approval_closed"


class ConcurrentUpdate(Conflict):
    """A conditional write lost a race that a retry did not settle."""

    code = "concurrent_update"


class PreconditionFailed(ServiceError):
    """An If-Match named a session that is not the item's current one."""

    status = 412
    code = "precondition_failed"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(ServiceError):
    """DynamoDB throttled or failed after the SDK's own retries."""

    status = 503
    code = "storage_unavailable"
