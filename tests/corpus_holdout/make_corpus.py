#!/usr/bin/env python3
"""Generate the resetdesk HELD-OUT test corpus (tests/corpus_holdout).

Written from the contract alone, without looking at the classifier, and never
used for tuning.  The mails are written by hand below; the MIME plumbing (RFC
2047 headers, charsets, transfer encodings, multipart structure, Message-IDs)
is tests/corpus/mimekit.py, shared with the other corpora; what is this
corpus's own here is its seeding, its Outlook HTML head, its PNG, and its
trace and Authentication-Results headers.  Writes ``mail/NNN-slug.eml`` plus
``labels.csv``.  Output is deterministic: re-running reproduces the committed
files byte for byte.

    python tests/corpus_holdout/make_corpus.py
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAILDIR = HERE / "mail"

sys.path.insert(0, str(HERE.parent / "corpus"))  # tests/ is not a package
import mimekit  # noqa: E402
from mimekit import (  # noqa: E402  (the mails below use these names)
    B64ISH, D, DESK, DESK_OUTLOOK, DESK_PLAIN, TRUSTED, TZ1, TZ2, UTC, Part, T, attachment,
    esc, html_apple, html_gmail, html_plain, multi, quote, rfcdate, text, tiny_pdf,
)
from mimekit import wrap as wrap72  # noqa: E402

PROVIDERS = {
    # domain suffix: (host template, ip template)
    "gmail.com": ("mail-{a}.google.com", "209.85.{b}.{c}"),
    "googlemail.com": ("mail-{a}.google.com", "209.85.{b}.{c}"),
    "hotmail.com": ("{X}.outbound.protection.outlook.com", "40.92.{b}.{c}"),
    "outlook.com": ("{X}.outbound.protection.outlook.com", "40.92.{b}.{c}"),
    "icloud.com": ("qs51p00im-{q}.me.com", "17.57.{b}.{c}"),
    "me.com": ("qs51p00im-{q}.me.com", "17.57.{b}.{c}"),
    "yahoo.com": ("sonic{n}-{m}.consmr.mail.ir2.yahoo.com", "77.238.{b}.{c}"),
    "online.no": ("smtp.online.no", "148.123.{b}.{c}"),
    "zohomail.eu": ("sender4-op-o{n}.zoho.eu", "136.143.{b}.{c}"),
    "proton.me": ("mail-{q}.protonmail.ch", "185.70.{b}.{c}"),
}

KIT = mimekit.Kit(ew_width=52, providers=PROVIDERS, mapi_builds=(8000, 8999))
rnd, rint, uuid = KIT.rnd, KIT.rint, KIT.uuid
ew, addr, subj, H, outlook_x, mid = KIT.ew, KIT.addr, KIT.subj, KIT.H, KIT.outlook_x, KIT.mid
sender_host, exo_inner, gmail_inner = KIT.sender_host, KIT.exo_inner, KIT.gmail_inner
desk_reply_headers = KIT.desk_reply_headers
raw_part = partial(mimekit.raw_part, encoding="ascii")
ar_opendmarc = mimekit.ar_opendmarc
html_owa = partial(mimekit.html_owa, div_class="elementToProof")

MAILS = mimekit.MailSet(HERE, shuffle_seed=20250611)
M = MAILS.mail


# --------------------------------------------------------------------------
# this corpus's Outlook HTML and PNG
# --------------------------------------------------------------------------

OUTLOOK_STYLES = """\
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Aptos;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:12.0pt;
	font-family:"Aptos",sans-serif;
	mso-ligatures:standardcontextual;
	mso-fareast-language:EN-US;}
span.EpostStil17
	{mso-style-type:personal-compose;
	font-family:"Aptos",sans-serif;
	color:windowtext;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:70.85pt 70.85pt 70.85pt 70.85pt;}
"""


html_outlook = partial(mimekit.html_outlook, styles=OUTLOOK_STYLES, link="#467886", vlink="#96607D")


def tiny_png(seed: str, w: int = 48, h: int = 20) -> bytes:
    """A small grey 'screenshot' with a darker bar, deterministic."""
    shade = rint(seed, 200, 240)
    return mimekit.gray_png(w, h, lambda x, y: 90 if 6 <= y <= 12 and 4 <= x <= w - 5 else shade)


# --------------------------------------------------------------------------
# trace and authentication headers
# --------------------------------------------------------------------------

def ar_rspamd(env_from: str, ip: str, dmarc: str = "pass", policy: str = "reject",
              dkim: str = "pass", spf: str = "pass", authserv: str = TRUSTED,
              hfrom: str | None = None, seed: str = "") -> str:
    dom = env_from.rsplit("@", 1)[-1] if "@" in env_from else env_from
    hfrom = hfrom or dom
    sel = rnd(seed + "sel", 6, "abcdefghijklmnopqrstuvwxyz0123456789")
    b = rnd(seed + "b", 8, B64ISH)
    parts = []
    if dkim != "none":
        parts.append(f"dkim={dkim} header.d={hfrom} header.s={sel} header.b={b}")
    else:
        parts.append("dkim=none")
    if spf == "pass":
        parts.append(f"spf=pass ({authserv}: domain of {env_from} designates {ip} as permitted sender) smtp.mailfrom={env_from}")
    else:
        parts.append(f"spf={spf} ({authserv}: domain of {env_from} does not designate {ip} as permitted sender) smtp.mailfrom={env_from}")
    if dmarc == "pass":
        parts.append(f"dmarc=pass (policy={policy}) header.from={hfrom}")
    elif dmarc == "temperror":
        parts.append(f"dmarc=temperror reason=\"query timed out\" header.from={hfrom}")
    elif dmarc == "none":
        parts.append(f"dmarc=none header.from={hfrom}")
    else:
        parts.append(f"dmarc={dmarc} reason=\"No valid SPF, No valid DKIM\" header.from={hfrom} (policy={policy})")
    return f"Authentication-Results: {authserv};\n\t" + ";\n\t".join(parts)


def ar_exo_noid(domain: str, ip: str) -> str:
    """Exchange Online's internal stamp: no authserv-id at all."""
    return ("Authentication-Results: spf=pass (sender IP is " + ip + ")\n"
            f" smtp.mailfrom={domain}; dkim=pass (signature was verified)\n"
            f" header.d={domain};dmarc=pass action=none header.from={domain};")


def trace(dt: datetime, env_from: str, seed: str, *, ar: list[str] | None = None,
          via: str = TRUSTED, inner: list[str] | None = None, host: str | None = None,
          ip: str | None = None) -> list[str]:
    """Return-Path, Delivered-To, our Received (+ A-R headers on top of it),
    then whatever the sending side added (``inner``)."""
    h, i = sender_host(env_from if "@" in env_from else "x@" + env_from, seed)
    host = host or h
    ip = ip or i
    qid = rnd(seed + "qid", 10)
    t = dt + timedelta(seconds=rint(seed + "d", 2, 40))
    out = [f"Return-Path: <{env_from}>", f"Delivered-To: {DESK}"]
    out += ar if ar is not None else [ar_rspamd(env_from, ip, seed=seed)]
    out.append(f"Received: from {host} ({host} [{ip}])\n\tby {via} (Postfix) with ESMTPS id {qid}\n"
               f"\tfor <{DESK}>; {rfcdate(t)}")
    out += inner or []
    return out


# ==========================================================================
# THE MAILS (hand-written).  Grouped by label; numbering is shuffled later.
# ==========================================================================

DESK_SSPR_EN = T("""
    Hi,

    You can set a new password yourself at https://aka.ms/sspr. Enter your work
    address, confirm with the phone number or app you registered, and choose a new
    password.

    If that doesn't work, just reply to this mail and tell us what happened.

    Resetdesk
""")

DESK_SSPR_NB = T("""
    Hei!

    Du kan lage nytt passord selv på https://aka.ms/sspr. Skriv inn jobbadressen
    din, bekreft med telefonnummeret eller appen du har registrert, og velg et nytt
    passord.

    Hvis det ikke går, kan du svare på denne e-posten og fortelle hva som skjedde.

    Resetdesk
""")


# ==========================================================================
# sspr
# ==========================================================================

# s1 ------------------------------------------------------------------------
dt = D(2025, 3, 4, 19, 42, 11, UTC)
fr = "goneill1987@hotmail.com"
body = T("""
    Hi there,

    I've managed to forget my work password (Tailspin Toys, grace.oneill@tailspintoys.com).
    It's written down in a notebook that I left on my desk at the office, and I'm
    working from home for the rest of the week.

    How do I set a new one? If you reply, please use my husband's address (Declan),
    I don't check this hotmail very often.

    Thanks,
    Grace O'Neill
""")
M("work-password-notebook-at-office", "sspr", "reply", "en",
  "forgot own password, nothing about a live session or a failed SSPR; Outlook.com; Reply-To elsewhere",
  dt=dt, trace_hdrs=trace(dt, fr, "s1", inner=exo_inner("s1", dt)),
  headers=H(addr("Grace O'Neill", fr), "Forgotten password - Tailspin account", dt, mid("exo", "s1"),
            reply_to=addr("Declan O'Neill", "declan.oneill@gmail.com"),
            extra=outlook_x("s1", "Forgotten password - Tailspin account", "en-GB")),
  body=multi("alternative", [text(body, cs="iso-8859-1"), text(html_owa(body, "iso-8859-1"), "html", cs="iso-8859-1")],
             f"_000_{rnd('s1bd', 40, '0123456789ABCDEF')}_"))

# s2 ------------------------------------------------------------------------
dt = D(2025, 1, 13, 6, 5, 40)
fr = "aga.nowak88@yahoo.com"
body = T("""
    Hello,

    i am working in the warehouse in Northwind. I forget my pasword for the microsoft
    account for work after holiday in Poland (3 weeks). my email is
    agnieszka.nowak@northwind.example
    How i can make a new pasword? My shift start 7.00

    Sorry for my english
    Agnieszka Nowak
""")
M("pasword-after-holiday-poland", "sspr", "reply", "en",
  "non-native English with typos; forgot own password after holiday; Yahoo web mail",
  dt=dt, trace_hdrs=trace(dt, fr, "s2"),
  headers=H(addr("Agnieszka Nowak", fr), "pasword", dt, mid("yahoo", "s2"), to=DESK_PLAIN,
            extra=["X-Mailer: WebService/1.1.23187 YMailNorrin"]),
  body=multi("alternative", [text(body), text('<html><head></head><body><div class="yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">'
                                             + "".join(f"<div dir=\"ltr\" data-setdir=\"false\">{esc(l) if l else '<br>'}</div>" for l in body.rstrip().split("\n"))
                                             + "</div></body></html>\n", "html")],
             f"----=_Part_{rint('s2p', 1000000, 9999999)}_{rint('s2q', 100000000, 999999999)}.{rint('s2r', 1700000000000, 1799999999999)}"))

# s3 ------------------------------------------------------------------------
dt = D(2025, 5, 20, 8, 31, 2, TZ2)
fr = "rebecca@stonefamily.me.uk"
body = T("""
    Good morning,

    Bit embarrassing – my password manager didn’t save the new password I set on
    Friday when Litware asked me to change it, so I’ve no idea what it is now. The
    entry still has the old one, which of course doesn’t work any more.

    Could you tell me how to get a new one? It’s rebecca.stone@litware.com.

    Many thanks,
    Rebecca Stone
    Litware Inc. – Finance
""")
M("password-manager-didnt-save", "sspr", "reply", "en",
  "forgot own (changed) password, password manager did not save it; windows-1252 QP Outlook (POP account) with curly quotes/en dash",
  dt=dt, trace_hdrs=trace(dt, fr, "s3", host="smtp.stonefamily.me.uk", ip="81.2.69.160"),
  headers=H(addr("Rebecca Stone", fr), "Password not saved", dt, mid("outlook-pop", "s3", "stonefamily.me.uk"),
            extra=["X-Mailer: Microsoft Outlook 16.0", "Thread-Index: " + rnd("s3ti", 30, B64ISH) + "==",
                   "Content-Language: en-gb"]),
  body=multi("alternative", [text(body, cs="windows-1252"),
                             text(html_outlook(body, "windows-1252", "EN-GB"), "html", cs="windows-1252")],
             f"----=_NextPart_000_0011_01DBC95A.{rnd('s3b', 8)}", preamble="This is a multipart message in MIME format."))

# s4 ------------------------------------------------------------------------
dt = D(2025, 2, 17, 7, 12, 55, UTC)
fr = "tom.whitaker@icloud.com"
body = T("""
    Hi – I’m locked out. Can’t remember my Microsoft 365 password for work
    (t.whitaker@wingtiptoys.com). What’s the quickest way back in?

    Tom

    Sent from my iPad
""")
M("locked-out-ipad-short", "sspr", "reply", "en",
  "short, from iPad; forgot own password, no session or SSPR attempt mentioned; utf-8 QP",
  dt=dt, trace_hdrs=trace(dt, fr, "s4"),
  headers=H(addr("Tom Whitaker", fr), "Locked out", dt, mid("apple", "s4", "icloud.com"),
            extra=["X-Mailer: iPad Mail (22D82)"]),
  body=text(body, cte="quoted-printable"))

# s5 ------------------------------------------------------------------------
dt = D(2025, 4, 29, 9, 47, 3, TZ2)
fr = "daniel.okafor@zohomail.eu"
body = T("""
    Good morning,

    I'm a substitute teacher at Lakeside school this term. I've forgotten the password
    for my school Microsoft account (d.okafor@lakeside-school.example) and I need to
    put a quiz up on Teams before my class at 11.

    Could you help me set a new one?

    Kind regards,
    Daniel Okafor
""")
M("substitute-teacher-class-at-11", "sspr", "reply", "en",
  "forgot own password; HTML-only Zoho mail",
  dt=dt, trace_hdrs=trace(dt, fr, "s5"),
  headers=H(addr("Daniel Okafor", fr), "Forgotten password (school account)", dt, mid("zoho", "s5"),
            to=f'"help" <{DESK}>', extra=["Importance: Medium", "User-Agent: Zoho Mail", "X-Mailer: Zoho Mail"]),
  body=text('<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><html><head><meta content="text/html;charset=UTF-8" http-equiv="Content-Type"></head>'
            '<body><div style="font-family: Verdana, Arial, Helvetica, sans-serif; font-size: 10pt;">'
            + "".join(f"<div>{esc(l) if l else '<br>'}</div>" for l in body.rstrip().split("\n"))
            + "</div><br></body></html>\n", "html", cte="7bit"))

