"""Request validation, with no AWS."""

import pytest

from chalicelib import validation as v
from chalicelib.errors import ValidationFailed


def test_unknown_fields_are_refused_and_named() -> None:
    with pytest.raises(ValidationFailed) as caught:
        v.fields({"workstation_id": "ws_1", "fence": 99},
                 {"workstation_id": v.WORKSTATION_ID})
    assert caught.value.field == "fence"


def test_read_only_holder_field_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        v.fields({"workstation_id": "ws_1", "holder": {"user": "eve"}},
                 {"workstation_id": v.WORKSTATION_ID})
    assert caught.value.field == "holder"


def test_missing_required_field_is_named() -> None:
    with pytest.raises(ValidationFailed) as caught:
        v.fields({}, {"name": v.Text(1, 64)})
    assert caught.value.field == "name"


@pytest.mark.parametrize("value", [123, None, ["a"], {"a": 1}, True])
def test_wrong_types_are_refused(value: object) -> None:
    with pytest.raises(ValidationFailed):
        v.fields({"name": value}, {"name": v.Text(1, 64)})


def test_over_long_strings_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        v.Text(1, 64).check("name", "x" * 65)


def test_control_characters_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        v.Text(1, 64).check("name", "bad\x00name")


@pytest.mark.parametrize("item", ["P-100", "a", "9.x_y-z:1", "A" * 128])
def test_valid_item_ids_pass(item: str) -> None:
    assert v.item_id(item) == item


@pytest.mark.parametrize("item", ["", "-lead", ".x", "has space", "A" * 129, "a/b", "é"])
def test_invalid_item_ids_are_refused(item: str) -> None:
    with pytest.raises(ValidationFailed):
        v.item_id(item)


@pytest.mark.parametrize("raw", [b"{", b"[]", b"\"text\"", b"\xff\xfe", b"null"])
def test_bodies_that_are_not_json_objects_are_refused(raw: bytes) -> None:
    with pytest.raises(ValidationFailed):
        v.parse_json_object(raw)


def test_huge_bodies_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        v.parse_json_object(b'{"name": "' + b"x" * 20_000 + b'"}')


def test_empty_body_is_allowed_only_where_the_body_is_optional() -> None:
    assert v.parse_json_object(b"", allow_empty=True) == {}
    with pytest.raises(ValidationFailed):
        v.parse_json_object(b"")


def test_unknown_query_parameters_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        v.only_query({"session_id": "x", "force": "1"}, {"session_id"})


@pytest.mark.parametrize("raw", ["0", "201", "-1", "ten"])
def test_limits_out_of_range_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        v.bounded_int("limit", raw, 50, 1, 200)


@pytest.mark.parametrize("text", ["\ud800", "a\udc00b", "x\u202ey", "\x7f", "\x85name"])
def test_surrogates_direction_overrides_and_other_controls_are_refused(
    text: str,
) -> None:
    with pytest.raises(ValidationFailed):
        v.Text(1, 64).check("name", text)


def test_tabs_newlines_and_other_scripts_are_kept() -> None:
    assert v.Text(0, 64).check("message", "line 1\n\tÅngström ملف 部品") is not None


@pytest.mark.parametrize("raw", ["²", "٣", "1e3", " 5"])
def test_limits_must_be_ascii_digits(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        v.bounded_int("limit", raw, 50, 1, 200)


@pytest.mark.parametrize("value", [5, None, ["1"], "abc", "1" * 21])
def test_event_ids_must_be_strings_of_digits(value: object) -> None:
    with pytest.raises(ValidationFailed):
        v.event_id("after", value)


def test_a_value_given_in_body_and_query_must_agree() -> None:
    assert v.one_of({"session_id": "es_1"}, {"session_id": "es_1"}, "session_id",
                    v.SESSION_ID) == "es_1"
    with pytest.raises(ValidationFailed):
        v.one_of({"session_id": "es_1"}, {"session_id": "es_2"}, "session_id",
                 v.SESSION_ID)


def test_routes_without_a_body_refuse_one() -> None:
    v.no_body(b"")
    v.no_body(b"{}")
    with pytest.raises(ValidationFailed):
        v.no_body(b"not json")
    with pytest.raises(ValidationFailed):
        v.no_body(b'{"evil": 1}')


@pytest.mark.parametrize("raw", ["0", "201", "-1", "ten"])
def test_a_refused_limit_says_which_numbers_are_allowed(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        v.bounded_int("limit", raw, 50, 1, 200)
    assert "from 1 to 200" in refused.value.message


@pytest.mark.parametrize("name", [" ", "   ", "\t\n"])
def test_a_name_of_only_white_space_is_blank(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        v.Text(1, 64).check("name", name)
    assert refused.value.message == "name: must not be blank"


def test_an_absent_value_is_said_to_be_required() -> None:
    with pytest.raises(ValidationFailed) as text:
        v.Text(1, 64).check("target_id", None)
    with pytest.raises(ValidationFailed) as choice:
        v.Choice(("edit_session", "approval")).check("target_type", None)
    assert text.value.message == "target_id: is required"
    assert choice.value.message.startswith("target_type: is required")
