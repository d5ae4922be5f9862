"""Exactly one reply per message, whatever dies when.

The process (a real `resetdesk run --once` subprocess) is SIGKILLed at the
crash points `after_decision` (decision committed, nothing moved or sent) and
`after_send` (the transport took the reply, `sent` not yet recorded), then
started again. The outbox Maildir can say whether an interrupted handoff
completed; SMTP cannot, so an in-doubt SMTP row is held, never resent blindly.
"""

from __future__ import annotations

import signal
import smtplib

import pytest

from resetdesk import config as config_module
from resetdesk.responders.transport import DeliveryInDoubt, SmtpTransport, TransportUnavailable
from resetdesk.service import Desk
from resetdesk.store import Store
from test_service_maildir import (RecordingClassifier, config_from_servers, drop, make_mail, outbox_messages,
                                  run_desk, write_config)

KILLED = -signal.SIGKILL


def store_of(tmp_path) -> Store:
    return Store(tmp_path / "var" / "resetdesk.db")


def events(tmp_path) -> list[str]:
    store = store_of(tmp_path)
    try:
        return [row["event"] for row in reversed(store.audit_rows())]
    finally:
        store.close()


# ------------------------------------------------------------ the outbox Maildir


def test_maildir_killed_after_decision(tmp_path):
    config_path = write_config(tmp_path)
    inbox = tmp_path / "var" / "maildir"
    drop(inbox, make_mail(message_id="<k1@contoso.no>"))
    killed = run_desk(config_path, crash_at="after_decision")
    assert killed.returncode == KILLED
    assert outbox_messages(tmp_path / "var" / "outbox") == []
    assert len(list((inbox / "new").iterdir())) == 1          # decided, not yet moved

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1
    assert list((inbox / "new").iterdir()) == []
    assert "already decided" in again.stderr
    assert run_desk(config_path).returncode == 0
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1


def test_maildir_killed_after_send_is_confirmed_not_rewritten(tmp_path):
    config_path = write_config(tmp_path)
    drop(tmp_path / "var" / "maildir", make_mail(message_id="<k2@contoso.no>"))
    killed = run_desk(config_path, crash_at="after_send")
    assert killed.returncode == KILLED
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1
    store = store_of(tmp_path)
    assert [r.status for r in store.outbox_rows()] == ["sending"]
    store.close()

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1
    store = store_of(tmp_path)
    assert [r.status for r in store.outbox_rows()] == ["sent"]
    store.close()


def test_maildir_row_marked_sending_but_never_written_is_sent_again(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier())
    drop(desk.source.root, make_mail(message_id="<k3@contoso.no>"))
    desk.poll()
    [row] = desk.store.due()
    desk.store.mark_sending(row.id)          # as if killed between the commit and the write
    desk.recover()
    assert desk.store.outbox(row.id).status == "queued"
    assert desk.deliver() == 1
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1
    assert "delivery_requeued" in [r["event"] for r in desk.store.audit_rows()]
    desk.close()


def test_maildir_killed_after_a_batch_decision_answers_each_once(tmp_path):
    """More than one batch waiting: killed after the first batch's commit, before any move or send."""
    from resetdesk.service import DECIDE_BATCH

    config_path = write_config(tmp_path, limits={"replies_total": 1000})
    inbox = tmp_path / "var" / "maildir"
    count = DECIDE_BATCH + 7
    for n in range(count):
        drop(inbox, make_mail(sender=f"b{n}@contoso.no", message_id=f"<b{n}@contoso.no>"), f"{n:04d}.test")
    assert run_desk(config_path, crash_at="after_decision").returncode == KILLED
    assert outbox_messages(tmp_path / "var" / "outbox") == []
    assert len(list((inbox / "new").iterdir())) == count                # nothing moved
    store = store_of(tmp_path)
    assert store.db["messages"].count == DECIDE_BATCH                   # the first batch, committed whole
    assert {r.status for r in store.outbox_rows()} == {"queued"}
    store.close()

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("already decided") == DECIDE_BATCH
    replies = outbox_messages(tmp_path / "var" / "outbox")
    assert sorted(str(m["To"]) for m in replies) == sorted(f"b{n}@contoso.no" for n in range(count))
    assert list((inbox / "new").iterdir()) == []
    store = store_of(tmp_path)
    assert {m["status"] for m in store.db["messages"].rows} == {"done"}
    store.close()
    assert run_desk(config_path).returncode == 0
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == count


