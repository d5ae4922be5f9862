"""Parsing: odd charsets, encoded words, HTML-only mail, broken input -> MailParseError."""

from pathlib import Path

import pytest

from resetdesk.errors import MailParseError
from resetdesk.intake.parse import decode_header_value, parse_message, stable_key


def test_headers_in_order_and_encoded_words_decoded():
    raw = (b"From: =?utf-8?q?Kj=C3=A6rsti_Ha=C3=B8?= <Kjaersti@Contoso.NO>\r\n"
           b"Authentication-Results: mx.a; dmarc=pass header.from=contoso.no\r\n"
           b"Authentication-Results: mx.b; dmarc=fail header.from=contoso.no\r\n"
           b"Subject: =?iso-8859-1?B?R2xlbXQgcGFzc29yZCBw5SBt5W5kYWc=?=\r\n"
           b"Message-ID: <abc@host>\r\nReply-To: other@evil.example\r\n\r\nHei\r\n")
    mail = parse_message(raw)
    assert mail.from_addr == "kjaersti@contoso.no"
    assert mail.from_name == "Kjærsti Haø"
    assert mail.subject == "Glemt passord på måndag"
    assert mail.reply_to == "other@evil.example"
    assert mail.header_all("authentication-results")[0].startswith("mx.a")
    assert mail.key == "mid:abc@host"


def test_undeclared_latin1_subject_keeps_its_letters():
    mail = parse_message(b"From: a@b.no\nSubject: R\xe6kker glemt\n\nx\n")
    assert mail.subject == "Rækker glemt"


def test_header_values_lose_cr_lf_and_nul():
    assert decode_header_value("a\r\n b\x00c") == "a bc"
    assert "\n" not in decode_header_value("=?utf-8?Q?a=0Ab?=")


def test_unknown_charset_degrades_without_raising():
    raw = (b"From: a@b.no\nSubject: =?x-klingon?Q?abc?=\nContent-Type: text/plain; charset=x-klingon\n\n"
           b"Jeg har glemt passordet\n")
    mail = parse_message(raw)
    assert "glemt passordet" in mail.text


def test_html_only_mail_becomes_text_with_quotes_marked():
    raw = (b"From: a@b.no\nSubject: hi\nContent-Type: text/html; charset=utf-8\n\n"
           b"<html><style>p{}</style><p>I forgot my&nbsp;password</p><blockquote>old text</blockquote></html>")
    mail = parse_message(raw)
    assert mail.html_only
    assert "I forgot my password" in mail.text
    assert "> old text" in mail.text
    assert "p{}" not in mail.text


def test_missing_message_id_gets_a_stable_hash_key():
    raw = b"From: a@b.no\nSubject: x\n\nbody\n"
    assert parse_message(raw).key == parse_message(raw).key == stable_key("", raw)
    assert parse_message(raw).key.startswith("sha256:")


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\x00\x01\x02garbage", b"just some text without headers\n"])
def test_garbage_is_a_clear_parse_error(raw):
    with pytest.raises(MailParseError):
        parse_message(raw)


def test_report_type_of_a_bounce():
    raw = (b"From: MAILER-DAEMON@mx.example\nSubject: Undeliverable\nContent-Type: multipart/report; "
           b"report-type=delivery-status; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nfailed\n"
           b"--XX\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n--XX--\n")
    mail = parse_message(raw)
    assert mail.content_type == "multipart/report"
    assert mail.report_type == "delivery-status"


def test_deeply_nested_mime_is_an_error_not_a_crash():
    depth = 3000
    parts = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(depth))
    raw = b"From: a@b.no\nSubject: deep\n" + parts + b"Content-Type: text/plain\n\nx\n"
    # A recursion that escaped would be a crash: it must come out as the parser's own error.
    with pytest.raises(MailParseError, match="unparseable"):
        parse_message(raw)


def test_body_parser_reads_what_mail_parser_reads():
    # The summary dicts are skipped; bodies, attachments and defects must not change.
    import email

    import mailparser

    from resetdesk.intake.parse import _BodyParser

    for path in sorted((Path(__file__).parent / "corpus" / "mail").glob("*.eml"))[:60]:
        raw = path.read_bytes()
        full, lean = mailparser.MailParser(email.message_from_bytes(raw)), _BodyParser(email.message_from_bytes(raw))
        assert (full.text_plain, full.text_html, full.defects) == (lean.text_plain, lean.text_html, lean.defects)
        assert [a["mail_content_type"] for a in full.attachments] == [a["mail_content_type"] for a in lean.attachments]
