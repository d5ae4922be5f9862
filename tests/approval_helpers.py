"""Shared pieces of the approval tests: a directory in the stand-in, mails, and reading the outbox."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import servers
from test_service_maildir import DESK, outbox_messages, write_config

AUTHSERV = "mx.contoso.no"
LEAD, CTO, CISO = "lead@contoso.no", "cto@contoso.no", "ciso@contoso.no"
ANNA = "anna@contoso.no"
TENANT_GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def directory(identity) -> None:
    """The people of these tests, as Graph users in the stand-in."""
    for user_id, upn, name in (("u-anna", ANNA, "Anna Lind"), ("u-lead", LEAD, "Ola Lead"),
                               ("u-cto", CTO, "Cato Tor"), ("u-ciso", CISO, "Cis So"),
                               ("u-bob", "bob@contoso.no", "Bob Berg")):
        identity.add_user(user_id, upn, mail=upn, displayName=name, accountEnabled=True,
                          onPremisesSyncEnabled=None, userType="Member", otherMails=[], proxyAddresses=[f"SMTP:{upn}"])


def approval_config(tmp_path: Path, identity=None, client_id: str = "", *, policy: dict | None = None,
                    approval: dict | None = None, graph: dict | None = None, **tables) -> Path:
    """A config file: Maildir in and out, the stand-in for Entra ID and Graph when given."""
    base_policy = {"trusted_authserv_ids": [AUTHSERV], "requesters": [LEAD], "approvers": [CTO, CISO]}
    tables["policy"] = {**base_policy, **(policy or {})}
    if approval:
        tables["approval"] = approval
    if identity is not None:
        tables["oauth"] = {"tenant_id": identity.tenant_id, "client_id": client_id, "authority": identity.authority,
                           "ca_file": str(identity.ca_file), **tables.get("oauth", {})}
        tables["graph"] = {"base_url": identity.graph_url, "timeout": 10.0, **(graph or {})}
    elif graph:
        tables["graph"] = graph
    tables.setdefault("smtp", {}).update({"retry_initial_seconds": 0.0, "retry_max_seconds": 0.0})
    return write_config(tmp_path, **tables)


def verified(sender: str = LEAD, result: str = "pass", authserv: str = AUTHSERV) -> dict[str, str]:
    domain = sender.rpartition("@")[2]
    return {"Authentication-Results": f"{authserv}; spf=pass smtp.mailfrom={domain}; "
                                      f"dkim=pass header.d={domain}; dmarc={result} header.from={domain}"}


def request_mail(sender: str = LEAD, body: str = f"Please reset the password for {ANNA}, she is locked out.\n",
                 headers: dict | None = None, subject: str = "Password reset for Anna",
                 message_id: str | None = None) -> bytes:
    return servers.make_message(subject=subject, sender=sender, to=DESK, body=body, message_id=message_id,
                                extra_headers=verified(sender) if headers is None else headers)


def command_mail(line: str, sender: str = CTO, headers: dict | None = None, subject: str = "Re: Approval needed",
                 body: str | None = None, message_id: str | None = None) -> bytes:
    return servers.make_message(subject=subject, sender=sender, to=DESK, body=body if body is not None else line + "\n",
                                message_id=message_id, extra_headers=verified(sender) if headers is None else headers)


def outbox(tmp_path: Path) -> list[email.message.EmailMessage]:
    return outbox_messages(tmp_path / "var" / "outbox")


def outbox_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "var" / "outbox"
    return sorted((folder / "new").glob("*")) + sorted((folder / "cur").glob("*"))


def approval_requests(tmp_path: Path, to: str | None = None) -> list[email.message.EmailMessage]:
    return [m for m in outbox(tmp_path) if str(m["Subject"]).startswith(("Approval needed", "Godkjenning trengs"))
            and (to is None or m["To"].addresses[0].addr_spec == to)]


def line_for(mail: email.message.EmailMessage, verb: str = "APPROVE") -> str:
    match = re.search(rf"^\s+({verb} R-\S+ \S+)\s*$", mail.get_content(), re.MULTILINE)
    assert match, mail.get_content()
    return match.group(1)


def secret_mails(tmp_path: Path) -> list[email.message.EmailMessage]:
    return [m for m in outbox(tmp_path) if str(m["Subject"]).startswith(
        ("Temporary Access Pass", "Temporary password", "Midlertidig"))]


def body(mail: email.message.EmailMessage) -> str:
    return mail.get_content()


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)
