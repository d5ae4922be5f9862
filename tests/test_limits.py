"""Flood and loop protection: who is never answered, and how many answers are allowed."""

from __future__ import annotations

import pytest

from resetdesk import config as config_module
from resetdesk.intake.parse import parse_message
from resetdesk.responders import limits


def mail(sender="anna@contoso.no", headers=""):
    return parse_message((f"From: {sender}\r\nTo: help@contoso.no\r\nSubject: passord\r\n"
                          f"Message-ID: <{id(headers)}.{sender}>\r\n{headers}\r\nhjelp\r\n").encode())


CONFIG = config_module.from_dict({"policy": {"desk_address": "help@contoso.no"},
                                  "smtp": {"from_address": "desk-sender@contoso.no"}})
_counter = iter(range(1, 10_000))


def sent_reply(store, recipient="anna@contoso.no", template="sspr.nb", kind="reply", status="queued"):
    n = next(_counter)
    with store.transaction():
        store.add_message(f"k{n}", mailbox="m", uid=str(n), uidvalidity=None, sender=recipient, subject="s",
                          size=1, status="decided", role="answered")
        store.queue(message_key=f"k{n}", kind=kind, recipient=recipient, envelope_from="d@x",
                    message_id=f"r{n}@x", raw=b"x", template=template, status=status)


def test_defaults_are_at_least_as_strict_as_zammad():
    defaults = config_module.load(None).limits
    # Zammad: 10 per 10 minutes per ticket, 30 per 10 minutes overall.
    assert defaults.replies_per_sender / defaults.sender_window_minutes <= 10 / 10
    assert defaults.replies_total / defaults.total_window_minutes <= 30 / 10


@pytest.mark.parametrize("address", [
    "postmaster@contoso.no", "MAILER-DAEMON@mx.contoso.no", "mailer_daemon@x.no", "no-reply@microsoft.com",
    "noreply@x.no", "no_reply@x.no", "do-not-reply@x.no", "donotreply@x.no", "noreply-billing@x.no",
    "noreply+tag@x.no",
])
def test_machine_addresses_are_never_answered(store, address):
    verdict = limits.check_reply(store, CONFIG, mail(address), address.lower(), "sspr.nb")
    assert verdict.outcome == limits.SUPPRESSED and "machine" in verdict.reason


@pytest.mark.parametrize("address", ["noreplyer@x.no", "anna.postmaster@x.no", "replies@x.no"])
def test_people_with_similar_names_are_answered(store, address):
    assert limits.check_reply(store, CONFIG, mail(address), address, "sspr.nb").allowed


@pytest.mark.parametrize("address", ["help@contoso.no", "desk-sender@contoso.no", "HELP@contoso.no"])
def test_the_desk_never_answers_itself(store, address):
    verdict = limits.check_reply(store, CONFIG, mail(address), address, "sspr.nb")
    assert verdict.outcome == limits.SUPPRESSED and "desk itself" in verdict.reason


@pytest.mark.parametrize("headers, reason", [
    ("Auto-Submitted: auto-replied\r\n", "Auto-Submitted"),
    ("Return-Path: <>\r\n", "null Return-Path"),
    ("X-Resetdesk-Loop: help@contoso.no\r\n", "loop marker"),
    ("List-Id: <users.lists.contoso.no>\r\n", "mailing list"),
    ("Precedence: bulk\r\n", "Precedence"),
])
def test_automatic_mail_is_never_answered(store, headers, reason):
    verdict = limits.check_reply(store, CONFIG, mail(headers=headers), "anna@contoso.no", "sspr.nb")
    assert verdict.outcome == limits.SUPPRESSED and reason in verdict.reason


def test_auto_submitted_no_is_a_person(store):
    assert limits.check_reply(store, CONFIG, mail(headers="Auto-Submitted: no\r\n"), "anna@contoso.no",
                              "sspr.nb").allowed


def test_same_guidance_is_held_within_its_window(store, clock):
    sent_reply(store, template="sspr.nb")
    verdict = limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "sspr.nb")
    assert verdict.outcome == limits.HELD and "same guidance" in verdict.reason
    assert limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "security_info.nb").allowed
    assert limits.check_reply(store, CONFIG, mail("ola@contoso.no"), "ola@contoso.no", "sspr.nb").allowed
    clock.advance(minutes=CONFIG.limits.same_guidance_window_minutes + 1)
    assert limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "sspr.nb").allowed


def test_per_sender_limit(store, clock):
    for n in range(CONFIG.limits.replies_per_sender):
        sent_reply(store, template=f"t{n}")
    verdict = limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "new-guidance")
    assert verdict.outcome == limits.HELD and "replies to anna@contoso.no" in verdict.reason
    clock.advance(minutes=CONFIG.limits.sender_window_minutes + 1)
    assert limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "new-guidance").allowed


def test_held_and_failed_rows_do_not_count(store):
    for n in range(CONFIG.limits.replies_per_sender + 2):
        sent_reply(store, template=f"t{n}", status="held")
    assert limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "t0").allowed


def test_total_limit_counts_escalations_too(store, clock):
    for n in range(CONFIG.limits.replies_total):
        sent_reply(store, recipient=f"p{n}@contoso.no", kind="escalation" if n % 2 else "reply")
    verdict = limits.check_reply(store, CONFIG, mail(), "anna@contoso.no", "sspr.nb")
    assert verdict.outcome == limits.HELD and "automatic mails" in verdict.reason
    assert limits.check_total(store, CONFIG).outcome == limits.HELD
    clock.advance(minutes=CONFIG.limits.total_window_minutes + 1)
    assert limits.check_total(store, CONFIG).allowed
