"""Entity tags of sessions, and reading them from If-Match (no AWS)."""

from __future__ import annotations

import pytest

from chalicelib.domain.session_tags import session_of, tag_of
from chalicelib.domain.sessions import EditSession, Holder
from chalicelib.errors import ValidationFailed
from chalicelib.validation import entity_tag

SESSION = EditSession("P-7", "es_1", 1764770000123456,
                      Holder("bob", "ws_1", "Bob's CAD — Ω"), 1764770000.123456,
                      1764770600.123456)


def test_a_tag_gives_back_the_session_it_was_made_from_exactly() -> None:
    assert session_of("P-7", tag_of(SESSION)) == SESSION


def test_a_tag_is_plain_ascii_without_quotes_or_padding() -> None:
    tag = tag_of(SESSION)
    assert tag.isascii() and '"' not in tag and "=" not in tag


def test_a_tag_takes_the_item_from_the_request_not_from_itself() -> None:
    other = session_of("Q-9", tag_of(SESSION))
    assert other is not None and other.item_id == "Q-9"


@pytest.mark.parametrize("tag", [
    "", "!!!", "e30", "W10", "WzFd",  # not base64, {}, [], [1]
    "A" * 3000,
    # seven fields of the wrong kinds: a bool fence, a negative time, a bad id
    "WyJlc18xIix0cnVlLCJib2IiLCJ3cyIsIm4iLDEsMl0",
    "WyJlc18xIiwxLCJib2IiLCJ3cyIsIm4iLC0xLDJd",
    "WyJlcyAxIiwxLCJib2IiLCJ3cyIsIm4iLDEsMl0",
])
def test_a_tag_this_service_did_not_make_is_no_session(tag: str) -> None:
    assert session_of("P-7", tag) is None


@pytest.mark.parametrize("header, tag", [
    (None, None), ("*", None), (" * ", None), ('"abc"', "abc"), (' "abc" ', "abc"),
])
def test_if_match_gives_its_one_strong_tag_or_none_for_any(
    header: str | None, tag: str | None,
) -> None:
    assert entity_tag(header) == tag


@pytest.mark.parametrize("header", ['W/"abc"', '"a", "b"', "abc", '"a"b"', '"a b"'])
def test_if_match_that_is_not_one_strong_tag_names_the_header(header: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        entity_tag(header)
    assert refused.value.field == "If-Match"
