"""Outgoing mail: the reply to a requester and the escalation to a human.

The renderer hands over a `Draft` (subject, text, html); everything about
headers is decided here, by the rules an automatic responder lives by
(RFC 3834):

- the reply goes to the sender: the strictly parsed From mailbox, or the
  Return-Path when `policy.reply_address = "return_path"`; never Reply-To,
  which anyone can set to a third party's address, and never an address in a
  display name. When that address is ambiguous (intake/address.py), there is
  no reply at all (`identity_problem`): a person decides;
- it says what it is: `Auto-Submitted: auto-replied`, and
  `X-Auto-Response-Suppress: All` so Exchange's out-of-office does not answer;
- it carries the desk's loop marker `X-Resetdesk-Loop: <desk address>`, so the
  desk treats anything carrying it as machine mail;
- it threads: `In-Reply-To` and `References`, copied only as valid message
  ids, and `Re:` added once;
- its Message-ID is derived from the outbox row (the message key and the kind),
  so a retried send carries the same id and a recipient's server can tell.

Everything untrusted that lands in a header (subject, display names) loses its
control characters first: CR/LF would let a sender inject headers of their own;
bidi and other format characters would reorder or hide what a person reads.
"""

from __future__ import annotations

import email.policy
import hashlib
import io
import re
from datetime import datetime, UTC
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any

from ..config import Config
from ..errors import KnowledgeError, ResetdeskError
from ..intake.message import InboundMail
from ..intake.parse import FORMAT_CONTROLS
from ..rules.decision import Decision
from ..rules.machine import LOOP_HEADER
from . import templates
from .render import Draft, reply_subject   # one "Re:" rule for drafts and headers


# C0 and C1 controls and the Unicode line/paragraph separators: any of them
# may end a header line somewhere between here and the reader's screen.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_FORMAT = re.compile(f"[{FORMAT_CONTROLS}]+")
_MAX_REFERENCES = 10
# RFC 5322 msg-id without its brackets: dot-atom-text "@" (dot-atom-text / no-fold-literal).
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-"
_MSG_ID = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@(?:[{_ATEXT}]+(?:\.[{_ATEXT}]+)*|\[[\x21-\x5a\x5e-\x7e]*\])")
_MAX_LINE = 998     # octets in a line of 7bit or 8bit MIME (RFC 5322 2.1.1, RFC 6152)
# A bare addr-spec as the parser hands it over: no spaces, brackets, quotes or commas.
_ADDR_SPEC = re.compile(r"[^\s<>()\[\],;:\\\"@]+@[^\s<>()\[\],;:\\\"@]+")
# Bodies in quoted-printable UTF-8: 7-bit clean, readable in the raw, no 8BITMIME needed.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
# The compat32 builders (email.mime): about 4 times faster than EmailMessage
# with policy.default here (0.7 vs 2.4 ms a reply), which is most of the
# per-message budget. Header values are made safe by header_text() and
# checked again in as_bytes(), since compat32 itself would write a CR/LF.
_WIRE = email.policy.compat32.clone(linesep="\r\n")


class _Generator(BytesGenerator):
    """compat32's generator, writing an attached original (original_attachment) back byte for byte.

    The stock one encodes a message/rfc822 part's text payload as strict
    ASCII, which raw 8-bit bytes (surrogate escapes) are not.
    """

    def _handle_message(self, msg: Message) -> None:
        # _payload as the stock generator reads it: get_payload() would decode the escapes away.
        # typeshed leaves out both private names (the payload, the generator's handler).
        payload = msg._payload  # type: ignore[attr-defined]
        if isinstance(payload, str):
            self.write(payload)          # surrogateescape: the same bytes again
        else:
            super()._handle_message(msg)  # type: ignore[misc]


class ComposeError(ResetdeskError):
    """An outgoing message cannot be written (no usable recipient, broken template)."""


