"""Who may do what on the console: roles from the config, permissions per role, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config

# role -> what it may do. "view": the overview, the audit trail, message pages
# and the outbox; "release": send a held or in-doubt reply after all;
# "approve": approve or deny a reset request (the approval pages).
PERMISSIONS: dict[str, frozenset[str]] = {
    "operator": frozenset({"view", "release"}),
    "approver": frozenset({"view", "approve"}),
}

# role -> the policy list that grants it.
ROLE_LISTS: dict[str, str] = {"operator": "operators", "approver": "approvers"}


@dataclass(frozen=True)
class Principal:
    """A signed-in person: who, how they signed in, and the roles the config gives them."""

    username: str
    name: str
    roles: frozenset[str]
    method: str                     # "entra" or "local"
    oid: str = ""
    auth_time: int = 0              # entra: when the person last entered their password or MFA (the ID token's)

    @property
    def permissions(self) -> frozenset[str]:
        granted: set[str] = set()
        for role in self.roles:
            granted |= PERMISSIONS.get(role, frozenset())
        return frozenset(granted)

    def may(self, permission: str) -> bool:
        return permission in self.permissions


def roles_for(config: Config, username: str) -> frozenset[str]:
    """The roles `username` (an address, compared lower-case) has under `[policy]`."""
    username = username.strip().lower()
    return frozenset(role for role, key in ROLE_LISTS.items() if username and username in config.policy[key])
