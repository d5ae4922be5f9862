"""Raw bytes -> InboundMail: mail-parser for the body, stdlib for exact headers.

mail-parser gives decoded text/plain and text/html parts and collects MIME
defects instead of raising. Header fields are read here from the stdlib
message it wraps, in order and with our own decoding, because the rules need
the topmost Authentication-Results and undeclared 8-bit headers (mail-parser
drops non-ASCII characters from those: 'Rækker' -> 'Rkker').
"""

from __future__ import annotations

import base64
import binascii
import email
import hashlib
import logging
import quopri
import re
from email.utils import parsedate_to_datetime

import mailparser
from mailparser.exceptions import MailParserError

from ..errors import MailParseError
from .address import AddressError, parse_mailbox, parse_path
from .html import html_to_text
from .message import InboundMail

# mail-parser logs a WARNING for every part type it does not handle; a help
# desk sees plenty of those (calendar invites, delivery reports).
logging.getLogger("mailparser").setLevel(logging.ERROR)


class _BodyParser(mailparser.MailParser):
    """mail-parser for what we read of it: body parts, attachments, defects.

    It also builds two summary dicts of every message (`.mail`,
    `.mail_partial`), a third of its time, which nothing here reads.
    Overriding that one method is safe for the pinned mail-parser 4.8.0;
    tests/test_parse.py fails if an upgrade changes what we read.
    """

    def _make_mail(self, complete=True):
        return {}

# Unicode format characters (category Cf): bidi overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), marks (U+200E/F, U+061C), zero-width and
# invisible characters. They reorder or hide what a person reads in a subject
# or a name; tests/test_parse.py checks this list against unicodedata.
FORMAT_CONTROLS = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
                   "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
                   "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
                   "\U000e0020-\U000e007f")
_UNSAFE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f{FORMAT_CONTROLS}]")
_UNSAFE_ASCII = re.compile("[\x00-\x08\x0a-\x1f\x7f]")     # the same for ASCII text, twice as fast
_FOLD = re.compile(r"\r?\n[ \t]*")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SURROGATES = re.compile("[\udc80-\udcff]")
_READ_HERE = {"subject", "message-id", "date", "in-reply-to", "references"}
_ADDRESSES = {"from", "return-path", "reply-to"}    # parsed raw by intake/address.py, every field


def clean_header_text(value: str) -> str:
    """Unfold, and drop CR, LF, NUL, other controls and format characters (never in a header we write)."""
    unsafe = _UNSAFE_ASCII if value.isascii() else _UNSAFE
    return unsafe.sub("", _FOLD.sub(" ", value)).strip()


def _decode_raw(value) -> str:
    """Undeclared 8-bit bytes arrive as surrogate escapes: UTF-8 first, else Windows-1252."""
    if not isinstance(value, str):
        value = str(value)
    if not _SURROGATES.search(value):
        return value
    raw = value.encode("ascii", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def decode_header_value(value) -> str:
    """RFC 2047 words decoded; broken or unknown charsets degrade, never raise."""
    return clean_header_text(decode_words(_decode_raw(value)))


def decode_words(text: str) -> str:
    """The RFC 2047 encoded words in text decoded, and nothing else done (no cleaning)."""
    if "=?" not in text:
        return text
    # Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
    return _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("?==?", text))


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"\?=\s+=\?")


def _decode_word(match: re.Match) -> str:
    """One encoded word; a broken or unknown charset keeps the word as it stands."""
    charset, encoding, payload = match.groups()
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        if encoding in "Bb":
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            raw = quopri.decodestring(payload.replace("_", " "), header=True)
        return raw.decode(charset, "replace")
    except (LookupError, ValueError, binascii.Error):
        return match.group(0)


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def bare_line_break(data: bytes) -> bool:
    """Whether the header block holds a CR or LF that is not part of its line ends.

    The stdlib parser ends a line at a bare CR or LF; the receiving server
    (which checked DMARC) saw one header line there. Whatever follows it, a
    second From for one, is a header that server never saw.
    """
    head = data[:_header_end(data)]
    crlf = head.count(b"\r\n")
    return head.count(b"\r") > crlf or (crlf > 0 and head.count(b"\n") > crlf)


def _header_end(data: bytes) -> int:
    """Just past the blank line that ends the header block (CRLF, CR and LF each end a line, as the stdlib reads)."""
    end = len(data)
    first = data.find(b"\n")
    # A blank line follows LF LF, LF CR (CRLF CRLF, or an empty line ended by CR) or CR CR.
    markers = (b"\n\r", b"\n\n") if first > 0 and data[first - 1:first] == b"\r" else (b"\n\n", b"\n\r")
    found = -1
    for marker in markers + (b"\r\r",):
        at = data.find(marker, 0, end)
        if at >= 0:
            found, end = at, at
    if found < 0:
        return len(data)
    blank = found + 1
    return blank + (2 if data[blank:blank + 2] == b"\r\n" else 1)