def header_text(value: str | None, limit: int = 900) -> str:
    """Untrusted text made safe for one header line: controls become spaces, format characters go."""
    text = " ".join(_UNSAFE.sub(" ", _FORMAT.sub("", value or "")).split())
    return text[:limit]


def valid_message_id(value: str) -> bool:
    """Whether value (without <>) is a message id we may copy into a header: local@domain, nothing else."""
    return len(value) <= 400 and _MSG_ID.fullmatch(value) is not None


def loop_marker(config: Config) -> str:
    return (config.policy.desk_address or config.desk_address()).strip().lower()


def make_message_id(message_key: str, kind: str, config: Config) -> str:
    """Our Message-ID (without <>) for the outbox row (message_key, kind): the same on every retry."""
    digest = hashlib.sha256(f"{kind}\0{message_key}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    domain = config.desk_address().rpartition("@")[2] or "localhost"
    return f"resetdesk.{kind}.{digest}@{domain}"


def ascii_address(addr: str) -> str:
    """The address as it can be written in a header and an SMTP envelope: IDNA for the domain.

    A non-ASCII local part would need SMTPUTF8 and UTF-8 headers (RFC 6531/6532),
    which the desk does not write: ComposeError, and the message goes to a person.
    """
    addr = addr.strip()
    if not _ADDR_SPEC.fullmatch(addr):
        raise ComposeError(f"cannot write an address header for {header_text(addr, 200)!r}")
    local, _, domain = addr.rpartition("@")
    if not local.isascii():
        raise ComposeError(f"{header_text(addr, 200)!r} has a non-ASCII local part (needs SMTPUTF8)")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ComposeError(f"{header_text(addr, 200)!r}: domain is not valid IDNA: {error}") from None
    return f"{local}@{domain}"


def identity_problem(mail: InboundMail, config: Config) -> str:
    """Why the desk cannot be sure whom it would answer, or '' (the mail then goes to a person)."""
    return mail.identity_problem(config.policy.reply_address)


def reply_recipient(mail: InboundMail, config: Config) -> str:
    """The address a reply goes to (never Reply-To), ready for the envelope; '' when there is none."""
    problem = identity_problem(mail, config)
    if problem:
        raise ComposeError(f"no reply to an ambiguous sender: {header_text(problem, 300)}")
    if config.policy.reply_address == "return_path" and mail.return_path:
        return ascii_address(mail.return_path)
    return ascii_address(mail.from_addr) if mail.from_addr else ""


def _address(addr: str, name: str = "") -> str:
    return formataddr((header_text(name, 200), ascii_address(addr)), charset="utf-8")


def _header(value: str) -> str | Header:
    """Untrusted text for a header: ASCII as it is, anything else as RFC 2047 UTF-8."""
    value = header_text(value)
    return value if value.isascii() else Header(value, "utf-8")


def _text_part(body: str, subtype: str) -> MIMEText:
    # MIMEText hands the Charset to set_payload, which takes one (quoted-printable); typeshed allows only str.
    return MIMEText(body, subtype, _UTF8_QP)  # type: ignore[arg-type]


def _common_headers(message: Message, *, to: str, subject: str, message_id: str,
                    config: Config, auto_submitted: str, now: datetime | None) -> None:
    message["From"] = _address(config.desk_address())
    message["To"] = to
    # compat32 takes a Header object; typeshed's Message[str, str] only a str.
    message["Subject"] = _header(subject)  # type: ignore[assignment]
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = f"<{message_id}>"
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "All"
    message[LOOP_HEADER] = loop_marker(config)


def compose_reply(mail: InboundMail, decision: Decision, draft: Draft | None, config: Config,
                  message_id: str, now: datetime | None = None) -> Message:
    """The reply to the requester, from the draft rendered for the decision."""
    if draft is None:
        raise ComposeError(f"decision {decision.scenario}/{decision.action} has no reply draft")
    recipient = reply_recipient(mail, config)
    if not recipient:
        raise ComposeError("the message has no sender address to reply to")
    to_return_path = config.policy.reply_address == "return_path" and bool(mail.return_path)
    name = "" if to_return_path else mail.from_name
    if draft.html:
        message: Message = MIMEMultipart("alternative")
        message.attach(_text_part(draft.text, "plain"))
        message.attach(_text_part(draft.html, "html"))
    else:
        message = _text_part(draft.text, "plain")
    _common_headers(message, to=_address(recipient, name), subject=reply_subject(draft.subject or mail.subject),
                    message_id=message_id, config=config, auto_submitted="auto-replied", now=now)
    if valid_message_id(mail.message_id):
        their_id = mail.message_id
        message["In-Reply-To"] = f"<{their_id}>"
        references = [r for r in mail.references if r != their_id and valid_message_id(r)]
        if len(references) >= _MAX_REFERENCES:   # keep the thread root and the newest (RFC 5322 3.6.4)
            references = references[:1] + references[-(_MAX_REFERENCES - 2):]
        message["References"] = " ".join(f"<{r}>" for r in references + [their_id])
    if decision.language:
        message["Content-Language"] = header_text(decision.language, 35)
    return message


def render(name: str, context: dict[str, Any]) -> str:
    """A plain-text template from data/templates; any template error is a ComposeError."""
    try:
        return templates.render(name, context)
    except KnowledgeError as error:
        raise ComposeError(str(error)) from error


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


def original_attachment(raw: bytes) -> Message:
    """The original mail, byte for byte, as an attachment.

    Its bytes are never parsed and written again: the generator re-encodes a
    parsed message, which changes broken MIME and fails on raw 8-bit bytes
    where it expects text (a preamble: UnicodeEncodeError). Mail that may
    travel as 7bit or 8bit MIME (no NUL, no bare CR, lines of at most 998
    octets) goes as message/rfc822, its line ends made CRLF; anything else as
    application/octet-stream in base64, which carries any bytes unchanged.
    """
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    if b"\0" in raw or b"\r" in raw.replace(b"\r\n", b"") or max(map(len, lines)) > _MAX_LINE:
        opaque = MIMEApplication(raw, "octet-stream")
        opaque.add_header("Content-Disposition", "attachment", filename="original.eml")
        return opaque
    part = Message()
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = "attachment"
    part["Content-Transfer-Encoding"] = "7bit" if raw.isascii() else "8bit"
    # A string payload is written as it stands (surrogate escapes back to the same bytes).
    part.set_payload(b"\r\n".join(lines).decode("ascii", "surrogateescape"))
    return part


def compose_escalation(mail: InboundMail, decision: Decision, raw: bytes, config: Config,
                       message_key: str, message_id: str, now: datetime | None = None) -> Message:
    """A short summary for `escalation.address`, the original attached (original_attachment)."""
    address = config.escalation.address.strip()
    if not address:
        raise ComposeError("escalation.address is not set")
    context = escalation_context(mail, decision, message_key)
    message = MIMEMultipart("mixed")
    message.attach(_text_part(render("escalation.txt.j2", context), "plain"))
    message.attach(original_attachment(raw))
    _common_headers(message, to=_address(address), subject=render("escalation-subject.txt.j2", context),
                    message_id=message_id, config=config, auto_submitted="auto-generated", now=now)
    return message


def as_bytes(message: Message) -> bytes:
    """The exact bytes stored in the outbox and sent: CRLF line ends, RFC 2047 headers.

    Refuses a header value with a line break in it: nothing untrusted may
    start a header line of its own.
    """
    for name, value in message.items():
        if isinstance(value, str) and ("\r" in value or "\n" in value):
            raise ComposeError(f"header {name} would contain a line break")
    buffer = io.BytesIO()
    _Generator(buffer, mangle_from_=False, policy=_WIRE).flatten(message)
    return buffer.getvalue()
