#!/usr/bin/env python3
"""Generate the resetdesk BLIND test corpus (tests/corpus_blind).

Written from the contract alone, without opening the classifier (rules/,
resetdesk/, data/lexicons/, data/graph.toml) and without running it on these
mails.  It is a measurement only: never tune the classifier on it.

The mails are hand-written below.  The MIME plumbing (RFC 2047 headers,
charsets, transfer encodings, multipart structure, Message-IDs) is
tests/corpus/mimekit.py, shared with the other corpora (stdlib only); what is
this corpus's own here is its seeding, its Outlook HTML head, its PNG, and its
trace and Authentication-Results headers.  Deterministic: re-running
reproduces the committed files byte for byte.

    python tests/corpus_blind/make_corpus.py
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
    B64ISH, D, DESK, DESK_NAMED, DESK_OUTLOOK, DESK_PLAIN, HEX, TRUSTED, TZ2, UTC, Part, T,
    attachment, html_apple, html_gmail, html_plain, multi, quote, raw_part, rfcdate, text,
    tiny_pdf, wrap,
)

PROVIDERS = {
    "gmail.com": ("mail-{a}.google.com", "209.85.{b}.{c}"),
    "hotmail.com": ("{X}.outbound.protection.outlook.com", "40.92.{b}.{c}"),
    "hotmail.no": ("{X}.outbound.protection.outlook.com", "40.92.{b}.{c}"),
    "outlook.com": ("{X}.outbound.protection.outlook.com", "40.92.{b}.{c}"),
    "live.no": ("{X}.outbound.protection.outlook.com", "40.92.{b}.{c}"),
    "icloud.com": ("qs51p00im-{q}.me.com", "17.57.{b}.{c}"),
    "online.no": ("smtp.online.no", "148.123.{b}.{c}"),
    "getmail.no": ("smtp.getmail.no", "84.210.{b}.{c}"),
    "orange.fr": ("smtp{n}.smtpout.orange.fr", "80.12.{b}.{c}"),
    "seznam.cz": ("mxf{n}.seznam.cz", "77.75.{b}.{c}"),
    "wp.pl": ("mx.wp.pl", "212.77.{b}.{c}"),
    "proton.me": ("mail-{q}.protonmail.ch", "185.70.{b}.{c}"),
}

KIT = mimekit.Kit(ew_width=50, seed_prefix="blind/", providers=PROVIDERS, mapi_builds=(8000, 9199))
rnd, rint, uuid = KIT.rnd, KIT.rint, KIT.uuid
ew, addr, subj, H, outlook_x, mid, desk_mid = KIT.ew, KIT.addr, KIT.subj, KIT.H, KIT.outlook_x, KIT.mid, KIT.desk_mid
sender_host, exo_inner, gmail_inner = KIT.sender_host, KIT.exo_inner, KIT.gmail_inner
desk_reply_headers = KIT.desk_reply_headers
ar_one = partial(mimekit.ar_opendmarc, policy="quarantine")
html_owa = mimekit.html_owa

MAILS = mimekit.MailSet(HERE, shuffle_seed=20251104)
M = MAILS.mail


# --------------------------------------------------------------------------
# this corpus's Outlook HTML and PNG
# --------------------------------------------------------------------------

OUTLOOK_STYLES = """\
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
span.EmailStyle18
	{mso-style-type:personal-compose;
	font-family:"Calibri",sans-serif;
	color:windowtext;}
"""


html_outlook = partial(mimekit.html_outlook, styles=OUTLOOK_STYLES, link="#0563C1", vlink="#954F72")


def tiny_png(seed: str, w: int = 56, h: int = 24) -> bytes:
    """A small grey 'screenshot' with a red-ish error bar (greyscale), deterministic."""
    shade = rint(seed, 205, 245)
    return mimekit.gray_png(w, h, lambda x, y: 70 if 8 <= y <= 14 and 5 <= x <= w - 6
                            else (160 if y in (2, 3) else shade))


# --------------------------------------------------------------------------
# trace and authentication headers
# --------------------------------------------------------------------------

def dom_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower() if "@" in email else email.lower()


def ar_rspamd(env_from: str, ip: str, dmarc: str = "pass", policy: str = "reject",
              dkim: str = "pass", spf: str = "pass", authserv: str = TRUSTED,
              hfrom: str | None = None, seed: str = "") -> str:
    """The desk MX's own stamp (rspamd/OpenDMARC style, several results)."""
    hfrom = hfrom or dom_of(env_from)
    sel = rnd(seed + "sel", 6, "abcdefghijklmnopqrstuvwxyz0123456789")
    b = rnd(seed + "b", 8, B64ISH)
    parts = []
    if dkim == "none":
        parts.append("dkim=none")
    else:
        parts.append(f"dkim={dkim} header.d={hfrom} header.s={sel} header.b={b}")
    mf = env_from or "postmaster@" + hfrom
    if spf == "pass":
        parts.append(f"spf=pass ({authserv}: domain of {mf} designates {ip} as permitted sender) smtp.mailfrom={mf}")
    elif spf == "none":
        parts.append(f"spf=none ({authserv}: domain of {mf} has no SPF policy when checking {ip}) smtp.mailfrom={mf}")
    else:
        parts.append(f"spf={spf} ({authserv}: domain of {mf} does not designate {ip} as permitted sender) smtp.mailfrom={mf}")
    if dmarc == "pass":
        parts.append(f"dmarc=pass (policy={policy}) header.from={hfrom}")
    elif dmarc == "none":
        parts.append(f"dmarc=none reason=\"no DMARC record\" header.from={hfrom}")
    elif dmarc == "temperror":
        parts.append(f"dmarc=temperror reason=\"DNS lookup timed out\" header.from={hfrom}")
    else:
        parts.append(f"dmarc={dmarc} reason=\"SPF not aligned (relaxed), DKIM not aligned (relaxed)\" header.from={hfrom} (policy={policy})")
    return f"Authentication-Results: {authserv};\n\t" + ";\n\t".join(parts)


def trace(dt: datetime, env_from: str, seed: str, *, ar: list[str] | None = None,
          inner: list[str] | None = None, host: str | None = None, ip: str | None = None,
          dmarc: str = "pass", hfrom: str | None = None, policy: str = "reject") -> list[str]:
    """Return-Path, Delivered-To, the desk MX's A-R on top of its Received, then
    whatever the sending side added (``inner``)."""
    h, i = sender_host(env_from or "x@" + (hfrom or "example.com"), seed)
    host, ip = host or h, ip or i
    t = dt + timedelta(seconds=rint(seed + "d", 2, 40))
    out = [f"Return-Path: <{env_from}>", f"Delivered-To: {DESK}"]
    out += ar if ar is not None else [ar_rspamd(env_from, ip, dmarc=dmarc, hfrom=hfrom, policy=policy, seed=seed)]
    out.append(f"Received: from {host} ({host} [{ip}])\n\tby {TRUSTED} (Postfix) with ESMTPS id {rnd(seed + 'qid', 10)}\n"
               f"\tfor <{DESK}>; {rfcdate(t)}")
    out += inner or []
    return out


def outlook_alt(body: str, seed: str, cs: str = "utf-8", lang: str = "NO-BOK", cte: str | None = None) -> Part:
    return multi("alternative", [text(body, cs=cs, cte=cte), text(html_outlook(body, cs, lang), "html", cs=cs, cte=cte)],
                 f"_000_{rnd(seed + 'bd', 40)}_")


def gmail_alt(body: str, seed: str, cs: str = "utf-8") -> Part:
    return multi("alternative", [text(body, cs=cs), text(html_gmail(body), "html", cs=cs)],
                 f"000000000000{rnd(seed + 'gb', 16, HEX)}")


def apple_alt(body: str, seed: str) -> Part:
    return multi("alternative", [text(body, cte="quoted-printable"), text(html_apple(body), "html", cte="quoted-printable")],
                 f"Apple-Mail-{uuid(seed + 'ab')}")


# Desk replies that get quoted in follow-ups
DESK_SSPR_EN = T("""
    Hi,

    You can choose a new password yourself at https://aka.ms/sspr: type your work
    address, confirm with the phone or app you registered, and pick a new password.

    If that doesn't work, reply to this mail and tell us what happened.

    Resetdesk
""")

DESK_SSPR_NB = T("""
    Hei!

    Du kan velge nytt passord selv på https://aka.ms/sspr: skriv inn jobbadressen
    din, bekreft med telefonen eller appen du har registrert, og velg et nytt passord.

    Går ikke det, svarer du bare på denne e-posten og forteller hva som skjedde.

    Resetdesk
""")

DESK_ASK_SESSION_EN = T("""
    Hi Kwame,

    Before we send you the right instructions: are you still signed in to your work
    account anywhere - another computer, a phone or a tablet app?

    Resetdesk
""")


# ==========================================================================
# THE MAILS (hand-written).  Grouped by label; numbering is shuffled later.
# ==========================================================================

# ==========================================================================
# sspr
# ==========================================================================

# s1 ------------------------------------------------------------------------
dt = D(2025, 2, 11, 2, 47, 15)
fr = "chloe.dubois.rn@gmail.com"
body = T("""
    Hello,

    I work nights at Lamna Healthcare (ward 4B). When I tried to log in to the rota
    system tonight it told me my password has expired and I must change it, but it
    asks for the current password first and I honestly can't remember it. I only
    type it every few weeks, most of the time we use the paper rota on the ward.

    My account is chloe.dubois@lamnahealthcare.com. What's the quickest way to get
    a new password? I'm on shift until 7.

    Thanks,
    Chloe
""")
M("night-nurse-expired-cant-remember-old", "sspr", "reply", "en",
  "expired password and she cannot remember the current one; nothing about a live session or SSPR; Gmail",
  dt=dt, trace_hdrs=trace(dt, fr, "s1", inner=gmail_inner("s1", dt)),
  headers=H(addr("Chloe Dubois", fr), "Password expired - can't remember the old one", dt, mid("gmail", "s1")),
  body=gmail_alt(body, "s1"))

# s2 ------------------------------------------------------------------------
dt = D(2025, 3, 18, 7, 21, 40)
fr = "havard.eide@online.no"
body = wrap(T("""
    Hei,

    Jeg fikk varsel i går om at passordet på jobbkontoen snart gikk ut, så jeg byttet det før jeg gikk hjem. I dag morges husker jeg ikke hva jeg valgte. Har prøvd et par varianter, men ingen av dem går.

    Brukeren min er havard.eide@adatum.no. Hvordan får jeg laget et nytt?

    Med vennlig hilsen
    Håvard Eide
    Lager og logistikk, Adatum AS
"""))
M("byttet-i-gar-husker-ikke-nytt", "sspr", "reply", "nb",
  "changed his password yesterday, forgot the new one this morning; nothing about a live session; Thunderbird, ISO-8859-1 QP, iso-8859-1 Q subject",
  dt=dt, trace_hdrs=trace(dt, fr, "s2"),
  headers=H(addr("Håvard Eide", fr, "iso-8859-1"), subj("Glemt nytt passord på jobb", "iso-8859-1"), dt,
            mid("thunderbird", "s2", "online.no"),
            extra=["User-Agent: Mozilla Thunderbird", "Content-Language: nb"]),
  body=text(body, cs="iso-8859-1", cte="quoted-printable", params="; format=flowed"))

