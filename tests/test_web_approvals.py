"""The console's approval pages through Flask's test client, on a real desk's store and the identity stand-in.

Requests are made the real way (a request mail decided by the Desk, Graph
preflight against the stand-in); votes on the console go through
`ApprovalBook.vote` with the rules of mail and CLI; the requester's
confirmation signs in through the stand-in with tokens that lack MFA, name
another tenant or user, or are stale, and each changes nothing.
"""

from __future__ import annotations

import html
import logging
import re
import urllib.parse

import pytest
import requests
from approval_helpers import (ANNA, CISO, CTO, LEAD, approval_config, approval_requests, body, command_mail,
                              directory, outbox, outbox_files, parse, request_mail)
from test_approval_secrets import holds, rows_holding
from test_approvals import exchange_headers, run

from resetdesk import config as config_module
from resetdesk.approvals import link_hash
from resetdesk.service import Desk
from resetdesk.web import approval_pages
from resetdesk.web.app import create_app
from resetdesk.web.server import local_principal

pytestmark = pytest.mark.servers

OPERATOR = "ops@contoso.no"
BASE = "http://127.0.0.1:8480"


@pytest.fixture
def people(identity):
    directory(identity)
    identity.add_user("u-ops", OPERATOR, mail=OPERATOR, displayName="Ops Person", accountEnabled=True,
                      userType="Member")
    return identity


class Setup:
    """A desk (the service, in process) and a console over the same store."""

    def __init__(self, tmp_path, identity, client_id, *, policy=None, approval=None, graph=None, web=None):
        path = approval_config(tmp_path, identity, client_id,
                               policy={"operators": [OPERATOR], **(policy or {})}, approval=approval, graph=graph,
                               web={"public_url": BASE, **(web or {})})
        self.tmp_path = tmp_path
        self.identity = identity
        self.config = config_module.load(path)
        self.desk = Desk(self.config)
        self.apps = []

    def request(self, *raws):
        run(self.desk, *raws)
        return self.desk.approvals.requests()

    def console(self, as_approver=None, local=True):
        app = create_app(self.config, base_url=BASE,
                         local_principal=local_principal(self.config, as_approver) if local else None)
        self.apps.append(app)
        return app

    def get(self, request_id):
        return self.desk.approvals.get(request_id)

    def close(self):
        for app in self.apps:
            app.extensions["resetdesk"].stores.close()
        self.desk.close()


@pytest.fixture
def setup(tmp_path, people, oauth_app):
    made = []

    def make(**kwargs):
        made.append(Setup(tmp_path, people, oauth_app[0], **kwargs))
        return made[-1]
    yield make
    for item in made:
        item.close()


def signed_in(app):
    client = app.test_client()
    token = app.extensions["resetdesk"].local_tokens.issue()
    assert client.get(f"/auth/local?token={token}").status_code == 200
    return client


def csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def decide(client, request_id, verb, reason=None, confirm="yes"):
    """The confirmation page, then its form's POST (with the page's CSRF token)."""
    page = client.get(f"/approvals/{request_id}/{verb}")
    assert page.status_code == 200, page.data
    data = {"csrf_token": csrf(page.data), "confirm": confirm}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/approvals/{request_id}/{verb}", data=data)


def flashes(client) -> str:
    return " ".join(re.findall(r'<p class="flash" role="status">([^<]*)</p>', client.get("/approvals").data.decode()))


def sent_to(start) -> str:
    """Where a response sends the browser: a redirect, or a page that moves on by itself (after a POST)."""
    if start.status_code == 302:
        return start.headers["Location"]
    assert start.status_code == 200, start.data
    return html.unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', start.data.decode()).group(1))


def through_entra(client, start, login):
    """The browser's part of a sign-in: the authorize page, its form, back to the console's callback."""
    http = requests.Session()
    http.trust_env = False
    http.verify = str(client.application.extensions["resetdesk"].signin.ca_file)
    form = http.get(sent_to(start))
    request_id = re.search(r'name="request" value="([^"]+)"', form.text).group(1)
    location = urllib.parse.urlsplit(sent_to(start))
    back = http.post(f"{location.scheme}://{location.netloc}{location.path}",
                     data={"request": request_id, "login": login}, allow_redirects=False)
    callback = urllib.parse.urlsplit(back.headers["Location"])
    assert callback.path == "/auth/callback"
    return client.get(f"{callback.path}?{callback.query}")


