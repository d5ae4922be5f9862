"""Flood and loop protection: who is never answered, and how many answers are allowed."""

from __future__ import annotations

from datetime import timedelta

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


def test_defaults_stop_loops_per_sender_and_carry_a_busy_morning():
    defaults = config_module.load(None).limits
    # Per sender and per thread, where loops start: at least as strict as Zammad's 10 per 10 minutes per ticket.
    assert defaults.replies_per_sender / defaults.sender_window_minutes <= 10 / 10
    assert defaults.replies_per_thread <= 10
    # The desk-wide fuse carries 120 people in one morning's hour several times over, within
    # Exchange Online's own sending rate for one mailbox (30 messages a minute).
    assert defaults.replies_total >= 2 * 120
    assert defaults.replies_total / defaults.total_window_minutes <= 30


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
    # Over the fuse a reply waits its turn: deferred, not held for a person.
    assert verdict.outcome == limits.DEFERRED and "automatic mails" in verdict.reason
    assert verdict.due_at == clock.now + timedelta(minutes=CONFIG.limits.total_window_minutes)
    assert limits.check_total(store, CONFIG).outcome == limits.DEFERRED
    clock.advance(minutes=CONFIG.limits.total_window_minutes + 1)
    assert limits.check_total(store, CONFIG).allowed


# ------------------------------------------------------- one owner of the machine-mail signals

@pytest.mark.parametrize("headers, signal", [
    ("Auto-Submitted: auto-generated\r\n", "Auto-Submitted"),
    ("Return-Path: <>\r\n", "null Return-Path"),
    ("Precedence: auto_reply\r\n", "Precedence"),          # the classifier's alone before
    ("List-Archive: <https://lists.contoso.no/it>\r\n", "mailing list"),   # the limits' alone before
    ("X-Autoreply: yes\r\n", "x-autoreply"),
    ("X-Resetdesk-Loop: help@contoso.no\r\n", "loop marker"),
    ("X-Loop: help@contoso.no\r\n", "our own loop"),
    ("X-Loop: Help Desk <HELP@contoso.no>\r\n", "our own loop"),
])
def test_the_classifier_and_the_limits_read_the_same_signals(store, headers, signal):
    from resetdesk.rules.engine import Knowledge
    from resetdesk.rules.facts import FactExtractor

    message = mail(headers=headers)
    strong, _ = FactExtractor(CONFIG, Knowledge.load().lexicon).machine_signals(message)
    assert any(signal in s for s in strong), strong
    verdict = limits.check_reply(store, CONFIG, message, "anna@contoso.no", "sspr.nb")
    assert verdict.outcome == limits.SUPPRESSED and signal in verdict.reason


def test_an_x_loop_of_someone_else_is_not_ours(store):
    from resetdesk.rules import machine

    message = mail(headers="X-Loop: tickets@fabrikam.example\r\n")
    assert machine.header_signals(message, limits.own_addresses(CONFIG)) == []
    assert limits.check_reply(store, CONFIG, message, "anna@contoso.no", "sspr.nb").allowed


def test_a_mail_with_our_x_loop_is_ignored_by_the_classifier():
    from resetdesk.rules.engine import Classifier

    decision = Classifier(CONFIG).classify(mail(headers="X-Loop: help@contoso.no\r\n"))
    assert decision.action == "ignore" and decision.facts["machine_mail"]
    assert "machine-mail" in [rule.name for rule in decision.rules]


# ------------------------------------------------------- loops stopped where they start

def test_per_thread_limit_holds_a_thread_that_keeps_going(store):
    # Our replies r1..r3 in one thread, each to a different address (a ticket system's per-ticket From).
    ours = []
    for n in range(CONFIG.limits.replies_per_thread):
        sent_reply(store, recipient=f"ticket{n}@fabrikam.example", template=f"t{n}")
        ours.append(store.outbox_rows()[-1].message_id)
    references = "References: " + " ".join(f"<{m}>" for m in ours) + f"\r\nIn-Reply-To: <{ours[-1]}>\r\n"
    verdict = limits.check_reply(store, CONFIG, mail("ticket9@fabrikam.example", references),
                                 "ticket9@fabrikam.example", "new-guidance")
    assert verdict.outcome == limits.HELD and "in this thread" in verdict.reason
    # One reply fewer in the thread: answered.
    shorter = "References: " + " ".join(f"<{m}>" for m in ours[:-1]) + "\r\n"
    assert limits.check_reply(store, CONFIG, mail("ticket9@fabrikam.example", shorter),
                              "ticket9@fabrikam.example", "new-guidance").allowed