# s3 ------------------------------------------------------------------------
dt = D(2025, 12, 9, 21, 5, 2)
fr = "mateoruiz.bcn@hotmail.com"
body = T("""
    Hi

    I start last monday in Alpine Ski House rental shop. First day I get a password on paper, the system ask me to make new one and I make it, but now I dont remember it. The paper one also not work anymore of course.
    My user is mateo.ruiz@alpineskihouse.com
    Please how I can make new password, tomorrow I open the shop at 8

    Thank you very much
    Mateo

    Sent from my iPhone
""")
M("temp-shop-first-week-new-password-gone", "sspr", "reply", "en",
  "non-native English (Spanish speaker); chose a new password at first sign-in and forgot it; iPhone Mail from Hotmail",
  dt=dt, trace_hdrs=trace(dt, fr, "s3"),
  headers=H(addr("Mateo Ruiz", fr), "new password forget", dt, mid("apple", "s3", "hotmail.com"),
            extra=["X-Mailer: iPhone Mail (22B91)"]),
  body=text(body, cte="7bit"))

# s4 ------------------------------------------------------------------------
dt = D(2025, 6, 2, 8, 14, 33, TZ2)
fr = "gunnhild.vik@gmail.com"
body = T("""
    Hei!

    Eg bytta passord på jobbkontoen i helga, på ein lånt PC på hotellet i Hamburg. Eg valde eit passord med både æ og ø i, og tenkte ikkje på at tastaturet var tysk. No veit eg ikkje kva teikn som eigentleg vart lagra, og eg får berre «feil passord» same kva eg prøver. (Eg logga sjølvsagt ut av PC-en på hotellet.)

    Kan de hjelpe meg å få eit nytt? Kontoen er gunnhild.vik@sognmeieri.no.

    Helsing
    Gunnhild Vik
""")
M("tysk-tastatur-aeoe-passord-nynorsk", "sspr", "reply", "nb",
  "nynorsk; set a new password with æ/ø on a German keyboard and doesn't know what was stored; logged out of the hotel PC; utf-8 B subject",
  dt=dt, trace_hdrs=trace(dt, fr, "s4", inner=gmail_inner("s4", dt)),
  headers=H(addr("Gunnhild Vik", fr), subj("Passordet med æ og ø verkar ikkje", "utf-8", "B"), dt, mid("gmail", "s4")),
  body=gmail_alt(body, "s4"))

# s5 ------------------------------------------------------------------------
dt = D(2025, 4, 8, 12, 31, 9, TZ2)
fr = "hannah.becker@outlook.com"
body = T("""
    Hi,

    So this is a bit silly. After the data breach news last weekend I changed pretty much every password I have – bank, streaming, the lot – and somewhere in there I also changed my Trey Research one. Now none of the ones I wrote down work for work, and I’m fairly sure I typed something different the second time round.

    Work address: hannah.becker@treyresearch.net

    Can you point me to how I get a fresh one? I’d rather not guess my way into a lockout.

    Best regards,
    Hannah
""")
M("changed-every-password-after-breach", "sspr", "reply", "en",
  "changed all her passwords in one go and lost track of the work one; nothing about a live session; Outlook.com, windows-1252 QP with curly quotes and en dash",
  dt=dt, trace_hdrs=trace(dt, fr, "s5", inner=exo_inner("s5", dt)),
  headers=H(addr("Hannah Becker", fr), "Which password did I use??", dt, mid("exo", "s5"), to=DESK_OUTLOOK,
            extra=outlook_x("s5", "Which password did I use??", "en-GB")),
  body=multi("alternative", [text(body, cs="windows-1252"), text(html_owa(body, "windows-1252"), "html", cs="windows-1252")],
             f"_000_{rnd('s5bd', 40)}_"))

# s6 ------------------------------------------------------------------------
dt = D(2025, 9, 1, 6, 58, 0)
fr = "jostein.brekke@live.no"
body = T("""
    hei. e har heilt gløymt passorde te jobbmailen (jostein.brekke@vestlandsbygg.no), va heilt blank når e sko logge på i dag. koss får e nytt?

    mvh jostein
""")
M("dialekt-blank-i-hovudet", "sspr", "reply", "nb",
  "short, lowercase, Sunnmøre-style dialect; forgot own password; plain 8bit; no Message-ID",
  dt=dt, trace_hdrs=trace(dt, fr, "s6"),
  headers=H(addr("jostein brekke", fr), "passord", dt, None),
  body=text(body, cte="8bit"))

# s7 ------------------------------------------------------------------------
dt = D(2025, 10, 20, 7, 40, 51, TZ2)
fr = "sigrid.lunde@icloud.com"
body = T("""
    Hei! Får melding om at passordet mitt er utløpt når jeg skal logge på Teams på den nye telefonen. Jeg husker ikke det gamle heller, så jeg får ikke byttet det. Bruker: sigrid.lunde@margiestravel.no

    Sendt fra min iPhone
""")
M("utlopt-ny-telefon-teams-kort", "sspr", "reply", "nb",
  "expired password, doesn't remember the old one; trying to sign in on a new phone (not signed in there); iPhone, QP",
  dt=dt, trace_hdrs=trace(dt, fr, "s7"),
  headers=H(addr("Sigrid Lunde", fr), subj("Passord utløpt"), dt, mid("apple", "s7", "icloud.com"),
            extra=["X-Mailer: iPhone Mail (22H31)"]),
  body=text(body, cte="quoted-printable"))


# ==========================================================================
# security_info
# ==========================================================================

# i1 ------------------------------------------------------------------------
dt = D(2025, 7, 15, 14, 2, 27, TZ2)
fr = "ana.costa.pt@gmail.com"
body = T("""
    Good afternoon,

    I am driver for Coho Winery deliveries. I forgot my password for the work account (ana.costa@cohowinery.com). The strange thing is the tablet in the van still works, I am still inside the Microsoft 365 app there and I can open the delivery notes in OneDrive. But on the office computer it asks the password and I don't know it.

    Can you help me please?
    Obrigada,
    Ana Costa
""")
M("van-tablet-m365-app-still-in", "security_info", "reply", "en",
  "non-native English (Portuguese); forgot password but still signed in to the Microsoft 365 app on the van tablet",
  dt=dt, trace_hdrs=trace(dt, fr, "i1", inner=gmail_inner("i1", dt)),
  headers=H(addr("Ana Costa", fr), "forgot password but tablet still working", dt, mid("gmail", "i1")),
  body=gmail_alt(body, "i1"))

# i2 ------------------------------------------------------------------------
dt = D(2025, 11, 3, 9, 12, 44)
fr = "raj.patel@humongousinsurance.com"
body = T("""
    Hi team,

    I've forgotten my password. I was away for a couple of weeks and my laptop got reimaged while I was gone, so now it wants the password at the Windows sign-in screen and I simply don't have it.

    What does still work is my iPad: OneNote and Outlook on it are still signed in to my work account (that's where I'm writing this from), so I'm not completely cut off.

    Is there a way to sort this out from the iPad, or do you need to do something on your side?

    Best regards,
    Raj Patel
    Senior Underwriter | Humongous Insurance
    +44 20 7946 0321

    Get Outlook for iOS

    CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for the addressee. If you have received it in error, please delete it and notify the sender. Humongous Insurance will never ask you for your password or a sign-in code by e-mail.
""")
M("reimaged-laptop-ipad-onenote", "security_info", "reply", "en",
  "forgot password (laptop reimaged) but OneNote and Outlook on the iPad still signed in; long, disclaimer mentions passwords; Outlook for iOS",
  dt=dt, trace_hdrs=trace(dt, fr, "i2", inner=exo_inner("i2", dt)),
  headers=H(addr("Raj Patel", fr), "Forgotten password - still have iPad", dt, mid("exo", "i2"), to=DESK_OUTLOOK,
            extra=outlook_x("i2", "Forgotten password - still have iPad", "en-GB")),
  body=multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('i2bd', 40)}_"))

# i3 ------------------------------------------------------------------------
dt = D(2025, 5, 12, 10, 3, 18, TZ2)
fr = "torunn@myklebust-regnskap.no"
body = T("""
    Hei,

    Jeg byttet passord forrige torsdag og har klart å glemme det – typisk.

    Den bærbare er fortsatt pålogget: Excel lagrer fremdeles til OneDrive, og Outlook går som normalt (det er derfra jeg sender dette). Men på stasjonær-PC-en på kontoret kommer jeg ikke inn.

    Hva gjør jeg nå?

    Med vennlig hilsen
    Torunn Myklebust
    Autorisert regnskapsfører
    Myklebust Regnskap AS
""")
M("barbar-excel-onedrive-html-cp1252", "security_info", "reply", "nb",
  "forgot her new password; laptop still signed in (Excel/OneDrive, Outlook); HTML-only Outlook, windows-1252 QP",
  dt=dt, trace_hdrs=trace(dt, fr, "i3", inner=exo_inner("i3", dt)),
  headers=H(addr("Torunn Myklebust", fr), "Glemt passord", dt, mid("exo", "i3"), to=DESK_OUTLOOK,
            extra=outlook_x("i3", "Glemt passord")),
  body=text(html_outlook(body, "windows-1252"), "html", cs="windows-1252", cte="quoted-printable"))

# i4 ------------------------------------------------------------------------
dt = D(2025, 8, 26, 19, 44, 5, TZ2)
fr = "eirik.saether@hotmail.no"
body = T("""
    Hei

    Eg har gløymt passordet til jobbkontoen min (eirik.saether@hardanger-frukt.no). Det rare er at To Do-appen på mobilen framleis er innlogga, eg ser lista mi og kan krysse av ting. Men når eg prøver å logge på Outlook på nettet, vil den ha passord, og det hugsar eg ikkje.

    Kva gjer eg?

    Helsing Eirik
""")
M("todo-appen-framleis-innlogga-nynorsk", "security_info", "reply", "nb",
  "nynorsk; forgot password, Microsoft To Do on the phone still signed in; ISO-8859-1 8bit, iso-8859-1 Q display name",
  dt=dt, trace_hdrs=trace(dt, fr, "i4", inner=exo_inner("i4", dt)),
  headers=H(addr("Eirik Sæther", fr, "iso-8859-1"), subj("Gløymt passord"), dt, mid("exo", "i4")),
  body=text(body, cs="iso-8859-1", cte="8bit"))

