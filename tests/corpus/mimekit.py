"""MIME plumbing shared by the corpus generators (tests/corpus*/make_corpus.py).

Each generator puts tests/corpus on ``sys.path`` and imports this module
(tests/ is not a package).  Stdlib only and deterministic: the generators must
keep reproducing their committed .eml files byte for byte, so where their
helpers differ (seed prefix of the pseudo-randomness, width of RFC 2047
encoded words, provider table, Outlook HTML head, ...) the difference is a
parameter here, set by the generator; nothing here picks a default for them
silently.

What stays in a generator is what really is its own: the mails, and helpers
that render differently there (tests/corpus keeps its tuple-based parts and
HTML renderings; each generator keeps its own Authentication-Results and
trace headers and its PNG pixel pattern).
"""
from __future__ import annotations

import base64
import csv
import hashlib
import html as htmlmod
import quopri
import random
import re
import struct
import textwrap
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

DESK = "help@resetdesk.example"
TRUSTED = "mx.resetdesk.example"

ACTIONS = {
    "sspr": {"reply"}, "security_info": {"reply"}, "forgot_username": {"reply"},
    "new_admin_account": {"reply"}, "admin_reset": {"reply", "approval_requested"},
    "support": {"escalate"}, "out_of_scope": {"escalate"}, "auto_reply": {"ignore"},
}

HEX = "0123456789abcdef"
B64ISH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

TZ1 = timezone(timedelta(hours=1))    # CET
TZ2 = timezone(timedelta(hours=2))    # CEST
UTC = timezone.utc

DESK_PLAIN = DESK
DESK_NAMED = f"Resetdesk <{DESK}>"
DESK_OUTLOOK = f'"{DESK}" <{DESK}>'


def D(y, mo, d, h, mi, s=0, tz=TZ1) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=tz)


def rfcdate(dt: datetime) -> str:
    return format_datetime(dt)


# --------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------

def T(s: str) -> str:
    """Dedent a triple-quoted body; exactly one trailing newline."""
    return textwrap.dedent(s).strip("\n") + "\n"


def wrap(text: str, width: int = 72) -> str:
    """Hard-wrap like Thunderbird/Mutt, keeping '> ' quote prefixes."""
    out = []
    for line in text.split("\n"):
        m = re.match(r"^((?:> ?)*)(.*)$", line)
        prefix, rest = m.group(1), m.group(2)
        if len(line) <= width or not rest.strip():
            out.append(line)
            continue
        out.extend(textwrap.wrap(rest, width=width - len(prefix), initial_indent=prefix,
                                 subsequent_indent=prefix, break_long_words=False,
                                 break_on_hyphens=False))
    return "\n".join(out)


def quote(t: str) -> str:
    return "\n".join(("> " + l) if l else ">" for l in t.rstrip("\n").split("\n")) + "\n"


def ew(s: str, cs: str = "utf-8", enc: str = "Q", *, width: int) -> str:
    """RFC 2047 encoded word(s) for s, folded when an encoded text would pass
    ``width`` characters (each generator has its own width)."""
    E = enc.upper()

    def enc_bytes(b: bytes) -> str:
        if E == "B":
            return base64.b64encode(b).decode()
        out = []
        for byte in b:
            c = chr(byte)
            if byte == 0x20:
                out.append("_")
            elif byte < 128 and (c.isalnum() or c in "!*+-/"):
                out.append(c)
            else:
                out.append("=%02X" % byte)
        return "".join(out)

    chunks: list[bytes] = []
    cur = b""
    for ch in s:
        cb = ch.encode(cs)
        if cur and len(enc_bytes(cur + cb)) > width:
            chunks.append(cur)
            cur = b""
        cur += cb
    if cur:
        chunks.append(cur)
    return "\n ".join(f"=?{cs}?{E}?{enc_bytes(c)}?=" for c in chunks)


def esc(s: str) -> str:
    return htmlmod.escape(s, quote=False)


