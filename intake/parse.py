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
import email.errors
import email.message
import hashlib
import logging
import quopri
import re
from dataclasses import dataclass, field
from email.utils import collapse_rfc2231_value, parsedate_to_datetime

import mailparser
from mailparser.exceptions import MailParserRecursionError

from ..errors import MailParseError
from .address import AddressError, parse_mailbox, parse_path
from .html import html_to_text
from .message import InboundMail

# mail-parser logs a WARNING for every part type it does not handle; a help
# desk sees plenty of those (calendar invites, delivery reports).
logging.getLogger("mailparser").setLevel(logging.ERROR)


def _parseparam(value) -> list[str]:
    """email.message._parseparam, the same list in one pass.

    The stdlib's (3.11) copies the rest of the header for every parameter and
    recounts its quotes from the start: a Content-Type of 800 KB took 5 s, and
    every part's charset, boundary and filename go through it (CPython
    gh-136063, fixed upstream the same way). Installed below for every parse.
    """
    text = ";" + str(value)
    params = []
    start = 0
    while text.startswith(";", start):
        start += 1
        end = text.find(";", start)
        counted, odd = start, 0
        # A ';' inside a quoted string (an odd number of unescaped quotes before it) does not end the parameter.
        while end > start:
            odd = (odd + text.count('"', counted, end) - text.count('\\"', counted, end)) % 2
            if not odd:
                break
            counted, end = end, text.find(";", end + 1)
        if end < 0:
            end = len(text)
        field_ = text[start:end]
        if "=" in field_:
            at = field_.index("=")
            field_ = field_[:at].strip().lower() + "=" + field_[at + 1:].strip()
        params.append(field_.strip())
        start = end
    return params


# typeshed leaves out the stdlib's private helper.
STDLIB_PARSEPARAM = email.message._parseparam  # type: ignore[attr-defined]
email.message._parseparam = _parseparam  # type: ignore[attr-defined]


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
# Lone surrogates (undecodable bytes) too: no encoder writes them, to a header or the store.
_UNSAFE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f{FORMAT_CONTROLS}\ud800-\udfff]")
_UNSAFE_ASCII = re.compile("[\x00-\x08\x0a-\x1f\x7f]")     # the same for ASCII text, twice as fast
_FOLD = re.compile(r"\r?\n[ \t]*")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SURROGATES = re.compile("[\udc80-\udcff]")
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
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


@dataclass
class Body:
    """What a message's MIME structure holds for the rules."""

    plain: str = ""                                          # text/plain parts, joined
    html: str = ""                                           # text/html parts, joined
    attachments: list[str] = field(default_factory=list)     # content types of attached parts
    defects: list[str] = field(default_factory=list)


def decode_payload(raw: bytes, charset: str) -> str:
    """A part's bytes in its declared charset; one Python cannot use degrades to UTF-8, else Windows-1252.

    Unusable: unknown, not a text codec (base64, rot13), a NUL in the name
    (ValueError), or a codec that makes lone surrogates (unicode-escape).
    """
    try:
        text = raw.decode(charset, "replace")
        text.encode("utf-8")
        return text
    except (LookupError, ValueError, TypeError):   # UnicodeError is a ValueError
        pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _part_text(part: email.message.Message, defects: list[str]) -> str:
    """A leaf part's payload as text: transfer encoding undone, then its charset; '' if unreadable."""
    try:
        raw = part.get_payload(decode=True)
        try:
            charset = part.get_content_charset() or "utf-8"
        except ValueError:   # an RFC 2231 charset value in a charset whose name is unusable
            charset = "utf-8"
        return decode_payload(raw if isinstance(raw, bytes) else b"", charset)
    except Exception as error:  # the stdlib's odd corners: one unreadable part, the others still count
        defects.append(f"{part.get_content_type()}: unreadable part: {type(error).__name__}: {error}")
        return ""


def _stdlib_body(message: email.message.Message) -> Body:
    """The text parts by the stdlib alone, part by part: what mail-parser would have read."""
    try:
        parts = list(message.walk())
    except RecursionError:
        raise MailParseError("unparseable MIME: nested too deeply") from None
    body = Body()
    plain: list[str] = []
    html: list[str] = []
    for part in parts:
        content_type = part.get_content_type()
        body.defects.extend(f"{content_type}: {type(defect).__name__}: {defect}" for defect in part.defects)
        if part.is_multipart():
            continue
        try:
            inline = part.get_content_disposition() != "attachment" and not part.get_filename()
        except Exception:  # an unreadable filename parameter: an attachment all the same
            inline = False
        if inline and content_type in ("text/plain", "text/html"):
            (plain if content_type == "text/plain" else html).append(_part_text(part, body.defects))
        else:
            body.attachments.append(content_type)
    body.plain, body.html = "\n".join(plain), "\n".join(html)
    return body


# The MIME budget of every mail. Each part costs the stdlib and mail-parser
# some 50 us, and each parameter of its Content-* fields about 1 us every time
# one is asked for (four times a part): 25 MB of tiny parts, or of ';', would
# take half a minute or more. A help request has a few parts whose fields
# hold a few parameters (an RFC 2231 file name of 255 characters is some 12
# pieces) on a line or two (a boundary is 70 characters at most, RFC 2046).
MAX_PARTS = 1_000                 # lines starting with '--' (boundaries, perhaps) read
MAX_MIME_FIELD = 2_048            # characters of a Content-* field
MAX_PARAMETERS = 50               # parameters of a Content-* field
# Fields are checked only in a mail of more ';' than this (everyday mail has a
# few dozen): below it, all of them cost a few milliseconds at most.
CHECKED_SEMICOLONS = 1_000
_MAYBE_BOUNDARY = re.compile(rb"[\r\n]--")


