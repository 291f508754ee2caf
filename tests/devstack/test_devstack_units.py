"""The local stack's pure parts: event shapes, settings, retry pacing."""

from __future__ import annotations

import json
import logging
import types
from datetime import UTC, datetime
from pathlib import Path

from devstack.env import apply_stage_settings, chalice_config, use_emulation
from devstack.lambdas import resolve_handler, to_event_json
from devstack.workers import Backoff
from devstack.ws_events import ConnectionInfo, connect_event, new_connection_id

INFO = ConnectionInfo("abc=", 1_700_000_000_000, "127.0.0.1:8001", "127.0.0.1", "ua")


def test_stream_records_get_lambdas_json_types():
    parsed = {"when": datetime(2026, 1, 2, tzinfo=UTC), "B": b"\x00\x01", "L": [b"\xff"]}

    assert to_event_json(parsed) == {"when": 1767312000, "B": "AAE=", "L": ["/w=="]}


def test_connect_event_without_a_query_has_no_query_maps():
    event = connect_event(INFO, "/", [("Host", "127.0.0.1:8001")])

    assert "queryStringParameters" not in event
    assert "multiValueQueryStringParameters" not in event
    assert event["headers"] == {"Host": "127.0.0.1:8001"}
    assert event["multiValueHeaders"] == {"Host": ["127.0.0.1:8001"]}


def test_connection_ids_look_like_api_gateways():
    ids = {new_connection_id() for _ in range(1000)}

    assert len(ids) == 1000
    assert all(len(i) == 16 and i.endswith("=") for i in ids)


def test_handlers_named_app_dot_something_come_from_the_loaded_module():
    module = types.ModuleType("tests_only_app")
    module.fanout = lambda event, context: "ran"  # type: ignore[attr-defined]

    assert resolve_handler("app.fanout", module)({}, None) == "ran"
    assert resolve_handler("json.dumps", module) is json.dumps


def test_backoff_doubles_to_its_cap_and_logs_ever_more_rarely(caplog):
    backoff = Backoff(first=0.1, cap=1.0)
    delays = []
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            try:
                raise RuntimeError("down")
            except RuntimeError:
                backoff.log_failure(logging.getLogger("t"), "handler failed")
            delays.append(backoff.delay)

    assert delays[:5] == [0.1, 0.2, 0.4, 0.8, 1.0]
    assert len(caplog.records) == 4  # attempts 1, 2, 4 and 8
    assert caplog.records[0].exc_info is not None


def test_emulation_settings_shut_out_real_accounts():
    environ = {
        "AWS_PROFILE": "prod",
        "AWS_SESSION_TOKEN": "real",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.eu-west-1.amazonaws.com",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    use_emulation(environ, "http://127.0.0.1:5000")

    assert "AWS_PROFILE" not in environ and "AWS_SESSION_TOKEN" not in environ
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in environ
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert environ["AWS_REGION"] == "eu-west-1"
    assert environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] == "disabled"


def test_stage_settings_apply_under_the_environment_and_skip_per_function_ones(
    tmp_path: Path,
):
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps({
        "environment_variables": {"A": "top", "B": "top"},
        "stages": {"dev": {
            "environment_variables": {"B": "dev"},
            "lambda_functions": {"api_handler": {"environment_variables": {"C": "fn"}}},
        }},
    }))
    environ = {"A": "from the shell"}

    apply_stage_settings(environ, chalice_config(tmp_path, "dev"))

    assert environ == {"A": "from the shell", "B": "dev"}


def test_a_project_without_chalice_config_has_no_stage_settings(tmp_path: Path):
    environ: dict[str, str] = {}

    apply_stage_settings(environ, chalice_config(tmp_path, "dev"))

    assert environ == {}