def linkify(s: str) -> str:
    return re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', s)


# --------------------------------------------------------------------------
# HTML renderings of a plain text body
# --------------------------------------------------------------------------

def _blocks(text: str):
    """Split into ('line', str) and ('quote', [lines]) items."""
    items = []
    q: list[str] = []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith(">"):
            q.append(line[2:] if line.startswith("> ") else line[1:])
            continue
        if q:
            items.append(("quote", q))
            q = []
        items.append(("line", line))
    if q:
        items.append(("quote", q))
    return items


def _render_blocks(text: str, quote_open: str, quote_close: str) -> str:
    parts = []
    for kind, v in _blocks(text):
        if kind == "quote":
            parts.append(quote_open + _render_blocks("\n".join(v), quote_open, quote_close) + quote_close)
        elif v.strip():
            parts.append(f"<div>{linkify(esc(v))}</div>")
        else:
            parts.append("<div><br></div>")
    return "".join(parts)


def html_gmail(text: str) -> str:
    body = _render_blocks(text, '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
                                'border-left:1px solid rgb(204,204,204);padding-left:1ex">', "</blockquote>")
    return f'<div dir="ltr">{body}</div>\n'


def html_apple(text: str) -> str:
    body = _render_blocks(text, '<blockquote type="cite"><div dir="ltr">', "</div></blockquote>")
    return ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
            f'<body dir="auto">{body}</body></html>\n')


def outlook_head(cs: str, lang: str, *, styles: str, link: str, vlink: str) -> str:
    """The <head> and opening <body> of Outlook desktop's HTML; ``styles`` is
    the CSS before the WordSection1 rule (each corpus has its own Outlook)."""
    return ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
            'xmlns="http://www.w3.org/TR/REC-html40">\n'
            "<head>\n"
            f'<meta http-equiv="Content-Type" content="text/html; charset={cs}">\n'
            '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
            "<style><!--\n" + styles + "div.WordSection1\n\t{page:WordSection1;}\n--></style>\n"
            "</head>\n"
            f'<body lang="{lang}" link="{link}" vlink="{vlink}" style="word-wrap:break-word">\n'
            '<div class="WordSection1">\n')


def html_outlook(text: str, cs: str = "utf-8", lang: str = "NO-BOK", *,
                 styles: str, link: str, vlink: str) -> str:
    """Outlook desktop rendering (head: see ``outlook_head``).  A line
    '________________________________' or '-----Opprinnelig melding-----'
    starts the quoted part (no '>' quoting)."""
    out = [outlook_head(cs, lang, styles=styles, link=link, vlink=vlink)]
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("______") or line.startswith("-----"):
            out.append('<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n')
            out.append(f'<p class="MsoNormal">{esc(line)}<o:p></o:p></p>\n</div>\n')
        elif line.strip():
            m = re.match(r"^(Fra|Sendt|Til|Kopi|Emne|From|Sent|To|Cc|Subject):(.*)$", line)
            if m:
                out.append(f'<p class="MsoNormal"><b>{m.group(1)}:</b>{linkify(esc(m.group(2)))}<o:p></o:p></p>\n')
            else:
                out.append(f'<p class="MsoNormal">{linkify(esc(line))}<o:p></o:p></p>\n')
        else:
            out.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n')
    out.append("</div>\n</body>\n</html>\n")
    return "".join(out)


def html_owa(t: str, cs: str = "utf-8", *, div_class: str | None = None) -> str:
    """Outlook on the web: one <div> a line (with ``div_class`` if given)."""
    div = "<div" + (f' class="{div_class}"' if div_class else "")
    lines = []
    for line in t.rstrip("\n").split("\n"):
        lines.append(div + ' style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, '
                     'Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">'
                     + (linkify(esc(line)) if line.strip() else "<br>") + "</div>")
    return (f'<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset={cs}">\n'
            '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\n'
            '</head>\n<body dir="ltr">\n' + "\n".join(lines) + "\n</body>\n</html>\n")


