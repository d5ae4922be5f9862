"""Admin-approved resets end to end: request mail -> approval by mail or CLI -> Graph (the HTTPS stand-in) -> one secret mail.

The desk runs in process on the local Maildir with the outbox Maildir; msal
and the Graph client talk real HTTPS to tests/servers.py's IdentityServer,
which records every Graph call.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

import servers
from approval_helpers import (ANNA, CISO, CTO, LEAD, approval_config, approval_requests, body, command_mail,
                              directory, line_for, outbox, request_mail, secret_mails, verified)
from resetdesk import config as config_module
from resetdesk.cli import cli
from resetdesk.service import Desk
from test_service_maildir import drop

pytestmark = pytest.mark.servers

TAP_PATH = r"/v1\.0/users/[^/]+/authentication/temporaryAccessPassMethods"


@pytest.fixture
def people(identity):
    directory(identity)
    return identity


def make_desk(tmp_path, identity=None, client_id="", **kwargs) -> Desk:
    return Desk(config_module.load(approval_config(tmp_path, identity, client_id, **kwargs)))


def run(desk: Desk, *raws: bytes) -> None:
    for raw in raws:
        drop(desk.source.root, raw)
    desk.run(once=True)


def requests_of(desk):
    return desk.approvals.list()


def changes(identity) -> list:
    """Every Graph call that changes an account."""
    return [c for c in identity.graph_calls if c.method in ("POST", "PATCH", "DELETE")
            and not c.path.endswith(("/checkMemberGroups", "/sendMail"))]


def the_pass(identity, user_id="u-anna") -> str:
    [method] = identity.passes[user_id]
    return method["temporaryAccessPass"]


# ------------------------------------------------------------------ the happy paths


def test_tap_happy_path_one_pass_one_secret_mail(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail())
    [request] = requests_of(desk)
    assert request.state == "pending" and request.target_id == "u-anna"
    assert changes(people) == []                                   # nothing changed before an approval
    ack = [m for m in outbox(tmp_path) if str(m["Subject"]).startswith("Re: Password reset")]
    assert len(ack) == 1 and request.id in body(ack[0])
    to_cto = approval_requests(tmp_path, CTO)
    assert len(to_cto) == 1 and len(approval_requests(tmp_path, CISO)) == 1
    assert "mailto:" in body(to_cto[0]) and LEAD in body(to_cto[0])

    run(desk, command_mail(line_for(to_cto[0])))
    [request] = requests_of(desk)
    assert request.state == "executed" and request.approved_by == [CTO]
    assert len(people.calls("POST", "/temporaryAccessPassMethods")) == 1
    [tap] = people.calls("POST", "/temporaryAccessPassMethods")
    assert tap.body == {"isUsableOnce": True, "lifetimeInMinutes": 60}
    assert len(people.calls("POST", "/revokeSignInSessions")) == 1
    secret = the_pass(people)
    carrying = [m for m in outbox(tmp_path) if secret in body(m)]
    assert len(carrying) == 1
    [mail] = carrying
    assert [a.addr_spec for a in mail["To"].addresses] == [LEAD]
    assert [m["Message-ID"] for m in secret_mails(tmp_path)] == [mail["Message-ID"]]
    notice = [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == ANNA]
    assert len(notice) == 1 and secret not in body(notice[0]) and LEAD in body(notice[0])
    outcomes = [m for m in outbox(tmp_path) if "done" in str(m["Subject"])]
    assert sorted(m["To"].addresses[0].addr_spec for m in outcomes) == [CISO, CTO]
    # The store keeps a redacted copy of the secret mail, and nothing of the pass.
    [row] = desk.store.outbox_rows("kind = 'secret'")
    assert row.status == "sent" and secret.encode() not in row.raw and b"left out" in row.raw

    run(desk)                                                      # nothing more, ever
    assert len(people.calls("POST", "/temporaryAccessPassMethods")) == 1
    assert len([m for m in outbox(tmp_path) if secret in body(m)]) == 1
    desk.close()


def test_password_method_one_patch_with_forced_change_after_mfa(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], approval={"method": "password", "revoke_sessions": False})
    run(desk, request_mail())
    run(desk, command_mail(line_for(approval_requests(tmp_path, CISO)[0]), sender=CISO))
    [patch] = people.calls("PATCH")
    profile = patch.body["passwordProfile"]
    assert profile["forceChangePasswordNextSignInWithMfa"] is True and profile["forceChangePasswordNextSignIn"] is True
    password = profile["password"]
    assert len(password) == 16 and servers._complex_enough(password)
    assert [m["To"].addresses[0].addr_spec for m in outbox(tmp_path) if password in body(m)] == [LEAD]
    assert people.calls("POST", "/revokeSignInSessions") == []
    assert people.calls("POST", "/temporaryAccessPassMethods") == []
    desk.close()


def test_a_weak_password_is_retried_once_with_a_new_one(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], approval={"method": "password"})
    people.add_route("PATCH", r"/v1\.0/users/[^/]+", lambda server, request, params: servers.graph_error(
        400, "Request_BadRequest", "The specified password does not comply with password complexity requirements."),
        times=1)
    run(desk, request_mail())
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    assert requests_of(desk)[0].state == "executed"
    [patch] = people.calls("PATCH")          # the refused one never reached the directory's handler
    assert len([r for r in people.requests if r.method == "PATCH"]) == 2
    assert len([m for m in outbox(tmp_path) if patch.body["passwordProfile"]["password"] in body(m)]) == 1
    desk.close()


def test_dry_run_looks_up_but_changes_nothing_and_sends_no_secret(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], graph={"dry_run": True})
    run(desk, request_mail())
    assert people.calls("GET")                                    # reads happen: they change nothing
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    [request] = requests_of(desk)
    assert request.state == "executed" and request.dry_run
    assert changes(people) == []
    [told] = [m for m in outbox(tmp_path) if str(m["Subject"]).startswith("Dry run")]
    assert [a.addr_spec for a in told["To"].addresses] == [LEAD] and "nothing was changed" in body(told)
    assert not [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == ANNA]
    assert "action_dry_run" in [r["event"] for r in desk.store.audit_rows()]
    desk.close()


def test_without_graph_credentials_the_whole_flow_is_a_dry_run(tmp_path):
    desk = make_desk(tmp_path)
    run(desk, request_mail())
    [request] = requests_of(desk)
    assert request.state == "pending" and request.dry_run and request.target_id is None
    assert "not looked up" in body(approval_requests(tmp_path, CTO)[0])
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    assert requests_of(desk)[0].state == "executed"
    assert [str(m["Subject"]) for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == LEAD][-1].startswith(
        "Dry run")
    desk.close()


def test_cli_approve_then_the_desk_acts(tmp_path, people, oauth_app):
    config_path = approval_config(tmp_path, people, oauth_app[0])
    desk = Desk(config_module.load(config_path))
    run(desk, request_mail())
    [request] = requests_of(desk)
    runner = CliRunner()
    listed = runner.invoke(cli, ["approvals", "list", "--config", str(config_path)])
    assert listed.exit_code == 0 and request.id in listed.output and "pending" in listed.output
    refused = runner.invoke(cli, ["approvals", "approve", request.id, "--as", LEAD, "--config", str(config_path)])
    assert refused.exit_code != 0 and "cannot decide" in refused.output
    stranger = runner.invoke(cli, ["approvals", "approve", request.id, "--as", "eve@contoso.no",
                                   "--config", str(config_path)])
    assert stranger.exit_code != 0 and "not an approver" in stranger.output
    assert changes(people) == []
    approved = runner.invoke(cli, ["approvals", "approve", request.id, "--as", CTO, "--config", str(config_path)])
    assert approved.exit_code == 0, approved.output
    run(desk)
    assert requests_of(desk)[0].state == "executed"
    assert len(people.calls("POST", "/temporaryAccessPassMethods")) == 1
    shown = runner.invoke(cli, ["approvals", "show", request.id, "--config", str(config_path)])
    assert "executed" in shown.output and "request_approved" in shown.output and "by cli" in shown.output
    assert the_pass(people) not in shown.output
    desk.close()


def test_cli_deny_tells_the_requester(tmp_path, people, oauth_app):
    config_path = approval_config(tmp_path, people, oauth_app[0])
    desk = Desk(config_module.load(config_path))
    run(desk, request_mail())
    [request] = requests_of(desk)
    denied = CliRunner().invoke(cli, ["approvals", "deny", request.id, "--as", CISO, "--reason", "call her first",
                                      "--config", str(config_path)])
    assert denied.exit_code == 0, denied.output
    run(desk)
    assert requests_of(desk)[0].state == "denied"
    told = [m for m in outbox(tmp_path) if "denied" in str(m["Subject"]) and m["To"].addresses[0].addr_spec == LEAD]
    assert len(told) == 1 and "call her first" in body(told[0])
    assert changes(people) == []
    desk.close()


def test_two_distinct_approvers_when_required_is_2(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], approval={"required": 2})
    run(desk, request_mail())
    cto_line = line_for(approval_requests(tmp_path, CTO)[0])
    run(desk, command_mail(cto_line))
    assert requests_of(desk)[0].state == "pending"
    run(desk, command_mail(cto_line, message_id="<again@contoso.no>"))     # the same approver again
    assert requests_of(desk)[0].state == "pending" and changes(people) == []
    run(desk, command_mail(line_for(approval_requests(tmp_path, CISO)[0]), sender=CISO))
    [request] = requests_of(desk)
    assert request.state == "executed" and sorted(request.approved_by) == [CISO, CTO]
    assert len(people.calls("POST", "/temporaryAccessPassMethods")) == 1
    desk.close()


def test_one_request_per_account_named(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail(body=f"Please reset the passwords for {ANNA} and bob@contoso.no.\n"))
    assert sorted(r.target for r in requests_of(desk)) == [ANNA, "bob@contoso.no"]
    assert {r.state for r in requests_of(desk)} == {"pending"}
    assert len(approval_requests(tmp_path, CTO)) == 2
    desk.close()


def test_norwegian_request_gets_norwegian_mails(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail(subject="Tilbakestill passord", body=f"Kan dere tilbakestille passordet til {ANNA}? "
                                                                "Hun har glemt det og kommer ikke inn.\n"))
    [request] = requests_of(desk)
    assert request.language == "nb"
    [to_cto] = approval_requests(tmp_path, CTO)
    assert str(to_cto["Subject"]).startswith("Godkjenning trengs")
    run(desk, command_mail(line_for(to_cto)))
    [secret] = [m for m in outbox(tmp_path) if the_pass(people) in body(m)]
    assert str(secret["Subject"]).startswith("Midlertidig tilgangspass")
    desk.close()
