"""The spoof suite: mails crafted against sender identity and verification, and their legitimate twins.

Every mail asks the desk to reset a password, which an authorised (listed),
verified requester turns into `approval_requested`. The policy lists
kari.nordmann@contoso.no and trusts the authserv-id mx.contoso.no; unless a
case says otherwise, its Authentication-Results says dmarc=pass for
contoso.no, as it would for mallory@contoso.no, a real mailbox in Kari's own
domain (DMARC authenticates a domain, not a person).

For each spoof: the classifier never says `approval_requested`; the mail is
not verified or its identity is not Kari's; a reply, if any, goes only to the
mailbox the strict parser found (`real`), and an ambiguous identity
(AMBIGUOUS) gets no reply at all and its reason recorded. Each legitimate
variant is verified, authorised and answered at Kari's (or Ola's) address.
The same mails then go through the real service (`resetdesk run` on a
Maildir): ambiguous ones are parked for a person with the reason, and
nothing is sent to an address the desk cannot be sure of.
"""

from __future__ import annotations

import email
import email.policy
import json

import pytest

from resetdesk import config as config_module
from resetdesk.intake.parse import parse_message
from resetdesk.responders import compose
from resetdesk.responders.render import Renderer
from resetdesk.rules.engine import Classifier, Knowledge
from resetdesk.store import Store
from test_service_maildir import drop, run_desk, write_config

KARI = "kari.nordmann@contoso.no"
MALLORY = "mallory@contoso.no"
OLA = "ola@xn--blbr-roah.no"              # listed as ola@blåbær.no: one domain, two spellings
AMBIGUOUS = "ambiguous"
DESK = "help@contoso.no"


def pass_for(domain: str) -> str:
    """What mx.contoso.no writes for a mail whose From domain passed DMARC."""
    return (f"mx.contoso.no; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
            f"dmarc=pass (p=reject) header.from={domain}")


PASS = pass_for("contoso.no")
FAIL = PASS.replace("dmarc=pass", "dmarc=fail")
KARI_FROM = f"Kari Nordmann <{KARI}>"
BODY = "Hi, please reset the password for ola.hansen@contoso.no. She is locked out.\n"
POLICY = {"desk_address": DESK, "trusted_authserv_ids": ["mx.contoso.no"],
          "requesters": [KARI, "ola@blåbær.no"], "approvers": ["cto@contoso.no"]}


def raw_mail(case_id: str, *, ar=(PASS,), sender: str | None = KARI_FROM, extra=(), top=(),
             body: str = BODY, content_type: str | None = None, eol: str = "\r\n") -> bytes:
    """A mail as the desk's server delivers it: Authentication-Results on top, then the rest."""
    lines = list(top) + [f"Authentication-Results: {value}" for value in ar]
    lines += [f"Message-ID: <{case_id}@spoof.test>", "Date: Mon, 02 Nov 2026 09:00:00 +0100",
              f"To: {DESK}", "Subject: Password reset for Ola"]
    if sender is not None:
        lines.append(f"From: {sender}")
    lines += list(extra)
    if content_type:
        lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}"]
    return (eol.join(lines) + eol + eol + body.replace("\n", eol)).encode("utf-8")


def spoof(case_id: str, real: str, policy: str = "from", **parts):
    return pytest.param(case_id, raw_mail(case_id, **parts), real, policy, id=case_id)


ATTACHED = ("--B\r\nContent-Type: text/plain\r\n\r\n" + BODY + "--B\r\nContent-Type: message/rfc822\r\n\r\n"
            f"Authentication-Results: {PASS}\r\nFrom: {KARI_FROM}\r\nSubject: old\r\n\r\nold\r\n--B--\r\n")

