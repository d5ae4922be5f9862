"""The test servers themselves: Dovecot, SMTP, and the identity/Graph stand-in."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request

import pytest
from imapclient import IMAPClient

import servers

pytestmark = pytest.mark.servers


def _https(identity, method, path, body=None, headers=None, form=None):
    data = None
    headers = dict(headers or {})
    if form is not None:
        data = "&".join(f"{k}={urllib.request.quote(v)}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(identity.base_url + path, data=data, method=method, headers=headers)
    context = ssl.create_default_context(cafile=str(identity.ca_file))
    try:
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def _token(identity, client_id, secret, scope):
    status, answer = _https(identity, "POST", f"/{identity.tenant_id}/oauth2/v2.0/token",
                            form={"grant_type": "client_credentials", "client_id": client_id,
                                  "client_secret": secret, "scope": scope})
    assert status == 200, answer
    return answer["access_token"]


# ------------------------------------------------------------------ Dovecot


def test_dovecot_starts_fast_and_stores_mail(dovecot):
    print(f"\nDovecot start times (s): {[round(s, 3) for s in dovecot.start_seconds]}")
    assert dovecot.start_seconds and dovecot.start_seconds[0] < 5.0
    first = dovecot.append(servers.make_message(subject="one"))
    second = dovecot.append(servers.make_message(subject="two"))
    assert second > first
    assert dovecot.folder_uids() == [first, second]
    assert all(b"\\Seen" not in flags for flags in dovecot.folder_flags().values())


def test_dovecot_tls_port_and_starttls_verify_with_the_test_ca(dovecot):
    with IMAPClient(dovecot.host, dovecot.tls_port, ssl=True, ssl_context=dovecot.tls.client_context(),
                    timeout=5) as imap:
        imap.login(dovecot.user, dovecot.password)
        assert imap.folder_exists("INBOX")
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=5) as imap:
        assert imap.has_capability("STARTTLS")
        imap.starttls(dovecot.tls.client_context())
        imap.login(dovecot.user, dovecot.password)
    # The system trust store does not know the throwaway CA: verification must really happen.
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot.host, dovecot.tls_port, ssl=True, ssl_context=ssl.create_default_context(), timeout=5)


def test_dovecot_restart_keeps_port_and_mail(dovecot):
    uid = dovecot.append(servers.make_message())
    port = dovecot.port
    dovecot.stop()
    assert not dovecot.running
    with pytest.raises(OSError):
        IMAPClient(dovecot.host, port, ssl=False, timeout=2)
    # Delivered while down, the way an MDA would: Dovecot must see it after the restart.
    dovecot.deliver_to_maildir(servers.make_message(subject="while down"))
    dovecot.start()
    assert dovecot.port == port
    uids = dovecot.folder_uids()
    assert uids[0] == uid and len(uids) == 2


def test_dovecot_xoauth2_is_checked_by_introspection(dovecot, identity):
    client_id, secret = identity.add_client(mailbox=dovecot.user)
    good = _token(identity, client_id, secret, servers.IMAP_SCOPE)
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=5) as imap:
        imap.oauth2_login(dovecot.user, good)
    assert identity.introspections[-1]["known"] and identity.introspections[-1]["email"] == dovecot.user
    # A Graph token (wrong scope) and a token for another mailbox are refused.
    graph = _token(identity, client_id, secret, servers.GRAPH_SCOPE)
    other_id, other_secret = identity.add_client(mailbox="other@example.test")
    other = _token(identity, other_id, other_secret, servers.IMAP_SCOPE)
    for token in (graph, other, "not-a-token"):
        with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=5) as imap:
            with pytest.raises(imap.Error):
                imap.oauth2_login(dovecot.user, token)
    assert len(identity.introspections) == 4


# --------------------------------------------------------------------- SMTP


def test_smtp_records_messages_and_waits(smtp):
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.sendmail("desk@example.test", ["anna@contoso.no", "per@contoso.no"], servers.make_message())
        client.sendmail("", ["bounce@contoso.no"], servers.make_message(subject="null sender"))
    received = smtp.wait_for(2, timeout=5)
    assert received[0].mail_from == "desk@example.test"
    assert received[0].rcpt_tos == ("anna@contoso.no", "per@contoso.no")
    assert received[0].message()["Subject"] == "Help, I am locked out"
    assert received[1].mail_from == "<>"   # aiosmtpd keeps the null reverse-path as written
    assert received[0].received_at <= received[1].received_at
    with pytest.raises(AssertionError):
        smtp.wait_for(3, timeout=0.2)


def test_smtp_auth_starttls_refusals_and_restart(smtp_factory):
    smtp = smtp_factory(username="desk", password="s3cret", starttls=True)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPSenderRefused):   # AUTH required
            client.sendmail("desk@example.test", ["a@b.example"], b"Subject: x\r\n\r\nx\r\n")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(smtp.ca_file)))
        client.login("desk", "s3cret")
        smtp.refuse_next("451 4.3.0 Try again later")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("desk@example.test", ["a@b.example"], b"Subject: x\r\n\r\nx\r\n")
        assert refused.value.smtp_code == 451
        client.sendmail("desk@example.test", ["a@b.example"], b"Subject: y\r\n\r\ny\r\n")
    assert [m.auth_user for m in smtp.wait_for(1)] == ["desk"]
    port = smtp.port
    smtp.stop()
    with pytest.raises(OSError):
        smtplib.SMTP(smtp.host, port, timeout=2)
    smtp.start()
    assert smtp.port == port
    with smtplib.SMTP(smtp.host, port, timeout=5) as client:
        client.login("desk", "s3cret")
        client.sendmail("desk@example.test", ["a@b.example"], b"Subject: z\r\n\r\nz\r\n")
    assert len(smtp.wait_for(2)) == 2


# ------------------------------------------------------- identity and Graph


def test_identity_openid_configuration_and_token_endpoint(identity):
    status, config = _https(identity, "GET", f"/{identity.tenant_id}/v2.0/.well-known/openid-configuration")
    assert status == 200
    assert config["token_endpoint"] == f"{identity.authority}/oauth2/v2.0/token"
    client_id, secret = identity.add_client()
    token = _token(identity, client_id, secret, servers.GRAPH_SCOPE)
    assert identity.tokens_for(client_id)[0].token == token
    assert identity.token_requests[-1]["scope"] == servers.GRAPH_SCOPE
    assert "client_secret" not in identity.token_requests[-1]
    status, answer = _https(identity, "POST", f"/{identity.tenant_id}/oauth2/v2.0/token",
                            form={"grant_type": "client_credentials", "client_id": client_id,
                                  "client_secret": "wrong", "scope": servers.GRAPH_SCOPE})
    assert (status, answer["error"]) == (401, "invalid_client")


def test_graph_routes_record_calls_and_can_be_overridden(identity):
    client_id, secret = identity.add_client()
    identity.add_user("11111111-2222", "anna@contoso.no")
    token = _token(identity, client_id, secret, servers.GRAPH_SCOPE)
    auth = {"Authorization": f"Bearer {token}"}
    body = {"passwordProfile": {"password": "Tmp-123456!", "forceChangePasswordNextSignIn": True}}
    assert _https(identity, "PATCH", "/v1.0/users/anna@contoso.no", body, auth)[0] == 204
    assert identity.users["11111111-2222"]["passwordProfile"]["forceChangePasswordNextSignIn"] is True
    mail = {"message": {"subject": "hi", "toRecipients": [{"emailAddress": {"address": "anna@contoso.no"}}]}}
    assert _https(identity, "POST", "/v1.0/users/11111111-2222/sendMail", mail, auth)[0] == 202
    assert [(c.method, c.user) for c in identity.graph_calls] == [("PATCH", "anna@contoso.no"),
                                                                  ("POST", "11111111-2222")]
    status, error = _https(identity, "PATCH", "/v1.0/users/nobody@contoso.no", body, auth)
    assert (status, error["error"]["code"]) == (404, "Request_ResourceNotFound")
    assert _https(identity, "PATCH", "/v1.0/users/anna@contoso.no", body, {})[0] == 401
    # One throttled answer, then the default route again.
    identity.add_route("PATCH", r"/v1\.0/users/[^/]+",
                       lambda server, request, params: servers.graph_error(429, "TooManyRequests", "slow down",
                                                                           {"Retry-After": "2"}),
                       times=1)
    assert _https(identity, "PATCH", "/v1.0/users/anna@contoso.no", body, auth)[0] == 429
    assert _https(identity, "PATCH", "/v1.0/users/anna@contoso.no", body, auth)[0] == 204


def test_server_helpers_fail_rather_than_skip_when_required(monkeypatch):
    import conftest

    monkeypatch.setenv("RESETDESK_REQUIRE_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception):
        conftest.unavailable("no dovecot")
    monkeypatch.delenv("RESETDESK_REQUIRE_SERVERS")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        conftest.unavailable("no dovecot")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        conftest.unavailable("no dovecot")
