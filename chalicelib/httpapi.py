"""The HTTP edge: the one place that turns the service's errors into responses,
and the helpers routes use to read who is calling and what they sent."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, cast

from chalice.app import Chalice, Request, Response

from chalicelib.auth import bearer_token, require_role
from chalicelib.bootstrap import verifier
from chalicelib.domain.principal import Principal
from chalicelib.domain.session_tags import tag_of
from chalicelib.domain.sessions import EditSession
from chalicelib.errors import RateLimited, ServiceError
from chalicelib.logs import bind_request, log_outcome

log = logging.getLogger(__name__)

# Chalice's Response takes exactly this dict type (a dict is invariant).
Headers = dict[str, str | list[str]]

JSON: Headers = {"Content-Type": "application/json"}
# Bodies are parsed as JSON whatever their declared type (curl -d sends a form type);
# anything that is not a JSON object is a 400 naming the body.
BODY_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


def error_response(error: ServiceError) -> Response:
    body: dict[str, Any] = {"error": {"code": error.code, "message": error.message}}
    body.update(error.extra)
    headers: Headers = dict(JSON)
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return Response(body=json.dumps(body), status_code=error.status, headers=headers)


def _unexpected() -> Response:
    body = {"error": {"code": "internal_error", "message": "something went wrong"}}
    return Response(body=json.dumps(body), status_code=500, headers=JSON)


def _handled(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def handled(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ServiceError as error:
            return error_response(error)
        except Exception:
            log.exception("unhandled error")
            return _unexpected()

    return handled


def router(app: Chalice) -> Callable[..., Callable[[Callable[..., Any]], Any]]:
    """`app.route`, with every ServiceError a route raises turned into the contract's
    error body, and anything unexpected logged with its traceback as a generic 500.
    (Chalice catches view exceptions itself, before any middleware could.)"""

    def route(path: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            options.setdefault("content_types", BODY_TYPES)
            app.route(path, **options)(_handled(view))
            return view

        return register

    return route


def request_logging(
    event: Request, get_response: Callable[[Request], Response]
) -> Response:
    """Chalice HTTP middleware: binds the request's log keys and logs its outcome."""
    bind_request(event)
    response = _in_contract_form(get_response(event))
    log_outcome(event, response.status_code)
    return response


def _in_contract_form(response: Response) -> Response:
    """Chalice answers some requests itself (415, its own 4xx/5xx) with its own body;
    rewrite those into the contract's error body."""
    if response.status_code < 400:
        return response
    body = response.body
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body or "{}")
        except ValueError:
            body = {}
    if isinstance(body, dict) and "error" in body:
        return response
    message = body.get("Message") if isinstance(body, dict) else None
    code = "validation_error" if response.status_code < 500 else "internal_error"
    code = {405: "method_not_allowed", 415: "unsupported_media_type"}.get(
        response.status_code, code)
    error = {"error": {"code": code, "message": message or "request refused"}}
    return Response(body=json.dumps(error), status_code=response.status_code,
                    headers=JSON)


def caller(request: Request, role: str) -> Principal:
    principal = verifier().verify(bearer_token(request.headers.get("authorization")))
    bind_request(request, principal)
    require_role(principal, role)
    return principal


def body_of(request: Request) -> bytes | None:
    # Chalice declares str | bytes, but always encodes the body to bytes.
    return cast(bytes, request.raw_body) or None


def json_response(body: Any, status: int = 200,
                  headers: Headers | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status,
                    headers={**JSON, **(headers or {})})


def etag(session: EditSession) -> Headers:
    """The session's entity tag, for `If-Match` on force-release."""
    return {"ETag": f'"{tag_of(session)}"'}


def no_content() -> Response:
    return Response(body="", status_code=204)


def ws_outcome(action: Callable[[], None]) -> dict[str, Any]:
    """WebSocket handlers answer with a status: a refused $connect closes the
    handshake with it (401 bad token, 403 another user's workstation)."""
    try:
        action()
    except ServiceError as error:
        log.info("websocket request refused", extra={"code": error.code})
        return {"statusCode": error.status, "body": error.message}
    except Exception:
        log.exception("unhandled websocket error")
        return {"statusCode": 500}
    return {"statusCode": 200}
