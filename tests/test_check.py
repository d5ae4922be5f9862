"""`resetdesk check` against the real Dovecot, SMTP server and identity stand-in, with a failure of each kind."""

from __future__ import annotations

import sqlite_utils
import pytest
from click.testing import CliRunner

import servers
from resetdesk.auth import clear_shared_apps
from resetdesk.check import GRAPH_PERMISSIONS, missing_permissions, token_roles
from resetdesk.cli import cli
from resetdesk.store import Store, migrations
from test_service_maildir import write_config

pytestmark = pytest.mark.servers


def run_check(path):
    result = CliRunner().invoke(cli, ["check", "--config", str(path)])
    lines = result.output.splitlines()
    return result.exit_code, lines


def line(lines, area):
    found = [text for text in lines if text.split()[1:2] == [area]]
    assert found, (area, lines)
    return "\n".join(found)


@pytest.fixture
def servers_config(tmp_path, dovecot, smtp_factory, desk_config):
    """write(imap={...}, smtp={...}, **tables) -> a config file pointing at Dovecot and an SMTP server with AUTH."""
    smtp = smtp_factory(username="desk", password="smtp-secret")

    def write(imap=None, smtp_table=None, **tables):
        loaded = desk_config(dovecot=dovecot, smtp=smtp)
        return write_config(tmp_path, imap={**dict(loaded.imap), **(imap or {})},
                            smtp={**dict(loaded.smtp), **(smtp_table or {})}, **tables)
    write.smtp = smtp
    return write


def test_everything_holds_and_nothing_is_sent(servers_config, dovecot, tmp_path):
    path = servers_config()
    Store(tmp_path / "var" / "resetdesk.db").close()
    status, lines = run_check(path)
    assert status == 0, lines
    assert all(text.startswith(("OK", "--")) for text in lines), lines
    assert f"as {servers.DESK_USER} (password)" in line(lines, "imap")
    assert "created at the first move" in line(lines, "imap")       # the role folders come with the first move
    assert "AUTH as desk; nothing sent" in line(lines, "smtp")
    assert "migrations are all applied" in line(lines, "store")
    assert servers_config.smtp.messages == []
    assert dovecot.folders() == ["INBOX"]                             # check creates no folder either


@pytest.mark.parametrize("imap, expected", [
    ({"username": servers.DESK_USER}, "refused password login"),     # with a wrong password, below
    ({"port": 1}, "cannot connect"),
    ({"folder": "Nowhere"}, "the watched folder Nowhere does not exist"),
    ({"security": "ssl"}, "cannot connect"),                           # TLS against the plain port
])
def test_imap_failures_name_what_to_fix(servers_config, monkeypatch, imap, expected):
    path = servers_config(imap=imap)
    if expected == "refused password login":
        monkeypatch.setenv("RESETDESK_IMAP_PASSWORD", "wrong")
    status, lines = run_check(path)
    assert status == 1
    assert line(lines, "imap").startswith("FAIL") and expected in line(lines, "imap"), lines


def test_imap_xoauth2_through_the_stand_in(tmp_path, dovecot, identity, oauth_app, desk_config):
    loaded = desk_config(dovecot=dovecot, identity=identity, client_id=oauth_app[0], imap={"auth": "oauth"})
    path = write_config(tmp_path, imap=dict(loaded.imap), oauth=dict(loaded.oauth))
    status, lines = run_check(path)
    assert status == 0 and "(XOAUTH2)" in line(lines, "imap"), lines
    identity.clients[oauth_app[0]]["secret"] = "rotated"              # the app's secret changed at Entra
    clear_shared_apps()                                              # a new `resetdesk check` process: no cache
    status, lines = run_check(path)
    assert status == 1 and "invalid_client" in line(lines, "imap"), lines


def test_smtp_failures(servers_config, monkeypatch):
    path = servers_config()
    monkeypatch.setenv("RESETDESK_SMTP_PASSWORD", "wrong")
    status, lines = run_check(path)
    assert status == 1 and "login as desk refused" in line(lines, "smtp"), lines
    servers_config.smtp.stop()
    monkeypatch.setenv("RESETDESK_SMTP_PASSWORD", "smtp-secret")
    status, lines = run_check(path)
    assert status == 1 and "cannot connect" in line(lines, "smtp"), lines