SPOOFS = [
    # 1. Encoded words: never decoded before (or inside) the address.
    spoof("ew-address-in-display-name", MALLORY, sender=f"=?us-ascii?q?kari.nordmann=40contoso.no?= <{MALLORY}>"),
    spoof("ew-address-in-display-name-b64", MALLORY,
          sender=f"=?utf-8?b?a2FyaS5ub3JkbWFubkBjb250b3NvLm5v?= <{MALLORY}>"),
    spoof("ew-address-in-quoted-display-name", MALLORY,
          sender=f'"=?utf-8?q?kari.nordmann=40contoso.no?=" <{MALLORY}>'),
    spoof("ew-angle-in-display-name", MALLORY,
          sender=f"=?utf-8?q?Kari_=3Ckari.nordmann=40contoso.no=3E?= <{MALLORY}>"),
    spoof("ew-local-part", AMBIGUOUS, sender="=?utf-8?q?kari.nordmann?=@contoso.no"),
    spoof("ew-local-part-in-angle", AMBIGUOUS, sender="Kari <=?utf-8?q?kari.nordmann?=@contoso.no>"),
    spoof("ew-local-part-before-cfws", AMBIGUOUS, sender="=?utf-8?q?kari.nordmann?= @contoso.no"),
    spoof("ew-domain", AMBIGUOUS, sender="kari.nordmann@=?utf-8?q?contoso.no?="),
    spoof("ew-whole-from", AMBIGUOUS, sender="=?utf-8?q?Kari_=3Ckari.nordmann=40contoso.no=3E?="),
    spoof("ew-crlf-bcc-in-display-name", AMBIGUOUS,
          sender=f"=?utf-8?q?Kari=0D=0ABcc=3A_victim=40evil.example?= <{KARI}>"),
    spoof("ew-lf-bcc-in-display-name-b64", AMBIGUOUS,
          sender=f"=?utf-8?b?S2FyaQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?= <{KARI}>"),
    spoof("ew-cr-to-in-display-name", AMBIGUOUS, sender=f"=?utf-8?q?Kari=0DTo=3A_victim=40evil.example?= <{KARI}>"),
    spoof("ew-nul-in-display-name", AMBIGUOUS, sender=f"=?utf-8?q?Kari=00?= <{KARI}>"),
    spoof("ew-crlf-in-quoted-display-name", AMBIGUOUS,
          sender=f'"=?utf-8?q?Kari=0D=0ABcc=3A_victim=40evil.example?=" <{KARI}>'),
    # 2. Authentication-Results: the grammar, not a search for "dmarc=pass".
    spoof("ar-pass-in-quoted-mailfrom", KARI,
          ar=('mx.contoso.no; spf=pass smtp.mailfrom="x; dmarc=pass header.from=contoso.no ;"@evil.example; '
              'dmarc=fail header.from=contoso.no',)),
    spoof("ar-pass-in-comment", KARI,
          ar=("mx.contoso.no; spf=pass (dmarc=pass header.from=contoso.no) smtp.mailfrom=evil.example; "
              "dmarc=fail header.from=contoso.no",)),
    spoof("ar-pass-in-nested-comment", KARI,
          ar=("mx.contoso.no; spf=pass (a (b; dmarc=pass header.from=contoso.no) c) smtp.mailfrom=evil.example; "
              "dmarc=fail header.from=contoso.no",)),
    spoof("ar-pass-after-inner-comment", KARI,
          ar=("mx.contoso.no; spf=pass (a (b) dmarc=pass header.from=contoso.no ) smtp.mailfrom=evil.example; "
              "dmarc=fail header.from=contoso.no",)),
    spoof("ar-pass-in-comment-after-fail", KARI,
          ar=("mx.contoso.no; dmarc=fail (; dmarc=pass) header.from=contoso.no",)),
    spoof("ar-pass-in-reason", KARI,
          ar=('mx.contoso.no; dmarc=fail reason="dmarc=pass header.from=contoso.no" header.from=contoso.no',)),
    spoof("ar-rfc2047-encoded-header", KARI,
          ar=("=?us-ascii?q?mx.contoso.no=3B_dmarc=3Dpass_header.from=3Dcontoso.no?=",)),
    spoof("ar-rfc2047-encoded-result", KARI,
          ar=("mx.contoso.no; =?us-ascii?q?dmarc=3Dpass_header.from=3Dcontoso.no?=",)),
    spoof("ar-rfc2047-encoded-above-fail", KARI,
          ar=("=?us-ascii?q?mx.contoso.no=3B_dmarc=3Dpass_header.from=3Dcontoso.no?=", FAIL)),
    spoof("ar-8bit-quoted-string-trick", KARI,
          ar=('mx.contoso.no; spf=pass smtp.mailfrom="ø; dmarc=pass header.from=contoso.no"; '
              'dmarc=fail header.from=contoso.no',)),
    spoof("ar-unclosed-comment", KARI, ar=("mx.contoso.no; dmarc=pass header.from=contoso.no (unclosed",)),
    spoof("ar-dmarc-fail", KARI, ar=(FAIL,)),
    spoof("ar-dmarc-bestguesspass", KARI, ar=(PASS.replace("dmarc=pass", "dmarc=bestguesspass"),)),
    spoof("ar-dmarc-none", KARI, ar=(PASS.replace("dmarc=pass", "dmarc=none"),)),
    spoof("ar-dmarc-temperror", KARI, ar=(PASS.replace("dmarc=pass", "dmarc=temperror"),)),
    spoof("ar-no-dmarc-result", KARI,
          ar=("mx.contoso.no; spf=pass smtp.mailfrom=contoso.no; dkim=pass header.d=contoso.no",)),
    spoof("ar-dmarc-without-header-from", KARI, ar=("mx.contoso.no; dmarc=pass",)),
    spoof("ar-header-from-other-domain", KARI,
          ar=(PASS.replace("header.from=contoso.no", "header.from=evil.example"),)),
    spoof("ar-header-from-subdomain", KARI,
          ar=(PASS.replace("header.from=contoso.no", "header.from=mail.contoso.no"),)),
    spoof("ar-header-from-lookalike", KARI,
          ar=(PASS.replace("header.from=contoso.no", "header.from=contoso.no.evil.example"),)),
    spoof("ar-header-from-punycode-homoglyph", KARI,
          ar=(PASS.replace("header.from=contoso.no", "header.from=xn--cntoso-wqf.no"),)),
    spoof("ar-header-from-is-an-address", KARI,
          ar=(PASS.replace("header.from=contoso.no", "header.from=kari.nordmann@contoso.no"),)),
    spoof("ar-two-dmarc-results-fail-first", KARI,
          ar=("mx.contoso.no; dmarc=fail header.from=contoso.no; dmarc=pass header.from=contoso.no",)),
    spoof("ar-two-dmarc-results-other-domain-first", KARI,
          ar=("mx.contoso.no; dmarc=pass header.from=evil.example; dmarc=pass header.from=contoso.no",)),
    spoof("ar-untrusted-authserv-id", KARI, ar=(PASS.replace("mx.contoso.no", "mx.evil.example"),)),
    spoof("ar-lookalike-authserv-id", KARI, ar=(PASS.replace("mx.contoso.no", "mx.contoso.no.evil.example"),)),
    spoof("ar-authserv-id-with-suffix", KARI, ar=(PASS.replace("mx.contoso.no", "mx.contoso.no-evil.example"),)),
    spoof("ar-authserv-id-subdomain", KARI, ar=(PASS.replace("mx.contoso.no", "evil.mx.contoso.no"),)),
    spoof("ar-authserv-id-quoted", KARI, ar=(PASS.replace("mx.contoso.no", '"mx.contoso.no"'),)),
    spoof("ar-forged-pass-below-trusted-fail", KARI, ar=(FAIL, PASS)),
    spoof("ar-without-authserv-id", KARI,
          ar=("spf=pass smtp.mailfrom=contoso.no; dmarc=pass action=none header.from=contoso.no",)),
    spoof("ar-only-in-attached-message", KARI, ar=(), body=ATTACHED, content_type='multipart/mixed; boundary="B"'),
    spoof("arc-claims-pass", KARI, ar=(), top=(
        "ARC-Seal: i=1; a=rsa-sha256; t=1790000000; cv=none; d=contoso.no; s=arc; b=AAAA",
        "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=contoso.no; s=arc; h=from; bh=AAAA; b=AAAA",
        f"ARC-Authentication-Results: i=1; {PASS}")),
    spoof("arc-pass-above-trusted-fail", KARI, ar=(FAIL,), top=(f"ARC-Authentication-Results: i=1; {PASS}",)),
    # 3. Several mailboxes, several From fields, groups, smuggled header lines.
    spoof("list-two-mailboxes", AMBIGUOUS, sender=f"{KARI}, {MALLORY}"),
    spoof("list-reversed", AMBIGUOUS, sender=f"{MALLORY}, {KARI}"),
    spoof("list-named", AMBIGUOUS, sender=f"Kari <{KARI}>, Mallory <{MALLORY}>"),
    spoof("list-folded", AMBIGUOUS, sender=f"Kari <{KARI}>,\r\n Mallory <{MALLORY}>"),
    spoof("list-trailing-comma", AMBIGUOUS, sender=f"{KARI},"),
    spoof("list-leading-comma", AMBIGUOUS, sender=f", {KARI}"),
    spoof("two-from-fields", AMBIGUOUS, extra=(f"From: Mallory <{MALLORY}>",)),
    spoof("two-from-fields-same-mailbox", AMBIGUOUS, extra=(f"From: {KARI_FROM}",)),
    spoof("group-syntax", AMBIGUOUS, sender=f"Friends: {KARI};"),
    spoof("group-then-mailbox", AMBIGUOUS, sender=f"Friends: {KARI};, {MALLORY}"),
    spoof("empty-group", AMBIGUOUS, sender="undisclosed-recipients:;"),
    spoof("empty-from", AMBIGUOUS, sender=""),
    spoof("from-without-address", AMBIGUOUS, sender="Kari Nordmann"),
    spoof("bare-cr-smuggles-from-above-real", AMBIGUOUS, sender=f"Mallory <{MALLORY}>",
          top=(f"X-Note: a\rFrom: {KARI_FROM}",)),
    spoof("bare-lf-smuggles-from-above-real", AMBIGUOUS, sender=f"Mallory <{MALLORY}>",
          top=(f"X-Note: a\nFrom: {KARI_FROM}",)),
    spoof("bare-cr-smuggles-only-from", AMBIGUOUS, sender=None, extra=(f"X-Note: a\rFrom: {KARI_FROM}",)),
    spoof("bare-cr-inside-subject", AMBIGUOUS, sender=f"Mallory <{MALLORY}>",
          extra=(f"Keywords: reset\rFrom: {KARI_FROM}",)),
    spoof("bare-cr-smuggles-authentication-results", AMBIGUOUS, ar=(FAIL,),
          top=(f"X-Note: a\rAuthentication-Results: {PASS}",)),
    # 4. Lax address forms (parseaddr's CVE-2023-27043 and friends).
    spoof("lax-address-then-angle", AMBIGUOUS, sender=f"{KARI} <{MALLORY}>"),
    spoof("lax-cve-2023-27043", AMBIGUOUS, sender=f"{KARI})<{MALLORY}>"),
    spoof("lax-two-angles", AMBIGUOUS, sender=f"<{KARI}> <{MALLORY}>"),
    spoof("lax-named-two-angles", AMBIGUOUS, sender=f"Kari <{KARI}> <{MALLORY}>"),
    spoof("lax-angle-then-address", AMBIGUOUS, sender=f"<{MALLORY}> {KARI}"),
    spoof("lax-unbalanced-quote", AMBIGUOUS, sender=f'"Kari <{KARI}> <{MALLORY}>'),
    spoof("lax-trailing-bracket", AMBIGUOUS, sender=f"Kari <{KARI}>>"),
    spoof("lax-backslash-at", AMBIGUOUS, sender=f"kari.nordmann\\@contoso.no <{MALLORY}>"),
    spoof("lax-source-route", AMBIGUOUS, sender=f"<@contoso.no:{MALLORY}>"),
    spoof("lax-domain-literal", AMBIGUOUS, sender="kari.nordmann@[192.0.2.1]"),
    spoof("lax-quoted-local-holding-address", AMBIGUOUS, sender=f'"{KARI}"@evil.example'),
    spoof("lax-trailing-dot-domain", AMBIGUOUS, sender="kari.nordmann@contoso.no."),
    # 5. Display names, lookalikes, homoglyphs, punycode.
    spoof("display-name-holds-address", MALLORY, sender=f'"{KARI}" <{MALLORY}>'),
    spoof("display-name-holds-angle-address", MALLORY, sender=f'"Kari <{KARI}>" <{MALLORY}>'),
    spoof("comment-holds-address", MALLORY, sender=f"{MALLORY} ({KARI})"),
    spoof("display-name-bidi-reversed-address", MALLORY, sender=f'"\u202eon.osotnoc@nnamdron.irak" <{MALLORY}>'),
    spoof("lookalike-dot-com", "kari.nordmann@contoso.com", sender="Kari <kari.nordmann@contoso.com>",
          ar=(pass_for("contoso.com"),)),
    spoof("lookalike-hyphen", "kari.nordmann@contoso-no.com", sender="Kari <kari.nordmann@contoso-no.com>",
          ar=(pass_for("contoso-no.com"),)),
    spoof("lookalike-suffix", "kari.nordmann@contoso.no.evil.example",
          sender="Kari <kari.nordmann@contoso.no.evil.example>",
          ar=(pass_for("contoso.no.evil.example"),)),
    spoof("lookalike-digit", "kari.nordmann@c0ntoso.no", sender="Kari <kari.nordmann@c0ntoso.no>",
          ar=(pass_for("c0ntoso.no"),)),
    spoof("lookalike-rn-for-m", "kari.nordrnann@contoso.no", sender="Kari <kari.nordrnann@contoso.no>"),
    spoof("homoglyph-cyrillic-o-domain", "kari.nordmann@xn--cntoso-wqf.no", sender="Kari <kari.nordmann@cоntoso.no>",
          ar=(pass_for("xn--cntoso-wqf.no"),)),
    spoof("homoglyph-cyrillic-o-domain-pass-for-real-domain", "kari.nordmann@xn--cntoso-wqf.no",
          sender="Kari <kari.nordmann@cоntoso.no>"),
    spoof("homoglyph-cyrillic-a-local-part", "kаri.nordmann@contoso.no", sender="Kari <kаri.nordmann@contoso.no>"),
    spoof("punycode-homoglyph-domain", "kari.nordmann@xn--cntoso-wqf.no",
          sender="Kari <kari.nordmann@xn--cntoso-wqf.no>"),
    spoof("fullwidth-domain", AMBIGUOUS, sender="Kari <kari.nordmann@ｃｏｎｔｏｓｏ.no>"),
    spoof("zero-width-space-in-local-part", AMBIGUOUS, sender="Kari <kari.nord\u200bmann@contoso.no>"),
    spoof("invalid-punycode-domain", AMBIGUOUS, sender="Kari <kari.nordmann@xn--contoso-.no>"),
    # 6. Headers that never change who the sender is.
    spoof("sender-header", MALLORY, sender=MALLORY, extra=(f"Sender: {KARI_FROM}",)),
    spoof("resent-from", MALLORY, sender=MALLORY, extra=(f"Resent-From: {KARI_FROM}", f"Resent-Sender: {KARI}")),
    spoof("return-path-of-kari", MALLORY, sender=MALLORY, top=(f"Return-Path: <{KARI}>",)),
    spoof("reply-to-kari", MALLORY, sender=MALLORY, extra=(f"Reply-To: {KARI_FROM}",)),
    spoof("reply-to-victim-unverified", KARI, ar=(FAIL,), extra=("Reply-To: victim@evil.example",)),
    spoof("x-original-from", MALLORY, sender=MALLORY, extra=(f"X-Original-From: {KARI_FROM}",)),
    # 7. policy.reply_address = "return_path": the Return-Path is parsed as strictly.
    spoof("rp-two-return-paths", AMBIGUOUS, "return_path",
          top=("Return-Path: <victim@evil.example>", f"Return-Path: <{KARI}>")),
    spoof("rp-list", AMBIGUOUS, "return_path", top=(f"Return-Path: <victim@evil.example>, <{KARI}>",)),
    spoof("rp-lax-form", AMBIGUOUS, "return_path", top=(f"Return-Path: {KARI} <victim@evil.example>",)),
    spoof("rp-encoded-word", AMBIGUOUS, "return_path", top=("Return-Path: <=?utf-8?q?victim?=@evil.example>",)),
    spoof("rp-source-route", AMBIGUOUS, "return_path", top=(f"Return-Path: <@evil.example:{KARI}>",)),
    spoof("rp-smuggled-by-bare-cr", AMBIGUOUS, "return_path",
          top=(f"Return-Path: <{KARI}>", "X-Note: a\rReturn-Path: <victim@evil.example>")),
]