# s6 ------------------------------------------------------------------------
dt = D(2025, 2, 3, 8, 2, 19)
fr = "ragnhild.saether@online.no"
body = wrap72(T("""
    Hei,

    Jeg har dessverre glemt passordet til jobbkontoen min (ragnhild.saether@contoso.no). Jeg prøvde tre-fire varianter i morges, og nå tør jeg ikke prøve flere i tilfelle kontoen blir sperret.

    Hvordan går jeg frem for å få et nytt passord?

    Med vennlig hilsen
    Ragnhild Sæther
    Lønn og personal, Contoso AS
    Tlf. 922 41 873
"""))
M("tor-ikke-prove-flere", "sspr", "reply", "nb",
  "bokmål; forgot own password, afraid of lockout; Thunderbird ISO-8859-1 8bit, format=flowed-style wrapping",
  dt=dt, trace_hdrs=trace(dt, fr, "s6"),
  headers=H(addr("Ragnhild Sæther", fr, "iso-8859-1", "Q"), subj("Nytt passord på jobbkontoen?", "iso-8859-1", "Q"),
            dt, mid("thunderbird", "s6", "online.no"),
            extra=["User-Agent: Mozilla Thunderbird", "Content-Language: nb"]),
  body=text(body, cs="iso-8859-1", cte="8bit", params="; format=flowed"))

# s7 ------------------------------------------------------------------------
dt = D(2025, 3, 10, 6, 48, 30)
fr = "bjornar.tveit@gmail.com"
body = T("""
    Hei!
    Æ har glømt passorde te jobbmailen min, og no kjæm æ itj inn. Har prøvd någen gong men det bi bære feil. Ka æ ska gjær?

    Bjørnar Tveit
    Bygg og anlegg, Contoso



    Sendt fra Samsung Galaxy-smarttelefonen min.
""")
M("trondersk-glomt-passorde", "sspr", "reply", "nb",
  "dialect (trøndersk); forgot own password; Samsung Email, base64 utf-8 multipart/alternative",
  dt=dt, trace_hdrs=trace(dt, fr, "s7"),
  headers=H(addr("Bjørnar Tveit", fr, "utf-8", "B"), "Passord", dt, mid("android", "s7")),
  body=multi("alternative", [text(body, cte="base64"),
                             text('<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body dir="auto">'
                                  + "".join(f"<div dir=\"auto\">{esc(l) if l else '<br>'}</div>" for l in body.rstrip().split("\n"))
                                  + "</body></html>\n", "html", cte="base64")],
             f"--_com.samsung.android.email_{rint('s7b', 10**14, 10**15 - 1)}"))

# s8 ------------------------------------------------------------------------
dt = D(2025, 8, 18, 7, 55, 9, TZ2)
fr = "synnove.h@hotmail.com"
body = T("""
    Hei,

    Eg har vore ute i foreldrepermisjon i nesten eitt år, og no som eg er tilbake, hugsar eg ikkje passordet til jobbkontoen. Brukarnamnet veit eg (synnove.haugland@contoso.no), det er berre passordet som er borte.

    Korleis går eg fram for å få eit nytt?

    Helsing
    Synnøve Haugland
    helsesjukepleiar
""")
M("gloymt-etter-permisjon-nynorsk", "sspr", "reply", "nb",
  "nynorsk; back from parental leave, forgot own password; ISO-8859-1 QP; subject iso-8859-1 B",
  dt=dt, trace_hdrs=trace(dt, fr, "s8", inner=exo_inner("s8", dt)),
  headers=H(addr("Synnøve Haugland", fr, "iso-8859-1", "Q"), subj("Gløymt passord etter permisjon", "iso-8859-1", "B"),
            dt, mid("exo", "s8"), extra=["X-Mailer: Microsoft Outlook 16.0"]),
  body=text(body, cs="iso-8859-1", cte="quoted-printable"))

# s9 ------------------------------------------------------------------------
dt = D(2025, 6, 2, 22, 14, 51, TZ2)
fr = "kjetil.overland@online.no"
body = T("""
    hei
    har glemt passordet paa jobbkontoen. fikk beskjed om at det var gaatt ut og maatte byttes, men husker ikke det gamle heller saa kommer ingen vei. hvordan fikser jeg dette?
    mvh kjetil overland

    Sendt fra min iPhone
""")
M("passord-gaatt-ut-uten-aeoeaa", "sspr", "reply", "nb",
  "written without æøå, lower case; expired and the old one forgotten; iPhone, 7bit",
  dt=dt, trace_hdrs=trace(dt, fr, "s9"),
  headers=H(addr("Kjetil Øverland", fr, "utf-8", "Q"), "jobbkonto", dt, mid("apple", "s9", "online.no"),
            extra=["X-Mailer: iPhone Mail (22F76)"]),
  body=text(body, cte="7bit"))

# ==========================================================================
# security_info
# ==========================================================================

# i1 ------------------------------------------------------------------------
dt = D(2025, 3, 26, 10, 3, 44)
fr = "priya.raman.mail@gmail.com"
body = T("""
    Hi,

    I forgot my password this morning (priya.raman@relecloud.com). Weirdly, OneDrive on
    my MacBook is still syncing fine and I can open Word and Excel from there without
    being asked for anything - it's only the browser login that won't accept what I type.

    What should I do?

    Thanks
    Priya
""")
M("onedrive-mac-still-syncing", "security_info", "reply", "en",
  "forgot password; OneDrive/Word on MacBook still signed in; Gmail multipart/alternative",
  dt=dt, trace_hdrs=trace(dt, fr, "i1", inner=gmail_inner("i1", dt)),
  headers=H(addr("Priya Raman", fr), "Forgot password but OneDrive still works?", dt, mid("gmail", "i1")),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('i1b', 16, '0123456789abcdef')}"))

# i2 ------------------------------------------------------------------------
dt = D(2025, 4, 8, 13, 20, 6, TZ2)
fr = "mark.delaney@adventure-works.com"
body = T("""
    Hello,

    Slightly daft one. I sign in to my laptop with Windows Hello (PIN) every day, so I
    never actually type my password, and today I realised I have no idea what it is.
    The laptop is signed in and Outlook and Teams work fine on it - I'm sending this
    from there - but the new phone I got wants the password to set up Outlook.

    How do I get a new password without losing what I have on the laptop?

    Best regards,
    Mark Delaney
    Senior Buyer | Adventure Works
""")
M("windows-hello-pin-never-typed", "security_info", "reply", "en",
  "doesn't know password; laptop signed in (Windows Hello PIN), Outlook/Teams work there; Outlook desktop via Exchange Online",
  dt=dt, trace_hdrs=trace(dt, fr, "i2", inner=exo_inner("i2", dt)),
  headers=H(addr("Mark Delaney", fr), "Never type my password - now need it", dt, mid("exo", "i2"),
            to=DESK_OUTLOOK, extra=outlook_x("i2", "Never type my password - now need it", "en-GB")),
  body=multi("alternative", [text(body), text(html_outlook(body, "utf-8", "EN-GB"), "html")],
             f"_000_{rnd('i2bd', 40)}_"))

# i3 ------------------------------------------------------------------------
dt = D(2025, 1, 22, 16, 40, 0)
fr = "sanna.virtanen.fi@gmail.com"
body = T("""
    Hello

    I have forgot my password to the work account (sanna.virtanen@fourthcoffee.com). But
    I am still logged in Teams and Outlook at my home computer, they did not ask
    anything. Only the web page asks password and I do not know it.

    What I must do?

    Best regards
    Sanna Virtanen
""")
M("teams-outlook-home-computer-finnish", "security_info", "reply", "en",
  "non-native English; forgot password, still logged in to Teams and Outlook on home computer; plain text 7bit",
  dt=dt, trace_hdrs=trace(dt, fr, "i3", inner=gmail_inner("i3", dt)),
  headers=H(addr("Sanna Virtanen", fr), "password forgot", dt, mid("gmail", "i3")),
  body=text(body, cte="7bit"))

# i4 ------------------------------------------------------------------------
dt = D(2025, 5, 6, 17, 58, 27, TZ2)
fr = "luis.ortega@margiestravel.com"
body = T("""
    Hi,

    I’m writing this from Outlook on the web, which has been open in Chrome on my office
    PC since yesterday. If I close it I’m done for – I can’t remember my password at all.
    Before I go home I’d like to sort it out. What do I do?

    Luis Ortega
    Margie’s Travel
""")
M("owa-open-in-chrome-office-pc", "security_info", "reply", "en",
  "forgot password; Outlook on the web still open on office PC; OWA, utf-8 QP",
  dt=dt, trace_hdrs=trace(dt, fr, "i4", inner=exo_inner("i4", dt)),
  headers=H(addr("Luis Ortega", fr), "Can't remember password - OWA still open", dt, mid("exo", "i4"),
            to=DESK_OUTLOOK, extra=[*outlook_x("i4", "Can't remember password - OWA still open", "en-US"),
                                    "X-MS-Exchange-Organization-SCL: -1", "x-ms-reactions: allow"]),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_owa(body), "html", cte="quoted-printable")],
             f"_000_{rnd('i4bd', 40)}_"))

# i5 ------------------------------------------------------------------------
dt = D(2025, 4, 9, 8, 44, 12, TZ2)
fr = "espen.dahl@contoso.no"
body = T("""
    Hei,

    Skriveren virker nå – takk, Trond!

    Trond sier at passordsaker skal til dere, så jeg setter dere på her: Jeg har glemt passordet mitt. Outlook her på jobb-PC-en er fortsatt pålogget (derfor får jeg sendt dette), men Teams på mobilen har logget meg ut og vil ha passordet, og det husker jeg ikke.

    Hva gjør jeg?

    Mvh
    Espen Dahl
    Lager, Contoso AS

    ________________________________
    Fra: Trond Aasen <trond.aasen@contoso.no>
    Sendt: tirsdag 8. april 2025 13:02
    Til: Espen Dahl <espen.dahl@contoso.no>
    Emne: SV: Skriveren på lageret skriver ut blanke ark

    Hei Espen,

    Har byttet tonerkassett og renset valsen. Prøv igjen nå og si fra om det fortsatt er blanke ark.

    Trond
""")
M("sv-skriveren-lageret-glemt-passord", "security_info", "reply", "nb",
  "subject is an old printer thread (body wins); forgot password, Outlook on work PC still signed in; Outlook quote Fra:/Sendt:; windows-1252 QP with en dash",
  dt=dt, trace_hdrs=trace(dt, fr, "i5", inner=exo_inner("i5", dt)),
  headers=H(addr("Espen Dahl", fr), subj("SV: Skriveren på lageret skriver ut blanke ark", "windows-1252", "Q"), dt,
            mid("exo", "i5"), to=DESK_OUTLOOK, cc=addr("Trond Aasen", "trond.aasen@contoso.no"),
            in_reply_to=mid("exo", "i5-prev"), extra=outlook_x("i5", "Skriveren på lageret skriver ut blanke ark")),
  body=multi("alternative", [text(body, cs="windows-1252"), text(html_outlook(body, "windows-1252"), "html", cs="windows-1252")],
             f"_000_{rnd('i5bd', 40)}_"))

# i6 ------------------------------------------------------------------------
dt = D(2025, 9, 1, 12, 9, 33, TZ2)
fr = "audkristin.myhre@icloud.com"
body = T("""
    Hei,

    Eg har gløymt passordet til jobbkontoen min. Det rare er at Outlook og Teams på iPaden framleis verkar som vanleg – eg får e-post og kan chatte – men på den nye PC-en kjem eg ikkje inn, for der vil han ha passordet.

    Kva gjer eg no?

    Helsing
    Aud Kristin Myhre

    Sendt frå iPaden min
""")
M("ipaden-verkar-nynorsk", "security_info", "reply", "nb",
  "nynorsk; forgot password, Outlook and Teams on iPad still work; Apple Mail multipart/alternative QP",
  dt=dt, trace_hdrs=trace(dt, fr, "i6"),
  headers=H(addr("Aud Kristin Myhre", fr), subj("Gløymt passord"), dt, mid("apple", "i6", "icloud.com"),
            extra=["X-Mailer: iPad Mail (22G86)"]),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_apple(body), "html", cte="quoted-printable")],
             f"Apple-Mail-{uuid('i6b')}"))

# i7 ------------------------------------------------------------------------
dt = D(2025, 2, 25, 21, 31, 8)
fr = "tobias.ronning@gmail.com"
body = T("""
    Hei,

    Jeg har rotet det til med passordet: har byttet det så mange ganger at jeg ikke lenger vet hvilket som er det siste. Outlook-appen på mobilen henter fortsatt e-post helt fint, så der er jeg vel fortsatt innlogget, men på PC-en får jeg bare «Passordet er feil».

    Kan dere hjelpe meg?

    Hilsen Tobias Rønning
""")
M("outlook-appen-henter-fortsatt", "security_info", "reply", "nb",
  "bokmål; lost track of password, Outlook app on phone still fetches mail; Gmail base64 multipart/alternative",
  dt=dt, trace_hdrs=trace(dt, fr, "i7", inner=gmail_inner("i7", dt)),
  headers=H(addr("Tobias Rønning", fr, "utf-8", "B"), subj("Hvilket passord?", "utf-8", "B"), dt, mid("gmail", "i7")),
  body=multi("alternative", [text(body, cte="base64"), text(html_gmail(body), "html", cte="base64")],
             f"000000000000{rnd('i7b', 16, '0123456789abcdef')}"))

# i8 ------------------------------------------------------------------------
dt = D(2025, 10, 14, 15, 2, 50, TZ2)
fr = "gunn-elin@skaar-familie.no"
body = T("""
    Hei!

    Beklager, eg skreiv feil i emnefeltet. Brukernavnet mitt er greit nok, det er passordet eg har glemt. Eg er fortsatt logget inn i Teams og Outlook på PC-en hjemme, men på jobb-PC-en kommer eg ikkje inn.

    Kan dere hjelpe?

    Hilsen Gunn-Elin Skaar
""")
M("emne-brukernavn-egentlig-passord", "security_info", "reply", "nb",
  "subject says 'Glemt brukernavn' but body: user name fine, password forgotten, still signed in on home PC (body wins); Bergen dialect; Roundcube",
  dt=dt, trace_hdrs=trace(dt, fr, "i8", host="smtp.domeneshop.no", ip="194.63.248.52"),
  headers=H(addr("Gunn-Elin Skaar", fr), "Glemt brukernavn", dt, mid("roundcube", "i8", "skaar-familie.no"),
            extra=["User-Agent: Roundcube Webmail/1.6.9", "X-Sender: gunn-elin@skaar-familie.no"]),
  body=text(body, cte="8bit", params="; format=flowed"))