# i5 ------------------------------------------------------------------------
dt = D(2025, 3, 26, 16, 20, 37)
fr = "kwame.mensah@outlook.com"
orig_dt = dt - timedelta(minutes=48)
body = T(f"""
    Yes - the Power BI app on my phone still opens our sales dashboards without asking me for anything. Nothing else though, Outlook and Teams both logged me out on Monday and want the password I can't remember.

    Kwame

    -----Original Message-----
    From: Resetdesk <{DESK}>
    Sent: Wednesday, March 26, 2025 3:32 PM
    To: kwame.mensah@outlook.com
    Subject: Re: Forgotten password

""") + DESK_ASK_SESSION_EN
M("re-power-bi-app-still-signed-in", "security_info", "reply", "en",
  "answers the desk's question: forgot password, Power BI app on the phone still signed in; Outlook '-----Original Message-----' quote",
  dt=dt, trace_hdrs=trace(dt, fr, "i5", inner=exo_inner("i5", dt)),
  headers=H(addr("Kwame Mensah", fr), "RE: Forgotten password", dt, mid("exo", "i5"), to=DESK_NAMED,
            in_reply_to=desk_mid("i5o"), extra=outlook_x("i5", "Forgotten password", "en-US")),
  body=multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('i5bd', 40)}_"))

# i6 ------------------------------------------------------------------------
dt = D(2025, 1, 28, 20, 11, 3)
fr = "live.hagen@icloud.com"
body = T("""
    Hei,

    Skrev litt feil i emnefeltet – kontoen er vel ikke låst, det er jeg som har glemt passordet. Word på Mac-en hjemme er fortsatt pålogget med jobbkontoen (navnet mitt står oppe i hjørnet, og jeg kan åpne filer fra SharePoint), men alle andre steder ber den om passord.

    Brukernavn: live.hagen@wingtiptoys.no

    Mvh
    Live Hagen
""")
M("emne-last-egentlig-glemt-word-mac", "security_info", "reply", "nb",
  "subject says the account is locked; the body corrects it: forgot password, Word on the home Mac still signed in; Apple Mail, utf-8 Q subject",
  dt=dt, trace_hdrs=trace(dt, fr, "i6"),
  headers=H(addr("Live Hagen", fr), subj("Kontoen er låst"), dt, mid("apple", "i6", "icloud.com"),
            extra=["X-Mailer: Apple Mail (2.3826.400.131.1.6)"]),
  body=apple_alt(body, "i6"))

# i7 ------------------------------------------------------------------------
dt = D(2025, 10, 6, 23, 52, 14, TZ2)
fr = "d.volkov.mail@gmail.com"
body = T("""
    hi - forgot my work pw (dmitri.volkov@blueyonderairlines.com). work laptop is still logged in though, edge profile is synced and sharepoint + teams web open without asking. anything i can do from there?

    cheers
    dmitri
""")
M("edge-profile-synced-terse", "security_info", "reply", "en",
  "terse lowercase; forgot password, work laptop Edge profile still signed in (SharePoint, Teams web); plain Gmail",
  dt=dt, trace_hdrs=trace(dt, fr, "i7", inner=gmail_inner("i7", dt)),
  headers=H(addr("Dmitri Volkov", fr), "forgot pw", dt, mid("gmail", "i7")),
  body=text(body))


# ==========================================================================
# forgot_username
# ==========================================================================

# f1 ------------------------------------------------------------------------
dt = D(2025, 9, 22, 8, 5, 30, TZ2)
fr = "priya.raman.home@gmail.com"
body = T("""
    Hello,

    Since Fabrikam took over Adatum in the spring, I'm not sure what I'm supposed to sign in with any more. My old login was priya.raman@adatum.com and that now says it can't find the account. I tried priya.raman@fabrikam.com as well and it says the same. I do know my password, I just don't know what my user name is now.

    Could you tell me which one to use?

    Thanks,
    Priya Raman
    (Finance, formerly Adatum)
""")
M("merger-adatum-fabrikam-which-login", "forgot_username", "reply", "en",
  "company merger: old and guessed new sign-in names both 'not found'; knows the password; Gmail",
  dt=dt, trace_hdrs=trace(dt, fr, "f1", inner=gmail_inner("f1", dt)),
  headers=H(addr("Priya Raman", fr), "Which user name after the merger?", dt, mid("gmail", "f1")),
  body=gmail_alt(body, "f1"))

# f2 ------------------------------------------------------------------------
dt = D(2025, 4, 27, 13, 18, 2, TZ2)
fr = "synnove.tveit03@gmail.com"
body = T("""
    Hei!

    Jeg er ekstrahjelp på Fjordkiosken i helgene. På jobb logger vi bare inn på kassa med et kort, så jeg har aldri skrevet inn noe brukernavn. Nå skal jeg se lønnsslippen min, og den siden vil ha Microsoft-brukernavnet mitt. Sjefen sa at passordet er det jeg satte første dagen (det husker jeg), men hva er brukernavnet?

    Hilsen Synnøve
""")
M("ekstrahjelp-kiosk-kort-lonnsslipp", "forgot_username", "reply", "nb",
  "weekend help who only ever used a card at the till; knows the password, never knew the user name; utf-8 B display name",
  dt=dt, trace_hdrs=trace(dt, fr, "f2", inner=gmail_inner("f2", dt)),
  headers=H(addr("Synnøve Tveit", fr, "utf-8", "B"), "Brukernavn til lønnsslipp", dt, mid("gmail", "f2")),
  body=gmail_alt(body, "f2"))

# f3 ------------------------------------------------------------------------
dt = D(2025, 7, 5, 17, 36, 48, TZ2)
fr = "solveig.ronning@online.no"
body = wrap(T("""
    Hei

    Eg er helgevikar på Sunnfjord sjukeheim og loggar berre på nokre gonger i året. No skal eg fylle ut timelista i Teams, men eg hugsar ikkje om brukarnamnet mitt er solveig.ronning eller solveig.m.ronning (eg har mellomnamn, Marie, og eg trur det vart teke med). Ingen av dei verkar. Passordet trur eg at eg kan.

    Helsing
    Solveig Rønning
"""))
M("helgevikar-mellomnamn-brukarnamn-nynorsk", "forgot_username", "reply", "nb",
  "nynorsk; rarely signs in, unsure whether the middle initial is in the user name; ISO-8859-1 QP, iso-8859-1 Q display name",
  dt=dt, trace_hdrs=trace(dt, fr, "f3"),
  headers=H(addr("Solveig Rønning", fr, "iso-8859-1"), "Brukarnamn Teams", dt, mid("thunderbird", "f3", "online.no"),
            extra=["User-Agent: Mozilla Thunderbird", "Content-Language: nn-NO"]),
  body=text(body, cs="iso-8859-1", cte="quoted-printable"))

# f4 ------------------------------------------------------------------------
dt = D(2025, 2, 4, 11, 9, 41)
fr = "zkovarova@seznam.cz"
body = T("""
    Dear support,

    I am new in the Prague office of Graphic Design Institute (started 1st of the month). The colleague who prepared my computer is on holiday now. I don't know my login name: is it with the Czech letters or without? I tried zaneta.kovarova@graphicdesigninstitute.com and z.kovarova@graphicdesigninstitute.com but the page tells there is no such account.

    The password I have from the welcome paper, only the username is not there.

    Best regards
    Žaneta Kovářová
""")
M("czech-diacritics-login-name", "forgot_username", "reply", "en",
  "non-native English (Czech); has the password, doesn't know the login name (diacritics?); utf-8 Q display name, 8bit",
  dt=dt, trace_hdrs=trace(dt, fr, "f4"),
  headers=H(addr("Žaneta Kovářová", fr, "utf-8", "Q"), "login name", dt, mid("plain", "f4", "email.seznam.cz"),
            extra=["X-Mailer: Seznam.cz Email"]),
  body=text(body, cte="8bit"))

# f5 ------------------------------------------------------------------------
dt = D(2025, 6, 3, 9, 40, 12, TZ2)
fr = "seanmurphy74@icloud.com"
body = T("""
    Thanks for the quick answer. I went to the link but it stops at the very first box - it wants my user name / work email and I genuinely don't know it. My manager only ever texted me the password. It's not my icloud address, I tried that.

    Sean

    > On 3 Jun 2025, at 09:12, Resetdesk <help@resetdesk.example> wrote:
    >
""") + quote(DESK_SSPR_EN)
M("re-link-wants-user-name-dont-know", "forgot_username", "reply", "en",
  "reply to the desk's SSPR advice: the link asks for the user name, which he doesn't know; Apple Mail quote 'wrote:'",
  dt=dt, trace_hdrs=trace(dt, fr, "f5"),
  headers=H(addr("Sean Murphy", fr), "Re: Forgotten password", dt, mid("apple", "f5", "icloud.com"),
            in_reply_to=desk_mid("f5o"), extra=["X-Mailer: iPhone Mail (22F76)"]),
  body=apple_alt(body, "f5"))

# f6 ------------------------------------------------------------------------
dt = D(2025, 11, 17, 15, 2, 9)
fr = "post@fjeld-transport.no"
body = T("""
    Hei,

    Min bror og jeg har tatt over Fjeld Transport etter pappa, som satte opp Microsoft-kontoene for mange år siden. Jeg har en egen konto der, men jeg vet ikke hva brukernavnet er. Det er ikke bjornar@fjeld-transport.no, den sier at den ikke finnes. Jeg skriver fra firmaets felles postkasse.

    Passordet står i en perm på kontoret, men om brukernavnet står det ingenting.

    Mvh
    Bjørnar Fjeld
    Fjeld Transport AS
""")
M("familiebedrift-pappa-satte-opp-html-base64", "forgot_username", "reply", "nb",
  "took over the family firm; has the password from a binder but not the user name; written from the shared mailbox; HTML-only Outlook, utf-8 base64",
  dt=dt, trace_hdrs=trace(dt, fr, "f6", inner=exo_inner("f6", dt)),
  headers=H(addr("Fjeld Transport AS", fr), "Brukernavn?", dt, mid("exo", "f6"), to=DESK_OUTLOOK,
            extra=outlook_x("f6", "Brukernavn?")),
  body=text(html_outlook(body), "html", cte="base64"))


# ==========================================================================
# admin_reset
# ==========================================================================

# a1 approved ----------------------------------------------------------------
dt = D(2025, 7, 8, 9, 15, 22, TZ2)
fr = "kari.nordmann@contoso.no"
body = T("""
    Hei,

    Kan dere tilbakestille passordet til sommervikaren vår, Sindre Holm (sindre.holm@contoso.no)? Han har glemt det etter første uka, og han fikk aldri registrert telefonnummer, så selvbetjeningen går ikke.

    Gi meg gjerne beskjed når det er gjort, så gir jeg ham det midlertidige passordet selv.

    Med vennlig hilsen
    Kari Nordmann
    Avdelingsleder, Contoso AS
""")
M("kari-sommervikar-sindre", "admin_reset", "approval_requested", "nb",
  "verified requester (trusted A-R dmarc=pass header.from=contoso.no) asks for a reset for a summer temp; Outlook, QP",
  dt=dt, trace_hdrs=trace(dt, fr, "a1", inner=exo_inner("a1", dt)),
  headers=H(addr("Kari Nordmann", fr), "Nytt passord til Sindre Holm (sommervikar)", dt, mid("exo", "a1"), to=DESK_OUTLOOK,
            extra=outlook_x("a1", "Nytt passord til Sindre Holm (sommervikar)")),
  body=outlook_alt(body, "a1"))

