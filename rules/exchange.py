"""Sender verification where mail arrives straight in Exchange Online (policy.verification = "exchange-online").

Exchange Online writes Authentication-Results without an authserv-id, and
genuine mail from inside the tenant says dmarc=none there: the gateway rule
(a trusted authserv-id saying dmarc=pass) verifies nobody. What Exchange does
guarantee is its header firewall: it strips X-MS-Exchange-Organization-*
from mail arriving from outside the organization (except through hybrid
connectors or connectors set TreatMessagesAsInternal, which the README tells
the tenant to audit). So a mail counts as submitted inside the tenant when
it carries exactly one each of:

- X-MS-Exchange-Organization-AuthAs: Internal
- X-MS-Exchange-Organization-MessageDirectionality: Originating
- X-MS-Exchange-CrossTenant-Id: <oauth.tenant_id>
- X-MS-Exchange-CrossTenant-FromEntityHeader: Hosted (HybridOnPrem only with policy.allow_hybrid)

and no Authentication-Results says compauth=fail, and a Sender header, when
present, names the From address. Position proves nothing (they sit below the
Received lines), so "exactly one" is the test: a sender who adds a second
copy makes the mail unverifiable, never verified.

This proves that *someone* in the tenant submitted the mail (a delegate with
Send As, an app with Mail.Send, a stolen session), not that the named person
did: requests verified this way wait in awaiting_confirmation for an Entra
sign-in, and approvals do not come from mailed codes (resetdesk/approvals.py).

Pure: a parsed mail in, (verified, why) out. The gateway rule is
rules/facts.py's verify_sender; `rules.facts.verify` chooses between them.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from ..intake.message import InboundMail

AUTH_AS = "x-ms-exchange-organization-authas"
DIRECTIONALITY = "x-ms-exchange-organization-messagedirectionality"
TENANT = "x-ms-exchange-crosstenant-id"
FROM_ENTITY = "x-ms-exchange-crosstenant-fromentityheader"
_COMMENT = re.compile(r"\([^()]*\)")
_COMPAUTH_FAIL = re.compile(r"(?:^|[;\s])compauth\s*=\s*fail\b", re.IGNORECASE)


def _one(mail: InboundMail, name: str) -> tuple[str | None, str]:
    values = mail.header_all(name)
    if len(values) != 1:
        return None, f"{len(values)} {name} headers (exactly one wanted)"
    return values[0].strip(), ""


def verify_exchange_online(mail: InboundMail, tenant_id: str, allow_hybrid: bool = False) -> tuple[bool, str]:
    """Whether Exchange Online says this mail was submitted inside tenant `tenant_id`; (verified, why)."""
    if not mail.from_addr or "@" not in mail.from_addr:
        return False, "no From address"
    if not tenant_id:
        return False, "exchange-online verification needs oauth.tenant_id"
    wanted = {
        AUTH_AS: ("internal",),
        DIRECTIONALITY: ("originating",),
        TENANT: (tenant_id.strip().lower(),),
        FROM_ENTITY: ("hosted", "hybridonprem") if allow_hybrid else ("hosted",),
    }
    seen = []
    for name, accepted in wanted.items():
        value, problem = _one(mail, name)
        if value is None:
            return False, problem
        if value.lower() not in accepted:
            return False, f"{name}: {value[:60]}"
        seen.append(f"{name.rsplit('-', 1)[1]}={value[:40]}")
    for value in mail.header_all("authentication-results"):
        if _COMPAUTH_FAIL.search(_COMMENT.sub(" ", value)):
            return False, "Authentication-Results: compauth=fail"
    senders = mail.header_all("sender")
    if len(senders) > 1:
        return False, f"{len(senders)} Sender headers"
    if senders:
        addresses = [addr.lower() for _, addr in getaddresses(senders) if addr]
        if addresses != [mail.from_addr]:
            return False, f"Sender {addresses[0] if addresses else '?'} is not the From address"
    return True, "exchange-online: " + ", ".join(seen)