# i9 ------------------------------------------------------------------------
dt = D(2025, 3, 18, 11, 26, 37)
fr = "hollyb.work@gmail.com"
body = T("""
    Thanks, but the reset page wants to send a code to my old number, which I don't
    have any more. I should have said this in my first mail: I'm still signed in to
    Outlook on my work laptop, so I can read mail there - I just don't know the password.

    Holly

    On Tue, 18 Mar 2025 at 10:02, Resetdesk <help@resetdesk.example> wrote:
""") + quote(DESK_SSPR_EN) + T("""
    >
    > On Tue, 18 Mar 2025 at 09:41, Holly Brennan <hollyb.work@gmail.com> wrote:
    >> Hi, I've forgotten my password for holly.brennan@treyresearch.net. Can you help?
""")
M("re-code-old-number-laptop-outlook", "security_info", "reply", "en",
  "reply to desk's SSPR answer: SSPR fails (old number) BUT still signed in to Outlook on work laptop; Gmail quote",
  dt=dt, trace_hdrs=trace(dt, fr, "i9", inner=gmail_inner("i9", dt)),
  headers=H(addr("Holly Brennan", fr), "Re: Forgotten password", dt, mid("gmail", "i9"),
            in_reply_to=f"<resetdesk.{rnd('i9r', 10, '0123456789abcdef')}@resetdesk.example>"),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('i9b', 16, '0123456789abcdef')}"))

# ==========================================================================
# forgot_username
# ==========================================================================

# u1 ------------------------------------------------------------------------
dt = D(2025, 6, 11, 14, 7, 19, TZ2)
fr = "chen.wei@proseware.com"
body = T("""
    Hello,

    Fabrikam set me up with an account in January for the data migration
    project. I only signed in once, on the first day, and since then I've done
    everything from my Proseware mailbox. Now I need to open the project SharePoint
    and I honestly don't know what my Fabrikam user name is. Is it my normal email
    address, or something @fabrikam.com? I do have the password.

    Regards,
    Chen Wei
    Senior Consultant, Proseware Inc.
    +44 20 7946 0321
""")
M("contractor-which-fabrikam-username", "forgot_username", "reply", "en",
  "contractor doesn't know the user name of the account he was given; knows password; Outlook desktop",
  dt=dt, trace_hdrs=trace(dt, fr, "u1", inner=exo_inner("u1", dt)),
  headers=H(addr("Chen Wei", fr), "What is my Fabrikam user name?", dt, mid("exo", "u1"), to=DESK_OUTLOOK,
            extra=outlook_x("u1", "What is my Fabrikam user name?", "en-GB")),
  body=multi("alternative", [text(body), text(html_outlook(body, "utf-8", "EN-GB"), "html")], f"_000_{rnd('u1bd', 40)}_"))

# u2 ------------------------------------------------------------------------
dt = D(2025, 2, 12, 9, 15, 2)
fr = "fatima.khalil@outlook.com"
body = T("""
    Hi,

    I'm trying to log in to my work account at Humongous Insurance. I typed
    fatima.khalil@humongousinsurance.com and it says "This username may be incorrect".
    I also tried f.khalil and fkhalil with the same result.

    What is my login name? I'm fairly sure about the password, I just can't get past
    the first screen.

    Thank you,
    Fatima
""")
M("username-may-be-incorrect", "forgot_username", "reply", "en",
  "tried three name formats, 'This username may be incorrect'; Outlook.com multipart/alternative",
  dt=dt, trace_hdrs=trace(dt, fr, "u2", inner=exo_inner("u2", dt)),
  headers=H(addr("Fatima Khalil", fr), "Login name?", dt, mid("exo", "u2"),
            extra=outlook_x("u2", "Login name?", "en-US")),
  body=multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('u2bd', 40)}_"))

# u3 ------------------------------------------------------------------------
dt = D(2025, 7, 1, 10, 33, 45, TZ2)
fr = "hege.vik@contoso.no"
body = T("""
    Hei,

    Videresender fra en av de nye sommervikarene våre. Han skriver engelsk. Kan dere hjelpe ham?

    Hilsen Hege Vik
    Avdelingsleder, Kafé og kantine

    ________________________________
    Fra: Matteo Ricci <matteo.ricci02@gmail.com>
    Sendt: tirsdag 1. juli 2025 09:58
    Til: Hege Vik <hege.vik@contoso.no>
    Emne: login

    Hi Hege, sorry to bother you. I got the card with my password on the first day but I
    can't find the paper with the username. What do I write in the login field? Is it
    my name? Thanks, Matteo
""")
M("vs-sommervikar-engelsk-brukernavn", "forgot_username", "reply", "nb",
  "manager forwards (Outlook 'VS:') a summer temp's English plea: he has the password but not the user name; language from the forwarder's own Norwegian words",
  dt=dt, trace_hdrs=trace(dt, fr, "u3", inner=exo_inner("u3", dt)),
  headers=H(addr("Hege Vik", fr), "VS: login", dt, mid("exo", "u3"), to=DESK_OUTLOOK,
            extra=outlook_x("u3", "login")),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_outlook(body), "html", cte="quoted-printable")],
             f"_000_{rnd('u3bd', 40)}_"))

# u4 ------------------------------------------------------------------------
dt = D(2025, 1, 30, 15, 51, 7)
fr = "amir.haddad91@hotmail.com"
body = T("""
    Hello

    I dont remember my user ID for the login of office. The welcome letter is lost when
    I move apartment. My name is Amir Haddad, I am working in the canteen in Northwind
    since october. Password I know it.

    Please can you tell me my user ID

    Thank you
    Amir
""")
M("user-id-welcome-letter-lost", "forgot_username", "reply", "en",
  "non-native English; lost welcome letter, doesn't know user ID; knows password; plain text",
  dt=dt, trace_hdrs=trace(dt, fr, "u4", inner=exo_inner("u4", dt)),
  headers=H(addr("Amir Haddad", fr), "user ID", dt, mid("exo", "u4")),
  body=text(body, cs="iso-8859-1", cte="7bit"))

# u5 ------------------------------------------------------------------------
dt = D(2025, 9, 8, 8, 12, 40, TZ2)
fr = "mathilde.strand@gmail.com"
body = T("""
    Hei!

    Jeg giftet meg i sommer og har byttet etternavn fra Lunde til Strand. Nå vet jeg ikke lenger om jeg skal logge på med den gamle adressen (mathilde.lunde@contoso.no) eller en ny – ingen av variantene jeg har prøvd, blir godtatt. Passordet husker jeg.

    Hva er brukernavnet mitt nå?

    Hilsen
    Mathilde Strand (tidligere Lunde)
""")
M("nytt-etternavn-hvilket-brukernavn", "forgot_username", "reply", "nb",
  "changed surname, doesn't know whether old or new sign-in name applies; knows password; Gmail QP",
  dt=dt, trace_hdrs=trace(dt, fr, "u5", inner=gmail_inner("u5", dt)),
  headers=H(addr("Mathilde Strand", fr), "Nytt etternavn - hvilket brukernavn?", dt, mid("gmail", "u5")),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_gmail(body), "html", cte="quoted-printable")],
             f"000000000000{rnd('u5b', 16, '0123456789abcdef')}"))

# u6 ------------------------------------------------------------------------
dt = D(2025, 11, 4, 7, 40, 3)
fr = "asne.bakke@proton.me"
body = T("""
    Hei,

    Eg er vikar på ungdomsskulen og fekk ein lapp med innloggingsopplysningar i haust. No er lappen borte, og eg veit ikkje lenger kva eg skal skrive i feltet «E-post, telefon eller Skype». Passordet hugsar eg, det er brukarnamnet eg manglar.

    Kan de hjelpe meg?

    Helsing
    Åsne Bakke
""")
M("vikar-lappen-borte-nynorsk", "forgot_username", "reply", "nb",
  "nynorsk; substitute teacher lost the note, doesn't know what to type as sign-in name; Proton Mail, utf-8 base64",
  dt=dt, trace_hdrs=trace(dt, fr, "u6"),
  headers=H(addr("Åsne Bakke", fr, "utf-8", "Q"), subj("Kva er brukarnamnet mitt?"), dt, mid("proton", "u6"),
            extra=[f"X-Pm-Message-ID: {rnd('u6pm', 44, B64ISH)}==",
                   f"X-Pm-Origin: internal"]),
  body=multi("alternative", [text(body, cte="base64"), text(html_plain(body), "html", cte="base64")],
             f"b1_{rnd('u6b', 40, B64ISH)}"))

# u7 ------------------------------------------------------------------------
dt = D(2025, 3, 12, 19, 5, 28)
fr = "torill.nygard@online.no"
body = T("""
    Hei.

    Jeg er kasserer i styret i Solbakken borettslag. Styret har Microsoft 365 med e-post, men jeg har ikke vært inne siden i fjor høst, og nå husker jeg ikke hvilken adresse jeg skal logge inn med. Er det kasserer@, styret@ eller navnet mitt?

    Passordet står i permen hjemme, så det har jeg.

    Vennlig hilsen
    Torill Nygård
    Kasserer, Solbakken borettslag
""")
M("borettslag-kasserer-hvilken-adresse", "forgot_username", "reply", "nb",
  "board treasurer doesn't remember which address to sign in with; has password; ISO-8859-1 QP; no Message-ID",
  dt=dt, trace_hdrs=trace(dt, fr, "u7"),
  headers=H(addr("Torill Nygård", fr, "iso-8859-1", "Q"), "Innlogging styret", dt, None,
            extra=["X-Mailer: Telia Webmail 9.4"]),
  body=text(body, cs="iso-8859-1", cte="quoted-printable"))

# u8 ------------------------------------------------------------------------
dt = D(2025, 8, 6, 9, 2, 44, TZ2)
fr = "asmund.fosse@outlook.com"
body = T("""
    Hei,

    Jeg begynte i regnskap på mandag og skal logge inn på Microsoft 365 for første gang. Jeg vet ikke hva brukernavnet mitt er. Er det asmund.fosse, aasmund.fosse eller noe helt annet? Begge de to første gir «Vi finner ikke en konto med det brukernavnet».

    Mvh
    Åsmund Fosse
""")
M("brukernavn-med-a-eller-aa", "forgot_username", "reply", "nb",
  "new starter unsure how 'Å' is written in his sign-in name; subject utf-8 B",
  dt=dt, trace_hdrs=trace(dt, fr, "u8", inner=exo_inner("u8", dt)),
  headers=H(addr("Åsmund Fosse", fr, "utf-8", "B"), subj("Brukernavn med å eller aa?", "utf-8", "B"), dt, mid("exo", "u8"),
            extra=outlook_x("u8", "Brukernavn med å eller aa?")),
  body=multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('u8bd', 40)}_"))

# ==========================================================================
# admin_reset -- approval_requested (requester + verified)
# ==========================================================================

CONTOSO_DISCLAIMER = T("""
    Denne e-posten kan inneholde konfidensiell informasjon og er kun ment for
    mottakeren. Contoso AS ber aldri om passord eller engangskoder på e-post.
""")

# a1 ------------------------------------------------------------------------
dt = D(2025, 4, 23, 15, 12, 5, TZ2)
fr = "Kari.Nordmann@contoso.no"
body = T("""
    Hei,

    Lærlingen vår, Jonas Lie (jonas.lie@contoso.no), har glemt passordet sitt og kommer ikke inn på noe. Kan dere tilbakestille det? Send gjerne det midlertidige passordet til meg, så gir jeg det til ham på verkstedet i morgen tidlig.

    Jeg har ringt ham og bekreftet at det er han.

    Med vennlig hilsen
    Kari Nordmann
    HR-leder | Contoso AS
    Mobil: 918 22 460

""") + CONTOSO_DISCLAIMER
M("laerlingen-jonas-kari", "admin_reset", "approval_requested", "nb",
  "requester kari (From written Kari.Nordmann@contoso.no - mixed case), trusted rspamd-style A-R dmarc=pass header.from=contoso.no; reset for an apprentice; disclaimer mentions passwords",
  dt=dt, trace_hdrs=trace(dt, "kari.nordmann@contoso.no", "a1", inner=exo_inner("a1", dt)),
  headers=H(addr("Kari Nordmann", fr), "Nytt passord til Jonas Lie", dt, mid("exo", "a1"), to=DESK_OUTLOOK,
            extra=outlook_x("a1", "Nytt passord til Jonas Lie")),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_outlook(body), "html", cte="quoted-printable")],
             f"_000_{rnd('a1bd', 40)}_"))

# a2 ------------------------------------------------------------------------
dt = D(2025, 5, 12, 8, 4, 51, TZ2)
fr = "ola.hansen@contoso.no"
body = T("""
    Hei. Kan dere nullstille passordet til Marit Eide (marit.eide@contoso.no)? Hun er tilbake i dag etter tre måneders sykmelding og kommer ikke inn. Jeg står ved siden av henne.

    Ola

    Sendt fra min iPhone
""")
ip = "40.107.162.71"
M("ola-marit-tilbake-iphone", "admin_reset", "approval_requested", "nb",
  "requester ola, verified: OpenDMARC-style trusted A-R on top says pass, separate trusted SPF/DKIM A-Rs below; ARC headers from the sender side; iPhone",
  dt=dt, trace_hdrs=trace(dt, fr, "a2", ip=ip, ar=[
      ar_opendmarc("contoso.no"),
      f"Authentication-Results: {TRUSTED}; dkim=pass (2048-bit key; unprotected) header.d=contoso.no header.i=@contoso.no header.a=rsa-sha256 header.s=selector1 header.b={rnd('a2b', 8, B64ISH)}",
      f"Authentication-Results: {TRUSTED}; spf=pass smtp.mailfrom=contoso.no",
  ], inner=[
      "ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\n b=" + rnd("a2arc", 60, B64ISH),
      "ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass\n smtp.mailfrom=contoso.no; dmarc=pass action=none header.from=contoso.no;\n dkim=pass header.d=contoso.no; arc=none",
      *exo_inner("a2", dt)]),
  headers=H(addr("Ola Hansen", fr), "Marit Eide", dt, mid("apple", "a2", "contoso.no"),
            extra=["X-Mailer: iPhone Mail (22E252)", "Content-Language: nb-NO"]),
  body=text(body, cte="quoted-printable"))