# a2 approved (forward) ------------------------------------------------------
dt = D(2025, 9, 9, 10, 2, 55, TZ2)
fr = "it-lead@fabrikam.com"
body = T("""
    Hi desk,

    Please reset Yusuf's password, see below. He's at our Rotterdam site and can't get in at all. I've confirmed by phone that it's really him.

    Thanks
    Daniel
    Fabrikam IT

    ---------- Forwarded message ---------
    From: Yusuf Demir <ydemir.nl@gmail.com>
    Date: Tue, 9 Sept 2025 at 08:14
    Subject: locked out
    To: <it-lead@fabrikam.com>


    Hi Daniel, I forgot my password over the weekend and the reset page wants a code sent to the phone I lost in August. I'm not logged in anywhere. Can someone reset it? It's yusuf.demir@fabrikam.com
    Thanks, Yusuf
""")
gar = (f"Authentication-Results: {TRUSTED};\n"
       f"\tdkim=pass header.i=@fabrikam.com header.s=google header.b={rnd('a2b', 8, B64ISH)};\n"
       f"\tspf=pass ({TRUSTED}: domain of it-lead@fabrikam.com designates 209.85.218.44 as permitted sender) smtp.mailfrom=it-lead@fabrikam.com;\n"
       f"\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=fabrikam.com")
M("fwd-it-lead-yusuf-rotterdam", "admin_reset", "approval_requested", "en",
  "verified requester forwards a user's plea (SSPR code to lost phone, not signed in anywhere) and asks for the reset; Google Workspace, Gmail-style A-R",
  dt=dt, trace_hdrs=trace(dt, fr, "a2", ar=[gar], host="mail-ej1-f44.google.com", ip="209.85.218.44",
                          inner=gmail_inner("a2", dt)),
  headers=H(addr("Fabrikam IT Lead", fr), "Fwd: locked out", dt, mid("gmail", "a2")),
  body=gmail_alt(body, "a2"))

# a3 approved (topmost trusted pass, an earlier trusted temperror below) -----
dt = D(2025, 1, 17, 15, 48, 6)
fr = "ops@northwind.example"
body = T("""
    Hello,

    Please reset the password for our forklift driver Piotr Zieliński, piotr.zielinski@northwind.example. He hasn't used his account since his sick leave and the old password is gone. He starts again Monday 06:00 and needs the handheld.

    Send the temporary password to me, I'll hand it to him.

    Regards
    Northwind Operations
    Linn Carlsen
""")
ip3 = "40.107.22.118"
M("ops-forklift-driver-after-sick-leave", "admin_reset", "approval_requested", "en",
  "verified requester; mail went through the desk's content filter twice: topmost trusted A-R says pass, an older trusted one below says temperror (only the topmost trusted counts); CRLF, 8bit",
  dt=dt, trace_hdrs=[f"Return-Path: <{fr}>", f"Delivered-To: {DESK}",
                     ar_rspamd(fr, ip3, seed="a3"),
                     f"Received: from localhost (localhost [127.0.0.1])\n\tby {TRUSTED} (Postfix) with ESMTP id {rnd('a3q2', 10)}\n\tfor <{DESK}>; {rfcdate(dt + timedelta(seconds=41))}",
                     f"Received: from amavis.resetdesk.example ([127.0.0.1])\n\tby localhost (amavis.resetdesk.example [127.0.0.1]) (amavisd-new, port 10024)\n\twith ESMTP id {rnd('a3am', 12, B64ISH)}; {rfcdate(dt + timedelta(seconds=39))}",
                     ar_rspamd(fr, ip3, dmarc="temperror", seed="a3"),
                     f"Received: from mail-db8eur05on2118.outbound.protection.outlook.com ([{ip3}])\n\tby {TRUSTED} (Postfix) with ESMTPS id {rnd('a3q1', 10)}\n\tfor <{DESK}>; {rfcdate(dt + timedelta(seconds=8))}",
                     *exo_inner("a3", dt)],
  headers=H(addr("Northwind Operations", fr), "Password reset - Piotr Zielinski", dt, mid("exo", "a3"), to=DESK_OUTLOOK,
            extra=outlook_x("a3", "Password reset - Piotr Zielinski", "en-US")),
  body=text(body, cte="8bit"), crlf=True)

# a4 approved (nynorsk, windows-1252) ----------------------------------------
dt = D(2025, 10, 13, 8, 27, 36, TZ2)
fr = "ola.hansen@contoso.no"
body = T("""
    Hei,

    Kan de nullstille passordet til Ingrid Bakken (ingrid.bakken@contoso.no)? Ho kom tilbake frå foreldrepermisjon i dag og hugsar ikkje passordet – ho har prøvd sjølvbeteninga, men der står framleis det gamle telefonnummeret hennar.

    Send gjerne mellombels passord til meg, så gjev eg det til henne.

    Helsing
    Ola Hansen
    Teamleiar kundeservice … Contoso AS
""")
M("ola-ingrid-foreldrepermisjon-nynorsk", "admin_reset", "approval_requested", "nb",
  "nynorsk; verified requester asks for a colleague's reset; OpenDMARC one-line trusted A-R; Outlook windows-1252 QP, windows-1252 Q subject",
  dt=dt, trace_hdrs=trace(dt, fr, "a4", ar=[ar_one("contoso.no", policy="reject")], inner=exo_inner("a4", dt)),
  headers=H(addr("Ola Hansen", fr), subj("Tilbakestill passord – Ingrid Bakken", "windows-1252"), dt, mid("exo", "a4"),
            to=DESK_OUTLOOK, extra=outlook_x("a4", "Tilbakestill passord – Ingrid Bakken", "nn-NO")),
  body=outlook_alt(body, "a4", cs="windows-1252", lang="NO-NYN"))

# u1 unauthorized: sister company's address ----------------------------------
dt = D(2025, 5, 6, 13, 44, 10, TZ2)
fr = "kari.nordmann@contoso.se"
body = T("""
    Hei!

    Jeg sitter på kontoret i Göteborg denne uka, derfor den svenske adressen. Kan dere nullstille passordet til Elin Strand (elin.strand@contoso.no)? Hun har glemt det og står og venter.

    Hilsen Kari
""")
M("kari-fra-svensk-adresse-elin", "admin_reset", "reply", "nb",
  "unauthorized: Kari writing from the Swedish sister company's address kari.nordmann@contoso.se (DMARC passes for contoso.se) - not a requester address",
  dt=dt, trace_hdrs=trace(dt, fr, "u1", inner=exo_inner("u1", dt)),
  headers=H(addr("Kari Nordmann", fr), "Nullstill passord Elin", dt, mid("exo", "u1"),
            extra=outlook_x("u1", "Nullstill passord Elin", "sv-SE")),
  body=outlook_alt(body, "u1"))

# u2 unauthorized: ops with dmarc=none ---------------------------------------
dt = D(2025, 3, 3, 5, 51, 29)
fr = "ops@northwind.example"
body = T("""
    Morning - can you reset Bogdan's password please, he's stuck at the gate and can't log in to the scanner. His account is bogdan.popescu@northwind.example. Message from him below.

    Northwind Ops

    From: Bogdan Popescu <bogdan.pop88@yahoo.com>
    Sent: Monday, March 3, 2025 5:40 AM
    To: ops@northwind.example
    Subject: cant log in

    Hello, the scanner say wrong password and I dont remember the new one. Bogdan
""")
M("fw-ops-bogdan-dmarc-none", "admin_reset", "reply", "en",
  "unauthorized: requester address, sent via the on-prem server (unsigned); the trusted A-R says dmarc=none (no DMARC record found that day), so not verified; Outlook header-block forward of the driver's plea",
  dt=dt, trace_hdrs=trace(dt, fr, "u2", ar=[ar_rspamd(fr, "203.0.113.45", dmarc="none", dkim="none", seed="u2")], host="mail.northwind.example", ip="203.0.113.45",
                          inner=[f"Received: from ops-pc07.northwind.local (10.4.2.17) by mail.northwind.example\n (10.4.1.3) with Microsoft SMTP Server id 15.2.1544.11; {rfcdate(dt + timedelta(seconds=1))}"]),
  headers=H(addr("Northwind Ops", fr), "FW: cant log in", dt, mid("plain", "u2", "mail.northwind.example"),
            extra=outlook_x("u2", "cant log in", "en-US")),
  body=outlook_alt(body, "u2"))

# u3 unauthorized: it.lead (dot) instead of it-lead ---------------------------
dt = D(2025, 8, 19, 11, 30, 0, TZ2)
fr = "it.lead@fabrikam.com"
body = T("""
    Hello,

    Urgent: our CFO Margaret Olsen (margaret.olsen@fabrikam.com) is about to present to the board and cannot sign in. Please reset her password right away and send the temporary password to this address. Reply to it-lead@fabrikam.com if you need anything else.

    Best regards,
    IT Lead
    Fabrikam
""")
M("it-dot-lead-cfo-board-urgent", "admin_reset", "reply", "en",
  "unauthorized: From it.lead@fabrikam.com (dot, not the requester it-lead@), DMARC passes for fabrikam.com; Reply-To points at the real requester",
  dt=dt, trace_hdrs=trace(dt, fr, "u3", inner=exo_inner("u3", dt)),
  headers=H(addr("IT Lead", fr), "Urgent: password reset for CFO", dt, mid("exo", "u3"),
            reply_to="it-lead@fabrikam.com", extra=outlook_x("u3", "Urgent: password reset for CFO", "en-US")),
  body=outlook_alt(body, "u3", lang="EN-US"))

# u4 unauthorized: shared mailbox, signed by Kari ----------------------------
dt = D(2025, 12, 2, 14, 8, 19)
fr = "kundeservice@contoso.no"
body = T("""
    Hei,

    Kan dere sette nytt passord for Jonas Eriksen (jonas.eriksen@contoso.no)? Han har glemt det og kommer ikke inn på noe. Jeg sender fra kundeservice-postkassen fordi jeg sitter i skranken i dag.

    Mvh
    Kari Nordmann
    Contoso AS
""")
M("kundeservice-postkasse-kari-signerer", "admin_reset", "reply", "nb",
  "unauthorized: sent from the shared mailbox kundeservice@contoso.no (DMARC passes) and only signed 'Kari Nordmann'; the From address is not a requester",
  dt=dt, trace_hdrs=trace(dt, fr, "u4", inner=exo_inner("u4", dt)),
  headers=H(addr("Contoso Kundeservice", fr), "Nytt passord Jonas Eriksen", dt, mid("exo", "u4"), to=DESK_OUTLOOK,
            extra=outlook_x("u4", "Nytt passord Jonas Eriksen")),
  body=outlook_alt(body, "u4"))