def within_part_budget(data: bytes) -> bytes:
    """The message up to its MAX_PARTS-th line starting with '--' (a boundary, perhaps)."""
    if data.count(b"--") <= MAX_PARTS:       # one quick pass for the mail of every day
        return data
    for number, found in enumerate(_MAYBE_BOUNDARY.finditer(data), start=1):
        if number == MAX_PARTS:
            return data[:found.start() + 1]
    return data


class MimeFieldCutDefect(email.errors.HeaderDefect):
    """A Content-* field over MAX_MIME_FIELD characters or MAX_PARAMETERS parameters: cut there."""


class _Message(email.message.Message):
    """compat32's Message, its Content-* fields cut to the budget as they are parsed (any mail with many ';')."""

    _headers: list[tuple[str, str]]     # compat32's field list; typeshed leaves the private attribute out

    def set_raw(self, name, value):
        if (len(value) > MAX_MIME_FIELD or value.count(";") > MAX_PARAMETERS) \
                and name.lower().startswith("content-"):
            end = -1
            for _ in range(MAX_PARAMETERS + 1):
                end = value.find(";", end + 1)
                if end < 0 or end > MAX_MIME_FIELD:
                    end = MAX_MIME_FIELD
                    break
            value = value[:end]
            self.defects.append(MimeFieldCutDefect(name))
        self._headers.append((name, value))     # Message.set_raw, without a second call per field


def read_body(message: email.message.Message) -> Body:
    """Text parts, attachment types and defects: by mail-parser, else by the stdlib.

    mail-parser stops on rough mail the stdlib still reads (an embedded NUL
    in a charset name, ...): then the stdlib reads the text parts and the
    failure is kept as a defect. Only nesting too deep for both is an error.
    """
    try:
        parsed = _BodyParser(message)
    except (MailParserRecursionError, RecursionError) as error:
        raise MailParseError(f"unparseable MIME: {error}") from None
    except Exception as error:  # any other corner of mail-parser: the stdlib reads on
        body = _stdlib_body(message)
        body.defects.insert(0, f"mail-parser failed ({type(error).__name__}: {error}): read with the stdlib")
    else:
        defects: list[str] = []
        for entry in parsed.defects:
            for part_type, items in entry.items():
                defects.extend(f"{part_type}: {item}" for item in items)
        body = Body("\n".join(parsed.text_plain), "\n".join(parsed.text_html),
                    [a.get("mail_content_type", "") for a in parsed.attachments], defects)
    if not body.plain.strip() and not body.html.strip():
        # A multipart whose boundary never comes keeps its body as one text:
        # what a mail client shows of it, and all there is to read.
        lost = [_part_text(part, body.defects) for part in message.walk()
                if part.get_content_maintype() == "multipart" and not part.is_multipart()]
        if any(text.strip() for text in lost):
            body.plain = "\n".join(lost)
            body.defects.append("multipart without its boundary: its body read as text")
    return body


def _parameter(message: email.message.Message, name: str) -> str:
    """A Content-Type parameter as text: an RFC 2231 value in a charset Python lacks stays as written."""
    value = message.get_param(name)
    if not value:
        return ""
    try:
        return str(collapse_rfc2231_value(value))
    except (LookupError, ValueError):
        return value[2] if isinstance(value, tuple) else str(value)


def parse_message(data: bytes) -> InboundMail:
    """Parse one raw message. Raises MailParseError for what cannot be read as mail."""
    if not data or not data.strip():
        raise MailParseError("empty message")
    readable = within_part_budget(data)
    factory = _Message if readable.count(b";") > CHECKED_SEMICOLONS else email.message.Message
    try:
        message = email.message_from_bytes(readable, _class=factory)
        if len(message.keys()) == 0:
            raise MailParseError("no header fields: not a mail message")
        raw_headers = [(name.lower(), value) for name, value in message.raw_items()]
        # mail-parser gets the MIME structure only: it would spend most of its
        # time parsing Received and address headers that are read above.
        # (One pass over the stdlib's header list; `del` per name rescans it.)
        # typeshed leaves out compat32's private field list.
        message._headers[:] = [(name, value) for name, value in message._headers  # type: ignore[attr-defined]
                               if name.lower().startswith("content-") or name.lower() == "mime-version"]
    except MailParseError:
        raise
    except RecursionError as error:
        raise MailParseError(f"unparseable MIME: {error}") from None
    except Exception as error:  # the stdlib parser has odd corners; never let one stop the desk
        raise MailParseError(f"unparseable message: {type(error).__name__}: {error}") from None
    body = read_body(message)
    if len(readable) < len(data):
        body.defects.append(f"over {MAX_PARTS} lines that may be MIME boundaries: the rest not read")
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

    plain, html = body.plain, body.html
    # Undecodable bytes of a broken part arrive as lone surrogates, which no
    # encoder writes (a reply, a stored decision): they are U+FFFD from here on.
    text = _LONE_SURROGATES.sub("\ufffd", plain if plain.strip() else html_to_text(html))

    report_type = ""
    if message.get_content_type() == "multipart/report":
        report_type = _parameter(message, "report-type").lower()

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
        attachments=body.attachments,
        defects=body.defects,
        size=len(data),
    )