# a3 ------------------------------------------------------------------------
dt = D(2025, 3, 17, 8, 20, 14, UTC)
fr = "it-lead@fabrikam.com"
body = T("""
    Hi,

    See below from Sofia. The reset page tells her to contact her administrator, so please reset her password for us: sofia.marin@fabrikam.com. I've confirmed it's her on a Teams call with her camera on.

    Thanks,
    Hollie Grant
    IT Lead, Fabrikam

    ________________________________
    From: Sofia Marin <sofia.marin.privat@gmail.com>
    Sent: Monday, March 17, 2025 7:52 AM
    To: IT Lead <it-lead@fabrikam.com>
    Subject: Can't log in

    Hi Hollie, I can't get into my work account this morning, it says my password is wrong and when I try to reset it, it says to contact my admin. Can you help? Sofia
""")
M("fw-it-lead-sofia-cant-log-in", "admin_reset", "approval_requested", "en",
  "requester it-lead, verified; forwards a user's plea (Outlook 'FW:') and asks for the reset; CRLF line endings",
  dt=dt, trace_hdrs=trace(dt, fr, "a3", inner=[*exo_inner("a3", dt),
                                                ar_exo_noid("fabrikam.com", "10.162.4.9")]),
  headers=H(addr("IT Lead", fr), "FW: Can't log in", dt, mid("exo", "a3"), to=DESK_OUTLOOK,
            extra=outlook_x("a3", "Can't log in", "en-US")),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_outlook(body, "utf-8", "EN-US"), "html", cte="quoted-printable")],
             f"_000_{rnd('a3bd', 40)}_"), crlf=True)

# a4 ------------------------------------------------------------------------
dt = D(2025, 3, 10, 7, 3, 36, TZ1)
fr = "ops@northwind.example"
body = T("""
    Hi,

    Could you reset the password for Piotr Zielinski (piotr.zielinski@northwind.example)? He’s on the road in Germany this week and can’t get into the driver app – see his message below. I’ve checked it’s really him (called his mobile, the number we have on file).

    Regards,
    Ewa Lund
    Northwind Operations – Transport desk

    From: Piotr Zielinski <piotr.zielinski.pl@gmail.com>
    Sent: 10 March 2025 06:41
    To: Northwind Operations <ops@northwind.example>
    Subject: login

    Hello ops, I cannot login to the driver app and the email, it says wrong password. I am in Hannover until Thursday. Can you help me? Piotr
""")
M("ops-driver-on-the-road", "admin_reset", "approval_requested", "en",
  "requester ops, verified; reset for a driver abroad, driver's plea quoted below an Outlook header block; windows-1252 QP with curly quotes",
  dt=dt, trace_hdrs=trace(dt, fr, "a4", inner=exo_inner("a4", dt)),
  headers=H(addr("Northwind Operations", fr), "Password reset - Piotr Zielinski (driver)", dt, mid("exo", "a4"),
            to=DESK_OUTLOOK, extra=outlook_x("a4", "Password reset - Piotr Zielinski (driver)", "en-GB")),
  body=multi("alternative", [text(body, cs="windows-1252"), text(html_outlook(body, "windows-1252", "EN-GB"), "html", cs="windows-1252")],
             f"_000_{rnd('a4bd', 40)}_"))

# a5 ------------------------------------------------------------------------
dt = D(2025, 6, 24, 13, 45, 2, TZ2)
fr = "kari.nordmann@contoso.no"
body = T("""
    Hei,

    Kan dere tilbakestille passordet på fellespostkassen faktura@contoso.no? Den brukes av dokumentskanneren og av to i økonomi, og etter at Sverre Bakken sluttet, er det ingen som vet hva passordet er.

    Mvh
    Kari Nordmann
    HR-leder, Contoso AS
""")
M("kari-faktura-postkasse-sendt-pa-vegne", "admin_reset", "approval_requested", "nb",
  "From is requester kari and the trusted A-R says dmarc=pass header.from=contoso.no; sent by a delegate (Sender: line.berg@contoso.no, Return-Path hers) - the contract looks at From",
  dt=dt, trace_hdrs=trace(dt, "line.berg@contoso.no", "a5", inner=exo_inner("a5", dt)),
  headers=H(addr("Kari Nordmann", fr), "Passord faktura@", dt, mid("exo", "a5"), to=DESK_OUTLOOK,
            sender=addr("Line Berg", "line.berg@contoso.no"), extra=outlook_x("a5", "Passord faktura@")),
  body=text(body, cte="quoted-printable"))

# a6 ------------------------------------------------------------------------
dt = D(2025, 10, 2, 16, 18, 9, TZ2)
fr = "it-lead@fabrikam.com"
body = T("""
    Hello,

    Please reset the password for our CFO, Helen Park (helen.park@fabrikam.com). She got locked out after too many attempts and flies to Singapore tonight. I verified her on a video call ten minutes ago.

    Please send the confirmation to our service desk mailbox (Reply-To is set), as I'm off at five.

    Best regards,
    Arjun Patel
    for IT Lead, Fabrikam
""")
M("it-lead-cfo-reply-to-servicedesk", "admin_reset", "approval_requested", "en",
  "requester it-lead, verified (Google Workspace sender); Reply-To points to another mailbox (does not matter)",
  dt=dt, trace_hdrs=trace(dt, fr, "a6", host="mail-ej1-f49.google.com", ip="209.85.218.49",
                          inner=gmail_inner("a6", dt)),
  headers=H(addr("Fabrikam IT Lead", fr), "Reset needed: Helen Park (CFO)", dt, mid("gmail", "a6"),
            reply_to=addr("Fabrikam Service Desk", "it-servicedesk@fabrikam.com")),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('a6b', 16, '0123456789abcdef')}"))

# ==========================================================================
# admin_reset -- unauthorised / spoofed (reply)
# ==========================================================================

# r1 ------------------------------------------------------------------------
dt = D(2025, 5, 27, 11, 2, 48, TZ2)
fr = "ola.hansen@mail.contoso.no"
body = T("""
    Hei,

    Sender fra den nye adressen vår, IT holder på å flytte oss over. Kan dere sette nytt passord for Eirik Nes (eirik.nes@contoso.no)? Han sitter på kundebesøk og kommer ikke inn.

    Mvh
    Ola Hansen
""")
M("ola-ny-adresse-underdomene", "admin_reset", "reply", "nb",
  "unauthorized: From is ola.hansen@mail.contoso.no (subdomain), verified for mail.contoso.no but not a requester address",
  dt=dt, trace_hdrs=trace(dt, fr, "r1", host="smtp.mail.contoso.no", ip="185.176.12.40"),
  headers=H(addr("Ola Hansen", fr), "Nytt passord Eirik", dt, mid("thunderbird", "r1", "mail.contoso.no"),
            extra=["User-Agent: Mozilla Thunderbird", "Content-Language: nb"]),
  body=text(wrap72(body), cte="8bit", params="; format=flowed"))

# r2 ------------------------------------------------------------------------
dt = D(2025, 1, 16, 20, 37, 14)
fr = "ops@northwind.example"
body = T("""
    Can you reset the password for Tom Becker (tom.becker@northwind.example) asap? His password stopped being accepted this afternoon and he drives the 06:00 route tomorrow - he needs the scanner app working before he leaves the depot.

    Thanks
    Northwind Ops
""")
bk = "backup-mx.resetdesk.example"
t1 = dt + timedelta(seconds=9)
M("ops-driver-route-via-backup-mx", "admin_reset", "reply", "en",
  "unauthorized: requester From, but no A-R from the trusted authserv-id at all (came via the backup MX); only the sender's own Exchange Online stamp, which has no authserv-id",
  dt=dt, trace_hdrs=[
      f"Return-Path: <{fr}>", f"Delivered-To: {DESK}",
      f"Received: from {bk} ({bk} [10.20.0.9])\n\tby {TRUSTED} (Postfix) with ESMTPS id {rnd('r2q', 10)}\n\tfor <{DESK}>; {rfcdate(t1 + timedelta(seconds=3))}",
      f"Received: from mail-am7eur03on2112.outbound.protection.outlook.com (mail-am7eur03on2112.outbound.protection.outlook.com [40.107.105.112])\n\tby {bk} (Postfix) with ESMTPS id {rnd('r2p', 10)}\n\tfor <{DESK}>; {rfcdate(t1)}",
      ar_exo_noid("northwind.example", "10.44.1.7"),
      *exo_inner("r2", dt)],
  headers=H(addr("Northwind Ops", fr), "Password reset Tom Becker - asap", dt, mid("exo", "r2"), to=DESK_OUTLOOK,
            extra=outlook_x("r2", "Password reset Tom Becker - asap", "en-US")),
  body=text(body))

# r3 ------------------------------------------------------------------------
dt = D(2025, 2, 6, 17, 22, 30)
fr = "kari.nordmann@contoso.no"
body = T("""
    Hei!

    Anders Moe i kundeservice har låst seg ute etter for mange feil forsøk. Kan dere gi ham et nytt passord (anders.moe@contoso.no)? Han har vakt i kveld.

    Hilsen Kari
""")
M("kari-anders-dmarc-temperror", "admin_reset", "reply", "nb",
  "unauthorized: requester kari, but the trusted A-R says dmarc=temperror (DNS timeout), not pass",
  dt=dt, trace_hdrs=trace(dt, fr, "r3", ar=[ar_rspamd(fr, "40.107.22.91", dmarc="temperror", dkim="temperror", seed="r3")],
                          ip="40.107.22.91", inner=exo_inner("r3", dt)),
  headers=H(addr("Kari Nordmann", fr), subj("Anders er låst ute", "iso-8859-1", "Q"), dt, mid("exo", "r3"),
            to=DESK_OUTLOOK, extra=outlook_x("r3", "Anders er låst ute")),
  body=multi("alternative", [text(body, cs="iso-8859-1"), text(html_outlook(body, "iso-8859-1"), "html", cs="iso-8859-1")],
             f"_000_{rnd('r3bd', 40)}_"))

# r4 ------------------------------------------------------------------------
dt = D(2025, 4, 14, 9, 55, 1, TZ2)
fr = "it-lead@fabrikam.com"
body = T("""
    Hi,

    please reset the password for james.whitmore@fabrikam.com and send the temporary password back to this address. He's at a client site all day and can't take calls.

    Thanks
    IT Lead
    Fabrikam
""")
t1 = dt + timedelta(seconds=6)
M("it-lead-lookalike-authserv", "admin_reset", "reply", "en",
  "unauthorized: the only dmarc=pass A-R has authserv-id mx.resetdesk.example.relay-eu.net (lookalike, untrusted); arrived via backup MX, no trusted A-R",
  dt=dt, trace_hdrs=[
      f"Return-Path: <{fr}>", f"Delivered-To: {DESK}",
      f"Received: from {bk} ({bk} [10.20.0.9])\n\tby {TRUSTED} (Postfix) with ESMTPS id {rnd('r4q', 10)}\n\tfor <{DESK}>; {rfcdate(t1 + timedelta(seconds=2))}",
      f"Received: from vps-4471.hostingnode.example (vps-4471.hostingnode.example [198.51.100.77])\n\tby {bk} (Postfix) with ESMTP id {rnd('r4p', 10)}\n\tfor <{DESK}>; {rfcdate(t1)}",
      "Authentication-Results: mx.resetdesk.example.relay-eu.net;\n\tdkim=pass header.d=fabrikam.com;\n\tspf=pass smtp.mailfrom=it-lead@fabrikam.com;\n\tdmarc=pass (policy=reject) header.from=fabrikam.com"],
  headers=H(addr("IT Lead", fr), "Password reset James Whitmore", dt, mid("plain", "r4", "fabrikam.com"),
            extra=["X-Mailer: Microsoft Outlook 16.0"]),
  body=text(body))

# r5 ------------------------------------------------------------------------
dt = D(2025, 9, 15, 7, 38, 12, TZ2)
fr = "kari.nordmann71@gmail.com"
body = T("""
    Hei,

    Jeg skriver fra privatmailen min fordi jobbmailen er treg i dag. Stine Holm (stine.holm@contoso.no) har glemt passordet sitt, kan dere tilbakestille det og sende det nye til meg? Svar gjerne til jobbadressen min.

    Kari Nordmann
    HR, Contoso
""")
M("kari-privat-gmail-reply-to-jobb", "admin_reset", "reply", "nb",
  "unauthorized: claims to be Kari but From is a private gmail address (verified for gmail.com only); Reply-To is the requester's work address",
  dt=dt, trace_hdrs=trace(dt, fr, "r5", inner=gmail_inner("r5", dt)),
  headers=H(addr("Kari Nordmann", fr), "Haster: nytt passord til Stine", dt, mid("gmail", "r5"),
            reply_to=addr("Kari Nordmann", "kari.nordmann@contoso.no")),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_gmail(body), "html", cte="quoted-printable")],
             f"000000000000{rnd('r5b', 16, '0123456789abcdef')}"))

# r6 ------------------------------------------------------------------------
dt = D(2025, 8, 28, 10, 1, 56, TZ2)
fr = "line.berg@contoso.no"
body = T("""
    Hei,

    Ola Hansen ba meg sende denne, han sitter i styremøte hele dagen. Kan dere tilbakestille passordet til den nye resepsjonisten vår, Selma Karlsen (selma.karlsen@contoso.no)? Hun har ikke fått logget inn siden oppstart.

    Ola står på kopi.

    Med vennlig hilsen
    Line Berg
    Sekretær for daglig leder
    Contoso AS

""") + CONTOSO_DISCLAIMER
M("sekretaer-pa-vegne-av-ola", "admin_reset", "reply", "nb",
  "unauthorized: written on behalf of requester ola (on Cc) but From is line.berg@contoso.no - verified, not a requester",
  dt=dt, trace_hdrs=trace(dt, fr, "r6", inner=exo_inner("r6", dt)),
  headers=H(addr("Line Berg", fr), "Passord til ny resepsjonist", dt, mid("exo", "r6"), to=DESK_OUTLOOK,
            cc=addr("Ola Hansen", "ola.hansen@contoso.no"), extra=outlook_x("r6", "Passord til ny resepsjonist")),
  body=multi("alternative", [text(body), text(html_outlook(body), "html")], f"_000_{rnd('r6bd', 40)}_"))