# u5 unauthorized: managed service provider ----------------------------------
dt = D(2025, 4, 14, 10, 19, 55, TZ2)
fr = "support@nordkapp-it.no"
body = T("""
    Hei,

    Vi drifter IT-en for Contoso AS. Kari Nordmann har ringt oss og bedt om at passordet til Thomas Berge (thomas.berge@contoso.no) blir tilbakestilt; han har glemt det. Vi har dessverre ikke admin-tilgang i tenanten deres, så vi sender saken videre til dere.

    Send gjerne det midlertidige passordet til oss, så tar vi det videre.

    Med vennlig hilsen
    Marius Dahl
    Nordkapp IT AS | Driftssenteret
""")
M("msp-nordkapp-it-pa-vegne-av-kari", "admin_reset", "reply", "nb",
  "unauthorized: an outside IT provider (verified for its own domain) asks for a Contoso user's reset, citing a phone call from Kari; not a requester",
  dt=dt, trace_hdrs=trace(dt, fr, "u5", inner=exo_inner("u5", dt)),
  headers=H(addr("Nordkapp IT Support", fr), "Tilbakestilling passord - Contoso - Thomas Berge", dt, mid("exo", "u5"),
            extra=outlook_x("u5", "Tilbakestilling passord - Contoso - Thomas Berge")),
  body=outlook_alt(body, "u5"))

# u6 unauthorized: teacher for a pupil ----------------------------------------
dt = D(2025, 9, 16, 12, 5, 47, TZ2)
fr = "torill.nesheim@vossaskulen.no"
body = T("""
    Hei,

    Kan de nullstille passordet til ein elev i 6B, Emil Tufte (emil.tufte@elev.vossaskulen.no)? Han har gløymt det, og vi skal ha prøve på Teams etter lunsj. Eg er kontaktlærar, men eg har ikkje tilgang til å gjere det sjølv.

    Helsing
    Torill Nesheim
    Kontaktlærar 6B, Vossaskulen
""")
M("kontaktlaerar-elev-6b-nynorsk", "admin_reset", "reply", "nb",
  "unauthorized: nynorsk; a teacher (verified, not a requester) asks for a pupil's password reset",
  dt=dt, trace_hdrs=trace(dt, fr, "u6", inner=exo_inner("u6", dt)),
  headers=H(addr("Torill Nesheim", fr), "Passord elev 6B", dt, mid("exo", "u6"), to=DESK_OUTLOOK,
            extra=outlook_x("u6", "Passord elev 6B", "nn-NO")),
  body=outlook_alt(body, "u6", lang="NO-NYN"))

# o1 own reset, explicit --------------------------------------------------------
dt = D(2025, 2, 20, 18, 27, 3)
fr = "lukas.novak.home@gmail.com"
body = T("""
    Hi,

    Could you please reset my password for me and send the temporary one by SMS to +420 604 218 377? I've forgotten it. The account is lukas.novak@wingtiptoys.com.

    Thanks,
    Lukas
""")
M("reset-mine-sms-temporary", "admin_reset", "reply", "en",
  "asks the desk to reset his own password and text him a temporary one (admin_reset 'for themselves'); not a requester",
  dt=dt, trace_hdrs=trace(dt, fr, "o1", inner=gmail_inner("o1", dt)),
  headers=H(addr("Lukas Novak", fr), "Password reset please", dt, mid("gmail", "o1")),
  body=text(body))

# o2 SSPR failed, not signed in --------------------------------------------------
dt = D(2025, 11, 24, 8, 49, 30)
fr = "np.strand@getmail.no"
body = T("""
    Takk, men jeg har prøvd lenken. Det eneste alternativet den gir meg, er å sende en kode til jobb-e-posten min, og den kommer jeg jo ikke inn på. Telefonen har jeg aldri registrert.

    Jeg er ikke logget inn noe sted, verken på PC, mobil eller nett. Kan dere sette et nytt passord for meg?

    Mvh
    Nils-Petter Strand
    Lagerleder, Trey Research Norge

    Den 2025-11-24 08:31, skrev Resetdesk:
""") + quote(DESK_SSPR_NB)
M("sv-kode-til-jobbmailen-ikke-innlogget", "admin_reset", "reply", "nb",
  "reply to the desk's SSPR advice: SSPR can only send a code to the work mailbox he can't open; not signed in anywhere; Gmail-style 'skrev' quote",
  dt=dt, trace_hdrs=trace(dt, fr, "o2"),
  headers=H(addr("Nils-Petter Strand", fr), "SV: Glemt passord", dt, mid("plain", "o2", "getmail.no"),
            in_reply_to=desk_mid("o2o"), extra=["User-Agent: Roundcube Webmail/1.6.9"]),
  body=text(body, cte="quoted-printable"))

# o3 SSPR code to a landline, not signed in -------------------------------------
dt = D(2025, 5, 28, 9, 3, 16, TZ2)
fr = "giulia.romano82@gmail.com"
body = T("""
    Good morning,

    I am Giulia Romano, receptionist in the Milan office of Margie's Travel. I forgot my password. I try the reset page, but it sends the code by SMS to the office landline (it is the only number registered), and a landline cannot receive SMS, so the code never arrives. Also I am not connected anywhere, the computer is logged out and I don't have the apps on my phone.

    My account: giulia.romano@margiestravel.com

    Can you help me?

    Cordiali saluti / Best regards
    Giulia Romano
""")
M("sspr-code-to-office-landline", "admin_reset", "reply", "en",
  "non-native English (Italian); SSPR fails (code goes to a landline) and she is signed in nowhere; not a requester",
  dt=dt, trace_hdrs=trace(dt, fr, "o3", inner=gmail_inner("o3", dt)),
  headers=H(addr("Giulia Romano", fr), "Password problem - code never arrives", dt, mid("gmail", "o3")),
  body=gmail_alt(body, "o3"))


# ==========================================================================
# new_admin_account
# ==========================================================================

# n1 ------------------------------------------------------------------------
dt = D(2025, 8, 25, 8, 2, 58, TZ2)
fr = "ines.moreau@orange.fr"
body = T("""
    Hello,

    I run a small law practice (three of us) and I set up Microsoft 365 myself two years ago, so I’m the only global administrator. I’ve forgotten my password after ten days away – completely blank.

    The one thing still working: the Microsoft 365 admin center is still open and signed in on the reception PC (admin.microsoft.com – I can see the list of users).

    What should I do from here? I’d rather not lose access to the whole tenant.

    Kind regards,
    Inès Moreau
    Cabinet Moreau
""")
M("law-practice-admin-center-reception-pc", "new_admin_account", "reply", "en",
  "the only global admin, forgot password, admin center still signed in on the reception PC; Outlook (POP), windows-1252 QP; Reply-To the office address",
  dt=dt, trace_hdrs=trace(dt, fr, "n1"),
  headers=H(addr("Inès Moreau", fr), "Only admin - forgot my password", dt, mid("outlook-pop", "n1", "orange.fr"),
            reply_to="contact@cabinet-moreau.fr",
            extra=["X-Mailer: Microsoft Outlook 16.0", f"Thread-Index: {rnd('n1ti', 30, B64ISH)}==", "Content-Language: fr"]),
  body=multi("alternative", [text(body, cs="windows-1252"), text(html_outlook(body, "windows-1252", "FR"), "html", cs="windows-1252")],
             f"----=_NextPart_000_0027_01DC15A3.{rnd('n1b', 8)}", preamble="This is a multipart message in MIME format."))

# n2 ------------------------------------------------------------------------
dt = D(2025, 3, 11, 6, 37, 12)
fr = "terje.holm@hotmail.no"
body = T("""
    Hei. Jeg er eneste admin i firmaet (Holm Tre & Bygg, 4 stk). Har glemt passordet mitt. Men admin-senteret står fortsatt åpent på PC-en i brakka, jeg ser brukerlista og alt. Hva gjør jeg?

    Terje

    Sendt fra min iPhone
""")
M("tomrer-eneste-admin-brakke-pc", "new_admin_account", "reply", "nb",
  "the only admin of a small carpentry firm, forgot password, admin center still open on the site-hut PC; iPhone, plain 8bit",
  dt=dt, trace_hdrs=trace(dt, fr, "n2"),
  headers=H(addr("Terje Holm", fr), "Eneste admin", dt, mid("apple", "n2", "hotmail.no"),
            extra=["X-Mailer: iPhone Mail (22D72)"]),
  body=text(body, cte="8bit"))

# n3 ------------------------------------------------------------------------
dt = D(2025, 10, 28, 11, 56, 40)
fr = "randi.kvamme@gmail.com"
body = T("""
    Hei,

    Eg er den einaste som har administratorrolla i Microsoft 365 hos oss (Kvamme Sjømat, sju tilsette). No har eg gløymt passordet mitt. Heldigvis er administrasjonssenteret framleis ope i Edge på kontor-PC-en; eg var inne der i går for å leggje til ein ny tilsett, og det har ikkje logga meg ut.

    Korleis går eg fram for å kome inn att?

    Helsing
    Randi Kvamme
""")
M("sjomat-einaste-admin-edge-nynorsk", "new_admin_account", "reply", "nb",
  "nynorsk; the only admin, forgot password, admin center still open in Edge on the office PC; Gmail",
  dt=dt, trace_hdrs=trace(dt, fr, "n3", inner=gmail_inner("n3", dt)),
  headers=H(addr("Randi Kvamme", fr), subj("Gløymt passord, einaste admin"), dt, mid("gmail", "n3")),
  body=gmail_alt(body, "n3"))

# n4 ------------------------------------------------------------------------
dt = D(2025, 6, 17, 16, 25, 31, TZ2)
fr = "j.weber@dentallabor-weber.de"
body = T("""
    Hello,

    we are a small dental laboratory and we have Microsoft 365 Business. I have forgotten my password. Until last month my colleague was also admin, but he has left the company and his account is already deleted, so now I am the only admin. The admin center I still have open in Firefox on my computer in the lab, it did not log me out yet.

    What can I do? Please answer soon, because I am afraid the browser logs me out.

    With best regards
    Jürgen Weber
    Dentallabor Weber GmbH
""")
M("dental-lab-only-admin-firefox", "new_admin_account", "reply", "en",
  "non-native English (German); the other admin left, so he is the only one; forgot password, admin center still open in Firefox; ISO-8859-1 QP, CRLF",
  dt=dt, trace_hdrs=trace(dt, fr, "n4", host="mout.kundenserver.de", ip="212.227.17.10"),
  headers=H(addr("Jürgen Weber", fr, "iso-8859-1"), "Forgot password - I am only admin", dt,
            mid("thunderbird", "n4", "dentallabor-weber.de"), extra=["User-Agent: Mozilla Thunderbird", "Content-Language: de-DE"]),
  body=text(body, cs="iso-8859-1", cte="quoted-printable"), crlf=True)

