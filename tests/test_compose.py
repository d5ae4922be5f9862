"""Outgoing mail: headers an automatic responder must get right, and the escalation summary."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, UTC

import jinja2
import pytest

from resetdesk import config as config_module
from resetdesk.intake.message import InboundMail
from resetdesk.intake.parse import parse_message
from resetdesk.responders import compose
from resetdesk.responders.render import Draft
from resetdesk.rules.decision import Decision, FiredRule

RAW = (b"From: =?utf-8?q?=C3=85se_Berg?= <Ase.Berg@contoso.no>\r\n"
       b"Reply-To: someone-else@attacker.example\r\n"
       b"Return-Path: <bounces+ase@contoso.no>\r\n"
       b"To: help@contoso.no\r\n"
       b"Subject: SV: Glemt passord\r\n"
       b"Message-ID: <m2@contoso.no>\r\n"
       b"In-Reply-To: <m1@contoso.no>\r\n"
       b"References: <root@contoso.no> <m1@contoso.no>\r\n"
       b"Date: Mon, 02 Nov 2026 09:00:00 +0100\r\n"
       b"\r\nJeg har glemt passordet mitt.\r\n")


def config(**tables):
    tables.setdefault("policy", {"desk_address": "help@contoso.no"})
    return config_module.from_dict(tables)


def decision(**extra) -> Decision:
    return Decision("sspr", "reply", "nb", facts={"own_password_lost": True, "sender": "ase.berg@contoso.no"},
                    rules=[FiredRule("own-password-lost", "The sender says they lost their own password.")],
                    path=["start", "sspr"], **extra)


def draft(subject="Re: SV: Glemt passord") -> Draft:
    return Draft(subject, "Hei Åse,\nslik gjør du det.\n", "<p>Hei Åse</p>", "sspr.nb")


def reparse(message) -> email.message.EmailMessage:
    return email.message_from_bytes(compose.as_bytes(message), policy=email.policy.default)


def test_reply_headers():
    mail = parse_message(RAW)
    cfg = config()
    mid = compose.make_message_id(mail.key, "reply", cfg)
    sent = reparse(compose.compose_reply(mail, decision(), draft(), cfg, mid,
                                         now=datetime(2026, 11, 2, 9, 5, tzinfo=UTC)))
    assert sent["To"].addresses[0].addr_spec == "ase.berg@contoso.no"      # From, never Reply-To
    assert sent["To"].addresses[0].display_name == "Åse Berg"
    assert sent["From"] == "help@contoso.no"
    assert sent["Subject"] == "Re: Glemt passord"                          # SV: counts as the one prefix
    assert sent["In-Reply-To"] == "<m2@contoso.no>"
    assert sent["References"] == "<root@contoso.no> <m1@contoso.no> <m2@contoso.no>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    assert sent["X-Resetdesk-Loop"] == "help@contoso.no"
    assert sent["Message-ID"] == f"<{mid}>"
    assert sent["Date"] == "Mon, 02 Nov 2026 09:05:00 +0000"
    assert sent["Content-Language"] == "nb"
    assert sent.get_content_type() == "multipart/alternative"
    assert sent.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Hei Åse,\nslik gjør du det.\n"
    assert sent.get_body(("html",)).get_content().strip() == "<p>Hei Åse</p>"
    assert "someone-else" not in compose.as_bytes(compose.compose_reply(mail, decision(), draft(), cfg, mid)).decode()


def test_reply_bytes_are_crlf_and_seven_bit():
    mail = parse_message(RAW)
    raw = compose.as_bytes(compose.compose_reply(mail, decision(), draft(), config(), "x@contoso.no"))
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_return_path_policy_and_from_address():
    mail = parse_message(RAW)
    cfg = config(policy={"desk_address": "help@contoso.no", "reply_address": "return_path"},
                 smtp={"from_address": "noreply-desk@contoso.no"})
    sent = reparse(compose.compose_reply(mail, decision(), draft(), cfg, "x@contoso.no"))
    assert sent["To"].addresses[0].addr_spec == "bounces+ase@contoso.no"
    assert sent["From"] == "noreply-desk@contoso.no"
    assert sent["X-Resetdesk-Loop"] == "help@contoso.no"   # the marker names the desk, whatever the From


@pytest.mark.parametrize("subject, expected", [
    ("Glemt passord", "Re: Glemt passord"),
    ("Re: Glemt passord", "Re: Glemt passord"),
    ("RE: re: Glemt passord", "Re: Glemt passord"),
    ("Sv: Glemt passord", "Re: Glemt passord"),
    ("AW: Passwort vergessen", "Re: Passwort vergessen"),
    ("Re: SV: AW: loop", "Re: loop"),
])
def test_re_prefix_not_doubled(subject, expected):
    mail = parse_message(RAW)
    sent = reparse(compose.compose_reply(mail, decision(), draft(subject=subject), config(), "x@contoso.no"))
    assert sent["Subject"] == expected


def test_untrusted_header_text_cannot_inject_headers():
    mail = InboundMail(key="mid:evil@x", message_id="evil@x", from_addr="ola@contoso.no",
                       from_name="Ola\r\nBcc: victim@example.com", subject="hi",
                       text="", references=["a@x>\r\nBcc: victim2@example.com <b@x"])
    evil = draft(subject="Re: hi\r\nBcc: victim3@example.com\x00\u2028X-Evil: 1")
    raw = compose.as_bytes(compose.compose_reply(mail, decision(), evil, config(), "x@contoso.no"))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert [name for name in parsed.keys() if name.lower() == "bcc"] == []
    assert "\r\n" not in parsed["Subject"] and "\x00" not in str(parsed["Subject"])


def test_message_id_is_deterministic_per_row():
    cfg = config()
    first = compose.make_message_id("mid:m2@contoso.no", "reply", cfg)
    assert first == compose.make_message_id("mid:m2@contoso.no", "reply", cfg)
    assert first != compose.make_message_id("mid:m2@contoso.no", "escalation", cfg)
    assert first != compose.make_message_id("mid:m3@contoso.no", "reply", cfg)
    assert first.endswith("@contoso.no")


def test_no_message_id_means_no_in_reply_to():
    raw = RAW.replace(b"Message-ID: <m2@contoso.no>\r\n", b"")
    mail = parse_message(raw)
    sent = reparse(compose.compose_reply(mail, decision(), draft(), config(), "x@contoso.no"))
    assert sent["In-Reply-To"] is None and sent["References"] is None


def test_no_draft_or_no_address_is_an_error():
    mail = parse_message(RAW)
    with pytest.raises(compose.ComposeError):
        compose.compose_reply(mail, Decision("support", "escalate", "en"), None, config(), "x@contoso.no")
    mail.from_addr = ""
    with pytest.raises(compose.ComposeError):
        compose.compose_reply(mail, decision(), draft(), config(), "x@contoso.no")


def test_escalation_summary_and_original_attached():
    mail = parse_message(RAW)
    cfg = config(escalation={"address": "human@contoso.no"})
    d = decision()
    d.scenario, d.action = "support", "escalate"
    sent = reparse(compose.compose_escalation(mail, d, RAW, cfg, mail.key,
                                              compose.make_message_id(mail.key, "escalation", cfg)))
    assert sent["To"] == "human@contoso.no"
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["X-Resetdesk-Loop"] == "help@contoso.no"
    assert sent["Subject"] == "[resetdesk] support (escalate): SV: Glemt passord"
    summary = sent.get_body(("plain",)).get_content()
    assert "Scenario:  support" in summary
    assert "own-password-lost: The sender says they lost their own password." in summary
    assert "own_password_lost = True" in summary
    attached = [part for part in sent.iter_attachments() if part.get_content_type() == "message/rfc822"]
    assert len(attached) == 1
    assert RAW in compose.as_bytes(sent)     # the original's bytes, unchanged


def test_escalation_text_comes_from_the_templates_in_data(monkeypatch):
    """Edit the template files and the escalation says what they say: no wording lives in Python."""
    from resetdesk.responders import templates

    fake = {"escalation.txt.j2": "SUMMARY {{ key }} {{ decision.scenario }}\n",
            "escalation-subject.txt.j2": "SUBJECT {{ subject }}"}
    environment = jinja2.Environment(loader=jinja2.DictLoader(fake), undefined=jinja2.StrictUndefined)
    monkeypatch.setattr(templates, "environment", lambda directory=None: environment)
    mail = parse_message(RAW)
    cfg = config(escalation={"address": "human@contoso.no"})
    d = decision()
    d.scenario, d.action = "support", "escalate"
    sent = reparse(compose.compose_escalation(mail, d, RAW, cfg, mail.key, "e@contoso.no"))
    assert sent["Subject"] == "SUBJECT SV: Glemt passord"
    assert sent.get_body(("plain",)).get_content().strip() == f"SUMMARY {mail.key} support"


def test_international_domain_is_written_as_idna():
    mail = parse_message(RAW.replace(b"<Ase.Berg@contoso.no>", "<ase@blåbær.no>".encode()))
    sent = reparse(compose.compose_reply(mail, decision(), draft(), config(), "x@contoso.no"))
    assert compose.reply_recipient(mail, config()) == "ase@xn--blbr-roah.no"
    assert sent["To"].addresses[0].addr_spec == "ase@xn--blbr-roah.no"
    assert sent["To"].addresses[0].display_name == "Åse Berg"


def test_non_ascii_local_part_is_refused_not_mangled():
    mail = parse_message(RAW.replace(b"<Ase.Berg@contoso.no>", "<åse@contoso.no>".encode()))
    with pytest.raises(compose.ComposeError, match="SMTPUTF8"):
        compose.compose_reply(mail, decision(), draft(), config(), "x@contoso.no")


@pytest.mark.parametrize("address", ["two words@contoso.no", "a<b@contoso.no", "noat.contoso.no", "a@b@c"])
def test_unusable_addresses_are_refused(address):
    with pytest.raises(compose.ComposeError):
        compose.ascii_address(address)


def test_threading_headers_carry_only_valid_message_ids():
    mail = parse_message(RAW.replace(b"References: <root@contoso.no> <m1@contoso.no>",
                                     "References: <root@contoso.no> <no-at-sign> <a b@c> <ø@y> <a@b@c> "
                                     "<m1@contoso.no>".encode()))
    sent = reparse(compose.compose_reply(mail, decision(), draft(), config(), "x@contoso.no"))
    assert sent["References"] == "<root@contoso.no> <m1@contoso.no> <m2@contoso.no>"
    bad = parse_message(RAW.replace(b"Message-ID: <m2@contoso.no>", b"Message-ID: <not-an-id>"))
    sent = reparse(compose.compose_reply(bad, decision(), draft(), config(), "x@contoso.no"))
    assert sent["In-Reply-To"] is None and sent["References"] is None
    assert compose.valid_message_id("CAJ+a=b_c.d@mail.gmail.com") and compose.valid_message_id("x@[192.0.2.1]")
    assert not any(compose.valid_message_id(v) for v in ("a@b>", "a b@c", "a@b@c", "@b", "a@", "a\u202e@b", ""))


def test_bidi_and_format_characters_leave_headers_we_write():
    mail = parse_message(RAW)
    mail.from_name = "\u202eesÅ\u202c Berg\u200b"
    evil = draft(subject="Re: Glemt \u202epassord\u2066\u200e")
    sent = reparse(compose.compose_reply(mail, decision(), evil, config(), "x@contoso.no"))
    assert sent["Subject"] == "Re: Glemt passord"
    assert sent["To"].addresses[0].display_name == "esÅ Berg"


def test_no_reply_to_an_ambiguous_sender():
    mail = parse_message(RAW.replace(b"From: =?utf-8?q?=C3=85se_Berg?= <Ase.Berg@contoso.no>",
                                     b"From: ase.berg@contoso.no <mallory@contoso.no>"))
    assert mail.from_addr == "" and mail.identity_error
    with pytest.raises(compose.ComposeError, match="ambiguous"):
        compose.reply_recipient(mail, config())
    two_paths = parse_message(b"Return-Path: <a@contoso.no>\r\nReturn-Path: <b@contoso.no>\r\n" + RAW)
    cfg = config(policy={"desk_address": "help@contoso.no", "reply_address": "return_path"})
    with pytest.raises(compose.ComposeError, match="Return-Path"):
        compose.reply_recipient(two_paths, cfg)
    assert compose.reply_recipient(two_paths, config()) == "ase.berg@contoso.no"   # From policy: From decides