def html_plain(text: str, cs: str = "utf-8") -> str:
    paras = text.strip("\n").split("\n\n")
    body = "\n".join("<p>" + "<br>\n".join(linkify(esc(l)) for l in p.split("\n")) + "</p>" for p in paras)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="{cs}"></head>\n'
            f'<body style="font-family: Arial, sans-serif; font-size: 14px;">\n{body}\n</body></html>\n')


# --------------------------------------------------------------------------
# MIME parts
# --------------------------------------------------------------------------

class Part:
    def __init__(self, headers: list[str], body: bytes):
        self.headers = headers
        self.body = body

    def bytes(self) -> bytes:
        return ("\n".join(self.headers) + "\n\n").encode("ascii") + self.body


def encode_cte(raw: bytes, cte: str) -> bytes:
    if cte == "7bit":
        assert raw.isascii(), "7bit part with non-ASCII bytes"
        out = raw
    elif cte == "8bit":
        out = raw
    elif cte == "quoted-printable":
        out = quopri.encodestring(raw)
    elif cte == "base64":
        out = base64.encodebytes(raw)
    else:
        raise ValueError(cte)
    if not out.endswith(b"\n"):
        out += b"\n"
    return out


def text(t: str, sub: str = "plain", cs: str = "utf-8", cte: str | None = None,
         params: str = "", extra: tuple = ()) -> Part:
    raw = t.encode(cs, errors="xmlcharrefreplace") if sub == "html" else t.encode(cs)
    if cte is None:
        cte = "7bit" if raw.isascii() else "quoted-printable"
    return Part([f'Content-Type: text/{sub}; charset="{cs}"{params}',
                 f"Content-Transfer-Encoding: {cte}", *extra], encode_cte(raw, cte))


def multi(sub: str, parts: list[Part], boundary: str, params: str = "",
          preamble: str = "", extra: tuple = ()) -> Part:
    body = b""
    if preamble:
        body += preamble.encode("ascii") + b"\n"
    for p in parts:
        body += b"\n--" + boundary.encode() + b"\n" + p.bytes()
        if not body.endswith(b"\n"):
            body += b"\n"
    body += b"\n--" + boundary.encode() + b"--\n"
    if not preamble:
        body = body[1:]
    return Part([f'Content-Type: multipart/{sub};{params}\n\tboundary="{boundary}"', *extra], body)


def raw_part(ctype: str, body: bytes | str, extra: tuple = (), *, encoding: str = "utf-8") -> Part:
    if isinstance(body, str):
        body = body.encode(encoding)
    if not body.endswith(b"\n"):
        body += b"\n"
    return Part([f"Content-Type: {ctype}", *extra], body)


def attachment(ctype: str, filename: str, data: bytes) -> Part:
    return Part([f'Content-Type: {ctype}; name="{filename}"',
                 f'Content-Disposition: attachment; filename="{filename}"',
                 "Content-Transfer-Encoding: base64"], base64.encodebytes(data))