def test_held_replies_do_not_count_in_a_thread(store):
    ours = []
    for n in range(CONFIG.limits.replies_per_thread):
        sent_reply(store, recipient=f"t{n}@fabrikam.example", template=f"t{n}", status="held")
        ours.append(store.outbox_rows()[-1].message_id)
    references = "References: " + " ".join(f"<{m}>" for m in ours) + "\r\n"
    assert limits.check_reply(store, CONFIG, mail("x@fabrikam.example", references), "x@fabrikam.example",
                              "g").allowed


REQUESTER = config_module.from_dict({"policy": {"desk_address": "help@contoso.no",
                                                "requesters": ["it-lead@contoso.no"]}})


def test_a_requester_asking_seven_times_an_hour_is_acknowledged_each_time(store, clock):
    for n in range(7):
        verdict = limits.check_reply(store, REQUESTER, mail("it-lead@contoso.no"), "it-lead@contoso.no",
                                     "admin_reset.nb")
        assert verdict.allowed, (n, verdict)
        sent_reply(store, recipient="it-lead@contoso.no", template="admin_reset.nb")
        clock.advance(minutes=8)
    # Someone not on the list sending the same is held at the second (the same guidance).
    sent_reply(store, recipient="ola@contoso.no", template="admin_reset.nb")
    assert limits.check_reply(store, REQUESTER, mail("ola@contoso.no"), "ola@contoso.no",
                              "admin_reset.nb").outcome == limits.HELD


def test_a_requester_has_a_cap_too(store):
    cap = REQUESTER.limits.replies_per_requester
    for _ in range(cap):
        sent_reply(store, recipient="it-lead@contoso.no", template="admin_reset.nb")
    verdict = limits.check_reply(store, REQUESTER, mail("it-lead@contoso.no"), "it-lead@contoso.no",
                                 "admin_reset.nb")
    assert verdict.outcome == limits.HELD and f"limit {cap}" in verdict.reason


# ------------------------------------------------------- the fuse: over it, mail waits its turn

SMALL_FUSE = config_module.from_dict({"policy": {"desk_address": "help@contoso.no"},
                                      "limits": {"replies_total": 3, "total_window_minutes": 10}})


def queue_with(store, verdict, n):
    with store.transaction():
        store.add_message(f"f{n}", mailbox="m", uid=str(n), uidvalidity=None, sender=f"p{n}@x.no", subject="s",
                          size=1, status="decided", role="answered")
        return store.queue(message_key=f"f{n}", kind="reply", recipient=f"p{n}@x.no", envelope_from="d@x",
                           message_id=f"fuse{n}@x", raw=b"x", status="queued", due_at=verdict.due_at)


def test_over_the_fuse_replies_are_due_when_the_window_allows(store, clock):
    start = clock.now
    dues = []
    for n in range(8):
        verdict = limits.check_total(store, SMALL_FUSE)
        assert verdict.outcome in (None, limits.DEFERRED)
        queue_with(store, verdict, n)
        dues.append(verdict.due_at)
        clock.advance(seconds=1)
    window = timedelta(minutes=10)
    # Three now; then three a window later, each ten minutes after the one three places before it.
    assert dues[:3] == [None, None, None]
    assert dues[3:6] == [start + window, start + timedelta(seconds=1) + window, start + timedelta(seconds=2) + window]
    assert dues[6] == start + 2 * window
    # Only the first three are due now; the rest go by themselves, three per window.
    assert [r.message_id for r in store.due()] == ["fuse0@x", "fuse1@x", "fuse2@x"]
    clock.now = start + window
    assert [r.message_id for r in store.due()][-1] == "fuse3@x"
    clock.now = start + 3 * window
    assert len(store.due()) == 8


def test_the_fuse_counts_a_sent_row_where_it_went(store, clock):
    """A deferred row keeps its place in the window once sent: the window cannot fill twice."""
    start = clock.now
    for n in range(4):
        queue_with(store, limits.check_total(store, SMALL_FUSE), n)
    [deferred] = [r for r in store.outbox_rows() if r.next_attempt_at > store.outbox_rows()[0].next_attempt_at]
    for row in store.outbox_rows()[:3]:
        store.mark_sending(row.id)
        store.mark_sent(row.id)
    clock.now = start + timedelta(minutes=10)
    store.mark_sending(deferred.id)
    store.mark_sent(deferred.id)
    clock.advance(minutes=1)
    # In the last ten minutes one went (the deferred one): two more may go now, the third waits.
    assert limits.check_total(store, SMALL_FUSE).allowed
    queue_with(store, limits.GO, 10)
    queue_with(store, limits.GO, 11)
    later = limits.check_total(store, SMALL_FUSE)
    assert later.outcome == limits.DEFERRED and later.due_at == start + timedelta(minutes=20)


def test_no_fuse_with_a_zero_window(store):
    config = config_module.from_dict({"limits": {"replies_total": 1, "total_window_minutes": 0}})
    for n in range(3):
        queue_with(store, limits.check_total(store, config), n)
    assert limits.check_total(store, config).allowed
