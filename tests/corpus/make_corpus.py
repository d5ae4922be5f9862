#!/usr/bin/env python3
"""Generate the resetdesk labelled test corpus.

The mails are written by hand below (one ``M(...)`` call per mail, grouped by
scenario); this script only takes care of the MIME plumbing: header encoding
(RFC 2047), charsets, transfer encodings, multipart structure, Received and
Authentication-Results headers (what it shares with the other corpora's
generators is in mimekit.py next to it).  It writes ``mail/NNN-slug.eml`` and
``labels.csv`` next to this file.  The generated .eml files are the corpus and
are committed; re-running this script must reproduce them byte for byte.

    python tests/corpus/make_corpus.py
"""
from __future__ import annotations

import base64
import quopri
import re
import sys
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(HERE))  # mimekit.py, also when this file is loaded by path
import mimekit  # noqa: E402
from mimekit import DESK, TRUSTED, T, esc  # noqa: E402

REQUESTERS = {"kari.nordmann@contoso.no", "ola.hansen@contoso.no",
              "it-lead@fabrikam.com", "ops@northwind.example"}

MAILS = mimekit.MailSet(HERE, shuffle_seed=20250601)


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

# deterministic pseudo-randomness (hx: a string, num: an integer) and RFC 2047
# encoded words folded at 56 characters
KIT = mimekit.Kit(ew_width=56, seed_sep="/")
hx, num, ew = KIT.rnd, KIT.rint, KIT.ew


def fmt_addr(name: str | None, addr: str, cs: str = "utf-8", enc: str = "Q") -> str:
    if not name:
        return f"<{addr}>"
    if not name.isascii():
        return f"{ew(name, cs, enc)} <{addr}>"
    if any(c in name for c in '.,@:;()<>[]"'):
        return '"' + name.replace('"', '\\"') + f'" <{addr}>'
    return f"{name} <{addr}>"


def encode_cte(raw: bytes, cte: str) -> bytes:
    if cte == "7bit":
        assert raw.isascii(), "7bit body with non-ASCII bytes"
        return raw
    if cte == "8bit":
        return raw
    if cte == "quoted-printable":
        return quopri.encodestring(raw)
    if cte == "base64":
        return base64.encodebytes(raw)
    raise ValueError(cte)


Part = tuple  # (list[str] headers, bytes body)


def text_part(text: str, subtype: str = "plain", cs: str = "utf-8",
              cte: str | None = None, extra: tuple = ()) -> Part:
    if subtype == "html":
        raw = text.encode(cs, errors="xmlcharrefreplace")
    else:
        raw = text.encode(cs)  # strict: catches characters the charset lacks
    if cte is None:
        cte = "7bit" if raw.isascii() else "quoted-printable"
    hdrs = [f'Content-Type: text/{subtype}; charset="{cs}"',
            f"Content-Transfer-Encoding: {cte}", *extra]
    return (hdrs, encode_cte(raw, cte))


def raw_part(ctype: str, body: bytes | str, extra: tuple = ()) -> Part:
    if isinstance(body, str):
        body = body.encode("ascii")
    return ([f"Content-Type: {ctype}", *extra], body)


def b64_part(ctype: str, data: bytes, filename: str, inline: bool = False,
             cid: str | None = None) -> Part:
    hdrs = [f'Content-Type: {ctype}; name="{filename}"',
            f'Content-Disposition: {"inline" if inline else "attachment"}; filename="{filename}"',
            "Content-Transfer-Encoding: base64"]
    if cid:
        hdrs.append(f"Content-ID: <{cid}>")
    return (hdrs, base64.encodebytes(data))


def boundary(seed: str, style: str = "outlook") -> str:
    if style == "outlook":
        return f"_000_{hx(seed, 24)}_"
    if style == "gmail":
        return "000000000000" + hx(seed, 16, "0123456789abcdef")
    if style == "apple":
        return f"Apple-Mail={hx(seed, 8)}-{hx(seed + 'a', 4)}-{hx(seed + 'b', 4)}-{hx(seed + 'c', 12)}"
    return f"----=_Part_{num(seed, 1000, 99999)}_{num(seed + 'x', 100000, 9999999)}.{num(seed + 'y', 10**12, 10**13)}"


def multipart(subtype: str, parts: list, bnd: str, params: str = "",
              preamble: str | None = None) -> Part:
    hdrs = [f'Content-Type: multipart/{subtype};{params}\n\tboundary="{bnd}"']
    out = b""
    if preamble:
        out += preamble.encode("ascii") + b"\n\n"
    for ph, pb in parts:
        out += b"--" + bnd.encode() + b"\n" + "\n".join(ph).encode("ascii") + b"\n\n" + pb
        if not pb.endswith(b"\n"):
            out += b"\n"
    out += b"--" + bnd.encode() + b"--\n"
    return (hdrs, out)


def tiny_png(seed: int = 0, w: int = 40, h: int = 18) -> bytes:
    """A small but valid grayscale PNG (a few hundred bytes)."""
    return mimekit.gray_png(w, h, lambda x, y: (x * 7 + y * 13 + seed * 31) % 97 + 150)


TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


# --------------------------------------------------------------------------
# HTML renderings of a plain-text body
# --------------------------------------------------------------------------

HDR_RE = re.compile(r"^(From|Sent|To|Cc|Subject|Date|Fra|Sendt|Til|Kopi|Emne|Dato):\s?(.*)$")


def unwrap(text: str) -> list[str]:
    """Re-join lines that were hard-wrapped in the plain-text source, so the HTML
    rendering has one paragraph per paragraph (as mail clients produce)."""
    out: list[str] = []
    for line in text.rstrip("\n").split("\n"):
        if out and len(out[-1]) >= 60 and line.lstrip(">").strip() and not HDR_RE.match(line) \
                and out[-1].startswith(">") == line.startswith(">") and not line.lstrip("> ").startswith(("-", "*")) \
                and not line.strip().startswith(("1.", "2.", "3.", "4.", "5.")):
            out[-1] = out[-1] + " " + (line.lstrip(">").lstrip(" ") if line.startswith(">") else line.strip())
        else:
            out.append(line)
    return out


def outlook_html(text: str, cs: str, lang: str = "NO-BOK") -> str:
    out = ['<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
           'xmlns="http://www.w3.org/TR/REC-html40">',
           "<head>",
           f'<meta http-equiv="Content-Type" content="text/html; charset={cs}">',
           '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">',
           "<style><!--",
           "/* Font Definitions */",
           "@font-face",
           "\t{font-family:Calibri;",
           "\tpanose-1:2 15 5 2 2 2 4 3 2 4;}",
           "/* Style Definitions */",
           "p.MsoNormal, li.MsoNormal, div.MsoNormal",
           "\t{margin:0cm;",
           "\tfont-size:11.0pt;",
           '\tfont-family:"Calibri",sans-serif;',
           "\tmso-fareast-language:EN-US;}",
           "span.EpostStil17",
           "\t{mso-style-type:personal-compose;",
           '\tfont-family:"Calibri",sans-serif;',
           "\tcolor:windowtext;}",
           "@page WordSection1",
           "\t{size:612.0pt 792.0pt;",
           "\tmargin:70.85pt 70.85pt 70.85pt 70.85pt;}",
           "div.WordSection1",
           "\t{page:WordSection1;}",
           "--></style>",
           "</head>",
           f'<body lang="{lang}" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">',
           '<div class="WordSection1">']
    in_hdr = False
    in_quote = False
    for line in unwrap(text):
        if line.startswith(">"):
            if not in_quote:
                out.append('<blockquote style="border:none;border-left:solid #CCCCCC 1.0pt;padding:0cm 0cm 0cm 6.0pt;margin-left:4.8pt;margin-right:0cm">')
                in_quote = True
            line = line.lstrip(">").lstrip(" ")
        elif in_quote:
            out.append("</blockquote>")
            in_quote = False
        if line.strip() == "":
            out.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
            continue
        if set(line.strip()) <= set("_") and len(line.strip()) > 10:
            out.append('<div class="MsoNormal" align="center" style="text-align:center"><hr size="2" width="98%" align="center"></div>')
            continue
        m = HDR_RE.match(line)
        if m:
            if not in_hdr and m.group(1) in ("From", "Fra"):
                out.append('<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">')
                in_hdr = True
            out.append(f'<p class="MsoNormal"><b>{esc(m.group(1))}:</b> {esc(m.group(2))}<o:p></o:p></p>')
            if in_hdr and m.group(1) in ("Subject", "Emne"):
                out.append("</div>")
                in_hdr = False
            continue
        out.append(f'<p class="MsoNormal">{esc(line)}<o:p></o:p></p>')
    if in_quote:
        out.append("</blockquote>")
    if in_hdr:
        out.append("</div>")
    out += ["</div>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def gmail_html(text: str) -> str:
    out = ['<div dir="ltr">']
    in_quote = False
    for line in unwrap(text):
        if line.startswith(">"):
            if not in_quote:
                out.append('<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
                           'border-left:1px solid rgb(204,204,204);padding-left:1ex">')
                in_quote = True
            line = line.lstrip(">").lstrip(" ")
            out.append(f"{esc(line)}<br>" if line.strip() else "<br>")
            continue
        if in_quote:
            out.append("</blockquote>")
            in_quote = False
        out.append(f"<div>{esc(line)}</div>" if line.strip() else "<div><br></div>")
    if in_quote:
        out.append("</blockquote>")
    out.append("</div>")
    return "\n".join(out) + "\n"


def simple_html(text: str, cs: str) -> str:
    paras = "\n".join(unwrap(text)).split("\n\n")
    body = "\n".join("<p>" + "<br>\n".join(esc(l) for l in p.split("\n")) + "</p>" for p in paras)
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}"></head>\n'
            f'<body style="font-family: Arial, sans-serif; font-size: 10pt;">\n{body}\n</body></html>\n')


def to_html(text: str, style: str, cs: str, lang: str) -> str:
    if style == "outlook":
        return outlook_html(text, cs, lang)
    if style == "gmail":
        return gmail_html(text)
    return simple_html(text, cs)


# --------------------------------------------------------------------------
# transport headers
# --------------------------------------------------------------------------

MS_HOSTED = {"contoso.no", "fabrikam.com", "northwind.example", "hotmail.com", "outlook.com",
             "adatum.com", "litware.no", "woodgrovebank.com", "tailspin.no", "wingtiptoys.com",
             "hotmail.no", "live.no", "contoso-no.com", "fjordkommune.no"}


def ar(domain: str, result: str = "pass", authserv: str = TRUSTED, style: str = "plain") -> str:
    """An Authentication-Results header value."""
    if style == "ms":
        if result == "pass":
            return (f"{authserv}; spf=pass (sender IP is 40.107.{num(domain, 1, 250)}.{num(domain + 'i', 1, 250)})\n"
                    f" smtp.mailfrom={domain}; dkim=pass (signature was verified)\n"
                    f" header.d={domain};dmarc=pass action=none\n header.from={domain};compauth=pass reason=100")
        return (f"{authserv}; spf=fail (sender IP is 185.{num(domain, 1, 250)}.{num(domain + 'j', 1, 250)}.{num(domain + 'k', 1, 250)})\n"
                f" smtp.mailfrom={domain}; dkim=none (message not signed)\n"
                f" header.d=none;dmarc=fail action=quarantine\n header.from={domain};compauth=fail reason=000")
    if style == "google":
        if result == "pass":
            return (f"{authserv};\n       dkim=pass header.i=@{domain} header.s=20230601 header.b={hx(domain, 8, 'abcdefghijkmnopqrstuvwxyzABCDEFGH')};\n"
                    f"       spf=pass (domain of bounce@{domain} designates 209.85.{num(domain, 128, 222)}.{num(domain + 'g', 1, 250)} as permitted sender) smtp.mailfrom=bounce@{domain};\n"
                    f"       dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from={domain}")
        return (f"{authserv};\n       spf=softfail (domain of transitioning bounce@{domain} does not designate 45.{num(domain, 1, 250)}.3.7 as permitted sender) smtp.mailfrom=bounce@{domain};\n"
                f"       dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from={domain}")
    if result == "pass":
        return (f"{authserv}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain};"
                f"\n\tdmarc=pass action=none header.from={domain}")
    if result == "fail":
        return (f"{authserv}; spf=fail smtp.mailfrom={domain}; dkim=none (message not signed);"
                f"\n\tdmarc=fail action=quarantine header.from={domain}")
    if result == "none":
        return (f"{authserv}; spf=neutral smtp.mailfrom={domain}; dkim=none;"
                f"\n\tdmarc=none action=none header.from={domain}")
    raise ValueError(result)


def out_host(domain: str, seed: str) -> tuple[str, str]:
    if domain in ("gmail.com", "googlemail.com"):
        return f"mail-{hx(seed, 3, 'abcdefghijklmnopqrstuvwxyz')}1-f{num(seed, 41, 199)}.google.com", f"209.85.{num(seed, 128, 222)}.{num(seed + 'x', 1, 250)}"
    if domain in MS_HOSTED:
        return (f"mail-{hx(seed, 2, 'abcdefghijklmnopqrstuvwxyz')}{num(seed, 1, 9)}eur0{num(seed + 'e', 1, 5)}on20{num(seed + 'o', 10, 99)}.outbound.protection.outlook.com",
                f"40.107.{num(seed, 1, 250)}.{num(seed + 'y', 1, 250)}")
    if domain == "icloud.com":
        return f"st43p00im-ztfb{num(seed, 10000000, 99999999)}.me.com", f"17.58.{num(seed, 1, 90)}.{num(seed + 'z', 1, 250)}"
    if domain == "online.no":
        return "smtp.online.no", f"148.122.{num(seed, 1, 250)}.{num(seed + 'z', 1, 250)}"
    return f"mail.{domain}", f"{num(seed, 11, 223)}.{num(seed + 'a', 0, 255)}.{num(seed + 'b', 0, 255)}.{num(seed + 'c', 1, 254)}"


def msg_id(domain: str, seed: str) -> str:
    if domain in ("gmail.com", "googlemail.com"):
        return f"<CA{hx(seed, 10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}+{hx(seed + 'm', 30, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}@mail.gmail.com>"
    if domain in MS_HOSTED:
        box = f"{hx(seed, 2, 'ADGHPV')}{num(seed, 0, 9)}PR0{num(seed + 'p', 1, 9)}MB{num(seed + 'q', 1000, 9999)}"
        return f"<{box}{hx(seed + 'r', 22)}@{box}.eurprd0{num(seed + 's', 1, 9)}.prod.outlook.com>"
    if domain == "icloud.com":
        return f"<{hx(seed, 8)}-{hx(seed + 'a', 4)}-{hx(seed + 'b', 4)}-{hx(seed + 'c', 4)}-{hx(seed + 'd', 12)}@icloud.com>"
    return f"<{hx(seed, 12, '0123456789abcdef')}.{num(seed, 1000, 99999)}@{domain}>"


_counter = [0]


def auto_date(lang: str, seed: str) -> datetime:
    i = _counter[0]
    _counter[0] += 1
    base = datetime(2025, 1, 6, 7, 0)
    d = base + timedelta(days=(i * 7) % 300, hours=num(seed, 0, 14), minutes=num(seed + "m", 0, 59),
                         seconds=num(seed + "s", 0, 59))
    if lang == "nb":
        return d.replace(tzinfo=ZoneInfo("Europe/Oslo"))
    zones = ["America/New_York", "Europe/London", "America/Chicago", "Europe/Berlin", "America/Los_Angeles"]
    return d.replace(tzinfo=ZoneInfo(zones[num(seed, 0, len(zones) - 1)]))


# --------------------------------------------------------------------------
# the mail builder
# --------------------------------------------------------------------------

