"""Structured JSON logs (Powertools' formatter) with the request id, user and item.

Keys are bound per thread, so concurrent requests served by one process (the local
stack) do not mix their keys. A token is never logged: only its verified subject.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from chalicelib.domain.principal import Principal

SERVICE = "edit-sessions"
_formatter = LambdaPowertoolsFormatter(service=SERVICE)
log = logging.getLogger("chalicelib.requests")


def setup(level: str) -> None:
    """Send every `chalicelib.*` logger through one JSON handler."""
    root = logging.getLogger("chalicelib")
    if any(getattr(h, "_edit_sessions", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(_formatter)
    handler._edit_sessions = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


def bind(**keys: Any) -> None:
    _formatter.thread_safe_append_keys(**{k: v for k, v in keys.items() if v})


def bind_request(request: Any, principal: Principal | None = None) -> None:
    if principal is None:
        _formatter.thread_safe_clear_keys()
        context = getattr(request, "context", None) or {}
        params = getattr(request, "uri_params", None) or {}
        bind(request_id=context.get("requestId"), item_id=params.get("item_id"),
             path=context.get("resourcePath"))
    else:
        bind(user=principal.user)


def event_logging(event: Any, get_response: Any) -> Any:
    """Chalice middleware for the non-HTTP functions: one function invocation's log
    lines carry its Lambda request id and function name, and nothing of the last."""
    _formatter.thread_safe_clear_keys()
    context = getattr(event, "context", None)
    bind(request_id=getattr(context, "aws_request_id", None),
         function=getattr(context, "function_name", None))
    return get_response(event)


def log_outcome(request: Any, status: int) -> None:
    level = logging.WARNING if status >= 500 else logging.INFO
    log.log(level, "request done", extra={"method": getattr(request, "method", None),
                                          "status": status})
