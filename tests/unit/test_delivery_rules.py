"""How delivery regroups workstations after a refused group write, with no AWS."""

from chalicelib.services.delivery import _regroup
from chalicelib.storage.events import GroupRefused, Recipient


def test_a_refused_group_is_retried_without_the_already_stored_or_deleted() -> None:
    def recipient(ws: str, seq: int) -> Recipient:
        return Recipient(ws, seq, frozenset(), frozenset())

    group = [recipient("a", 1), recipient("b", 1), recipient("c", 1), recipient("d", 1)]
    refused = GroupRefused(moved={"b": recipient("b", 5), "c": None}, already={"d"})

    assert _regroup(group, refused) == [recipient("a", 1), recipient("b", 5)]
