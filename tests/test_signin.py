"""People's sign-in: the code flow with PKCE through msal against the stand-in, and every ID-token check."""

from __future__ import annotations

import time
import urllib.parse

import pytest
import requests

import servers
from resetdesk.errors import SigninError
from resetdesk.signin import EntraSignin, SigninPolicy, check_claims, verify_id_token

pytestmark = pytest.mark.servers

POLICY = SigninPolicy("contoso-tenant", max_age_seconds=300)
NOW = 1_800_000_000


def claims(**overrides):
    base = {"tid": "contoso-tenant", "oid": "user-1", "preferred_username": "Ola@Contoso.no", "name": "Ola",
            "amr": ["pwd", "mfa"], "auth_time": NOW - 10, "iat": NOW - 10}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_a_fresh_mfa_sign_in_in_the_tenant_counts():
    identity = check_claims(claims(), POLICY, expected_oid="user-1", now=NOW)
    assert (identity.oid, identity.username, identity.amr) == ("user-1", "ola@contoso.no", ("pwd", "mfa"))


@pytest.mark.parametrize("overrides, expected_oid, reason", [
    ({"amr": ["pwd"]}, None, "no_mfa"),                       # password only
    ({"amr": None}, None, "no_mfa"),                          # no amr at all
    ({"tid": "fabrikam-tenant"}, None, "wrong_tenant"),       # another tenant
    ({"tid": None}, None, "wrong_tenant"),
    ({}, "user-2", "wrong_user"),                             # another user than the request's
    ({"oid": None}, None, "invalid"),
    ({"auth_time": NOW - 3600, "iat": NOW - 3600}, None, "stale"),   # signed in an hour ago
    ({"auth_time": None, "iat": NOW - 1000}, None, "stale"),  # no auth_time: iat counts
    ({"auth_time": None, "iat": None}, None, "stale"),
    ({"auth_time": NOW + 3600}, None, "stale"),               # from the future
])
def test_each_check_refuses_with_its_reason(overrides, expected_oid, reason):
    with pytest.raises(SigninError) as refused:
        check_claims(claims(**overrides), POLICY, expected_oid=expected_oid, now=NOW)
    assert refused.value.reason == reason


def test_an_authentication_context_stands_in_for_mfa_only_when_configured():
    with_context = SigninPolicy("contoso-tenant", 300, auth_context="c1")
    assert check_claims(claims(amr=["pwd"], acrs=["c1"]), with_context, now=NOW).acrs == ("c1",)
    with pytest.raises(SigninError, match="acrs holds no c1"):
        check_claims(claims(amr=["pwd"], acrs=["c2"]), with_context, now=NOW)
    with pytest.raises(SigninError) as refused:
        check_claims(claims(amr=["pwd"], acrs=["c1"]), POLICY, now=NOW)
    assert refused.value.reason == "no_mfa"


def test_an_unset_tenant_refuses_everyone():
    with pytest.raises(SigninError) as refused:
        check_claims(claims(tid=""), SigninPolicy(""), now=NOW)
    assert refused.value.reason == "wrong_tenant"


# ------------------------------------------------------------- signatures


def id_token(identity, client_id, **overrides):
    now = int(time.time())
    body = {"iss": f"{identity.authority}/v2.0", "aud": client_id, "iat": now, "exp": now + 600,
            "nonce": "n1", "tid": identity.tenant_id, "oid": "user-1", "amr": ["mfa"]}
    body.update(overrides)
    return body


def test_signature_issuer_audience_nonce_and_expiry_are_verified(identity):
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys = identity.jwks()
    issuer = f"{identity.authority}/v2.0"
    good = identity.sign(id_token(identity, "app-1"))
    assert verify_id_token(good, keys, issuer=issuer, audience="app-1", nonce="n1")["oid"] == "user-1"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = identity.sign(id_token(identity, "app-1"), key=other_key)
    cases = {
        "forged": forged,
        "unknown key": identity.sign(id_token(identity, "app-1"), kid="other-kid"),
        "issuer": identity.sign(id_token(identity, "app-1", iss="https://evil.example/v2.0")),
        "audience": identity.sign(id_token(identity, "app-2")),
        "nonce": identity.sign(id_token(identity, "app-1", nonce="n2")),
        "expired": identity.sign(id_token(identity, "app-1", exp=int(time.time()) - 3600)),
        "not a jwt": "not-a-token",
    }
    for name, token in cases.items():
        with pytest.raises(SigninError) as refused:
            verify_id_token(token, keys, issuer=issuer, audience="app-1", nonce="n1")
        assert refused.value.reason == "invalid", name


# ------------------------------------------------- the whole flow, through msal


def web_config(desk_config, identity, client_id, **web):
    return desk_config(identity=identity, client_id=client_id, web={"signin_max_age_seconds": 300, **web})