# n5 ------------------------------------------------------------------------
dt = D(2025, 12, 15, 9, 9, 9)
fr = "emeka.obi@proton.me"
body = T("""
    Hi,

    Quick one. I'm the global admin for our office (Obi Accounting, Bergen) and there isn't another admin. I've forgotten my password, but I'm still logged into the Microsoft 365 admin center on my work laptop. Can I just create a second admin account from there and use that to reset my own password? Or is there a better way?

    Best regards,
    Emeka
""")
M("second-admin-from-admin-center-question", "new_admin_account", "reply", "en",
  "the only admin, forgot password, still in the admin center; asks whether to create a second admin; Proton Mail",
  dt=dt, trace_hdrs=trace(dt, fr, "n5"),
  headers=H(addr("Emeka Obi", fr), "Only admin, forgotten password", dt, mid("proton", "n5")),
  body=multi("alternative", [text(body), text(html_plain(body), "html")], f"b1_{rnd('n5b', 40, B64ISH)}"))


# ==========================================================================
# support
# ==========================================================================

# p1 ------------------------------------------------------------------------
dt = D(2025, 4, 22, 10, 40, 4, TZ2)
fr = "yuki.tanaka@fourthcoffee.com"
body = T("""
    Hello,

    I'm not sure you're the right people for this, but I don't know where else to turn. Our founder, Tom Ashford, set up Microsoft 365 for Fourth Coffee and was our only administrator. He passed away suddenly in March. None of us has admin rights, so we can't reset anyone's password, add licences for new staff, or get into his mailbox, which has our supplier contracts in it.

    The rest of us can still sign in to our own accounts. How do we get admin access back for the company?

    Kind regards,
    Yuki Tanaka
    Office Manager, Fourth Coffee
""")
M("only-admin-founder-passed-away", "support", "escalate", "en",
  "the only admin died; nobody has admin rights; users can sign in; a recovery no reset covers",
  dt=dt, trace_hdrs=trace(dt, fr, "p1", inner=exo_inner("p1", dt)),
  headers=H(addr("Yuki Tanaka", fr), "Admin access after our founder's death", dt, mid("exo", "p1"), to=DESK_OUTLOOK,
            extra=outlook_x("p1", "Admin access after our founder's death", "en-US")),
  body=outlook_alt(body, "p1", lang="EN-US"))

# p2 ------------------------------------------------------------------------
dt = D(2025, 8, 4, 9, 17, 50, TZ2)
fr = "oystein.nygard@gmail.com"
body = T("""
    Hei,

    Jeg kom tilbake fra et halvt års utenlandsopphold i dag og skulle logge på jobbkontoen (oystein.nygard@alpinskihuset.no). Passordet husker jeg godt, men jeg får bare «Kontoen din er låst. Kontakt kundestøtteteamet for å låse den opp.» Har prøvd «Glemt passord» også, men der kommer samme melding.

    Kan dere se på det?

    Mvh
    Øystein Nygård
""")
M("konto-last-etter-utenlandsopphold", "support", "escalate", "nb",
  "knows the password; the account is blocked after six months abroad, SSPR shows the same block; not a forgotten password; utf-8 base64",
  dt=dt, trace_hdrs=trace(dt, fr, "p2", inner=gmail_inner("p2", dt)),
  headers=H(addr("Øystein Nygård", fr), subj("Kontoen er låst etter at jeg kom hjem"), dt, mid("gmail", "p2")),
  body=multi("alternative", [text(body, cte="base64"), text(html_gmail(body), "html", cte="base64")],
             f"000000000000{rnd('p2gb', 16, HEX)}"))

# p3 ------------------------------------------------------------------------
dt = D(2025, 2, 25, 21, 13, 37)
fr = "aud.gronli@online.no"
body = wrap(T("""
    Hei,

    No har eg prøvd alt eg kan kome på. Eg har gløymt passordet til kontoen min (aud@gronli-gard.no). Sjølvbetent tilbakestilling går ikkje: ho spør etter tryggingsspørsmåla, og svara hugsar eg ikkje. Eg driv enkeltpersonføretak, så det er berre meg - eg er både brukar og administrator, og det finst ingen andre som kan nullstille noko. Eg er heller ikkje innlogga nokon stad, verken på PC, mobil eller nettbrett.

    Kva gjer eg no?

    Helsing
    Aud Grønli
    Grønli Gard, gardsbutikk og kafé
"""))
M("enkeltpersonforetak-tryggingssporsmal-nynorsk", "support", "escalate", "nb",
  "nynorsk; tried everything: SSPR fails (security questions), sole proprietor so no other admin, signed in nowhere; ISO-8859-1 8bit, iso-8859-1 B subject",
  dt=dt, trace_hdrs=trace(dt, fr, "p3"),
  headers=H(addr("Aud Grønli", fr, "iso-8859-1", "B"), subj("Har prøvd alt, kjem ikkje inn", "iso-8859-1", "B"), dt,
            mid("thunderbird", "p3", "online.no"), extra=["User-Agent: Mozilla Thunderbird"]),
  body=text(body, cs="iso-8859-1", cte="8bit"))

# p4 ------------------------------------------------------------------------
dt = D(2025, 11, 10, 7, 55, 21)
fr = "t.wisniewski@wp.pl"
body = T("""
    Hi,

    My YubiKey snapped in half this morning (car door, long story). At City Power & Light we sign in passwordless with security keys, so I have never actually had a password for my account. No key, and no phone sign-in set up, so I can't get in at all.

    Can you help me get back in? Account: tomasz.wisniewski@cpandl.com

    Tomasz Wiśniewski
""")
M("yubikey-snapped-passwordless", "support", "escalate", "en",
  "passwordless account, the security key broke, no other method: no password to reset; no Message-ID; utf-8 B display name",
  dt=dt, trace_hdrs=trace(dt, fr, "p4"),
  headers=H(addr("Tomasz Wiśniewski", fr, "utf-8", "B"), "Broken security key - can't sign in", dt, None,
            extra=["X-Mailer: WP Poczta"]),
  body=text(body, cte="quoted-printable"))

# p5 ------------------------------------------------------------------------
dt = D(2025, 6, 24, 22, 30, 5, TZ2)
fr = "emmaclarkephoto@gmail.com"
body = T("""
    Hi,

    I'm at my wits' end. I'm a one-woman business (Emma Clarke Photography) on Microsoft 365 Business Basic, so I'm the only user and the only admin. I forgot my password and the reset page fails every time - screenshot attached, it says it can't verify my identity because my account doesn't have enough verification methods. I'm signed out everywhere; my phone logged me out after I updated it.

    Is there any way back in? All my client bookings are in that mailbox.

    Emma
""")
M("one-woman-business-sspr-fails-screenshot", "support", "escalate", "en",
  "tried everything: SSPR fails, she is the only admin, signed out everywhere; multipart/mixed with a PNG screenshot",
  dt=dt, trace_hdrs=trace(dt, fr, "p5", inner=gmail_inner("p5", dt)),
  headers=H(addr("Emma Clarke", fr), "Completely locked out of my business account", dt, mid("gmail", "p5")),
  body=multi("mixed", [gmail_alt(body, "p5"), attachment("image/png", "Screenshot 2025-06-24 at 22.27.41.png", tiny_png("p5"))],
             f"000000000000{rnd('p5mx', 16, HEX)}"))

# p6 ------------------------------------------------------------------------
dt = D(2025, 1, 9, 8, 41, 17)
fr = "berit.solheim@gmail.com"
body = T("""
    Hei,

    Siden i morges kommer ingen av oss på kontoret inn. Passordene er riktige, men godkjenningen i Authenticator dukker aldri opp, på ingen av telefonene (vi er 11 stykker). Se meldingen fra Anders under, alle har det sånn. Jeg skriver fra privaten fordi jobbmailen er stengt.

    Mvh
    Berit Solheim
    Kontorleder, Humlevik Eiendom

    ---------- Videresendt melding ---------
    Fra: Anders Myhre <anders.myhre@live.no>
    Dato: tor. 9. jan. 2025 kl. 08:22
    Emne: Kommer ikke inn
    Til: Berit Solheim <berit.solheim@gmail.com>


    Hei Berit, jeg får ikke logget på. Skriver passord, så står det «Godkjenn påloggingsforespørselen» og ingenting kommer på mobilen. Prøvd tre ganger. Anders
""")
M("vs-authenticator-hele-kontoret", "support", "escalate", "nb",
  "whole office locked out: passwords right, Authenticator approvals never arrive on any phone; forwards a colleague's message (Gmail 'Videresendt melding')",
  dt=dt, trace_hdrs=trace(dt, fr, "p6", inner=gmail_inner("p6", dt)),
  headers=H(addr("Berit Solheim", fr), "VS: Kommer ikke inn", dt, mid("gmail", "p6")),
  body=gmail_alt(body, "p6"))


# ==========================================================================
# auto_reply
# ==========================================================================


# x1 ------------------------------------------------------------------------
dt = D(2025, 4, 9, 15, 3, 44, TZ2)
fr = "lars.ovrebo@contoso.no"
body = T("""
    Takk for e-posten.

    Jeg er på hytta uten dekning fram til mandag 14. april og leser ikke e-post før da. Gjelder det passord eller pålogging, kontakt help@resetdesk.example. Andre saker kan sendes til post@contoso.no.

    Hilsen Lars Øvrebø
""")
M("automatisk-svar-hytta-uten-dekning", "auto_reply", "ignore", "nb",
  "Exchange out-of-office ('Automatisk svar:'), Auto-Submitted: auto-replied; mentions passwords",
  dt=dt, trace_hdrs=trace(dt, fr, "x1", inner=exo_inner("x1", dt)),
  headers=H(addr("Lars Øvrebø", fr), "Automatisk svar: SV: Glemt passord", dt, mid("exo", "x1"), to=DESK_NAMED,
            in_reply_to=desk_mid("x1o"),
            extra=["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All",
                   "X-MS-Exchange-Inbox-Rules-Loop: lars.ovrebo@contoso.no", *outlook_x("x1", "Glemt passord")]),
  body=outlook_alt(body, "x1"))

# x2 ------------------------------------------------------------------------
dt = D(2025, 5, 15, 11, 22, 8, TZ2)
fr = "fatima.alsayed@relecloud.com"
htm = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
       '<div style="font-family:Calibri,Arial,sans-serif;font-size:11pt">'
       "<p>Hello,</p><p>I am attending a training course in Dubai until Thursday 22 May, with limited access to e-mail.</p>"
       "<p>If your message is about a password reset or access to your account, please contact the IT service desk "
       '(<a href="mailto:servicedesk@relecloud.com">servicedesk@relecloud.com</a>).</p>'
       "<p>Kind regards,<br>Fatima Al-Sayed</p></div></body></html>\n")
