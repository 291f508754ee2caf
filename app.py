"""Edit Sessions: routes and event handlers only. The service is in chalicelib/."""

# ruff: noqa: E402 (the collector is switched off before the imports)

from __future__ import annotations

import gc

# Start-up only builds objects that live as long as the process: no collections
# while it runs; what it built is frozen below, out of every later collection.
gc.disable()

import os

from chalice import Chalice, Rate
from chalice.app import DynamoDBEvent, Response, WebsocketEvent

from chalicelib import bootstrap, logs
from chalicelib import httpapi as http
from chalicelib import validation as v
from chalicelib.errors import ValidationFailed
from chalicelib.services import (
    approvals,
    audit,
    connections,
    handoffs,
    outbox,
    sessions,
    workstations,
)

settings = bootstrap.start()
gc.freeze()
gc.enable()

app = Chalice(app_name="edit-sessions")
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.register_middleware(http.request_logging, "http")
for event_type in ("websocket", "dynamodb", "scheduled", "cloudwatch"):
    app.register_middleware(logs.event_logging, event_type)
route = http.router(app)

# The stream ARN is only known once the table exists: the deploy template replaces
# this value (infra/), and the local stack sets it before importing the app.
OUTBOX_STREAM_ARN = os.environ.get(
    "OUTBOX_STREAM_ARN",
    "arn:aws:dynamodb:us-east-1:000000000000:table/edit-sessions-outbox/stream/local",
)

ITEM = "/items/{item_id}/edit-session"
NAME = v.Text(1, 64)
REASON = v.Text(1, 500)
MESSAGE = v.Text(0, 500)


@route("/health", methods=["GET"])
def health() -> dict:
    return {"status": "ok"}


# Workstations and watches ------------------------------------------------------------

@route("/workstations", methods=["POST"])
def register_workstation() -> Response:
    principal = http.caller(app.current_request, "viewer")
    body = v.fields(v.parse_json_object(app.current_request.raw_body), {"name": NAME})
    created = workstations.register(principal, body["name"])
    return http.json_response(created.to_dict(), 201)


@route("/workstations", methods=["GET"])
def list_workstations() -> dict:
    principal = http.caller(app.current_request, "viewer")
    return {"workstations": [w.to_dict() for w in workstations.mine(principal)]}


@route("/workstations/{ws}", methods=["DELETE"])
def delete_workstation(ws: str) -> Response:
    principal = http.caller(app.current_request, "viewer")
    v.no_body(app.current_request.raw_body)
    workstations.remove(principal, v.opaque_id("workstation_id", ws))
    return http.no_content()


@route("/workstations/{ws}/watches/{item_id}", methods=["PUT", "DELETE"])
def change_watch(ws: str, item_id: str) -> Response:
    principal = http.caller(app.current_request, "viewer")
    v.no_body(app.current_request.raw_body)
    ws, item_id = v.opaque_id("workstation_id", ws), v.item_id(item_id)
    if app.current_request.method == "PUT":
        workstations.watch(principal, ws, item_id)
    else:
        workstations.unwatch(principal, ws, item_id)
    return http.no_content()