def test_a_missing_secret_is_named_not_shown(servers_config, monkeypatch):
    path = servers_config()
    monkeypatch.delenv("RESETDESK_SMTP_PASSWORD")
    status, lines = run_check(path)
    assert status == 1 and "RESETDESK_SMTP_PASSWORD" in line(lines, "config")


def graph_config(tmp_path, identity, client_id):
    identity.add_user("desk-id", "help@resetdesk.example")
    return write_config(tmp_path, oauth={"tenant_id": identity.tenant_id, "client_id": client_id,
                                         "authority": identity.authority, "ca_file": str(identity.ca_file)},
                        graph={"send_mail": True, "base_url": identity.graph_url})


def test_graph_send_mail_needs_mail_send_in_the_tokens_roles(tmp_path, identity, monkeypatch):
    granted, secret = identity.add_client(roles=["Mail.Send"])
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    status, lines = run_check(graph_config(tmp_path, identity, granted))
    assert status == 0, lines
    assert "Mail.Send: to send replies with Graph sendMail" in line(lines, "graph")
    assert not [text for text in lines if " smtp " in text]            # Graph sends: SMTP is not asked

    bare, secret = identity.add_client(roles=["User.Read.All"])
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    status, lines = run_check(graph_config(tmp_path, identity, bare))
    assert status == 1
    assert "FAIL" in line(lines, "graph") and "Mail.Send is missing: needed to send replies" in line(lines, "graph")

    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", "wrong")
    status, lines = run_check(graph_config(tmp_path, identity, bare))
    assert status == 1 and "no token" in line(lines, "graph") and "wrong" not in line(lines, "graph")


def test_the_permission_table_names_each_missing_one_with_its_purpose():
    every = {p.feature for p in GRAPH_PERMISSIONS}
    assert every == {"resets", "groups", "tap", "password", "revoke_sessions", "send_mail"}
    missing = missing_permissions({"User.Read.All", "Mail.Send"}, every)
    names = [p.name for p in missing]
    assert names == ["RoleManagement.Read.Directory", "RoleEligibilitySchedule.Read.Directory", "GroupMember.Read.All",
                     "UserAuthMethod-TAP.ReadWrite.All", "User-PasswordProfile.ReadWrite.All",
                     "User.RevokeSessions.All"]
    assert all(p.purpose for p in missing)
    # A broader permission grants the narrower one; a feature not configured needs nothing.
    assert missing_permissions({"UserAuthenticationMethod.ReadWrite.All"}, {"tap"}) == []
    assert missing_permissions(set(), {"send_mail"})[0].name == "Mail.Send"
    assert missing_permissions(set(), set()) == []


def test_token_roles_reads_the_claim(identity):
    token = identity.sign({"roles": ["Mail.Send", "User.Read.All"]})
    assert token_roles(token) == {"Mail.Send", "User.Read.All"}
    assert token_roles("opaque-token") == set()


def test_store_failures_and_pending_migrations(tmp_path):
    path = write_config(tmp_path)
    db_path = tmp_path / "var" / "resetdesk.db"
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database" * 100)
    status, lines = run_check(path)
    assert status == 1 and line(lines, "store").startswith("FAIL") and "not a database" in line(lines, "store")
    db_path.unlink()
    db = sqlite_utils.Database(str(db_path))
    migrations.apply(db, stop_before="0003_console_indexes")
    db.close()
    status, lines = run_check(path)
    assert status == 0 and "1 migration(s) pending (0003_console_indexes)" in line(lines, "store"), lines
    db = sqlite_utils.Database(str(db_path))
    assert [m.name for m in migrations.pending(db)] == ["0003_console_indexes"]   # check migrates nothing
    db.close()


def test_broken_knowledge_and_a_broken_config_fail(tmp_path, monkeypatch):
    from resetdesk.errors import KnowledgeError
    from resetdesk.rules import engine

    def broken(cls, directory=None):
        raise KnowledgeError("graph.toml: rule 'x': unknown fact 'y'")
    monkeypatch.setattr(engine.Knowledge, "load", classmethod(broken))
    status, lines = run_check(write_config(tmp_path))
    assert status == 1 and "unknown fact 'y'" in line(lines, "knowledge")
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\nrequestors = []\n")
    status, lines = run_check(bad)
    assert status == 1 and lines == ["FAIL  config     policy.requestors: unknown key"]


# ------------------------------------------------------------------ admin-approved resets


