"""`resetdesk outbox`: an operator sees held rows and releases them."""

from click.testing import CliRunner

from resetdesk.cli import cli
from resetdesk.store import Store


def make_held_row(tmp_path):
    config = tmp_path / "desk.toml"
    config.write_text('[store]\npath = "desk.db"\n')
    store = Store(tmp_path / "desk.db")
    with store.transaction():
        store.add_message("mid:a@x", mailbox="maildir:x", uid="1", uidvalidity=None, sender="anna@contoso.no",
                          subject="hjelp", size=10, status="decided", role="answered")
        row_id = store.queue(message_key="mid:a@x", kind="reply", recipient="anna@contoso.no",
                             envelope_from="help@desk.example", message_id="<r1@desk>", raw=b"x", status="held",
                             last_error="in doubt after a crash")
    store.close()
    return config, row_id


def test_list_shows_held_rows_and_release_queues_them(tmp_path):
    config, row_id = make_held_row(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["outbox", "list", "--config", str(config)])
    assert listed.exit_code == 0 and "<r1@desk>" in listed.output and "in doubt" in listed.output
    released = runner.invoke(cli, ["outbox", "release", "--config", str(config), str(row_id)])
    assert released.exit_code == 0, released.output
    store = Store(tmp_path / "desk.db")
    assert store.outbox(row_id).status == "queued"
    assert any(r["event"] == "delivery_released" for r in store.audit_rows())
    store.close()
    again = runner.invoke(cli, ["outbox", "release", "--config", str(config), str(row_id)])
    assert again.exit_code == 1 and "not held" in again.output
    missing = runner.invoke(cli, ["outbox", "release", "--config", str(config), "999"])
    assert missing.exit_code == 1 and "no outbox row 999" in missing.output