def M(slug: str, scenario: str, action: str, lang: str, note: str, *,
      frm, subject: str | None = None, body: str | None = None, shape: str = "plain",
      cs: str = "utf-8", cte: str | None = None, html: str | None = None,
      html_style: str = "outlook", html_cs: str | None = None, html_cte: str | None = None,
      html_lang: str | None = None,
      subj_enc: str | None = None, subj_cs: str = "utf-8", subject_raw: str | None = None,
      name_enc: str = "Q", name_cs: str = "utf-8",
      to: str | None = None, cc: str | None = None, reply_to: str | None = None,
      date: datetime | None = None, msgid: bool | str = True,
      auth="pass", auth_style: str = "plain", pre: tuple = (), low: tuple = (),
      extra: tuple = (), attach: tuple = (), part: Part | None = None,
      return_path: str | None = None, received: bool = True, crlf: bool = False,
      mua: str | None = None, bstyle: str | None = None) -> None:
    if isinstance(frm, tuple):
        fname, faddr = frm
        from_hdr = fmt_addr(fname, faddr, name_cs, name_enc)
    else:
        from_hdr = frm
        faddr = re.search(r"<([^>]+)>", frm).group(1) if "<" in frm else frm
    domain = faddr.rsplit("@", 1)[1].lower()
    seed = slug
    date = date or DATES.get(slug) or auto_date(lang, seed)
    bstyle = bstyle or ("gmail" if domain == "gmail.com" else "outlook" if domain in MS_HOSTED else "java")

    # ----- body -----
    if part is None:
        if shape == "plain":
            main = text_part(body, "plain", cs, cte)
        elif shape == "html":
            hc = html_cs or cs
            main = text_part(html or to_html(body, html_style, hc, html_lang or ("NO-BOK" if lang == "nb" else "EN-US")),
                             "html", hc, html_cte or cte)
        elif shape == "alt":
            hc = html_cs or cs
            h = html or to_html(body, html_style, hc, html_lang or ("NO-BOK" if lang == "nb" else "EN-US"))
            main = multipart("alternative", [text_part(body, "plain", cs, cte),
                                             text_part(h, "html", hc, html_cte or cte)],
                             boundary(seed + "alt", bstyle))
        else:
            raise ValueError(shape)
        if attach:
            main = multipart("mixed", [main, *attach], boundary(seed + "mix", bstyle))
    else:
        main = part

    # ----- headers -----
    hdrs: list[str] = []
    rp = return_path if return_path is not None else f"<{faddr}>"
    hdrs.append(f"Return-Path: {rp}")
    hdrs.append(f"Delivered-To: {DESK}")
    hdrs.extend(pre)
    host, ip = out_host(domain, seed)
    spoofed = auth == "fail" or (isinstance(auth, list) and any("dmarc=fail" in a or "dmarc=bestguesspass" in a for a in auth))
    if spoofed:  # sent from somewhere else than the real domain's mail servers
        host, ip = f"vps{num(seed, 1000, 9999)}.cloudhost-{hx(seed, 3, 'abcdefghijklmnopqrstuvwxyz')}.example", f"185.{num(seed, 1, 250)}.{num(seed + 'j', 1, 250)}.{num(seed + 'k', 1, 250)}"
    if received:
        hdrs.append(f"Received: from {host} ({host} [{ip}])\n\tby {TRUSTED} (Postfix) with ESMTPS id {hx(seed + 'q', 10)}\n"
                    f"\tfor <{DESK}>; {format_datetime(date + timedelta(seconds=3))}")
    if auth == "pass":
        auth = [ar(domain, "pass", style=auth_style)]
    elif auth == "fail":
        auth = [ar(domain, "fail", style=auth_style)]
    elif auth == "none":
        auth = [ar(domain, "none", style=auth_style)]
    elif auth is None:
        auth = []
    for a in auth:
        hdrs.append(f"Authentication-Results: {a}")
    if received:
        if domain in MS_HOSTED and not spoofed:
            hdrs.append(f"Received: from {msg_id(domain, seed)[1:].split('@')[1][:-1]} ([fe80::{hx(seed + 'v6', 4, '0123456789abcdef')}:{hx(seed + 'v7', 4, '0123456789abcdef')}])\n"
                        f"\tby {host} with mapi id 15.20.{num(seed, 7000, 8999)}.{num(seed + 'b', 10, 40)};\n\t{format_datetime(date + timedelta(seconds=1))}")
        else:
            hdrs.append(f"Received: by {host} with SMTP id {hx(seed + 'r', 12, 'abcdefghijklmnopqrstuvwxyz0123456789')}\n"
                        f"\tfor <{DESK}>; {format_datetime(date + timedelta(seconds=1))}")
    hdrs.extend(low)
    hdrs.append(f"From: {from_hdr}")
    hdrs.append(f"To: {to or DESK}")
    if cc:
        hdrs.append(f"Cc: {fmt_addr(*cc) if isinstance(cc, tuple) else cc}")
    if reply_to:
        hdrs.append(f"Reply-To: {fmt_addr(*reply_to) if isinstance(reply_to, tuple) else reply_to}")
    if subject_raw is not None:
        hdrs.append(f"Subject: {subject_raw}")
    elif subject is not None:
        if subj_enc or not subject.isascii():
            hdrs.append(f"Subject: {ew(subject, subj_cs, subj_enc or 'Q')}")
        else:
            hdrs.append(f"Subject: {subject}")
    hdrs.append(f"Date: {format_datetime(date)}")
    if msgid is True:
        hdrs.append(f"Message-ID: {msg_id(domain, seed)}")
    elif msgid:
        hdrs.append(f"Message-ID: {msgid}")
    hdrs.extend(extra)
    if mua:
        hdrs.append(mua)
    hdrs.append("MIME-Version: 1.0")
    hdrs.extend(main[0])

    MAILS.add(slug, scenario, action, lang, note, "\n".join(hdrs).encode("ascii") + b"\n\n" + main[1], crlf)


def quote(text: str, prefix: str = "> ") -> str:
    return "\n".join((prefix + l).rstrip() if l.strip() else prefix.rstrip() for l in text.rstrip("\n").split("\n")) + "\n"


def embedded_message(*, frm: str, to: str, subject: str, date: datetime, body: str,
                     headers: tuple = (), cs: str = "utf-8", cte: str | None = None,
                     msgid: str | None = None) -> bytes:
    """A complete RFC 5322 message, for message/rfc822 attachments."""
    p = text_part(body, "plain", cs, cte)
    h = [*headers, f"From: {frm}", f"To: {to}", f"Subject: {subject if subject.isascii() else ew(subject)}",
         f"Date: {format_datetime(date)}"]
    if msgid:
        h.append(f"Message-ID: {msgid}")
    h += ["MIME-Version: 1.0", *p[0]]
    return "\n".join(h).encode("ascii") + b"\n\n" + p[1]


def dt(y: int, mo: int, d: int, hh: int, mm: int, tz: str = "Europe/Oslo", ss: int = 0) -> datetime:
    return datetime(y, mo, d, hh, mm, ss, tzinfo=ZoneInfo(tz))


# Mails whose text refers to a date (quoted thread, "until Monday 3 March", ...)
# get a Date that fits; the rest get a deterministic spread over 2025.
DATES = {
    "forgot-pw-after-holiday": dt(2025, 8, 11, 8, 47, "Europe/London", 12),
    "locked-out-iphone": dt(2025, 2, 16, 21, 3, "America/New_York", 40),
    "re-password-phone-logged-out": dt(2025, 3, 11, 10, 2, "Europe/London", 33),
    "sv-brukernavn-na-passord": dt(2025, 9, 2, 10, 15, ss=9),
    "changed-friday-forgot-auto-submitted-no": dt(2025, 3, 24, 8, 51, "Europe/London", 27),
    "third-time-this-month": dt(2025, 5, 28, 8, 2, "America/Chicago", 51),
    "skulekonto-utgatt": dt(2025, 6, 11, 20, 14, ss=2),
    "re-velkommen-mistet-lappen": dt(2025, 2, 10, 8, 5, ss=44),
    "sv-glemt-passord-sspr-feilet-men-innlogget": dt(2025, 3, 17, 15, 20, ss=18),
    "skjermbilde-glemt-mac-outlook": dt(2025, 4, 2, 10, 19, ss=5),
    "fwd-intern-username": dt(2025, 1, 13, 9, 30, "America/Chicago", 12),
    "sv-passord-byttet-na-brukernavn": dt(2025, 2, 10, 13, 5, ss=57),
    "kari-vs-per-last-ute": dt(2025, 4, 9, 8, 30, ss=21),
    "ola-sv-bekreftet": dt(2025, 3, 14, 9, 40, ss=3),
    "it-lead-attached-approval": dt(2025, 6, 10, 16, 12, "America/New_York", 30),
    "tor-forwards-karis-request": dt(2025, 4, 15, 8, 47, ss=16),
    "ola-pasted-headers": dt(2025, 5, 21, 9, 2, ss=38),
    "re-forgot-sole-admin-center-open": dt(2025, 4, 16, 14, 30, "America/Los_Angeles", 7),
    "sv-provd-alt-eneste-admin": dt(2025, 3, 3, 13, 45, ss=29),
    "whole-company-cannot-sign-in": dt(2025, 10, 7, 8, 16, "America/New_York", 50),
    "automatisk-svar-kari-ferie": dt(2025, 7, 7, 11, 2, ss=14),
    "automatic-reply-out-of-office": dt(2025, 2, 26, 14, 14, "America/Los_Angeles", 9),
    "automatisk-svar-permisjon-html": dt(2025, 6, 20, 12, 31, ss=40),
    "gmail-vacation-responder": dt(2025, 2, 17, 9, 58, "America/Chicago", 2),
    "automatisk-svar-tospraklig": dt(2025, 5, 7, 16, 20, ss=55),
    "ndr-exchange-norsk": dt(2025, 3, 17, 14, 2, ss=20),
    "undeliverable-exchange-english": dt(2025, 4, 23, 15, 40, "UTC", 5),
    "dsn-delayed-warning": dt(2025, 6, 5, 12, 6, "America/Chicago", 1),
    "lest-kvittering-norsk": dt(2025, 3, 10, 9, 44, ss=53),
    "read-receipt-english": dt(2025, 1, 21, 14, 40, "America/Los_Angeles", 20),
    "mailing-list-post-locked-out": dt(2025, 5, 26, 8, 12, "America/Chicago", 31),
    "kommune-it-forum-digest": dt(2025, 5, 13, 12, 0, ss=3),
    "automatisk-svar-nynorsk-ferie": dt(2025, 7, 21, 13, 7, ss=26),
    "forwarded-desk-reply-loop-marker": dt(2025, 2, 14, 10, 2, "America/New_York", 31),
    "er-denne-ekte-videresendt": dt(2025, 5, 27, 8, 20, ss=12),
    "thanks-that-worked": dt(2025, 3, 28, 16, 40, "Europe/London", 2),
    "takk-for-hjelpa-nynorsk": dt(2025, 6, 12, 11, 30, ss=47),
    "move-thursday-meeting": dt(2025, 6, 17, 9, 12, "America/New_York", 15),
    "phish-expiry-plain": dt(2025, 6, 23, 3, 41, "UTC", 19),
    "adfs-down": dt(2025, 9, 16, 7, 48, "America/Chicago", 14),
}


# Texts the desk itself sends; they turn up quoted in users' replies.
DESK_NB_SSPR = T("""
    Hei!

    Det høres ut som du har glemt passordet ditt. Du kan tilbakestille det selv på
    https://passwordreset.microsoftonline.com – skriv inn brukernavnet ditt og følg
    stegene for å bekrefte at det er deg.

    Hilsen
    Resetdesk
""")
DESK_EN_SSPR = T("""
    Hello,

    It sounds like you have forgotten your password. You can reset it yourself at
    https://passwordreset.microsoftonline.com - enter your user name and follow the
    steps to verify your identity.

    Kind regards,
    Resetdesk
""")
DESK_NB_USERNAME = T("""
    Hei!

    Brukernavnet ditt er vanligvis den samme adressen som jobb-e-posten din. Hvis du
    ikke vet hva den er, kan lederen din eller IT-ansvarlig slå det opp for deg.

    Hilsen
    Resetdesk
""")
DESK_EN_SECINFO = T("""
    Hello,

    Since you are still signed in on one of your devices, you can add a phone number
    or the Authenticator app at https://mysignins.microsoft.com/security-info and then
    reset your password yourself.

    Kind regards,
    Resetdesk
""")
DESK_NB_ADMIN = T("""
    Hei!

    Før vi kan be om tilbakestilling av passordet, må vi få bekreftet at brukeren
    er den hen sier. Kan du bekrefte dette?

    Hilsen
    Resetdesk
""")


# ==========================================================================
# sspr: forgot / lost / expired own password; not signed in anywhere that we
# are told about, and self-service reset not (yet) tried without success.
# ==========================================================================

M("forgot-pw-after-holiday", "sspr", "reply", "en",
  "forgot own password after holiday, writes from personal address; lockout from guessing",
  frm=("Mark Ellison", "mark.ellison.home@outlook.com"), subject="Forgot my password",
  body=T("""
    Hi,

    Sorry for using my personal address. I came back from two weeks of holiday this
    morning and my work password is just gone from my head. I've tried the three or
    four I usually use and now it says the account is temporarily locked, so I'll
    stop guessing before I make it worse.

    What's the quickest way to get back in? I have a client call at 11.

    Thanks,
    Mark Ellison
    Fabrikam, Key Accounts
  """), cte="7bit")

M("glemt-passord-okonomi", "sspr", "reply", "nb",
  "bokmål, plain forgot password",
  frm=("Ingrid Sæther", "ingrid.saether@gmail.com"), subject="Glemt passord",
  body=T("""
    Hei!

    Jeg har glemt passordet mitt til Office 365 og kommer ikke inn på e-posten på
    jobb. Har prøvd flere ganger nå, og det eneste som skjer er at den sier at
    passordet er feil. Hva gjør jeg?

    Mvh
    Ingrid Sæther
    Økonomiavdelingen, Contoso
  """), auth_style="google")

M("passord-funke-ikkje", "sspr", "reply", "nb",
  "dialect, no æøå, no Message-ID; password suddenly 'wrong'",
  frm=("ronny", "ronny.b@online.no"), subject="passord funke ikke",
  body=T("""
    hei. passordet mitt funke ikkje lenger paa jobbmailen, ae e heilt sikker paa at
    ae skreiv det rett men det staar bare feil passord. har ikkje byttet det sjoel
    og det funka paa fredag. ka gjoer ae no?? maa inn for aa se vaktlista

    ronny, lageret
  """), msgid=False, mua="User-Agent: Roundcube Webmail/1.6.6")

M("password-expired-portal", "sspr", "reply", "en",
  "expired password, old one forgotten; disclaimer mentions password",
  frm=("Priya Raman", "priya.raman@adatum.com"), subject="Password expired - can't change it",
  shape="alt", html_style="outlook",
  body=T("""
    Hello,

    When I tried to log in to the portal this morning it told me my password had
    expired and that I need to change it. The change screen wants the old password
    first, and I honestly don't remember it. I think I set it sometime in March.

    Could you point me in the right direction?

    Kind regards,

    Priya Raman
    Senior Analyst | Adatum Corporation
    +1 425 555 0143

    CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and
    intended solely for the addressee. If you have received it in error, please
    notify the sender and delete it. Adatum will never ask you for your password
    by e-mail.
  """))

M("gloymt-passord-kommune", "sspr", "reply", "nb",
  "nynorsk; ISO-8859-1 QP, subject =?iso-8859-1?Q?",
  frm=("Synnøve Haugland", "synnove.haugland@online.no"), name_cs="iso-8859-1",
  subject="Gløymt passordet", subj_cs="iso-8859-1", subj_enc="Q",
  cs="iso-8859-1", cte="quoted-printable", shape="alt", auth_style="ms",
  body=T("""
    Hei,

    Eg har gløymt passordet til Microsoft-kontoen på jobb, og får ikkje logga på
    verken e-post eller Teams. Eg har prøvd nokre gamle passord utan hell, så eg
    skriv frå den private adressa mi.

    Kva skal eg gjere no?

    Helsing
    Synnøve Haugland
    Fjord kommune, servicetorget
    Tlf. 57 00 00 00
  """))

M("locked-out-iphone", "sspr", "reply", "en",
  "short, from phone signature, asks how to reset it himself",
  frm=("Tom Whitaker", "tomwhitaker88@icloud.com"), subject="cant log in",
  body=T("""
    locked out of my northwind account, forgot the pw over the weekend. how do i reset it myself? dont want to wait til monday

    Sent from my iPhone
  """), mua="X-Mailer: iPhone Mail (22B91)", bstyle="apple")

