"""Hostile mail, made here: pathological shapes and a deterministic fuzz set.

Shared by tests/test_hostile.py and bench/bench_hostile.py; nothing here
asserts. Every generator is a pure function of its arguments (the fuzz set of
its seed and of the corpus mails in tests/corpus*/mail), so a failure names a
mail that can be made again.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CORPORA = ("corpus", "corpus_blind", "corpus_holdout")
FUZZ_SEED = 20261207
SIZE = 200_000               # characters in one run: the 200 KB of the issue
BIG = 20 * 1024 * 1024       # the 20 MB bodies
DESK = "help@resetdesk.example"


def corpus_mails() -> list[tuple[str, bytes]]:
    """(name, bytes) of every labelled corpus mail, in a fixed order."""
    mails = []
    for corpus in CORPORA:
        for path in sorted((TESTS / corpus / "mail").glob("*.eml")):
            mails.append((f"{corpus}/{path.name}", path.read_bytes()))
    return mails


def mail(body: bytes | str, *, content_type: str = "text/plain; charset=utf-8", subject: str = "Glemt passord",
         sender: str = "Anna Berg <anna@contoso.no>", headers: list[str] | None = None,
         message_id: str | None = None) -> bytes:
    """A plain message around a hostile body or hostile extra header lines."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [f"From: {sender}", f"To: {DESK}", f"Subject: {subject}",
             f"Message-ID: {message_id or '<hostile@contoso.no>'}", "MIME-Version: 1.0",
             f"Content-Type: {content_type}"]
    lines += headers or []
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body


def _nested(depth: int) -> bytes:
    """A multipart `depth` levels deep with the plea at the bottom."""
    opening = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
                       for i in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth + 1)))
    return opening + b"--b%d\r\nContent-Type: text/plain\r\n\r\nJeg har glemt passordet.\r\n" % depth + closing


