"""TokenProvider against the identity stand-in (msal over real HTTPS)."""

from __future__ import annotations

import logging

import pytest

import servers
from resetdesk import auth
from resetdesk.auth import TokenProvider, TokenServiceUnavailable
from resetdesk.config import from_dict
from resetdesk.errors import TokenError


def test_authority_defaults_to_the_tenant_on_microsoft_login():
    config = from_dict({"oauth": {"tenant_id": "contoso-tenant", "client_id": "app"}})
    provider = TokenProvider(config)
    assert provider.authority == "https://login.microsoftonline.com/contoso-tenant"
    assert auth._is_microsoft_host(provider.authority)
    assert not auth._is_microsoft_host("https://127.0.0.1:4443/contoso-tenant")


def test_missing_tenant_or_client_is_a_token_error(monkeypatch):
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", "s")
    with pytest.raises(TokenError, match="tenant_id"):
        TokenProvider(from_dict({"oauth": {"client_id": "app"}})).token()
    with pytest.raises(TokenError, match="client_id"):
        TokenProvider(from_dict({"oauth": {"tenant_id": "t"}})).token()


def test_missing_secret_names_the_variable_not_a_value(monkeypatch):
    monkeypatch.delenv("RESETDESK_CLIENT_SECRET", raising=False)
    config = from_dict({"oauth": {"tenant_id": "t", "client_id": "app"}})
    with pytest.raises(TokenError, match="RESETDESK_CLIENT_SECRET"):
        TokenProvider(config).token()


@pytest.mark.servers
def test_token_is_fetched_once_then_served_from_cache(identity, oauth_app, desk_config, caplog):
    client_id, secret = oauth_app
    config = desk_config(identity=identity, client_id=client_id)
    caplog.set_level(logging.DEBUG)
    first = TokenProvider(config).token()
    assert [t.token for t in identity.tokens_for(client_id)] == [first]
    assert identity.token_requests[-1]["scope"] == servers.IMAP_SCOPE
    # Same process, same app registration: a new provider object shares msal's cache.
    second = TokenProvider(config).token(servers.IMAP_SCOPE)
    assert second == first
    assert len(identity.tokens_for(client_id)) == 1
    assert len(identity.token_requests) == 1
    graph = TokenProvider(config).token(servers.GRAPH_SCOPE)
    assert graph != first
    assert [t.scope for t in identity.tokens_for(client_id)] == [servers.IMAP_SCOPE, servers.GRAPH_SCOPE]
    assert secret not in caplog.text and first not in caplog.text


@pytest.mark.servers
def test_invalidate_drops_a_refused_token(identity, oauth_app, desk_config):
    client_id, _secret = oauth_app
    provider = TokenProvider(desk_config(identity=identity, client_id=client_id))
    first = provider.token()
    provider.invalidate(first)
    second = provider.token()
    assert second != first
    assert len(identity.tokens_for(client_id)) == 2


@pytest.mark.servers
def test_wrong_secret_raises_token_error_without_the_secret(identity, oauth_app, desk_config, monkeypatch, caplog):
    client_id, _secret = oauth_app
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", "wrong-secret-value")
    provider = TokenProvider(desk_config(identity=identity, client_id=client_id))
    with pytest.raises(TokenError) as refused:
        provider.token()
    assert not isinstance(refused.value, TokenServiceUnavailable)
    assert "invalid_client" in str(refused.value)
    assert "AADSTS7000215" in str(refused.value)
    assert "wrong-secret-value" not in str(refused.value) and "wrong-secret-value" not in caplog.text
    assert identity.tokens_for(client_id) == []


@pytest.mark.servers
def test_rotated_secret_is_picked_up(identity, oauth_app, desk_config, monkeypatch):
    client_id, secret = oauth_app
    config = desk_config(identity=identity, client_id=client_id)
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", "old-secret")
    with pytest.raises(TokenError):
        TokenProvider(config).token()
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    assert TokenProvider(config).token() == identity.tokens_for(client_id)[0].token


@pytest.mark.servers
def test_unknown_tenant_and_unreachable_authority(identity, oauth_app, desk_config):
    client_id, _secret = oauth_app
    wrong_tenant = desk_config(identity=identity, client_id=client_id,
                               oauth={"authority": f"{identity.base_url}/no-such-tenant"})
    with pytest.raises(TokenServiceUnavailable, match="no-such-tenant"):
        TokenProvider(wrong_tenant).token()
    nowhere = desk_config(identity=identity, client_id=client_id,
                          oauth={"authority": f"https://127.0.0.1:{servers.free_port()}/{identity.tenant_id}"})
    with pytest.raises(TokenServiceUnavailable):
        TokenProvider(nowhere).token()


@pytest.mark.servers
def test_the_ca_file_is_what_verifies_the_authority(identity, oauth_app, desk_config, monkeypatch):
    # Without oauth.ca_file the stand-in's certificate is untrusted, whatever REQUESTS_CA_BUNDLE says.
    client_id, _secret = oauth_app
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_file))
    config = desk_config(identity=identity, client_id=client_id, oauth={"ca_file": ""})
    with pytest.raises(TokenServiceUnavailable, match="(?i)certificate|SSL"):
        TokenProvider(config).token()