def changes(identity) -> list:
    return [c for c in identity.graph_calls if c.method in ("POST", "PATCH", "DELETE")
            and not c.path.endswith(("/checkMemberGroups", "/sendMail"))]


# ------------------------------------------------------------ the pending page


def test_the_pending_page_says_who_asked_for_whom_why_how_verified_and_the_time_left(setup):
    made = setup()
    [request] = made.request(request_mail())
    client = signed_in(made.console(as_approver=CTO))
    page = client.get("/approvals").data.decode()
    assert "Waiting for a decision (1)" in page and request.id in page
    assert LEAD in page and ANNA in page and "Anna Lind" in page
    assert "Password reset for Anna" in page                                  # the mail's subject
    for rule in request.why["rules"]:
        assert rule["name"] in page                                           # the rules that fired
    assert request.verification and request.verification in page              # how the requester was verified
    assert re.search(r"Time left</dt><dd>(29|30)\.\d min", page)
    assert f'id="approve-{request.id}"' in page and f'id="deny-{request.id}"' in page
    assert "Approvals" in re.search(r"<nav aria-label=\"Pages\">.*?</nav>", page, re.S).group(0)

    operator = signed_in(made.console())                                      # operators look, never decide
    page = operator.get("/approvals").data.decode()
    assert request.id in page and f'id="approve-{request.id}"' not in page
    assert operator.get(f"/approvals/{request.id}/approve").status_code == 403
    assert operator.post(f"/approvals/{request.id}/approve", data={"csrf_token": csrf(page.encode()),
                                                                   "confirm": "yes"}).status_code == 403
    assert made.get(request.id).state == "pending"


def test_approve_on_the_console_and_the_desk_resets_once(setup):
    made = setup()
    [request] = made.request(request_mail())
    client = signed_in(made.console(as_approver=CTO))
    page = client.get(f"/approvals/{request.id}/approve").data.decode()
    assert f"Approve request {request.id}?" in page and "Temporary Access Pass" in page
    unconfirmed = client.post(f"/approvals/{request.id}/approve", data={"csrf_token": csrf(page.encode())})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith("/approve")
    assert made.get(request.id).state == "pending"                           # no confirmation, no vote

    done = decide(client, request.id, "approve")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/approvals/{request.id}")
    assert made.get(request.id).state == "approved"
    assert "approved: the desk carries it out on its next pass" in flashes(client)
    [vote] = made.desk.store.votes(request.id)
    assert (vote["approver"], vote["vote"], vote["via"]) == (CTO, "approve", "console")

    run(made.desk)
    executed = made.get(request.id)
    assert executed.state == "executed" and executed.approved_by == [CTO]
    assert len(made.identity.calls("POST", "/temporaryAccessPassMethods")) == 1
    the_pass = made.identity.passes["u-anna"][0]["temporaryAccessPass"]
    page = client.get(f"/approvals/{request.id}").data.decode()
    assert "Done" in page and "approved by cto@contoso.no" in page
    assert "sent to the requester" in page and the_pass not in page        # the pass is never shown
    for event in ("request_received", "request_pending", "approval_vote", "request_approved", "secret_issued",
                  "secret_sent", "request_executed"):
        assert f"<td>{event}</td>" in page, event
    message = client.get(f"/messages/{urllib.parse.quote(request.message_key)}").data.decode()
    assert f'href="/approvals/{request.id}"' in message and the_pass not in message


