"""A certificate instead of the client secret: msal signs a client assertion, the stand-in checks it (real HTTPS)."""

from __future__ import annotations

import datetime

import pytest
import servers

from resetdesk import auth
from resetdesk import config as config_module
from resetdesk.errors import TokenError
from resetdesk.responders.graph import GraphClient

pytestmark = pytest.mark.servers


def certificate(common_name="resetdesk"):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, cert


def pem_file(path, key, cert):
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
                     + cert.public_bytes(serialization.Encoding.PEM))
    return path


def cert_config(identity, client_id, path, **oauth):
    return config_module.from_dict({"oauth": {
        "tenant_id": identity.tenant_id, "client_id": client_id, "authority": identity.authority,
        "ca_file": str(identity.ca_file), "certificate_path": str(path), **oauth},
        "graph": {"base_url": identity.graph_url, "timeout": 10.0}})


def test_a_pem_certificate_gets_tokens_and_one_app_serves_imap_and_graph(tmp_path, identity, monkeypatch):
    monkeypatch.delenv("RESETDESK_CLIENT_SECRET", raising=False)
    key, cert = certificate()
    client_id = identity.add_certificate_client(cert, mailbox=servers.DESK_USER)
    config = cert_config(identity, client_id, pem_file(tmp_path / "app.pem", key, cert))
    auth.clear_shared_apps()
    provider = auth.TokenProvider(config)
    assert provider.token(servers.IMAP_SCOPE)
    identity.add_user("u-anna", "anna@contoso.no", mail="anna@contoso.no")
    assert GraphClient(config).user("anna@contoso.no")["id"] == "u-anna"    # a fresh TokenProvider, the same app
    apps = [key for key in auth._APPS if key[1] == client_id]
    assert len(apps) == 1
    requests = [r for r in identity.token_requests if r.get("client_id") == client_id]
    assert len(requests) == 2 and all("client_assertion" in r for r in requests)
    assert {r["scope"] for r in requests} == {servers.IMAP_SCOPE, servers.GRAPH_SCOPE}


def test_a_pfx_with_a_password(tmp_path, identity, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert = certificate()
    client_id = identity.add_certificate_client(cert)
    path = tmp_path / "app.pfx"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"resetdesk", key, cert, None, serialization.BestAvailableEncryption(b"pfx-pass")))
    monkeypatch.setenv("MY_PFX_PASSWORD", "pfx-pass")
    config = cert_config(identity, client_id, path, certificate_password_env="MY_PFX_PASSWORD")
    auth.clear_shared_apps()
    assert auth.TokenProvider(config).token(servers.GRAPH_SCOPE)


def test_a_certificate_the_app_does_not_know_is_refused(tmp_path, identity):
    _, cert = certificate()
    client_id = identity.add_certificate_client(cert)
    other_key, other_cert = certificate("someone-else")
    config = cert_config(identity, client_id, pem_file(tmp_path / "other.pem", other_key, other_cert))
    auth.clear_shared_apps()
    with pytest.raises(TokenError, match="invalid_client"):
        auth.TokenProvider(config).token(servers.GRAPH_SCOPE)
