"""Who is calling, once their token has been verified."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.roles import role_satisfies


@dataclass(frozen=True)
class Principal:
    user: str
    roles: frozenset[str]

    def has_role(self, role: str) -> bool:
        """Roles are ordered: a higher role can do all that a lower one can."""
        return role_satisfies(self.roles, role)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")