def test_the_rules_are_the_same_as_by_mail_and_on_the_host(setup):
    made = setup(policy={"approvers": [CTO, CISO, LEAD, ANNA]}, approval={"required": 2})
    [request] = made.request(request_mail())
    assert sorted(made.get(request.id).approvers) == [CISO, CTO]             # preflight: never LEAD or ANNA

    for who in (LEAD, ANNA):                                                  # the requester, the account itself
        client = signed_in(made.console(as_approver=who))
        assert "cannot decide it" in client.get(f"/approvals/{request.id}/approve").data.decode()
        assert f'id="approve-{request.id}"' not in client.get("/approvals").data.decode()
        decide(client, request.id, "approve")
        assert "Not approved:" in flashes(client) and made.get(request.id).state == "pending"
    rejected = made.desk.store.audit_rows(event="approval_rejected")
    assert sorted(r["detail"]["by"] for r in rejected) == [ANNA, LEAD]
    assert {r["detail"]["via"] for r in rejected} == {"console"}
    assert made.desk.store.votes(request.id) == []

    cto = signed_in(made.console(as_approver=CTO))
    decide(cto, request.id, "approve")
    assert "recorded (1 of 2)" in flashes(cto) and made.get(request.id).state == "pending"
    decide(cto, request.id, "approve")                                        # two distinct approvers
    assert "has already decided" in flashes(cto) and made.get(request.id).state == "pending"
    ciso = signed_in(made.console(as_approver=CISO))
    decide(ciso, request.id, "approve")
    assert made.get(request.id).state == "approved" and made.get(request.id).approved_by == [CTO, CISO]
    assert changes(made.identity) == []                                       # the desk acts on its next pass


def test_expired_locked_and_denied_requests_are_refused(setup):
    made = setup()
    first, second, third = made.request(request_mail(), request_mail(message_id="<two@contoso.no>"),
                                        request_mail(message_id="<three@contoso.no>"))
    cto = signed_in(made.console(as_approver=CTO))

    made.desk.store.db.execute("UPDATE approval_requests SET expires_at = '2000-01-01T00:00:00.000+00:00' "
                               "WHERE id = ?", [first.id])
    made.desk.store.db.conn.commit()
    assert "is expired: there is nothing to decide" in cto.get(f"/approvals/{first.id}/approve").data.decode()
    cto.post(f"/approvals/{first.id}/approve", data={"csrf_token": csrf(cto.get("/approvals").data),
                                                     "confirm": "yes"})
    assert "is expired" in flashes(cto) and made.get(first.id).state == "expired"

    for n in range(3):                                                        # three wrong codes by mail lock it
        run(made.desk, command_mail(f"APPROVE {second.id} WRONGCODE{n}", message_id=f"<wrong{n}@contoso.no>"))
    assert made.get(second.id).state == "locked"
    cto.post(f"/approvals/{second.id}/approve", data={"csrf_token": csrf(cto.get("/approvals").data),
                                                      "confirm": "yes"})
    assert "is locked" in flashes(cto) and made.get(second.id).state == "locked"

    ciso = signed_in(made.console(as_approver=CISO))
    no_reason = decide(ciso, third.id, "deny", reason="  ")
    assert no_reason.headers["Location"].endswith("/deny") and made.get(third.id).state == "pending"
    decide(ciso, third.id, "deny", reason="She is on leave; call her first.")
    denied = made.get(third.id)
    assert denied.state == "denied" and denied.detail == "She is on leave; call her first."
    cto.post(f"/approvals/{third.id}/approve", data={"csrf_token": csrf(cto.get("/approvals").data),
                                                     "confirm": "yes"})
    assert "is denied" in flashes(cto) and made.get(third.id).state == "denied"
    run(made.desk)
    assert changes(made.identity) == []
    status = [m for m in outbox(made.tmp_path) if m["To"].addresses[0].addr_spec == LEAD and "denied" in body(m)]
    assert status and "She is on leave" in body(status[0])


