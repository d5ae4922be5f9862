"""The service against a real Dovecot (IMAP, IDLE) and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email.utils
import json
import signal
import time

import pytest

from resetdesk import config as config_module
from resetdesk.service import Desk
from resetdesk.store import Store
from test_service_maildir import DESK, config_from_servers, make_mail, run_desk, start_desk, wait_until

pytestmark = pytest.mark.servers


def test_appended_mail_gets_the_right_reply_once(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    dovecot.append(make_mail(sender="Kari Nordmann <kari@contoso.no>", message_id="<imap1@contoso.no>",
                             headers={"Reply-To": "thief@attacker.example",
                                      "References": "<older@contoso.no>"}))
    first = run_desk(config_path)
    assert first.returncode == 0, first.stderr
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ("kari@contoso.no",)
    reply = received.message()
    assert reply["To"].addresses[0].addr_spec == "kari@contoso.no"
    assert "thief" not in str(reply["To"]) and "thief" not in received.data.decode("ascii", "replace")
    assert reply["In-Reply-To"] == "<imap1@contoso.no>"
    assert reply["References"] == "<older@contoso.no> <imap1@contoso.no>"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Auto-Response-Suppress"] == "All"
    assert reply["X-Resetdesk-Loop"] == DESK
    assert received.mail_from == DESK
    assert dovecot.folder_uids("INBOX") == []
    assert [f for f in dovecot.folders() if f.endswith("answered")]

    second = run_desk(config_path)
    assert second.returncode == 0, second.stderr
    time.sleep(0.2)
    assert len(smtp.messages) == 1


def test_follow_up_gets_the_previous_scenario(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    dovecot.append(make_mail(message_id="<thread1@contoso.no>"))
    assert run_desk(config_path).returncode == 0
    ours = smtp.wait_for(1)[0].message()["Message-ID"]
    dovecot.append(make_mail(subject="Re: Glemt passord", message_id="<thread2@contoso.no>",
                             body="Det virket ikke, jeg kommer fortsatt ikke inn.\n",
                             headers={"In-Reply-To": ours, "References": f"<thread1@contoso.no> {ours}"}))
    assert run_desk(config_path).returncode == 0
    store = Store(tmp_path / "var" / "resetdesk.db")
    first, second = store.decision("mid:thread1@contoso.no"), store.decision("mid:thread2@contoso.no")
    assert second["previous_scenario"] == first["scenario"]
    assert "thread-follow-up" in [rule["name"] for rule in json.loads(second["rules"])]
    store.close()


@pytest.mark.parametrize("same_guidance_minutes, expected", [(1440, 1), (0, 5)],
                         ids=["same-guidance-stops-it", "per-sender-limit-stops-it"])
def test_a_loop_with_another_auto_responder_stops_within_the_limit(tmp_path, desk_config, dovecot, smtp,
                                                                    same_guidance_minutes, expected):
    """A ticket system that answers everything, without Auto-Submitted, in its own words."""
    config = config_module.load(config_from_servers(
        tmp_path, desk_config, dovecot, smtp,
        limits={"same_guidance_window_minutes": same_guidance_minutes, "replies_per_sender": 5}))
    robot = "tickets@helpdesk.fabrikam.example"
    desk = Desk(config)
    dovecot.append(make_mail(sender=robot, subject="Password reset", message_id="<robot0@fabrikam.example>",
                             body="Hello, I forgot my password and cannot sign in.\n"))
    answered = 0
    rounds_without_reply = 0
    for round_ in range(1, 20):
        desk.run(once=True)
        ours = [m for m in smtp.messages if m.rcpt_tos == (robot,)]
        if len(ours) == answered:
            rounds_without_reply += 1
            if rounds_without_reply == 3:
                break
            continue
        for mail in ours[answered:]:
            # The robot's own answer: new text, threaded, no Auto-Submitted, no Precedence.
            theirs = mail.message()
            dovecot.append(make_mail(
                sender=robot, subject=f"[Ticket #{round_}] {theirs['Subject']}",
                message_id=email.utils.make_msgid(domain="fabrikam.example"),
                body=f"Thank you for contacting Fabrikam. Your request is ticket #{round_}.\n"
                     f"Our team answers within 2 business days.\n",
                headers={"In-Reply-To": theirs["Message-ID"], "References": theirs["Message-ID"]}))
        answered = len(ours)
    assert rounds_without_reply == 3, "the loop did not stop"
    assert answered == expected
    held = [r for r in desk.store.audit_rows(sender=robot) if r["event"] == "reply_held"]
    assert held, "the reply that broke the loop is recorded as held"
    assert ("same guidance" if expected == 1 else "replies to") in held[-1]["detail"]["reason"]
    [needs_human] = [f for f in dovecot.folders() if f.endswith("needs-human")]
    assert dovecot.folder_uids(needs_human)        # a person sees what was held back
    desk.close()


def test_dovecot_restart_during_idle_then_the_backlog_is_answered(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp, imap_table={"poll_interval": 5.0})
    process = start_desk(config_path)
    try:
        dovecot.append(make_mail(sender="before@contoso.no", message_id="<before@contoso.no>"))
        smtp.wait_for(1, timeout=30)                      # up, and now idling
        dovecot.stop()
        for n in range(3):
            dovecot.deliver_to_maildir(make_mail(sender=f"backlog{n}@contoso.no",
                                                 message_id=f"<backlog{n}@contoso.no>"))
        time.sleep(1.0)
        dovecot.start()
        received = smtp.wait_for(4, timeout=40)
        assert sorted(m.rcpt_tos[0] for m in received[1:]) == [f"backlog{n}@contoso.no" for n in range(3)]
        assert wait_until(lambda: dovecot.folder_uids("INBOX") == [], 20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        _, stderr = process.communicate()
    assert "Traceback" not in stderr, stderr[-3000:]


class _ByLocalPart:
    """Replies to people; ignores senders whose address starts with "robot"."""

    def __init__(self):
        from test_service_maildir import RecordingClassifier
        self.reply, self.ignore = RecordingClassifier(), RecordingClassifier(action="ignore", scenario="auto_reply")

    def classify(self, mail, previous_scenario=None):
        chosen = self.ignore if mail.from_addr.startswith("robot") else self.reply
        return chosen.classify(mail, previous_scenario)


def test_a_backlog_is_moved_with_one_uid_move_per_role_and_batch(tmp_path, desk_config, dovecot, smtp, monkeypatch):
    from resetdesk.service import DECIDE_BATCH
    from test_imap import _count_commands

    config = config_module.load(config_from_servers(tmp_path, desk_config, dovecot, smtp,
                                                    limits={"replies_total": 1000}))
    count = DECIDE_BATCH + 10
    with dovecot.client() as imap:
        for n in range(count):
            sender = f"robot{n}@contoso.no" if n % 3 == 0 else f"person{n}@contoso.no"
            imap.append("INBOX", make_mail(sender=sender, message_id=f"<bm{n}@contoso.no>"))
    desk = Desk(config, classifier=_ByLocalPart())
    counts = _count_commands(monkeypatch, "MOVE", "SEARCH", "SELECT", "FETCH")
    assert desk.run(once=True) == 0
    # Two batches, each with answered and ignored mail: four UID MOVEs; the listing's one SEARCH and SELECT.
    assert counts == {"MOVE": 4, "SEARCH": 1, "SELECT": 1, "FETCH": 1 + 2}
    assert dovecot.folder_uids("INBOX") == []
    robots = len(range(0, count, 3))
    assert len(dovecot.folder_uids("resetdesk.ignored")) == robots
    assert len(dovecot.folder_uids("resetdesk.answered")) == count - robots
    assert len(smtp.wait_for(count - robots)) == count - robots
    assert {m["status"] for m in desk.store.db["messages"].rows} == {"done"}
    desk.close()