def test_maildir_killed_between_move_and_done_mark_is_settled_at_start(tmp_path):
    """Moved to its folder, still `decided` in the store: the next start marks it done, deciding nothing."""
    config_path = write_config(tmp_path)
    inbox = tmp_path / "var" / "maildir"
    drop(inbox, make_mail(message_id="<mv1@contoso.no>"))
    killed = run_desk(config_path, crash_at="after_move")
    assert killed.returncode == KILLED
    assert list((inbox / "new").iterdir()) == []                         # moved ...
    assert len(list((inbox / ".resetdesk.answered" / "cur").iterdir())) == 1
    store = store_of(tmp_path)
    assert store.message("mid:mv1@contoso.no")["status"] == "decided"     # ... but not marked
    assert [r.status for r in store.outbox_rows()] == ["queued"]
    store.close()

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert "already decided" in again.stderr
    store = store_of(tmp_path)
    assert store.message("mid:mv1@contoso.no")["status"] == "done"
    assert store.db["decisions"].count == 1
    assert [r.status for r in store.outbox_rows()] == ["sent"]
    assert [e for e in events(tmp_path) if e == "decided"] == ["decided"]
    store.close()
    assert len(list((inbox / ".resetdesk.answered" / "cur").iterdir())) == 1
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1


def test_a_decided_message_still_in_the_inbox_is_moved_at_start(tmp_path):
    """Killed before the move (after the decision's commit): the start moves it without deciding again."""
    config = config_module.load(write_config(tmp_path))
    classifier = RecordingClassifier()
    desk = Desk(config, classifier=classifier)
    drop(desk.source.root, make_mail(message_id="<mv2@contoso.no>"))
    [raw] = list(desk.source.fetch_new())
    with desk.store.transaction():
        desk.decider.decide(raw)                # decided and committed; never moved
    desk.close()

    again = Desk(config, classifier=classifier)
    again.recover()
    assert again.store.message("mid:mv2@contoso.no")["status"] == "done"
    assert len(list((again.source.folders["answered"] / "cur").iterdir())) == 1
    assert list(again.source.fetch_new()) == []
    assert len(classifier.calls) == 1
    again.close()


# ------------------------------------------------------------ Dovecot + SMTP