def test_a_decision_needs_the_sessions_csrf_token_and_a_same_site_form(setup):
    made = setup()
    [request] = made.request(request_mail())
    client = signed_in(made.console(as_approver=CTO))
    token = csrf(client.get(f"/approvals/{request.id}/approve").data)
    assert client.post(f"/approvals/{request.id}/approve", data={"confirm": "yes"}).status_code == 400
    assert client.post(f"/approvals/{request.id}/approve",
                       data={"confirm": "yes", "csrf_token": token[:-1]}).status_code == 400
    cross = client.post(f"/approvals/{request.id}/approve", data={"confirm": "yes", "csrf_token": token},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert made.get(request.id).state == "pending" and made.desk.store.votes(request.id) == []
    assert client.get("/approvals/R-NOSUCH").status_code == 404


# ------------------------------------------------- approvers signed in with Entra ID


def entra_session(app, login):
    client = app.test_client()
    answer = through_entra(client, client.get("/auth/login?next=/approvals"), login)
    assert answer.status_code == 200 and b"Signed in" in answer.data, answer.data
    return client


def test_a_fresh_sign_in_votes_at_once_and_an_older_session_signs_in_again_first(setup, monkeypatch):
    made = setup()
    first, second = made.request(request_mail(), request_mail(message_id="<two@contoso.no>"))
    app = made.console(local=False)
    client = entra_session(app, CTO)
    decide(client, first.id, "approve")                                       # signed in seconds ago: counts
    assert made.get(first.id).state == "approved"

    later = approval_pages.wall_clock() + 600                                 # past web.signin_max_age_seconds
    monkeypatch.setattr(approval_pages, "wall_clock", lambda: later)
    page = client.get(f"/approvals/{second.id}/approve").data.decode()
    assert "you will be asked to sign in again" in page
    start = client.post(f"/approvals/{second.id}/approve", data={"csrf_token": csrf(page.encode()),
                                                                 "confirm": "yes"})
    # A page that moves on to the sign-in (a form's POST may not be redirected to another site).
    assert start.status_code == 200 and b"Your sign-in is older than an approval allows" in start.data
    assert "/authorize" in sent_to(start) and "login_hint=cto%40contoso.no" in sent_to(start)
    assert "prompt=login" in sent_to(start) and "resetdesk_signin=" in start.headers["Set-Cookie"]
    assert made.get(second.id).state == "pending"                            # nothing until the sign-in

    made.identity.set_signin_claims("u-cto", amr=["pwd"])                     # the step-up lacks MFA: refused
    refused = through_entra(client, start, CTO)
    assert refused.status_code == 403 and made.get(second.id).state == "pending"
    made.identity.set_signin_claims("u-cto")
    start = client.post(f"/approvals/{second.id}/approve", data={"csrf_token": csrf(page.encode()),
                                                                 "confirm": "yes"})
    assert through_entra(client, start, CISO).status_code == 403             # another person at the step-up
    assert made.get(second.id).state == "pending" and made.desk.store.votes(second.id) == []
    reasons = [r["detail"]["reason"] for r in made.desk.store.audit_rows(event="console_refused")]
    assert sorted(reasons) == ["no_mfa", "wrong_user"]
    assert {r["detail"]["request_id"] for r in made.desk.store.audit_rows(event="console_refused")} == {second.id}

    start = client.post(f"/approvals/{second.id}/approve", data={"csrf_token": csrf(page.encode()),
                                                                 "confirm": "yes"})
    back = through_entra(client, start, CTO)
    assert back.status_code == 200 and f'content="0;url=/approvals/{second.id}"' in back.data.decode()
    assert made.get(second.id).state == "approved"
    assert "approved: the desk carries it out" in flashes(client)            # told in the console session


def test_an_approver_asked_through_the_group_may_sign_in_while_a_request_waits(setup):
    made = setup(policy={"approvers": [CTO], "approver_group": "g-approvers"})
    made.identity.add_group("g-approvers", "Approvers", ["u-ciso"])
    app = made.console(local=False)
    stranger = app.test_client()
    refused = through_entra(stranger, stranger.get("/auth/login"), CISO)
    assert refused.status_code == 403                                        # nothing pending: no role
    [request] = made.request(request_mail())
    assert CISO in made.get(request.id).approvers
    client = entra_session(app, CISO)
    decide(client, request.id, "approve")
    assert made.get(request.id).state == "approved" and made.get(request.id).approved_by == [CISO]


# ---------------------------------------------------------- the overview and a message


def test_the_overview_charts_requests_by_outcome(setup):
    made = setup()
    first, second = made.request(request_mail(), request_mail(message_id="<two@contoso.no>"))
    cto = signed_in(made.console(as_approver=CTO))
    decide(cto, first.id, "deny", reason="no")
    page = cto.get("/").data.decode()
    assert "Reset requests and their outcomes" in page
    day = first.created[:10]
    assert f"<title>{day} denied: 1</title>" in page and f"<title>{day} pending: 1</title>" in page
    assert ">1</span> waiting for a decision" in page


# ---------------------------------------------------- the requester's confirmation


def confirmation_link(tmp_path) -> str:
    [mail] = [m for m in outbox(tmp_path) if str(m["Subject"]).startswith("Confirm your request")]
    return re.search(rf"{re.escape(BASE)}(/confirm/[\w-]+)", body(mail)).group(1)


def exchange_setup(setup, **kwargs):
    return setup(policy={"verification": "exchange-online", "trusted_authserv_ids": []}, **kwargs)


def test_the_confirmation_link_is_mailed_once_and_stored_only_as_a_hash(setup, caplog):
    caplog.set_level(logging.DEBUG)
    made = exchange_setup(setup)
    [request] = made.request(request_mail(headers=exchange_headers(made.identity)))
    assert request.state == "awaiting_confirmation"
    [mail] = [m for m in outbox(made.tmp_path) if m["To"].addresses[0].addr_spec == LEAD]
    assert str(mail["Subject"]) == f"Confirm your request {request.id}: reset {ANNA}"
    path = confirmation_link(made.tmp_path)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 40
    [row] = made.desk.store.db.query("SELECT * FROM approval_links")
    assert row["token_hash"] == link_hash(token) and row["used_at"] is None
    assert rows_holding(made.desk.config.resolve_path(made.config.store.path), token) == []
    assert [f.name for f in outbox_files(made.tmp_path) if holds(f.read_bytes(), token)] == \
        [f.name for f in outbox_files(made.tmp_path) if "Confirm your request" in str(parse(f.read_bytes())["Subject"])]
    assert token not in caplog.text
    assert approval_requests(made.tmp_path) == []                            # nobody asked before the sign-in


@pytest.mark.parametrize("login, claims, reason", [
    (LEAD, {"amr": ["pwd"]}, "no_mfa"),
    (LEAD, {"tid": "fabrikam-tenant"}, "wrong_tenant"),
    ("bob@contoso.no", {}, "wrong_user"),
    (LEAD, {"auth_age": 7200}, "stale"),
])
def test_a_confirmation_sign_in_that_fails_a_check_changes_nothing(setup, login, claims, reason):
    made = exchange_setup(setup)
    [request] = made.request(request_mail(headers=exchange_headers(made.identity)))
    path = confirmation_link(made.tmp_path)
    client = made.console(local=False).test_client()
    page = client.get(path)
    assert page.status_code == 200 and f"Confirm your request {request.id}" in page.data.decode()
    assert client.get(path).status_code == 200                               # opening it twice changes nothing
    made.identity.set_signin_claims({"bob@contoso.no": "u-bob"}.get(login, "u-lead"), **claims)
    start = client.get(path + "/signin")
    assert "login_hint=lead%40contoso.no" in start.headers["Location"]
    answer = through_entra(client, start, login)
    assert answer.status_code == 403
    assert made.get(request.id).state == "awaiting_confirmation"
    [link] = made.desk.store.db.query("SELECT used_at FROM approval_links")
    assert link["used_at"] is None
    run(made.desk)
    assert approval_requests(made.tmp_path) == []
    [refused] = made.desk.store.audit_rows(event="console_refused")
    assert refused["detail"]["reason"] == reason and refused["detail"]["request_id"] == request.id
    assert refused["message_key"] == request.message_key                     # in the request's history


def test_the_requesters_own_mfa_sign_in_confirms_once_and_approvers_are_asked(setup):
    made = exchange_setup(setup)
    [request] = made.request(request_mail(headers=exchange_headers(made.identity)))
    path = confirmation_link(made.tmp_path)
    client = made.console(local=False).test_client()
    answer = through_entra(client, client.get(path + "/signin"), LEAD)
    assert answer.status_code == 200 and f"Request {request.id} confirmed" in answer.data.decode()
    assert made.get(request.id).state == "pending"
    [pending] = made.desk.store.audit_rows(event="request_pending")
    assert pending["detail"]["confirmed_by"] == "sign-in (the mailed link)" and pending["detail"]["oid"] == "u-lead"
    used = client.get(path).data.decode()
    assert "used already" in used and "confirm-signin" not in used
    assert "used already" in client.get(path + "/signin").data.decode()
    assert client.get("/confirm/not-a-link").status_code == 404

    run(made.desk)
    [to_cto] = approval_requests(made.tmp_path, CTO)
    assert f"{BASE}/approvals/{request.id}" in body(to_cto) and "APPROVE R-" not in body(to_cto)
    cto = entra_session(made.console(local=False), CTO)
    page = cto.get(f"/approvals/{request.id}").data.decode()
    assert "confirmed by the requester&#39;s own Entra ID sign-in with MFA" in page
    decide(cto, request.id, "approve")
    run(made.desk)
    assert made.get(request.id).state == "executed"


def test_in_gateway_mode_the_confirmation_comes_before_the_mailed_codes(setup):
    made = setup(policy={"require_signin_confirmation": True})
    [request] = made.request(request_mail())
    assert request.state == "awaiting_confirmation" and approval_requests(made.tmp_path) == []
    client = made.console(local=False).test_client()
    through_entra(client, client.get(confirmation_link(made.tmp_path) + "/signin"), LEAD)
    run(made.desk)
    [to_cto] = approval_requests(made.tmp_path, CTO)
    assert f"APPROVE {request.id} " in body(to_cto) and f"{BASE}/approvals/{request.id}" in body(to_cto)


def test_an_expired_link_changes_nothing(setup):
    made = exchange_setup(setup)
    [request] = made.request(request_mail(headers=exchange_headers(made.identity)))
    path = confirmation_link(made.tmp_path)
    made.desk.store.db.execute("UPDATE approval_links SET expires_at = '2000-01-01T00:00:00.000+00:00'")
    made.desk.store.db.conn.commit()
    client = made.console(local=False).test_client()
    assert "has expired" in client.get(path).data.decode()
    assert client.get(path + "/signin").status_code == 200                   # the page again: no sign-in starts
    assert made.get(request.id).state == "awaiting_confirmation"


def test_confirm_signin_accepts_the_configured_authentication_context(setup):
    made = setup(policy={"verification": "exchange-online", "trusted_authserv_ids": []}, web={"auth_context": "c1"})
    [request] = made.request(request_mail(headers=exchange_headers(made.identity)))
    from resetdesk.approvals import ApprovalError

    with pytest.raises(ApprovalError, match="MFA"):
        made.desk.approvals.confirm_signin(request.id, {"tid": made.identity.tenant_id, "oid": "u-lead",
                                                        "amr": ["pwd"], "acrs": ["c2"]})
    made.desk.approvals.confirm_signin(request.id, {"tid": made.identity.tenant_id, "oid": "u-lead",
                                                    "amr": ["pwd"], "acrs": ["c1"]})
    assert made.get(request.id).state == "pending"


def test_an_unconfirmed_request_expires_without_bothering_the_approvers(setup):
    made = exchange_setup(setup)
    [request] = made.request(request_mail(headers=exchange_headers(made.identity)))
    made.desk.store.db.execute("UPDATE approval_requests SET expires_at = '2000-01-01T00:00:00.000+00:00'")
    made.desk.store.db.conn.commit()
    run(made.desk)
    assert made.get(request.id).state == "expired"
    assert [m["To"].addresses[0].addr_spec for m in outbox(made.tmp_path)] == [LEAD, LEAD]   # the link, the end
    client = made.console(local=False).test_client()
    assert "is expired" in client.get(confirmation_link(made.tmp_path)).data.decode()