def _identity(data: bytes, values: list[str]) -> tuple[str, str, str]:
    """(address, display name, why there is no strict identity): one From, one mailbox, no smuggled lines."""
    if bare_line_break(data):
        return "", "", "a header line holds a bare CR or LF: a header the receiving server did not see"
    if len(values) != 1:
        return "", "", f"{len(values)} From header fields"
    try:
        address, name = parse_mailbox(_decode_raw(values[0]))
    except AddressError as error:
        return "", "", f"{error} (From: {clean_header_text(_decode_raw(values[0]))[:200]})"
    return address, clean_header_text(name), ""


def _return_path(values: list[str]) -> tuple[str | None, str]:
    """(the topmost Return-Path: None without one, '' for <>; why it cannot be used, or '')."""
    if not values:
        return None, ""
    try:
        path = parse_path(_decode_raw(values[0]))
    except AddressError as error:
        return None, f"Return-Path: {error} ({clean_header_text(_decode_raw(values[0]))[:200]})"
    if len(values) > 1:
        return path, f"{len(values)} Return-Path header fields"
    return path, ""


def _reply_to(values: list[str]) -> str:
    """Recorded, never answered: the first Reply-To mailbox when it is one strict mailbox."""
    try:
        return parse_mailbox(_decode_raw(values[0]))[0] if values else ""
    except AddressError:
        return ""


def normalise_message_id(value: str) -> str:
    ids = _message_ids(value)
    if ids:
        return ids[0]
    return value.strip().strip("<>").strip()


def stable_key(message_id: str, data: bytes) -> str:
    """The identity a message keeps across restarts and re-fetches.

    Message-ID when present; otherwise a hash of the bytes, which an IMAP
    server hands back unchanged however often the message is fetched.
    """
    if message_id:
        return "mid:" + message_id
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_message(data: bytes) -> InboundMail:
    """Parse one raw message. Raises MailParseError for what cannot be read as mail."""
    if not data or not data.strip():
        raise MailParseError("empty message")
    try:
        message = email.message_from_bytes(data)
        if len(message.keys()) == 0:
            raise MailParseError("no header fields: not a mail message")
        raw_headers = [(name.lower(), value) for name, value in message.raw_items()]
        # mail-parser gets the MIME structure only: it would spend most of its
        # time parsing Received and address headers that are read above.
        # (One pass over the stdlib's header list; `del` per name rescans it.)
        message._headers[:] = [(name, value) for name, value in message._headers
                               if name.lower().startswith("content-") or name.lower() == "mime-version"]
        parsed = _BodyParser(message)
    except MailParseError:
        raise
    except (MailParserError, RecursionError) as error:
        raise MailParseError(f"unparseable MIME: {error}") from None
    except Exception as error:  # the stdlib parser has odd corners; never let one stop the desk
        raise MailParseError(f"unparseable message: {type(error).__name__}: {error}") from None
    first = {}
    addresses: dict[str, list[str]] = {"from": [], "return-path": [], "reply-to": []}
    for name, value in raw_headers:
        if name in _READ_HERE and name not in first:
            first[name] = decode_header_value(value)
        elif name in _ADDRESSES:
            addresses[name].append(value)

    if not addresses["from"]:
        raise MailParseError("no From header: cannot tell who to answer")
    from_addr, from_name, identity_error = _identity(data, addresses["from"])
    return_path, return_path_error = _return_path(addresses["return-path"])

    message_id = normalise_message_id(first.get("message-id", ""))
    date = None
    if first.get("date"):
        try:
            date = parsedate_to_datetime(first["date"])
        except (TypeError, ValueError, IndexError):
            date = None

    plain = "\n".join(parsed.text_plain)
    html = "\n".join(parsed.text_html)
    text = plain if plain.strip() else html_to_text(html)

    report_type = ""
    if message.get_content_type() == "multipart/report":
        report_type = (message.get_param("report-type") or "").lower()

    defects = []
    for entry in parsed.defects:
        for part_type, items in entry.items():
            defects.extend(f"{part_type}: {item}" for item in items)

    return InboundMail(
        key=stable_key(message_id, data),
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        identity_error=identity_error,
        subject=first.get("subject", ""),
        text=text,
        raw_headers=raw_headers,
        reply_to=_reply_to(addresses["reply-to"]),
        return_path=return_path,
        return_path_error=return_path_error,
        date=date,
        in_reply_to=normalise_message_id(first.get("in-reply-to", "")),
        references=_message_ids(first.get("references", "")),
        content_type=message.get_content_type(),
        report_type=report_type,
        html_only=not plain.strip() and bool(html.strip()),
        attachments=[a.get("mail_content_type", "") for a in parsed.attachments],
        defects=defects,
        size=len(data),
    )
