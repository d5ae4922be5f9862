"""The SQLite store: migrations, one-transaction decisions, the outbox states, the audit trail."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from resetdesk import config as config_module
from resetdesk.cli import cli
from resetdesk.store import Store, migrations


RECORD = {"scenario": "sspr", "action": "reply", "language": "nb",
          "facts": {"own_password_lost": True, "sender": "anna@contoso.no"},
          "rules": [{"name": "own-password-lost", "description": "The sender lost their own password."}],
          "missed": [], "path": ["start", "sspr"], "targets": [], "previous_scenario": None}


def decide(store: Store, key: str, sender: str = "anna@contoso.no", *, message_id: str | None = None,
           template: str = "sspr.nb", status: str = "queued", kind: str = "reply") -> int:
    with store.transaction():
        store.add_message(key, mailbox="maildir:/x", uid=key, uidvalidity=None, sender=sender,
                          subject="Glemt passord", size=100, status="decided", role="answered")
        store.add_decision(key, RECORD, template)
        row = store.queue(message_key=key, kind=kind, recipient=sender, envelope_from="desk@contoso.no",
                          message_id=message_id or f"reply.{key}@contoso.no", raw=b"From: desk\r\n\r\nhi\r\n",
                          template=template, status=status)
        store.audit("decided", message_key=key, sender=sender, scenario="sspr", action="reply")
    return row


APPLIED = ["0001_initial", "0002_outbox_window_index", "0003_console_indexes"]


def test_migrations_create_plain_tables_once(tmp_path, store):
    assert {"messages", "decisions", "outbox", "audit", "_sqlite_migrations"} <= set(store.db.table_names())
    assert [m.name for m in migrations.applied(store.db)] == APPLIED
    store.close()
    again = Store(tmp_path / "desk.db")
    assert [m.name for m in migrations.applied(again.db)] == APPLIED
    assert migrations.pending(again.db) == []
    again.close()


def test_wal_and_full_synchronous(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2   # FULL


def test_decision_outbox_and_audit_commit_together_or_not_at_all(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_message("mid:a@x", mailbox="m", uid="1", uidvalidity=None, sender="a@x",
                              subject="s", size=1, status="decided", role="answered")
            store.add_decision("mid:a@x", RECORD)
            store.queue(message_key="mid:a@x", kind="reply", recipient="a@x", envelope_from="d@x",
                        message_id="r@x", raw=b"x")
            store.audit("decided", message_key="mid:a@x")
            raise RuntimeError("the process dies here")
    for table in ("messages", "decisions", "outbox", "audit"):
        assert store.db[table].count == 0, table
    decide(store, "mid:a@x")
    assert store.message("mid:a@x")["status"] == "decided"
    assert json.loads(store.decision("mid:a@x")["rules"])[0]["description"].startswith("The sender")
    assert store.db["outbox"].count == 1 and store.db["audit"].count == 1


def test_a_second_process_sees_only_committed_rows(tmp_path, store):
    reader = sqlite3.connect(tmp_path / "desk.db")
    with store.transaction():
        store.add_message("mid:b@x", mailbox="m", uid="1", uidvalidity=None, sender="b@x",
                          subject="s", size=1, status="decided", role="answered")
        assert reader.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    reader.close()


def test_audit_trail_is_append_only(store):
    store.audit("decided", message_key="k")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE audit SET event = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM audit")


def test_outbox_state_machine(store, clock):
    row = decide(store, "mid:c@x")
    assert [r.id for r in store.due()] == [row]
    store.mark_sending(row)
    assert store.due() == [] and [r.id for r in store.in_flight()] == [row]
    assert store.outbox(row).attempts == 1
    store.retry_later(row, "451 try later", 60)
    assert store.outbox(row).status == "queued" and store.due() == []
    clock.advance(seconds=61)
    assert [r.id for r in store.due()] == [row]
    store.mark_sending(row)
    store.mark_sent(row)
    sent = store.outbox(row)
    assert (sent.status, sent.attempts, sent.sent_at is not None) == ("sent", 2, True)
    events = [r["event"] for r in store.audit_rows()]
    assert events[:2] == ["delivery_sent", "delivery_retry"]


def test_retry_before_handoff_counts_the_attempt(store):
    row = decide(store, "mid:d@x")
    store.retry_later(row, "451 at RCPT", 0, count_attempt=True)
    assert store.outbox(row).attempts == 1


def test_held_rows_wait_for_an_operator(store):
    row = decide(store, "mid:e@x", status="held")
    assert store.due() == []
    store.release(row)
    assert [r.id for r in store.due()] == [row]
    assert store.audit_rows(limit=1)[0]["event"] == "delivery_released"


def test_thread_scenario_finds_our_reply_anywhere_in_references(store):
    decide(store, "mid:f@x", message_id="resetdesk.reply.1@contoso.no")
    assert store.thread_scenario(["unknown@x", "resetdesk.reply.1@contoso.no"]) == "sspr"
    assert store.thread_scenario(["", "unknown@x"]) is None
    assert store.thread_scenario([]) is None


def test_counts_use_the_window(store, clock):
    decide(store, "mid:g@x", "anna@contoso.no")
    decide(store, "mid:h@x", "anna@contoso.no", template="security_info.nb")
    decide(store, "mid:i@x", "ola@contoso.no", status="held")
    assert store.count_outgoing(10) == 2                       # held rows do not count
    assert store.count_outgoing(10, recipient="anna@contoso.no", template="sspr.nb") == 1
    clock.advance(minutes=11)
    assert store.count_outgoing(10) == 0
    assert store.count_outgoing(60, recipient="anna@contoso.no") == 2


def test_audit_rows_filter(store, clock):
    store.audit("decided", message_key="1", sender="anna@contoso.no", scenario="sspr")
    clock.advance(days=2)
    store.audit("parked", message_key="2", sender="ola@contoso.no", error="cannot parse")
    assert [r["event"] for r in store.audit_rows(sender="ANNA@contoso.no")] == ["decided"]
    assert [r["event"] for r in store.audit_rows(scenario="sspr")] == ["decided"]
    assert [r["event"] for r in store.audit_rows(since="2026-11-03")] == ["parked"]
    assert [r["event"] for r in store.audit_rows(until="2026-11-03")] == ["decided"]
    assert store.audit_rows(limit=1)[0]["detail"] == {"error": "cannot parse"}


def test_audit_rows_by_event_and_message_and_the_release_names_who(store):
    row = decide(store, "mid:r@x", status="held")
    store.release(row, by="ola@contoso.no")
    [released] = store.audit_rows(event="delivery_released")
    assert released["message_key"] == "mid:r@x" and released["detail"]["by"] == "ola@contoso.no"
    assert {r["event"] for r in store.audit_rows(message_key="mid:r@x")} == {"decided", "delivery_released"}
    assert store.audit_rows(message_key="mid:other") == []


def test_audit_pages_by_position_cover_every_event_once(store, clock):
    for n in range(7):
        store.audit("decided", message_key=str(n), sender="anna@contoso.no", scenario="sspr")
        if n % 3 == 0:
            clock.advance(seconds=1)          # several events share a millisecond, some do not
    newest = store.audit_rows(limit=3)
    assert [r["message_key"] for r in newest] == ["6", "5", "4"]
    seen, page = [], newest
    while page:
        seen += [r["message_key"] for r in page]
        page = store.audit_rows(limit=3, before=(page[-1]["at"], page[-1]["id"]))
    assert seen == ["6", "5", "4", "3", "2", "1", "0"]
    older = store.audit_rows(limit=3, before=(newest[-1]["at"], newest[-1]["id"]))
    back = store.audit_rows(limit=3, after=(older[0]["at"], older[0]["id"]))
    assert [r["message_key"] for r in back] == ["6", "5", "4"]    # newer page, still newest first


def test_distinct_values_are_read_off_the_index(store):
    for event, scenario in (("decided", "sspr"), ("parked", None), ("decided", "support")):
        store.audit(event, scenario=scenario)
    assert store.distinct_values("audit", "event") == ["decided", "parked"]
    assert store.distinct_values("audit", "scenario") == ["sspr", "support"]
    plan = " ".join(str(r) for r in store.db.execute(
        "EXPLAIN QUERY PLAN SELECT min(event) FROM audit WHERE event > 'a'").fetchall())
    assert "USING COVERING INDEX" in plan


def test_each_audit_filter_walks_an_index_in_time_order(store):
    for where in ("sender = 'a'", "scenario = 'b'", "event = 'c'", "at < 'x'"):
        plan = " ".join(str(r) for r in store.db.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM audit WHERE {where} ORDER BY at DESC, id DESC LIMIT 50").fetchall())
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, (where, plan)


def _config_file(tmp_path):
    path = tmp_path / "desk.toml"
    path.write_text('[store]\npath = "desk.db"\n')
    return path


def test_audit_command_table_and_json(tmp_path, clock):
    path = _config_file(tmp_path)
    store = Store(tmp_path / "desk.db", clock=clock)
    decide(store, "mid:j@x", "anna@contoso.no")
    store.audit("parked", message_key="k", sender="ola@contoso.no", error="cannot parse: no From")
    store.close()
    runner = CliRunner()

    result = runner.invoke(cli, ["audit", "--config", str(path), "--json", "--sender", "anna@contoso.no"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["event"] for line in lines] == ["decided"]
    assert lines[0]["detail"] == {"action": "reply"}

    result = runner.invoke(cli, ["audit", "--config", str(path), "--since", "2026-11-02", "--until", "2026-11-02"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("at (UTC)")
    assert "parked" in result.output and "error=cannot parse: no From" in result.output

    result = runner.invoke(cli, ["audit", "--config", str(path), "--until", "2026-11-01"])
    assert result.output.splitlines()[1:] == []
    result = runner.invoke(cli, ["audit", "--config", str(path), "--limit", "1", "--json"])
    assert len(result.output.splitlines()) == 1
    result = runner.invoke(cli, ["audit", "--config", str(path), "--since", "yesterday"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_audit_command_without_a_store(tmp_path):
    result = CliRunner().invoke(cli, ["audit", "--config", str(_config_file(tmp_path))])
    assert result.exit_code == 1 and "nothing has run" in result.output


def test_readable_with_the_sqlite_utils_cli(tmp_path, store):
    decide(store, "mid:k@x")
    run = subprocess.run([sys.executable, "-m", "sqlite_utils", "rows", str(tmp_path / "desk.db"), "decisions"],
                         capture_output=True, text=True, check=True)
    row = json.loads(run.stdout)[0]
    assert json.loads(row["facts"])["own_password_lost"] is True   # JSON stored as text


def test_store_path_from_config_is_relative_to_the_file(tmp_path):
    loaded = config_module.load(_config_file(tmp_path))
    assert loaded.resolve_path(loaded.store.path) == tmp_path / "desk.db"


def test_a_relaxed_commit_leaves_the_connection_at_full(store):
    decide(store, "mid:l@x")
    store.mark_done("mid:l@x")
    assert store.message("mid:l@x")["status"] == "done"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    with pytest.raises(RuntimeError):
        with store.transaction(durable=False):
            raise RuntimeError
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_window_counts_stop_at_the_cap_and_use_the_covering_index(store):
    for n in range(5):
        decide(store, f"mid:cap{n}@x", f"p{n}@x")
    assert store.count_outgoing(10) == 5
    assert store.count_outgoing(10, cap=3) == 3
    plan = " ".join(row[3] for row in store.db.execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM outbox WHERE +status IN ('queued', 'sending', 'sent') AND created >= ?",
        ["2026"]))
    assert "COVERING INDEX idx_outbox_created_status" in plan


def test_a_nested_transaction_is_a_savepoint(store):
    """The service decides a batch in one transaction; one message's failure undoes only its own rows."""
    with store.transaction():
        decide(store, "mid:keep1@x", "p1@x")
        with pytest.raises(RuntimeError):
            with store.transaction():
                decide(store, "mid:undone@x", "p2@x")
                raise RuntimeError("deciding this one failed")
        with store.transaction():
            store.audit("parked", message_key="mid:undone@x")
        decide(store, "mid:keep2@x", "p3@x")
    assert store.message("mid:undone@x") is None
    assert [r.message_key for r in store.outbox_rows()] == ["mid:keep1@x", "mid:keep2@x"]
    assert [r["event"] for r in reversed(store.audit_rows())] == ["decided", "parked", "decided"]
    with pytest.raises(RuntimeError):                      # and the outer one still rolls back as a whole
        with store.transaction():
            decide(store, "mid:gone1@x", "p4@x")
            with store.transaction():
                decide(store, "mid:gone2@x", "p5@x")
            raise RuntimeError
    assert store.message("mid:gone1@x") is None and store.message("mid:gone2@x") is None
    assert not store.db.conn.in_transaction


