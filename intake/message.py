"""What intake hands on: a raw message from a source, and its parsed form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses


def _addresses(values: list[str]) -> list[str]:
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


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

    Addresses are strictly parsed, canonical bare addresses (intake/address.py);
    header values are decoded text with CR, LF and NUL removed. When the
    sender cannot be told for sure (no single strict From mailbox, a smuggled
    header line), `from_addr` is '' and `identity_error` says why. `headers` keeps the top-level header fields in
    order (name lower-cased), because the topmost Authentication-Results counts.
    `text` is the whole readable body (text/plain, or text derived from HTML);
    which part of it is new is the rules' business. Header values are decoded
    when first read: real Exchange mail carries dozens nobody reads.
    """

    key: str                      # stable identity: Message-ID, or a hash when there is none
    message_id: str
    from_addr: str
    from_name: str
    subject: str
    text: str
    raw_headers: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (lower-cased name, raw value)
    identity_error: str = ""      # why there is no strict sender identity; '' when there is one
    reply_to: str = ""            # recorded only: replies never go there
    return_path: str | None = None  # None: no header; "" : the null path <>
    return_path_error: str = ""   # why the Return-Path cannot be answered (unparseable, several)
    date: datetime | None = None
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    content_type: str = "text/plain"
    report_type: str = ""         # multipart/report's report-type (delivery-status, disposition-notification)
    html_only: bool = False
    attachments: list[str] = field(default_factory=list)   # content types of attached parts
    defects: list[str] = field(default_factory=list)
    size: int = 0

    def identity_problem(self, reply_address: str = "from") -> str:
        """Why the desk cannot be sure who wrote this or where an answer would go; '' when it can.

        `reply_address` is policy.reply_address: with "return_path", an
        unusable Return-Path is as much a problem as an ambiguous From.
        """
        if self.identity_error:
            return self.identity_error
        if reply_address == "return_path" and self.return_path_error:
            return self.return_path_error
        return ""

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Every top-level header field in order, (lower-cased name, decoded value)."""
        return [(name, self._decoded(index)) for index, (name, _) in enumerate(self.raw_headers)]

    def _decoded(self, index: int) -> str:
        cache = self.__dict__.setdefault("_decoded_cache", {})
        if index not in cache:
            from .parse import decode_header_value
            cache[index] = decode_header_value(self.raw_headers[index][1])
        return cache[index]

    @property
    def to(self) -> list[str]:
        """To addresses, parsed on demand: the rules never need them, and parsing costs."""
        return _addresses(self.header_all("to"))

    @property
    def cc(self) -> list[str]:
        return _addresses(self.header_all("cc"))

    def _positions(self, name: str) -> list[int]:
        index = self.__dict__.get("_header_index")
        if index is None:
            index = {}
            for position, (key, _) in enumerate(self.raw_headers):
                index.setdefault(key, []).append(position)
            self.__dict__["_header_index"] = index
        return index.get(name.lower(), [])

    def header(self, name: str) -> str:
        """The first (topmost) value of a header, or ''."""
        positions = self._positions(name)
        return self._decoded(positions[0]) if positions else ""

    def header_all(self, name: str) -> list[str]:
        """Every value of a header, topmost first."""
        return [self._decoded(position) for position in self._positions(name)]