# r7 ------------------------------------------------------------------------
dt = D(2025, 11, 20, 8, 49, 17)
fr = "it-lead@fabrikarn.com"
html = T("""
    <html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
    <body style="font-family:Calibri,Arial,sans-serif;font-size:11pt">
    <p>Hello,</p>
    <p>Our CEO <b>Victoria Hale</b> cannot sign in and the board meeting starts in 40 minutes.
    Please reset her password (victoria.hale@fabrikam.com) and send the new one to me directly.
    This is time-sensitive, please do not call her.</p>
    <p>Regards,<br>IT Lead<br>Fabrikam</p>
    </body></html>
""")
M("ceo-board-meeting-fabrikarn", "admin_reset", "reply", "en",
  "unauthorized: typosquatted domain fabrikarn.com ('rn' for 'm'), verified for its own domain, not a requester; HTML-only",
  dt=dt, trace_hdrs=trace(dt, fr, "r7", host="smtp.fabrikarn.com", ip="203.0.113.58"),
  headers=H(addr("IT Lead", fr), "Urgent - CEO locked out", dt, mid("plain", "r7", "fabrikarn.com"),
            extra=["X-Priority: 1 (Highest)", "Importance: High"]),
  body=text(html, "html"))

# ==========================================================================
# admin_reset -- SSPR failed / explicit own reset (reply, not requesters)
# ==========================================================================

# o1 ------------------------------------------------------------------------
dt = D(2025, 2, 20, 12, 11, 29)
fr = "hannah.cole@outlook.com"
body = T("""
    Hi,

    I've forgotten my password for hannah.cole@wingtiptoys.com. When I click "Forgot my password" it just says I need to contact my administrator to reset it. I'm not signed in on anything - my laptop and my phone both want the password now.

    Could someone reset it for me?

    Hannah Cole
    Accounts, Wingtip Toys
""")
M("sspr-says-contact-admin-not-signed-in", "admin_reset", "reply", "en",
  "SSPR refused ('contact your administrator') and not signed in anywhere; asks for a reset; not a requester",
  dt=dt, trace_hdrs=trace(dt, fr, "o1", inner=exo_inner("o1", dt)),
  headers=H(addr("Hannah Cole", fr), "Can't reset my password", dt, mid("exo", "o1"),
            extra=outlook_x("o1", "Can't reset my password", "en-GB")),
  body=multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('o1bd', 40)}_"))

# o2 ------------------------------------------------------------------------
dt = D(2025, 10, 27, 19, 20, 45)
fr = "livtorunn.hauge@gmail.com"
body = T("""
    Hei,

    Kan de vere så snille å setje eit nytt passord på jobbkontoen min (liv.hauge@contoso.no) og sende det til denne adressa? Eg har gløymt det gamle.

    Takk!
    Liv Torunn Hauge
""")
M("set-nytt-passord-pa-kontoen-min-nynorsk", "admin_reset", "reply", "nb",
  "nynorsk; explicitly asks the desk to set a new password on her OWN account ('for themselves'); not a requester; K-9 Mail",
  dt=dt, trace_hdrs=trace(dt, fr, "o2", inner=gmail_inner("o2", dt)),
  headers=H(addr("Liv Torunn Hauge", fr), "Nytt passord", dt, f"<{uuid('o2', upper=False)}@gmail.com>",
            extra=["User-Agent: K-9 Mail for Android"]),
  body=text(body, cte="quoted-printable", params="; format=flowed"))

# o3 ------------------------------------------------------------------------
dt = D(2025, 6, 16, 9, 27, 3, TZ2)
fr = "sam.whitfield@proton.me"
body = T("""
    Hi,

    The reset page sends the verification code to my old work phone, which I handed back in January. So that's a dead end. I'm not logged in on anything at the moment - not the laptop, not Teams, nothing.

    My account is sam.whitfield@cohovineyard.com. What now?

    Sam
""")
M("code-to-returned-work-phone", "admin_reset", "reply", "en",
  "SSPR failed (code goes to a phone handed back) and not signed in anywhere; Proton Mail, base64",
  dt=dt, trace_hdrs=trace(dt, fr, "o3"),
  headers=H(addr("Sam Whitfield", fr), "Reset code goes to old phone", dt, mid("proton", "o3"),
            extra=[f"X-Pm-Message-ID: {rnd('o3pm', 44, B64ISH)}=="]),
  body=multi("alternative", [text(body, cte="base64"), text(html_plain(body), "html", cte="base64")],
             f"b1_{rnd('o3b', 40, B64ISH)}"))

# ==========================================================================
# new_admin_account
# ==========================================================================

# n1 ------------------------------------------------------------------------
dt = D(2025, 3, 5, 7, 51, 22)
fr = "ingrid@lillevik-tannklinikk.no"
body = T("""
    Hei!

    Jeg driver Lillevik Tannklinikk og er den eneste hos oss med administratortilgang til Microsoft 365. Nå har jeg glemt passordet mitt – men på PC-en i resepsjonen er jeg fortsatt innlogget i Microsoft 365-administrasjonssenteret.

    Hva bør jeg gjøre før den logger meg ut?

    Vennlig hilsen
    Ingrid Solheim
    Tannlege / daglig leder
    Lillevik Tannklinikk AS
""")
M("tannklinikk-eneste-admin-resepsjon", "new_admin_account", "reply", "nb",
  "only admin, forgot password, still signed in to the Microsoft 365 admin center on the reception PC; windows-1252 8bit",
  dt=dt, trace_hdrs=trace(dt, fr, "n1", inner=exo_inner("n1", dt)),
  headers=H(addr("Ingrid Solheim", fr), "Glemt passord - eneste administrator", dt, mid("exo", "n1"), to=DESK_OUTLOOK,
            extra=outlook_x("n1", "Glemt passord - eneste administrator")),
  body=multi("alternative", [text(body, cs="windows-1252", cte="8bit"), text(html_outlook(body, "windows-1252"), "html", cs="windows-1252", cte="8bit")],
             f"_000_{rnd('n1bd', 40)}_"))

# n2 ------------------------------------------------------------------------
dt = D(2025, 1, 8, 21, 3, 56)
fr = "kjellarne.vatne@gmail.com"
body = T("""
    Hei,

    Eg er kasserar i Fjellheim IL og den einaste administratoren for Microsoft 365-kontoen til laget. No har eg gløymt passordet, men administrasjonssenteret står framleis ope i nettlesaren på PC-en heime, og der er eg innlogga.

    Kva bør eg gjere?

    Helsing
    Kjell Arne Vatne
    Fjellheim IL
""")
M("idrettslag-einaste-admin-nynorsk", "new_admin_account", "reply", "nb",
  "nynorsk; sports club treasurer, the only admin, forgot password, admin centre still open and signed in at home; Gmail QP",
  dt=dt, trace_hdrs=trace(dt, fr, "n2", inner=gmail_inner("n2", dt)),
  headers=H(addr("Kjell Arne Vatne", fr), subj("Gløymt passord - einaste admin i idrettslaget", "utf-8", "Q"), dt, mid("gmail", "n2")),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_gmail(body), "html", cte="quoted-printable")],
             f"000000000000{rnd('n2b', 16, '0123456789abcdef')}"))

# n3 ------------------------------------------------------------------------
dt = D(2025, 11, 12, 14, 40, 30)
fr = "roy.isaksen@online.no"
body = T("""
    Hei

    Æ e den einaste som e admin hos oss, og no har æ glømt passordet. Men æ e fortsatt innlogga i admin-senteret på laptopen på kontoret. Ka gjør æ?

    Mvh Roy

    Sendt fra min iPhone
""")
M("nordnorsk-einaste-admin-laptop", "new_admin_account", "reply", "nb",
  "dialect (nordnorsk); only admin, forgot password, still signed in to the admin center on the office laptop; iPhone",
  dt=dt, trace_hdrs=trace(dt, fr, "n3"),
  headers=H(addr("Roy Isaksen", fr), "Admin passord", dt, mid("apple", "n3", "online.no"),
            extra=["X-Mailer: iPhone Mail (23A341)"]),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html_apple(body), "html", cte="quoted-printable")],
             f"Apple-Mail-{uuid('n3b')}"))

# n4 ------------------------------------------------------------------------
dt = D(2025, 5, 8, 17, 34, 10, TZ2)
fr = "j.marsh@marsh-architects.example"
html = html_outlook(T("""
    Hello,

    Nobody else here has admin rights - I set up our Microsoft 365 myself for our five-person practice. After two weeks off, my password has gone completely out of my head. The desktop in the studio still has admin.microsoft.com open, though, and I can click around in it as we speak.

    What's the safest way to fix this before that session runs out?

    Thanks,
    Julian Marsh
    Marsh & Partners Architects
"""), "utf-8", "EN-GB")
M("only-global-admin-studio-desktop", "new_admin_account", "reply", "en",
  "nobody else has admin rights, password forgotten after holiday, admin.microsoft.com still open on the studio desktop; Outlook HTML-only; CRLF",
  dt=dt, trace_hdrs=trace(dt, fr, "n4", inner=exo_inner("n4", dt)),
  headers=H(addr("Julian Marsh", fr), "Forgotten password - only admin", dt, mid("exo", "n4"), to=DESK_OUTLOOK,
            extra=outlook_x("n4", "Forgotten password - only admin", "en-GB")),
  body=text(html, "html", cte="quoted-printable"), crlf=True)

# n5 ------------------------------------------------------------------------
dt = D(2025, 7, 14, 10, 22, 7, TZ2)
fr = "rosie.foodbank@gmail.com"
body = T("""
    Hi,

    I set up Microsoft 365 for our food bank last year and I'm the only admin. I don't remember the password at all, but admin.microsoft.com still shows me logged in on the office Mac (I can see users and licences and everything).

    We're volunteers, so there's no IT person to ask. Can you tell me what to do?

    Rosie Adebayo
    Riverside Community Food Bank
""")
M("food-bank-admin-office-mac", "new_admin_account", "reply", "en",
  "volunteer, the only admin, doesn't remember password, admin.microsoft.com still logged in on the office Mac; Gmail",
  dt=dt, trace_hdrs=trace(dt, fr, "n5", inner=gmail_inner("n5", dt)),
  headers=H(addr("Rosie Adebayo", fr), "Only admin, forgot password", dt, mid("gmail", "n5")),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('n5b', 16, '0123456789abcdef')}"))

# n6 ------------------------------------------------------------------------
dt = D(2025, 12, 1, 23, 8, 41)
fr = "gregwatts@me.com"
body = T("""
    Only admin here. Forgot my pw. Admin center is still open in Safari on this phone tho. What now?

    Greg

    Sent from my iPhone
""")
M("only-admin-safari-phone-terse", "new_admin_account", "reply", "en",
  "terse; only admin, forgot password, admin center still open in Safari on his phone; iPhone 7bit",
  dt=dt, trace_hdrs=trace(dt, fr, "n6"),
  headers=H(addr("Greg Watts", fr), "pw", dt, mid("apple", "n6", "me.com"),
            extra=["X-Mailer: iPhone Mail (23B85)"]),
  body=text(body))

# n7 ------------------------------------------------------------------------
dt = D(2025, 5, 14, 9, 40, 2, TZ2)
fr = "henrik.bo@bo-elektro.no"
body = T("""
    Takk for raskt svar!

    Før jeg prøver lenken: Jeg glemte å si at jeg er den eneste administratoren i firmaet. Jeg er fortsatt logget inn i administrasjonssenteret på jobb-PC-en, men selve passordet husker jeg ikke.

    Gjelder det samme for meg?

    Mvh
    Henrik Bø
    Bø Elektro AS

    ons. 14. mai 2025 kl. 09:12 skrev Resetdesk <help@resetdesk.example>:
""") + quote(DESK_SSPR_NB) + T("""
    >
    > ons. 14. mai 2025 kl. 08:55 skrev Henrik Bø <henrik.bo@bo-elektro.no>:
    >> Hei, jeg har glemt passordet mitt. Hva gjør jeg?
""")
M("sv-eneste-admin-for-jeg-prover-lenken", "new_admin_account", "reply", "nb",
  "reply to desk's SSPR answer: only admin, still signed in to the admin center, password forgotten; Gmail-style 'skrev' quote; base64",
  dt=dt, trace_hdrs=trace(dt, fr, "n7", host="mail-ej1-f41.google.com", ip="209.85.218.41", inner=gmail_inner("n7", dt)),
  headers=H(addr("Henrik Bø", fr, "utf-8", "Q"), "Re: Glemt passord", dt, mid("gmail", "n7"),
            in_reply_to=f"<resetdesk.{rnd('n7r', 10, '0123456789abcdef')}@resetdesk.example>"),
  body=multi("alternative", [text(body, cte="base64"), text(html_gmail(body), "html", cte="base64")],
             f"000000000000{rnd('n7b', 16, '0123456789abcdef')}"))

# ==========================================================================
# support
# ==========================================================================

# p1 ------------------------------------------------------------------------
dt = D(2025, 4, 3, 6, 59, 13, TZ2)
fr = "nadia.petrov@gmail.com"
body = T("""
    Hi,

    I think someone has got into my work account (nadia.petrov@alpineskihouse.com). At 03:14 last night I got an alert that my password had been changed - it wasn't me. When I try "Forgot password", the code goes to a phone number ending 77 that isn't mine; my own number seems to have been replaced. I can't sign in anywhere now.

    Please help, I'm worried about what they can see.

    Nadia Petrov
""")
M("account-taken-over-recovery-number-changed", "support", "escalate", "en",
  "account apparently hijacked: password and recovery phone changed by someone else; not a plain reset",
  dt=dt, trace_hdrs=trace(dt, fr, "p1", inner=gmail_inner("p1", dt)),
  headers=H(addr("Nadia Petrov", fr), "Someone changed my password", dt, mid("gmail", "p1")),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('p1b', 16, '0123456789abcdef')}"))

# p2 ------------------------------------------------------------------------
dt = D(2025, 2, 11, 10, 14, 55)
fr = "torgeir.lund@live.no"
body = T("""
    Hei,

    Når jeg prøver å logge på jobbkontoen, får jeg meldingen «Kontoen din er sperret. Kontakt brukerstøtten for å låse den opp, og prøv deretter på nytt.» Passordet er riktig – jeg byttet det selv forrige uke og har det notert. IT-ansvarlig hos oss sier at han ikke har sperret noe.

    Skjermbilde ligger ved.

    Hilsen
    Torgeir Lund
""")
M("kontoen-er-sperret-skjermbilde", "support", "escalate", "nb",
  "sign-in blocked ('Kontoen din er sperret') though the password is right and nobody says they blocked it; multipart/mixed with PNG screenshot; Outlook.com",
  dt=dt, trace_hdrs=trace(dt, fr, "p2", inner=exo_inner("p2", dt)),
  headers=H(addr("Torgeir Lund", fr), "Kontoen er sperret", dt, mid("exo", "p2"), to=DESK_OUTLOOK,
            extra=outlook_x("p2", "Kontoen er sperret", attach=True)),
  body=multi("mixed", [multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('p2bd', 40)}_"),
                       attachment("image/png", "image001.png", tiny_png("p2"))],
             f"_004_{rnd('p2mx', 40)}_"))

