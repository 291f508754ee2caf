"""Approval workflows: YAML files loaded into validated, frozen definitions.

A bad file must stop start-up, so every problem raises WorkflowError with the file's
path and the offending field, e.g. `workflows/x.yaml: gates[0].role: must be ...`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chalicelib.domain.roles import ROLE_ORDER

NAME_PATTERN = re.compile(r"[a-z0-9-]{1,64}")
WORKFLOW_KEYS = frozenset(
    {"name", "description", "gates", "pending_hours", "reject_ends"}
)
GATE_KEYS = frozenset({"name", "role", "required"})
SUFFIXES = (".yaml", ".yml")


class WorkflowError(ValueError):
    """A workflow file is unreadable or breaks a rule; the message names file, field."""


@dataclass(frozen=True)
class Gate:
    name: str
    role: str
    required: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "required": self.required}


@dataclass(frozen=True)
class WorkflowDefinition:
    name: str
    description: str
    gates: tuple[Gate, ...]
    pending_seconds: int | None
    reject_ends: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "gates": [gate.to_dict() for gate in self.gates],
            "pending_seconds": self.pending_seconds,
            "reject_ends": self.reject_ends,
        }


def load_workflows(directory: str) -> dict[str, WorkflowDefinition]:
    root = Path(directory)
    if not root.is_dir():
        raise WorkflowError(f"{directory}: not a directory")

    loaded: dict[str, WorkflowDefinition] = {}
    origin: dict[str, Path] = {}
    for path in _workflow_files(root):
        definition = load_workflow_file(path)
        if definition.name in loaded:
            raise WorkflowError(
                f"{path}: name: {definition.name!r} is already defined in "
                f"{origin[definition.name]}"
            )
        loaded[definition.name] = definition
        origin[definition.name] = path
    return loaded


def load_workflow_file(path: Path) -> WorkflowDefinition:
    return parse_workflow(_read_yaml(path), path)


def parse_workflow(document: Any, path: Path) -> WorkflowDefinition:
    where = str(path)
    data = _mapping(document, where, "top level", WORKFLOW_KEYS)
    return WorkflowDefinition(
        name=_workflow_name(data, path),
        description=_description(data, where),
        gates=_gates(data, where),
        pending_seconds=_pending_seconds(data, where),
        reject_ends=_reject_ends(data, where),
    )


def _workflow_files(root: Path) -> list[Path]:
    # Sorted so that a duplicate name is always reported against the same file.
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowError(f"{path}: cannot read file: {exc}") from exc
    # Known gap: safe_load keeps the last of duplicate keys silently; accepted while
    # workflow files are few and reviewed with the code that ships them.
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorkflowError(f"{path}: invalid YAML: {_yaml_problem(exc)}") from exc


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return problem
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"


def _fail(where: str, field: str, message: str) -> WorkflowError:
    return WorkflowError(f"{where}: {field}: {message}")


def _mapping(
    value: Any, where: str, field: str, allowed: frozenset[str]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, field, "must be a mapping")
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise _fail(where, field, f"unknown key(s): {', '.join(unknown)}")
    return value


def _workflow_name(data: dict[str, Any], path: Path) -> str:
    where = str(path)
    if "name" not in data:
        raise _fail(where, "name", "is required")
    name = data["name"]
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise _fail(where, "name", "must be 1-64 characters of a-z, 0-9 and '-'")
    if name != path.stem:
        raise _fail(where, "name", f"must match the file name {path.stem!r}")
    return name


def _description(data: dict[str, Any], where: str) -> str:
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _fail(where, "description", "must be a string")
    return description


def _gates(data: dict[str, Any], where: str) -> tuple[Gate, ...]:
    if "gates" not in data:
        raise _fail(where, "gates", "is required")
    raw = data["gates"]
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "gates", "must be a non-empty list")

    gates = tuple(_gate(item, where, f"gates[{i}]") for i, item in enumerate(raw))
    seen: set[str] = set()
    for i, gate in enumerate(gates):
        if gate.name in seen:
            raise _fail(where, f"gates[{i}].name", f"duplicate gate name {gate.name!r}")
        seen.add(gate.name)
    return gates


def _gate(value: Any, where: str, field: str) -> Gate:
    data = _mapping(value, where, field, GATE_KEYS)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(where, f"{field}.name", "is required and must be a non-empty string")
    role = data.get("role")
    if role not in ROLE_ORDER:
        raise _fail(where, f"{field}.role", f"must be one of {', '.join(ROLE_ORDER)}")
    required = data.get("required", 1)
    # bool is an int in Python; `required: true` is a mistake, not the number 1.
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        raise _fail(where, f"{field}.required", "must be an integer of at least 1")
    return Gate(name=name, role=role, required=required)


def _pending_seconds(data: dict[str, Any], where: str) -> int | None:
    hours = data.get("pending_hours")
    if hours is None:
        return None
    valid_number = isinstance(hours, (int, float)) and not isinstance(hours, bool)
    if not valid_number or not math.isfinite(hours) or hours <= 0:
        raise _fail(where, "pending_hours", "must be a positive number")
    seconds = round(float(hours) * 3600)
    if seconds < 1:
        raise _fail(where, "pending_hours", "must be at least one second")
    return seconds


def _reject_ends(data: dict[str, Any], where: str) -> bool:
    value = data.get("reject_ends", True)
    if not isinstance(value, bool):
        raise _fail(where, "reject_ends", "must be true or false")
    return value
