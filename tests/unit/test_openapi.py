"""docs/openapi.yaml against the code, with no AWS: the document and the routes in
app.py (and the errors they raise) cannot drift apart."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openapi_spec_validator
import pytest
import yaml

from chalicelib import errors

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = spec
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and key in node, f"{ref} does not resolve"
        node = node[key]
    return node


def test_document_is_structurally_an_openapi_3_1_document(spec: dict[str, Any]) -> None:
    assert str(spec["openapi"]).startswith("3.1.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert isinstance(spec["paths"], dict) and spec["paths"]
    assert {"schemas", "securitySchemes", "responses"} <= set(spec["components"])
    for method, path, operation in _operations(spec):
        assert operation.get("responses"), f"{method} {path} has no responses"


def test_document_passes_the_openapi_spec_validator(spec: dict[str, Any]) -> None:
    openapi_spec_validator.validate(spec)


def test_document_lists_exactly_the_routes_of_the_app(spec: dict[str, Any]) -> None:
    import app

    in_code = {(method, path)
               for path, methods in app.app.routes.items() for method in methods}
    in_document = {(method, path) for method, path, _ in _operations(spec)}
    assert in_document == in_code, (
        f"only in the document: {sorted(in_document - in_code)}; "
        f"only in app.py: {sorted(in_code - in_document)}")


def test_every_ref_resolves_within_the_document(spec: dict[str, Any]) -> None:
    refs = set(_refs(spec))
    assert refs
    for ref in sorted(refs):
        _resolve(spec, ref)


def test_every_route_but_health_needs_a_bearer_token(spec: dict[str, Any]) -> None:
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for method, path, operation in _operations(spec):
        expected = [] if (method, path) == ("GET", "/health") else None
        assert operation.get("security") == expected, f"{method} {path}"


def test_every_request_body_refuses_unknown_fields(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        body = operation.get("requestBody")
        if body is None:
            continue
        if "$ref" in body:
            body = _resolve(spec, body["$ref"])
        schema = body["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = _resolve(spec, schema["$ref"])
        assert schema.get("additionalProperties") is False, f"{method} {path}"


def _error_classes() -> dict[str, type[errors.ServiceError]]:
    return {name: cls for name, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, errors.ServiceError)}


def _constructed_names() -> set[str]:
    """Names called anywhere in app.py and chalicelib/ (`raise NoSession(...)`,
    `return ConcurrentUpdate(...)`)."""
    names: set[str] = set()
    sources = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    names.add(node.func.id)
                elif isinstance(node.func, ast.Attribute):
                    names.add(node.func.attr)
    return names


def test_every_error_code_a_route_can_return_is_documented(
        spec: dict[str, Any]) -> None:
    classes = _error_classes()
    raised = {name for name in classes if name in _constructed_names()}
    assert {"SessionHeld", "RateLimited", "ValidationFailed"} <= raised
    # ServiceError's own code is what httpapi answers for any unexpected failure.
    codes = {classes[name].code for name in raised} | {errors.ServiceError.code}

    error_code = spec["components"]["schemas"]["ErrorCode"]
    enum = set(error_code["enum"])
    description = error_code.get("description", "")
    missing = sorted(c for c in codes if c not in enum and f"`{c}`" not in description)
    assert not missing, f"error codes missing from the document: {missing}"