@pytest.mark.servers
def test_imap_killed_between_move_and_done_mark_is_settled_at_start(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    for n in range(3):
        dovecot.append(make_mail(sender=f"mv{n}@contoso.no", message_id=f"<imv{n}@contoso.no>"))
    assert run_desk(config_path, crash_at="after_move").returncode == KILLED
    assert dovecot.folder_uids("INBOX") == []
    assert len(dovecot.folder_uids("resetdesk.answered")) == 3
    store = store_of(tmp_path)
    assert {m["status"] for m in store.db["messages"].rows} == {"decided"}
    store.close()

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("already decided") == 3
    store = store_of(tmp_path)
    assert {m["status"] for m in store.db["messages"].rows} == {"done"}
    assert store.db["decisions"].count == 3
    store.close()
    assert sorted(m.rcpt_tos[0] for m in smtp.wait_for(3)) == [f"mv{n}@contoso.no" for n in range(3)]
    assert len(dovecot.folder_uids("resetdesk.answered")) == 3
    assert run_desk(config_path).returncode == 0
    assert len(smtp.messages) == 3


@pytest.mark.servers
def test_smtp_killed_after_decision_sends_exactly_one(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    dovecot.append(make_mail(message_id="<s1@contoso.no>"))
    assert run_desk(config_path, crash_at="after_decision").returncode == KILLED
    assert smtp.messages == []
    assert len(dovecot.folder_uids("INBOX")) == 1

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert len(smtp.wait_for(1)) == 1
    assert dovecot.folder_uids("INBOX") == []
    assert run_desk(config_path).returncode == 0
    assert len(smtp.messages) == 1


@pytest.mark.servers
def test_smtp_killed_after_a_batch_decision_then_each_gets_one_reply(tmp_path, desk_config, dovecot, smtp):
    """Crash before the batch's UID MOVE: the next run finds the batch in the store and only moves it."""
    from resetdesk.service import DECIDE_BATCH

    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp, limits={"replies_total": 1000})
    count = DECIDE_BATCH + 5
    with dovecot.client() as imap:
        for n in range(count):
            imap.append("INBOX", make_mail(sender=f"m{n}@contoso.no", message_id=f"<m{n}@contoso.no>"))
    assert run_desk(config_path, crash_at="after_decision").returncode == KILLED
    assert smtp.messages == []
    assert len(dovecot.folder_uids("INBOX")) == count

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("already decided") == DECIDE_BATCH
    received = smtp.wait_for(count)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(f"m{n}@contoso.no" for n in range(count))
    assert dovecot.folder_uids("INBOX") == []
    assert len(dovecot.folder_uids("resetdesk.answered")) == count
    assert run_desk(config_path).returncode == 0
    assert len(smtp.messages) == count


@pytest.mark.servers
def test_smtp_killed_after_250_is_in_doubt_and_not_resent(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    dovecot.append(make_mail(message_id="<s2@contoso.no>"))
    assert run_desk(config_path, crash_at="after_send").returncode == KILLED
    assert len(smtp.wait_for(1)) == 1

    again = run_desk(config_path)
    assert again.returncode == 0, again.stderr
    assert "in doubt" in again.stderr
    assert len(smtp.messages) == 1
    store = store_of(tmp_path)
    [row] = store.outbox_rows()
    assert row.status == "held" and "in doubt" in row.last_error and row.message_id in row.last_error
    store.close()
    assert "delivery_in_doubt" in events(tmp_path)
    assert run_desk(config_path).returncode == 0
    assert len(smtp.messages) == 1


@pytest.mark.servers
def test_smtp_down_replies_wait_and_go_out_when_it_is_back(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    smtp.stop()
    for n in range(3):
        dovecot.append(make_mail(sender=f"p{n}@contoso.no", message_id=f"<down{n}@contoso.no>"))
    down = run_desk(config_path)
    assert down.returncode == 0, down.stderr
    assert "queued mail waits" in down.stderr
    store = store_of(tmp_path)
    assert [r.status for r in store.outbox_rows()] == ["queued"] * 3
    assert all(r.attempts == 0 for r in store.outbox_rows())
    store.close()
    assert dovecot.folder_uids("INBOX") == []          # decided and moved all the same

    smtp.start()
    back = run_desk(config_path)
    assert back.returncode == 0, back.stderr
    assert sorted(m.rcpt_tos[0] for m in smtp.wait_for(3)) == ["p0@contoso.no", "p1@contoso.no", "p2@contoso.no"]
    assert run_desk(config_path).returncode == 0
    assert len(smtp.messages) == 3


@pytest.mark.servers
def test_temporary_refusal_is_retried_permanent_one_fails(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp)
    dovecot.append(make_mail(sender="temp@contoso.no", message_id="<t1@contoso.no>"))
    smtp.refuse_next("451 4.3.0 Try again later", stage="DATA")
    first = run_desk(config_path)
    assert first.returncode == 0, first.stderr
    assert smtp.messages == []
    store = store_of(tmp_path)
    [row] = store.outbox_rows()
    assert (row.status, row.attempts) == ("queued", 1) and "451" in row.last_error
    store.close()
    assert run_desk(config_path).returncode == 0
    assert len(smtp.wait_for(1)) == 1

    dovecot.append(make_mail(sender="gone@contoso.no", message_id="<t2@contoso.no>"))
    smtp.refuse_next("550 5.1.1 No such user", stage="RCPT")
    assert run_desk(config_path).returncode == 0
    store = store_of(tmp_path)
    failed = [r for r in store.outbox_rows() if r.recipient == "gone@contoso.no"]
    assert [(r.status, r.attempts) for r in failed] == [("failed", 0)] and "550" in failed[0].last_error
    store.close()
    assert "delivery_failed" in events(tmp_path)
    assert len(smtp.messages) == 1


@pytest.mark.servers
def test_smtp_auth_and_the_password_never_logged(tmp_path, desk_config, dovecot, smtp_factory):
    secret = "s3cret-pass-word-xyz"
    server = smtp_factory(username="desk", password=secret)
    config_path = config_from_servers(tmp_path, desk_config, dovecot, server)
    dovecot.append(make_mail(message_id="<auth@contoso.no>"))
    result = run_desk(config_path, "--log-format", "json", env={"RESETDESK_SMTP_PASSWORD": secret,
                                                               "RESETDESK_IMAP_PASSWORD": dovecot.password})
    assert result.returncode == 0, result.stderr
    [received] = server.wait_for(1)
    assert received.auth_user == "desk"
    assert secret not in result.stderr
    assert secret.encode() not in (tmp_path / "var" / "resetdesk.db").read_bytes()


@pytest.mark.servers
def test_wrong_smtp_password_keeps_the_queue(tmp_path, desk_config, dovecot, smtp_factory):
    server = smtp_factory(username="desk", password="right")
    config_path = config_from_servers(tmp_path, desk_config, dovecot, server)
    dovecot.append(make_mail(message_id="<wrongpw@contoso.no>"))
    result = run_desk(config_path, env={"RESETDESK_SMTP_PASSWORD": "wrong-one",
                                        "RESETDESK_IMAP_PASSWORD": dovecot.password})
    assert result.returncode == 0, result.stderr
    assert "login as desk refused" in result.stderr and "wrong-one" not in result.stderr
    store = store_of(tmp_path)
    assert [r.status for r in store.outbox_rows()] == ["queued"]
    store.close()


@pytest.mark.servers
def test_starttls(tmp_path, desk_config, dovecot, smtp_factory):
    server = smtp_factory(starttls=True)
    config_path = config_from_servers(tmp_path, desk_config, dovecot, server, smtp_table={"security": "starttls"})
    dovecot.append(make_mail(message_id="<tls@contoso.no>"))
    assert run_desk(config_path).returncode == 0
    assert len(server.wait_for(1)) == 1


@pytest.mark.servers
def test_lost_reply_after_the_final_dot_is_in_doubt(tmp_path, desk_config, smtp, monkeypatch):
    config = config_module.load(config_from_servers(tmp_path, desk_config, None, smtp))
    desk = Desk(config, classifier=RecordingClassifier())     # no [imap] host: the local Maildir
    drop(desk.source.root, make_mail(message_id="<dot@contoso.no>"))
    desk.poll()
    real_send, real_getreply = smtplib.SMTP.send, smtplib.SMTP.getreply

    def send(self, data):
        real_send(self, data)
        self.whole_message_sent = isinstance(data, bytes) and data.endswith(b"\r\n.\r\n")

    def getreply(self):
        if getattr(self, "whole_message_sent", False):   # the server has it all; its answer never arrives
            self.close()
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_getreply(self)

    monkeypatch.setattr(smtplib.SMTP, "send", send)
    monkeypatch.setattr(smtplib.SMTP, "getreply", getreply)
    assert desk.deliver() == 0
    [row] = desk.store.outbox_rows()
    assert row.status == "held" and "in doubt" in row.last_error
    assert len(smtp.wait_for(1)) == 1
    desk.close()


def test_unreachable_server_is_unavailable_not_a_failure(tmp_path):
    import servers
    config = config_module.from_dict({"smtp": {"host": "127.0.0.1", "port": servers.free_port(),
                                               "security": "plain", "timeout": 2.0}})
    transport = SmtpTransport(config)
    with pytest.raises(TransportUnavailable):
        transport.send(None, lambda: pytest.fail("handed over without a connection"))


def test_in_doubt_is_held_for_a_person_never_retried(store):
    """A transport that cannot tell whether the message left: the row is held, not retried or failed."""
    from resetdesk.deliver import Deliverer
    from test_store import decide

    class Unsure:
        name = "unsure"

        def __init__(self):
            self.sends = 0

        def send(self, row, handoff):
            self.sends += 1
            handoff()
            raise DeliveryInDoubt("connection lost after the final dot")

        def confirm(self, row):
            return None          # cannot be asked

        def close(self):
            pass

    row_id = decide(store, "mid:doubt@x")
    transport = Unsure()
    deliverer = Deliverer(config_module.from_dict({}), store, transport)
    assert deliverer.deliver() == 0
    assert deliverer.deliver() == 0                      # a second pass sends nothing
    assert transport.sends == 1
    row = store.outbox(row_id)
    assert row.status == "held" and "in doubt" in row.last_error
    assert [e["event"] for e in store.audit_rows()].count("delivery_in_doubt") == 1


@pytest.mark.servers
def test_missing_password_variable_keeps_the_queue(smtp_factory, monkeypatch):
    server = smtp_factory(username="desk", password="right")
    monkeypatch.delenv("RESETDESK_SMTP_PASSWORD", raising=False)
    config = config_module.from_dict({"smtp": {"host": server.host, "port": server.port,
                                               "security": "plain", "username": "desk"}})
    with pytest.raises(TransportUnavailable, match="RESETDESK_SMTP_PASSWORD"):
        SmtpTransport(config).send(None, lambda: pytest.fail("handed over without a login"))