# p3 ------------------------------------------------------------------------
dt = D(2025, 6, 5, 13, 2, 37, TZ2)
fr = "kwame.boateng@yahoo.com"
body = T("""
    Hello,

    My admin reset my password yesterday and the new one works, but after I enter it I get "More information required", then the Authenticator setup fails with "Something went wrong" and I'm back at the start. I've tried on two different phones and in three browsers. I can't get past it to my mailbox.

    Kwame Boateng
    Blue Yonder Airlines - Cargo
""")
M("more-information-required-loop", "support", "escalate", "en",
  "new password works but MFA registration loops and fails; not covered by a reset; Yahoo",
  dt=dt, trace_hdrs=trace(dt, fr, "p3"),
  headers=H(addr("Kwame Boateng", fr), "Stuck on More information required", dt, mid("yahoo", "p3"),
            extra=["X-Mailer: WebService/1.1.23956 YMailNorrin"]),
  body=multi("alternative", [text(body), text(html_plain(body), "html")],
             f"----=_Part_{rint('p3p', 1000000, 9999999)}_{rint('p3q', 100000000, 999999999)}.{rint('p3r', 1700000000000, 1799999999999)}"))

# p4 ------------------------------------------------------------------------
dt = D(2025, 3, 31, 20, 45, 3, TZ2)
fr = "oddvar.rise@gmail.com"
body = T("""
    Hei,

    Eg er einaste administrator i firmaet (vi er to tilsette). Eg har gløymt passordet, og når eg prøver «Gløymt passord», vil Microsoft sende koden til eit mobilnummer eg sa opp i fjor. Eg er ikkje innlogga nokon stad lenger, og det finst ingen annan administrator.

    Kva kan eg gjere?

    Helsing
    Oddvar Rise
    Rise Rør AS
""")
M("einaste-admin-oppsagt-nummer-nynorsk", "support", "escalate", "nb",
  "nynorsk; only admin, SSPR fails (cancelled number), not signed in anywhere, no other admin: everything exhausted",
  dt=dt, trace_hdrs=trace(dt, fr, "p4", inner=gmail_inner("p4", dt)),
  headers=H(addr("Oddvar Rise", fr), subj("Einaste admin - kjem ikkje inn", "iso-8859-1", "Q"), dt, mid("gmail", "p4")),
  body=multi("alternative", [text(body, cs="iso-8859-1"), text(html_gmail(body), "html", cs="iso-8859-1")],
             f"000000000000{rnd('p4b', 16, '0123456789abcdef')}"))

# p5 ------------------------------------------------------------------------
dt = D(2025, 9, 22, 11, 7, 50, TZ2)
fr = "pat.kowalski@outlook.com"
body = T("""
    Hello,

    Microsoft Support keeps telling me to "contact your administrator". I AM the administrator. The only one, for a 4-person company (Graphic Design Institute). I forgot the password, the self-service reset wants a code on an email address from our old domain that no longer exists, and I'm logged out everywhere - PC, phone, admin center, all of it.

    Third day of this. Please tell me someone can actually help.

    Pat Kowalski
""")
M("i-am-the-administrator", "support", "escalate", "en",
  "frustrated; only admin, SSPR fails (recovery email on a dead domain), logged out everywhere, no other admin; Microsoft support went in circles",
  dt=dt, trace_hdrs=trace(dt, fr, "p5", inner=exo_inner("p5", dt)),
  headers=H(addr("Pat Kowalski", fr), "I AM the administrator", dt, mid("exo", "p5"),
            extra=outlook_x("p5", "I AM the administrator", "en-US")),
  body=multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('p5bd', 40)}_"))

# p6 ------------------------------------------------------------------------
dt = D(2025, 10, 9, 8, 30, 11, TZ2)
fr = "nils.petter.lie@proseware.com"
body = T("""
    Hei,

    Jeg er innleid konsulent og har hatt gjestetilgang til Teams hos kunden vår, Tailspin Toys, siden januar. Fra i dag får jeg ikke logget inn der – det står at kontoen min ikke finnes i deres katalog. Min egen jobbkonto virker som den skal.

    Kan dere se på det?

    Mvh
    Nils Petter Lie
    Proseware Consulting
""")
M("gjestetilgang-hos-kunde-borte", "support", "escalate", "nb",
  "guest access in a customer's tenant stopped working; own account fine; nothing a reset fixes; Mutt, hard-wrapped 8bit",
  dt=dt, trace_hdrs=trace(dt, fr, "p6", host="smtp.proseware.com", ip="192.0.2.44"),
  headers=H(addr("Nils Petter Lie", fr), "Gjestetilgang Tailspin", dt, mid("mutt", "p6", "proseware.com"),
            extra=["User-Agent: Mutt/2.2.13 (2024-03-09)"]),
  body=text(wrap72(body), cte="8bit"))

# p7 ------------------------------------------------------------------------
dt = D(2025, 1, 6, 8, 12, 26)
fr = "office@treyresearch.example"
body = T("""
    Hi,

    Since this morning nobody at Trey Research can sign in to anything Microsoft - Outlook, Teams, the lot. The message says our organisation's subscription has been disabled. Our accountant thinks the card on file expired over Christmas. I'm the admin and I can't get into the admin center either, so I can't even update the card.

    We're 12 people sitting idle. What can be done?

    Ben Harlow
    Office Manager, Trey Research
""")
M("subscription-disabled-everyone-out", "support", "escalate", "en",
  "tenant-wide: subscription disabled (expired card), nobody including the admin can sign in; not a password problem",
  dt=dt, trace_hdrs=trace(dt, fr, "p7", host="smtp.treyresearch.example", ip="198.51.100.23"),
  headers=H(addr("Ben Harlow", fr), "Whole office locked out - subscription disabled", dt, mid("outlook-pop", "p7", "treyresearch.example"),
            extra=["X-Mailer: Microsoft Outlook 16.0", "Importance: High"]),
  body=text(body, cs="us-ascii"))

# p8 ------------------------------------------------------------------------
dt = D(2025, 11, 26, 13, 17, 39)
fr = "hanne.westby@epost.example"
body = T("""
    Hei,

    Jeg glemte passordet forrige uke og laget nytt selv via «Glemt passord». Det gikk fint. Men siden da får jeg beskjed om at kontoen er låst hver eneste gang jeg prøver å logge inn, også med det nye passordet. Nå har det vart i tre dager. Jeg har prøvd både PC og mobil og ventet flere timer mellom forsøkene – ingenting hjelper.

    Hilsen
    Hanne Westby
    Regnskap, Woodgrove
""")
M("last-tre-dager-etter-sspr", "support", "escalate", "nb",
  "SSPR succeeded, yet the account stays locked for three days; tried everything; small webmail, windows-1252; no Message-ID",
  dt=dt, trace_hdrs=trace(dt, fr, "p8", host="webmail.epost.example", ip="192.0.2.180"),
  headers=H(addr("Hanne Westby", fr), subj("Kontoen er låst selv med nytt passord", "windows-1252", "Q"), dt, None,
            extra=["X-Mailer: Webmail 2.1"]),
  body=multi("alternative", [text(body, cs="windows-1252"), text(html_plain(body, "windows-1252"), "html", cs="windows-1252")],
             f"=_{rnd('p8bd', 32, '0123456789abcdef')}"))

# ==========================================================================
# auto_reply
# ==========================================================================



# x1 ------------------------------------------------------------------------
dt = D(2025, 5, 19, 9, 31, 4, TZ2)
fr = "solveig.rustad@contoso.no"
body = T("""
    Takk for e-posten.

    Eg er på kurs til og med fredag 23. mai og les ikkje e-post medan eg er borte. Treng du hjelp med passord eller tilgang, kan du ringje servicedesken på 55 00 12 34.

    Helsing
    Solveig Rustad
""")
M("automatisk-svar-kurs-nynorsk", "auto_reply", "ignore", "nb",
  "Exchange out-of-office 'Automatisk svar:' in nynorsk, Auto-Submitted: auto-replied; mentions passord; multipart/alternative",
  dt=dt, trace_hdrs=trace(dt, fr, "x1", inner=exo_inner("x1", dt)),
  headers=H(addr("Solveig Rustad", fr), subj("Automatisk svar: Re: Gløymt passord"), dt, mid("exo", "x1"),
            in_reply_to=f"<resetdesk.{rnd('x1r', 12, '0123456789abcdef')}@resetdesk.example>",
            extra=[*outlook_x("x1", "Gløymt passord"), "Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All",
                   "X-MS-Exchange-Inbox-Rules-Loop: solveig.rustad@contoso.no"]),
  body=multi("alternative", [text(body), text(html_outlook(body, "utf-8", "NO-NYN"), "html")], f"_000_{rnd('x1bd', 40)}_"))

# x2 ------------------------------------------------------------------------
dt = D(2025, 2, 4, 14, 2, 18, UTC)
fr = "support@proseware.freshdesk.com"
body = T("""
    Dear Requester,

    We would like to acknowledge that we have received your request and a ticket has been created with ID #58214.
    A support representative will review your request and send you a personal response, usually within 24 hours.

    To view the status of the ticket or add comments, please visit
    https://proseware.freshdesk.com/helpdesk/tickets/58214

    Thank you for your patience.

    Sincerely,
    Proseware IT Support Team
""")
M("freshdesk-ticket-received", "auto_reply", "ignore", "en",
  "another help desk's ticket acknowledgement (Freshdesk), Auto-Submitted: auto-generated, replying to the desk's reply",
  dt=dt, trace_hdrs=trace(dt, "bounces+58214@freshdesk-mail.example", "x2", host="o1.email.freshdesk.com", ip="167.89.41.12",
                          ar=[ar_rspamd("bounces+58214@freshdesk-mail.example", "167.89.41.12", hfrom="proseware.freshdesk.com", policy="none", seed="x2")]),
  headers=H(addr("Proseware IT Support", fr), "Ticket Received - [#58214] Re: Your password", dt,
            f"<{rnd('x2m', 24, '0123456789abcdef')}.58214@proseware.freshdesk.com>",
            in_reply_to=f"<resetdesk.{rnd('x2r', 12, '0123456789abcdef')}@resetdesk.example>",
            extra=["Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All", "X-FD-Email-Type: ticket_acknowledgement"]),
  body=multi("alternative", [text(body), text(html_plain(body), "html")], f"--==_mimepart_{rnd('x2b', 24, '0123456789abcdef')}_{rint('x2n', 10000, 99999)}"))

# x3 ------------------------------------------------------------------------
dt = D(2025, 7, 22, 18, 5, 44, UTC)
orig_dt = dt - timedelta(seconds=3)
orig = "\n".join(desk_reply_headers("j.okafor.home@gmail.com", "Re: Forgot my password", orig_dt, "x3o")) + "\n\n" + DESK_SSPR_EN
gtxt = T("""

    ** Address not found **

    Your message wasn't delivered to j.okafor.home@gmail.com because the address couldn't be found, or is unable to receive mail.

    Learn more here: https://support.google.com/mail/?p=NoSuchUser

    The response was:

    550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser
""")
dsn = T(f"""
    Reporting-MTA: dns; googlemail.com
    Received-From-MTA: dns; {TRUSTED}
    Arrival-Date: {rfcdate(orig_dt)}
    X-Original-Message-ID: <resetdesk.{rnd('x3o', 12, '0123456789abcdef')}@resetdesk.example>

    Final-Recipient: rfc822; j.okafor.home@gmail.com
    Action: failed
    Status: 5.1.1
    Remote-MTA: dns; gmail-smtp-in.l.google.com. (142.250.102.27, the server for the domain gmail.com.)
    Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.
    Last-Attempt-Date: {rfcdate(dt)}
""")
M("gmail-dsn-address-not-found", "auto_reply", "ignore", "en",
  "Gmail DSN 'Delivery Status Notification (Failure)', multipart/report delivery-status with the desk's reply attached as message/rfc822; Return-Path <>",
  dt=dt, trace_hdrs=trace(dt, "", "x3", host="mail-sor-f69.google.com", ip="209.85.220.69",
                          ar=[f"Authentication-Results: {TRUSTED};\n\tdkim=pass header.d=googlemail.com header.s=20230601 header.b={rnd('x3b', 8, B64ISH)};\n\tspf=pass smtp.helo=mail-sor-f69.google.com;\n\tdmarc=pass (policy=quarantine) header.from=googlemail.com"]),
  headers=H(addr("Mail Delivery Subsystem", "mailer-daemon@googlemail.com"), "Delivery Status Notification (Failure)", dt,
            mid("gmail", "x3"), extra=["Auto-Submitted: auto-replied",
                                       f"In-Reply-To: <resetdesk.{rnd('x3o', 12, '0123456789abcdef')}@resetdesk.example>"]),
  body=multi("report", [multi("alternative", [text(gtxt), text(html_plain(gtxt), "html")], f"000000000000{rnd('x3a', 16, '0123456789abcdef')}"),
                        raw_part("message/delivery-status", dsn),
                        Part(["Content-Type: message/rfc822"], orig.encode("utf-8"))],
             f"000000000000{rnd('x3r', 16, '0123456789abcdef')}", params=" report-type=delivery-status;"))

# x4 ------------------------------------------------------------------------
dt = D(2025, 3, 12, 10, 20, 9)
fr = "kristin.aa@contoso.no"
desk_mid = f"<resetdesk.{rnd('x4o', 12, '0123456789abcdef')}@resetdesk.example>"
mdn_txt = T("""
    Dette er en kvittering for e-posten du sendte til <kristin.aa@contoso.no> den 12.03.2025 10:14.

    Denne kvitteringen bekrefter bare at meldingen har blitt vist på mottakerens datamaskin. Det finnes ingen garanti for at mottakeren har lest eller forstått innholdet i meldingen.
""")
M("kvittering-vist-thunderbird", "auto_reply", "ignore", "nb",
  "Thunderbird read receipt in Norwegian ('Kvittering (vist)'), multipart/report disposition-notification with text/rfc822-headers",
  dt=dt, trace_hdrs=trace(dt, fr, "x4", inner=exo_inner("x4", dt)),
  headers=H(addr("Kristin Aa", fr), "Kvittering (vist) - Re: Glemt passord", dt, mid("thunderbird", "x4", "contoso.no"),
            in_reply_to=desk_mid, extra=["User-Agent: Mozilla Thunderbird"]),
  body=multi("report", [text(mdn_txt, cte="quoted-printable"),
                        raw_part("message/disposition-notification", T(f"""
                            Reporting-UA: KONTOR-PC14; Mozilla Thunderbird
                            Final-Recipient: rfc822;kristin.aa@contoso.no
                            Original-Message-ID: {desk_mid}
                            Disposition: manual-action/MDN-sent-manually; displayed
                        """), extra=("Content-Disposition: inline",)),
                        raw_part("text/rfc822-headers", T(f"""
                            From: Resetdesk <{DESK}>
                            To: kristin.aa@contoso.no
                            Subject: Re: Glemt passord
                            Date: Wed, 12 Mar 2025 10:14:31 +0100
                            Message-ID: {desk_mid}
                            Disposition-Notification-To: {DESK}
                        """), extra=("Content-Disposition: inline",))],
             f"------------{rnd('x4b', 24, '0123456789ABCDEF')}", params=" report-type=disposition-notification;"))