def legit(case_id: str, expected: str = KARI, policy: str = "from", **parts):
    return pytest.param(case_id, raw_mail(case_id, **parts), expected, policy, id=case_id)


LEGIT = [
    legit("baseline"),
    legit("case-differences", sender="Kari Nordmann <Kari.Nordmann@CONTOSO.NO>",
          ar=("MX.Contoso.NO; SPF=pass smtp.mailfrom=Contoso.NO; DMARC=PASS header.from=CONTOSO.NO",)),
    legit("ar-comments",
          ar=("mx.contoso.no (our gateway); spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=contoso.no; "
                             "dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=contoso.no (the From domain)",)),
    legit("ar-nested-comments", ar=("mx.contoso.no; dmarc=pass (p=reject (really; no=fail)) header.from=contoso.no",)),
    legit("ar-quoted-strings", ar=('mx.contoso.no; spf=pass smtp.mailfrom="kari.nordmann"@contoso.no; '
                                   'dmarc=pass reason="aligned; dkim" header.from=contoso.no',)),
    legit("ar-version-and-trailing-dot", ar=("mx.contoso.no 1; dmarc=pass header.from=contoso.no.",)),
    legit("ar-microsoft-style", ar=("mx.contoso.no; spf=pass (sender IP is 40.107.69.216) smtp.mailfrom=contoso.no; "
                                    "dkim=pass (signature was verified) header.d=contoso.no;dmarc=pass action=none "
                                    "header.from=contoso.no;compauth=pass reason=100",)),
    legit("ar-folded", ar=("mx.contoso.no;\r\n\tspf=pass smtp.mailfrom=contoso.no;\r\n\tdmarc=pass (p=reject)\r\n"
                           "\theader.from=contoso.no",)),
    legit("other-authserv-ids-above-skipped", ar=(
        "spf=pass smtp.mailfrom=contoso.no; dmarc=none action=none header.from=contoso.no",   # Exchange Online's
        "mx.evil.example; dmarc=fail header.from=contoso.no",
        "mx.contoso.no.evil.example; dmarc=fail header.from=contoso.no",
        "((an unparseable header of someone else",
        PASS)),
    legit("idna-unicode-from-punycode-ar", OLA, sender="Ola <ola@blåbær.no>",
          ar=(pass_for("xn--blbr-roah.no"),)),
    legit("idna-punycode-from-upper-case-ar", OLA, sender="Ola <ola@xn--blbr-roah.no>",
          ar=(pass_for("XN--BLBR-ROAH.NO"),)),
    legit("quoted-local-part", sender='Kari <"kari.nordmann"@contoso.no>'),
    legit("quoted-local-part-bare", sender='"kari.nordmann"@contoso.no'),
    legit("display-name-encoded-words", sender=f"=?utf-8?q?Kari_Nordmann_=28IT=2C_Oslo=29?= <{KARI}>"),
    legit("display-name-encoded-latin1", sender=f"=?iso-8859-1?q?Kari_N=F8rdmann?= <{KARI}>"),
    legit("display-name-quoted-with-comma", sender=f'"Nordmann, Kari" <{KARI}>'),
    legit("display-name-with-initial", sender=f"Kari A. Nordmann <{KARI}>"),
    legit("folded-from", sender=f"Kari Nordmann\r\n <{KARI}>"),
    legit("comment-after-address", sender=f"{KARI} (Kari Nordmann)"),
    legit("bare-address", sender=KARI),
    legit("lf-line-ends", eol="\n"),
    legit("reply-to-elsewhere", extra=("Reply-To: someone.else@evil.example",)),
    legit("sender-of-a-secretary", extra=("Sender: secretary@contoso.no",)),
    legit("return-path-policy", policy="return_path", top=(f"Return-Path: <{KARI}>",)),
]


