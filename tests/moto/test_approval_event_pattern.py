"""The EventBridge rule app.py registers for auto_release, matched by moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import boto3
import pytest
from chalice.app import CloudWatchEventConfig

from chalicelib.domain.records import Publication
from chalicelib.events_bus import publish
from chalicelib.services import outbox
from chalicelib.settings import get_settings
from chalicelib.storage.models import OutboxRecord

BUS = "edit-sessions-test"
Api = Callable[..., Any]


def auto_release_pattern() -> dict[str, Any]:
    import app as app_module

    [config] = [source for source in app_module.app.event_sources
                if isinstance(source, CloudWatchEventConfig)
                and source.name == "auto_release"]
    return config.event_pattern


@pytest.fixture
def queue_url(aws: None) -> str:
    """An SQS queue that the auto_release rule targets on the test bus."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="auto-release")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    events.create_event_bus(Name=BUS)
    events.put_rule(Name="auto-release", EventBusName=BUS,
                    EventPattern=json.dumps(auto_release_pattern()))
    events.put_targets(Rule="auto-release", EventBusName=BUS, Targets=[
        {"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}])
    return str(url)


def completed(state: str = "approved", workflow: str = "session-override",
              source: str = "edit-sessions.approvals", approval_id: str = "ap_1",
              ) -> Publication:
    return Publication(source, "approval.completed", {
        "approval_id": approval_id, "workflow": workflow, "state": state,
        "subject": {"type": "edit_session", "item_id": "PN-1", "session_id": "es_1"},
        "requested_by": "alice", "signers": ["carol"]})


def arrived(url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_only_approved_session_override_events_reach_auto_release(
    queue_url: str,
) -> None:
    settings = replace(get_settings(), event_bus_name=BUS)
    publish(settings, completed(state="rejected", approval_id="ap_rejected"))
    publish(settings, completed(workflow="other", approval_id="ap_other"))
    publish(settings, completed(source="someone.else", approval_id="ap_source"))
    publish(settings, completed(approval_id="ap_match"))
    assert [event["detail"]["approval_id"] for event in arrived(queue_url)] == [
        "ap_match"]


def test_an_approval_published_by_the_outbox_consumer_reaches_auto_release(
    queue_url: str, api: Api, client: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app as app_module

    monkeypatch.setattr(app_module, "settings", replace(
        app_module.settings, force_release_requires_approval=True))
    workstation = api("POST", "/workstations", user="bob", body={"name": "cad"})
    api("POST", "/items/PN-1/edit-session", user="bob",
        body={"workstation_id": workstation.json_body["id"]})
    approval_id = api("DELETE", "/items/PN-1/edit-session/force-release",
                      roles=["admin"], body={"reason": "x"}).json_body["approval_id"]
    api("POST", f"/approvals/{approval_id}/sign", user="carol", roles=["admin"],
        body={"decision": "approve"})

    settings = replace(get_settings(), event_bus_name=BUS)
    for record in OutboxRecord.scan():
        if record.kind == "publish":
            outbox.handle(settings, {"outbox_id": record.outbox_id, "kind": record.kind,
                                     "payload": record.payload,
                                     "created_at": record.created_at})
    [event] = arrived(queue_url)
    assert event["detail"]["approval_id"] == approval_id
    assert event["detail"]["state"] == "approved"