def gray_png(w: int, h: int, pixel) -> bytes:
    """An 8-bit greyscale w x h PNG; ``pixel(x, y)`` gives each grey value."""
    rows = b"".join(bytes([0, *(pixel(x, y) for x in range(w))]) for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def tiny_pdf(title: str, lines: list[str]) -> bytes:
    content = "BT /F1 11 Tf 60 780 Td 14 TL " + " ".join(
        "(" + l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for l in [title, *lines]) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def ar_opendmarc(domain: str, result: str = "pass", policy: str = "reject", authserv: str = TRUSTED) -> str:
    """OpenDMARC's one-line Authentication-Results header."""
    return f"Authentication-Results: {authserv}; dmarc={result} (p={policy} dis=none) header.from={domain}"


# --------------------------------------------------------------------------
# helpers that depend on a generator's seeding and encoded-word width
# --------------------------------------------------------------------------

class Kit:
    """Deterministic pseudo-randomness and the header builders that use it.

    ``seed_prefix`` and ``seed_sep`` set how a seed is hashed (each generator
    has its own, so its random-looking values stay what they were),
    ``ew_width`` is where RFC 2047 encoded words fold, ``providers`` maps a
    sender's domain to (host template, ip template) and ``mapi_builds`` is the
    range of the Exchange build numbers in ``exo_inner``.
    """

    def __init__(self, *, ew_width: int, seed_prefix: str = "", seed_sep: str = "#",
                 providers: dict[str, tuple[str, str]] | None = None,
                 mapi_builds: tuple[int, int] = (8000, 8999)):
        self.ew_width = ew_width
        self.seed_prefix = seed_prefix
        self.seed_sep = seed_sep
        self.providers = providers or {}
        self.mapi_builds = mapi_builds

    # ---- deterministic randomness ----
    def rnd(self, seed: str, n: int = 16, alphabet: str = "0123456789ABCDEF") -> str:
        out: list[str] = []
        i = 0
        while len(out) < n:
            d = hashlib.sha256(f"{self.seed_prefix}{seed}{self.seed_sep}{i}".encode()).digest()
            out.extend(alphabet[b % len(alphabet)] for b in d)
            i += 1
        return "".join(out[:n])

    def rint(self, seed: str, lo: int, hi: int) -> int:
        d = hashlib.sha256(f"{self.seed_prefix}{seed}".encode()).digest()
        return lo + int.from_bytes(d[:4], "big") % (hi - lo + 1)

    def uuid(self, seed: str, upper: bool = True) -> str:
        h = self.rnd(seed, 32)
        u = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return u if upper else u.lower()

    # ---- headers ----
    def ew(self, s: str, cs: str = "utf-8", enc: str = "Q") -> str:
        return ew(s, cs, enc, width=self.ew_width)

    def addr(self, name: str | None, email: str, cs: str = "utf-8", enc: str = "Q") -> str:
        if not name:
            return email
        if not name.isascii():
            return f"{self.ew(name, cs, enc)} <{email}>"
        if any(c in name for c in '.,@:;()<>[]"\''):
            return '"' + name.replace('"', '\\"') + f'" <{email}>'
        return f"{name} <{email}>"

    def subj(self, s: str, cs: str | None = None, enc: str = "Q") -> str:
        if cs is None:
            if s.isascii():
                return s
            cs = "utf-8"
        return self.ew(s, cs, enc)

    def H(self, frm: str, subject: str, dt: datetime, msgid: str | None, *, to: str = DESK_PLAIN,
          cc: str | None = None, reply_to: str | None = None, sender: str | None = None,
          in_reply_to: str | None = None, extra: tuple | list = ()) -> list[str]:
        """The message's own headers, From to Reply-To, then ``extra``.  A
        non-ASCII subject is encoded (utf-8 Q)."""
        out = [f"From: {frm}"]
        if sender:
            out.append(f"Sender: {sender}")
        out.append(f"To: {to}")
        if cc:
            out.append(f"Cc: {cc}")
        out.append(f"Subject: {subject if subject.isascii() else self.subj(subject)}")
        out.append(f"Date: {rfcdate(dt)}")
        if msgid:
            out.append(f"Message-ID: {msgid}")
        if in_reply_to:
            out += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
        if reply_to:
            out.append(f"Reply-To: {reply_to}")
        out += list(extra)
        return out

    def outlook_x(self, seed: str, topic: str, lang: str = "nb-NO", attach: bool = False) -> list[str]:
        tt = topic if topic.isascii() else self.ew(topic)
        return [f"Thread-Topic: {tt}", f"Thread-Index: {self.rnd(seed + 'ti', 30, B64ISH)}==",
                f"Accept-Language: {lang}" + ("" if lang == "en-US" else ", en-US"), f"Content-Language: {lang}",
                f"X-MS-Has-Attach: {'yes' if attach else ''}".rstrip(), "X-MS-TNEF-Correlator:"]

    def _exo_server(self, seed: str) -> str:
        rnd, rint = self.rnd, self.rint
        return f"{rnd(seed + 's', 2, 'ABDGHPV')}{rint(seed + 'n', 1, 9)}PR{rint(seed + 'p', 1, 9):02d}MB{rint(seed + 'm', 1000, 9999)}"

    def mid(self, kind: str, seed: str, domain: str = "example.com") -> str:
        """A Message-ID in the style of a mail client."""
        rnd, rint = self.rnd, self.rint
        if kind == "exo":
            srv = self._exo_server(seed)
            return f"<{srv}{rnd(seed, 32)}@{srv}.eurprd{rint(seed + 'e', 1, 9):02d}.prod.outlook.com>"
        if kind == "outlook-pop":
            return f"<{rnd(seed, 12, HEX)}${rnd(seed + '2', 8, HEX)}${rnd(seed + '3', 8, HEX)}$@{domain}>"
        if kind == "gmail":
            return f"<CA{rnd(seed, 44, B64ISH + '+_-')}@mail.gmail.com>"
        if kind == "apple":
            return f"<{self.uuid(seed)}@{domain}>"
        if kind == "thunderbird":
            return f"<{self.uuid(seed, upper=False)}@{domain}>"
        if kind == "roundcube":
            return f"<{rnd(seed, 32, HEX)}@{domain}>"
        if kind == "yahoo":
            return f"<{rint(seed, 100000000, 999999999)}.{rint(seed + 'b', 1000000, 9999999)}.{rint(seed + 'c', 1700000000000, 1799999999999)}@mail.yahoo.com>"
        if kind == "android":
            return f"<{rnd(seed, 28, B64ISH.lower())}@email.android.com>"
        if kind == "zoho":
            return f"<{rnd(seed, 11, HEX)}.{rnd(seed + 'z', 8, HEX)}.{rint(seed + 'q', 10**17, 10**18 - 1)}@zohomail.eu>"
        if kind == "proton":
            return f"<{rnd(seed, 40, B64ISH + '_-')}=@proton.me>"
        if kind == "mutt":
            return f"<{rnd(seed, 16, B64ISH)}@{domain}>"
        if kind == "plain":
            return f"<{rnd(seed, 20, HEX)}@{domain}>"
        raise ValueError(kind)

    def desk_mid(self, seed: str) -> str:
        return f"<resetdesk.{self.rnd(seed, 12, HEX)}@resetdesk.example>"

    def desk_reply_headers(self, to: str, subject: str, dt: datetime, seed: str) -> list[str]:
        """Headers of a plain-text reply the desk sent (quoted or bounced later)."""
        return [f"From: Resetdesk <{DESK}>", f"To: {to}", f"Subject: {subject}", f"Date: {rfcdate(dt)}",
                f"Message-ID: {self.desk_mid(seed)}", "Auto-Submitted: auto-replied",
                f"X-Resetdesk-Loop: {self.rnd(seed + 'loop', 8, HEX)}",
                "MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit"]

    # ---- trace headers ----
    def sender_host(self, email: str, seed: str) -> tuple[str, str]:
        """(host, ip) of the sending side's outbound server, from ``providers``."""
        rnd, rint = self.rnd, self.rint
        dom = email.rsplit("@", 1)[-1].lower() if "@" in email else email.lower()
        host, ip = self.providers.get(dom, ("{X}.outbound.protection.outlook.com", "40.107.{b}.{c}"))
        fill = dict(a=f"ej1-f{rint(seed + 'a', 10, 99)}", b=rint(seed + "b", 1, 254), c=rint(seed + "c", 1, 254),
                    X=f"mail-{rnd(seed + 'X', 2, 'abcdefghijklmnopqrstuvwxyz')}{rint(seed + 'x', 1, 9)}eur0{rint(seed + 'e', 1, 5)}on20{rint(seed + 'n', 10, 99)}",
                    q=f"{rint(seed + 'q', 10000000, 99999999)}", n=rint(seed + "nn", 10, 40), m=rint(seed + "m", 1, 9))
        return host.format(**fill), ip.format(**fill)

    def exo_inner(self, seed: str, dt: datetime) -> list[str]:
        """Exchange Online's own Received header (mapi submission)."""
        rnd, rint = self.rnd, self.rint
        srv = self._exo_server(seed)
        e = rint(seed + "e", 1, 9)
        v = f"{rnd(seed + 'v6', 4, HEX)}:{rnd(seed + 'v7', 4, HEX)}"
        return [f"Received: from {srv}.eurprd{e:02d}.prod.outlook.com\n"
                f" ([fe80::{v}]) by {srv}.eurprd{e:02d}.prod.outlook.com\n"
                f" ([fe80::{v}%5]) with mapi id 15.20.{rint(seed + 'b', *self.mapi_builds)}.{rint(seed + 'c', 10, 40):03d};\n"
                f" {rfcdate(dt + timedelta(seconds=1))}"]

    def gmail_inner(self, seed: str, dt: datetime) -> list[str]:
        rnd, rint = self.rnd, self.rint
        return [f"Received: by mail-ej1-f{rint(seed + 'a', 10, 99)}.google.com with SMTP id a640c23a62f3a-{rnd(seed + 'g', 16, HEX)}so{rint(seed + 'h', 1000000, 9999999)}66b.1\n"
                f"        for <{DESK}>; {rfcdate(dt + timedelta(seconds=1))}",
                f"X-Google-Smtp-Source: AGHT+I{rnd(seed + 'gs', 60, B64ISH)}"]


# --------------------------------------------------------------------------
# collecting and writing the mails
# --------------------------------------------------------------------------

class MailSet(list):
    """The mails of one corpus, in the order they are defined; ``write()``
    numbers them in a shuffled order (``shuffle_seed``) and writes
    ``mail/NNN-slug.eml`` and ``labels.csv`` in ``directory``."""

    def __init__(self, directory: Path, shuffle_seed: int):
        super().__init__()
        self.directory = Path(directory)
        self.shuffle_seed = shuffle_seed

    def add(self, slug: str, scenario: str, action: str, lang: str, note: str, raw: bytes,
            crlf: bool = False) -> None:
        assert scenario in ACTIONS and action in ACTIONS[scenario], (slug, scenario, action)
        assert lang in ("nb", "en"), slug
        assert re.fullmatch(r"[a-z0-9-]+", slug), slug
        assert slug not in {m["slug"] for m in self}, slug
        if crlf:
            raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.append(dict(slug=slug, scenario=scenario, action=action, lang=lang, note=note, raw=raw))

    def mail(self, slug: str, scenario: str, action: str, lang: str, note: str, *, dt: datetime,
             trace_hdrs: list[str], headers: list[str], body: Part, crlf: bool = False) -> None:
        """A mail of trace headers, its own headers and a body ``Part``."""
        head = [*trace_hdrs, *headers, "MIME-Version: 1.0", *body.headers]
        raw = ("\n".join(head) + "\n\n").encode("ascii") + body.body
        self.add(slug, scenario, action, lang, note, raw, crlf)

    def write(self) -> int:
        """Write the corpus; returns the number of mails."""
        maildir = self.directory / "mail"
        order = list(range(len(self)))
        random.Random(self.shuffle_seed).shuffle(order)
        maildir.mkdir(parents=True, exist_ok=True)
        for old in maildir.glob("*.eml"):
            old.unlink()
        rows = []
        for n, idx in enumerate(order, 1):
            m = self[idx]
            name = f"{n:03d}-{m['slug']}.eml"
            (maildir / name).write_bytes(m["raw"])
            rows.append((name, m["scenario"], m["action"], m["lang"], m["note"]))
        rows.sort()
        with open(self.directory / "labels.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["file", "scenario", "action", "language", "note"])
            w.writerows(rows)
        return len(rows)
