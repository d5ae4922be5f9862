"""The strict sender identity: one RFC 5322 mailbox, canonical, or the reason there is none."""

from __future__ import annotations

import unicodedata

import pytest

from resetdesk.intake import parse
from resetdesk.intake.address import (AddressError, MAX_FIELD, canonical_domain, normalise_address,
                                      parse_mailbox, parse_path)
from resetdesk.intake.parse import bare_line_break, clean_header_text, parse_message


@pytest.mark.parametrize("value, address, name", [
    ("kari@contoso.no", "kari@contoso.no", ""),
    ("<Kari@Contoso.NO>", "kari@contoso.no", ""),
    ("Kari Nordmann <kari@contoso.no>", "kari@contoso.no", "Kari Nordmann"),
    ("Kari<kari@contoso.no>", "kari@contoso.no", "Kari"),
    ('"Nordmann, Kari" <kari@contoso.no>', "kari@contoso.no", "Nordmann, Kari"),
    ("Kari A. Nordmann <kari@contoso.no>", "kari@contoso.no", "Kari A. Nordmann"),
    ("=?utf-8?q?Kj=C3=A6rsti_Ha=C3=B8?= <kjaersti@contoso.no>", "kjaersti@contoso.no", "Kjærsti Haø"),
    ("Kjærsti <kjaersti@contoso.no>", "kjaersti@contoso.no", "Kjærsti"),             # RFC 6532 raw UTF-8
    ("Kari (IT) <kari@contoso.no> (Oslo)", "kari@contoso.no", "Kari"),
    ("kari@contoso.no (Kari Nordmann)", "kari@contoso.no", ""),
    ('"kari.nordmann"@contoso.no', "kari.nordmann@contoso.no", ""),
    ("Kari\r\n <kari@contoso.no>", "kari@contoso.no", "Kari"),                     # folded
    ("Ola <ola@blåbær.no>", "ola@xn--blbr-roah.no", "Ola"),
    ("Ola <ola@XN--BLBR-ROAH.NO>", "ola@xn--blbr-roah.no", "Ola"),
    ("Ola <ola@BLÅBÆR.NO>", "ola@xn--blbr-roah.no", "Ola"),
    ("Kari <kari@cоntoso.no>", "kari@xn--cntoso-wqf.no", "Kari"),                  # Cyrillic о: another domain
    ('"kari@contoso.no" <mallory@contoso.no>', "mallory@contoso.no", "kari@contoso.no"),
    ("=?us-ascii?q?kari=40contoso.no?= <mallory@contoso.no>", "mallory@contoso.no", "kari@contoso.no"),
])
def test_one_mailbox(value, address, name):
    assert parse_mailbox(value) == (address, name)


@pytest.mark.parametrize("value, why", [
    ("", "empty"),
    ("   ", "empty"),
    ("Kari Nordmann", "strict"),
    ("=?utf-8?q?kari?=@contoso.no", "encoded word"),
    ("=?utf-8?q?kari?= @contoso.no", "encoded word"),            # the stdlib decodes this without a defect
    ("Kari <=?utf-8?q?kari?=@contoso.no>", "encoded word"),
    ("kari@=?utf-8?q?contoso.no?=", "encoded word"),
    ("=?utf-8?q?K=0D=0ABcc=3A_x=40evil.example?= <kari@contoso.no>", "header injection"),
    ('"=?utf-8?q?K=0ABcc=3A_x=40evil.example?=" <kari@contoso.no>', "header injection"),
    ("kari@contoso.no, mallory@contoso.no", "list"),
    ("kari@contoso.no,", "list"),
    ("Friends: kari@contoso.no;", "group"),
    ("undisclosed-recipients:;", "group"),
    ("kari@contoso.no <mallory@contoso.no>", "strict"),
    ("kari@contoso.no)<mallory@contoso.no>", "strict"),
    ("<kari@contoso.no> <mallory@contoso.no>", "strict"),
    ("Kari <@relay.example:kari@contoso.no>", "route"),
    ("kari@[192.0.2.1]", "domain literal"),
    ('"kari nordmann"@contoso.no', "dot-atom"),
    ('"kari@contoso.no"@evil.example', "dot-atom"),
    ("kari@contoso.no.", "strict"),
    ("kari@localhost", "host name"),
    ("kari@contoso_no.example", "host name"),
    ("kari@ｃｏｎｔｏｓｏ.no", "international"),
    ("kari@xn--contoso-.no", "host name"),
    ("kari.nord\u200bmann@contoso.no", "dot-atom"),
    ("Kari <kari@contoso.no>\r\nBcc: victim@evil.example", "line break"),
    ("Kari <kari@contoso.no>\x00", "NUL"),
    ("K" * MAX_FIELD + " <kari@contoso.no>", "over"),
])
def test_refused(value, why):
    with pytest.raises(AddressError, match=why):
        parse_mailbox(value)


@pytest.mark.parametrize("value, path", [
    ("<>", ""), (" < > ", ""), ("<Kari@Contoso.no>", "kari@contoso.no"), ("kari@contoso.no", "kari@contoso.no"),
    ("<kari@blåbær.no>", "kari@xn--blbr-roah.no"),
])
def test_return_path(value, path):
    assert parse_path(value) == path


