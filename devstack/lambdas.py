"""Finding the app's Lambda entry points and calling them as the Lambda runtime does."""

from __future__ import annotations

import base64
import importlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

LambdaHandler = Callable[[dict[str, Any], Any], Any]

log = logging.getLogger("devstack.lambda")

# moto's default account: every ARN the emulation hands out names it.
ACCOUNT_ID = "123456789012"


@dataclass
class LambdaContext:
    """The attributes of the runtime's context object that handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    _started: float = field(default_factory=time.monotonic, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


@dataclass(frozen=True)
class LambdaFunction:
    """One deployed function: a name, its entry point and its limits."""

    name: str
    handler: LambdaHandler
    region: str
    memory_mb: int = 128
    timeout_seconds: int = 60

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.name}"

    def new_context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.name,
            invoked_function_arn=self.arn,
            memory_limit_in_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        """Call the handler; its exceptions propagate, as the caller decides retries."""
        return self.handler(event, self.new_context())


@dataclass(frozen=True)
class FunctionFactory:
    """Builds LambdaFunctions for the handlers of one loaded app module."""

    app_module: ModuleType
    app_name: str
    stage: str
    region: str
    memory_mb: int = 128
    timeout_seconds: int = 60

    def for_handler(self, name: str, handler_string: str) -> LambdaFunction:
        return LambdaFunction(
            name=f"{self.app_name}-{self.stage}-{name}",
            handler=resolve_handler(handler_string, self.app_module),
            region=self.region,
            memory_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
        )


def resolve_handler(handler_string: str, app_module: ModuleType) -> LambdaHandler:
    """The callable a Lambda with this handler setting would run."""
    module_name, _, attribute = handler_string.rpartition(".")
    # Chalice names handlers in app.py "app.<function>" whatever the module is
    # called here; blueprints name their own importable module.
    if module_name == "app":
        module = app_module
    else:
        module = importlib.import_module(module_name)
    handler: LambdaHandler = getattr(module, attribute)
    return handler


def invoke_logged(function: LambdaFunction, event: dict[str, Any]) -> tuple[bool, Any]:
    """Invoke and report failure as a value, for callers that must keep running."""
    try:
        return True, function.invoke(event)
    except Exception:
        log.exception("%s failed", function.name)
        return False, None


def to_event_json(value: Any) -> Any:
    """Undo botocore's parsing so records look like those Lambda passes on."""
    if isinstance(value, dict):
        return {key: to_event_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_event_json(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