# x5 ------------------------------------------------------------------------
dt = D(2025, 2, 28, 15, 44, 1, UTC)
body = T("""
    Hi all,

    Heads-up from IT: on Monday 3 March everyone will be asked to set a new password
    the first time they log in. Pick something you'll remember - the help desk says
    half their mail after the last round was people who'd forgotten the new one.

    If you do get stuck, the address is help@resetdesk.example.

    Martin
""")
M("google-group-heads-up-password-monday", "auto_reply", "ignore", "en",
  "a person's post to a Google Group the desk is a member of (List-ID, Precedence: list, List-Unsubscribe); talks about passwords",
  dt=dt, trace_hdrs=trace(dt, "northwind-staff+bncBDQ3RKQ5TYBRBL7@googlegroups.com", "x5",
                          host="mail-sor-f71.google.com", ip="209.85.220.71",
                          ar=[ar_rspamd("northwind-staff+bncBDQ3RKQ5TYBRBL7@googlegroups.com", "209.85.220.71",
                                        hfrom="googlegroups.com", policy="none", seed="x5")]),
  headers=H(addr("'Martin Greene' via Northwind staff", "northwind-staff@googlegroups.com"),
            "Password change on Monday", dt, mid("gmail", "x5"),
            to=addr("Northwind staff", "northwind-staff@googlegroups.com"),
            reply_to=addr("Martin Greene", "martin.greene@northwind.example"),
            extra=["X-Original-Sender: martin.greene@northwind.example",
                   "Precedence: list",
                   "Mailing-list: list northwind-staff@googlegroups.com; contact northwind-staff+owners@googlegroups.com",
                   "List-ID: <northwind-staff.googlegroups.com>",
                   "X-Google-Group-Id: 482915530112",
                   "List-Post: <https://groups.google.com/group/northwind-staff/post>, <mailto:northwind-staff@googlegroups.com>",
                   "List-Help: <https://support.google.com/a/northwind.example/bin/topic.py?topic=25838>, <mailto:northwind-staff+help@googlegroups.com>",
                   "List-Archive: <https://groups.google.com/group/northwind-staff/>",
                   "List-Unsubscribe: <mailto:googlegroups-manage+482915530112+unsubscribe@googlegroups.com>,\n <https://groups.google.com/group/northwind-staff/subscribe>"]),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('x5b', 16, '0123456789abcdef')}"))

# x6 ------------------------------------------------------------------------
dt = D(2025, 3, 20, 6, 0, 12)
fr = "nyhetsbrev@skyfabrikken.example"
body = T("""
    Nyhetsbrev fra Skyfabrikken – mars 2025

    SLIK SLIPPER DERE GLEMTE PASSORD
    Visste du at opptil en tredjedel av henvendelsene til brukerstøtte handler om passord? Med selvbetjent tilbakestilling i Microsoft 365 kan de ansatte ordne det selv – også når de har glemt brukernavnet. Vi viser deg hvordan på et gratis frokostseminar 3. april.

    Meld deg på: https://skyfabrikken.example/seminar

    Du får denne e-posten fordi du har meldt deg på nyhetsbrevet vårt. Meld deg av: https://skyfabrikken.example/avmeld
""")
html = T("""
    <!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>Nyhetsbrev mars</title></head>
    <body style="margin:0;background:#f3f4f6">
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
    <table role="presentation" width="600" style="background:#ffffff;font-family:Arial,sans-serif">
    <tr><td style="padding:24px;background:#0b3d91;color:#ffffff;font-size:22px">Skyfabrikken – mars 2025</td></tr>
    <tr><td style="padding:24px;font-size:15px;line-height:22px">
    <h2 style="margin-top:0">Slik slipper dere glemte passord</h2>
    <p>Visste du at opptil en tredjedel av henvendelsene til brukerstøtte handler om passord? Med selvbetjent
    tilbakestilling i Microsoft 365 kan de ansatte ordne det selv – også når de har glemt brukernavnet.</p>
    <p>Vi viser deg hvordan på et gratis frokostseminar 3. april.</p>
    <p><a href="https://skyfabrikken.example/seminar" style="background:#0b3d91;color:#fff;padding:10px 18px;text-decoration:none">Meld deg på</a></p>
    </td></tr>
    <tr><td style="padding:16px;font-size:11px;color:#6b7280">Du får denne e-posten fordi du har meldt deg på nyhetsbrevet vårt.
    <a href="https://skyfabrikken.example/avmeld">Meld deg av</a></td></tr>
    </table></td></tr></table>
    <img src="https://skyfabrikken.example/o/{rnd('x6px', 12)}.gif" width="1" height="1" alt="">
    </body></html>
""").replace("{rnd('x6px', 12)}", rnd("x6px", 12))
M("nyhetsbrev-glemte-passord-bulk", "auto_reply", "ignore", "nb",
  "Norwegian vendor newsletter (Precedence: bulk, List-Unsubscribe) about forgotten passwords and user names",
  dt=dt, trace_hdrs=trace(dt, "bounce-mc.us21_4411.1290@mail204.atl121.mcsv.example", "x6", host="mail204.atl121.mcsv.example", ip="198.2.139.204",
                          ar=[ar_rspamd("bounce-mc.us21_4411.1290@mail204.atl121.mcsv.example", "198.2.139.204", hfrom="skyfabrikken.example", policy="none", seed="x6")]),
  headers=H(addr("Skyfabrikken", fr), subj("Nyhetsbrev mars: Slik slipper dere glemte passord"), dt,
            f"<{rnd('x6m', 20, '0123456789abcdef')}@mail204.atl121.mcsv.example>",
            extra=["Precedence: bulk",
                   "List-Unsubscribe: <https://skyfabrikken.example/avmeld?u=4411&id=1290>, <mailto:unsubscribe-4411@skyfabrikken.example>",
                   "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                   f"X-Campaign-Id: {rnd('x6c', 10, '0123456789abcdef')}",
                   "Feedback-ID: 4411:1290:mcsv"]),
  body=multi("alternative", [text(body, cte="quoted-printable"), text(html, "html", cte="quoted-printable")],
             f"_----------=_MCPart_{rint('x6b', 10**9, 10**10 - 1)}"))

# x7 ------------------------------------------------------------------------
dt = D(2025, 4, 1, 11, 5, 0, TZ2)
body = T("""
    Testing the inbound route after moving the MX records this morning. If this shows
    up in the queue, just close it - no reply needed.

    Morten (desk ops)
""")
M("desk-test-after-mx-change", "auto_reply", "ignore", "en",
  "From the desk's own address help@resetdesk.example (a staff test message): always auto_reply",
  dt=dt, trace_hdrs=trace(dt, DESK, "x7", host="out1.resetdesk.example", ip="10.20.0.21",
                          ar=[ar_rspamd(DESK, "10.20.0.21", hfrom="resetdesk.example", seed="x7")]),
  headers=H(f"Resetdesk <{DESK}>", subj("Test after MX change – please ignore"), dt, mid("thunderbird", "x7", "resetdesk.example"),
            extra=["User-Agent: Mozilla Thunderbird"]),
  body=text(body))

# x8 ------------------------------------------------------------------------
dt = D(2025, 6, 3, 12, 44, 19, TZ2)
fr = "post@contoso.no"
loop = rnd("x8loop", 8, "0123456789abcdef")
body = T("""


    -----Opprinnelig melding-----
    Fra: Resetdesk <help@resetdesk.example>
    Sendt: tirsdag 3. juni 2025 12:44
    Til: Kundeservice <post@contoso.no>
    Emne: Re: Glemt passord

""") + DESK_SSPR_NB
M("vs-videresendt-regel-loop-marker", "auto_reply", "ignore", "nb",
  "a shared mailbox's forwarding rule sent the desk's own Norwegian reply back; carries X-Resetdesk-Loop; no human text",
  dt=dt, trace_hdrs=trace(dt, fr, "x8", inner=exo_inner("x8", dt)),
  headers=H(addr("Kundeservice Contoso", fr), "VS: Re: Glemt passord", dt, mid("exo", "x8"), to=DESK_OUTLOOK,
            extra=[f"X-Resetdesk-Loop: {loop}", *outlook_x("x8", "Glemt passord"),
                   "X-MS-Exchange-Inbox-Rules-Loop: post@contoso.no"]),
  body=text(body, cte="quoted-printable"))

# x9 ------------------------------------------------------------------------
dt = D(2025, 3, 14, 2, 0, 3)
fr = "varsling@contoso.no"
body = T("""
    Hei,

    Passordet for kontoen skanner2@contoso.no utløper 19.03.2025 (om 5 dager).

    Bytt passord før det går ut, ellers slutter skanning til e-post å virke for denne kontoen. Denne kontoen har help@resetdesk.example registrert som kontaktadresse.

    Denne meldingen er sendt automatisk og kan ikke besvares.

    Contoso IT
""")
M("varsel-passord-utloper-skanner", "auto_reply", "ignore", "nb",
  "scripted password-expiry notice for a service account, Auto-Submitted: auto-generated; .NET-style base64 body; no Message-ID",
  dt=dt, trace_hdrs=trace(dt, fr, "x9", inner=exo_inner("x9", dt)),
  headers=H(addr("Contoso IT-varsling", fr), subj("Passordet ditt utløper om 5 dager", "utf-8", "B"), dt, None,
            extra=["Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All"]),
  body=text(body, cte="base64"))

# x10 -----------------------------------------------------------------------
dt = D(2025, 10, 20, 16, 31, 55, TZ2)
orig_dt = dt - timedelta(seconds=2)
orig = "\n".join(desk_reply_headers("j.moen@epost.example", "Re: Brukernavn", orig_dt, "x10o")) + "\n\n" + T("""
    Hei!

    Brukernavnet ditt er som regel den samme adressen som du bruker til jobb-e-post.
    Hvis du ikke vet den, kan du spørre lederen din.

    Resetdesk
""")
body = T("""
    This message was created automatically by mail delivery software.

    A message that you sent could not be delivered to one or more of its
    recipients. This is a permanent error. The following address(es) failed:

      j.moen@epost.example
        mailbox is full: retry timeout exceeded

    ------ This is a copy of the message, including all the headers. ------

""") + orig
M("exim-mailbox-full-bounce", "auto_reply", "ignore", "en",
  "Exim bounce (not multipart/report): 'Mail delivery failed', Auto-Submitted: auto-replied, X-Failed-Recipients, Return-Path <>; inline copy of a Norwegian desk reply",
  dt=dt, trace_hdrs=trace(dt, "", "x10", host="mx1.epost.example", ip="192.0.2.181",
                          ar=[ar_rspamd("mx1.epost.example", "192.0.2.181", dmarc="none", dkim="none", seed="x10", hfrom="mx1.epost.example")]),
  headers=H(addr("Mail Delivery System", "Mailer-Daemon@mx1.epost.example"), "Mail delivery failed: returning message to sender",
            dt, f"<E1uAb{rnd('x10m', 10, B64ISH)}-000Xy3-2Q@mx1.epost.example>",
            extra=["X-Failed-Recipients: j.moen@epost.example", "Auto-Submitted: auto-replied"]),
  body=text(body, cte="8bit"))

# x11 -----------------------------------------------------------------------
dt = D(2025, 7, 8, 9, 14, 52, TZ2)
fr = "daniel.reyes@wingtiptoys.com"
body = T("""
    Hello,

    I'm on parental leave until 1 September and won't be reading email. If your
    message is about a locked account or a forgotten password, please contact the
    Wingtip service desk on +44 20 7946 0800.

    Daniel Reyes
""")
M("automatic-reply-parental-leave", "auto_reply", "ignore", "en",
  "Exchange out-of-office 'Automatic reply:' (Auto-Submitted: auto-replied), mentions locked accounts and forgotten passwords; HTML-only",
  dt=dt, trace_hdrs=trace(dt, fr, "x11", inner=exo_inner("x11", dt)),
  headers=H(addr("Daniel Reyes", fr), "Automatic reply: Re: Can't reset my password", dt, mid("exo", "x11"),
            in_reply_to=f"<resetdesk.{rnd('x11r', 12, '0123456789abcdef')}@resetdesk.example>",
            extra=[*outlook_x("x11", "Can't reset my password", "en-GB"), "Auto-Submitted: auto-replied",
                   "X-Auto-Response-Suppress: All"]),
  body=text(html_outlook(body, "utf-8", "EN-GB"), "html", cte="quoted-printable"))

# ==========================================================================
# out_of_scope
# ==========================================================================