RENDERER = Renderer(Knowledge.load().graph)


def desk_config(policy: str):
    return config_module.from_dict({"policy": {**POLICY, "reply_address": policy}})


@pytest.fixture(scope="module")
def classifiers():
    return {policy: Classifier(desk_config(policy)) for policy in ("from", "return_path")}


def reply_addresses(mail, decision, config) -> set[str]:
    """Every address the reply would carry (To, Cc, Bcc) and its envelope; empty when there is no reply."""
    draft = RENDERER.draft(decision, mail)
    if draft is None:
        return set()
    try:
        envelope = compose.reply_recipient(mail, config)
        message = compose.compose_reply(mail, decision, draft, config, "reply@contoso.no")
    except compose.ComposeError:
        return set()
    sent = email.message_from_bytes(compose.as_bytes(message), policy=email.policy.default)
    found = {envelope}
    for name in ("To", "Cc", "Bcc"):
        for value in sent.get_all(name) or []:
            found.update(address.addr_spec for address in value.addresses)
    return found


def test_the_suite_is_large_and_names_each_case():
    assert len(SPOOFS) >= 60
    ids = [case.id for case in SPOOFS + LEGIT]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case_id, raw, real, policy", SPOOFS)
def test_spoof_is_never_authorized_nor_answered_elsewhere(classifiers, case_id, raw, real, policy):
    config = desk_config(policy)
    mail = parse_message(raw)
    decision = classifiers[policy].classify(mail)
    facts = decision.facts
    assert decision.action != "approval_requested", facts["verification"]
    assert not facts["sender_verified"] or mail.from_addr != KARI
    if real == AMBIGUOUS:
        assert mail.identity_problem(policy), mail.from_addr
        assert facts["identity_error"] and facts["verification"].startswith("sender identity ambiguous")
        assert not facts["sender_verified"] and not facts["requester_listed"]
        with pytest.raises(compose.ComposeError):
            compose.reply_recipient(mail, config)
        assert reply_addresses(mail, decision, config) == set()
    else:
        assert not mail.identity_problem(policy), mail.identity_problem(policy)
        assert mail.from_addr == real
        # A non-ASCII local part cannot be answered at all (no SMTPUTF8): then there is no reply.
        allowed = {compose.ascii_address(real)} if real.isascii() else set()
        assert reply_addresses(mail, decision, config) <= allowed