def test_mark_done_many_only_touches_decided_rows(store):
    for key in ("mid:d1@x", "mid:d2@x", "mid:d3@x"):
        decide(store, key, key[4:])
    with store.transaction():
        store.add_message("mid:p@x", mailbox="m", uid="p", uidvalidity=None, sender="p@x", subject="s",
                          size=1, status="parked", role="needs_human", error="cannot parse")
    store.mark_done_many(["mid:d1@x", "mid:d3@x", "mid:p@x", "mid:unknown@x"])
    store.mark_done_many([])
    assert {k: store.message(k)["status"] for k in ("mid:d1@x", "mid:d2@x", "mid:d3@x", "mid:p@x")} == {
        "mid:d1@x": "done", "mid:d2@x": "decided", "mid:d3@x": "done", "mid:p@x": "parked"}
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_flush_fsyncs_the_wal_once_after_relaxed_commits(store, monkeypatch):
    import resetdesk.store as store_module

    synced = []
    real = store_module.os.fsync
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: synced.append(fd) or real(fd))
    store.flush()
    assert synced == []                                    # nothing relaxed yet
    row = decide(store, "mid:f@x")
    store.mark_sending(row)
    store.flush()
    assert synced == []                                    # FULL commits sync themselves
    store.mark_sent(row)
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    store.flush()
    store.flush()
    assert len(synced) == 1


def test_a_relaxed_commit_survives_kill_9(tmp_path):
    """synchronous=NORMAL in WAL mode: a committed `sent` is in the OS once COMMIT returns."""
    import signal

    path = tmp_path / "killed.db"
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_store import decide
from resetdesk.store import Store
store = Store({str(path)!r})
row = decide(store, "mid:k9@x")
store.mark_sending(row)
store.mark_sent(row)
store.mark_done("mid:k9@x")
os.kill(os.getpid(), signal.SIGKILL)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr
    store = Store(path)
    try:
        assert [(r.status, r.sent_at is not None) for r in store.outbox_rows()] == [("sent", True)]
        assert store.message("mid:k9@x")["status"] == "done"
    finally:
        store.close()


def test_the_most_selective_filter_leads(store):
    sql = []
    store.db.conn.set_trace_callback(sql.append)
    store.audit_rows(sender="a@x", event="decided", scenario="sspr", since="2026-01-01", until="2026-12-01")
    store.db.conn.set_trace_callback(None)
    [query] = [q for q in sql if q.startswith("SELECT * FROM audit")]
    plan = " ".join(str(r) for r in store.db.execute("EXPLAIN QUERY PLAN " + query).fetchall())
    assert "idx_audit_sender_at" in plan, plan