M("passordet-har-gatt-ut-html", "sspr", "reply", "nb",
  "expired + old forgotten; Outlook HTML-only windows-1252 (en dash)",
  frm=("Bjørn Kristiansen", "bjorn.kristiansen@litware.no"), name_enc="B",
  subject="Passordet har gått ut", subj_cs="windows-1252", subj_enc="Q",
  shape="html", cs="windows-1252", cte="quoted-printable", auth_style="ms",
  body=T("""
    Hei,

    Jeg fikk beskjed i forrige uke om at passordet mitt snart ville gå ut, men rakk ikke å bytte det. Nå har det gått ut, og jeg husker ikke hva det gamle var heller – så jeg får ikke byttet det til et nytt.

    Kan dere hjelpe meg videre?

    Med vennlig hilsen
    Bjørn Kristiansen
    Prosjektleder | Litware AS
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("re-password-phone-logged-out", "sspr", "reply", "en",
  "was signed in on phone earlier but it logged him out: no longer signed in anywhere",
  frm=("Daniel Okafor", "daniel.okafor.1990@gmail.com"), subject="Re: password",
  body=T("""
    Hi again - please ignore my earlier mail where I said I could still get in on my
    phone. Outlook on the phone logged me out about an hour ago and now it wants the
    password as well, which I don't have. So I'm locked out on everything now.

    I haven't tried the reset link yet. Is that what I should do?

    Daniel

    On Tue, 11 Mar 2025 at 08:14, Daniel Okafor <daniel.okafor.1990@gmail.com> wrote:
    > Hello, I forgot my Tailspin password but my phone still has Outlook working.
    > Is there a way to fix this from the phone?
  """), shape="alt", html_style="gmail", auth_style="google")

M("sv-brukernavn-na-passord", "sspr", "reply", "nb",
  "subject/quote about user name, new text: now forgot password; emoji",
  frm=("Hanne Vik", "hanne.vik.privat@gmail.com"), subject="SV: Husker ikke brukernavnet",
  body=T("""
    Takk, nå fant jeg brukernavnet! Men nå husker jeg ikke passordet heller 🙈
    Har vel vært for lenge på sommerferie. Hvordan får jeg laget nytt?

    Hanne

    Den 2. sep. 2025 kl. 09:41 skrev Resetdesk <help@resetdesk.example>:

  """) + "\n" + quote(DESK_NB_USERNAME), shape="alt", html_style="gmail", auth_style="google")

M("changed-friday-forgot-auto-submitted-no", "sspr", "reply", "en",
  "Auto-Submitted: no (human); changed password and forgot it; not signed in",
  frm=("Lucy Harper", "lucyharper.home@outlook.com"),
  subject="Locked out after password change",
  body=T("""
    Hi there,

    I changed my password on Friday afternoon because it prompted me to, and now on
    Monday morning I cannot for the life of me remember what I changed it to. I've
    tried a few variations and don't want to lock the account.

    I'm not signed in on anything at the moment - the laptop was shut down over the
    weekend and the phone app asked for the password this morning too. (Writing from
    my own address, obviously. Tim, my manager, is in cc.)

    Any help appreciated,
    Lucy
  """), extra=("Auto-Submitted: no",), cc="Tim Fowler <tim.fowler@wingtiptoys.com>")

M("far-ikke-logget-pa-ny", "sspr", "reply", "nb",
  "base64 body, Sendt fra min iPhone; new employee forgot password",
  frm=("Marte Lie", "marte.lie@icloud.com"), subject="Får ikke logget på",
  cte="base64", bstyle="apple",
  body=T("""
    Hei. Får ikke logget på Teams eller mailen på jobb, har glemt passordet. Jeg er ny her og har bare logget inn én gang, på introduksjonsdagen. Hvordan bytter jeg det selv?

    Marte Lie
    Kundeservice

    Sendt fra min iPhone
  """), mua="X-Mailer: iPhone Mail (21G93)")

M("third-time-this-month", "sspr", "reply", "en",
  "angry, forced rotation, forgot the new password",
  frm=("Greg Mathers", "gmathers1971@gmail.com"), subject="THIRD TIME THIS MONTH",
  body=T("""
    This is ridiculous. Your system forces a new password on us every 30 days and of
    course I can't remember the new one. I'm locked out AGAIN. I have payroll to run
    today.

    Just tell me what to do, and please don't send me a ten page article.

    Greg Mathers
    Finance Director, Fourth Coffee
  """), auth_style="google")

M("skulekonto-utgatt", "sspr", "reply", "nb",
  "nynorsk, pupil, expired password and old one forgotten",
  frm=("Olav Tveit", "olav.tveit09@gmail.com"), subject="passord skulekonto",
  body=T("""
    Hei. Passordet mitt til skulekontoen har gått ut og eg hugsar ikkje det gamle,
    så eg får ikkje laga nytt. Korleis gjer eg det? Eg må levere ei oppgåve i Teams i
    morgon.

    Olav, 10B
  """), auth_style="google")

M("forgotten-password-personal-address", "sspr", "reply", "en",
  "writes from gmail because she cannot get into work mail; Reply-To elsewhere",
  frm=("Hannah Schmidt", "hannah.schmidt84@gmail.com"),
  subject="Cannot sign in \u2013 forgotten password",
  body=T("""
    Good afternoon,

    I'm afraid I have forgotten my Microsoft 365 password for my Woodgrove account
    (hannah.schmidt@woodgrovebank.com). I'm writing from my personal address since I
    can't get into my work email at all.

    I'd be grateful for instructions on how to get back in. I'm working from home
    today.

    Many thanks,
    Hannah Schmidt
  """), reply_to="hannah.schmidt84+work@gmail.com", auth_style="google")

M("sykemeldt-kommer-ikke-inn", "sspr", "reply", "nb",
  "back from sick leave, forgot password; ISO-8859-1 8bit, multipart/alternative",
  frm=("Per Ove Årdal", "perove.ardal@hotmail.com"), name_cs="iso-8859-1", name_enc="B",
  subject="Kommer ikke inn på jobbkontoen", subj_cs="iso-8859-1", subj_enc="B",
  cs="iso-8859-1", cte="8bit", shape="alt",
  body=T("""
    Hei

    Jeg har vært sykemeldt i to måneder, og nå som jeg er tilbake husker jeg ikke
    passordet til jobbkontoen (per.ove.ardal@contoso.no). Jeg har ikke prøvd noe annet
    enn å gjette. Skriver fra privat e-post fordi jeg ikke kommer inn på jobbmailen.

    Med vennlig hilsen
    Per Ove Årdal
  """))

M("pasword-problem-typos", "sspr", "reply", "en",
  "non-native English with typos",
  frm=("Jonas Lindqvist", "jonas.lindqvist@hotmail.com"), subject="Pasword problem",
  body=T("""
    Hello

    i have forget my pasword for the office account and cant login in to outlook
    web. I try many times now. Please can you tell me how i get new pasword?

    Best regards
    Jonas
  """), cte="7bit")

M("re-velkommen-mistet-lappen", "sspr", "reply", "nb",
  "lost the note with first password; quoted welcome mail talks about user name; CRLF",
  frm=("Lise Marie Holm", "lisemarie.holm@gmail.com"),
  subject="Re: Velkommen til Contoso - din brukerkonto",
  body=T("""
    Hei igjen,

    jeg har mistet lappen med det midlertidige passordet fra første dag, og det jeg
    satte selv etterpå husker jeg ikke. Brukernavnet står nedenfor, det har jeg.
    Hvordan kommer jeg inn igjen?

    Lise Marie

    tir. 4. feb. 2025 kl. 09:12 skrev IT Contoso <it@contoso.no>:

    > Welcome to Contoso!
    >
    > Your user name is lisemarie.holm@contoso.no. Your temporary password will be
    > handed to you by your manager on your first day.
    >
    > If you forget your user name, ask your manager.
    >
    > IT Contoso
  """), shape="alt", html_style="gmail", crlf=True, auth_style="google")

# ==========================================================================
# security_info: forgot the password but still signed in somewhere
# ==========================================================================

M("outlook-laptop-still-syncing", "security_info", "reply", "en",
  "forgot password, Outlook on laptop still signed in (sending from it)",
  frm=("Rachel Kim", "rachel.kim@adatum.com"), subject="Forgot password but Outlook still works",
  body=T("""
    Hi,

    Odd situation: I can't remember my password. The browser asked me to sign in again
    this morning and nothing I typed worked. But Outlook on my laptop is still happily
    syncing, which is what I'm writing this from.

    Is there a way to use that to sort it out before it kicks me out too?

    Rachel
  """), shape="alt", auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0")

M("kari-glemt-pa-mobilen", "security_info", "reply", "nb",
  "requester + verified, but own forgotten password and still signed in on phone: not an admin_reset",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"),
  subject="Glemt passordet – men er pålogget på mobilen",
  body=T("""
    Hei,

    Jeg har glemt passordet mitt. Sender dette fra Outlook på mobilen, der er jeg
    fortsatt pålogget. På PC-en får jeg bare «Feil passord».

    Hva gjør jeg?

    Hilsen Kari

    Hent Outlook for iOS<https://aka.ms/o0ukef>
  """), auth_style="ms", bstyle="outlook")

M("gloymt-passord-teams-telefon", "security_info", "reply", "nb",
  "nynorsk; still signed in to Teams on phone",
  frm=("Eirik Bø", "eirik.bo@fjordkommune.no"), subject="Gløymt passord",
  body=T("""
    Hei!

    Eg har gløymt passordet mitt, men eg er framleis innlogga i Teams på telefonen.
    På PC-en kjem eg ikkje inn. Går det an å fikse dette frå telefonen, eller må eg
    gjere noko anna?

    Helsing Eirik Bø
    Teknisk etat
  """), auth_style="ms")

M("laptop-still-signed-in-html", "security_info", "reply", "en",
  "Outlook HTML-only; laptop and Teams still signed in; disclaimer",
  frm=("Michael Brandt", "michael.brandt@fabrikam.com"), subject="Password issue",
  shape="html", cs="us-ascii", cte="7bit",
  body=T("""
    Team,

    I changed my password yesterday and have already forgotten it. My laptop is still signed in (Windows hasn't asked yet, and Teams is running), but the web portal rejects me.

    Please advise.

    Regards,
    Michael Brandt
    Regional Sales Manager | Fabrikam, Inc.

    This message may contain confidential or privileged information. If you are not the intended recipient, do not read, copy or forward it. Fabrikam IT will never ask you to reveal your password.
  """), auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0")

M("glemt-igjen-teams-nettleser", "security_info", "reply", "nb",
  "informal; still signed in to Teams in browser",
  frm=("Stian Moe", "stian.moe@litware.no"), subject="passord",
  body=T("""
    glemt passordet igjen 🙄 men er fortsatt logget inn på teams i nettleseren på
    jobb-pc-en. kan jeg fikse det derfra eller må jeg ringe noen?

    stian
  """), auth_style="ms")

M("it-lead-own-password", "security_info", "reply", "en",
  "requester + verified writing about OWN forgotten password, still signed in: not an admin_reset",
  frm=("Dev Mehta", "it-lead@fabrikam.com"), subject="Embarrassing one",
  body=T("""
    Hi,

    Embarrassing one: I've forgotten my own password. I'm still signed in to Outlook
    desktop on my workstation (sending from it) and the Authenticator app still has
    the account, but the browser session expired.

    I'd rather fix this myself than wait for someone else to do it. What's the
    procedure?

    Dev Mehta
    IT Lead, Fabrikam
  """), auth_style="ms")

M("sv-glemt-passord-sspr-feilet-men-innlogget", "security_info", "reply", "nb",
  "SSPR failed (no phone registered) but still signed in to Outlook on work PC; quoted desk reply",
  frm=("Tone Eriksen", "tone.eriksen@contoso.no"), subject="SV: Glemt passord",
  shape="alt",
  body=T("""
    Hei,

    Jeg prøvde lenken dere sendte, men jeg har visst aldri registrert telefonnummer,
    så den stoppet der. Jeg er fortsatt innlogget i Outlook på jobb-PC-en (det er
    derfra jeg skriver nå). Hjelper det?

    Mvh
    Tone

    ________________________________
    Fra: Resetdesk <help@resetdesk.example>
    Sendt: mandag 17. mars 2025 14:02
    Til: Tone Eriksen <tone.eriksen@contoso.no>
    Emne: SV: Glemt passord

  """) + "\n" + DESK_NB_SSPR, auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0")

M("expired-chrome-tab-still-open", "security_info", "reply", "en",
  "expired + doesn't remember old one; mailbox still open in Chrome",
  frm=("Sofia Rossi", "sofia.rossi@woodgrovebank.com"), subject="Password expired but I'm still in webmail",
  shape="alt", html_style="simple",
  body=T("""
    Hello,

    My password expired this morning. Weirdly I'm still in my mailbox in Chrome (I
    never closed the tab from yesterday), so that's how I'm sending this. Everything
    else wants a new password, and to set one it asks for the old one, which I
    don't remember.

    How do I get out of this without losing the one session I still have?

    Thanks
    Sofia
  """))

M("glemt-etter-ferien-pc-husker", "security_info", "reply", "nb",
  "ISO-8859-1 QP; PC remembers credentials (Outlook/Teams on PC work)",
  frm=("Åse Grønli", "ase.gronli@contoso.no"), name_cs="iso-8859-1",
  subject="Glemt passordet etter ferien", cs="iso-8859-1", cte="quoted-printable",
  body=T("""
    Hei.

    Har glemt passordet etter ferien. PC-en husker det visst, for jeg kommer inn i
    Outlook og Teams der uten å skrive noe, men på nettet og på mobilen er det stopp.

    Vennlig hilsen
    Åse Grønli
    Lønn og personal
  """), auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0")

M("pw-forgotten-teams-phone-works", "security_info", "reply", "en",
  "informal; Teams on phone still works",
  frm=("Jake Turner", "jake.turner@wingtiptoys.com"), subject="pw",
  body=T("""
    pw forgotten 😬 but teams on my phone still works so I can at least chat.
    what now?

    Get Outlook for Android<https://aka.ms/AAb9ysg>
  """))

M("passordet-borte-barbar", "security_info", "reply", "nb",
  "nynorsk; still signed in on laptop (Outlook, OneDrive)",
  frm=("Ragnhild Løvik", "ragnhild.lovik@fjordkommune.no"), subject="Passordet er borte",
  cs="utf-8", cte="base64",
  body=T("""
    Hei.

    Passordet mitt er heilt borte frå hovudet, men eg er framleis pålogga på den
    bærbare maskina. Outlook og OneDrive går fint der. Korleis får eg sett nytt
    passord utan å miste det eg har?

    Helsing
    Ragnhild Løvik
    Barnehageavdelinga
  """), auth_style="ms")

M("only-admin-but-only-teams-phone", "security_info", "reply", "en",
  "sole admin but NOT in the admin center; still signed in to Teams on phone -> security_info",
  frm=("Samir Haddad", "samir@bluebirdcafe.example"), subject="Locked out of my own Microsoft account",
  body=T("""
    Hi,

    I run a small cafe and set up our Microsoft 365 myself, so I'm the only admin.
    I forgot my password. The admin website logged me out days ago, but I'm still
    logged in to the Teams app on my phone, and it still shows my chats.

    What should I do?

    Samir
    Bluebird Cafe
  """), cte="7bit")

M("skjermbilde-glemt-mac-outlook", "security_info", "reply", "nb",
  "multipart/mixed with PNG screenshot; base64 text; Outlook on Mac still signed in",
  frm=("Henrik Aas", "henrik.aas@tailspin.no"), subject="Feilmelding ved pålogging",
  shape="alt", cte="base64",
  body=T("""
    Hei,

    Se vedlagt skjermbilde. Jeg har glemt passordet og får denne meldingen når jeg
    prøver å logge på portalen. Men Outlook på Mac-en min er fortsatt pålogget, så
    jeg får lest e-post der.

    Mvh Henrik Aas
  """), attach=(b64_part("image/png", tiny_png(1), "Skjermbilde 2025-04-02 kl. 10.14.png"),),
  auth_style="ms", bstyle="apple", mua="X-Mailer: Microsoft Outlook for Mac 16.89")

M("quick-one-laptop-session", "security_info", "reply", "en",
  "in a hurry; 'still logged in on my laptop'",
  frm=("Olivia Grant", "olivia.grant@northwind.example"), subject="Quick one",
  body=T("""
    Quick one - forgot my password, still logged in on my laptop (Outlook + Teams).
    Don't want to lose that session. Steps?

    O.
  """), auth_style="ms")

M("glemt-logga-inn-mobilen-dialekt", "security_info", "reply", "nb",
  "dialect, no æøå; still logged in to Outlook app on phone",
  frm=("Trond", "trond.solheim@contoso.no"), subject="glemt passord",
  body=T("""
    hei, har glemt passordet men e fortsatt logga inn paa mobilen i outlook appen.
    paa pcen kommer e ikke inn. kan dokker hjelpe meg?

    mvh Trond
  """), auth_style="ms")

M("bufret-palogging-jobb-pc", "security_info", "reply", "nb",
  "windows-1252 8bit; 'bufret pålogging' on work PC",
  frm=("Camilla Strøm", "camilla.strom@litware.no"), name_cs="windows-1252",
  subject="Glemt passord – fortsatt innlogget på PC", subj_cs="windows-1252", subj_enc="Q",
  cs="windows-1252", cte="8bit", shape="alt",
  body=T("""
    Hei,

    Jeg har glemt passordet mitt. Jeg er vel fortsatt innlogget med bufret pålogging
    på jobb-PC-en – Outlook fungerer i alle fall, og det er derfra jeg sender dette.
    På telefonen og i nettleseren ber den om passord hele tiden.

    Hva er lurt å gjøre før PC-en også logger meg ut?

    Med vennlig hilsen
    Camilla Strøm
    Litware AS
  """), auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0")

# ==========================================================================
# forgot_username
# ==========================================================================

M("new-starter-which-login", "forgot_username", "reply", "en",
  "new starter doesn't know whether login is first.last or initials",
  frm=("Chris Pope", "chrispope77@gmail.com"), subject="What is my login?",
  body=T("""
    Hi,

    I started at Northwind last week and I've completely forgotten what my login is.
    Is it firstname.lastname@ or my initials? The welcome letter is at the office and
    I'm working from home today.

    Thanks,
    Chris
  """), auth_style="google")

M("husker-ikke-brukernavnet", "forgot_username", "reply", "nb",
  "remembers password, not user name",
  frm=("Liv Engen", "liv.engen@online.no"), subject="Husker ikke brukernavnet",
  body=T("""
    Hei,

    Jeg husker passordet, men ikke hvilket brukernavn jeg skal bruke for å logge på
    Microsoft 365. Er det e-postadressen min, eller noe annet?

    Mvh
    Liv Engen
  """))

M("emne-glemt-passord-egentlig-brukernavn", "forgot_username", "reply", "nb",
  "subject says 'Glemt passord' but body: password fine, sign-in name unknown (body wins)",
  frm=("Thea Moen Berg", "thea.berg@hotmail.com"), subject="Glemt passord",
  shape="alt",
  body=T("""
    Hei.

    Det er egentlig ikke passordet jeg har glemt – det husker jeg – men jeg vet ikke
    hva påloggingsnavnet mitt er. Jeg har prøvd fornavn.etternavn@contoso.no uten
    hell. Jeg giftet meg i fjor og byttet etternavn, kanskje det har noe å si?

    Hilsen Thea
  """), auth_style="ms")

M("upn-changed-after-rename", "forgot_username", "reply", "en",
  "UPN changed after domain rename; doesn't know sign-in name",
  frm=("Ahmed Yusuf", "ahmed.yusuf@outlook.com"), subject="Couldn't find an account with that username",
  body=T("""
    Hello,

    The sign-in page keeps saying "We couldn't find an account with that username".
    I believe my UPN changed when the company moved to the new domain last month. My
    old one was ahmed.yusuf@adatum.com. What's my sign-in name now?

    Regards,
    Ahmed Yusuf
  """), auth_style="ms")

M("hugsar-ikkje-brukarnamn", "forgot_username", "reply", "nb",
  "nynorsk; ISO-8859-1 QP; subject =?iso-8859-1?B?",
  frm=("Gunnhild Rysstad", "gunnhild.rysstad@gmail.com"),
  subject="Kva er brukarnamnet mitt?", subj_cs="iso-8859-1", subj_enc="B",
  cs="iso-8859-1", cte="quoted-printable",
  body=T("""
    Hei!

    Eg hugsar ikkje brukarnamnet mitt til Microsoft 365. Passordet har eg, men eg veit
    ikkje kva eg skal skrive i det første feltet. Kva er innloggingsadressa mi?

    Helsing
    Gunnhild Rysstad
    Fjord kommune, heimetenesta
  """), auth_style="google")

M("subject-forgot-password-actually-username", "forgot_username", "reply", "en",
  "subject 'Forgot password??' but body: knows password, not the user name",
  frm=("John Smith", "jsmith.home@icloud.com"), subject="Forgot password??",
  body=T("""
    Actually not the password. I know the password. I don't know the email/username to
    type in the first box. There are two of us called John Smith here and I think
    mine has a number in it?

    John

    Sent from my iPhone
  """), bstyle="apple", mua="X-Mailer: iPhone Mail (22C152)")

M("brukernavn-ansattnummer-dialekt", "forgot_username", "reply", "nb",
  "informal, no æøå, no Message-ID",
  frm=("Kjetil", "kjetil.nyb@online.no"), subject="brukernavn office",
  body=T("""
    hei, husker ikke hva brukernavnet mitt er til office. er det ansattnummeret eller
    mailen? fikk det paa en lapp som e borte. passordet husker e

    mvh Kjetil
  """), msgid=False)

M("email-not-sign-in-name", "forgot_username", "reply", "en",
  "email alias differs from UPN; doesn't know the sign-in address; disclaimer",
  frm=("Maria Gonzalez", "maria.gonzalez@fourthcoffee.com"), subject="Sign-in address?",
  shape="alt", html_style="outlook",
  body=T("""
    Hi,

    My email address is maria.gonzalez@fourthcoffee.com, but that doesn't work as a
    sign-in name on the new Microsoft 365 tenant. IT told me the sign-in address is
    different from the email, but I don't know what it is.

    Could you tell me how to find it?

    Best regards,
    Maria Gonzalez
    Purchasing

    The information in this e-mail is confidential and may be legally privileged.
    Fourth Coffee will never ask for your username or password by e-mail.
  """))

M("innloggingsadresse-ny-pc-html", "forgot_username", "reply", "nb",
  "Outlook HTML-only ISO-8859-1; doesn't know what to type as work account",
  frm=("Ruth Solberg", "ruth@vestbyregnskap.no"), subject="Ny PC - hva er innloggingsadressen min?",
  reply_to="Vestby Regnskap <post@vestbyregnskap.no>",
  shape="html", cs="iso-8859-1", cte="quoted-printable",
  body=T("""
    Hei!

    Vi har fått nye PC-er, og jeg blir bedt om å skrive inn «arbeids- eller skolekonto». Jeg vet ikke hva jeg skal skrive der. Hva er innloggingsadressen min?

    Med vennlig hilsen

    Ruth Solberg
    Vestby Regnskap AS
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("fwd-intern-username", "forgot_username", "reply", "en",
  "Gmail-style forward: the forwarded plea (intern doesn't know user name) counts",
  frm=("Nina Patel", "nina.patel@wingtiptoys.com"), subject="Fwd: login",
  shape="alt", html_style="gmail",
  body=T("""
    Hi, forwarding this from our new intern - can you help him? He doesn't have access
    to anything yet.

    Nina

    ---------- Forwarded message ---------
    From: Leo Martins <leo.martins.dev@gmail.com>
    Date: Mon, Jan 13, 2025 at 8:41 AM
    Subject: login
    To: Nina Patel <nina.patel@wingtiptoys.com>


    Hi Nina,

    sorry to bother you - I don't know which username I'm supposed to use for the
    Microsoft login. Is it leo@ or leo.martins@? I tried both.

    Thanks,
    Leo
  """))

M("brukarnamn-elev", "forgot_username", "reply", "nb",
  "nynorsk, very short, pupil",
  frm=("Sigrid Nes", "sigrid.nes2011@gmail.com"), subject="brukarnamn",
  body=T("""
    Hei! Kva er brukarnamnet mitt? Eg har gløymt det. Eg går i 9B.

    Sigrid
  """), auth_style="google")

M("three-addresses-none-work", "forgot_username", "reply", "en",
  "three addresses after a merger, doesn't know which one is the sign-in",
  frm=("Paul Reyes", "paul.reyes.tx@gmail.com"), subject="Which email do I sign in with??",
  body=T("""
    I have three addresses (personal, my old company and the new one after the merger)
    and none of them gets past the first screen of the Microsoft login. Which one is my
    username? Need this sorted today please.

    Paul
  """), auth_style="google")

M("sv-passord-byttet-na-brukernavn", "forgot_username", "reply", "nb",
  "quoted thread about expired password; new text: unknown user name on new phone",
  frm=("Anders Lunde", "anders.lunde@contoso.no"), subject="SV: Passordet har gått ut",
  shape="alt",
  body=T("""
    Hei igjen.

    Passordet fikk jeg byttet med lenken, takk. Men nå på den nye telefonen spør den om
    brukernavn, og jeg aner ikke hva det er. Det er visst ikke det samme som e-posten
    min, har jeg fått høre.

    Anders

    -----Opprinnelig melding-----
    Fra: Resetdesk <help@resetdesk.example>
    Sendt: torsdag 6. februar 2025 11:20
    Til: Anders Lunde <anders.lunde@contoso.no>
    Emne: SV: Passordet har gått ut

  """) + "\n" + DESK_NB_SSPR, auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0")

M("upn-after-parental-leave", "forgot_username", "reply", "en",
  "account re-created; reset page wants user ID which he doesn't have; base64",
  frm=("Wei Zhang", "wei.zhang.personal@outlook.com"), subject="User ID after parental leave",
  cs="utf-8", cte="base64", shape="alt",
  body=T("""
    Hello,

    I've been away for a year on parental leave and I'm told my account was re-created
    while I was gone. The password reset page asks for my user ID first, and I don't
    have it - my old address doesn't exist any more. What's my user principal name now?

    Best regards,
    Wei Zhang
    Adatum, Logistics
  """), auth_style="ms")

M("contoso-eller-onmicrosoft", "forgot_username", "reply", "nb",
  "windows-1252 QP; unsure which address to sign in with",
  frm=("Eva Hagen", "eva.hagen@contoso.no"), subject="Hvilken adresse skal jeg logge på med?",
  cs="windows-1252", cte="quoted-printable",
  body=T("""
    Hei!

    Jeg skal logge på Teams fra hjemme-PC-en, men husker ikke hvilken adresse jeg skal
    bruke – er det @contoso.no eller @contoso.onmicrosoft.com? Brukernavnet har jeg
    aldri skrevet inn selv, PC-en på jobb gjør det automatisk.

    Mvh
    Eva Hagen
  """), auth_style="ms")

# ==========================================================================
# admin_reset / approval_requested: sender in requesters AND verified by the
# topmost Authentication-Results header from mx.resetdesk.example
# ==========================================================================

M("kari-reset-anna", "admin_reset", "approval_requested", "nb",
  "requester kari, verified; reset for colleague",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"), subject="Tilbakestill passord for Anna Larsen",
  body=T("""
    Hei,

    Kan dere tilbakestille passordet til anna.larsen@contoso.no? Hun er låst ute etter
    ferien, og jeg har ikke tilgang til adminsenteret selv.

    Takk!

    Mvh
    Kari Nordmann
    HR-rådgiver, Contoso AS
  """))

M("ola-nyansatt-midlertidig", "admin_reset", "approval_requested", "nb",
  "requester ola, verified (MS-style A-R); new hire never got password; CRLF",
  frm=("Ola Hansen", "ola.hansen@contoso.no"), subject="Nytt midlertidig passord til Jonas Berg",
  shape="alt", auth_style="ms", crlf=True,
  body=T("""
    Hei.

    Ny ansatt Jonas Berg (jonas.berg@contoso.no) fikk aldri passordet sitt på mandag.
    Kan dere sette et nytt midlertidig passord og sende det til meg? Han begynner
    kl. 08 i morgen.

    Ola Hansen
    Driftssjef, Contoso
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("it-lead-reset-sarah", "admin_reset", "approval_requested", "en",
  "requester it-lead, verified; identity confirmed by phone",
  frm=("Fabrikam IT Lead", "it-lead@fabrikam.com"), subject="Password reset request - sarah.connor@fabrikam.com",
  auth_style="google",
  body=T("""
    Hi,

    Please reset the password for sarah.connor@fabrikam.com. She's locked out and
    self-service reset was never set up for her. I've confirmed her identity over the
    phone.

    Thanks,
    Dev Mehta
    IT Lead, Fabrikam
  """))

M("ops-two-resets", "admin_reset", "approval_requested", "en",
  "requester ops, verified; two accounts",
  frm=("Northwind Ops", "ops@northwind.example"), subject="Resets for two users",
  body=T("""
    Hi desk,

    Requesting password resets for two accounts:

    - j.olsen@northwind.example
    - m.rivera@northwind.example

    Both came back from long-term leave and neither can sign in. Please send the
    temporary passwords to their managers as usual.

    -- Northwind Operations
  """))

M("kari-vs-per-last-ute", "admin_reset", "approval_requested", "nb",
  "requester kari, verified, forwards colleague's plea (Outlook 'VS:') and asks for reset",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"), subject="VS: Kommer ikke inn",
  shape="alt", auth_style="ms",
  body=T("""
    Hei,

    Kan dere hjelpe Per? Han er låst ute, og jeg vil gjerne at dere nullstiller
    passordet hans. Jeg har snakket med ham på telefon i dag.

    Kari

    ________________________________
    Fra: Per Olsen <per.olsen@contoso.no>
    Sendt: onsdag 9. april 2025 07:52
    Til: Kari Nordmann <kari.nordmann@contoso.no>
    Emne: Kommer ikke inn

    Hei Kari,

    Jeg får ikke logget på, passordet fungerer ikke lenger og kontoen er visst
    sperret etter for mange forsøk. Kan du be IT om å tilbakestille det?

    Per
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("ola-vikar-nynorsk", "admin_reset", "approval_requested", "nb",
  "nynorsk; requester ola, verified; reset for substitute",
  frm=("Ola Hansen", "ola.hansen@contoso.no"), subject="Nullstilling av passord – vikar",
  body=T("""
    Hei.

    Kan de nullstille passordet til vikaren vår, Lars Vik (lars.vik@contoso.no)? Han
    har gløymt det og har ikkje registrert telefonnummer, så han får ikkje gjort det
    sjølv.

    Helsing
    Ola Hansen
  """))

M("it-lead-shared-reception", "admin_reset", "approval_requested", "en",
  "requester it-lead; untrusted relay A-R on top says fail (ignored), topmost TRUSTED says pass -> verified",
  frm=("Dev Mehta", "it-lead@fabrikam.com"), subject="Reset for reception account",
  pre=("Received: from mx.resetdesk.example (mx.resetdesk.example [10.20.0.5])\n\tby relay.resetdesk.example (Postfix) with ESMTP id 4ZK81m2QxJz1\n\tfor <help@resetdesk.example>; Thu, 22 May 2025 10:31:09 -0400",
       "Authentication-Results: relay.resetdesk.example; dkim=fail reason=\"body hash did not verify\" header.d=fabrikam.com;\n\tdmarc=fail header.from=fabrikam.com"),
  date=dt(2025, 5, 22, 10, 31, "America/New_York", 2),
  body=T("""
    Hi,

    Can you please reset the password for the shared account reception@fabrikam.com?
    Nobody remembers it since our receptionist left on Friday.

    Dev
  """), auth_style="ms")

M("ops-urgent-warehouse-html", "admin_reset", "approval_requested", "en",
  "requester ops, verified; HTML-only",
  frm=("Northwind Ops", "ops@northwind.example"), subject="URGENT: password reset for warehouse supervisor",
  shape="html", html_style="simple",
  body=T("""
    Hello,

    Urgent: please reset the password for our warehouse supervisor Kenji Tanaka (k.tanaka@northwind.example). He is locked out and the night shift starts at 22:00.

    Thank you,
    Northwind Operations
  """))

M("kari-marius-iso", "admin_reset", "approval_requested", "nb",
  "requester kari, verified; mentions 'glemt passordet og ikke logget på' about SOMEONE ELSE; ISO-8859-1 QP",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"), subject="Samme sak - Marius Dahl",
  cs="iso-8859-1", cte="quoted-printable",
  body=T("""
    Hei igjen!

    Samme sak som sist, men nå gjelder det Marius Dahl (marius.dahl@contoso.no). Han
    har glemt passordet og er ikke logget på noe sted. Kan dere tilbakestille det?

    Med vennlig hilsen
    Kari Nordmann
    Contoso AS
  """))

M("ola-sv-bekreftet", "admin_reset", "approval_requested", "nb",
  "requester ola, verified; reply in thread confirming identity and asking for reset",
  frm=("Ola Hansen", "ola.hansen@contoso.no"), subject="SV: Tilbakestilling for Erik Strand",
  shape="alt", auth_style="ms",
  body=T("""
    Bekreftet, han er den han sier han er – jeg har snakket med ham på telefon. Dere kan
    sette nytt passord på erik.strand@contoso.no.

    Ola

    Fra: Resetdesk <help@resetdesk.example>
    Sendt: fredag 14. mars 2025 09:05
    Til: Ola Hansen <ola.hansen@contoso.no>
    Emne: Tilbakestilling for Erik Strand

  """) + "\n" + DESK_NB_ADMIN, mua="X-Mailer: Microsoft Outlook 16.0")

M("it-lead-lena-disclaimer", "admin_reset", "approval_requested", "en",
  "requester it-lead, verified (google-style A-R); a sender-side A-R lower down is from another authserv-id",
  frm=("Dev Mehta", "it-lead@fabrikam.com"), subject="Password reset - lena.schultz",
  auth_style="google", shape="alt",
  low=("Authentication-Results: fabrikam.com; dkim=none (message not signed)\n\theader.d=none;fabrikam.com; dmarc=none action=none header.from=fabrikam.com;",),
  body=T("""
    Hi,

    Need a password reset for our CFO's assistant, lena.schultz@fabrikam.com. She got
    locked out after too many attempts this morning and her SSPR registration was never
    completed.

    Regards,
    Dev Mehta | IT Lead | Fabrikam, Inc.

    This email and any files transmitted with it are confidential and intended solely
    for the use of the individual to whom they are addressed. Never share your password
    with anyone, including IT staff.
  """))

M("ops-short-reset", "admin_reset", "approval_requested", "en",
  "requester ops, verified; terse",
  frm=("ops@northwind.example", "ops@northwind.example"), subject="pw reset",
  body=T("""
    reset pw for a.nguyen@northwind.example pls - she forgot it and isn't logged in
    anywhere. thx
  """), auth_style="ms")

# ==========================================================================
# admin_reset / reply: unauthorized or spoofed reset requests
# (notes start with "unauthorized:")
# ==========================================================================

M("anna-reset-colleague", "admin_reset", "reply", "nb",
  "unauthorized: verified sender but not a requester",
  frm=("Anna Berg", "anna.berg@contoso.no"), subject="Passord til Tor",
  body=T("""
    Hei,

    Kan dere tilbakestille passordet til kollegaen min Tor Eriksen
    (tor.eriksen@contoso.no)? Han sitter ved siden av meg og kommer ikke inn på noe.

    Hilsen Anna
  """), auth_style="ms")

M("kari-bec-dmarc-fail", "admin_reset", "reply", "nb",
  "unauthorized: From kari (requester) but trusted A-R says dmarc=fail; Reply-To gmail",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"), subject="Haster: nytt passord til daglig leder",
  auth="fail", reply_to="Kari Nordmann <kari.nordmann.hr@gmail.com>",
  body=T("""
    Hei,

    Vennligst nullstill passordet til daglig leder (lars.aune@contoso.no) og send det nye
    midlertidige passordet til meg på denne adressen. Han er på reise og trenger
    tilgang umiddelbart.

    Ikke ring, jeg sitter i møter hele dagen.

    Kari
  """))

M("ola-evil-authserv", "admin_reset", "reply", "nb",
  "unauthorized: only A-R is from untrusted authserv-id mx.evil.example (says pass); no Message-ID",
  frm=("Ola Hansen", "ola.hansen@contoso.no"), subject="Tilbakestill passord regnskap",
  auth=["mx.evil.example; spf=pass smtp.mailfrom=contoso.no; dkim=pass header.d=contoso.no;\n\tdmarc=pass action=none header.from=contoso.no"],
  msgid=False,
  body=T("""
    Hei.

    Kan dere resette passordet for brukeren regnskap@contoso.no? Jeg trenger tilgang til
    fakturaene i dag, og den som hadde passordet er syk.

    Mvh Ola Hansen
  """))

_inner_ok = embedded_message(
    frm="Dev Mehta <it-lead@fabrikam.com>", to="help@resetdesk.example",
    subject="Re: finance admin account", date=dt(2025, 6, 2, 9, 12, "America/New_York"),
    headers=("Authentication-Results: mx.resetdesk.example; spf=pass smtp.mailfrom=fabrikam.com; dkim=pass header.d=fabrikam.com;\n\tdmarc=pass action=none header.from=fabrikam.com",),
    msgid="<DB9PR01MB7711C0FFEE2B4A1@DB9PR01MB7711.eurprd01.prod.outlook.com>",
    body=T("""
        Approved. Go ahead with the change we discussed for the finance admin account.

        Dev
    """))

M("it-lead-attached-approval", "admin_reset", "reply", "en",
  "unauthorized: outer trusted A-R dmarc=fail; the passing A-R is only inside the attached message/rfc822",
  frm=("Dev Mehta", "it-lead@fabrikam.com"), subject="Fw: finance admin account",
  auth=[ar("fabrikam.com", "fail", style="ms")],
  body=T("""
    Hi,

    See the attached approval from last week. Please reset the password for
    finance.admin@fabrikam.com as agreed and send the new one to me by reply.

    Dev
  """), attach=(([ 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="Re finance admin account.eml"'], _inner_ok),))

M("ops-forged-ar-below", "admin_reset", "reply", "en",
  "unauthorized: topmost trusted A-R dmarc=fail; a forged trusted 'pass' A-R sits lower in the header block",
  frm=("Northwind Ops", "ops@northwind.example"), subject="Password reset - CEO",
  auth="fail",
  low=("Authentication-Results: mx.resetdesk.example; spf=pass smtp.mailfrom=northwind.example;\n\tdkim=pass header.d=northwind.example; dmarc=pass action=none header.from=northwind.example",),
  body=T("""
    Hello,

    Please reset the password for ceo@northwind.example and reply to this mail with the
    temporary password. He is boarding a flight and has asked us to handle it.

    Thanks,
    Ops
  """))

M("lookalike-contoso-no-com", "admin_reset", "reply", "nb",
  "unauthorized: lookalike domain contoso-no.com (verified for its own domain, not a requester)",
  frm=("Kari Nordmann", "kari.nordmann@contoso-no.com"), subject="Tilbakestilling av passord",
  body=T("""
    Hei,

    Kan dere tilbakestille passordet til ingrid.saether@contoso.no? Hun har glemt det
    igjen. Send gjerne det nye passordet direkte til meg.

    Mvh
    Kari Nordmann
    HR-rådgiver, Contoso AS
  """))

M("cto-approver-not-requester", "admin_reset", "reply", "nb",
  "unauthorized: cto@contoso.no is an approver, not a requester (verified)",
  frm=("Martin Hauge", "cto@contoso.no"), subject="Nullstill passord",
  body=T("""
    Hei,

    Nullstill passordet til Ingrid Sæther (ingrid.saether@contoso.no), hun sitter i
    møte med meg nå og kommer ikke inn.

    Martin Hauge
    CTO, Contoso

    Sendt fra min iPhone
  """), auth_style="ms")

M("display-name-is-requester", "admin_reset", "reply", "en",
  "unauthorized: display name is 'it-lead@fabrikam.com' but the address is support-fabrikam@mailbox.example",
  frm='"it-lead@fabrikam.com" <support-fabrikam@mailbox.example>', subject="Password reset needed",
  body=T("""
    Hello,

    Please reset the password for thomas.berg@fabrikam.com and send it back to me.
    I'm writing from my backup mailbox because our mail server is down today.

    Regards,
    Fabrikam IT
  """))

M("ops-dmarc-bestguesspass", "admin_reset", "reply", "en",
  "unauthorized: requester but trusted A-R says dmarc=bestguesspass, not dmarc=pass",
  frm=("Northwind Ops", "ops@northwind.example"), subject="Reset request: l.fischer",
  auth=["mx.resetdesk.example; spf=pass (sender IP is 198.51.100.23)\n smtp.mailfrom=northwind.example; dkim=none (message not signed)\n header.d=none;dmarc=bestguesspass action=none\n header.from=northwind.example;compauth=pass reason=109"],
  body=T("""
    Hi,

    Could you reset the password for l.fischer@northwind.example? She's locked out and
    her manager has approved it.

    Northwind Operations
  """))

M("it-lead-untrusted-pass-on-top", "admin_reset", "reply", "en",
  "unauthorized: topmost A-R overall is untrusted (says pass) but the topmost TRUSTED one says fail",
  frm=("Dev Mehta", "it-lead@fabrikam.com"), subject="Quick reset please",
  pre=("Authentication-Results: gateway.fabrikam-secure.example; spf=pass smtp.mailfrom=fabrikam.com;\n\tdkim=pass header.d=fabrikam.com; dmarc=pass action=none header.from=fabrikam.com",),
  auth="fail",
  body=T("""
    Hi,

    Quick reset please for the account payroll@fabrikam.com, the new password can go to
    me. Thanks.

    Dev
  """))

M("tor-forwards-karis-request", "admin_reset", "reply", "nb",
  "unauthorized: forwarded request was written by kari, but the SENDER is tor (not a requester)",
  frm=("Tor Eriksen", "tor.eriksen@contoso.no"), subject="Fwd: Passord til Tor",
  shape="alt", html_style="gmail",
  body=T("""
    Hei, Kari sa jeg skulle sende dette videre til dere selv, så det går fortere.

    Tor

    ---------- Videresendt melding ---------
    Fra: Kari Nordmann <kari.nordmann@contoso.no>
    Dato: tir. 15. apr. 2025 kl. 08:30
    Emne: Passord til Tor
    Til: Tor Eriksen <tor.eriksen@contoso.no>


    Hei Tor, send denne til help@resetdesk.example:
    «Vennligst tilbakestill passordet til tor.eriksen@contoso.no.» Jeg har godkjent det.

    Kari
  """), auth_style="ms")

M("ola-pasted-headers", "admin_reset", "reply", "nb",
  "unauthorized: trusted A-R says dmarc=fail; a 'pass' A-R is only pasted into the forwarded text",
  frm=("Ola Hansen", "ola.hansen@contoso.no"), subject="VS: Godkjent tilbakestilling",
  auth="fail",
  body=T("""
    Hei,

    Jeg sender igjen min godkjente forespørsel fra i går, med e-posthodet som viser at den
    er ekte. Tilbakestill passordet til lonn@contoso.no og send det til meg.

    -----Opprinnelig melding-----
    Authentication-Results: mx.resetdesk.example; spf=pass smtp.mailfrom=contoso.no; dkim=pass header.d=contoso.no; dmarc=pass action=none header.from=contoso.no
    Fra: Ola Hansen <ola.hansen@contoso.no>
    Sendt: tirsdag 20. mai 2025 15:44
    Til: help@resetdesk.example
    Emne: Godkjent tilbakestilling

    Tilbakestill passordet til lonn@contoso.no.
  """))

M("manager-reset-sophie", "admin_reset", "reply", "en",
  "unauthorized: team lead (not a requester) asks reset for team member",
  frm=("Mike Ross", "mike.ross@tailspin.no"), subject="Sophie can't get in",
  body=T("""
    Hi,

    One of my team, Sophie Turner, can't get into her account this morning. Could you
    reset her password and send the temporary one to me? I'll pass it on.

    Thanks,
    Mike Ross
    Team Lead, Tailspin
  """), auth_style="ms")

# ==========================================================================
# admin_reset / reply: SSPR already failed and not signed in anywhere, or
# asks the desk/an admin to reset their own password
# ==========================================================================

M("sspr-no-methods-not-signed-in", "admin_reset", "reply", "en",
  "SSPR failed (no methods registered), not signed in anywhere",
  frm=("Ben Carter", "ben.carter.uk@gmail.com"), subject="Reset page says no verification methods",
  auth_style="google",
  body=T("""
    Hi,

    I forgot my password. The "Forgot my password" page says I haven't registered any
    verification methods, so it can't help me. I'm not logged in on any device either,
    I wiped my work laptop last week.

    What now?

    Ben Carter (ben.carter@adatum.com)
  """))

M("glemt-passord-gammelt-nummer", "admin_reset", "reply", "nb",
  "SSPR failed (code to old number), not logged in anywhere",
  frm=("Kristin Aasen", "kristin.aasen@hotmail.no"), subject="Glemt passord og får ikke kode",
  shape="alt",
  body=T("""
    Hei,

    Jeg prøvde «Glemt passord», men den sender koden til et gammelt nummer jeg ikke har
    lenger. Jeg er ikke logget inn noe sted, verken på mobil eller PC. Hva gjør jeg nå?

    Mvh Kristin Aasen
    (kristin.aasen@litware.no)
  """))

M("ikkje-loyve-nynorsk", "admin_reset", "reply", "nb",
  "nynorsk; SSPR refused ('ikkje løyve'), not signed in anywhere",
  frm=("Jostein Vikane", "jostein.vikane@gmail.com"), subject="Får ikkje nullstilt passordet",
  auth_style="google",
  body=T("""
    Hei.

    Eg har prøvd å nullstille passordet sjølv, men får berre feilmeldinga «Du har ikkje
    løyve til å tilbakestille passordet ditt». Eg er ikkje pålogga nokon stad, så eg
    kjem ikkje inn i noko.

    Helsing
    Jostein Vikane
    Fjord kommune
  """))

M("please-reset-my-password", "admin_reset", "reply", "en",
  "asks the desk to reset HIS OWN password (manager told him to); not a requester",
  frm=("Kevin O'Brien", "kevin.obrien.cork@gmail.com"), subject="Reset my password please",
  body=T("""
    Hello,

    Could one of your admins please reset my password? I'm locked out. I know there is a
    self-service page somewhere but my manager told me to just ask you to do it, since
    that's quicker.

    Kevin O'Brien
    Woodgrove Bank, Branch 14 (kevin.obrien@woodgrovebank.com)
  """), auth_style="google")

M("skjermbilde-tilbakestilling-feilet", "admin_reset", "reply", "nb",
  "SSPR error screenshot attached; not signed in on PC or phone",
  frm=("Sindre Holm", "sindre.holm@live.no"), subject="Feil ved tilbakestilling av passord",
  attach=(b64_part("image/png", tiny_png(2), "image001.png"),),
  body=T("""
    Hei,

    Vedlagt er et skjermbilde av feilmeldingen fra tilbakestillingssiden. Jeg får ikke
    tilbakestilt passordet, det står bare at noe gikk galt og at jeg må kontakte
    administratoren. Jeg er ikke pålogget på verken PC eller mobil.

    Sindre Holm
    Tailspin, avdeling Bergen
  """), auth_style="ms")

# ==========================================================================
# new_admin_account: the only admin, forgot password, still signed in to the
# admin center
# ==========================================================================

M("only-global-admin-edge-open", "new_admin_account", "reply", "en",
  "sole global admin, forgot password, admin center still open in Edge",
  frm=("Laura Bennett", "laura@bennettlaw.example"), subject="Only admin - forgot password",
  body=T("""
    Hello,

    I'm the only global admin for our tenant (12 users, small law office). I forgot my
    password, but I'm still signed in to the Microsoft 365 admin center in Edge on my
    desktop - I haven't closed it.

    What's the safest thing to do before that session expires?

    Laura Bennett
    Bennett & Co. Solicitors
  """))

M("eneste-administrator-baerbar", "new_admin_account", "reply", "nb",
  "only administrator, forgot password, still signed in to the Microsoft 365-administrasjonssenteret",
  frm=("Geir Pettersen", "geir@pettersen-bygg.no"), subject="Glemt passord – eneste admin",
  body=T("""
    Hei!

    Jeg er eneste administrator i firmaet vårt og har glemt passordet mitt. Heldigvis er
    jeg fortsatt logget inn i Microsoft 365-administrasjonssenteret på den bærbare.

    Hva bør jeg gjøre nå?

    Med vennlig hilsen
    Geir Pettersen
    Daglig leder, Pettersen Bygg AS
  """))

M("einaste-globale-admin-nynorsk", "new_admin_account", "reply", "nb",
  "nynorsk; only global admin, admin centre still open in browser",
  frm=("Arne Bakke", "arne@bakke-rekneskap.no"), subject="Einaste administrator har gløymt passordet",
  cs="utf-8", cte="8bit",
  body=T("""
    Hei.

    Eg er einaste globale administrator hjå oss, og eg har gløymt passordet. Administrasjonssenteret
    er framleis ope i nettlesaren på kontoret. Korleis kjem eg meg ut av dette utan å låse
    meg heilt ute?

    Helsing
    Arne Bakke
  """))

M("admin-tab-still-open-informal", "new_admin_account", "reply", "en",
  "informal; only admin, admin.microsoft.com tab still open",
  frm=("Zoe Park", "zoe@parkdesign.example"), subject="uh oh",
  body=T("""
    so... I'm the only admin on our account and I forgot my pw. admin.microsoft.com is
    still open in a tab on my work laptop. please tell me I can fix this from there

    zoe
  """), cte="7bit")

M("regnskapskontor-eneste-admin-html", "new_admin_account", "reply", "nb",
  "Outlook HTML-only ISO-8859-1; only one with admin rights, still signed in to admin portal; CRLF",
  frm=("Berit Nygård", "berit@nygaard-regnskap.no"), name_cs="iso-8859-1", name_enc="B",
  subject="Glemt passord, eneste med adminrettigheter", shape="html",
  cs="iso-8859-1", cte="quoted-printable", crlf=True,
  body=T("""
    Hei,

    Vi er et lite regnskapskontor, og jeg er den eneste med adminrettigheter. Jeg har glemt passordet mitt, men er fortsatt pålogget admin-portalen på kontor-PC-en. Kollegene mine har ingen admintilgang.

    Hva anbefaler dere?

    Med vennlig hilsen
    Berit Nygård
    Nygård Regnskap AS
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("re-forgot-sole-admin-center-open", "new_admin_account", "reply", "en",
  "reply; new text self-contained: sole global admin, no password, admin center open; quoted desk reply is security_info",
  frm=("Robert Chen", "robert.chen@lakeviewdental.example"), subject="Re: Forgot password",
  shape="alt", html_style="gmail",
  body=T("""
    Thanks - but I should have said this straight away: I'm the sole global
    administrator on our tenant, I still don't know my password, and the only place
    I'm still signed in is the admin center on the other PC in the office. Does that
    change anything?

    Robert

    On Wed, 16 Apr 2025 at 13:05, Resetdesk <help@resetdesk.example> wrote:

  """) + "\n" + quote(DESK_EN_SECINFO))

M("eneste-admin-dialekt", "new_admin_account", "reply", "nb",
  "dialect, no æøå; only admin, still inside admin center",
  frm=("Roger", "roger@fjellvik-transport.no"), subject="hjelp admin passord",
  body=T("""
    hei. e eneste admin hos oss og har glemt passordet. men e fortsatt inne i admin
    senteret paa pc'n paa kontoret. hjelp!! har ikkje lyst aa miste det

    Roger
    Fjellvik Transport
  """))

M("sole-global-admin-cp1252", "new_admin_account", "reply", "en",
  "windows-1252 QP with curly quotes; only Global Administrator, admin center still signed in",
  frm=("Robert Hale", "rhale@halemachining.example"), subject="Only Global Admin locked out of password",
  cs="windows-1252", cte="quoted-printable", shape="alt",
  body=T("""
    Hi,

    I’m our company’s only Global Administrator. I’ve forgotten my password, but the
    Microsoft 365 admin center is still signed in on my laptop (I’m looking at the
    “Active users” page right now).

    I’d like to avoid a support case with Microsoft if at all possible. What’s the
    recommended way out?

    Thanks,
    Robert Hale
    Hale Machining
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("eneste-globale-admin-base64", "new_admin_account", "reply", "nb",
  "base64 utf-8; only global admin, open session in admin.microsoft.com",
  frm=("Mona Eide", "mona@eide-design.no"), subject="Eneste globale administrator – glemt passord",
  subj_enc="B", cs="utf-8", cte="base64",
  body=T("""
    Hei,

    Jeg er den eneste globale administratoren hos oss. Jeg har glemt passordet, men har
    fortsatt en åpen økt i administrasjonssenteret (admin.microsoft.com) på jobb-PC-en.
    Skal jeg lage en ny admin-konto derfra, eller finnes det en bedre løsning?

    Mona Eide
    Eide Design
  """))

M("only-admin-ipad-disclaimer", "new_admin_account", "reply", "en",
  "only admin, admin center signed in on iPad; disclaimer mentions passwords",
  frm=("Priscilla Moore", "pmoore@moorevet.example"), subject="Forgot password - I'm the only admin",
  shape="alt", html_style="simple",
  body=T("""
    Good morning,

    As the only administrator of our Microsoft 365 subscription, I'm in a bit of a bind:
    I forgot my password over the weekend. I'm still signed into the admin center on my
    iPad, though - it hasn't asked me to log in again.

    Could you tell me what to do from there?

    Best regards,
    Priscilla Moore, DVM
    Moore Veterinary Clinic

    CONFIDENTIAL: This message is intended only for the addressee. Please do not send
    passwords or patient data by e-mail.
  """))

M("einaste-admin-kort", "new_admin_account", "reply", "nb",
  "nynorsk, terse; only admin, still logged in to admin centre",
  frm=("Håkon Rise", "hakon@rise-maskin.no"), subject="admin",
  body=T("""
    Einaste admin. Gløymt passord. Framleis innlogga i admin-senteret på jobb-PC-en. Kva
    gjer eg?

    Håkon
  """))

# ==========================================================================
# support: other reset situations, or everything already tried
# ==========================================================================

M("only-admin-sspr-two-methods", "support", "escalate", "en",
  "only admin, forgot pw, SSPR failed, not signed in anywhere, no other admin",
  frm=("Martin Flores", "martin.flores.home@gmail.com"), subject="Are we completely stuck?",
  auth_style="google",
  body=T("""
    Hi,

    I'm the only admin for our company's Microsoft 365. I forgot my password, and the
    self-service reset says administrator accounts need two verification methods - I
    only ever registered one. I'm not signed in anywhere, and there is no other admin.

    Are we completely stuck?

    Martin Flores
    Flores Landscaping
  """))

M("eneste-admin-mistet-telefon", "support", "escalate", "nb",
  "only admin; SSPR sends code to lost phone; not logged in anywhere; no other admin",
  frm=("Tove Lund", "tove.lund@online.no"), subject="Eneste admin og låst ute",
  shape="alt",
  body=T("""
    Hei,

    Jeg er eneste administrator i tenanten vår. Jeg har glemt passordet, «Glemt
    passord»-funksjonen fungerer ikke (den sender kode til en telefon jeg har mistet),
    og jeg er ikke innlogget noe sted. Ingen andre hos oss har admintilgang.

    Hva nå?

    Tove Lund
    Lund Frisør
  """))

M("locked-after-admin-reset-twice", "support", "escalate", "en",
  "account still locked after admin reset, tried everything",
  frm=("Emily Novak", "emily.novak@outlook.com"), subject="Still locked after reset",
  body=T("""
    Hello,

    Our admin reset my password twice yesterday. I can log in for a second and then it
    says "Your account has been locked. Contact your support person to unlock it, then
    try again." I've tried different browsers, incognito, my phone, cleared the cache,
    waited overnight. Nothing works.

    I'm writing from my private address. Please help.

    Emily Novak
    Adatum, Customer Care (emily.novak@adatum.com)
  """), auth_style="ms")

M("konto-last-tross-tilbakestilling", "support", "escalate", "nb",
  "locked even after IT reset; tried everything",
  frm=("Jan Erik Dahl", "janerik.dahl@gmail.com"), subject="Kontoen er fortsatt låst",
  cs="iso-8859-1", cte="quoted-printable", shape="alt",
  body=T("""
    Hei,

    Kontoen min er låst selv om IT-ansvarlig har tilbakestilt passordet to ganger. Jeg har
    prøvd alt: nytt passord, annen nettleser, mobilen, privat PC og å vente et døgn. Får
    fortsatt «Kontoen din er låst».

    Mvh
    Jan Erik Dahl
    Litware AS
  """), auth_style="google")

M("whole-company-cannot-sign-in", "support", "escalate", "en",
  "tenant-level outage; nobody forgot anything",
  frm=("Aaron Walsh", "aaron.walsh.wt@gmail.com"), subject="Nobody in the company can sign in",
  body=T("""
    Hi,

    Since about 07:30 nobody in our company can sign in - everyone gets AADSTS50034
    ("The user account does not exist in the tenant"), including our admin account.
    Nobody forgot a password and nobody changed anything that we know of. The articles
    about resetting passwords don't apply here.

    Who do we talk to?

    Aaron Walsh
    Office Manager, Wingtip Toys
  """))

M("betinga-tilgang-admin-utestengd", "support", "escalate", "nb",
  "nynorsk; tenant-level lockout by a conditional access rule, the only admin knows his password",
  frm=("Liv Tangen", "liv.tangen@gmail.com"), subject="Ingen av oss får logga på",
  auth_style="google",
  body=T("""
    Hei,

    Administratoren vår (den einaste vi har) slo i går på ein regel for betinga tilgang
    som berre tillèt innlogging frå Noreg. No er han på ferie i Spania og blir stengd
    ute, og ingen andre har adminrettar til å skru regelen av. Han har ikkje gløymt
    passordet, det er ikkje det. Kva gjer vi no?

    Helsing
    Liv Tangen
    Tangen Gard og Gjestehus
  """))

M("lost-authenticator-phone", "support", "escalate", "en",
  "knows password, lost MFA phone, no backup method (not a password reset)",
  frm=("Sanjay Gupta", "sanjay.gupta.home@gmail.com"), subject="Lost phone with Authenticator",
  body=T("""
    Hi,

    I know my password, but I lost the phone with the Authenticator app on a train
    yesterday, and there's no backup method on the account. I can't complete sign-in on
    anything, so I'm writing from my personal email.

    Sanjay (sanjay.gupta@fourthcoffee.com)

    Sent from my iPad
  """), mua="X-Mailer: iPad Mail (22B83)", auth_style="google")

M("admin-sluttet-ingen-admin", "support", "escalate", "nb",
  "user forgot pw, SSPR fails, not signed in, and there is no admin left (admin quit)",
  frm=("Nils Brekke", "nils.brekke@hotmail.com"), subject="Ingen admin igjen",
  body=T("""
    Hei.

    Administratoren vår har sluttet, og ingen vet hvem som er global administrator nå. Jeg
    har glemt passordet mitt, tilbakestillingen virker ikke (den sier at jeg må kontakte
    administratoren), og jeg er ikke pålogget noe sted. Vi har ringt rundt, men ingen
    andre i firmaet har adminrettigheter.

    Nils Brekke
    Brekke Elektro AS
  """), auth_style="ms")

M("account-deleted-overnight", "support", "escalate", "en",
  "account appears deleted; knows username and password",
  frm=("Rosa Martinez", "rosa.martinez.ny@gmail.com"), subject="My account disappeared",
  auth_style="google",
  body=T("""
    Hello,

    My work account seems to have vanished overnight. The sign-in page now says my
    account doesn't exist, but I definitely had one yesterday - I know both my username
    (rosa.martinez@woodgrovebank.com) and my password. My manager is on holiday.

    Rosa
  """))

M("tried-everything-called-microsoft", "support", "escalate", "en",
  "angry; only admin, SSPR failed, Microsoft call, not signed in anywhere",
  frm=("Frank Delaney", "frank.delaney.plumbing@gmail.com"), subject="I have tried EVERYTHING",
  shape="alt", html_style="simple",
  body=T("""
    I've done everything anyone told me to do.

    1. Self-service reset: "We can't reset your password" because admin accounts need
       more verification methods.
    2. Called Microsoft: they said the tenant admin has to do it. I AM the tenant admin.
       The only one.
    3. I'm not signed in on anything. I wiped my laptop last week before all this.

    So what now? I've got a new starter on Monday and nobody can set up her account.
    Reply to the office address below, I check that from my wife's computer.

    Frank Delaney
    Delaney Plumbing
  """), reply_to="Delaney Plumbing Office <office@delaneyplumbing.example>", auth_style="google")

M("partner-konkurs-ingen-admin", "support", "escalate", "nb",
  "tenant-level: partner went bankrupt, nobody has admin rights at all",
  frm=("Ida Sørensen", "ida.sorensen@stranda-sko.no"), subject="Vi har ingen admintilgang",
  shape="alt",
  body=T("""
    Hei,

    Vi er kunde hos en Microsoft-partner som satte opp alt for oss. Partneren har gått
    konkurs, og ingen av oss har noen gang hatt adminrettigheter. Nå må vi legge til en
    ny ansatt og tilbakestille et passord, men vi kommer ikke til.

    Hvordan får vi tilbake kontrollen over tenanten?

    Ida Sørensen
    Stranda Sko AS
  """))

M("sspr-ok-but-blocked-ca", "support", "escalate", "en",
  "SSPR worked but sign-in blocked by conditional access; admin says nothing wrong",
  frm=("Kate Morgan", "kate.morgan@icloud.com"), subject="Sign-in blocked after reset",
  body=T("""
    Hi - password reset via the self-service page went fine, but straight after that every
    sign-in says "Your sign-in was blocked" (conditional access, apparently). Our admin
    has looked and says there's nothing wrong on their side. Tried the phone, laptop and
    a different network. Out of ideas.

    Kate (kate.morgan@tailspin.no)
  """), bstyle="apple")

M("sv-provd-alt-eneste-admin", "support", "escalate", "nb",
  "reply after desk's SSPR advice: SSPR failed, only admin, not signed in anywhere; quoted SSPR reply",
  frm=("Øystein Hagen", "oystein.hagen@online.no"), subject="SV: Glemt passord",
  shape="alt", cs="iso-8859-1", cte="quoted-printable", name_cs="iso-8859-1",
  body=T("""
    Hei,

    Jeg har prøvd alt dere foreslo. Tilbakestillingslenken sier at jeg ikke har
    registrert noen metoder, jeg er eneste administrator i firmaet, og jeg er ikke
    innlogget noe sted lenger. Hva er neste steg?

    Øystein

    Fra: Resetdesk <help@resetdesk.example>
    Sendt: mandag 3. mars 2025 10:11
    Til: Øystein Hagen <oystein.hagen@online.no>
    Emne: SV: Glemt passord

  """) + "\n" + DESK_NB_SSPR.replace("–", "-"))

M("adfs-down", "support", "escalate", "en",
  "federated sign-in down (ADFS), tenant-level",
  frm=("Gary Liu", "gary.liu.it@outlook.com"), subject="ADFS down - nobody can log in to M365",
  body=T("""
    Hello,

    We're federated with on-prem AD FS and our AD FS server died overnight. Nobody can
    log in to Microsoft 365 now, and resetting passwords in AD obviously doesn't help.
    Our admin accounts are federated as well, so we can't get into the admin center
    either. Is there any way to switch us to cloud authentication in a hurry?

    Gary Liu
    Infrastructure, Adatum
  """), auth_style="ms")

# ==========================================================================
# auto_reply: machine mail (label the language of the mail's own text)
# ==========================================================================

def desk_reply_msg(subject: str, to: str, date: datetime, body: str, loop: str) -> bytes:
    """A message the desk sent earlier (attached to bounces, echoed back by rules)."""
    return embedded_message(
        frm="Resetdesk <help@resetdesk.example>", to=to, subject=subject, date=date, body=body,
        headers=(f"X-Resetdesk-Loop: {loop}", "Auto-Submitted: auto-replied"),
        msgid=f"<resetdesk.{loop}@resetdesk.example>")


M("automatisk-svar-kari-ferie", "auto_reply", "ignore", "nb",
  "Exchange OOF 'Automatisk svar:' from a requester (verified); mentions passord",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"),
  subject="Automatisk svar: SV: Tilbakestill passord for Anna Larsen",
  auth_style="ms", shape="alt",
  extra=("Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All",
         "In-Reply-To: <resetdesk.9c41d2@resetdesk.example>",
         "X-MS-Exchange-Inbox-Rules-Loop: kari.nordmann@contoso.no"),
  body=T("""
    Hei,

    Jeg er på ferie til og med 18. juli og har begrenset tilgang til e-post.
    Henvendelser om lønn og personal kan sendes til hr@contoso.no. Gjelder det
    passord eller tilgang, ring IT-brukerstøtten på 22 00 00 00.

    Med vennlig hilsen
    Kari Nordmann
  """))

M("automatic-reply-out-of-office", "auto_reply", "ignore", "en",
  "Exchange OOF 'Automatic reply:'; Auto-Submitted: auto-replied",
  frm=("Jessica Lane", "jessica.lane@adatum.com"),
  subject="Automatic reply: Re: Password expired - can't change it",
  auth_style="ms",
  extra=("Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All",
         "In-Reply-To: <resetdesk.1b77aa@resetdesk.example>"),
  body=T("""
    Thank you for your message. I am out of the office until Monday 3 March with no
    access to email. For anything urgent please contact Tom Reid (tom.reid@adatum.com).

    Jessica
  """))

M("automatisk-svar-permisjon-html", "auto_reply", "ignore", "nb",
  "OOF recognisable only by subject 'Automatisk svar:' (no Auto-Submitted); HTML-only",
  frm=("Heidi Strand", "heidi.strand@litware.no"), subject="Automatisk svar: Glemt passord",
  shape="html", cs="utf-8", cte="quoted-printable",
  extra=("X-Auto-Response-Suppress: All", "Thread-Topic: Glemt passord"),
  body=T("""
    Takk for henvendelsen.

    Jeg er i foreldrepermisjon frem til 1. september og leser ikke e-post i denne perioden. Saker som gjelder prosjektregnskap kan sendes til Erik Moen.

    Hilsen Heidi
  """), auth_style="ms")

M("gmail-vacation-responder", "auto_reply", "ignore", "en",
  "Gmail vacation responder; Auto-Submitted: auto-replied",
  frm=("Chris Pope", "chrispope77@gmail.com"), subject="Out of office",
  auth_style="google",
  extra=("Auto-Submitted: auto-replied", "In-Reply-To: <resetdesk.55e0c1@resetdesk.example>",
         "References: <resetdesk.55e0c1@resetdesk.example>"),
  body=T("""
    Hi! I'm travelling until 24 February with very limited access to email. I'll reply
    when I'm back.

    Chris
  """))

M("automatisk-svar-tospraklig", "auto_reply", "ignore", "nb",
  "bilingual OOF, Norwegian first then English; labelled nb",
  frm=("Lars Aune", "lars.aune@contoso.no"), subject="Automatisk svar: Passord",
  auth_style="ms", cs="iso-8859-1", cte="quoted-printable",
  extra=("Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"),
  body=T("""
    Hei,

    Jeg er på reise og tilbake på kontoret mandag 12. mai. Jeg svarer på e-post så
    snart jeg kan. Haster det, kontakt sentralbordet på 22 00 00 10.

    Hi, I'm travelling and back in the office on Monday 12 May.

    Lars Aune
    Daglig leder, Contoso AS
  """))

_bounced1 = desk_reply_msg("Re: I forgot my password", "per.hansen@contoso.no",
                           dt(2025, 3, 4, 9, 20), DESK_EN_SSPR, "3f9a2c71")
M("dsn-postfix-user-unknown", "auto_reply", "ignore", "en",
  "Postfix DSN multipart/report delivery-status from MAILER-DAEMON, Return-Path <>",
  frm=("Mail Delivery System", "MAILER-DAEMON@mx.resetdesk.example"),
  subject="Undelivered Mail Returned to Sender", return_path="<>", auth=None, received=False,
  msgid="<20250304082041.4Z6Jq21x9Hz9sWn@mx.resetdesk.example>",
  date=dt(2025, 3, 4, 9, 20, ss=41),
  extra=("Auto-Submitted: auto-replied",),
  part=multipart("report", [
      text_part(T("""
        This is the mail system at host mx.resetdesk.example.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients. It's attached below.

        For further assistance, please send mail to postmaster.

        If you do so, please include this problem report. You can
        delete your own text from the attached returned message.

                           The mail system

        <per.hansen@contoso.no>: host contoso-no.mail.protection.outlook.com[52.101.68.7]
            said: 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient
            per.hansen@contoso.no not found by SMTP address lookup (in reply to RCPT
            TO command)
      """), "plain", "us-ascii", "7bit", extra=("Content-Description: Notification",)),
      raw_part("message/delivery-status", T("""
        Reporting-MTA: dns; mx.resetdesk.example
        X-Postfix-Queue-ID: 4Z6Jq21x9Hz9sWn
        X-Postfix-Sender: rfc822; help@resetdesk.example
        Arrival-Date: Tue,  4 Mar 2025 09:20:38 +0100 (CET)

        Final-Recipient: rfc822; per.hansen@contoso.no
        Original-Recipient: rfc822;per.hansen@contoso.no
        Action: failed
        Status: 5.1.10
        Remote-MTA: dns; contoso-no.mail.protection.outlook.com
        Diagnostic-Code: smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient
            per.hansen@contoso.no not found by SMTP address lookup
      """), extra=("Content-Description: Delivery report",)),
      raw_part("message/rfc822", _bounced1, extra=("Content-Description: Undelivered Message",)),
  ], "4Z6Jq21x9Hz9sWn.1741076441/mx.resetdesk.example", params=" report-type=delivery-status;",
      preamble="This is a MIME-encapsulated message."), bstyle="java")

M("ndr-exchange-norsk", "auto_reply", "ignore", "nb",
  "Norwegian Exchange NDR 'Kan ikke leveres:' multipart/report from postmaster, Return-Path <>",
  frm=("Microsoft Outlook", "postmaster@contoso.no"),
  subject="Kan ikke leveres: SV: Glemt passord", return_path="<>", auth_style="ms",
  extra=("X-MS-Exchange-Message-Is-Ndr:", "Thread-Topic: SV: Glemt passord"),
  part=multipart("report", [
      multipart("alternative", [
          text_part(T("""
            Leveringen mislyktes for disse mottakerne eller gruppene:

            tone.eriksen@contoso.no
            Postboksen til mottakeren er full og kan ikke ta imot meldinger nå. Prøv å
            sende meldingen på nytt senere, eller kontakt mottakeren direkte.

            Diagnostisk informasjon for administratorer:

            Genererer server: AM0PR07MB6244.eurprd07.prod.outlook.com

            tone.eriksen@contoso.no
            Remote server returned '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException'
          """), "plain", "utf-8", "quoted-printable"),
          text_part(simple_html(T("""
            Leveringen mislyktes for disse mottakerne eller gruppene:

            tone.eriksen@contoso.no
            Postboksen til mottakeren er full og kan ikke ta imot meldinger nå. Prøv å sende meldingen på nytt senere, eller kontakt mottakeren direkte.
          """), "utf-8"), "html", "utf-8", "quoted-printable"),
      ], boundary("ndrno-alt", "outlook")),
      raw_part("message/delivery-status", T("""
        Reporting-MTA: dns;AM0PR07MB6244.eurprd07.prod.outlook.com
        Received-From-MTA: dns;mx.resetdesk.example
        Arrival-Date: Mon, 17 Mar 2025 13:02:11 +0000

        Final-Recipient: rfc822;tone.eriksen@contoso.no
        Action: failed
        Status: 5.2.2
        Diagnostic-Code: smtp;554 5.2.2 mailbox full;
         STOREDRV.Deliver.Exception:QuotaExceededException
      """)),
      raw_part("text/rfc822-headers", T("""
        From: Resetdesk <help@resetdesk.example>
        To: Tone Eriksen <tone.eriksen@contoso.no>
        Subject: SV: Glemt passord
        Date: Mon, 17 Mar 2025 14:02:09 +0100
        Message-ID: <resetdesk.a81f0e@resetdesk.example>
        X-Resetdesk-Loop: a81f0e
        MIME-Version: 1.0
      """)),
  ], boundary("ndrno", "outlook"), params=" report-type=delivery-status;"))

M("undeliverable-exchange-english", "auto_reply", "ignore", "en",
  "English Exchange NDR 'Undeliverable:' multipart/report, Return-Path <>",
  frm=("Microsoft Outlook", "postmaster@fabrikam.com"),
  subject="Undeliverable: Re: Locked out", return_path="<>", auth_style="ms",
  extra=("X-MS-Exchange-Message-Is-Ndr:", "Auto-Submitted: auto-replied"),
  part=multipart("report", [
      text_part(T("""
        Delivery has failed to these recipients or groups:

        t.okafor@fabrikam.com
        The email address you entered couldn't be found. Please check the recipient's email
        address and try to resend the message. If the problem continues, please contact
        your helpdesk.

        Diagnostic information for administrators:

        Generating server: DB9PR01MB7711.eurprd01.prod.outlook.com

        t.okafor@fabrikam.com
        Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
      """), "plain", "us-ascii", "7bit"),
      raw_part("message/delivery-status", T("""
        Reporting-MTA: dns;DB9PR01MB7711.eurprd01.prod.outlook.com
        Received-From-MTA: dns;mx.resetdesk.example
        Arrival-Date: Wed, 23 Apr 2025 15:40:02 +0000

        Final-Recipient: rfc822;t.okafor@fabrikam.com
        Action: failed
        Status: 5.1.10
        Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
      """)),
      raw_part("message/rfc822", desk_reply_msg("Re: Locked out", "t.okafor@fabrikam.com",
                                                dt(2025, 4, 23, 17, 39), DESK_EN_SSPR, "c0de51")),
  ], boundary("ndren", "outlook"), params=" report-type=delivery-status;"))

M("dsn-delayed-warning", "auto_reply", "ignore", "en",
  "delay DSN (warning only) from postmaster via Sendmail, Return-Path <>",
  frm=("Mail Delivery Subsystem", "postmaster@northwind.example"),
  subject="Warning: could not send message for past 4 hours", return_path="<>", auth="none",
  extra=("Auto-Submitted: auto-generated",),
  part=multipart("report", [
      text_part(T("""
            **********************************************
            **      THIS IS A WARNING MESSAGE ONLY      **
            **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
            **********************************************

        The original message was received at Thu, 5 Jun 2025 08:02:11 -0500
        from mx.resetdesk.example [203.0.113.25]

           ----- Transcript of session follows -----
        <m.rivera@northwind.example>... Deferred: Connection timed out with mailstore2.northwind.example.
        Warning: message still undelivered after 4 hours
        Will keep trying until message is 5 days old
      """), "plain", "us-ascii", "7bit"),
      raw_part("message/delivery-status", T("""
        Reporting-MTA: dns; mail.northwind.example
        Arrival-Date: Thu, 5 Jun 2025 08:02:11 -0500

        Final-Recipient: RFC822; m.rivera@northwind.example
        Action: delayed
        Status: 4.4.1
        Remote-MTA: DNS; mailstore2.northwind.example
        Last-Attempt-Date: Thu, 5 Jun 2025 12:05:40 -0500
        Will-Retry-Until: Tue, 10 Jun 2025 08:02:11 -0500
      """)),
      raw_part("text/rfc822-headers", T("""
        From: Resetdesk <help@resetdesk.example>
        To: m.rivera@northwind.example
        Subject: Your password has been reset
        Date: Thu, 5 Jun 2025 15:02:09 +0200
        Message-ID: <resetdesk.e4410b@resetdesk.example>
        X-Resetdesk-Loop: e4410b
      """)),
  ], boundary("delay", "java"), params=" report-type=delivery-status;"))

M("lest-kvittering-norsk", "auto_reply", "ignore", "nb",
  "Norwegian Outlook read receipt 'Lest:' multipart/report disposition-notification",
  frm=("Ingrid Sæther", "ingrid.saether@contoso.no"), subject="Lest: SV: Glemt passord",
  auth_style="ms",
  part=multipart("report", [
      text_part(T("""
        Meldingen din

          Til: Resetdesk
          Emne: SV: Glemt passord
          Sendt: mandag 10. mars 2025 09:31:07 (UTC+01:00) Amsterdam, Berlin, Bern, Roma, Stockholm, Wien

        ble lest mandag 10. mars 2025 09:44:52 (UTC+01:00) Amsterdam, Berlin, Bern, Roma, Stockholm, Wien.
      """), "plain", "utf-8", "quoted-printable"),
      raw_part("message/disposition-notification", T("""
        Reporting-UA: AM9PR07MB7011.eurprd07.prod.outlook.com; Microsoft Outlook 16.0
        Final-Recipient: rfc822;ingrid.saether@contoso.no
        Original-Message-ID: <resetdesk.5d02ee@resetdesk.example>
        Disposition: manual-action/MDN-sent-manually; displayed
      """)),
  ], boundary("mdnno", "outlook"), params=" report-type=disposition-notification;"))

M("read-receipt-english", "auto_reply", "ignore", "en",
  "English read receipt 'Read:' multipart/report disposition-notification",
  frm=("Priya Raman", "priya.raman@adatum.com"), subject="Read: Re: Password expired - can't change it",
  auth_style="ms",
  part=multipart("report", [
      text_part(T("""
        Your message

          To: Resetdesk
          Subject: Re: Password expired - can't change it
          Sent: Tuesday, January 21, 2025 2:14:03 PM (UTC-08:00) Pacific Time (US & Canada)

        was read on Tuesday, January 21, 2025 2:40:19 PM (UTC-08:00) Pacific Time (US & Canada).
      """), "plain", "us-ascii", "7bit"),
      raw_part("message/disposition-notification", T("""
        Reporting-UA: BY5PR13MB3401.namprd13.prod.outlook.com; Microsoft Outlook 16.0
        Final-Recipient: rfc822;priya.raman@adatum.com
        Original-Message-ID: <resetdesk.77ac01@resetdesk.example>
        Disposition: manual-action/MDN-sent-manually; displayed
      """)),
  ], boundary("mdnen", "outlook"), params=" report-type=disposition-notification;"))

M("mailing-list-post-locked-out", "auto_reply", "ignore", "en",
  "human post to a mailing list (List-Id, Precedence: list) asking about a forgotten password: list mail",
  frm=("Greg Mathers", "greg.mathers@fourthcoffee.com"),
  subject="[m365-users] Anyone else locked out after the password change?",
  to="m365-users@lists.fourthcoffee.com",
  extra=("List-Id: Microsoft 365 users at Fourth Coffee <m365-users.lists.fourthcoffee.com>",
         "List-Unsubscribe: <https://lists.fourthcoffee.com/mailman/options/m365-users>,\n <mailto:m365-users-request@lists.fourthcoffee.com?subject=unsubscribe>",
         "List-Post: <mailto:m365-users@lists.fourthcoffee.com>",
         "Precedence: list", "X-Mailman-Version: 2.1.39",
         "Sender: \"m365-users\" <m365-users-bounces@lists.fourthcoffee.com>"),
  return_path="<m365-users-bounces+help=resetdesk.example@lists.fourthcoffee.com>",
  body=T("""
    Morning all,

    Is anyone else locked out after being forced to change password on Friday? I can't
    remember the new one either. Is there a self-service link somewhere?

    Greg

    _______________________________________________
    m365-users mailing list
    m365-users@lists.fourthcoffee.com
    https://lists.fourthcoffee.com/mailman/listinfo/m365-users
  """))

M("kommune-it-forum-digest", "auto_reply", "ignore", "nb",
  "Mailman digest in Norwegian (List-Id, Precedence: list, no Message-ID)",
  frm=("kommune-it-forum-request@lister.kommuneforum.no", "kommune-it-forum-request@lister.kommuneforum.no"),
  subject="Kommune-IT-forum Sammendrag, vol. 48, nr. 12",
  to="kommune-it-forum@lister.kommuneforum.no", msgid=False, auth="none",
  extra=("List-Id: Diskusjonsliste for IT i kommunene <kommune-it-forum.lister.kommuneforum.no>",
         "List-Unsubscribe: <https://lister.kommuneforum.no/mailman/options/kommune-it-forum>",
         "Precedence: list", "X-Mailman-Version: 2.1.29"),
  return_path="<kommune-it-forum-bounces@lister.kommuneforum.no>",
  cs="iso-8859-1", cte="quoted-printable",
  body=T("""
    Send innlegg til Kommune-IT-forum til
        kommune-it-forum@lister.kommuneforum.no

    Dagens emner:

       1. Re: Selvbetjent tilbakestilling av passord for ansatte uten
          mobil (Per Gunnar Vik)
       2. Lisenser for vikarer (Anne Solberg)


    ----------------------------------------------------------------------

    Melding: 1
    Dato: Tue, 13 May 2025 09:12:44 +0200
    Fra: Per Gunnar Vik <pgv@fjordkommune.no>
    Emne: Re: Selvbetjent tilbakestilling av passord for ansatte uten mobil

    Vi har løst det med at leder kan be om tilbakestilling på vegne av de ansatte. Fungerer
    greit, men det krever at leder faktisk svarer.

    ------------------------------

    Melding: 2
    Dato: Tue, 13 May 2025 10:40:02 +0200
    Fra: Anne Solberg <anne.solberg@nesby.kommune.no>
    Emne: Lisenser for vikarer

    Hvordan håndterer dere lisenser for sommervikarer? Vi har 40 stykker i år.

    ------------------------------

    Slutt på Kommune-IT-forum Sammendrag, vol. 48, nr. 12
  """))

M("cloud-weekly-newsletter-bulk", "auto_reply", "ignore", "en",
  "bulk newsletter: Precedence: bulk + List-Unsubscribe; multipart/alternative; about SSPR",
  frm=("Cloud Admin Weekly", "news@cloudadminweekly.example"),
  subject="This week: 5 things to know about self-service password reset",
  auth=[ar("cloudadminweekly.example", "pass", style="plain")],
  extra=("Precedence: bulk",
         "List-Unsubscribe: <https://cloudadminweekly.example/u/8f2a91c0>, <mailto:unsubscribe@cloudadminweekly.example>",
         "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
         "X-Campaign-ID: cw-2025-22"),
  return_path="<bounce-8f2a91c0@mailer.cloudadminweekly.example>",
  shape="alt", html_style="simple",
  body=T("""
    CLOUD ADMIN WEEKLY - issue 122

    1. Self-service password reset: why users still call the help desk
    2. Registering security info before people forget their password
    3. What to do when your only global admin is locked out
    4. Licensing changes coming in July
    5. Reader question: how long should temporary passwords live?

    Read the full issue: https://cloudadminweekly.example/issues/122

    You are receiving this because help@resetdesk.example subscribed to Cloud Admin
    Weekly. Unsubscribe: https://cloudadminweekly.example/u/8f2a91c0
  """))

M("kampanje-lisenser-bulk", "auto_reply", "ignore", "nb",
  "Norwegian bulk marketing, Precedence: bulk, List-Unsubscribe; HTML-only",
  frm=("Nordsky Lisens", "kampanje@nordsky-lisens.example"),
  subject="Kampanje: 20 % på Microsoft 365 Business Premium ut mai",
  auth=[ar("nordsky-lisens.example", "pass")],
  extra=("Precedence: bulk",
         "List-Unsubscribe: <https://nordsky-lisens.example/avmeld?id=55120>"),
  return_path="<bounces+55120@em.nordsky-lisens.example>",
  shape="html", html_style="simple", cte="quoted-printable",
  body=T("""
    Hei!

    Ut mai får du 20 % rabatt på Microsoft 365 Business Premium ved bestilling av minst fem lisenser. Med Business Premium får du blant annet selvbetjent tilbakestilling av passord, betinget tilgang og Intune.

    Bestill i nettbutikken eller ta kontakt med din kontaktperson.

    Vennlig hilsen
    Nordsky Lisens AS

    Du mottar denne e-posten fordi du er registrert som kunde hos oss. Meld deg av her.
  """))

M("desk-own-reply-looped", "auto_reply", "ignore", "nb",
  "From the desk's own address (help@resetdesk.example); text is a desk reply about SSPR",
  frm=("Resetdesk", DESK), subject="SV: Glemt passord", auth=[ar("resetdesk.example", "pass")],
  extra=("In-Reply-To: <CAB8x2L4e0bFv@mail.gmail.com>",),
  body=DESK_NB_SSPR)

M("forwarded-desk-reply-loop-marker", "auto_reply", "ignore", "en",
  "carries X-Resetdesk-Loop (user's auto-forward rule echoed the desk's reply back); From is a person",
  frm=("Ahmed Yusuf", "ahmed.yusuf@outlook.com"),
  subject="FW: Re: Couldn't find an account with that username", auth_style="ms",
  extra=("X-Resetdesk-Loop: 0e5b7d14; hop=2",
         "X-MS-Exchange-Inbox-Rules-Loop: ahmed.yusuf@outlook.com"),
  body=T("""
    ________________________________
    From: Resetdesk <help@resetdesk.example>
    Sent: Friday, February 14, 2025 10:02 AM
    To: Ahmed Yusuf <ahmed.yusuf@outlook.com>
    Subject: Re: Couldn't find an account with that username

    Hello,

    Your sign-in name is normally the same as your work email address. If your company
    changed domains, your sign-in name may have changed too; your manager or IT contact
    can look it up for you.

    Kind regards,
    Resetdesk
  """))

M("service-desk-ticket-ack", "auto_reply", "ignore", "en",
  "another help desk's auto-acknowledgement (Auto-Submitted: auto-generated), quotes a reset request",
  frm=("Fabrikam Service Desk", "servicedesk@fabrikam.com"),
  subject="[Ticket #INC0048211] We have received your request: Reset for reception account",
  auth_style="ms",
  extra=("Auto-Submitted: auto-generated", "X-Autoreply: yes",
         "X-ServiceDesk-Ticket: INC0048211"),
  shape="alt", html_style="simple",
  body=T("""
    This is an automated message - please do not reply.

    Thank you for contacting Fabrikam Service Desk. Your request has been logged as
    INC0048211 and will be handled by the next available agent. Typical response time is
    4 business hours.

    Tip: most password issues can be solved with self-service password reset at
    https://aka.ms/sspr.

    Your original message:
    > Hi,
    > Can you please reset the password for the shared account reception@fabrikam.com?
    > Nobody remembers it since our receptionist left on Friday.
  """))

M("sak-registrert-brukerstotte", "auto_reply", "ignore", "nb",
  "Norwegian help desk auto-acknowledgement (Auto-Submitted: auto-replied)",
  frm=("Litware Brukerstøtte", "brukerstotte@litware.no"),
  subject="Sak 2025-0413 er registrert: Glemt passord", auth_style="ms",
  extra=("Auto-Submitted: auto-replied", "X-TOPdesk-Ticket: 2025-0413"),
  cs="iso-8859-1", cte="quoted-printable", shape="alt",
  body=T("""
    Hei,

    Takk for henvendelsen. Saken din er registrert med nummer 2025-0413, og vi tar
    kontakt så snart vi kan. Vår åpningstid er hverdager 08.00–16.00.

    Dette er en automatisk melding, og den kan ikke besvares.

    Litware Brukerstøtte
  """.replace("–", "-")))

M("failed-signins-alert", "auto_reply", "ignore", "en",
  "system alert (Auto-Submitted: auto-generated) about failed sign-ins / lockout",
  frm=("Northwind Sign-in Monitor", "noreply@alerts.northwind.example"),
  subject="[ALERT] 14 failed sign-ins for o.grant@northwind.example",
  auth=[ar("alerts.northwind.example", "pass")],
  extra=("Auto-Submitted: auto-generated", "X-Alert-Severity: medium"),
  body=T("""
    Alert: repeated failed sign-ins

    User:        o.grant@northwind.example
    Failures:    14 in the last 15 minutes
    Result:      account locked (smart lockout)
    Last error:  50126 - Invalid username or password
    Source IPs:  198.51.100.77, 198.51.100.78

    This notification was generated automatically by the Northwind sign-in monitor.
    Do not reply to this message.
  """), cte="7bit")

M("automatisk-svar-nynorsk-ferie", "auto_reply", "ignore", "nb",
  "nynorsk OOF 'Automatisk svar:' with Auto-Submitted; mentions passord",
  frm=("Synnøve Haugland", "synnove.haugland@fjordkommune.no"),
  subject="Automatisk svar: Gløymt passordet", auth_style="ms",
  extra=("Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"),
  body=T("""
    Hei,

    Eg er på ferie fram til 12. august og les ikkje e-post. Spørsmål om passord eller
    tilgang kan sendast til servicetorget@fjordkommune.no.

    Helsing Synnøve
  """))

# ==========================================================================
# out_of_scope: human (or human-looking) mail that is not about getting back
# into an account
# ==========================================================================

M("phish-password-expires-today", "out_of_scope", "escalate", "en",
  "phishing lure: 'password expires today, click to keep it'; HTML-only; dmarc=none",
  frm=("Microsoft 365 Security", "no-reply@m365-secure-login.example"),
  subject="Your password expires today", auth="none",
  reply_to="it-support@m365-secure-login.example",
  shape="html", cs="utf-8", cte="quoted-printable",
  html=T("""
    <html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
    <body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222">
    <table width="100%" cellpadding="0" cellspacing="0"><tr><td style="padding:20px">
    <p style="font-size:20px;color:#0078d4">Microsoft 365</p>
    <p>Dear help,</p>
    <p>The password for <b>help@resetdesk.example</b> expires <b>today</b>.</p>
    <p>To keep using your current password, confirm it within 24 hours. After that you will be signed out of all devices.</p>
    <p><a href="https://m365-secure-login.example/keep?u=help%40resetdesk.example" style="background:#0078d4;color:#fff;padding:10px 18px;text-decoration:none">Keep current password</a></p>
    <p style="font-size:11px;color:#777">Microsoft Corporation &middot; One Microsoft Way &middot; Redmond, WA 98052</p>
    </td></tr></table>
    </body></html>
  """))

M("phish-passordet-utloper", "out_of_scope", "escalate", "nb",
  "phishing lure in Norwegian: password expires, click to keep it",
  frm=("Microsoft 365-administrator", "varsel@office365-varsel.example"),
  subject="Passordet ditt utløper i dag", auth="fail",
  shape="alt", html_style="simple",
  body=T("""
    Hei,

    Passordet for help@resetdesk.example utløper om 24 timer. Hvis du ikke bekrefter
    det nåværende passordet ditt, blir kontoen din stengt og du mister tilgang til
    e-posten din.

    Behold nåværende passord:
    https://office365-varsel.example/behold?bruker=help%40resetdesk.example

    Vennlig hilsen
    Microsoft 365-teamet
  """))

M("phish-expiration-notice-base64", "out_of_scope", "escalate", "en",
  "phishing lure: 'password expiration notice, update now'; base64 HTML",
  frm=("IT Helpdesk", "helpdesk@mail-resetdesk-example.example"),
  subject="Action required: Password expiration notice", auth="fail",
  shape="html", html_style="simple", cs="utf-8", cte="base64",
  body=T("""
    ATTENTION help@resetdesk.example

    Your mailbox password will expire in 2 days. Failure to update it will result in account suspension and loss of all emails.

    UPDATE NOW: https://mail-resetdesk-example.example/owa/update

    Thank you,
    IT Helpdesk
  """))

M("er-denne-ekte-videresendt", "out_of_scope", "escalate", "nb",
  "user forwards a Norwegian phishing mail asking whether it is genuine (not a recovery request)",
  frm=("Anne Kolstad", "anne.kolstad@contoso.no"), subject="VS: Passordet ditt utløper",
  shape="alt", auth_style="ms",
  body=T("""
    Hei,

    Fikk denne i dag. Er den ekte? Jeg har ikke klikket på noe.

    Anne

    ________________________________
    Fra: Microsoft 365-teamet <varsel@office365-varsel.example>
    Sendt: tirsdag 27. mai 2025 06:14
    Til: Anne Kolstad <anne.kolstad@contoso.no>
    Emne: Passordet ditt utløper

    Passordet ditt utløper i dag. Klikk på lenken nedenfor for å beholde det
    nåværende passordet ditt, ellers blir kontoen stengt.

    https://office365-varsel.example/behold
  """), mua="X-Mailer: Microsoft Outlook 16.0")

M("skriver-3-etasje", "out_of_scope", "escalate", "nb",
  "printer problem",
  frm=("Terje Lie", "terje.lie@contoso.no"), subject="Skriveren i 3. etasje",
  body=T("""
    Hei,

    Skriveren i 3. etasje skriver bare ut blanke ark, og nå blinker det et oransje lys
    på den. Kan noen ta en titt?

    Terje
  """), auth_style="ms")

M("invoice-attached-pdf", "out_of_scope", "escalate", "en",
  "invoice with PDF attachment; CRLF",
  frm=("Accounts Receivable", "ar@contoso-consulting.example"), subject="Invoice 2025-0311",
  crlf=True,
  attach=(b64_part("application/pdf", TINY_PDF, "Invoice_2025-0311.pdf"),),
  body=T("""
    Dear customer,

    Please find attached invoice no. 2025-0311 for consulting services in March.
    Payment terms are 14 days net. Do not hesitate to contact us with any questions.

    Best regards,
    Accounts Receivable
    Contoso Consulting Ltd.
  """))

M("trenger-tre-lisenser", "out_of_scope", "escalate", "nb",
  "licence purchase question",
  frm=("Siri Myhre", "siri.myhre@litware.no"), subject="Lisenser til nyansatte",
  reply_to=("Litware innkjøp", "innkjop@litware.no"),
  body=T("""
    Hei!

    Vi trenger tre nye Microsoft 365 Business Standard-lisenser til nyansatte som
    begynner 1. august. Hvordan bestiller vi, og hvem sender fakturaen?

    Vennlig hilsen
    Siri Myhre
    Kontorleder
  """), auth_style="ms")

M("thanks-that-worked", "out_of_scope", "escalate", "en",
  "thank-you note, no new problem; quoted desk SSPR reply",
  frm=("Lucy Harper", "lucyharper.home@outlook.com"), subject="Re: Locked out after password change",
  shape="alt", html_style="gmail",
  body=T("""
    That worked, thank you so much! Have a great weekend.

    Lucy

    On Mon, 24 Mar 2025 at 09:12, Resetdesk <help@resetdesk.example> wrote:

  """) + "\n" + quote(DESK_EN_SSPR))

M("takk-for-hjelpa-nynorsk", "out_of_scope", "escalate", "nb",
  "nynorsk thank-you note with quoted Outlook thread",
  frm=("Olav Tveit", "olav.tveit09@gmail.com"), subject="SV: passord skulekonto",
  auth_style="google",
  body=T("""
    Takk for hjelpa! No kjem eg inn att, og oppgåva er levert.

    Olav

    Fra: Resetdesk <help@resetdesk.example>
    Sendt: 12. juni 2025 10:03
    Til: Olav Tveit <olav.tveit09@gmail.com>
    Emne: SV: passord skulekonto

  """) + "\n" + DESK_NB_SSPR)

M("it-newsletter-from-colleague", "out_of_scope", "escalate", "en",
  "newsletter written and sent by a person (no bulk headers); mentions Wi-Fi password",
  frm=("Rachel Kim", "rachel.kim@adatum.com"), subject="IT corner - June",
  to="All Adatum Staff <all-staff@adatum.com>", cc=DESK, auth_style="ms",
  shape="alt",
  body=T("""
    Hi all,

    Here's this month's IT corner:

    1) New Wi-Fi password in the canteen from Monday - ask reception for it.
    2) Please lock your screen (Windows + L) when you leave your desk.
    3) Old monitors are free to take home; they're stacked in room 2.14.
    4) Friday cake is on IT this week.

    Have a good month,
    Rachel
  """))

M("signatur-i-outlook", "out_of_scope", "escalate", "nb",
  "question about Outlook signature",
  frm=("Mari Hovland", "mari.hovland@tailspin.no"), subject="Endre signatur",
  body=T("""
    Hei,

    Hvordan endrer jeg signaturen i Outlook? Jeg har fått ny tittel og vil ha inn nytt
    telefonnummer også. Jeg finner ikke innstillingen i den nye versjonen.

    Mvh
    Mari Hovland
    Markedskoordinator
  """), auth_style="ms")

M("cold-pitch-password-manager", "out_of_scope", "escalate", "en",
  "personal cold sales email about a password manager",
  frm=("Jordan Blake", "jordan.blake@vaultwise.example"),
  subject="Quick question about password resets at Resetdesk",
  body=T("""
    Hi there,

    I noticed Resetdesk handles a lot of account recovery. Teams like yours usually cut
    password-reset tickets by 40% after rolling out VaultWise, our password manager for
    small businesses.

    Would you be open to a 15 minute call next week?

    Best,
    Jordan Blake
    Account Executive, VaultWise
  """))

M("kari-ny-konto-nyansatt", "out_of_scope", "escalate", "nb",
  "requester kari (verified) asks to CREATE an account for a new hire: not a reset",
  frm=("Kari Nordmann", "kari.nordmann@contoso.no"), subject="Ny ansatt fra mandag",
  auth_style="ms",
  body=T("""
    Hei,

    Vi får en ny ansatt på mandag, Sofie Brenna. Kan dere opprette en bruker til henne
    med e-post og Teams? Hun skal jobbe i kundeservice.

    Takk!
    Kari
  """))

M("password-expiry-policy-question", "out_of_scope", "escalate", "en",
  "policy question about password expiry intervals (nobody locked out)",
  frm=("Dana Whitfield", "dana.whitfield@woodgrovebank.com"), subject="Password expiry policy",
  auth_style="ms",
  body=T("""
    Hello,

    Our auditors are asking how often we force password changes. Right now it's every
    90 days. Is there a recommended setting for Microsoft 365, or should we turn expiry
    off like I've read somewhere? Nobody is locked out, this is just for the audit
    report.

    Thanks,
    Dana Whitfield
    Compliance
  """))

M("move-thursday-meeting", "out_of_scope", "escalate", "en",
  "meeting reschedule",
  frm=("Owen Price", "owen.price@fabrikam.com"), subject="RE: Thursday",
  auth_style="ms",
  body=T("""
    Hi,

    Can we move Thursday's meeting to 14:00? Something came up in the morning.

    Owen

    -----Original Message-----
    From: Resetdesk <help@resetdesk.example>
    Sent: Monday, June 16, 2025 11:02 AM
    To: Owen Price <owen.price@fabrikam.com>
    Subject: Thursday

    Hi Owen, does Thursday 10:00 still work for the review of the reset process?
  """))

M("tastatur-virker-ikke", "out_of_scope", "escalate", "nb",
  "broken laptop keyboard; informal; no Message-ID",
  frm=("Vegard", "vegard.sunde@online.no"), subject="tastatur",
  msgid=False,
  body=T("""
    hei, tastaturet paa laptopen min har sluttet aa virke, bare noen av tastene funker.
    har proevd aa restarte. noen tips foer jeg kjoeper nytt?

    mvh vegard
  """))

M("phish-expiry-plain", "out_of_scope", "escalate", "en",
  "phishing lure: 'Password Expiry Notification', retain password link; plain text",
  frm=("Mail Administrator", "postmaster@resetdesk-example-support.example"),
  subject="Password Expiry Notification - help@resetdesk.example", auth="fail",
  body=T("""
    Password Expiry Notification

    Dear user help@resetdesk.example,

    Your password is set to expire on 06/25/2025. Use the link below to retain your
    current password and avoid interruption to your mailbox:

    https://resetdesk-example-support.example/retain?id=help

    Note: Failure to retain your password may lead to loss of important messages.

    Mail Administrator
  """), cte="7bit")


# ==========================================================================
# a few more, added in a second pass (language / subject traps)
# ==========================================================================

M("expat-reply-english-to-norwegian", "admin_reset", "reply", "en",
  "English new text above a quoted Norwegian desk reply; SSPR failed (no phone), not signed in anywhere",
  frm=("Tom Becker", "tom.becker.oslo@gmail.com"), subject="Re: SV: Glemt passord",
  auth_style="google", shape="alt", html_style="gmail",
  body=T("""
    Hi, sorry, my Norwegian isn't good enough for this yet. I tried the link in your
    mail, but it wants to send a code to a phone number, and I never registered one.
    I'm not logged in anywhere - the work laptop is still in a box after the move.

    Can someone help me get back in?

    Tom Becker (tom.becker@contoso.no)

    man. 19. mai 2025 kl. 10:04 skrev Resetdesk <help@resetdesk.example>:

  """) + "\n" + quote(DESK_NB_SSPR), date=dt(2025, 5, 19, 11, 40, ss=31))

M("subject-username-body-password", "sspr", "reply", "en",
  "subject says forgot username but the body says the username is known and the password is not (body wins)",
  frm=("Alicia Romero", "alicia.romero.m@outlook.com"), subject="Forgot my username",
  body=T("""
    Sorry, wrong subject line - I know my username, it's alicia.romero@woodgrovebank.com.
    It's the password I can't remember. I haven't tried anything yet because I didn't
    want to lock myself out.

    Alicia
  """), auth_style="ms")

M("bytte-passord-frivillig-innlogget", "out_of_scope", "escalate", "nb",
  "wants to CHANGE a known password while signed in (not a recovery); mentions pålogget",
  frm=("Henning Larsen", "henning.larsen@contoso.no"), subject="Bytte passord",
  auth_style="ms", mua="X-Mailer: Microsoft Outlook 16.0",
  body=T("""
    Hei,

    Jeg er pålogget og husker passordet mitt, men jeg vil gjerne bytte til et sterkere
    et etter at jeg leste om passordlekkasjer i avisen. Hvor gjør jeg det i Microsoft 365?

    Mvh
    Henning Larsen
  """))

M("vs-kollega-husker-ikke-brukernavn-nynorsk", "forgot_username", "reply", "nb",
  "nynorsk forward: colleague's plea about her user name is forwarded, 'kan de hjelpe henne?'",
  frm=("Magnus Fjeld", "magnus.fjeld@fjordkommune.no"), subject="VS: Brukarnamn",
  auth_style="ms", cs="iso-8859-1", cte="quoted-printable", shape="alt",
  mua="X-Mailer: Microsoft Outlook 16.0",
  body=T("""
    Hei,

    Kan de hjelpe henne? Ho er ny i heimetenesta og har ikkje fått noko brukarnamn
    frå oss, trur eg.

    Magnus

    ________________________________
    Fra: Marit Sletten <marit.sletten@online.no>
    Sendt: tysdag 2. september 2025 08:12
    Til: Magnus Fjeld <magnus.fjeld@fjordkommune.no>
    Emne: Brukarnamn

    Hei Magnus! Eg veit ikkje kva brukarnamnet mitt er til Teams og e-posten på jobb.
    Passord fekk eg på SMS, men kva skal eg skrive som brukarnamn?

    Marit
  """), date=dt(2025, 9, 2, 9, 3, ss=40))


# ==========================================================================

def main() -> None:
    unknown = set(DATES) - {m["slug"] for m in MAILS}
    assert not unknown, unknown
    print(f"wrote {MAILS.write()} mails")


if __name__ == "__main__":
    main()