def pathological(size: int = SIZE, big: int = BIG) -> list[tuple[str, bytes]]:
    """(name, bytes): long runs, broken markup, deep and wide MIME, huge headers and bodies."""
    n = size
    shapes: list[tuple[str, bytes]] = []
    # Long runs of one character: the address, word and phrase patterns' worst case.
    for char in ("a", "å", "1", "@", ".", "-", "<", ">", "_", "=", ":", "&", "'", "+", " ", "\t", "\u00a0"):
        shapes.append((f"run {char!r}", mail("x" + char * n + "x")))
    # ... and with separators.
    for unit in ("a ", "a@", "a.", "a-", "a<", "@ ", ". ", "- ", "< ", "a@a.", "a.a@", "-a", "a'", "a+",
                 "a\n", "\n", "> a\n", "-- \n", "a:\n", "=?", "&#1", "ab@cd.ef ", "passord ", "glemt ",
                 "please reset ", "jeg har glemt passordet ", "a@b ", "x" * 40 + " "):
        shapes.append((f"run {unit!r}", mail(unit * (n // len(unit)))))
    # Lines the quote and signature markers read.
    shapes += [
        ("spaces then 'wrote:'", mail("Hei\n" + " " * n + "x wrote:\n> old\n")),
        ("spaces then a colon", mail("Hei\n" + " " * n + "x:\n")),
        ("'on' letters 'wrote:'", mail("on " + "a" * n + " wrote:\n")),
        ("'on' words 'wrote:'", mail("on " + "a " * (n // 2) + "wrote:\n")),
        ("'am' spaces 'schrieb:'", mail("am " + " " * n + "schrieb " + ":" * 100 + "\n")),
        ("dashes then 'forwarded message'", mail("-" * n + " forwarded message\n")),
        ("underscores then a word", mail("_" * n + "x\n")),
        ("one line of n words and a colon", mail("Fra: " + "x " * (n // 2) + ":\n")),
        ("two words of a [[together]] apart by dots", mail("Passordet" + "." * n + "x glemt")),
    ]
    # HTML: unclosed comments, attributes and tags, deep nesting, long character references.
    html = {
        "unclosed comment of dashes": "<!--" + "-" * n,
        "unclosed comment of letters": "<p>Hei</p><!--" + "a" * n,
        "many comment openers": "<!--" * (n // 4),
        "unclosed attribute \"": '<p>Jeg har glemt passordet</p><a href="' + "x" * n,
        "unclosed attribute '": "<a title='" * (n // 10),
        "many unclosed attributes": '<a b="' * (n // 6),
        "unquoted attributes": "<a b=" * (n // 5),
        "unclosed tags": "<a " * (n // 3),
        "unclosed tags, newline": "<a\n" * (n // 3),
        "tag openers": "x<" * (n // 2),
        "end tag openers": "</" * (n // 2),
        "declarations": "<!" * (n // 2),
        "processing instructions": "<?" * (n // 2),
        "CDATA openers": "<![CDATA[" * (n // 9),
        "self-closing openers": "<a/" * (n // 3),
        "deep nesting": "<div>" * (n // 5) + "Jeg har glemt passordet" + "</div>" * (n // 5),
        "deep blockquotes": "<blockquote>x" * (n // 13),
        "unclosed style": "<style>" + "a" * n,
        "long numeric reference": "<p>&#" + "9" * n + ";</p>",
        "long hex reference": "<p>&#x" + "f" * n + ";</p>",
        "references": "&#1" * (n // 3),
        "letters in one paragraph": "<p>" + "a" * n,
    }
    for name, markup in html.items():
        shapes.append((f"html {name}", mail(markup, content_type="text/html; charset=utf-8")))
    # MIME: deep, wide, unterminated.
    shapes += [
        ("multipart 100 deep", mail(_nested(100), content_type='multipart/mixed; boundary="b0"')),
        ("multipart 1,000 deep", mail(_nested(1000), content_type='multipart/mixed; boundary="b0"')),
        ("multipart 5,000 parts", mail(b"".join(b"--w\r\nContent-Type: text/plain\r\n\r\nhei %d\r\n" % i
                                               for i in range(5000)) + b"--w--\r\n",
                                       content_type='multipart/mixed; boundary="w"')),
        ("multipart never closed", mail(b"--w\r\nContent-Type: text/plain\r\n\r\n" + b"a" * n,
                                        content_type='multipart/mixed; boundary="w"')),
        ("multipart without boundaries", mail(b"a\r\n" * (n // 3), content_type='multipart/mixed; boundary="w"')),
        ("boundary lines only", mail(b"--w\r\n" * (n // 5), content_type='multipart/mixed; boundary="w"')),
    ]
    # Headers: very long lines, long folds, thousands of fields.
    long_headers = {
        "long Subject": [], "long From name": [], "long Message-ID": [],
        "long References": [f"References: {'<a@b> ' * (n // 6)}"],
        "long In-Reply-To": [f"In-Reply-To: {'<' * n}"],
        "long Authentication-Results": [f"Authentication-Results: mx.resetdesk.example; {'dmarc=pass ' * (n // 11)}"],
        "Authentication-Results of parentheses": [f"Authentication-Results: mx.resetdesk.example; {'(' * n}"],
        "long X header": [f"X-Long: {'a' * n}"],
        "long Received": [f"Received: from {'a' * n}"],
        "long boundary": [],
        "long charset": [],
        "folded Subject": [],
        "10,000 headers": [f"X-Filler-{i}: v{i}" for i in range(10_000)],
        "5,000 Received": [f"Received: from h{i}.example by mx.resetdesk.example" for i in range(5000)],
        "2,000 Authentication-Results": ["Authentication-Results: mx.resetdesk.example; dmarc=fail"] * 2000,
        "1,000 From": ["From: mallory@evil.example"] * 1000,
        "1,000 Content-Type": ["Content-Type: text/html"] * 1000,
        "5,000 To": [f"To: p{i}@contoso.no" for i in range(5000)],
    }
    for name, extra in long_headers.items():
        kwargs: dict = {"headers": extra}
        if name == "long Subject":
            kwargs["subject"] = "Glemt passord " + "a" * n
        elif name == "long From name":
            kwargs["sender"] = "a" * n + " <anna@contoso.no>"
        elif name == "long Message-ID":
            kwargs["message_id"] = "<" + "a" * n + "@contoso.no>"
        elif name == "long boundary":
            kwargs["content_type"] = f'multipart/mixed; boundary="{"b" * n}"'
        elif name == "long charset":
            kwargs["content_type"] = f"text/plain; charset={'x' * n}"
        elif name == "folded Subject":
            kwargs["subject"] = "Glemt" + "\r\n passord" * (n // 10)
        shapes.append((f"header {name}", mail("Jeg har glemt passordet mitt.\r\n", **kwargs)))
    shapes += [
        ("header long Subject of encoded words", mail("Hei\r\n", subject="=?utf-8?q?a?= " * (n // 15))),
        ("header long Subject of 'Re:'", mail("Hei\r\n", subject="Re: " * (n // 4))),
        ("header long From of spaces", mail("Hei\r\n", sender='"a' + " " * n + 'b" <anna@contoso.no>')),
        ("header long From of '<'", mail("Hei\r\n", sender="<" * n)),
        ("header long From domain", mail("Hei\r\n", sender="anna@" + "a." * (n // 2) + "no")),
    ]
    # 20 MB bodies: lines, one line, base64, HTML.
    line = b"y" * 76 + b"\r\n"
    shapes += [
        ("20 MB of lines", mail(b"Jeg har glemt passordet.\r\n" + line * (big // len(line)))),
        ("20 MB in one line", mail(b"a" * big)),
        ("20 MB base64 attachment", mail(
            b"--w\r\nContent-Type: text/plain\r\n\r\nJeg har glemt passordet.\r\n--w\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + b"QUFB" * 19 * (big // 78) + b"\r\n--w--\r\n", content_type='multipart/mixed; boundary="w"')),
        ("20 MB HTML comment", mail(b"<p>Hei</p><!--" + b"-" * big, content_type="text/html; charset=utf-8")),
        ("20 MB of tiny parts", mail(b"--w\r\nContent-Type: text/plain\r\n\r\nJeg har glemt passordet.\r\n"
                                     + b"--w\r\n\r\nx\r\n" * (big // 10) + b"--w--\r\n",
                                     content_type='multipart/mixed; boundary="w"')),
        ("20 MB Content-Type", mail(b"Jeg har glemt passordet.\r\n",
                                    content_type="text/plain; charset=utf-8" + "; p=v" * (big // 5))),
    ]
    # Fields of many parameters, each parsed again for every one asked for.
    shapes.append(("1,000 parts of fields of 2,000 ';'", mail(
        b"--w\r\nContent-Type: text/plain\r\n\r\nJeg har glemt passordet.\r\n"
        + (b"--w\r\nContent-Type: text/plain" + b";" * 2000 + b"\r\nContent-Disposition: inline" + b";" * 2000
           + b"\r\n\r\nx\r\n") * 1000 + b"--w--\r\n", content_type='multipart/mixed; boundary="w"')))
    return shapes


# -------------------------------------------------------------------- fuzz

_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\r\n]+)"?', re.IGNORECASE)
_CHARSET = re.compile(rb'charset\s*=\s*"?([^";\r\n\s]*)"?', re.IGNORECASE)
_CHARSETS = [b"\x00utf-8", b"utf-8\x00", b"utf\x00-8", b"x-unknown", b"utf-7", b"utf-16", b"utf-32", b"idna",
             b"iso-2022-jp", b"\xff\xfe", b"cp1252'en'", b"", b"utf-8" * 40, b"rot13", b"base64", b"zlib",
             b"hex", b"punycode", b"unicode-escape", b"raw-unicode-escape", b"mbcs", b"\"", b"latin-1*en"]
_HEADER_NAMES = (b"From", b"Content-Type", b"Subject", b"Message-ID", b"MIME-Version",
                 b"Content-Transfer-Encoding", b"Authentication-Results", b"Return-Path", b"In-Reply-To",
                 b"References", b"Auto-Submitted", b"Content-Disposition")
_CTES = [b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"binary", b"7bit ", b"bogus", b"uuencode"]


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[:at], sep, raw[at + len(sep):]
    return raw, b"", b""


def _byte_flips(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 12)):
        at = _position(rng, raw)
        if at < len(data):
            data[at] ^= rng.randint(1, 255)
    return bytes(data)


def _body_start(raw: bytes) -> int:
    head, sep, _ = _split(raw)
    return len(head) + len(sep)


def _position(rng: random.Random, raw: bytes) -> int:
    """Anywhere; two times in three inside the body (damage to the headers mostly ends them early)."""
    start = _body_start(raw) if rng.random() < 2 / 3 else 0
    return rng.randint(min(start, len(raw)), len(raw))


def _truncate(rng: random.Random, raw: bytes) -> bytes:
    return raw[:max(1, _position(rng, raw))]


def _boundary_damage(rng: random.Random, raw: bytes) -> bytes:
    found = _BOUNDARY.search(raw)
    if not found:   # make a multipart out of a plain mail, then damage it
        head, sep, body = _split(raw)
        raw = head + b"\r\nContent-Type: multipart/mixed; boundary=\"zz\"" + (sep or b"\r\n\r\n") + \
            b"--zz\r\nContent-Type: text/plain\r\n\r\n" + body + b"\r\n--zz--\r\n"
        found = _BOUNDARY.search(raw)
    boundary = found.group(1)
    choice = rng.randrange(7)
    if choice == 0:                                   # no closing boundary, no epilogue
        return raw.replace(b"--" + boundary + b"--", b"")
    if choice == 1:                                   # the parameter names another boundary
        return raw[:found.start(1)] + boundary[::-1] + b"x" + raw[found.end(1):]
    if choice == 2:                                   # no boundary lines at all
        return raw.replace(b"--" + boundary, b"")
    if choice == 3:                                   # a boundary line cut in half
        at = raw.rfind(b"--" + boundary)
        return raw[:at + 2 + len(boundary) // 2] + raw[at + 2 + len(boundary):]
    if choice == 4:                                   # the closing boundary twice, text between
        return raw + b"\r\n--" + boundary + b"--\r\ntrailing\r\n--" + boundary + b"--\r\n"
    if choice == 5:                                   # an empty boundary
        return raw[:found.start(1)] + raw[found.end(1):]
    at = raw.find(b"--" + boundary, found.end())      # 8-bit text before the first boundary
    at = at if at >= 0 else len(raw)
    return raw[:at] + bytes(rng.randint(0x80, 0xff) for _ in range(rng.randint(1, 40))) + b"\r\n" + raw[at:]


def _charset_garbage(rng: random.Random, raw: bytes) -> bytes:
    garbage = rng.choice(_CHARSETS)
    spans = [m.span(1) for m in _CHARSET.finditer(raw)]
    if not spans:
        head, sep, body = _split(raw)
        return head + b"\r\nContent-Type: text/plain; charset=\"" + garbage + b"\"" + (sep or b"\r\n\r\n") + body
    start, end = rng.choice(spans)
    return raw[:start] + garbage + raw[end:]


def _header_duplication(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = _split(raw)
    lines = head.split(b"\n")
    wanted = rng.choice(_HEADER_NAMES).lower()
    picked = [line for line in lines if line.lower().startswith(wanted + b":")] or [rng.choice(lines)]
    copies = picked * rng.randint(1, 50)
    at = rng.randint(0, len(lines))
    return b"\n".join(lines[:at] + copies + lines[at:]) + sep + body


def _insert(rng: random.Random, raw: bytes, make) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        at = _position(rng, bytes(data))
        data[at:at] = make()
    return bytes(data)


def _nuls(rng: random.Random, raw: bytes) -> bytes:
    return _insert(rng, raw, lambda: b"\x00" * rng.randint(1, 3))


def _eight_bit(rng: random.Random, raw: bytes) -> bytes:
    return _insert(rng, raw, lambda: bytes(rng.randint(0x80, 0xff) for _ in range(rng.randint(1, 6))))


def _transfer_encoding(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = _split(raw)
    return head + b"\r\nContent-Transfer-Encoding: " + rng.choice(_CTES) + (sep or b"\r\n\r\n") + body


def _line_endings(rng: random.Random, raw: bytes) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return raw.replace(b"\r\n", b"\n")
    if choice == 1:
        return raw.replace(b"\r\n", b"\r")
    return raw.replace(b"\r\n", b"\n", rng.randint(1, 30)).replace(b"\n\n", b"\r\n\n", 3)


def _header_block(rng: random.Random, raw: bytes) -> bytes:
    head, sep, body = _split(raw)
    choice = rng.randrange(3)
    if choice == 0:                                   # no blank line: the body runs into the headers
        return head + b"\r\n" + body
    if choice == 1:                                   # a continuation line first
        return b" folded\r\n" + raw
    return head + sep + head + sep + body             # the header block twice


MUTATIONS = {
    "byte flips": _byte_flips,
    "truncation": _truncate,
    "boundary damage": _boundary_damage,
    "charset garbage": _charset_garbage,
    "header duplication": _header_duplication,
    "NULs": _nuls,
    "8-bit bytes": _eight_bit,
    "transfer encoding": _transfer_encoding,
    "line endings": _line_endings,
    "header block": _header_block,
}


def fuzzed(count: int = 2000, seed: int = FUZZ_SEED) -> list[tuple[str, bytes]]:
    """`count` mutated corpus mails: one to three mutations each, the same list for the same seed."""
    rng = random.Random(seed)
    corpus = corpus_mails()
    names = sorted(MUTATIONS)
    mails = []
    for number in range(count):
        source, raw = corpus[number % len(corpus)]
        applied = rng.sample(names, rng.randint(1, 3))
        for name in applied:
            raw = MUTATIONS[name](rng, raw)
        mails.append((f"fuzz {number} ({source}: {', '.join(applied)})", raw))
    return mails


def decide(raw: bytes, classifier, config) -> str:
    """One mail as the desk handles it: parse, classify, compose what it would send.

    Returns 'decided: scenario/action' or 'parked: why' for the errors the
    desk parks a mail for (MailParseError, ComposeError); anything else raises.
    """
    from resetdesk.errors import MailParseError
    from resetdesk.intake.parse import parse_message
    from resetdesk.responders import compose
    from resetdesk.responders.render import Renderer

    try:
        parsed = parse_message(raw)
    except MailParseError as error:
        return f"parked: cannot parse: {error}"
    decision = classifier.classify(parsed)
    try:
        draft = Renderer(classifier.knowledge.graph).draft(decision, parsed)
        if draft is not None:
            compose.as_bytes(compose.compose_reply(parsed, decision, draft, config, "r@resetdesk.example"))
        if decision.action == "escalate" and config.escalation.address:
            compose.as_bytes(compose.compose_escalation(parsed, decision, raw, config, parsed.key,
                                                        "e@resetdesk.example"))
    except compose.ComposeError as error:
        return f"parked: {error}"
    return f"decided: {decision.scenario}/{decision.action}"