M("automatic-reply-training-dubai-html", "auto_reply", "ignore", "en",
  "Exchange out-of-office ('Automatic reply:'), HTML-only, Auto-Submitted: auto-generated; mentions password resets",
  dt=dt, trace_hdrs=trace(dt, fr, "x2", inner=exo_inner("x2", dt)),
  headers=H(addr("Fatima Al-Sayed", fr), "Automatic reply: Re: Can't sign in", dt, mid("exo", "x2"), to=DESK_NAMED,
            in_reply_to=desk_mid("x2o"), extra=["Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All",
                                                *outlook_x("x2", "Can't sign in", "en-US")]),
  body=text(htm, "html"))

# x3 ------------------------------------------------------------------------
dt = D(2025, 11, 17, 15, 40, 2)
rcpt = "kontor@haugland-ror.no"
orig_dt = dt - timedelta(seconds=5)
orig = "\n".join(desk_reply_headers(rcpt, "Re: Glemt passord", orig_dt, "x3o")) + "\n\n" + DESK_SSPR_NB
ndr_txt = T(f"""
    Leveringen til disse mottakerne eller gruppene mislyktes:

    {rcpt}
    Finner ikke e-postadressen du skrev inn. Kontroller mottakerens e-postadresse, og prøv å sende meldingen på nytt. Hvis problemet vedvarer, kan du kontakte brukerstøtte.

    Diagnostikkinformasjon for administratorer:

    Genererer server: AM8PR07MB7432.eurprd07.prod.outlook.com

    {rcpt}
    Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
""")
dsn = T(f"""
    Reporting-MTA: dns;AM8PR07MB7432.eurprd07.prod.outlook.com
    Received-From-MTA: dns;{TRUSTED}
    Arrival-Date: {rfcdate(orig_dt)}

    Final-Recipient: rfc822;{rcpt}
    Action: failed
    Status: 5.1.10
    Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
""")
M("kan-ikke-leveres-exchange-norsk", "auto_reply", "ignore", "nb",
  "Exchange Online NDR in Norwegian ('Kan ikke leveres:'), multipart/report delivery-status with the desk's reply as message/rfc822; Return-Path <>",
  dt=dt, trace_hdrs=trace(dt, "", "x3", hfrom="hauglandror.onmicrosoft.com", host="mail-am6eur05on2062.outbound.protection.outlook.com", ip="40.107.22.62"),
  headers=H(addr("Microsoft Outlook", "postmaster@hauglandror.onmicrosoft.com"), "Kan ikke leveres: Re: Glemt passord", dt,
            mid("exo", "x3"), to=DESK_PLAIN, in_reply_to=desk_mid("x3o"),
            extra=["Auto-Submitted: auto-replied", "X-MS-Exchange-Message-Is-Ndr:", "Content-Language: nb-NO"]),
  body=multi("report", [multi("alternative", [text(ndr_txt), text(html_plain(ndr_txt), "html")], f"_001_{rnd('x3a', 40)}_"),
                        raw_part("message/delivery-status", dsn),
                        Part(["Content-Type: message/rfc822"], orig.encode("utf-8"))],
             f"_000_{rnd('x3r', 40)}_", params=' report-type="delivery-status";'))

# x4 ------------------------------------------------------------------------
dt = D(2025, 9, 9, 10, 31, 12, TZ2)
fr = "it-lead@fabrikam.com"
dm = desk_mid("x4o")
mdn_txt = T("""
    This is a Return Receipt for the mail that you sent to it-lead@fabrikam.com.

    Note: This Return Receipt only acknowledges that the message was displayed on the recipient's computer. There is no guarantee that the recipient has read or understood the message contents.
""")
M("read-receipt-it-lead-thunderbird", "auto_reply", "ignore", "en",
  "read receipt from a verified requester (Thunderbird 'Read:'), multipart/report disposition-notification with text/rfc822-headers; CRLF",
  dt=dt, trace_hdrs=trace(dt, fr, "x4", ar=[ar_one("fabrikam.com", policy="reject")], host="mail-ej1-f51.google.com", ip="209.85.218.51"),
  headers=H(addr("Fabrikam IT Lead", fr), "Read: Re: Fwd: locked out", dt, mid("thunderbird", "x4", "fabrikam.com"),
            in_reply_to=dm, extra=["User-Agent: Mozilla Thunderbird"]),
  body=multi("report", [text(mdn_txt),
                        raw_part("message/disposition-notification", T(f"""
                            Reporting-UA: IT-LT-022; Mozilla Thunderbird
                            Final-Recipient: rfc822;it-lead@fabrikam.com
                            Original-Message-ID: {dm}
                            Disposition: manual-action/MDN-sent-manually; displayed
                        """), extra=("Content-Disposition: inline",)),
                        raw_part("text/rfc822-headers", T(f"""
                            From: Resetdesk <{DESK}>
                            To: it-lead@fabrikam.com
                            Subject: Re: Fwd: locked out
                            Date: Tue, 9 Sep 2025 10:24:03 +0200
                            Message-ID: {dm}
                            Disposition-Notification-To: {DESK}
                        """), extra=("Content-Disposition: inline",))],
             f"------------{rnd('x4b', 24)}", params=" report-type=disposition-notification;"), crlf=True)

# x5 ------------------------------------------------------------------------
dt = D(2025, 10, 13, 13, 2, 40, TZ2)
fr = "ingrid.bakken@contoso.no"
dm = desk_mid("x5o")
mdn_txt = T("""
    Meldingen

      Til: Ingrid Bakken
      Emne: Passordet ditt er tilbakestilt
      Sendt: mandag 13. oktober 2025 09:58:12 (UTC+01:00) Amsterdam, Berlin, Bern, Roma, Stockholm, Wien

    ble lest mandag 13. oktober 2025 13:02:37 (UTC+01:00) Amsterdam, Berlin, Bern, Roma, Stockholm, Wien.
""")
M("lest-passordet-ditt-er-tilbakestilt", "auto_reply", "ignore", "nb",
  "Outlook read receipt in Norwegian ('Lest:'), multipart/report disposition-notification",
  dt=dt, trace_hdrs=trace(dt, fr, "x5", inner=exo_inner("x5", dt)),
  headers=H(addr("Ingrid Bakken", fr), "Lest: Passordet ditt er tilbakestilt", dt, mid("exo", "x5"), to=DESK_NAMED,
            in_reply_to=dm, extra=["X-MS-Exchange-Organization-SCL: -1", "Content-Language: nb-NO"]),
  body=multi("report", [text(mdn_txt),
                        raw_part("message/disposition-notification", T(f"""
                            Reporting-UA: DB9PR07MB8123.eurprd07.prod.outlook.com; Microsoft Exchange Server
                            Final-Recipient: rfc822;ingrid.bakken@contoso.no
                            Original-Message-ID: {dm}
                            Disposition: manual-action/MDN-sent-automatically; displayed
                        """))],
             f"_000_{rnd('x5b', 40)}_", params=' report-type="disposition-notification";'))

# x6 ------------------------------------------------------------------------
dt = D(2025, 3, 4, 9, 12, 3)
body = T("""
    Kan noen av dere ta denne? Hun har glemt passordet og er ikke logget inn noe sted. Jeg går i møte nå.

    -Mari

    Fra: Heidi Lervik <heidi.lervik@hotmail.no>
    Sendt: tirsdag 4. mars 2025 08:55
    Til: help@resetdesk.example
    Emne: Glemt passord

    Hei, jeg har glemt passordet til jobben (heidi.lervik@contoso.no). Hvordan får jeg nytt?
    Hilsen Heidi
""")
M("vs-internt-fra-desk-adressen", "auto_reply", "ignore", "nb",
  "desk staff forwarding a plea inside the desk mailbox: From is help@resetdesk.example itself; Outlook 'Fra:/Sendt:' block",
  dt=dt, trace_hdrs=trace(dt, DESK, "x6", host="mail-gv0eur01on2101.outbound.protection.outlook.com", ip="40.107.13.101",
                          inner=exo_inner("x6", dt)),
  headers=H(addr("Resetdesk", DESK), "VS: Glemt passord", dt, mid("exo", "x6"), to=DESK_OUTLOOK,
            extra=outlook_x("x6", "Glemt passord")),
  body=outlook_alt(body, "x6"))

