"""Admin-approved resets end to end.

Request mail -> approval by mail or CLI -> Graph (the HTTPS stand-in) -> one secret mail.

The desk runs in process on the local Maildir with the outbox Maildir; msal
and the Graph client talk real HTTPS to tests/servers.py's IdentityServer,
which records every Graph call.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, UTC

import pytest
import servers
from approval_helpers import (ANNA, CISO, CTO, LEAD, approval_config, approval_requests, body, command_mail, directory,
                              line_for, outbox, request_mail, secret_mails, verified)
from click.testing import CliRunner
from test_service_maildir import drop

from resetdesk import config as config_module
from resetdesk.cli import cli
from resetdesk.service import Desk

pytestmark = pytest.mark.servers

TAP_PATH = r"/v1\.0/users/(?P<user>[^/]+)/authentication/temporaryAccessPassMethods"


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
    return desk.approvals.requests()


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


# ------------------------------------------------------------------ spoofed requests


def _spoof(sender, headers, body=f"Please reset the password for {ANNA}.\n", extra=None):
    return servers.make_message(subject="Password reset", sender=sender, to="help@resetdesk.example", body=body,
                                extra_headers={**headers, **(extra or {})})


SPOOFED_REQUESTS = {
    "display name": _spoof('"lead@contoso.no" <mallory@evil.example>', verified("mallory@evil.example")),
    "lookalike domain": _spoof("lead@contoso.no.com", verified("lead@contoso.no.com")),
    "homoglyph domain": _spoof("lead@cont\u043eso.no", verified("lead@cont\u043eso.no")),
    "foreign Authentication-Results": _spoof(LEAD, verified(LEAD, authserv="mx.evil.example")),
    "dmarc=fail": _spoof(LEAD, verified(LEAD, result="fail")),
    "Authentication-Results below a foreign one": _spoof(LEAD, {}, extra={
        "Authentication-Results": "mx.contoso.no; dmarc=fail header.from=contoso.no",
        "X-Note": "x"}),
    "Reply-To a requester": _spoof("mallory@evil.example", verified("mallory@evil.example"),
                                   extra={"Reply-To": LEAD}),
    "a second From": _spoof(LEAD, verified(LEAD), extra={"From": "mallory@evil.example"}),
    "two addresses in From": _spoof(f"{LEAD}, mallory@evil.example", verified(LEAD)),
    "no Authentication-Results": _spoof(LEAD, {}),
}


@pytest.mark.parametrize("variant", list(SPOOFED_REQUESTS))
def test_spoofed_requests_never_create_a_request(tmp_path, people, oauth_app, variant):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, SPOOFED_REQUESTS[variant])
    assert requests_of(desk) == []
    assert approval_requests(tmp_path) == []
    assert people.graph_calls == []
    assert "request_received" not in [r["event"] for r in desk.store.audit_rows()]
    desk.close()


def test_reply_to_never_gets_anything(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail(headers={**verified(LEAD), "Reply-To": "mallory@evil.example"}))
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0]),
                           headers={**verified(CTO), "Reply-To": "mallory@evil.example"}))
    assert requests_of(desk)[0].state == "executed"
    assert all("mallory" not in str(m["To"]) for m in outbox(tmp_path))
    desk.close()


# ------------------------------------------------------------------ attacks on the approval


def _pending(tmp_path, people, oauth_app, **kwargs):
    desk = make_desk(tmp_path, people, oauth_app[0], policy={"approvers": [CTO, CISO, LEAD, ANNA]}, **kwargs)
    run(desk, request_mail())
    [request] = requests_of(desk)
    assert request.state == "pending" and sorted(request.approvers) == [CISO, CTO]   # never LEAD or ANNA
    assert approval_requests(tmp_path, LEAD) == [] and approval_requests(tmp_path, ANNA) == []
    lines = {who: line_for(approval_requests(tmp_path, who)[0]) for who in (CTO, CISO)}
    return desk, request, lines


def _two_froms(line):
    return servers.make_message(subject=line, sender=CTO, to="help@resetdesk.example", body="\n",
                                extra_headers={**verified(CTO), "From": "mallory@evil.example"})


APPROVAL_ATTACKS = {
    "self-approval with a stolen code": lambda lines: command_mail(lines[CTO], sender=LEAD),
    "the account approving itself": lambda lines: command_mail(lines[CTO], sender=ANNA),
    "a code from another approver": lambda lines: command_mail(lines[CTO], sender=CISO),
    "a made-up code": lambda lines: command_mail(lines[CTO].rsplit(" ", 1)[0] + " ABCDEFGHJK"),
    "the code only in quoted text": lambda lines: command_mail(
        "", body=f"Who asked for this?\n\nOn Tue, 24 Nov 2026 at 11:20, The help desk wrote:\n> {lines[CTO]}\n> \n"),
    "the code under an Outlook header": lambda lines: command_mail(
        "", body=f"I will call her first.\n\n________________________________\nFrom: The help desk\n"
                 f"Sent: Tuesday\nTo: Cato\nSubject: Approval needed\n\n{lines[CTO]}\n"),
    "an unverified approver": lambda lines: command_mail(lines[CTO], headers={}),
    "an approver with dmarc=fail": lambda lines: command_mail(lines[CTO], headers=verified(CTO, result="fail")),
    "a foreign authserv-id": lambda lines: command_mail(lines[CTO], headers=verified(CTO, authserv="mx.evil.example")),
    "a display-name spoof": lambda lines: command_mail(lines[CTO], sender='"cto@contoso.no" <mallory@evil.example>',
                                                       headers=verified("mallory@evil.example")),
    "a second From": _two_froms,
    "approve and deny in one mail": lambda lines: command_mail(
        "", body=f"{lines[CTO]}\n{lines[CTO].replace('APPROVE', 'DENY')}\n"),
    "a machine mail carrying the line": lambda lines: command_mail(
        lines[CTO], headers={**verified(CTO), "Auto-Submitted": "auto-replied"}),
}


@pytest.mark.parametrize("attack", list(APPROVAL_ATTACKS))
def test_approval_attacks_change_nothing(tmp_path, people, oauth_app, attack):
    desk, request, lines = _pending(tmp_path, people, oauth_app)
    run(desk, APPROVAL_ATTACKS[attack](lines))
    after = desk.approvals.get(request.id)
    assert after.state == "pending" and after.approved_by == []
    assert changes(people) == [] and secret_mails(tmp_path) == []
    assert desk.store.votes(request.id) == []
    desk.close()


def test_a_rejected_code_is_recorded_and_only_a_verified_approver_hears_back(tmp_path, people, oauth_app):
    desk, request, lines = _pending(tmp_path, people, oauth_app)
    before = len(outbox(tmp_path))
    run(desk, command_mail(lines[CTO], headers={}, message_id="<unverified@contoso.no>"))
    assert len(outbox(tmp_path)) == before                                   # an unverified sender: silence
    run(desk, command_mail(lines[CTO], sender=CISO, message_id="<foreign@contoso.no>"))
    [answer] = [m for m in outbox(tmp_path)[before:] if m["To"].addresses[0].addr_spec == CISO]
    assert "not right" in body(answer)
    assert lines[CTO].rsplit(" ", 1)[1] not in str(answer)                   # a code is never echoed
    rejected = [r for r in desk.store.audit_rows() if r["event"] == "approval_rejected"]
    assert len(rejected) == 2 and {r["detail"]["by"] for r in rejected} == {CTO, CISO}
    assert desk.approvals.get(request.id).wrong_codes == 2
    desk.close()


def test_max_wrong_codes_lock_the_request(tmp_path, people, oauth_app):
    desk, request, lines = _pending(tmp_path, people, oauth_app)
    wrong = lines[CISO].rsplit(" ", 1)[0] + " ABCDEFGHJK"
    for n in range(3):
        run(desk, command_mail(wrong, sender=CISO, message_id=f"<wrong{n}@contoso.no>"))
    assert desk.approvals.get(request.id).state == "locked"
    run(desk, command_mail(lines[CTO]))                                      # the right code, too late
    assert desk.approvals.get(request.id).state == "locked"
    assert changes(people) == []
    assert [m for m in outbox(tmp_path) if "locked" in str(m["Subject"]) and m["To"].addresses[0].addr_spec == LEAD]
    desk.close()


def test_a_reused_code_changes_nothing(tmp_path, people, oauth_app):
    desk, request, lines = _pending(tmp_path, people, oauth_app, approval={"required": 2})
    run(desk, command_mail(lines[CTO]))
    run(desk, command_mail(lines[CTO], message_id="<reuse@contoso.no>"))
    after = desk.approvals.get(request.id)
    assert after.state == "pending" and after.approved_by == [CTO] and after.wrong_codes == 0
    assert [r["detail"]["result"] for r in desk.store.audit_rows() if r["event"] == "approval_rejected"] == ["reused"]
    run(desk, command_mail(lines[CISO], sender=CISO))
    assert desk.approvals.get(request.id).state == "executed"
    run(desk, command_mail(lines[CISO], sender=CISO, message_id="<after@contoso.no>"))   # after the fact
    assert len(people.calls("POST", "/temporaryAccessPassMethods")) == 1
    desk.close()


def test_an_expired_code_changes_nothing(tmp_path, people, oauth_app):
    from resetdesk.store import Store

    now = [datetime.now(UTC)]
    config = config_module.load(approval_config(tmp_path, people, oauth_app[0]))
    desk = Desk(config, store=Store(tmp_path / "var" / "resetdesk.db", clock=lambda: now[0]))
    run(desk, request_mail())
    line = line_for(approval_requests(tmp_path, CTO)[0])
    now[0] += timedelta(minutes=31)
    run(desk, command_mail(line))
    [request] = requests_of(desk)
    assert request.state == "expired" and changes(people) == []
    assert [m for m in outbox(tmp_path) if "expired" in str(m["Subject"]) and m["To"].addresses[0].addr_spec == LEAD]
    desk.close()


# ------------------------------------------------------------------ refused before any approver is asked


def _refused(tmp_path, people, oauth_app, target=ANNA, **kwargs):
    desk = make_desk(tmp_path, people, oauth_app[0], **kwargs)
    run(desk, request_mail(body=f"Please reset the password for {target}.\n"))
    [request] = requests_of(desk)
    assert request.state == "refused"
    assert approval_requests(tmp_path) == [] and changes(people) == []
    told = [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == LEAD]
    return desk, request, "\n".join(body(m) for m in told)


@pytest.mark.parametrize("case, setup, reason, words", [
    ("direct role", lambda idp: idp.assign_role("u-anna"), "privileged", "admin role"),
    ("PIM-eligible role", lambda idp: idp.assign_role("u-anna", eligible=True), "privileged", "admin role"),
    ("role-assignable group", lambda idp: idp.add_group("g-1", "Helpdesk admins", ["u-anna"], role_assignable=True),
     "privileged", "admin role"),
    ("nested role-assignable group", lambda idp: (
        idp.add_group("g-outer", "Tier 0", ["g-inner"], role_assignable=True),
        idp.add_group("g-inner", "Ops", ["u-anna"])), "privileged", "admin role"),
    ("synced", lambda idp: idp.users["u-anna"].update(onPremisesSyncEnabled=True), "synced", "on-premises"),
    ("disabled", lambda idp: idp.users["u-anna"].update(accountEnabled=False), "disabled", "disabled"),
    ("guest", lambda idp: idp.users["u-anna"].update(userType="Guest"), "guest", "guest"),
])
def test_accounts_the_desk_never_resets(tmp_path, people, oauth_app, case, setup, reason, words):
    setup(people)
    desk, request, told = _refused(tmp_path, people, oauth_app)
    assert request.reason == reason and words in told
    desk.close()


def test_an_ordinary_group_is_no_reason_to_refuse(tmp_path, people, oauth_app):
    people.add_group("g-sales", "Sales", ["u-anna"])
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail())
    assert requests_of(desk)[0].state == "pending"
    desk.close()


def test_protected_accounts_are_refused_without_asking_graph(tmp_path, people, oauth_app):
    desk, request, told = _refused(tmp_path, people, oauth_app, policy={"protected": [ANNA]})
    assert request.reason == "protected" and "protected" in told and "admin center" in told.lower()
    assert people.graph_calls == []
    desk.close()


def test_protected_by_another_address_is_refused_after_the_lookup(tmp_path, people, oauth_app):
    people.users["u-anna"]["proxyAddresses"] = [f"SMTP:{ANNA}", "smtp:breakglass@contoso.no"]
    desk, request, _ = _refused(tmp_path, people, oauth_app, policy={"protected": ["breakglass@contoso.no"]})
    assert request.reason == "protected"
    desk.close()


def test_unknown_account(tmp_path, people, oauth_app):
    desk, request, told = _refused(tmp_path, people, oauth_app, target="ghost@contoso.no")
    assert request.reason == "unknown" and "no account" in told
    desk.close()


def test_the_requesters_own_account_under_another_name(tmp_path, people, oauth_app):
    people.add_user("u-lead", "ola.lead@contoso.onmicrosoft.com", mail=LEAD, displayName="Ola Lead",
                    accountEnabled=True, userType="Member")
    people.users.pop(LEAD, None)
    desk, request, told = _refused(tmp_path, people, oauth_app, target="ola.lead@contoso.onmicrosoft.com")
    assert request.reason == "own_account" and "self-service" in told
    desk.close()


def test_no_account_named_gets_a_reply_and_no_request(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail(body="Please reset the password for the new hire, she is locked out.\n"))
    assert requests_of(desk) == []
    [reply] = [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == LEAD]
    text = reply.get_body(("plain",)).get_content()     # the guidance reply: text and HTML
    assert "does not name the account" in text
    desk.close()


def test_daily_limits(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], approval={"max_per_target_per_day": 1,
                                                               "max_per_requester_per_day": 2})
    run(desk, request_mail(message_id="<first@contoso.no>"))
    run(desk, request_mail(message_id="<second@contoso.no>"))
    states = sorted((r.state, r.reason or "") for r in requests_of(desk))
    assert states == [("pending", ""), ("refused", "target_limit")]
    run(desk, request_mail(body="Please reset the passwords for bob@contoso.no and carl@contoso.no.\n",
                           message_id="<third@contoso.no>"))
    reasons = sorted(r.reason or r.state for r in requests_of(desk))
    assert "requester_limit" in reasons
    desk.close()


# ------------------------------------------------------------------ Graph's errors


def test_throttled_tap_is_retried_after_retry_after_and_made_once(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail())
    people.add_route("POST", TAP_PATH, lambda server, request, params: servers.graph_error(
        429, "TooManyRequests", "Too many requests.", {"Retry-After": "1"}), times=1)
    began = time.monotonic()
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    assert time.monotonic() - began >= 1.0
    assert requests_of(desk)[0].state == "executed"
    assert len([r for r in people.requests
                if r.method == "POST" and r.path.endswith("temporaryAccessPassMethods")]) == 2
    assert len(people.passes["u-anna"]) == 1
    assert len([m for m in outbox(tmp_path) if the_pass(people) in body(m)]) == 1
    desk.close()


def test_a_lookup_throttled_past_the_bound_waits_for_the_next_pass(tmp_path, people, oauth_app, monkeypatch):
    from resetdesk.responders import graph as graph_module

    monkeypatch.setattr(graph_module, "MAX_TRIES", 2)
    desk = make_desk(tmp_path, people, oauth_app[0])
    people.add_route("GET", r"/v1\.0/users/[^/]+", lambda server, request, params: servers.graph_error(
        503, "ServiceUnavailable", "Busy.", {"Retry-After": "0"}), times=2)
    run(desk, request_mail())
    [request] = requests_of(desk)
    assert request.state == "received" and request.retry_at
    assert "request_postponed" in [r["event"] for r in desk.store.audit_rows()]
    desk.close()


def test_missing_permission_fails_the_request_and_names_what_to_grant(tmp_path, people, oauth_app, caplog):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail())
    people.add_route("POST", TAP_PATH, lambda server, request, params: servers.graph_error(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
    with caplog.at_level(logging.ERROR, logger="resetdesk"):
        run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    [request] = requests_of(desk)
    assert request.state == "failed" and request.reason == "permission"
    assert "UserAuthMethod-TAP.ReadWrite.All" in request.detail and "UserAuthMethod-TAP.ReadWrite.All" in caplog.text
    outcome = [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == CTO and "failed" in str(m["Subject"])]
    assert outcome and "UserAuthMethod-TAP.ReadWrite.All" in body(outcome[0])
    assert secret_mails(tmp_path) == []
    desk.close()


def test_a_timeout_after_the_tap_request_is_in_doubt_and_never_resent(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], graph={"timeout": 1.0})
    config_path = tmp_path / "resetdesk.toml"
    run(desk, request_mail())

    def slow(server, request, params):
        time.sleep(2.5)
        return server._graph_create_pass(request, params)    # it did happen; the answer came too late

    from test_service_maildir import wait_until

    people.add_route("POST", TAP_PATH, slow, times=1)
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    [request] = requests_of(desk)
    assert request.state == "in_doubt"
    assert len([r for r in people.requests
                if r.method == "POST" and r.path.endswith("temporaryAccessPassMethods")]) == 1
    run(desk)
    assert requests_of(desk)[0].state == "in_doubt" and secret_mails(tmp_path) == []
    # A person looks later and decides: a new attempt. The pass nobody received is deleted first.
    assert wait_until(lambda: people.passes.get("u-anna"), 10)
    retried = CliRunner().invoke(cli, ["approvals", "retry", request.id, "--as", "ops@contoso.no",
                                       "--config", str(config_path)])
    assert retried.exit_code == 0, retried.output
    run(desk)
    assert requests_of(desk)[0].state == "executed"
    assert len(people.calls("DELETE")) == 1 and len(people.passes["u-anna"]) == 1
    assert len([m for m in outbox(tmp_path) if the_pass(people) in body(m)]) == 1
    desk.close()


def test_revoke_failure_still_sends_the_pass_and_says_so_in_the_audit(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0])
    run(desk, request_mail())
    people.add_route("POST", r"/v1\.0/users/[^/]+/revokeSignInSessions", lambda server, request, params:
                     servers.graph_error(403, "Authorization_RequestDenied", "Insufficient privileges."))
    run(desk, command_mail(line_for(approval_requests(tmp_path, CTO)[0])))
    assert requests_of(desk)[0].state == "executed"
    [issued] = [r for r in desk.store.audit_rows() if r["event"] == "secret_issued"]
    assert issued["detail"]["sessions_revoked"] is False
    desk.close()


# ------------------------------------------------------------------ groups


def test_requester_and_approver_groups_are_asked_of_graph(tmp_path, people, oauth_app):
    people.add_group("g-requesters", "IT leads", ["u-bob"])
    people.add_group("g-approvers", "Security", ["g-nested"])
    people.add_group("g-nested", "Security leads", ["u-ciso"])
    desk = make_desk(tmp_path, people, oauth_app[0], policy={
        "requesters": [], "approvers": [], "requester_group": "g-requesters", "approver_group": "g-approvers"})
    run(desk, request_mail(sender="bob@contoso.no", message_id="<bob@contoso.no>"))
    [request] = requests_of(desk)
    assert request.state == "pending" and request.approvers == [CISO]
    assert people.calls("POST", "/checkMemberGroups")
    run(desk, request_mail(sender=LEAD, message_id="<lead@contoso.no>"))    # verified, but not in the group
    refused = [r for r in requests_of(desk) if r.requester == LEAD]
    assert [r.reason for r in refused] == ["not_requester"]
    run(desk, command_mail(line_for(approval_requests(tmp_path, CISO)[0]), sender=CISO))
    assert desk.approvals.get(request.id).state == "executed"
    desk.close()


def test_too_few_approvers_is_refused(tmp_path, people, oauth_app):
    desk, request, _ = _refused(tmp_path, people, oauth_app, policy={"approvers": [LEAD, ANNA]})
    assert request.reason == "too_few_approvers"
    desk.close()


# ------------------------------------------------------------------ Exchange Online


def exchange_headers(identity, **overrides):
    headers = {"X-MS-Exchange-Organization-AuthAs": "Internal",
               "X-MS-Exchange-Organization-MessageDirectionality": "Originating",
               "X-MS-Exchange-CrossTenant-Id": identity.tenant_id,
               "X-MS-Exchange-CrossTenant-FromEntityHeader": "Hosted",
               "Authentication-Results": "spf=pass smtp.mailfrom=contoso.no; dkim=none (message not signed) "
                                         "header.d=none; dmarc=none action=none header.from=contoso.no;"}
    headers.update(overrides)
    return headers


def test_exchange_online_waits_for_a_signin_and_takes_no_mailed_codes(tmp_path, people, oauth_app):
    from resetdesk.approvals import ApprovalError

    config_path = approval_config(tmp_path, people, oauth_app[0],
                                  policy={"verification": "exchange-online", "trusted_authserv_ids": []})
    desk = Desk(config_module.load(config_path))
    run(desk, request_mail(headers=exchange_headers(people)))
    [request] = requests_of(desk)
    assert request.state == "awaiting_confirmation" and request.requester_id == "u-lead"
    assert approval_requests(tmp_path) == []                      # nobody asked before the requester signs in
    [ack] = [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == LEAD]
    assert "signing in" in body(ack)

    for claims in ({"tid": "another-tenant", "oid": "u-lead", "amr": ["pwd", "mfa"]},
                   {"tid": people.tenant_id, "oid": "u-bob", "amr": ["pwd", "mfa"]},
                   {"tid": people.tenant_id, "oid": "u-lead", "amr": ["pwd"]}):
        with pytest.raises(ApprovalError):
            desk.approvals.confirm_signin(request.id, claims)
    desk.approvals.confirm_signin(request.id, {"tid": people.tenant_id, "oid": "u-lead", "amr": ["pwd", "mfa"]})
    run(desk)
    [to_cto] = approval_requests(tmp_path, CTO)
    assert "not taken by email" in body(to_cto) and "APPROVE R-" not in body(to_cto)
    assert desk.store.codes(request.id) == []

    # Mail from inside the tenant proves only that someone there sent it: no mailed code counts.
    run(desk, command_mail(f"APPROVE {request.id} ABCDEFGHJK", headers=exchange_headers(people)))
    assert desk.approvals.get(request.id).state == "pending" and changes(people) == []
    [answer] = [m for m in outbox(tmp_path) if m["To"].addresses[0].addr_spec == CTO and "Re:" in str(m["Subject"])]
    assert "not taken by email" in body(answer)

    approved = CliRunner().invoke(cli, ["approvals", "approve", request.id, "--as", CTO, "--config", str(config_path)])
    assert approved.exit_code == 0, approved.output
    run(desk)
    assert desk.approvals.get(request.id).state == "executed"
    assert len([m for m in outbox(tmp_path) if the_pass(people) in body(m)]) == 1
    desk.close()


def test_exchange_online_mail_from_outside_is_not_verified(tmp_path, people, oauth_app):
    desk = make_desk(tmp_path, people, oauth_app[0], policy={"verification": "exchange-online"})
    run(desk, request_mail(headers=exchange_headers(people, **{"X-MS-Exchange-CrossTenant-Id": "another-tenant"})))
    assert requests_of(desk) == []
    desk.close()
