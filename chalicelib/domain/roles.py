"""The ordered roles of the contract: a higher role can do all that a lower one can."""

from __future__ import annotations

from collections.abc import Iterable

ROLE_ORDER: tuple[str, ...] = ("viewer", "editor", "admin")


def role_rank(role: str) -> int:
    """Position of `role` in ROLE_ORDER, or -1 for a role the service does not know."""
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else -1


def role_satisfies(held_roles: Iterable[str], needed: str) -> bool:
    if needed not in ROLE_ORDER:
        raise ValueError(f"unknown role {needed!r}")
    # A bare string is iterable too; treat it as one role, not as its characters.
    held = (held_roles,) if isinstance(held_roles, str) else held_roles
    return any(role_rank(role) >= role_rank(needed) for role in held)