@route("/workstations/{ws}/watches", methods=["GET"])
def list_watches(ws: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    return {"items": workstations.watched(principal, v.opaque_id("workstation_id", ws))}


# Edit sessions -----------------------------------------------------------------------

@route(ITEM, methods=["POST"])
def acquire(item_id: str) -> Response:
    principal = http.caller(app.current_request, "editor")
    body = v.fields(v.parse_json_object(app.current_request.raw_body),
                    {"workstation_id": v.WORKSTATION_ID})
    result = sessions.acquire(settings, principal, v.item_id(item_id),
                              body["workstation_id"])
    return http.json_response(result.session.to_dict(), 201 if result.created else 200)


@route(ITEM, methods=["GET"])
def get_session(item_id: str) -> Response:
    http.caller(app.current_request, "viewer")
    session = sessions.current(v.item_id(item_id))
    return http.json_response(session.to_dict(), headers=http.etag(session))


@route(ITEM + "/heartbeat", methods=["POST"])
def heartbeat(item_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    body = v.fields(v.parse_json_object(app.current_request.raw_body),
                    {"session_id": v.SESSION_ID})
    return sessions.heartbeat(settings, principal, v.item_id(item_id),
                              body["session_id"]).to_dict()


@route(ITEM, methods=["DELETE"])
def release(item_id: str) -> Response:
    principal = http.caller(app.current_request, "viewer")
    request = app.current_request
    body = v.fields(v.parse_json_object(request.raw_body, allow_empty=True), {},
                    {"session_id": v.SESSION_ID})
    query = v.only_query(request.query_params, {"session_id"})
    session_id = v.one_of(body, query, "session_id", v.SESSION_ID)
    sessions.release(principal, v.item_id(item_id), session_id)
    return http.no_content()


# Handoffs ----------------------------------------------------------------------------

@route(ITEM + "/request-handoff", methods=["POST"])
def request_handoff(item_id: str) -> Response:
    principal = http.caller(app.current_request, "editor")
    body = v.fields(v.parse_json_object(app.current_request.raw_body),
                    {"workstation_id": v.WORKSTATION_ID}, {"message": MESSAGE})
    result = handoffs.request(settings, principal, v.item_id(item_id),
                              body["workstation_id"], body.get("message", ""))
    return http.json_response(result.request.to_dict(), 202 if result.created else 200)


@route(ITEM + "/handoff-requests", methods=["GET"])
def list_handoff_requests(item_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    pending = handoffs.pending(principal, v.item_id(item_id))
    return {"requests": [r.to_dict() for r in pending]}


@route(ITEM + "/handoff-requests/{request_id}/accept", methods=["POST"])
def accept_handoff(item_id: str, request_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    v.no_body(app.current_request.raw_body)
    session = handoffs.accept(settings, principal, v.item_id(item_id),
                              v.opaque_id("request_id", request_id))
    return {"session": session.to_dict()}


@route(ITEM + "/handoff-requests/{request_id}/decline", methods=["POST"])
def decline_handoff(item_id: str, request_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    body = v.fields(v.parse_json_object(app.current_request.raw_body, allow_empty=True),
                    {}, {"message": MESSAGE})
    declined = handoffs.decline(principal, v.item_id(item_id),
                                v.opaque_id("request_id", request_id),
                                body.get("message", ""))
    return declined.to_dict()


# Force-release and approvals ---------------------------------------------------------

@route(ITEM + "/force-release", methods=["DELETE"])
def force_release(item_id: str) -> Response:
    principal = http.caller(app.current_request, "admin")
    request = app.current_request
    body = v.fields(v.parse_json_object(request.raw_body, allow_empty=True), {},
                    {"reason": REASON})
    query = v.only_query(request.query_params, {"reason"})
    reason = v.one_of(body, query, "reason", REASON)
    if reason is None:
        raise ValidationFailed("reason", "is required (in the body or as ?reason=)")
    tag = v.entity_tag(request.headers.get("if-match"))
    outcome = approvals.force_release(settings, principal, v.item_id(item_id), reason,
                                      tag)
    return http.json_response(outcome.body(), outcome.status)


@route("/approvals", methods=["GET"])
def list_approvals() -> dict:
    principal = http.caller(app.current_request, "viewer")
    query = v.only_query(app.current_request.query_params, {"status"})
    status = query.get("status")
    if status is not None:
        v.Choice(approvals.STATUSES).check("status", status)
    return {"approvals": approvals.visible(principal, status)}


@route("/approvals/{approval_id}", methods=["GET"])
def get_approval(approval_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    return approvals.get(principal, v.opaque_id("approval_id", approval_id))


@route("/approvals/{approval_id}/sign", methods=["POST"])
def sign_approval(approval_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    body = v.fields(v.parse_json_object(app.current_request.raw_body),
                    {"decision": v.Choice(("approve", "reject"))},
                    {"comment": MESSAGE})
    return approvals.sign(settings, principal, v.opaque_id("approval_id", approval_id),
                          body["decision"], body.get("comment", ""))


@route("/approvals/{approval_id}/cancel", methods=["POST"])
def cancel_approval(approval_id: str) -> dict:
    principal = http.caller(app.current_request, "viewer")
    v.no_body(app.current_request.raw_body)
    return approvals.cancel(principal, v.opaque_id("approval_id", approval_id))


@route("/workflows", methods=["GET"])
def list_workflows() -> dict:
    http.caller(app.current_request, "viewer")
    return {"workflows": [w.to_dict() for w in bootstrap.workflows().values()]}


@route("/workflows/{name}", methods=["GET"])
def get_workflow(name: str) -> dict:
    http.caller(app.current_request, "viewer")
    return approvals.workflow_definition(name)


# Audit -------------------------------------------------------------------------------

@route("/audit", methods=["GET"])
def audit_log() -> dict:
    http.caller(app.current_request, "admin")
    query = v.only_query(app.current_request.query_params,
                         {"target_type", "target_id", "limit", "cursor"})
    return audit.page(query)


# WebSocket ---------------------------------------------------------------------------

@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> dict:
    return http.ws_outcome(lambda: connections.connect(
        event.connection_id, event.to_dict().get("queryStringParameters")))


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> dict:
    return http.ws_outcome(lambda: connections.message(event.connection_id, event.body))


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> dict:
    return http.ws_outcome(lambda: connections.disconnect(event.connection_id))


# Background functions ----------------------------------------------------------------

@app.on_dynamodb_record(stream_arn=OUTBOX_STREAM_ARN, batch_size=25,
                        starting_position="TRIM_HORIZON")
def outbox_consumer(event: DynamoDBEvent) -> None:
    outbox.handle_batch(settings, event)


@app.schedule(Rate(max(1, settings.sweep_interval_seconds // 60), unit=Rate.MINUTES))
def sweep(event: object) -> None:
    sessions.sweep_expired()
    approvals.sweep_expired()


@app.on_cw_event({
    "source": [approvals.EVENT_SOURCE],
    "detail-type": ["approval.completed"],
    "detail": {"workflow": [settings.force_release_workflow], "state": ["approved"]},
})
def auto_release(event: object) -> None:
    approvals.auto_release(settings, event.to_dict())  # type: ignore[attr-defined]
