"""A burst of real mail is answered; loops are still stopped where they start.

Through the real servers (Dovecot for IMAP, aiosmtpd for SMTP) and with the
shipped limits, unless a test says otherwise.
"""

from __future__ import annotations

import collections
import email.utils
import json

import pytest

from resetdesk import config as config_module
from resetdesk.service import Desk
from resetdesk.store import Store
from test_service_maildir import config_from_servers, drop, make_mail, outbox_messages, run_desk, write_config
from conftest import Clock

pytestmark = pytest.mark.servers

PLEAS = [
    ("Glemt passord", "Hei, jeg har glemt passordet og kommer ikke inn på e-posten.\n"),
    ("Forgot password", "I forgot my password and cannot sign in.\n"),
    ("Passord", "Passordet mitt har gått ut og jeg kommer ikke inn i Teams.\n"),
    ("Password", "Hi, I can't remember my password for Outlook. Please help.\n"),
    ("Brukernavn", "Jeg husker ikke brukernavnet mitt, hvilken adresse logger jeg på med?\n"),
    ("Still signed in", "I forgot my password but I'm still signed in on my phone.\n"),
]
PEOPLE = 120


def burst(dovecot, count=PEOPLE):
    senders = []
    with dovecot.client() as imap:
        for n in range(count):
            subject, body = PLEAS[n % len(PLEAS)]
            sender = f"person{n:03d}@contoso.no"
            imap.append("INBOX", make_mail(sender=f"Person {n} <{sender}>", subject=subject, body=body,
                                           message_id=f"<burst{n}@contoso.no>"))
            senders.append(sender)
    return senders


def limit_events(store: Store) -> list[dict]:
    return [r for r in store.audit_rows() if r["event"] in ("reply_held", "reply_deferred", "parked",
                                                            "delivery_held", "escalation_held")]


