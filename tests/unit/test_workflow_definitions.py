from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chalicelib.domain.roles import ROLE_ORDER, role_satisfies
from chalicelib.workflow.definitions import (
    Gate,
    WorkflowDefinition,
    WorkflowError,
    load_workflows,
)

SHIPPED = Path(__file__).resolve().parents[2] / "workflows"

VALID = """
name: {name}
description: Two reviews.
gates:
  - name: lead
    role: editor
    required: 2
  - name: admin
    role: admin
pending_hours: 1.5
reject_ends: false
"""


def write(directory: Path, filename: str, text: str) -> Path:
    path = directory / filename
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def one_gate(name: str = "flow", **extra: str) -> str:
    lines = [f"name: {name}", "gates:", "  - name: review", "    role: admin"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def gate_yaml(*gate_lines: str) -> str:
    body = "\n".join(f"    {line}" for line in gate_lines)
    return f"name: flow\ngates:\n  - name: review\n{body}\n"


def load_error(tmp_path: Path, text: str, filename: str = "flow.yaml") -> str:
    path = write(tmp_path, filename, text)
    with pytest.raises(WorkflowError) as caught:
        load_workflows(str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message


# The shipped workflow


def test_shipped_workflows_directory_loads_session_override() -> None:
    workflows = load_workflows(str(SHIPPED))

    assert workflows["session-override"] == WorkflowDefinition(
        name="session-override",
        description=workflows["session-override"].description,
        gates=(Gate(name="admin-review", role="admin", required=1),),
        pending_seconds=24 * 3600,
        reject_ends=True,
    )
    assert workflows["session-override"].description


# Valid files


def test_full_workflow_loads_into_frozen_definition(tmp_path: Path) -> None:
    write(tmp_path, "two-step.yaml", VALID.format(name="two-step"))

    definition = load_workflows(str(tmp_path))["two-step"]

    assert definition.gates == (
        Gate(name="lead", role="editor", required=2),
        Gate(name="admin", role="admin", required=1),
    )
    assert definition.description == "Two reviews."
    assert definition.pending_seconds == 5400
    assert definition.reject_ends is False
    with pytest.raises(AttributeError):
        definition.name = "other"  # type: ignore[misc]


def test_optional_fields_take_their_defaults(tmp_path: Path) -> None:
    write(tmp_path, "flow.yaml", one_gate())

    definition = load_workflows(str(tmp_path))["flow"]

    assert definition.description == ""
    assert definition.gates == (Gate(name="review", role="admin", required=1),)
    assert definition.pending_seconds is None
    assert definition.reject_ends is True


def test_yml_suffix_is_loaded_and_other_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "flow.yml", one_gate())
    write(tmp_path, "notes.txt", "not: a workflow")
    (tmp_path / "nested.yaml").mkdir()

    assert list(load_workflows(str(tmp_path))) == ["flow"]


def test_empty_directory_loads_no_workflows(tmp_path: Path) -> None:
    assert load_workflows(str(tmp_path)) == {}


def test_missing_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="not a directory"):
        load_workflows(str(tmp_path / "absent"))


def test_to_dict_gives_the_api_shape(tmp_path: Path) -> None:
    write(tmp_path, "two-step.yaml", VALID.format(name="two-step"))

    payload = load_workflows(str(tmp_path))["two-step"].to_dict()

    assert payload == {
        "name": "two-step",
        "description": "Two reviews.",
        "gates": [
            {"name": "lead", "role": "editor", "required": 2},
            {"name": "admin", "role": "admin", "required": 1},
        ],
        "pending_seconds": 5400,
        "reject_ends": False,
    }


# File-level failures


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    message = load_error(tmp_path, "name: flow\ngates: [unclosed\n")
    assert "invalid YAML" in message


def test_empty_file_is_not_a_mapping(tmp_path: Path) -> None:
    message = load_error(tmp_path, "")
    assert "top level: must be a mapping" in message


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, "- name: flow\n")
    assert "top level: must be a mapping" in message


def test_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, one_gate(approvers="3"))
    assert "top level: unknown key(s): approvers" in message


def test_duplicate_workflow_names_across_files_are_rejected(tmp_path: Path) -> None:
    first = write(tmp_path, "flow.yaml", one_gate())
    second = write(tmp_path, "flow.yml", one_gate())

    with pytest.raises(WorkflowError) as caught:
        load_workflows(str(tmp_path))

    assert str(caught.value) == (f"{second}: name: 'flow' is already defined in {first}")


# name, description


def test_missing_name_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, "gates:\n  - name: review\n    role: admin\n")
    assert ": name: is required" in message


@pytest.mark.parametrize("bad", ["Flow", "flow_1", "'x y'", "123", "''"])
def test_name_outside_allowed_characters_is_rejected(tmp_path: Path, bad: str) -> None:
    message = load_error(tmp_path, one_gate().replace("name: flow", f"name: {bad}"))
    assert ": name: must be 1-64 characters" in message