@pytest.mark.parametrize("case_id, raw, expected, policy", LEGIT)
def test_legitimate_variant_is_verified_and_authorized(classifiers, case_id, raw, expected, policy):
    config = desk_config(policy)
    mail = parse_message(raw)
    decision = classifiers[policy].classify(mail)
    assert mail.from_addr == expected and not mail.identity_error
    assert decision.facts["sender_verified"], decision.facts["verification"]
    assert decision.facts["requester_listed"]
    assert decision.action == "approval_requested"
    assert reply_addresses(mail, decision, config) == {expected}


# ------------------------------------------------------------------ the real service


def _by_key(store: Store, table: str, key: str) -> list[dict]:
    return list(store.db[table].rows_where("message_key = ?", [key]))


@pytest.mark.parametrize("policy", ["from", "return_path"])
def test_spoofs_through_the_service(tmp_path, policy):
    spoofs = [case.values for case in SPOOFS if case.values[3] == policy]
    legits = [case.values for case in LEGIT if case.values[3] == policy]
    config_path = write_config(tmp_path, policy={**POLICY, "reply_address": policy},
                               escalation={"address": "human@contoso.no"},
                               limits={"replies_per_sender": 1000, "same_guidance_window_minutes": 1})
    inbox = tmp_path / "var" / "maildir"
    for case_id, raw, _, _ in spoofs + legits:
        drop(inbox, raw, f"{case_id}.eml")
    result = run_desk(config_path)
    assert result.returncode == 0, result.stderr[-3000:]

    store = Store(tmp_path / "var" / "resetdesk.db")
    assert store.db["messages"].count == len(spoofs) + len(legits)
    events = store.audit_rows()
    needs_human = {email.message_from_bytes(path.read_bytes())["Message-ID"]
                   for path in (inbox / ".resetdesk.needs-human" / "cur").iterdir()}
    for case_id, _, real, _ in spoofs:
        key = f"mid:{case_id}@spoof.test"
        row = store.message(key)
        assert row is not None, case_id
        mine = [e for e in events if e["message_key"] == key]
        assert not [e for e in mine if e["event"] == "approval_pending"], case_id
        outbox = _by_key(store, "outbox", key)
        if real == AMBIGUOUS:
            assert row["status"] == "parked" and row["role"] == "needs_human", (case_id, row)
            assert row["error"].startswith("sender identity ambiguous: "), row["error"]
            assert f"<{case_id}@spoof.test>" in needs_human
            [parked] = [e for e in mine if e["event"] == "parked"]
            assert parked["detail"]["error"] == row["error"]
            [decision] = _by_key(store, "decisions", key)
            facts = json.loads(decision["facts"])
            assert facts["identity_error"] and not facts["sender_verified"] and not facts["requester_listed"]
            assert outbox == [], case_id           # no reply, and no forward either
        else:
            assert not (row["error"] or "").startswith("sender identity ambiguous"), case_id
            for entry in outbox:
                allowed = {"human@contoso.no"} if entry["kind"] == "escalation" else {compose.ascii_address(real)}
                assert entry["recipient"] in allowed, (case_id, entry["recipient"])
    for case_id, _, expected, _ in legits:
        key = f"mid:{case_id}@spoof.test"
        assert [e for e in events if e["message_key"] == key and e["event"] == "approval_pending"], case_id
        rows = _by_key(store, "outbox", key)
        # The reply goes to the requester; the approval flow's mails go to the approvers alone.
        assert {entry["recipient"] for entry in rows if entry["kind"] == "reply"} == {expected}
        assert {entry["recipient"] for entry in rows if entry["kind"] != "reply"} <= set(POLICY["approvers"])
    store.close()
