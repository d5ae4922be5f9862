"""What intake hands on: a raw message from a source, and its parsed form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RawMessage:
    """One message as a source holds it, before any parsing.

    `mailbox` names the source and folder (``imap://user@host/INBOX``,
    ``maildir:/path``); `uid` is the IMAP UID or the Maildir key, as text;
    `size` is known before the body is fetched so huge mail can be parked unread.
    """

    mailbox: str
    uid: str
    data: bytes
    uidvalidity: int | None = None
    size: int | None = None


@dataclass
class InboundMail:
    """A parsed, normalised message: everything the rules may read.

    Addresses are lower-cased bare addresses; header values are decoded text
    with CR, LF and NUL removed. `headers` keeps the top-level header fields in
    order (name lower-cased), because the topmost Authentication-Results counts.
    `text` is the whole readable body (text/plain, or text derived from HTML);
    which part of it is new is the rules' business.
    """

    key: str                      # stable identity: Message-ID, or a hash when there is none
    message_id: str
    from_addr: str
    from_name: str
    subject: str
    text: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str = ""
    return_path: str | None = None  # None: no header; "" : the null path <>
    date: datetime | None = None
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    content_type: str = "text/plain"
    report_type: str = ""         # multipart/report's report-type (delivery-status, disposition-notification)
    html_only: bool = False
    attachments: list[str] = field(default_factory=list)   # content types of attached parts
    defects: list[str] = field(default_factory=list)
    size: int = 0

    def header(self, name: str) -> str:
        """The first (topmost) value of a header, or ''."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return ""

    def header_all(self, name: str) -> list[str]:
        """Every value of a header, topmost first."""
        name = name.lower()
        return [value for key, value in self.headers if key == name]