@pytest.mark.parametrize("value", ["<a@b.no>, <c@d.no>", "Kari <kari@contoso.no>", "<@relay.example:kari@contoso.no>",
                                   "<=?utf-8?q?kari?=@contoso.no>", "kari@contoso.no <x@y.no>", "<kari@contoso.no"])
def test_return_path_refused(value):
    with pytest.raises(AddressError):
        parse_path(value)


def test_canonical_domain_and_configured_addresses():
    assert canonical_domain("Contoso.NO.") == "contoso.no"
    assert canonical_domain("blåbær.no") == canonical_domain("XN--BLBR-ROAH.no") == "xn--blbr-roah.no"
    assert normalise_address(" Kari.Nordmann@BLÅBÆR.no ") == "kari.nordmann@xn--blbr-roah.no"
    assert normalise_address("not an address") == "not an address"


def mail(header_lines: list[str], eol: str = "\r\n") -> bytes:
    return (eol.join(header_lines + ["Subject: x", "Message-ID: <m@x>"]) + eol + eol + "Glemt passord" + eol).encode()


def test_parse_message_records_why_identity_is_ambiguous():
    good = parse_message(mail(["From: Kari <Kari@Contoso.no>", "Reply-To: other@evil.example"]))
    assert (good.from_addr, good.from_name, good.identity_error, good.reply_to) == (
        "kari@contoso.no", "Kari", "", "other@evil.example")
    two = parse_message(mail(["From: kari@contoso.no", "From: mallory@contoso.no"]))
    assert two.from_addr == "" and two.identity_error == "2 From header fields"
    lax = parse_message(mail(["From: kari@contoso.no <mallory@contoso.no>"]))
    assert lax.from_addr == "" and "From: kari@contoso.no <mallory@contoso.no>" in lax.identity_error
    smuggled = parse_message(mail(["X-Note: a\rFrom: kari@contoso.no", "From: mallory@contoso.no"]))
    assert smuggled.from_addr == "" and "bare CR or LF" in smuggled.identity_error
    assert smuggled.identity_problem() == smuggled.identity_error


def test_return_path_problems_matter_only_when_replies_go_there():
    mail_ = parse_message(mail(["Return-Path: <a@b.no>, <c@d.no>", "From: kari@contoso.no"]))
    assert mail_.return_path is None and mail_.return_path_error
    assert mail_.identity_problem("from") == "" and mail_.identity_problem("return_path")
    two = parse_message(mail(["Return-Path: <>", "Return-Path: <a@b.no>", "From: kari@contoso.no"]))
    assert two.return_path == "" and two.return_path_error == "2 Return-Path header fields"


@pytest.mark.parametrize("head, bare", [
    (b"From: a@b.no\r\nSubject: x\r\n\r\nbody\rmore\n", False),     # the body may hold anything
    (b"From: a@b.no\nSubject: x\n\nbody\r\n", False),               # LF-only (Maildir) is not bare
    (b"From: a@b.no\r\nX: a\rFrom: c@d.no\r\n\r\nbody", True),
    (b"From: a@b.no\r\nX: a\nFrom: c@d.no\r\n\r\nbody", True),      # LF in a CRLF header block
    (b"From: a@b.no\nX: a\rFrom: c@d.no\n\nbody", True),
    (b"From: a@b.no\r\nSubject: x\r\n", False),                     # no body at all
])
def test_bare_line_breaks_in_the_header_block(head, bare):
    assert bare_line_break(head) is bare


def test_format_controls_cover_unicode_category_cf():
    missing = [f"U+{code:04X}" for code in range(0x110000)
               if unicodedata.category(chr(code)) == "Cf" and clean_header_text(f"a{chr(code)}b") != "ab"]
    assert missing == []
    assert clean_header_text("Glemt \u202epassord\u2066 \u200f") == "Glemt passord"


def test_subject_loses_bidi_controls():
    raw = b"From: kari@contoso.no\r\nSubject: =?utf-8?q?Reset_=E2=80=AEdrowssap?=\r\n\r\nx\r\n"
    assert parse_message(raw).subject == "Reset drowssap"
    assert parse.decode_header_value("a\u2067b") == "ab"


@pytest.mark.parametrize("value", ["(" * 3000, "(" * 499 + ")" * 499, '"' * 998, "a" + "." * 3000, "(a)" * 332,
                                   '(",<' * 249, "\\" * 998, "a:" * 499, "=?x?q?a?= " * 99, "x" * 2000 + " <"])
def test_hostile_shapes_are_refused_not_raised(value):
    with pytest.raises(AddressError):
        parse_mailbox(value)


@pytest.mark.parametrize("head", [
    b"From: a@b.no\r\nX: a\r\rFrom: c@d.no\r\n\r\nbody",      # a CR-ended blank line the server never saw
    b"From: a@b.no\nX: a\n\rFrom: c@d.no\n\nbody",
    b"From: a@b.no\r\nSubject: x\r\n\nbody",                  # a CRLF block ended by a bare LF
])
def test_a_blank_line_made_of_a_bare_line_end_is_bare(head):
    assert bare_line_break(head)
