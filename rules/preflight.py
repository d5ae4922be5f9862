"""Which accounts the desk may reset, and who may approve: pure decisions, no I/O.

Two screens, both before any approver is bothered:
- at decide time, from the mail and the store's counts: a named account at
  all, the protected list, the requester's own address, the daily limits;
- after the read-only Graph lookups (resetdesk/approval_runner.py): the
  account exists once, is enabled, is a member (not a guest), is cloud-only,
  and holds no directory role in any way (direct, through a role-assignable
  group, or PIM-eligible), and is not the requester under another address.

Admins' accounts are refused because the desk's own rights cannot reach them
and should not: a User Administrator may not reset Authentication, Privileged
Authentication, Privileged Role or Global Administrators, nor members of
role-assignable groups; only Privileged Authentication and Global
Administrators can, and the desk must never hold those. An admin's reset is
a person's job in the admin center, as the article says.

Every refusal names the article's scenario the reply points to
(`REFUSAL_SCENARIOS`): the reply text itself lives in data/templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any

# reason -> the scenario of the knowledge graph whose steps the refusal quotes (None: no steps).
REFUSAL_SCENARIOS: dict[str, str | None] = {
    "no_target": None,            # name the account: the mail named none
    "unknown": None,              # no such account in the directory
    "ambiguous": None,            # several accounts answer to that address
    "own_account": "sspr",        # the requester uses self-service like everyone else
    "protected": "admin_reset",   # break-glass: only a person, in the admin center
    "privileged": "admin_reset",  # another admin with the right role, in the admin center
    "disabled": "admin_reset",    # an admin enables it first
    "guest": "support",           # a guest's sign-in belongs to its home organisation
    "synced": "support",          # reset in on-premises AD, not in the cloud
    "not_requester": "admin_reset",
    "requester_limit": None,
    "target_limit": None,
    "too_few_approvers": "admin_reset",
    "permission": "admin_reset",  # the desk's app lacks a permission: a person does it meanwhile
}


@dataclass(frozen=True)
class Refusal:
    """Why the desk will not reset an account: a reason code (REFUSAL_SCENARIOS) and a detail for the audit."""

    reason: str
    detail: str

    @property
    def scenario(self) -> str | None:
        """The article's scenario a refusal points the requester to, if any."""
        return REFUSAL_SCENARIOS.get(self.reason)


@dataclass(frozen=True)
class RoleFacts:
    """What Graph said about an account's directory roles."""

    direct: tuple[str, ...] = ()        # roleDefinitionIds assigned to the user
    eligible: tuple[str, ...] = ()      # PIM-eligible roleDefinitionIds
    role_groups: tuple[str, ...] = ()   # display names of role-assignable groups it belongs to

    @property
    def privileged(self) -> bool:
        return bool(self.direct or self.eligible or self.role_groups)

    def describe(self) -> str:
        """The account's directory roles in words, for the refusal and the audit."""
        parts = []
        if self.direct:
            parts.append(f"{len(self.direct)} directory role(s) assigned")
        if self.eligible:
            parts.append(f"{len(self.eligible)} PIM-eligible role(s)")
        if self.role_groups:
            parts.append("member of role-assignable group(s) " + ", ".join(self.role_groups[:3]))
        return "; ".join(parts)


@dataclass(frozen=True)
class Screen:
    """Decide-time screening of one mail's named accounts."""

    accepted: list[str] = field(default_factory=list)
    refused: list[tuple[str, Refusal]] = field(default_factory=list)   # (target, refusal); target may be ''


def screen_targets(targets: Iterable[str], requester: str, protected: Iterable[str],
                   requester_count: int, target_counts: dict[str, int],
                   max_per_requester: int, max_per_target: int) -> Screen:
    """The named accounts split into those to look up and those refused now (counts: the last 24 hours)."""
    targets = [t.strip().lower() for t in targets if t and t.strip()]
    protected = {p.strip().lower() for p in protected}
    screen = Screen()
    if not targets:
        screen.refused.append(("", Refusal("no_target", "the mail names no account to reset")))
        return screen
    budget = max_per_requester - requester_count
    for target in targets:
        if target in protected:
            screen.refused.append((target, Refusal("protected", f"{target} is on policy.protected")))
        elif target == requester.strip().lower():
            screen.refused.append((target, Refusal("own_account", "the requester asked for their own account")))
        elif target_counts.get(target, 0) >= max_per_target:
            screen.refused.append((target, Refusal(
                "target_limit", f"{target_counts.get(target, 0)} requests for {target} in 24 hours "
                                f"(approval.max_per_target_per_day = {max_per_target})")))
        elif budget <= 0:
            screen.refused.append((target, Refusal(
                "requester_limit", f"{requester_count + len(screen.accepted)} requests from {requester} in 24 hours "
                                   f"(approval.max_per_requester_per_day = {max_per_requester})")))
        else:
            screen.accepted.append(target)
            budget -= 1
    return screen


def account_addresses(user: dict[str, Any]) -> set[str]:
    """Every address a Graph user answers to (UPN, mail, other mails, SMTP proxy addresses), lower-cased."""
    addresses = {str(user.get("userPrincipalName") or "").lower(), str(user.get("mail") or "").lower()}
    addresses.update(str(a).lower() for a in user.get("otherMails") or ())
    for proxy in user.get("proxyAddresses") or ():
        kind, _, address = str(proxy).partition(":")
        if kind.lower() == "smtp" and address:
            addresses.add(address.lower())
    return {a for a in addresses if a}


def screen_account(user: dict[str, Any], roles: RoleFacts, requester_id: str | None,
                   protected: Iterable[str], target_count: int, max_per_target: int) -> Refusal | None:
    """After the lookups: may this account be reset by the desk at all? None when it may."""
    protected = {p.strip().lower() for p in protected}
    addresses = account_addresses(user)
    upn = str(user.get("userPrincipalName") or "")
    if addresses & protected or str(user.get("id") or "").lower() in protected:
        return Refusal("protected", f"{upn} is on policy.protected")
    if requester_id and user.get("id") == requester_id:
        return Refusal("own_account", f"{upn} is the requester's own account")
    if user.get("accountEnabled") is False:
        return Refusal("disabled", f"{upn} is disabled")
    if str(user.get("userType") or "Member").lower() == "guest":
        return Refusal("guest", f"{upn} is a guest account")
    if user.get("onPremisesSyncEnabled"):
        return Refusal("synced", f"{upn} is synchronised from on-premises Active Directory")
    if roles.privileged:
        return Refusal("privileged", f"{upn}: {roles.describe()}")
    if target_count >= max_per_target:
        return Refusal("target_limit", f"{target_count} requests for {upn} in 24 hours "
                                       f"(approval.max_per_target_per_day = {max_per_target})")
    return None


def eligible_approvers(candidates: Iterable[str], requester: str, target_addresses: Iterable[str]) -> list[str]:
    """The approvers who may decide: never the requester, never the account itself; order kept, no repeats."""
    excluded = {requester.strip().lower(), *(a.strip().lower() for a in target_addresses)}
    chosen: list[str] = []
    for candidate in candidates:
        address = candidate.strip().lower()
        if address and "@" in address and address not in excluded and address not in chosen:
            chosen.append(address)
    return chosen
