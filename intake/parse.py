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
from email.utils import collapse_rfc2231_value, parseaddr, parsedate_to_datetime

import mailparser
from mailparser.exceptions import MailParserRecursionError

from ..errors import MailParseError
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


STDLIB_PARSEPARAM = email.message._parseparam
email.message._parseparam = _parseparam


class _BodyParser(mailparser.MailParser):
    """mail-parser for what we read of it: body parts, attachments, defects.

    It also builds two summary dicts of every message (`.mail`,
    `.mail_partial`), a third of its time, which nothing here reads.
    Overriding that one method is safe for the pinned mail-parser 4.8.0;
    tests/test_parse.py fails if an upgrade changes what we read.
    """

    def _make_mail(self, complete=True):
        return {}

_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SURROGATES = re.compile("[\udc80-\udcff]")
_READ_HERE = {"from", "subject", "return-path", "message-id", "date", "reply-to", "in-reply-to", "references"}


def clean_header_text(value: str) -> str:
    """Unfold, and drop CR, LF, NUL and other controls (they must never reach a header we write)."""
    return _UNSAFE.sub("", _FOLD.sub(" ", value)).strip()


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
    text = _decode_raw(value)
    if "=?" in text:
        # Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
        text = _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("?==?", text))
    return clean_header_text(text)


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


# Possessive (*+): a lazy name before '"?\s*<' cost the square of a run of blanks.
_SIMPLE_ADDRESS = re.compile(
    r'\s*+(?:"?(?P<name>[^"<>,;:@\\]*+)"?\s*<(?P<angle>[^<>\s"@,;:\\()]+@[^<>\s"@,;:\\()]+)>|(?P<bare>[^<>\s"@,;:\\()]+@[^<>\s"@,;:\\()]+))\s*')


def parse_address(value: str) -> tuple[str, str]:
    """(display name, address); the plain forms by regex, anything else by the stdlib (~40 us a call)."""
    simple = _SIMPLE_ADDRESS.fullmatch(value)
    if simple:
        if simple.group("bare"):
            return "", simple.group("bare")
        return simple.group("name").strip(), simple.group("angle")
    try:
        return parseaddr(value)
    except RecursionError:   # comments nested thousands deep: no address anyone can be sure of
        return "", ""


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
    plain, html = [], []
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
        defects = []
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
        message._headers[:] = [(name, value) for name, value in message._headers
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
    for name, value in raw_headers:
        if name in _READ_HERE and name not in first:
            first[name] = decode_header_value(value)

    from_name, from_addr = parse_address(first.get("from", ""))
    from_addr = from_addr.lower() if "@" in from_addr else ""
    if not from_addr and "from" not in first:
        raise MailParseError("no From header: cannot tell who to answer")

    return_path = None
    if "return-path" in first:
        _, return_path = parse_address(first["return-path"])
        return_path = return_path.lower()

    message_id = normalise_message_id(first.get("message-id", ""))
    date = None
    if first.get("date"):
        try:
            date = parsedate_to_datetime(first["date"])
        except (TypeError, ValueError, IndexError):
            date = None

    plain, html = body.plain, body.html
    text = plain if plain.strip() else html_to_text(html)

    report_type = ""
    if message.get_content_type() == "multipart/report":
        report_type = _parameter(message, "report-type").lower()

    return InboundMail(
        key=stable_key(message_id, data),
        message_id=message_id,
        from_addr=from_addr,
        from_name=clean_header_text(from_name),
        subject=first.get("subject", ""),
        text=text,
        raw_headers=raw_headers,
        reply_to=(parse_address(first.get("reply-to", ""))[1] or "").lower(),
        return_path=return_path,
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
