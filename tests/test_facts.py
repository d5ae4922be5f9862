"""Facts: RFC 8601 sender verification, RFC 3834 machine mail, language, named accounts."""

import pytest

from resetdesk import config
from resetdesk.intake.parse import parse_message
from resetdesk.rules.engine import Knowledge
from resetdesk.rules.facts import FactExtractor, verify_sender

POLICY = config.from_dict({"policy": {
    "desk_address": "help@resetdesk.example",
    "trusted_authserv_ids": ["mx.resetdesk.example"],
    "requesters": ["kari@contoso.no"],
}})


@pytest.fixture(scope="module")
def extractor():
    return FactExtractor(POLICY, Knowledge.load().lexicon)


def mail(headers="", body="Hei, jeg har glemt passordet mitt.", sender="Kari <kari@contoso.no>", subject="Hjelp"):
    raw = f"{headers}From: {sender}\nTo: help@resetdesk.example\nSubject: {subject}\nMessage-ID: <m@x>\n\n{body}\n"
    return parse_message(raw.encode("utf-8"))


GOOD = ("Authentication-Results: mx.resetdesk.example; spf=pass smtp.mailfrom=contoso.no; "
        "dkim=pass header.d=contoso.no; dmarc=pass (p=reject) action=none header.from=contoso.no\n")


@pytest.mark.parametrize("headers, verified", [
    (GOOD, True),
    ("", False),
    (GOOD.replace("dmarc=pass", "dmarc=fail"), False),
    (GOOD.replace("mx.resetdesk.example", "mx.evil.example"), False),
    (GOOD.replace("header.from=contoso.no", "header.from=evil.example"), False),
    # Only the topmost trusted header counts: a forged pass below a real fail loses.
    (GOOD.replace("dmarc=pass", "dmarc=fail") + GOOD, False),
    # An untrusted header above the trusted one is skipped, not believed.
    (GOOD.replace("mx.resetdesk.example", "mx.evil.example").replace("pass", "fail") + GOOD, True),
    # Exchange Online's form without an authserv-id is not trusted by name.
    ("Authentication-Results: spf=pass smtp.mailfrom=contoso.no; dmarc=pass action=none header.from=contoso.no\n",
     False),
])
def test_sender_verification(headers, verified):
    ok, why = verify_sender(mail(headers), ("mx.resetdesk.example",))
    assert ok is verified, why


def test_authentication_results_inside_an_attached_message_do_not_count():
    raw = ("From: kari@contoso.no\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
           "Content-Type: text/plain\n\nPlease reset the password for ola@contoso.no\n--B\n"
           "Content-Type: message/rfc822\n\n" + GOOD + "From: kari@contoso.no\nSubject: old\n\nold\n--B--\n")
    assert verify_sender(parse_message(raw.encode()), ("mx.resetdesk.example",))[0] is False


@pytest.mark.parametrize("headers, sender, subject, signal", [
    ("Auto-Submitted: auto-replied\n", "Kari <kari@contoso.no>", "Hjelp", "Auto-Submitted"),
    ("Auto-Submitted: no\n", "Kari <kari@contoso.no>", "Hjelp", None),
    ("Precedence: bulk\n", "Kari <kari@contoso.no>", "Hjelp", "Precedence"),
    ("List-Id: <it.lists.contoso.no>\n", "Kari <kari@contoso.no>", "Hjelp", "list-id"),
    ("Return-Path: <>\n", "Kari <kari@contoso.no>", "Hjelp", "null Return-Path"),
    ("", "MAILER-DAEMON@mx.contoso.no", "Hjelp", "robot sender"),
    ("", "no-reply@contoso.no", "Hjelp", "robot sender"),
    ("", "help@resetdesk.example", "Hjelp", "sent by the desk itself"),
    ("X-Resetdesk-Loop: help@resetdesk.example\n", "Kari <kari@contoso.no>", "Hjelp", "our loop marker"),
    ("", "Kari <kari@contoso.no>", "Automatisk svar: Hjelp", "machine subject"),
    ("", "Kari <kari@contoso.no>", "Automatic reply: Hjelp", "machine subject"),
    ("", "Kari <kari@contoso.no>", "Out of Office: back Monday", "machine subject"),
])
def test_machine_mail_signals(extractor, headers, sender, subject, signal):
    facts = extractor.extract(mail(headers, sender=sender, subject=subject))
    if signal is None:
        assert not facts.flags["machine_mail"], facts.machine_signals
    else:
        assert facts.flags["machine_mail"]
        assert any(signal in s for s in facts.machine_signals), facts.machine_signals