# z1 ------------------------------------------------------------------------
dt = D(2025, 4, 16, 3, 12, 40, UTC)
fr = "no-reply@sharepoint-docs-portal.com"
html = T("""
    <html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
    <body style="font-family:'Segoe UI',Tahoma,sans-serif;font-size:15px;color:#201f1e;background:#faf9f8">
    <table width="520" align="center" cellpadding="0" cellspacing="0" style="background:#ffffff;border-top:4px solid #038387">
    <tr><td style="padding:24px 28px">
    <p><b>IT Department</b> shared a file with you</p>
    <p style="font-size:13px;color:#605e5c">Your Microsoft 365 password is due to expire in 3 days. To avoid interruption,
    complete the attached renewal form before 19/04/2025.</p>
    <table cellpadding="0" cellspacing="0" style="border:1px solid #edebe9;width:100%"><tr>
    <td style="padding:12px;font-size:14px">&#128196; Password_Renewal_Form_2025.pdf</td></tr></table>
    <p><a href="https://sharepoint-docs-portal.com/s/renew?e=help%40resetdesk.example" style="display:inline-block;background:#038387;color:#ffffff;padding:9px 20px;text-decoration:none">Open</a></p>
    <p style="font-size:11px;color:#a19f9d">This email is generated through Resetdesk's use of Microsoft 365 and may contain content
    that is controlled by Resetdesk.</p>
    </td></tr></table></body></html>
""")
M("phish-shared-renewal-form", "out_of_scope", "escalate", "en",
  "phishing lure: fake SharePoint share 'IT Department shared a file', password expires in 3 days, open renewal form; HTML-only, dmarc=none on a lookalike domain",
  dt=dt, trace_hdrs=trace(dt, "bounce@sharepoint-docs-portal.com", "z1", host="srv1.sharepoint-docs-portal.com", ip="203.0.113.201",
                          ar=[ar_rspamd("bounce@sharepoint-docs-portal.com", "203.0.113.201", dmarc="none", dkim="none", spf="softfail", seed="z1", hfrom="sharepoint-docs-portal.com")]),
  headers=H(addr("IT Department via SharePoint Online", fr), "IT Department shared \"Password_Renewal_Form_2025\" with you", dt,
            mid("plain", "z1", "sharepoint-docs-portal.com")),
  body=text(html, "html", cte="quoted-printable"))

# z2 ------------------------------------------------------------------------
dt = D(2025, 9, 3, 5, 47, 2, UTC)
fr = "kontoservice@m365-no-sikkerhet.com"
html = T("""
    <html><head><meta charset="utf-8"></head><body style="font-family:Arial,sans-serif">
    <h3>Microsoft 365 – Kontovarsel</h3>
    <p>Hei,</p>
    <p>Passordet ditt for <b>help@resetdesk.example</b> utløper i dag. For å unngå at kontoen stenges og at e-post går tapt,
    må du bekrefte passordet ditt innen kl. 23:59.</p>
    <p><a href="https://m365-no-sikkerhet.com/bekreft">Bekreft passordet her</a></p>
    <p>Med vennlig hilsen<br>Microsoft Kontotjenester</p>
    </body></html>
""")
M("phish-passordet-utloper-i-dag", "out_of_scope", "escalate", "nb",
  "phishing lure in Norwegian: password expires today, confirm it via link; HTML-only base64; dmarc=fail",
  dt=dt, trace_hdrs=trace(dt, "kontoservice@m365-no-sikkerhet.com", "z2", host="vmi2281.contaboserver.example", ip="198.51.100.140",
                          ar=[ar_rspamd("kontoservice@m365-no-sikkerhet.com", "198.51.100.140", dmarc="fail", dkim="none", spf="fail", policy="quarantine", seed="z2")]),
  headers=H(addr("Microsoft Konto", fr), subj("Viktig: Passordet ditt utløper i dag", "utf-8", "B"), dt, mid("plain", "z2", "m365-no-sikkerhet.com")),
  body=text(html, "html", cte="base64"))

# z3 ------------------------------------------------------------------------
dt = D(2025, 6, 30, 8, 1, 15, TZ2)
fr = "it-helpdesk@contoso-support.net"
body = T("""
    Dear User,

    Your Office365 password will expire today. To retain your current password and avoid
    losing access to your mailbox, please validate your account using the link below:

    http://contoso-support.net/owa/validate?id=8831

    Failure to do so will result in your account being deactivated.

    IT Helpdesk
    Contoso Support Team
""")
M("phish-office365-retain-password", "out_of_scope", "escalate", "en",
  "phishing lure: 'Office365 password will expire today, retain it'; plain text from a lookalike domain",
  dt=dt, trace_hdrs=trace(dt, "it-helpdesk@contoso-support.net", "z3", host="mail.contoso-support.net", ip="203.0.113.90",
                          ar=[ar_rspamd("it-helpdesk@contoso-support.net", "203.0.113.90", dmarc="none", dkim="none", spf="none", seed="z3")]),
  headers=H(addr("IT Helpdesk", fr), "Password Expiration: Action Required", dt, mid("plain", "z3", "contoso-support.net"),
            to="undisclosed-recipients:;"),
  body=text(body))

# z4 ------------------------------------------------------------------------
dt = D(2025, 8, 15, 9, 10, 33, TZ2)
fr = "kari.nordmann@contoso.no"
body = T("""
    Hei,

    Bård Lien hadde siste arbeidsdag i går. Kan dere sperre påloggingen hans (bard.lien@contoso.no) fra i dag og sørge for at lederen hans, Hege Vik, får tilgang til e-posten hans i en måned?

    Med vennlig hilsen
    Kari Nordmann
    HR-leder | Contoso AS

""") + CONTOSO_DISCLAIMER
M("kari-sperre-slutta-ansatt", "out_of_scope", "escalate", "nb",
  "requester kari, verified, but asks to BLOCK a leaver's sign-in and delegate his mailbox: not a recovery/reset",
  dt=dt, trace_hdrs=trace(dt, fr, "z4", inner=exo_inner("z4", dt)),
  headers=H(addr("Kari Nordmann", fr), subj("Bård Lien har sluttet", "iso-8859-1", "B"), dt, mid("exo", "z4"), to=DESK_OUTLOOK,
            extra=outlook_x("z4", "Bård Lien har sluttet")),
  body=multi("alternative", [text(body), text(html_outlook(body), "html")], f"_000_{rnd('z4bd', 40)}_"))

# z5 ------------------------------------------------------------------------
dt = D(2025, 1, 28, 9, 2, 51)
fr = "lena.fischer@wideworldimporters.com"
body = T("""
    Hi,

    The screen in meeting room "Fjord" shows no picture when we plug a laptop into the
    HDMI cable on the table, and the Teams Rooms console on the table is completely black.
    We have a customer meeting there at 13:00. Could someone have a look?

    Thanks,
    Lena Fischer
    Wide World Importers
""")
M("meeting-room-fjord-black-screen", "out_of_scope", "escalate", "en",
  "meeting room screen / Teams Rooms console hardware problem",
  dt=dt, trace_hdrs=trace(dt, fr, "z5", inner=exo_inner("z5", dt)),
  headers=H(addr("Lena Fischer", fr), "Meeting room Fjord - no picture", dt, mid("exo", "z5"), to=DESK_OUTLOOK,
            extra=outlook_x("z5", "Meeting room Fjord - no picture", "en-GB")),
  body=multi("alternative", [text(body), text(html_outlook(body, "utf-8", "EN-GB"), "html")], f"_000_{rnd('z5bd', 40)}_"))

# z6 ------------------------------------------------------------------------
dt = D(2025, 5, 5, 10, 40, 16, TZ2)
fr = "regnskap@fjordbilde.example"
body = T("""
    Hei,

    Vi har mottatt faktura nr. 20250412 fra dere på kr 4 980, men vi kan ikke se at vi har bestilt noe i april. Kan dere sjekke hva fakturaen gjelder, og eventuelt sende en kreditnota?

    Med vennlig hilsen
    Gro Amundsen
    Regnskap, Fjordbilde AS
    Org.nr. 912 345 678
""")
M("faktura-april-kreditnota", "out_of_scope", "escalate", "nb",
  "invoice query; ISO-8859-1 QP; CRLF line endings",
  dt=dt, trace_hdrs=trace(dt, fr, "z6", inner=exo_inner("z6", dt)),
  headers=H(addr("Gro Amundsen", fr), "Faktura 20250412", dt, mid("exo", "z6"),
            extra=outlook_x("z6", "Faktura 20250412")),
  body=text(body, cs="iso-8859-1", cte="quoted-printable"), crlf=True)

# z7 ------------------------------------------------------------------------
dt = D(2025, 2, 18, 14, 27, 3, UTC)
fr = "alan.mcbride@gmail.com"
body = T("""
    That did the trick - I'm back in. You can close this one.

    Cheers,
    Alan

    On Tue, 18 Feb 2025 at 13:58, Resetdesk <help@resetdesk.example> wrote:
""") + quote(DESK_SSPR_EN)
M("that-did-the-trick-close-it", "out_of_scope", "escalate", "en",
  "thank-you / close-the-ticket note; quoted desk SSPR reply doesn't count",
  dt=dt, trace_hdrs=trace(dt, fr, "z7", inner=gmail_inner("z7", dt)),
  headers=H(addr("Alan McBride", fr), "Re: Locked out of my account", dt, mid("gmail", "z7"),
            in_reply_to=f"<resetdesk.{rnd('z7r', 12, '0123456789abcdef')}@resetdesk.example>"),
  body=multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('z7b', 16, '0123456789abcdef')}"))

# z8 ------------------------------------------------------------------------
dt = D(2025, 10, 6, 13, 55, 48, TZ2)
fr = "margit.sunde@contoso.no"
body = T("""
    Hei,

    Me ønskjer ein felles postkasse for post@ på avdelinga, slik at tre stykke kan lese og svare frå same adresse. Korleis set me opp det, og kven må godkjenne det?

    Helsing
    Margit Sunde
    Sørvisavdelinga
""")
M("felles-postkasse-nynorsk", "out_of_scope", "escalate", "nb",
  "nynorsk; wants a shared mailbox set up",
  dt=dt, trace_hdrs=trace(dt, fr, "z8", inner=exo_inner("z8", dt)),
  headers=H(addr("Margit Sunde", fr), "Felles postkasse", dt, mid("exo", "z8"), to=DESK_OUTLOOK,
            extra=outlook_x("z8", "Felles postkasse", "nn-NO")),
  body=multi("alternative", [text(body), text(html_outlook(body, "utf-8", "NO-NYN"), "html")], f"_000_{rnd('z8bd', 40)}_"))

# z9 ------------------------------------------------------------------------
dt = D(2025, 8, 21, 19, 30, 6, TZ2)
fr = "marcus.lindqvist@gmail.com"
body = T("""
    Dear Hiring Manager,

    I'm writing to apply for the Service Desk Technician position advertised on your website.
    I have three years' experience in first-line support for a 400-seat Microsoft 365 tenant,
    where I handled password resets, account lockouts and MFA registrations every day.

    My CV is attached. I'm available for an interview at short notice.

    Best regards,
    Marcus Lindqvist
    +47 401 22 917
""")
M("job-application-service-desk-cv", "out_of_scope", "escalate", "en",
  "job application with a PDF CV; mentions password resets and lockouts as experience",
  dt=dt, trace_hdrs=trace(dt, fr, "z9", inner=gmail_inner("z9", dt)),
  headers=H(addr("Marcus Lindqvist", fr), "Application - Service Desk Technician", dt, mid("gmail", "z9")),
  body=multi("mixed", [multi("alternative", [text(body), text(html_gmail(body), "html")], f"000000000000{rnd('z9a', 16, '0123456789abcdef')}"),
                       attachment("application/pdf", "CV_Marcus_Lindqvist.pdf",
                                  tiny_pdf("Marcus Lindqvist - CV", ["Service desk, 2022-2025", "Microsoft 365, Entra ID, Intune"]))],
             f"000000000000{rnd('z9m', 16, '0123456789abcdef')}"))

# z10 -----------------------------------------------------------------------
dt = D(2025, 7, 7, 8, 36, 21, TZ2)
fr = "camilla.holm@contoso.no"
body = T("""
    Hei!

    Jeg giftet meg i juni og heter nå Camilla Sæther Holm. Kan dere endre navnet mitt i Outlook og Teams, slik at kolleger ser det nye navnet? Innloggingen fungerer som før, så det er bare visningsnavnet.

    Takk!

    Camilla Sæther Holm
    Innkjøp, Contoso AS
""")
M("endre-visningsnavn-etter-bryllup", "out_of_scope", "escalate", "nb",
  "wants display name changed after marriage; sign-in works as before; not recovery; Outlook, windows-1252 8bit",
  dt=dt, trace_hdrs=trace(dt, fr, "z10", inner=exo_inner("z10", dt)),
  headers=H(addr("Camilla Sæther Holm", fr, "iso-8859-1", "Q"), "Nytt etternavn i Outlook og Teams", dt, mid("exo", "z10"),
            to=DESK_OUTLOOK, extra=outlook_x("z10", "Nytt etternavn i Outlook og Teams")),
  body=multi("alternative", [text(body.replace("Takk!", "Takk på forhånd – det haster ikke!"), cs="windows-1252", cte="8bit"),
                             text(html_outlook(body.replace("Takk!", "Takk på forhånd – det haster ikke!"), "windows-1252"), "html", cs="windows-1252", cte="quoted-printable")],
             f"_000_{rnd('z10bd', 40)}_"))

# z11 -----------------------------------------------------------------------
dt = D(2025, 11, 17, 15, 3, 9)
fr = "vidar.haugen@contoso.no"
body = T("""
    Hei, hva er passordet til gjestenettet på kontoret nå? Vi har besøk fra leverandør i morgen og det gamle virker ikke lenger.

    Vidar

    Sendt fra min iPhone
""")
M("passord-gjestenett-wifi", "out_of_scope", "escalate", "nb",
  "asks for the guest Wi-Fi password (not an account); iPhone",
  dt=dt, trace_hdrs=trace(dt, fr, "z11", inner=exo_inner("z11", dt)),
  headers=H(addr("Vidar Haugen", fr), "Gjestenett", dt, mid("apple", "z11", "contoso.no"),
            extra=["X-Mailer: iPhone Mail (23B85)"]),
  body=text(body, cte="quoted-printable"))

# z12 -----------------------------------------------------------------------
dt = D(2025, 12, 9, 10, 48, 30)
fr = "olivia.brandt@lucernepublishing.com"
body = T("""
    Hi,

    I'm getting a new mobile number next week (moving providers). I can sign in fine and
    I know my password - I just want to make sure the sign-in codes go to the new number
    from then on. Where do I change that, and should I do it before or after the switch?

    Thanks,
    Olivia Brandt
    Lucerne Publishing
""")
M("new-mobile-number-for-codes", "out_of_scope", "escalate", "en",
  "signed in, knows password, wants to update the phone number for MFA codes ahead of time: not getting back in",
  dt=dt, trace_hdrs=trace(dt, fr, "z12", inner=exo_inner("z12", dt)),
  headers=H(addr("Olivia Brandt", fr), "Changing my phone number for sign-in codes", dt, mid("exo", "z12"), to=DESK_OUTLOOK,
            extra=outlook_x("z12", "Changing my phone number for sign-in codes", "en-GB")),
  body=multi("alternative", [text(body), text(html_outlook(body, "utf-8", "EN-GB"), "html")], f"_000_{rnd('z12bd', 40)}_"))


if __name__ == "__main__":
    print(f"wrote {MAILS.write()} mails to {MAILDIR}")
