"""Exactly one secret mail per approved request, whatever dies when (kill -9).

Real `resetdesk run --once` subprocesses (like test_exactly_once.py), the
local Maildir in, the outbox Maildir or a real SMTP server out, and msal and
Graph over HTTPS against the stand-in. Each crash point of the approval and
action path SIGKILLs the process once; the next runs finish the work. The
stand-in remembers every Temporary Access Pass it ever issued: exactly one
mail carries a pass, it is the pass that is live now, and no other pass was
ever mailed.
"""

from __future__ import annotations

import signal

import pytest
from approval_helpers import (CISO, CTO, LEAD, approval_config, command_mail, directory, line_for, outbox_files, parse,
                              request_mail)
from test_service_maildir import drop, run_desk

from resetdesk.store import Store

pytestmark = pytest.mark.servers
KILLED = -signal.SIGKILL


def _text(path) -> str:
    """A stored or sent mail as a reader sees it (headers and decoded text)."""
    message = parse(path.read_bytes() if hasattr(path, "read_bytes") else path)
    parts = [str(v) for v in message.values()]
    parts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


def _state(tmp_path) -> tuple[str, int]:
    store = Store(tmp_path / "var" / "resetdesk.db")
    try:
        [row] = store.requests()
        return row["state"], row["attempts"]
    finally:
        store.close()


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result


def _approve(tmp_path, config_path):
    """Run 1 makes the request pending; the approver's mail is dropped for the next run."""
    drop(tmp_path / "var" / "maildir", request_mail(message_id="<crash-request@contoso.no>"))
    _ok(run_desk(config_path))
    [to_cto] = [parse(f.read_bytes()) for f in outbox_files(tmp_path)
                if "Approval needed" in str(parse(f.read_bytes())["Subject"])
                and CTO in str(parse(f.read_bytes())["To"])]
    drop(tmp_path / "var" / "maildir", command_mail(line_for(to_cto), message_id="<crash-approve@contoso.no>"))


REQUEST_POINTS = ["approval_after_preflight", "after_decision", "approval_mail_before_handoff",
                  "approval_mail_after_send"]
ACTION_POINTS = ["approval_before_action", "approval_after_graph", "approval_after_revoke",
                 "approval_after_compose", "approval_after_handoff", "approval_after_send"]
# Killed after Graph made a pass and before the outbox Maildir had the mail: the action runs again.
NEW_ATTEMPT = ("approval_after_graph", "approval_after_revoke", "approval_after_compose", "approval_after_handoff")


@pytest.mark.parametrize("point", REQUEST_POINTS + ACTION_POINTS + ["after_decision:approval", "after_send:approval"])
def test_killed_anywhere_one_secret_mail_in_the_outbox_maildir(tmp_path, identity, oauth_app, point):
    directory(identity)
    config_path = approval_config(tmp_path, identity, oauth_app[0])
    if point in REQUEST_POINTS:
        drop(tmp_path / "var" / "maildir", request_mail(message_id="<crash-request@contoso.no>"))
        assert run_desk(config_path, crash_at=point).returncode == KILLED
        assert identity.passes_issued == []
        _ok(run_desk(config_path))
        asked = [parse(f.read_bytes()) for f in outbox_files(tmp_path)
                 if "Approval needed" in str(parse(f.read_bytes())["Subject"])]
        assert sorted(m["To"].addresses[0].addr_spec for m in asked) == [CISO, CTO]    # one mail each
        [to_cto] = [m for m in asked if CTO in str(m["To"])]
        drop(tmp_path / "var" / "maildir", command_mail(line_for(to_cto), message_id="<crash-approve@contoso.no>"))
        _ok(run_desk(config_path))
    else:
        _approve(tmp_path, config_path)
        assert run_desk(config_path, crash_at=point.split(":")[0]).returncode == KILLED
        _ok(run_desk(config_path))
    _ok(run_desk(config_path))                         # and once more: nothing new

    assert _state(tmp_path)[0] == "executed"
    assert identity.passes_issued, "no pass was ever made"
    live = identity.passes["u-anna"][0]["temporaryAccessPass"]
    assert live == identity.passes_issued[-1]
    texts = {path: _text(path) for path in outbox_files(tmp_path)}
    carrying = [path for path, text in texts.items() if any(p in text for p in identity.passes_issued)]
    assert len(carrying) == 1, f"{len(carrying)} mails carry a pass"
    assert live in texts[carrying[0]] and parse(carrying[0].read_bytes())["To"].addresses[0].addr_spec == LEAD
    if point in NEW_ATTEMPT:
        assert len(identity.passes_issued) == 2       # a pass nobody got, deleted and replaced by a new attempt
        assert len(identity.calls("DELETE")) == 1
    else:
        assert len(identity.passes_issued) == 1       # nothing had reached Graph, or the mail had left


@pytest.mark.parametrize("point", ["approval_after_graph", "approval_after_compose"])
def test_smtp_killed_before_the_handoff_mails_one_new_pass(tmp_path, identity, oauth_app, smtp, point):
    directory(identity)
    config_path = approval_config(tmp_path, identity, oauth_app[0], smtp={
        "host": smtp.host, "port": smtp.port, "security": "plain", "username": "", "timeout": 10.0})
    _approve_smtp(tmp_path, config_path, smtp)
    assert run_desk(config_path, crash_at=point).returncode == KILLED
    _ok(run_desk(config_path))
    _ok(run_desk(config_path))
    carrying = [m for m in smtp.messages if any(p in _text(m.data) for p in identity.passes_issued)]
    assert len(carrying) == 1 and carrying[0].rcpt_tos == (LEAD,)
    assert identity.passes["u-anna"][0]["temporaryAccessPass"] in _text(carrying[0].data)
    assert _state(tmp_path) == ("executed", 2)


def test_smtp_killed_after_the_server_took_it_is_in_doubt_never_redone(tmp_path, identity, oauth_app, smtp):
    directory(identity)
    config_path = approval_config(tmp_path, identity, oauth_app[0], smtp={
        "host": smtp.host, "port": smtp.port, "security": "plain", "username": "", "timeout": 10.0})
    _approve_smtp(tmp_path, config_path, smtp)
    assert run_desk(config_path, crash_at="approval_after_send").returncode == KILLED
    again = _ok(run_desk(config_path))
    assert "in doubt" in again.stderr
    _ok(run_desk(config_path))
    assert _state(tmp_path) == ("in_doubt", 1)
    assert len(identity.passes_issued) == 1
    carrying = [m for m in smtp.messages if identity.passes_issued[0] in _text(m.data)]
    assert len(carrying) == 1
    store = Store(tmp_path / "var" / "resetdesk.db")
    try:
        [row] = store.outbox_rows("kind = 'secret'")
        assert row.status == "held" and "in doubt" in row.last_error
    finally:
        store.close()


def _approve_smtp(tmp_path, config_path, smtp):
    drop(tmp_path / "var" / "maildir", request_mail(message_id="<crash-request@contoso.no>"))
    _ok(run_desk(config_path))
    [to_cto] = [m for m in smtp.messages if CTO in m.rcpt_tos]
    drop(tmp_path / "var" / "maildir",
         command_mail(line_for(parse(to_cto.data)), message_id="<crash-approve@contoso.no>"))