def browse(auth_uri: str, login: str, ca_file) -> dict[str, str]:
    """What a browser does at the stand-in: open the page, submit the name, follow back; returns the callback query."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(ca_file)
    page = session.get(auth_uri)
    assert page.status_code == 200, page.text
    request_id = page.text.split('name="request" value="')[1].split('"')[0]
    form_url = urllib.parse.urljoin(auth_uri, urllib.parse.urlsplit(auth_uri).path)
    answer = session.post(form_url, data={"request": request_id, "login": login}, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.headers["Location"]).query))


@pytest.fixture
def people(identity):
    identity.add_user("oid-ola", "ola@contoso.no", displayName="Ola Nordmann")
    identity.add_user("oid-kari", "kari@contoso.no", displayName="Kari")
    return identity


def test_the_code_flow_with_pkce_signs_a_person_in(desk_config, people, oauth_app):
    signin = EntraSignin(web_config(desk_config, people, oauth_app[0]), "http://127.0.0.1:8480/auth/callback")
    flow = signin.begin(login_hint="ola@contoso.no")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(flow["auth_uri"]).query))
    assert query["prompt"] == "login" and query["max_age"] == "300"
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert "code_verifier" not in flow["auth_uri"]
    identity = signin.finish(flow, browse(flow["auth_uri"], "ola@contoso.no", people.ca_file), expected_oid="oid-ola")
    assert (identity.oid, identity.username, identity.name) == ("oid-ola", "ola@contoso.no", "Ola Nordmann")
    # The code went to the token endpoint with the PKCE verifier, and the secret never into the record.
    grant = [r for r in people.token_requests if r.get("grant_type") == "authorization_code"]
    assert len(grant) == 1 and grant[0]["redirect_uri"] == "http://127.0.0.1:8480/auth/callback"


@pytest.mark.parametrize("signin_claims, expected_oid, reason", [
    ({"amr": ["pwd"]}, None, "no_mfa"),
    ({"tid": "fabrikam-tenant"}, None, "wrong_tenant"),
    ({}, "oid-kari", "wrong_user"),
    ({"auth_age": 3600}, None, "stale"),
])
def test_tokens_from_the_stand_in_that_fail_a_check_are_refused(desk_config, people, oauth_app,
                                                                 signin_claims, expected_oid, reason):
    people.set_signin_claims("oid-ola", **signin_claims)
    signin = EntraSignin(web_config(desk_config, people, oauth_app[0]), "http://127.0.0.1:8480/auth/callback")
    flow = signin.begin()
    with pytest.raises(SigninError) as refused:
        signin.finish(flow, browse(flow["auth_uri"], "ola@contoso.no", people.ca_file), expected_oid=expected_oid)
    assert refused.value.reason == reason


def test_a_response_is_good_for_its_own_flow_once(desk_config, people, oauth_app):
    signin = EntraSignin(web_config(desk_config, people, oauth_app[0]), "http://127.0.0.1:8480/auth/callback")
    first, second = signin.begin(), signin.begin()
    answer = browse(first["auth_uri"], "ola@contoso.no", people.ca_file)
    with pytest.raises(SigninError):                     # another flow's state
        signin.finish(second, answer)
    signin.finish(first, answer)
    with pytest.raises(SigninError):                     # the code is spent
        signin.finish(first, answer)


def test_an_identity_platform_error_is_a_refusal(desk_config, people, oauth_app):
    signin = EntraSignin(web_config(desk_config, people, oauth_app[0]), "http://127.0.0.1:8480/auth/callback")
    flow = signin.begin()
    with pytest.raises(SigninError) as refused:
        signin.finish(flow, {"error": "access_denied", "state": flow["state"]})
    assert refused.value.reason == "refused"


def test_configured_names_what_is_missing(desk_config, people, monkeypatch):
    monkeypatch.delenv("RESETDESK_CLIENT_SECRET", raising=False)
    signin = EntraSignin(web_config(desk_config, people, "app-x"), "http://127.0.0.1/cb")
    assert "RESETDESK_CLIENT_SECRET" in signin.configured()
    assert "client_id" in EntraSignin(web_config(desk_config, people, ""), "http://x/cb").configured()


def test_stand_in_sign_in_rejects_an_unknown_redirect_and_a_missing_pkce(identity, oauth_app):
    session = requests.Session()
    session.trust_env = False
    session.verify = str(identity.ca_file)
    base = f"{identity.authority}/oauth2/v2.0/authorize"
    bad = session.get(base, params={"client_id": oauth_app[0], "response_type": "code",
                                    "redirect_uri": "https://evil.example/cb", "code_challenge": "x",
                                    "code_challenge_method": "S256"})
    assert bad.status_code == 400 and "AADSTS50011" in bad.text
    no_pkce = session.get(base, params={"client_id": oauth_app[0], "response_type": "code",
                                        "redirect_uri": "http://127.0.0.1:1/cb"})
    assert no_pkce.status_code == 400 and "AADSTS9002325" in no_pkce.text
    assert servers.base64url(b"\xff\xfe") == "__4"