@pytest.mark.parametrize("body, language", [
    ("Hei, jeg har glemt passordet mitt og kommer ikke inn.", "nb"),
    ("Hei, eg har gløymt passordet mitt og kjem ikkje inn.", "nb"),
    ("hei, har glemt passordet, kommer ikke inn paa mailen", "nb"),
    ("Hi, I forgot my password and cannot sign in.", "en"),
    ("Hi Bjørn, I forgot my password and I can't log in to Teams.", "en"),
])
def test_language(extractor, body, language):
    assert extractor.extract(mail(body=body)).language == language


def test_quoted_text_does_not_decide_language_or_intent(extractor):
    body = ("I am still signed in on my laptop.\n\n"
            "Den 1. nov. skrev Kari:\n> Jeg har glemt brukernavnet mitt og passordet")
    facts = extractor.extract(mail(body=body))
    assert facts.language == "en"
    assert facts.flags["signed_in"] and not facts.flags["forgot_username"]


def test_named_accounts_exclude_sender_and_desk(extractor):
    facts = extractor.extract(
        mail(body="Please reset the password for Ola.Hansen@contoso.no, cc help@resetdesk.example"))
    assert facts.targets == ["ola.hansen@contoso.no"]
    assert facts.flags["reset_request"]


def test_requester_listed_follows_the_policy(extractor):
    assert extractor.extract(mail()).flags["requester_listed"] is True
    assert extractor.extract(mail(sender="ola@contoso.no")).flags["requester_listed"] is False


def test_subject_speaks_only_when_the_body_is_silent(extractor):
    silent = extractor.extract(mail(body="Se emnefeltet.", subject="Glemt passord"))
    assert silent.flags["password_lost"]
    contradicted = extractor.extract(mail(body="I don't know my username, which email do I log in with?",
                                          subject="Forgot password"))
    assert contradicted.flags["forgot_username"] and not contradicted.flags["password_lost"]


@pytest.mark.parametrize("headers, why", [
    ("Authentication-Results: mx.resetdesk.example; dmarc=pass header.from=contoso.no (unclosed\n", "unparseable"),
    ("Authentication-Results: mx.resetdesk.example; spf=pass\n", "no dmarc result"),
    (GOOD.replace("dmarc=pass", "dmarc=bestguesspass"), "dmarc=bestguesspass header.from=contoso.no"),
    ("Authentication-Results: =?us-ascii?q?mx.resetdesk.example=3B_dmarc=3Dpass_header.from=3Dcontoso.no?=\n",
     "no Authentication-Results header from a trusted authserv-id"),
])
def test_why_a_sender_is_not_verified(headers, why):
    ok, reason = verify_sender(mail(headers), ("mx.resetdesk.example",))
    assert not ok and why in reason


def test_ambiguous_identity_is_neither_verified_nor_listed(extractor):
    facts = extractor.extract(mail(GOOD, sender="kari@contoso.no, mallory@contoso.no"))
    assert not facts.flags["sender_verified"] and not facts.flags["requester_listed"]
    assert facts.identity_error and facts.verification.startswith("sender identity ambiguous")
    assert facts.as_dict()["identity_error"] == facts.identity_error


def test_requesters_and_header_from_compare_in_canonical_form():
    policy = config.from_dict({"policy": {"trusted_authserv_ids": ["MX.Resetdesk.Example."],
                                          "requesters": ["Ola@BLÅBÆR.no"]}})
    extractor = FactExtractor(policy, Knowledge.load().lexicon)
    headers = "Authentication-Results: mx.resetdesk.example; dmarc=pass header.from=blåbær.no.\n"
    # authres reads ASCII only: a U-label in header.from is unparseable, an A-label is not.
    assert not extractor.extract(mail(headers, sender="Ola <ola@xn--blbr-roah.no>")).flags["sender_verified"]
    facts = extractor.extract(mail(headers.replace("blåbær.no.", "XN--BLBR-ROAH.NO."), sender="Ola <ola@blåbær.no>"))
    assert facts.flags["sender_verified"] and facts.flags["requester_listed"], facts.verification