# x7 ------------------------------------------------------------------------
dt = D(2025, 9, 30, 7, 0, 0, TZ2)
fr = "nyhetsbrev@nordisk-itforum.example"
body = T("""
    NORDISK IT-FORUM | Nyhetsbrev september

    Webinar 14. oktober: Slik slipper dere passordkaoset
    Halvparten av henvendelsene til brukerstøtten handler om glemte passord. Vi viser hvordan dere setter opp selvbetjent tilbakestilling, Authenticator og passordløs pålogging i Microsoft 365 - på 45 minutter.
    Meld deg på: https://nordisk-itforum.example/webinar/passord

    Også i denne utgaven:
    - Tre vanlige feil med betinget tilgang
    - Lisensendringene fra 1. november

    Du får denne e-posten fordi du abonnerer på nyhetsbrevet vårt.
    Meld deg av: https://nordisk-itforum.example/avmeld?u=7f3a91
""")
M("nyhetsbrev-webinar-passordkaos-bulk", "auto_reply", "ignore", "nb",
  "bulk newsletter (Precedence: bulk, List-Unsubscribe, List-Id) about forgotten passwords",
  dt=dt, trace_hdrs=trace(dt, "bounce-2291@mail.nordisk-itforum.example", "x7", hfrom="nordisk-itforum.example",
                          host="o12.mail.nordisk-itforum.example", ip="198.51.100.12"),
  headers=H(addr("Nordisk IT-Forum", fr), subj("Webinar: Slik slipper dere passordkaoset"), dt,
            mid("plain", "x7", "mail.nordisk-itforum.example"),
            extra=["Precedence: bulk", "List-Id: Nordisk IT-Forum nyhetsbrev <nyhetsbrev.nordisk-itforum.example>",
                   "List-Unsubscribe: <https://nordisk-itforum.example/avmeld?u=7f3a91>, <mailto:avmeld@nordisk-itforum.example?subject=7f3a91>",
                   "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]),
  body=multi("alternative", [text(body), text(html_plain(body), "html")], f"=_nl_{rnd('x7b', 24, HEX)}"))

# x8 ------------------------------------------------------------------------
dt = D(2025, 7, 15, 14, 9, 51, TZ2)
fr = "helpdesk@cohowinery.com"
loop = rnd("x8loop", 8, HEX)
body = T("""
    [HD-4471] A new comment was added by email

    Hi Ana,

    Since the Microsoft 365 app on your tablet is still signed in, you can set a new password from there: open your account page, choose Password, and follow the steps.

    Resetdesk

    --
    Coho Winery Helpdesk - reply above this line to comment on the ticket
""")
M("ticket-system-echo-loop-marker", "auto_reply", "ignore", "en",
  "a ticket system echoes the desk's own reply back, X-Resetdesk-Loop header still on it; no Auto-Submitted; reads like advice",
  dt=dt, trace_hdrs=trace(dt, fr, "x8", inner=exo_inner("x8", dt)),
  headers=H(addr("Coho Winery Helpdesk", fr), "[HD-4471] Re: forgot password but tablet still working", dt, mid("exo", "x8"),
            extra=[f"X-Resetdesk-Loop: {loop}"]),
  body=text(body))


# ==========================================================================
# out_of_scope
# ==========================================================================

# z1 ------------------------------------------------------------------------
dt = D(2025, 2, 14, 3, 12, 45, UTC)
fr = "no-reply@account-security-m365.com"
htm = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Microsoft account</title></head>'
       '<body style="font-family:Segoe UI,Arial,sans-serif;color:#323130">'
       '<table width="600" align="center"><tr><td><img src="https://account-security-m365.com/img/ms-logo.png" alt="Microsoft"></td></tr>'
       "<tr><td><h2>Unusual sign-in activity</h2>"
       "<p>We detected something unusual about a recent sign-in to your Microsoft 365 account help@resetdesk.example.</p>"
       "<p><b>Country/region:</b> Russia/Moscow<br><b>IP address:</b> 95.173.136.70<br><b>Date:</b> 14 Feb 2025 03:10 UTC</p>"
       "<p>If this wasn't you, your password may be compromised. Verify your password within 24 hours to avoid your account being suspended.</p>"
       '<p><a href="https://account-security-m365.com/verify?id=help%40resetdesk.example" style="background:#0078d4;color:#fff;padding:8px 16px;text-decoration:none">Review recent activity</a></p>'
       "<p>Thanks,<br>The Microsoft account team</p></td></tr></table></body></html>\n")
M("phish-unusual-sign-in-verify-password", "out_of_scope", "escalate", "en",
  "phishing lure: fake 'unusual sign-in activity, verify your password within 24 hours'; HTML-only; no Message-ID",
  dt=dt, trace_hdrs=trace(dt, "bounce@account-security-m365.com", "z1", dmarc="none", host="vps-4412.hostingcloud.example", ip="185.220.101.47"),
  headers=H(addr("Microsoft account team", fr), "Unusual sign-in activity on your account", dt, None),
  body=text(htm, "html", cte="quoted-printable"))

# z2 ------------------------------------------------------------------------
dt = D(2025, 6, 10, 13, 26, 9, TZ2)
fr = "it-avdelingen@postkasse-oppgrader.net"
body = T("""
    Kjære bruker,

    Postkassen din har nådd 99 % av lagringsgrensen. Innkommende e-post vil bli avvist om 48 timer.

    For å få gratis ekstra lagringsplass må du bekrefte brukernavn og passord her:
    https://postkasse-oppgrader.net/owa/bekreft

    Med vennlig hilsen
    IT-avdelingen
    Microsoft Exchange
""")
M("phish-postkassen-er-full", "out_of_scope", "escalate", "nb",
  "phishing lure: 'mailbox full, confirm your user name and password for more storage'; ISO-8859-1 QP alternative",
  dt=dt, trace_hdrs=trace(dt, fr, "z2", dmarc="fail", policy="none", host="mail.postkasse-oppgrader.net", ip="45.95.147.201"),
  headers=H(addr("IT-avdelingen", fr), subj("Postkassen din er full - handling påkrevd", "iso-8859-1"), dt,
            mid("plain", "z2", "postkasse-oppgrader.net")),
  body=multi("alternative", [text(body, cs="iso-8859-1", cte="quoted-printable"),
                             text(html_plain(body, "iso-8859-1"), "html", cs="iso-8859-1", cte="quoted-printable")],
             f"----=_Part_{rnd('z2b', 20, HEX)}"))

# z3 ------------------------------------------------------------------------
dt = D(2025, 8, 12, 10, 4, 58, TZ2)
fr = "voicemail@teams-voice-notify.com"
htm = ('<html><body style="font-family:Segoe UI,Arial,sans-serif">'
       "<p><b>Microsoft Teams</b></p>"
       "<p>You have received a new voice message (0:47) from +47 4XX XX 812.</p>"
       "<p>To listen, sign in with your Microsoft 365 email and password.</p>"
       '<p><a href="https://teams-voice-notify.com/play?vm=8812">&#9654; Play voice message</a></p>'
       '<p style="font-size:11px;color:#777">This message was sent to help@resetdesk.example. Microsoft Corporation, One Microsoft Way, Redmond, WA 98052</p>'
       "</body></html>\n")
M("phish-teams-voicemail-sign-in", "out_of_scope", "escalate", "en",
  "phishing lure: fake Teams voicemail 'sign in with your email and password to listen'; HTML-only, base64",
  dt=dt, trace_hdrs=trace(dt, fr, "z3", dmarc="pass", policy="none", host="smtp.teams-voice-notify.com", ip="193.29.13.88"),
  headers=H(addr("Microsoft Teams", fr), "You have (1) new voice message", dt, mid("plain", "z3", "teams-voice-notify.com")),
  body=text(htm, "html", cte="base64"))

# z4 ------------------------------------------------------------------------
dt = D(2025, 11, 5, 14, 17, 23)
fr = "ola.hansen@contoso.no"
body = T("""
    Hei,

    Kan de leggje Per Aalvik (per.aalvik@contoso.no) til i distribusjonslista «alle-lager»? Han byrja hos oss i førre veke og får ikkje vaktlistene.

    Helsing
    Ola Hansen
    Teamleiar kundeservice, Contoso AS
""")
M("ola-distribusjonsliste-alle-lager-nynorsk", "out_of_scope", "escalate", "nb",
  "nynorsk; a verified requester asks to add someone to a distribution list - not a reset",
  dt=dt, trace_hdrs=trace(dt, fr, "z4", inner=exo_inner("z4", dt)),
  headers=H(addr("Ola Hansen", fr), subj("Legg til Per i lista «alle-lager»"), dt, mid("exo", "z4"), to=DESK_OUTLOOK,
            extra=outlook_x("z4", "Legg til Per i lista «alle-lager»", "nn-NO")),
  body=outlook_alt(body, "z4", lang="NO-NYN"))

# z5 ------------------------------------------------------------------------
dt = D(2025, 3, 20, 15, 45, 0)
fr = "rachel.kim@wingtiptoys.com"
body = T("""
    Hi,

    We're a team of nine in Wingtip Toys marketing. After a few too many "what was the login for the photo library again?" moments, I'd like us to start using a shared password manager. Do you have one you'd recommend, and can it work with our Microsoft 365 sign-in?

    Not urgent at all.

    Best regards,
    Rachel Kim
    Marketing Lead, Wingtip Toys
""")
M("team-password-manager-recommendation", "out_of_scope", "escalate", "en",
  "asks for a password manager recommendation for her team; nobody is locked out",
  dt=dt, trace_hdrs=trace(dt, fr, "z5", inner=exo_inner("z5", dt)),
  headers=H(addr("Rachel Kim", fr), "Password manager for the team?", dt, mid("exo", "z5"), to=DESK_OUTLOOK,
            extra=outlook_x("z5", "Password manager for the team?", "en-US")),
  body=outlook_alt(body, "z5", lang="EN-US"))

# z6 ------------------------------------------------------------------------
dt = D(2025, 5, 22, 10, 30, 12, TZ2)
fr = "geir.tangen@contoso.no"
body = T("""
    Hei igjen,

    Passordet ordnet seg fint, takk! Nå er det noe annet: siden oppdateringen i går hører ingen meg i Teams-møter. Mikrofonen virker i alle andre programmer, og jeg har valgt riktig enhet under Innstillinger > Enheter. Har dere et tips?

    Mvh
    Geir Tangen
    Innkjøp, Contoso AS

    -----Opprinnelig melding-----
    Fra: Resetdesk <help@resetdesk.example>
    Sendt: tirsdag 20. mai 2025 08:14
    Til: Geir Tangen <geir.tangen@contoso.no>
    Emne: SV: Glemt passord

""") + DESK_SSPR_NB
M("sv-glemt-passord-na-teams-mikrofon", "out_of_scope", "escalate", "nb",
  "subject and the quoted desk reply are about a forgotten password (solved); the new text is about the Teams microphone; '-----Opprinnelig melding-----'",
  dt=dt, trace_hdrs=trace(dt, fr, "z6", inner=exo_inner("z6", dt)),
  headers=H(addr("Geir Tangen", fr), "SV: Glemt passord", dt, mid("exo", "z6"), to=DESK_NAMED,
            in_reply_to=desk_mid("z6o"), extra=outlook_x("z6", "Glemt passord")),
  body=outlook_alt(body, "z6"))

# z7 ------------------------------------------------------------------------
dt = D(2025, 10, 1, 20, 3, 31, TZ2)
fr = "ahmed.hassan77@outlook.com"
body = T("""
    Dear Sir/Madam,

    Under Article 15 of the GDPR I request a copy of all personal data you hold about me, including any records of the password reset requests I sent you this year and who they were shared with.

    The signed request form is attached. Please reply within one month as the regulation requires.

    Best regards,
    Ahmed Hassan
""")
M("gdpr-access-request-pdf", "out_of_scope", "escalate", "en",
  "GDPR data access request about his earlier reset mails; multipart/mixed with a PDF",
  dt=dt, trace_hdrs=trace(dt, fr, "z7", inner=exo_inner("z7", dt)),
  headers=H(addr("Ahmed Hassan", fr), "Subject access request (GDPR Art. 15)", dt, mid("exo", "z7"),
            extra=outlook_x("z7", "Subject access request (GDPR Art. 15)", "en-GB", attach=True)),
  body=multi("mixed", [multi("alternative", [text(body), text(html_owa(body), "html")], f"_000_{rnd('z7a', 40)}_"),
                       attachment("application/pdf", "SAR-request-Ahmed-Hassan.pdf",
                                  tiny_pdf("Subject access request", ["Name: Ahmed Hassan", "Date: 1 October 2025",
                                                                      "Signature: A. Hassan"]))],
             f"_004_{rnd('z7m', 40)}_"))

# z8 ------------------------------------------------------------------------
dt = D(2025, 1, 21, 11, 11, 11)
fr = "marte.oksnes@stud.ntnu.no"
body = T("""
    Hei!

    Jeg er masterstudent ved NTNU og skriver oppgave om passordvaner og glemte passord i små bedrifter. Dere må jo få mange henvendelser om dette. Kunne noen av dere tenke seg å stille til et intervju på 30 minutter, på Teams eller telefon, en gang i februar?

    Alt blir anonymisert.

    Vennlig hilsen
    Marte Øksnes
    Masterstudent, Institutt for datateknologi og informatikk, NTNU
""")
M("masterstudent-intervju-passordvaner", "out_of_scope", "escalate", "nb",
  "a student asks for an interview about password habits; not about getting back in",
  dt=dt, trace_hdrs=trace(dt, fr, "z8", inner=exo_inner("z8", dt)),
  headers=H(addr("Marte Øksnes", fr), "Intervju om passordvaner (masteroppgave)", dt, mid("exo", "z8")),
  body=outlook_alt(body, "z8"))


if __name__ == "__main__":
    print(f"wrote {MAILS.write()} mails to {MAILDIR}")
