"""App-only access tokens from the Microsoft identity platform (client credentials).

One msal `ConfidentialClientApplication` per process and app registration:
msal's token cache lives in that object, so sharing it is what makes
`token()` cheap (a cached token is served until five minutes before expiry).
IMAP (XOAUTH2), Graph sendMail and the approval flow's Graph client all ask
the same `TokenProvider` machinery, so they share that one app.

The credential is the client secret from the environment variable
`oauth.client_secret_env`, or, when `oauth.certificate_path` is set, a
certificate: a PEM file with the private key and the certificate, or a
.pfx/.p12 file (msal signs a client assertion with it; nothing secret is sent).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import urllib.parse
from typing import Any

from .config import Config
from .errors import ConfigError, TokenError

log = logging.getLogger("resetdesk.auth")

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"


class TokenServiceUnavailable(TokenError):
    """The identity platform could not be reached (network, TLS, 5xx): worth retrying later."""


# (authority, client_id, ca_file, secret fingerprint) -> ConfidentialClientApplication.
# The fingerprint makes a rotated secret a new app instead of a stale one; the secret itself is not kept here.
_APPS: dict[tuple[str, str, str, str], Any] = {}
_APPS_LOCK = threading.Lock()


def _is_microsoft_host(authority: str) -> bool:
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

    return (urllib.parse.urlsplit(authority).hostname or "").lower() in WELL_KNOWN_AUTHORITY_HOSTS


class TokenProvider:
    """Access tokens for one app registration, from `[oauth]` in the config.

    `token(scope)` returns a bearer token, fetched with client credentials and
    then served from msal's cache. Failures raise `TokenError` (or its
    subclass `TokenServiceUnavailable` when the platform was unreachable); the
    client secret never appears in a message or a log line.
    """

    def __init__(self, config: Config):
        self.config = config
        oauth = config.oauth
        self.client_id: str = oauth.client_id
        self.authority: str = authority_for(config)
        self.ca_file: str = str(config.resolve_path(oauth.ca_file)) if oauth.ca_file else ""
        self.default_scope: str = oauth.imap_scope

    # -- public

    def token(self, scope: str | None = None) -> str:
        """A valid access token for `scope` (default: oauth.imap_scope)."""
        scope = scope or self.default_scope
        credential = self._secret()
        app = self._app(credential)
        secret = credential if isinstance(credential, str) else ""   # a certificate has nothing to redact
        try:
            result = app.acquire_token_for_client(scopes=[scope])
        except Exception as error:  # requests' connection/TLS errors, msal's ValueError on bad responses
            raise TokenServiceUnavailable(
                f"token request for {scope} to {self.authority} failed: {_redact(repr(error), secret)}") from None
        if not result or "access_token" not in result:
            result = result or {}
            code = str(result.get("error", "no_token"))
            # Entra appends "Trace ID/Correlation ID/Timestamp" lines: the first line is the reason.
            description = _redact((str(result.get("error_description") or "").splitlines() or [""])[0], secret)
            if code == "invalid_client":
                # A rejected secret may have been rotated in the environment: build the app afresh next time.
                self._forget(credential)
            log.warning("token request for %s failed: %s", scope, code)
            raise TokenError(f"token request for {scope} refused: {code}: {description}".rstrip(": "))
        if result.get("token_source") == "identity_provider":
            log.info("new access token for %s (client %s, expires in %ss)", scope, self.client_id,
                     result.get("expires_in"))
        return result["access_token"]

    def invalidate(self, token: str) -> None:
        """Drop `token` from the cache (a server refused it), so the next `token()` fetches a new one."""
        try:
            app = self._app(self._secret())
        except TokenError:
            return
        cache = app.token_cache
        for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
            if entry.get("secret") == token:
                cache.remove_at(entry)
                log.info("dropped a refused access token from the cache (client %s)", self.client_id)

    # -- internals

    def _secret(self) -> str | dict[str, Any]:
        """The client credential: the secret from the environment, or a certificate (a dict msal reads)."""
        if not self.client_id:
            raise TokenError("oauth.client_id is empty")
        if not self.config.oauth.authority and not self.config.oauth.tenant_id:
            raise TokenError("oauth.tenant_id is empty (and no oauth.authority is set)")
        if self.config.oauth.certificate_path:
            return self._certificate()
        try:
            return self.config.secret("oauth", "client_secret_env")
        except ConfigError as error:  # it names the variable, never a value
            raise TokenError(str(error)) from None

    def _certificate(self) -> dict[str, Any]:
        oauth = self.config.oauth
        path = self.config.resolve_path(oauth.certificate_path)
        try:
            password = self.config.secret("oauth", "certificate_password_env")
        except ConfigError:
            password = ""          # an unencrypted key needs none
        credential: dict[str, Any] = {}
        if password:
            credential["passphrase"] = password
        if path.suffix.lower() in (".pfx", ".p12"):
            if not path.is_file():
                raise TokenError(f"oauth.certificate_path: {path} is not a file")
            credential["private_key_pfx_path"] = str(path)
            if oauth.public_certificate:
                credential["public_certificate"] = True
            return credential
        try:
            pem = path.read_text(encoding="ascii")
        except (OSError, UnicodeError) as error:
            raise TokenError(f"oauth.certificate_path: cannot read {path}: {type(error).__name__}") from None
        certificates = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.DOTALL)
        credential["private_key"] = pem
        if oauth.certificate_thumbprint:
            credential["thumbprint"] = oauth.certificate_thumbprint.replace(":", "").strip()
            if oauth.public_certificate and certificates:
                credential["public_certificate"] = "\n".join(certificates)
        elif certificates:
            # msal computes the thumbprint from the certificate (and sends it along).
            credential["public_certificate"] = "\n".join(certificates)
        else:
            raise TokenError(f"oauth.certificate_path: {path} holds no certificate; set oauth.certificate_thumbprint")
        return credential

    def _key(self, secret: str | dict[str, Any]) -> tuple[str, str, str, str]:
        material = secret if isinstance(secret, str) else repr(sorted(secret.items()))
        fingerprint = hashlib.sha256(material.encode()).hexdigest()[:16]
        return (self.authority, self.client_id, self.ca_file, fingerprint)

    def _app(self, secret: str | dict[str, Any]):
        key = self._key(secret)
        with _APPS_LOCK:
            app = _APPS.get(key)
            if app is None:
                app = self._build_app(secret)
                _APPS[key] = app
            return app

    def _forget(self, secret: str | dict[str, Any]) -> None:
        with _APPS_LOCK:
            _APPS.pop(self._key(secret), None)

    def _build_app(self, secret: str | dict[str, Any]):
        return confidential_app(self.client_id, secret, self.authority, self.ca_file)


def http_session(ca_file: str = ""):  # -> requests.Session (imported when first needed)
    """A requests session that verifies with `ca_file` (or the system's CAs) whatever the environment says
    (REQUESTS_CA_BUNDLE, proxies and .netrc would otherwise override `verify`)."""
    import requests

    session = requests.Session()
    # trust_env=False: REQUESTS_CA_BUNDLE (and .netrc) would otherwise override `verify`.
    session.trust_env = False
    session.verify = ca_file or True
    return session


class HttpSessionHolder:
    """One requests session, opened on first use with `ca_file`, closed by `close()` (Graph callers)."""

    ca_file: str = ""
    _session = None

    def _open(self):
        if self._session is None:
            self._session = http_session(self.ca_file)
        return self._session

    def close(self) -> None:
        """Close the HTTP session; the next call opens a new one."""
        session, self._session = self._session, None
        if session is not None:
            session.close()


def authority_for(config: Config) -> str:
    """oauth.authority, or Microsoft's authority for oauth.tenant_id."""
    oauth = config.oauth
    return (oauth.authority or f"{DEFAULT_AUTHORITY_HOST}/{oauth.tenant_id}").rstrip("/")


def confidential_app(client_id: str, secret: str | dict[str, Any], authority: str, ca_file: str = ""):
    """An msal ConfidentialClientApplication (a secret, or a certificate as msal's dict); reads the
    OpenID configuration now (TokenServiceUnavailable)."""
    import msal

    options: dict[str, Any] = {}
    if not _is_microsoft_host(authority):
        # A private authority (tests, a stand-in) is not in Microsoft's instance metadata.
        options["instance_discovery"] = False
    try:
        # msal reads the OpenID configuration here, so network failures surface now.
        return msal.ConfidentialClientApplication(
            client_id, client_credential=secret, authority=authority,
            http_client=http_session(ca_file), **options)
    except Exception as error:
        raise TokenServiceUnavailable(
            f"cannot reach the identity platform at {authority}: "
            f"{_redact(str(error), secret if isinstance(secret, str) else '')}") from None


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def clear_shared_apps() -> None:
    """Forget every cached msal app and its tokens (tests; a config reload)."""
    with _APPS_LOCK:
        _APPS.clear()