def reset_config(tmp_path, identity, client_id, policy=None, approval=None, graph=None, web=None):
    return write_config(tmp_path, policy={"requesters": ["lead@contoso.no"], "approvers": ["cto@contoso.no"],
                                          **(policy or {})},
                        oauth={"tenant_id": identity.tenant_id, "client_id": client_id,
                               "authority": identity.authority, "ca_file": str(identity.ca_file)},
                        graph={"base_url": identity.graph_url, **(graph or {})},
                        approval=approval or {}, web=web or {})


@pytest.mark.parametrize("tables, wanted", [
    ({}, {"resets", "tap", "revoke_sessions"}),
    ({"approval": {"method": "password", "revoke_sessions": False}}, {"resets", "password"}),
    ({"policy": {"approver_group": "g-1"}}, {"resets", "groups", "tap", "revoke_sessions"}),
    ({"policy": {"requesters": [], "requester_group": "g-2"}}, {"resets", "groups", "tap", "revoke_sessions"}),
    ({"graph": {"dry_run": True}}, {"resets"}),                               # lookups only, nothing changed
    ({"policy": {"requesters": []}}, set()),                                  # nobody may ask: no resets
    ({"oauth": {"client_id": ""}}, set()),                                    # no app registration: a dry run
    ({"graph": {"send_mail": True}, "approval": {"method": "password"}},
     {"send_mail", "resets", "password", "revoke_sessions"}),
])
def test_the_reset_features_follow_the_approval_config(tables, wanted):
    from resetdesk import config as config_module
    from resetdesk.check import features

    data = {"policy": {"requesters": ["lead@contoso.no"]}, "oauth": {"client_id": "app", "tenant_id": "t"}}
    for table, values in tables.items():
        data[table] = {**data.get(table, {}), **values}
    assert features(config_module.from_dict(data)) == wanted


def test_reset_permissions_are_read_from_the_tokens_roles(tmp_path, identity, monkeypatch):
    everything = ["User.Read.All", "RoleManagement.Read.Directory", "RoleEligibilitySchedule.Read.Directory",
                  "GroupMember.Read.All", "UserAuthMethod-TAP.ReadWrite.All", "User.RevokeSessions.All"]
    granted, secret = identity.add_client(roles=everything)
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    status, lines = run_check(reset_config(tmp_path, identity, granted, policy={"approver_group": "g-1"}))
    assert status == 0, lines
    graph = line(lines, "graph")
    for name in everything:
        assert f"OK    graph      {name}: to " in graph, name

    # The password method needs its own permission; without it the line says what it is for.
    status, lines = run_check(reset_config(tmp_path, identity, granted, approval={"method": "password"}))
    assert status == 1
    assert "User-PasswordProfile.ReadWrite.All is missing: needed to set a new password" in line(lines, "graph")
    assert "GroupMember.Read.All" not in line(lines, "graph")                # no group configured: not asked

    narrow, secret = identity.add_client(roles=["User.Read.All", "RoleManagement.Read.Directory",
                                                "RoleEligibilitySchedule.Read.Directory",
                                                "UserAuthenticationMethod.ReadWrite.All"])
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    status, lines = run_check(reset_config(tmp_path, identity, narrow))
    assert status == 1
    graph = line(lines, "graph")
    assert "UserAuthMethod-TAP.ReadWrite.All: granted through UserAuthenticationMethod.ReadWrite.All" in graph
    assert "User.RevokeSessions.All is missing: needed to sign the account out everywhere" in graph
    status, lines = run_check(reset_config(tmp_path, identity, narrow, approval={"revoke_sessions": False}))
    assert status == 0, lines


def test_a_sign_in_confirmation_needs_the_consoles_public_address(tmp_path, identity, monkeypatch):
    client, secret = identity.add_client(roles=["User.Read.All", "RoleManagement.Read.Directory",
                                                "RoleEligibilitySchedule.Read.Directory"])
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    status, lines = run_check(reset_config(tmp_path, identity, client, policy={"require_signin_confirmation": True},
                                           graph={"dry_run": True}))
    assert status == 1 and "web.public_url is empty" in line(lines, "config")
    status, lines = run_check(reset_config(tmp_path, identity, client, policy={"require_signin_confirmation": True},
                                           graph={"dry_run": True}, web={"public_url": "https://desk.contoso.no"}))
    assert status == 0, lines
