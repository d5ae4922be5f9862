"""Outgoing mail: the reply to a requester and the escalation to a human.

The rules hand over a rendered `Draft` (subject, text, html); everything about
headers is decided here, by the rules an automatic responder lives by
(RFC 3834):

- the reply goes to the sender: the From address, or the Return-Path when
  `policy.reply_address = "return_path"`; never Reply-To, which anyone can set
  to a third party's address;
- it says what it is: `Auto-Submitted: auto-replied`, and
  `X-Auto-Response-Suppress: All` so Exchange's out-of-office does not answer;
- it carries the desk's loop marker `X-Resetdesk-Loop: <desk address>`, so the
  desk treats anything carrying it as machine mail;
- it threads: `In-Reply-To` and `References`, and `Re:` added once;
- its Message-ID is derived from the outbox row (the message key and the kind),
  so a retried send carries the same id and a recipient's server can tell.

Everything untrusted that lands in a header (subject, display names) loses its
control characters first: CR/LF would let a sender inject headers of their own.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from ..config import Config
from ..errors import ResetdeskError
from ..intake.message import InboundMail
from ..rules.decision import Decision
from .render import reply_subject   # one "Re:" rule for drafts and headers

LOOP_HEADER = "X-Resetdesk-Loop"
FALLBACK_ADDRESS = "resetdesk@localhost"
TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "templates"

# C0 and C1 controls and the Unicode line/paragraph separators: any of them
# may end a header line somewhere between here and the reader's screen.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MAX_REFERENCES = 10


class ComposeError(ResetdeskError):
    """An outgoing message cannot be written (no usable recipient, broken template)."""


def header_text(value: str | None, limit: int = 900) -> str:
    """Untrusted text made safe for one header line: controls become spaces."""
    text = " ".join(_UNSAFE.sub(" ", value or "").split())
    return text[:limit]


def desk_address(config: Config) -> str:
    """Who the desk's mail is from: smtp.from_address, else policy.desk_address."""
    return (config.smtp.from_address or config.policy.desk_address or FALLBACK_ADDRESS).strip()


def loop_marker(config: Config) -> str:
    return (config.policy.desk_address or desk_address(config)).strip().lower()


def make_message_id(message_key: str, kind: str, config: Config) -> str:
    """Our Message-ID (without <>) for the outbox row (message_key, kind): the same on every retry."""
    digest = hashlib.sha256(f"{kind}\0{message_key}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    domain = desk_address(config).rpartition("@")[2] or "localhost"
    return f"resetdesk.{kind}.{digest}@{domain}"


def reply_recipient(mail: InboundMail, config: Config) -> str:
    """The address a reply goes to (never Reply-To); '' when there is none."""
    if config.policy.reply_address == "return_path" and mail.return_path:
        return mail.return_path
    return mail.from_addr


def _address(addr: str, name: str = "") -> Address:
    try:
        return Address(display_name=header_text(name, 200), addr_spec=addr)
    except (ValueError, IndexError, email.errors.HeaderParseError) as error:
        raise ComposeError(f"cannot write an address header for {addr!r}: {error}") from None


def _set_body(message: EmailMessage, text: str, html: str = "") -> None:
    # quoted-printable keeps the message 7-bit: no server needs 8BITMIME for it.
    def cte(body: str) -> str:
        return "7bit" if body.isascii() and all(len(l) <= 900 for l in body.splitlines()) else "quoted-printable"
    message.set_content(text, cte=cte(text))
    if html:
        message.add_alternative(html, subtype="html", cte=cte(html))


def _common_headers(message: EmailMessage, *, to: Address, subject: str, message_id: str,
                    config: Config, auto_submitted: str, now: datetime | None) -> None:
    message["From"] = _address(desk_address(config))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(timezone.utc))
    message["Message-ID"] = f"<{message_id}>"
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "All"
    message[LOOP_HEADER] = loop_marker(config)


def compose_reply(mail: InboundMail, decision: Decision, config: Config, message_id: str,
                  now: datetime | None = None) -> EmailMessage:
    """The reply to the requester, from the decision's rendered draft."""
    draft = decision.reply
    if draft is None:
        raise ComposeError(f"decision {decision.scenario}/{decision.action} has no reply draft")
    recipient = reply_recipient(mail, config)
    if not recipient:
        raise ComposeError("the message has no sender address to reply to")
    name = mail.from_name if recipient == mail.from_addr else ""
    message = EmailMessage()
    _common_headers(message, to=_address(recipient, name),
                    subject=header_text(reply_subject(draft.subject or mail.subject)),
                    message_id=message_id, config=config, auto_submitted="auto-replied", now=now)
    if mail.message_id:
        their_id = header_text(mail.message_id, 400)
        message["In-Reply-To"] = f"<{their_id}>"
        references = [header_text(r, 400) for r in mail.references if r and r != mail.message_id]
        if len(references) >= _MAX_REFERENCES:   # keep the thread root and the newest (RFC 5322 3.6.4)
            references = references[:1] + references[-(_MAX_REFERENCES - 2):]
        message["References"] = " ".join(f"<{r}>" for r in references + [their_id])
    _set_body(message, draft.text, draft.html)
    if decision.language:   # after the body: set_content() clears Content-* headers
        message["Content-Language"] = header_text(decision.language, 35)
    return message


@lru_cache(maxsize=4)
def _environment(directory: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(directory), autoescape=False,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True)


def render(name: str, context: dict[str, Any], directory: Path = TEMPLATES) -> str:
    try:
        return _environment(str(directory)).get_template(name).render(**context)
    except jinja2.TemplateError as error:
        raise ComposeError(f"template {name}: {error}") from error


def escalation_context(mail: InboundMail, decision: Decision, message_key: str) -> dict[str, Any]:
    return {
        "key": message_key,
        "sender": mail.from_addr,
        "sender_name": header_text(mail.from_name, 200),
        "subject": header_text(mail.subject),
        "date": mail.date.isoformat() if mail.date else "",
        "message_id": mail.message_id,
        "decision": decision,
        "facts": dict(sorted(decision.facts.items())),
        "rules": decision.rules,
        "path": decision.path,
    }


def compose_escalation(mail: InboundMail, decision: Decision, raw: bytes, config: Config,
                       message_key: str, message_id: str, now: datetime | None = None) -> EmailMessage:
    """A short summary for `escalation.address`, the original attached as message/rfc822."""
    address = config.escalation.address.strip()
    if not address:
        raise ComposeError("escalation.address is not set")
    context = escalation_context(mail, decision, message_key)
    message = EmailMessage()
    _common_headers(message, to=_address(address),
                    subject=header_text(render("escalation-subject.txt.j2", context)),
                    message_id=message_id, config=config, auto_submitted="auto-generated", now=now)
    _set_body(message, render("escalation.txt.j2", context))
    # compat32 keeps the original's bytes as they came, broken MIME included.
    original = email.message_from_bytes(raw, policy=email.policy.compat32)
    message.add_attachment(original, disposition="attachment", cte="7bit" if raw.isascii() else "8bit")
    return message


def as_bytes(message: EmailMessage) -> bytes:
    """The exact bytes stored in the outbox and sent: CRLF line ends, RFC 2047 headers."""
    addresses = [a.addr_spec for h in ("To", "From") for a in message[h].addresses]
    policy = email.policy.SMTP if all(a.isascii() for a in addresses) else email.policy.SMTPUTF8
    return message.as_bytes(policy=policy)