def test_a_morning_of_120_people_is_answered_once_each_with_the_shipped_defaults(tmp_path, desk_config,
                                                                                dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    assert "limits" not in config_path.read_text()          # the shipped defaults
    senders = burst(dovecot)

    result = run_desk(config_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    received = smtp.wait_for(PEOPLE, timeout=30)
    answered = collections.Counter(r for mail in received for r in mail.rcpt_tos)
    assert answered == collections.Counter(senders), "every person answered exactly once"

    store = Store(tmp_path / "var" / "resetdesk.db")
    try:
        assert limit_events(store) == []
        assert {(r["status"], r["role"]) for r in store.db["messages"].rows} == {("done", "answered")}
        assert {r.status for r in store.outbox_rows()} == {"sent"}
    finally:
        store.close()
    assert dovecot.folder_uids("INBOX") == []
    assert len(dovecot.folder_uids("resetdesk.answered")) == PEOPLE
    assert not [f for f in dovecot.folders() if f.endswith("needs-human") and dovecot.folder_uids(f)]

    again = run_desk(config_path)                   # nothing new: nothing sent
    assert again.returncode == 0, again.stderr
    assert len(smtp.messages) == PEOPLE


def test_over_a_small_fuse_the_burst_waits_and_goes_out_by_itself(tmp_path, desk_config, dovecot, smtp):
    """replies_total = 50 per 10 minutes: 120 people are answered in three windows, none parked."""
    config = config_module.load(config_from_servers(tmp_path, desk_config, dovecot, smtp,
                                                    limits={"replies_total": 50, "total_window_minutes": 10}))
    clock = Clock()
    desk = Desk(config, store=Store(config.resolve_path(config.store.path), clock=clock))
    senders = burst(dovecot)
    try:
        assert desk.run(once=True) == 0
        assert len(smtp.wait_for(50)) == 50
        rows = desk.store.outbox_rows()
        assert collections.Counter(r.status for r in rows) == {"sent": 50, "queued": 70}
        deferred = [r for r in desk.store.audit_rows() if r["event"] == "reply_deferred"]
        assert len(deferred) == 70 and "waits until" in deferred[0]["detail"]["reason"]
        # The messages are answered (their replies wait their turn), not parked for a person.
        assert {(r["status"], r["role"]) for r in desk.store.db["messages"].rows} == {("done", "answered")}
        assert dovecot.folder_uids("INBOX") == []

        assert desk.run(once=True) == 0                     # still inside the window: nothing more goes
        assert len(smtp.messages) == 50
        clock.advance(minutes=10)
        desk.run(once=True)
        assert len(smtp.wait_for(100)) == 100
        clock.advance(minutes=10)
        desk.run(once=True)
        received = smtp.wait_for(PEOPLE)
        assert collections.Counter(r for mail in received for r in mail.rcpt_tos) == collections.Counter(senders)
        assert {r.status for r in desk.store.outbox_rows()} == {"sent"}
        assert [r for r in desk.store.audit_rows() if r["event"] in ("reply_held", "parked")] == []
    finally:
        desk.close()


def test_a_thread_hammering_from_ever_new_addresses_is_stopped_by_the_thread_limit(tmp_path, desk_config,
                                                                                   dovecot, smtp):
    """A ticket system that answers from a new address per ticket, keeping the thread's References."""
    config = config_module.load(config_from_servers(tmp_path, desk_config, dovecot, smtp))
    desk = Desk(config)
    dovecot.append(make_mail(sender="tickets@helpdesk.fabrikam.example", subject="Password reset",
                             message_id="<t0@fabrikam.example>",
                             body="Hello, I forgot my password and cannot sign in.\n"))
    references = ["<t0@fabrikam.example>"]
    answered, quiet = 0, 0
    try:
        for round_ in range(1, 15):
            desk.run(once=True)
            received = smtp.messages
            if len(received) == answered:
                quiet += 1
                if quiet == 3:
                    break
                continue
            for mail in received[answered:]:
                ours = mail.message()["Message-ID"]
                references.append(ours)
                dovecot.append(make_mail(
                    sender=f"ticket{round_}@helpdesk.fabrikam.example", subject=f"[Ticket #{round_}] Password reset",
                    message_id=email.utils.make_msgid(domain="fabrikam.example"),
                    body=f"Thank you for contacting Fabrikam. Your request is ticket #{round_}.\n",
                    headers={"In-Reply-To": ours, "References": " ".join(references)}))
            answered = len(received)
        assert quiet == 3, "the loop did not stop"
        assert answered == config.limits.replies_per_thread
        [held] = [r for r in desk.store.audit_rows() if r["event"] == "reply_held"]
        assert "in this thread" in held["detail"]["reason"]
        [needs_human] = [f for f in dovecot.folders() if f.endswith("needs-human")]
        assert len(dovecot.folder_uids(needs_human)) == 1      # what was held reaches a person
    finally:
        desk.close()


@pytest.mark.parametrize("same_guidance_minutes, expected", [(1440, 1), (0, 5)],
                         ids=["same-guidance-stops-it", "per-sender-limit-stops-it"])
def test_one_sender_hammering_is_still_stopped_with_the_shipped_fuse(tmp_path, desk_config, dovecot, smtp,
                                                                    same_guidance_minutes, expected):
    """The robot of test_service_imap, answering every reply with a fresh thread of its own."""
    config = config_module.load(config_from_servers(
        tmp_path, desk_config, dovecot, smtp, limits={"same_guidance_window_minutes": same_guidance_minutes}))
    robot = "tickets@helpdesk.fabrikam.example"
    desk = Desk(config)
    dovecot.append(make_mail(sender=robot, subject="Password reset", message_id="<r0@fabrikam.example>",
                             body="Hello, I forgot my password and cannot sign in.\n"))
    answered, quiet = 0, 0
    try:
        for round_ in range(1, 20):
            desk.run(once=True)
            received = smtp.messages
            if len(received) == answered:
                quiet += 1
                if quiet == 3:
                    break
                continue
            for _mail in received[answered:]:
                dovecot.append(make_mail(sender=robot, subject=f"[Ticket #{round_}] Password reset",
                                         message_id=email.utils.make_msgid(domain="fabrikam.example"),
                                         body=f"Ticket #{round_}: I forgot my password and cannot sign in.\n"))
            answered = len(received)
        assert quiet == 3 and answered == expected
    finally:
        desk.close()


def test_an_authorised_requester_sending_seven_requests_in_an_hour_gets_seven_acknowledgements(tmp_path):
    lead = "it-lead@contoso.no"
    config = config_module.load(write_config(
        tmp_path, policy={"desk_address": "help@resetdesk.example", "trusted_authserv_ids": ["mx.resetdesk.example"],
                          "requesters": [lead]}))
    clock = Clock()
    desk = Desk(config, store=Store(config.resolve_path(config.store.path), clock=clock))
    try:
        for n in range(7):
            drop(desk.source.root, make_mail(
                sender=f"IT Lead <{lead}>", subject=f"Reset for user{n}", message_id=f"<req{n}@contoso.no>",
                body=f"Please reset the password for user{n}@contoso.no, they are locked out.\n",
                headers={"Authentication-Results": "mx.resetdesk.example; dmarc=pass header.from=contoso.no"}))
            desk.run(once=True)
            clock.advance(minutes=8)
        decisions = [desk.store.decision(f"mid:req{n}@contoso.no") for n in range(7)]
        assert {d["action"] for d in decisions} == {"approval_requested"}
        assert [json.loads(d["targets"]) for d in decisions] == [[f"user{n}@contoso.no"] for n in range(7)]
        rows = desk.store.outbox_rows()
        # Seven acknowledgements, none held; the approval flow's later word on each
        # request (an outcome: no approver is configured here) goes out as well.
        assert [(r.recipient, r.status) for r in rows if r.kind == "reply"] == [(lead, "sent")] * 7
        assert {(r.kind, r.recipient, r.status) for r in rows} <= {("reply", lead, "sent"), ("outcome", lead, "sent")}
        assert len(outbox_messages(tmp_path / "var" / "outbox")) == len(rows)
        assert [r for r in desk.store.audit_rows() if r["event"] == "reply_held"] == []
    finally:
        desk.close()
