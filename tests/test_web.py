"""The web console through Flask's test client: sign-in, roles, sessions, CSRF, headers, every page, release."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.parse

import pytest
import requests

import history
from resetdesk import config as config_module
from resetdesk.errors import ConfigError
from resetdesk.store import Store
from resetdesk.web.app import create_app, safe_next
from resetdesk.web.server import local_principal
from datetime import UTC

pytestmark = pytest.mark.servers

OPERATOR, APPROVER, STRANGER = "ola@contoso.no", "cto@contoso.no", "eve@contoso.no"


class Ticks:
    """A settable monotonic clock for sessions and one-time links."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    """A store with the corpus decided and 600 messages of history, two replies held (one in doubt)."""
    path = tmp_path_factory.mktemp("history") / "desk.db"
    store, _clock, keys = history.build(path, messages=600, days=30)
    held = history.hold_some(store, 2)
    store.close()
    return path, keys, held


@pytest.fixture
def db(history_db, tmp_path):
    """A private copy of the history store for one test (a release changes it)."""
    import shutil

    path, keys, held = history_db
    copy = tmp_path / "desk.db"
    shutil.copy(path, copy)
    return copy, keys, held


def make_config(db_path, identity=None, client_id="", **web):
    data = {"policy": {"operators": [OPERATOR], "approvers": [APPROVER], "desk_address": "help@resetdesk.example"},
            "store": {"path": str(db_path)}, "web": web}
    if identity is not None:
        data["oauth"] = {"tenant_id": identity.tenant_id, "client_id": client_id, "authority": identity.authority,
                         "ca_file": str(identity.ca_file)}
    return config_module.from_dict(data)


@pytest.fixture
def local(db):
    """make(as_approver=None, base_url=...) -> (app, ticks); the test client signs in with a one-time link."""
    def make(as_approver=None, base_url="http://127.0.0.1:8480", **web):
        config = make_config(db[0], **web)
        ticks = Ticks()
        app = create_app(config, base_url=base_url, local_principal=local_principal(config, as_approver),
                         clock=history_clock(), session_clock=ticks)
        return app, ticks
    return make


def history_clock():
    from datetime import datetime

    return lambda: datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def signed_in(app):
    client = app.test_client()
    token = app.extensions["resetdesk"].local_tokens.issue()
    answer = client.get(f"/auth/local?token={token}")
    assert answer.status_code == 200 and b"Signed in" in answer.data
    return client


def csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def audit_events(db_path, event):
    store = Store(db_path)
    try:
        return store.audit_rows(event=event)
    finally:
        store.close()


# ---------------------------------------------------------------- safe by default


def test_every_response_carries_the_safety_headers_and_no_inline_script_or_style(local, db):
    app, _ = local()
    client = signed_in(app)
    key = db[1][0]
    for path in ("/", "/audit", "/outbox", f"/messages/{urllib.parse.quote(key)}", "/signin", "/nowhere",
                 f"/outbox/{db[2][0]}/release"):
        answer = client.get(path)
        headers = answer.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp and "style-src 'self'" in csp, path
        assert "unsafe-inline" not in csp
        assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"
        html = answer.data.decode()
        assert "<script" not in html and "<style" not in html and " style=" not in html, path
    assert client.get("/static/console.css").status_code == 200


def test_the_session_cookie_is_httponly_strict_and_secure_behind_tls(local):
    app, _ = local()
    token = app.extensions["resetdesk"].local_tokens.issue()
    cookie = app.test_client().get(f"/auth/local?token={token}").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    app, _ = local(base_url="https://desk.contoso.no")
    token = app.extensions["resetdesk"].local_tokens.issue()
    answer = app.test_client().get(f"/auth/local?token={token}", base_url="https://desk.contoso.no")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-resetdesk=") and "Secure" in cookie and "SameSite=Strict" in cookie
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_one_time_link_works_once_and_for_ten_minutes(local, db):
    app, ticks = local()
    tokens = app.extensions["resetdesk"].local_tokens
    token = tokens.issue()
    client = app.test_client()
    assert client.get("/").status_code == 302
    assert client.get(f"/auth/local?token={token}").status_code == 200
    assert client.get("/").status_code == 200
    assert app.test_client().get(f"/auth/local?token={token}").status_code == 403      # used
    late = tokens.issue()
    ticks.now += 601
    assert app.test_client().get(f"/auth/local?token={late}").status_code == 403       # expired
    assert app.test_client().get("/auth/local?token=guess").status_code == 403
    refused = audit_events(db[0], "console_refused")
    assert len(refused) == 3 and {r["detail"]["reason"] for r in refused} == {"link_used_or_expired"}
    assert [r["detail"]["method"] for r in audit_events(db[0], "console_signin")] == ["local"]
    assert token not in str(refused) and late not in str(refused)          # the token itself is never stored


def test_sessions_expire_and_sign_out_ends_them(local):
    app, ticks = local(session_minutes=30)
    client = signed_in(app)
    assert client.get("/audit").status_code == 200
    ticks.now += 30 * 60 + 1
    answer = client.get("/audit")
    assert answer.status_code == 302 and "/signin" in answer.headers["Location"]
    client = signed_in(app)
    page = client.get("/").data
    assert client.post("/auth/signout", data={"csrf_token": csrf(page)}).status_code == 302
    assert client.get("/").status_code == 302


def test_every_post_needs_the_sessions_csrf_token(local, db):
    app, _ = local()
    client = signed_in(app)
    row = db[2][1]
    page = client.get(f"/outbox/{row}/release").data
    token = csrf(page)
    assert client.post(f"/outbox/{row}/release", data={"confirm": "yes"}).status_code == 400
    assert client.post(f"/outbox/{row}/release", data={"confirm": "yes", "csrf_token": "x" + token}).status_code == 400
    other = signed_in(app)               # another session's token is no good here
    assert other.post(f"/outbox/{row}/release", data={"confirm": "yes", "csrf_token": token}).status_code == 400
    cross = client.post(f"/outbox/{row}/release", data={"confirm": "yes", "csrf_token": token},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert app.test_client().post("/auth/signout").status_code == 400       # no session, no POST
    assert audit_events(db[0], "delivery_released") == []


def test_next_after_sign_in_stays_on_the_console():
    assert safe_next("/audit?sender=a") == "/audit?sender=a"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None, "audit"):
        assert safe_next(bad) == "/"


# ---------------------------------------------------------------------- release


def test_release_asks_first_then_queues_the_row_and_records_who(local, db):
    app, _ = local()
    client = signed_in(app)
    in_doubt, held = db[2]
    outbox = client.get("/outbox").data.decode()
    assert f'id="release-{in_doubt}"' in outbox and "in doubt" in outbox
    confirm = client.get(f"/outbox/{in_doubt}/release").data.decode()
    assert "probably gone out already" in confirm and "mail server" in confirm
    token = csrf(confirm.encode())
    unconfirmed = client.post(f"/outbox/{in_doubt}/release", data={"csrf_token": token})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(f"/outbox/{in_doubt}/release")
    done = client.post(f"/outbox/{in_doubt}/release", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302
    assert f"Released outbox row {in_doubt}" in client.get("/outbox").data.decode()
    store = Store(db[0])
    assert store.outbox(in_doubt).status == "queued" and store.outbox(held).status == "held"
    [released] = store.audit_rows(event="delivery_released")
    assert released["detail"]["by"].startswith("local:") and released["detail"]["outbox_id"] == in_doubt
    store.close()
    again = client.post(f"/outbox/{in_doubt}/release", data={"csrf_token": token, "confirm": "yes"})
    assert again.status_code == 302
    assert "Not released: outbox row" in client.get("/outbox").data.decode()       # the store's rule: only held rows
    assert client.get("/outbox/999999/release").status_code == 404


def test_an_approver_looks_but_does_not_release(local, db):
    app, _ = local(as_approver=APPROVER)
    client = signed_in(app)
    assert client.get("/audit").status_code == 200
    assert "Release…" not in client.get("/outbox").data.decode()
    assert client.get(f"/outbox/{db[2][0]}/release").status_code == 403
    with pytest.raises(ConfigError, match="not on policy.approvers"):
        local_principal(make_config(db[0]), as_approver=OPERATOR)


# ------------------------------------------------------------------------ pages


def test_the_message_page_explains_the_decision(local, db):
    app, _ = local()
    client = signed_in(app)
    store = Store(db[0])
    key = next(row["message_key"] for row in store.db.query(
        "SELECT d.message_key FROM decisions d JOIN outbox o ON o.message_key = d.message_key AND o.kind = 'reply' "
        "WHERE d.scenario = 'admin_reset' LIMIT 1"))
    decision = store.decision(key)
    [reply] = store.outbox_rows("message_key = ? AND kind = 'reply'", [key])
    store.close()
    page = client.get(f"/messages/{urllib.parse.quote(key)}").data.decode()
    import json
    for rule in json.loads(decision["rules"]):
        assert rule["name"] in page and rule["description"].split(":")[0] in page
    facts = json.loads(decision["facts"])
    for name, phrase in facts["evidence"].items():
        assert f"“{phrase}”" in page, name
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="node scenario walked"' in page
    assert "edge walked" in page
    import email
    import email.policy
    sent_text = email.message_from_bytes(reply.raw, policy=email.policy.default).get_body(("plain",)).get_content()
    first_line = next(line for line in sent_text.splitlines() if line.strip())
    assert first_line.replace("'", "&#39;") in page
    assert client.get("/messages/mid:nobody@nowhere").status_code == 404


def test_a_kind_not_meant_to_be_shown_is_never_rendered(local, db):
    app, _ = local()
    client = signed_in(app)
    store = Store(db[0])
    key = db[1][0]
    secret = "TAP-4242-SECRET"
    store.db.execute("INSERT INTO outbox (message_key, kind, recipient, envelope_from, message_id, raw, status, "
                     "attempts, created) VALUES (?, 'credential', 'anna@contoso.no', 'd@x', 'c1@x', ?, 'sent', 1, "
                     "'2026-11-30T10:00:00.000+00:00')",
                     [key, f"Subject: Your pass\r\n\r\nYour Temporary Access Pass: {secret}\r\n".encode()])
    store.db.conn.commit()
    store.close()
    page = client.get(f"/messages/{urllib.parse.quote(key)}").data.decode()
    assert "Sent to the requester" in page and secret not in page


def test_the_audit_trail_filters_pages_and_links_each_message(local, db):
    app, _ = local()
    client = signed_in(app)
    first = client.get("/audit").data.decode()
    assert first.count("<tr>") == 51 and "Older ›" in first and "‹ Newer" not in first   # header + 50 rows
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).data.decode()
    assert "‹ Newer" in second and "« Newest" in second
    newer = re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert re.findall(r"<td>(\w+)</td>", client.get(newer).data.decode()) == re.findall(r"<td>(\w+)</td>", first)

    store = Store(db[0])
    sender = store.db.execute("SELECT sender FROM audit WHERE event = 'delivery_sent' LIMIT 1").fetchone()[0]
    expected = store.audit_rows(sender=sender, event="delivery_sent")
    store.close()
    filtered = client.get("/audit", query_string={"sender": sender.upper(), "event": "delivery_sent"}).data.decode()
    assert filtered.count("<tr>") == len(expected) + 1
    assert set(re.findall(r"<td>([^<]*@contoso\.no)</td>", filtered)) == {sender}
    for row in expected:
        assert urllib.parse.quote(row["message_key"]) in filtered or row["message_key"] in filtered
    dated = client.get("/audit", query_string={"since": "2026-11-30", "until": "2026-11-30"}).data.decode()
    assert all(at.startswith("2026-11-30") for at in re.findall(r'<td class="nowrap">([^<]+)</td>', dated))
    assert "not a date" in client.get("/audit?since=yesterday").data.decode()
    scenario = client.get("/audit?scenario=out_of_scope").data.decode()
    assert set(re.findall(r"<td>(sspr|support|out_of_scope|admin_reset)</td>", scenario)) == {"out_of_scope"}


def test_the_overview_draws_its_charts_on_the_server(local):
    app, _ = local()
    page = signed_in(app).get("/").data.decode()
    assert page.count('class="chart"') == 3
    assert "mails decided in 30 days" in page and "median time to reply" in page
    assert re.search(r"<title>2026-11-\d\d sspr: \d+</title>", page)
    assert ">1</span> replies in doubt" in page


# ------------------------------------------------------- Entra ID sign-in (stand-in)


@pytest.fixture
def entra(db, identity, oauth_app):
    identity.add_user("oid-ola", OPERATOR, displayName="Ola Hansen")
    identity.add_user("oid-cto", APPROVER, displayName="Kari CTO")
    identity.add_user("oid-eve", STRANGER, displayName="Eve")
    config = make_config(db[0], identity, oauth_app[0])
    app = create_app(config, base_url="http://127.0.0.1:8480", clock=history_clock())
    return app, identity


def entra_signin(app, identity, login):
    """The browser's part: console -> authorize page -> submit -> back to the console's callback."""
    client = app.test_client()
    start = client.get("/auth/login?next=/audit")
    assert start.status_code == 302
    http = requests.Session()
    http.trust_env = False
    http.verify = str(identity.ca_file)
    form = http.get(start.headers["Location"])
    request_id = re.search(r'name="request" value="([^"]+)"', form.text).group(1)
    form_url = urllib.parse.urljoin(start.headers["Location"], urllib.parse.urlsplit(start.headers["Location"]).path)
    back = http.post(form_url, data={"request": request_id, "login": login}, allow_redirects=False)
    callback = urllib.parse.urlsplit(back.headers["Location"])
    assert callback.path == "/auth/callback"
    return client, client.get(f"{callback.path}?{callback.query}")


def test_an_operator_signs_in_with_entra_id(entra, db):
    app, identity = entra
    client, answer = entra_signin(app, identity, OPERATOR)
    assert answer.status_code == 200 and b'content="0;url=/audit"' in answer.data
    assert client.get("/audit").status_code == 200
    assert "Ola Hansen" in client.get("/").data.decode()
    [signin] = audit_events(db[0], "console_signin")
    assert signin["detail"] == {"method": "entra", "roles": ["operator"], "user": OPERATOR}


def test_a_stranger_is_refused_after_sign_in_and_recorded(entra, db):
    app, identity = entra
    client, answer = entra_signin(app, identity, STRANGER)
    assert answer.status_code == 403 and b"neither an operator nor an approver" in answer.data
    assert client.get("/").status_code == 302
    [refused] = audit_events(db[0], "console_refused")
    assert refused["detail"]["user"] == STRANGER and refused["detail"]["reason"] == "no_role"


@pytest.mark.parametrize("claims, reason", [({"amr": ["pwd"]}, "no_mfa"), ({"tid": "fabrikam"}, "wrong_tenant"),
                                            ({"auth_age": 7200}, "stale")])
def test_a_sign_in_that_fails_a_check_is_refused_and_recorded(entra, db, claims, reason):
    app, identity = entra
    identity.set_signin_claims("oid-ola", **claims)
    client, answer = entra_signin(app, identity, OPERATOR)
    assert answer.status_code == 403
    assert client.get("/").status_code == 302
    assert [r["detail"]["reason"] for r in audit_events(db[0], "console_refused")] == [reason]


def test_a_callback_without_its_flow_cookie_is_refused(entra):
    app, _identity = entra
    assert app.test_client().get("/auth/callback?code=x&state=y").status_code == 400


def test_sign_in_page_says_what_is_missing(db, monkeypatch):
    monkeypatch.delenv("RESETDESK_CLIENT_SECRET", raising=False)
    app = create_app(make_config(db[0]), base_url="http://127.0.0.1:8480")
    page = app.test_client().get("/signin").data.decode()
    assert "not configured" in page and "client_id" in page


# ---------------------------------------------------------- the command itself


def test_resetdesk_web_local_prints_one_link_serves_and_stops_on_sigterm(db, tmp_path):
    config = tmp_path / "desk.toml"
    config.write_text(f'[store]\npath = "{db[0]}"\n[web]\nport = 0\n')
    process = subprocess.Popen([sys.executable, "-c", "from resetdesk.cli import cli; cli()", "web", "--local",
                                "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/auth/local\?token=[\w-]{40,}", line), line
        http = requests.Session()
        http.trust_env = False
        assert http.get(line).status_code == 200
        assert http.get(line.rsplit("/auth", 1)[0] + "/audit").status_code == 200
        assert requests.Session().get(line).status_code == 403               # once only
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert status == 0, process.stderr.read()


@pytest.mark.parametrize("trust_proxy", [False, True])
def test_behind_a_tls_proxy_cookies_are_secure_only_when_the_proxy_is_trusted(db, tmp_path, trust_proxy):
    config = tmp_path / "desk.toml"
    config.write_text(f'[store]\npath = "{db[0]}"\n[web]\nport = 0\ntrust_proxy = {str(trust_proxy).lower()}\n')
    process = subprocess.Popen([sys.executable, "-c", "from resetdesk.cli import cli; cli()", "web", "--local",
                                "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        link = process.stdout.readline().strip()
        http = requests.Session()
        http.trust_env = False
        answer = http.get(link, headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "desk.contoso.no",
                                         "X-Forwarded-For": "192.0.2.7"})
        assert answer.status_code == 200
        cookie = answer.headers["Set-Cookie"]
        assert ("Secure" in cookie and cookie.startswith("__Host-")) is trust_proxy, cookie
        assert ("Strict-Transport-Security" in answer.headers) is trust_proxy
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def test_resetdesk_web_refuses_as_without_local(tmp_path):
    from click.testing import CliRunner

    from resetdesk.cli import cli

    result = CliRunner().invoke(cli, ["web", "--as", APPROVER])
    assert result.exit_code == 2 and "--local" in result.output
    result = CliRunner().invoke(cli, ["web", "--local", "--bind", "0.0.0.0"])
    assert result.exit_code == 2 and "127.0.0.1" in result.output