def test_name_longer_than_64_is_rejected(tmp_path: Path) -> None:
    long_name = "a" * 65
    message = load_error(tmp_path, one_gate(long_name), f"{long_name}.yaml")
    assert ": name: must be 1-64 characters" in message


def test_name_of_64_characters_is_accepted(tmp_path: Path) -> None:
    name = "a" * 64
    write(tmp_path, f"{name}.yaml", one_gate(name))
    assert name in load_workflows(str(tmp_path))


def test_name_must_match_file_stem(tmp_path: Path) -> None:
    message = load_error(tmp_path, one_gate("other"))
    assert "name: must match the file name 'flow'" in message


def test_non_string_description_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, one_gate(description="[a, b]"))
    assert ": description: must be a string" in message


# gates


def test_missing_gates_are_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, "name: flow\n")
    assert ": gates: is required" in message


@pytest.mark.parametrize("gates", ["[]", "review", "{name: review}"])
def test_gates_must_be_a_non_empty_list(tmp_path: Path, gates: str) -> None:
    message = load_error(tmp_path, f"name: flow\ngates: {gates}\n")
    assert ": gates: must be a non-empty list" in message


def test_gate_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, "name: flow\ngates:\n  - admin\n")
    assert ": gates[0]: must be a mapping" in message


def test_unknown_gate_key_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, gate_yaml("role: admin", "quorum: 2"))
    assert ": gates[0]: unknown key(s): quorum" in message


def test_gate_without_name_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, "name: flow\ngates:\n  - role: admin\n")
    assert ": gates[0].name: is required" in message


def test_duplicate_gate_names_are_rejected(tmp_path: Path) -> None:
    text = "name: flow\ngates:\n" + "  - name: review\n    role: admin\n" * 2
    message = load_error(tmp_path, text)
    assert ": gates[1].name: duplicate gate name 'review'" in message


def test_bad_role_names_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.yaml", gate_yaml("role: superuser"))

    with pytest.raises(WorkflowError) as caught:
        load_workflows(str(tmp_path))

    assert str(caught.value) == (
        f"{path}: gates[0].role: must be one of viewer, editor, admin"
    )


def test_missing_role_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, gate_yaml("required: 1"))
    assert ": gates[0].role: must be one of" in message


def test_error_in_later_gate_names_its_index(tmp_path: Path) -> None:
    text = "name: flow\ngates:\n  - name: a\n    role: admin\n  - name: b\n    role: x\n"
    message = load_error(tmp_path, text)
    assert ": gates[1].role:" in message


@pytest.mark.parametrize("required", ["0", "-1", "1.5", "true", "two"])
def test_required_must_be_a_positive_integer(tmp_path: Path, required: str) -> None:
    message = load_error(tmp_path, gate_yaml("role: admin", f"required: {required}"))
    assert ": gates[0].required: must be an integer of at least 1" in message


# pending_hours, reject_ends


@pytest.mark.parametrize("hours", ["0", "-2", "soon", "true", ".nan", ".inf"])
def test_pending_hours_must_be_a_positive_number(tmp_path: Path, hours: str) -> None:
    message = load_error(tmp_path, one_gate(pending_hours=hours))
    assert ": pending_hours: must be a positive number" in message


def test_pending_hours_too_small_for_a_second_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, one_gate(pending_hours="0.0001"))
    assert ": pending_hours: must be at least one second" in message


def test_integer_pending_hours_become_seconds(tmp_path: Path) -> None:
    write(tmp_path, "flow.yaml", one_gate(pending_hours="24"))
    assert load_workflows(str(tmp_path))["flow"].pending_seconds == 86400


@pytest.mark.parametrize("value", ["yes please", "1", "'true'"])
def test_reject_ends_must_be_a_boolean(tmp_path: Path, value: str) -> None:
    message = load_error(tmp_path, one_gate(reject_ends=value))
    assert ": reject_ends: must be true or false" in message


# roles


def test_role_order_runs_from_viewer_to_admin() -> None:
    assert ROLE_ORDER == ("viewer", "editor", "admin")


@pytest.mark.parametrize(
    ("held", "needed", "expected"),
    [
        (["admin"], "editor", True),
        (["admin"], "viewer", True),
        (["editor"], "editor", True),
        (["editor"], "admin", False),
        (["viewer"], "editor", False),
        ([], "viewer", False),
        (["auditor", "editor"], "editor", True),
        (["auditor"], "viewer", False),
    ],
)
def test_higher_role_satisfies_lower_one(
    held: list[str], needed: str, expected: bool
) -> None:
    assert role_satisfies(held, needed) is expected


def test_bare_role_string_counts_as_one_role() -> None:
    # "admin" iterated by character would hold no role at all.
    assert role_satisfies("admin", "editor") is True


def test_unknown_needed_role_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        role_satisfies(["admin"], "owner")
