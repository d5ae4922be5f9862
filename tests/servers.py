"""Real servers for tests, started by the tests themselves.

- `DovecotServer`: a private Dovecot 2.3 (IMAP, Maildir) on loopback with a
  plain/STARTTLS port, an implicit-TLS port, passwd-file users and XOAUTH2
  checked by introspection against `IdentityServer`.
- `SmtpServer`: an aiosmtpd server on loopback that records what it receives.
- `IdentityServer`: an HTTPS stand-in for Entra ID (OpenID configuration,
  client-credentials token endpoint with a secret or a certificate's signed
  assertion, token introspection for Dovecot; people's sign-in: an authorize
  page, the authorization-code grant with PKCE, ID tokens signed with a test
  RSA key published as JWKS) and for Microsoft Graph: users, directory role
  assignments (direct and PIM-eligible), groups (role-assignable ones,
  checkMemberGroups, transitive members), Temporary Access Passes, password
  PATCH with Entra's complexity rule, revokeSignInSessions, sendMail,
  Graph-shaped errors; every Graph call is recorded; tests inject throttling
  and errors with `add_route` (a table of routes, newest first).

Nothing here skips or fails a test: servers raise `ServerStartError`, and the
fixtures in conftest.py decide whether that is a skip or a failure.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.server
import json
import os
import pwd
import grp
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

IMAP_SCOPE = "https://outlook.office365.com/.default"
DESK_USER, DESK_PASSWORD = "desk@example.test", "desk-password"   # the help mailbox in Dovecot
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class ServerStartError(RuntimeError):
    """A test server could not be started (missing binary, bad config, port race)."""


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the caller binds it soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# --------------------------------------------------------------------------- TLS


class TlsMaterial:
    """A throwaway CA (trustme) and one server certificate for 127.0.0.1/localhost, as files."""

    def __init__(self, directory: Path):
        import trustme

        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o755)  # Dovecot's auth process (unprivileged) reads ca.pem for introspection
        self.ca = trustme.CA()
        self.server_cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = directory / "ca.pem"
        self.cert_file = directory / "server-cert.pem"
        self.key_file = directory / "server-key.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        # The full chain, so clients that only know the CA can build the path.
        with self.cert_file.open("wb") as handle:
            for pem in self.server_cert.cert_chain_pems:
                handle.write(pem.bytes())
        self.server_cert.private_key_pem.write_to_path(str(self.key_file))
        for path in (self.ca_file, self.cert_file, self.key_file):
            path.chmod(0o644)  # Dovecot reads them as root, clients as anyone

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


# ---------------------------------------------------------------- identity + Graph


@dataclass
class IssuedToken:
    token: str
    client_id: str
    scope: str
    issued_at: float
    expires_at: float
    mailbox: str  # the mailbox this app may open over IMAP (its Add-MailboxPermission)

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


@dataclass
class HttpRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]          # names lower-cased
    body: bytes
    token: IssuedToken | None = None  # the issued token its Bearer header carried, if any

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in urllib.parse.parse_qs(self.body.decode("ascii", "replace")).items()}

    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else ""


@dataclass
class HttpResponse:
    status: int
    body: Any = None                  # dict/list -> JSON; bytes -> as is; None -> empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class GraphCall:
    """One Graph request that reached a handler, for assertions."""

    method: str
    path: str
    user: str
    body: Any
    client_id: str
    at: float


Handler = Callable[["IdentityServer", HttpRequest, dict[str, str]], HttpResponse]


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    times: int | None = None  # None: forever; n: removed after n uses


def graph_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> HttpResponse:
    """A response shaped like Graph's: {"error": {"code", "message", "innerError"}}."""
    body = {"error": {"code": code, "message": message,
                      "innerError": {"request-id": secrets.token_hex(8), "date": time.strftime("%Y-%m-%dT%H:%M:%S")}}}
    return HttpResponse(status, body, headers or {})


def base64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _page(status: int, text: str) -> HttpResponse:
    import html

    return HttpResponse(status, f"<!doctype html><title>Sign in</title><p>{html.escape(text)}</p>".encode(),
                        {"Content-Type": "text/html; charset=utf-8"})


def _signin_form(tenant: str, request_id: str, login: str, error: str = "") -> HttpResponse:
    """The stand-in's sign-in page: a name, no password (the test decides what the ID token says)."""
    import html

    body = f"""<!doctype html><html lang="en"><head><title>Sign in to your account</title></head><body>
<h1>Sign in (test identity provider)</h1>
{f'<p role="alert">{html.escape(error)}</p>' if error else ''}
<form method="post" action="/{html.escape(tenant)}/oauth2/v2.0/authorize">
<input type="hidden" name="request" value="{html.escape(request_id)}">
<label for="login">Email, phone, or Skype</label>
<input id="login" name="login" type="email" autofocus value="{html.escape(login)}">
<button type="submit" id="signin">Sign in</button>
</form></body></html>"""
    return HttpResponse(401 if error else 200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})


class IdentityServer:
    """Entra ID and Graph stand-in on https://127.0.0.1:<port>.

    Clients (app registrations) are registered with `add_client`; an app
    token is random (for the Graph scope a JWT carrying the client's `roles`),
    valid for `token_lifetime` seconds, and remembered in `issued`. Dovecot's
    oauth2 passdb posts tokens to `introspection_url` (the same HTTPS
    listener; Dovecot trusts the test CA). Graph routes live in `routes`;
    `add_route` puts a route in front of the others (so a test can inject a
    429 for one call with `times=1`).

    People sign in at the authorize page (a form asking only for the sign-in
    name of a user added with `add_user`); the code is redeemed once, with
    the PKCE verifier, for an ID token signed with `signing_key` (JWKS at
    the tenant's jwks_uri). By default it says MFA, this tenant, signed in
    now; `set_signin_claims` changes that per user.
    """

    def __init__(self, tls: TlsMaterial, tenant_id: str = "contoso-tenant", token_lifetime: int = 3600):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.tls = tls
        self.tenant_id = tenant_id
        self.token_lifetime = token_lifetime
        self.host = "127.0.0.1"
        self.port = 0
        self.clients: dict[str, dict[str, str]] = {}      # client_id -> {"secret", "mailbox"}
        self.issued: list[IssuedToken] = []
        self.token_requests: list[dict[str, str]] = []   # form fields, client_secret removed
        self.introspections: list[dict[str, Any]] = []   # what Dovecot asked and what it was told
        self.graph_calls: list[GraphCall] = []
        self.users: dict[str, dict[str, Any]] = {}       # id and lower-cased UPN -> the same dict
        self.role_assignments: list[dict[str, Any]] = []   # {principalId, roleDefinitionId}
        self.role_eligibilities: list[dict[str, Any]] = []  # PIM-eligible, same shape
        self.groups: dict[str, dict[str, Any]] = {}      # id -> {id, displayName, isAssignableToRole, members}
        self.passes: dict[str, list[dict[str, Any]]] = {}  # user id -> its Temporary Access Passes
        self.passes_issued: list[str] = []               # every pass ever handed out, in order
        self.certificates: dict[str, Any] = {}           # client_id -> the registered certificate (public key)
        self.requests: list[HttpRequest] = []
        self.routes: list[Route] = []
        # People's sign-in: the key ID tokens are signed with, pending authorize requests, issued codes,
        # and per-user claim overrides (no MFA, another tenant, a stale sign-in) set by tests.
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_kid = f"test-{secrets.token_hex(4)}"
        self.authorize_requests: dict[str, dict[str, str]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.signin_claims: dict[str, dict[str, Any]] = {}   # user id -> claims put into (or over) its ID tokens
        self.signins: list[dict[str, Any]] = []              # the ID-token claims issued, for assertions
        self._lock = threading.RLock()
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._install_default_routes()

    # -- addresses

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant_id}"

    @property
    def introspection_url(self) -> str:
        return f"{self.base_url}/introspect"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/v1.0"

    @property
    def ca_file(self) -> Path:
        return self.tls.ca_file

    # -- lifecycle

    def start(self) -> IdentityServer:
        server = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep pytest output clean
                pass

            def _handle(self):
                server._dispatch(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        class _Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # A client that went away (a socket closed without a TLS close_notify)
                # is no error of the stand-in; printing it would land in whatever test
                # captures stderr at that moment.
                import sys
                if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
                    return
                super().handle_error(request, client_address)

        httpd = _Server((self.host, self.port), _Handler)
        httpd.daemon_threads = True
        # Handshake lazily in the handler thread, so one stalled client cannot block accept().
        httpd.socket = self.tls.server_context().wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="identity-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # -- directory

    def add_client(self, client_id: str | None = None, secret: str | None = None, mailbox: str = "",
                   roles: tuple[str, ...] | list[str] = (),
                   redirect_uris: tuple[str, ...] | list[str] = ()) -> tuple[str, str]:
        """Register an app. Returns (client_id, secret).

        `mailbox` is the IMAP login its tokens are good for; `roles` the Graph
        application permissions granted (the `roles` claim of its Graph
        tokens); `redirect_uris` where people's sign-in may return (empty: any
        loopback URL).
        """
        client_id = client_id or f"app-{secrets.token_hex(6)}"
        secret = secret or secrets.token_urlsafe(24)
        with self._lock:
            self.clients[client_id] = {"secret": secret, "mailbox": mailbox, "roles": list(roles),
                                       "redirect_uris": list(redirect_uris)}
        return client_id, secret

    def set_signin_claims(self, user_id: str, **claims: Any) -> None:
        """Claims the ID tokens of this user carry over the defaults (amr, tid, acrs, auth_age seconds ...)."""
        with self._lock:
            self.signin_claims[user_id] = dict(claims)

    def jwks(self) -> dict[str, Any]:
        """The published signing keys (RFC 7517), as at the tenant's jwks_uri."""
        from jwt.algorithms import RSAAlgorithm

        key = json.loads(RSAAlgorithm.to_jwk(self.signing_key.public_key()))
        key.update({"kid": self.signing_kid, "use": "sig", "alg": "RS256"})
        return {"keys": [key]}

    def sign(self, claims: dict[str, Any], key=None, kid: str | None = None) -> str:
        """A JWT over `claims`, RS256 with the tenant's key (or `key`, for a forgery)."""
        import jwt

        return jwt.encode(claims, key or self.signing_key, algorithm="RS256",
                          headers={"kid": kid or self.signing_kid, "typ": "JWT"})

    def add_user(self, user_id: str, upn: str, **attributes: Any) -> dict[str, Any]:
        """A Graph user reachable by id or UPN; PATCH updates this dict in place."""
        record = {"id": user_id, "userPrincipalName": upn, **attributes}
        with self._lock:
            self.users[user_id] = record
            self.users[upn.lower()] = record
        return record

    def add_group(self, group_id: str, name: str, members: list[str], role_assignable: bool = False) -> dict[str, Any]:
        """A group of user (or group) ids; role-assignable groups are what admin roles may be given to."""
        record = {"id": group_id, "displayName": name, "isAssignableToRole": role_assignable, "members": list(members)}
        with self._lock:
            self.groups[group_id] = record
        return record

    def assign_role(self, principal_id: str, role_id: str = "62e90394-69f5-4237-9190-012177145e10",
                    eligible: bool = False) -> None:
        """A directory role for a user or group (default: Global Administrator), active or PIM-eligible."""
        entry = {"id": secrets.token_hex(6), "principalId": principal_id, "roleDefinitionId": role_id,
                 "directoryScopeId": "/"}
        with self._lock:
            (self.role_eligibilities if eligible else self.role_assignments).append(entry)

    def add_certificate_client(self, certificate, client_id: str | None = None, mailbox: str = "",
                               roles: tuple[str, ...] | list[str] = ()) -> str:
        """Register an app whose credential is a certificate (a cryptography x509 object)."""
        client_id = client_id or f"app-{secrets.token_hex(6)}"
        with self._lock:
            self.clients[client_id] = {"secret": secrets.token_urlsafe(24), "mailbox": mailbox,
                                       "roles": list(roles), "redirect_uris": []}
            self.certificates[client_id] = certificate
        return client_id

    def calls(self, method: str | None = None, suffix: str = "") -> list[GraphCall]:
        """Recorded Graph calls, optionally by method and path ending."""
        with self._lock:
            return [c for c in self.graph_calls if (method is None or c.method == method) and c.path.endswith(suffix)]

    def tokens_for(self, client_id: str) -> list[IssuedToken]:
        with self._lock:
            return [t for t in self.issued if t.client_id == client_id]

    def expire_tokens(self, client_id: str | None = None) -> None:
        """Make issued tokens invalid server-side (msal's cache still holds them)."""
        with self._lock:
            for token in self.issued:
                if client_id is None or token.client_id == client_id:
                    token.expires_at = 0.0

    def reset(self) -> None:
        """Forget records and directory roles, groups and passes between tests; clients and users stay registered."""
        with self._lock:
            self.token_requests.clear()
            self.introspections.clear()
            self.graph_calls.clear()
            self.requests.clear()
            self.passes.clear()
            self.passes_issued.clear()
            self.role_assignments.clear()
            self.role_eligibilities.clear()
            self.groups.clear()
            self.routes[:] = [r for r in self.routes if getattr(r.handler, "_default_route", False)]
            self.authorize_requests.clear()
            self.codes.clear()
            self.signin_claims.clear()
            self.signins.clear()

    # -- routes

    def add_route(self, method: str, pattern: str, handler: Handler, times: int | None = None) -> Route:
        """Serve `method` on paths fully matching `pattern` (named groups go to the handler); newest first."""
        route = Route(method.upper(), re.compile(pattern), handler, times)
        with self._lock:
            self.routes.insert(0, route)
        return route

    def _install_default_routes(self) -> None:
        defaults = [
            ("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration",
             IdentityServer._openid_configuration),
            ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", IdentityServer._token_endpoint),
            ("GET", r"/(?P<tenant>[^/]+)/discovery/v2\.0/keys", IdentityServer._keys),
            ("GET", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize", IdentityServer._authorize_page),
            ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize", IdentityServer._authorize_submit),
            ("POST", r"/introspect", IdentityServer._introspect),
            ("PATCH", r"/v1\.0/users/(?P<user>[^/]+)", IdentityServer._graph_patch_user),
            ("POST", r"/v1\.0/users/(?P<user>[^/]+)/sendMail", IdentityServer._graph_send_mail),
            ("GET", r"/v1\.0/users/(?P<user>[^/]+)", IdentityServer._graph_get_user),
            ("GET", r"/v1\.0/users", IdentityServer._graph_list_users),
            ("GET", r"/v1\.0/roleManagement/directory/roleAssignments", IdentityServer._graph_role_assignments),
            ("GET", r"/v1\.0/roleManagement/directory/roleEligibilityScheduleInstances",
             IdentityServer._graph_role_eligibilities),
            ("GET", r"/v1\.0/users/(?P<user>[^/]+)/transitiveMemberOf/microsoft\.graph\.group",
             IdentityServer._graph_member_of),
            ("POST", r"/v1\.0/users/(?P<user>[^/]+)/checkMemberGroups", IdentityServer._graph_check_member_groups),
            ("GET", r"/v1\.0/groups/(?P<group>[^/]+)/transitiveMembers/microsoft\.graph\.user",
             IdentityServer._graph_group_members),
            ("POST", r"/v1\.0/users/(?P<user>[^/]+)/authentication/temporaryAccessPassMethods",
             IdentityServer._graph_create_pass),
            ("GET", r"/v1\.0/users/(?P<user>[^/]+)/authentication/temporaryAccessPassMethods",
             IdentityServer._graph_list_passes),
            ("DELETE", r"/v1\.0/users/(?P<user>[^/]+)/authentication/temporaryAccessPassMethods/(?P<method>[^/]+)",
             IdentityServer._graph_delete_pass),
            ("POST", r"/v1\.0/users/(?P<user>[^/]+)/revokeSignInSessions", IdentityServer._graph_revoke),
        ]
        for method, pattern, function in defaults:
            def handler(server, request, params, _function=function):
                return _function(server, request, params)
            handler._default_route = True
            self.routes.append(Route(method, re.compile(pattern), handler))

    def _dispatch(self, http_handler: http.server.BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(http_handler.path)
        length = int(http_handler.headers.get("Content-Length") or 0)
        body = http_handler.rfile.read(length) if length else b""
        request = HttpRequest(
            method=http_handler.command, path=parsed.path, query=urllib.parse.parse_qs(parsed.query),
            headers={k.lower(): v for k, v in http_handler.headers.items()}, body=body)
        request.token = self._valid_token(request.bearer())
        with self._lock:
            self.requests.append(request)
            chosen, params = None, {}
            for route in self.routes:
                match = route.pattern.fullmatch(request.path)
                if route.method == request.method and match:
                    chosen, params = route, match.groupdict()
                    if route.times is not None:
                        route.times -= 1
                        if route.times <= 0:
                            self.routes.remove(route)
                    break
        if chosen is None:
            response = HttpResponse(404,
                                    {"error": "not_found",
                                     "error_description": f"no route for {request.method} {request.path}"})
        else:
            try:
                response = chosen.handler(self, request, params)
            except Exception as error:  # a broken handler must show up in the test, not hang the client
                response = HttpResponse(500, {"error": "handler_failed", "error_description": repr(error)})
        payload = response.body
        headers = dict(response.headers)
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/json")
        elif payload is None:
            payload = b""
        http_handler.send_response(response.status)
        for name, value in headers.items():
            http_handler.send_header(name, value)
        http_handler.send_header("Content-Length", str(len(payload)))
        http_handler.end_headers()
        http_handler.wfile.write(payload)

    def _valid_token(self, value: str) -> IssuedToken | None:
        if not value:
            return None
        with self._lock:
            for token in self.issued:
                if secrets.compare_digest(token.token, value):
                    return None if token.expired else token
        return None

    # -- identity endpoints

    def _openid_configuration(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        tenant = params["tenant"]
        if tenant != self.tenant_id:
            return HttpResponse(400,
                                {"error": "invalid_tenant",
                                 "error_description": f"AADSTS90002: Tenant '{tenant}' not found."})
        base = f"{self.base_url}/{tenant}"
        return HttpResponse(200, {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "introspection_endpoint": self.introspection_url,
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "tid",
                                 "oid", "preferred_username", "name", "acrs"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    def _token_endpoint(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        form = request.form()
        with self._lock:
            self.token_requests.append({k: v for k, v in form.items()
                                        if k not in ("client_secret", "code", "code_verifier")})
        if params["tenant"] != self.tenant_id:
            return HttpResponse(400,
                                {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."})
        if form.get("grant_type") not in ("client_credentials", "authorization_code"):
            return HttpResponse(400, {"error": "unsupported_grant_type", "error_description":
                                      "AADSTS70003: only client_credentials and authorization_code are served here."})
        client = self.clients.get(form.get("client_id", ""))
        if client is None:
            return HttpResponse(400, {"error": "unauthorized_client",
                                      "error_description": "AADSTS700016: Application not found in the directory."})
        if form.get("client_assertion"):
            problem = self._check_assertion(form, params["tenant"])
            if problem:
                return HttpResponse(401, {"error": "invalid_client", "error_description": problem})
        elif not secrets.compare_digest(client["secret"], form.get("client_secret", "")):
            return HttpResponse(401, {"error": "invalid_client",
                                      "error_description": "AADSTS7000215: Invalid client secret provided."})
        if form["grant_type"] == "authorization_code":
            return self._redeem_code(form)
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return HttpResponse(400, {"error": "invalid_scope",
                                      "error_description": "AADSTS1002012: client credentials need a /.default scope."})
        now = time.time()
        value = secrets.token_urlsafe(32)
        if scope == GRAPH_SCOPE:
            # Graph's app-only tokens are JWTs whose `roles` claim lists the application permissions granted.
            value = self.sign({"aud": "https://graph.microsoft.com",
                               "iss": f"https://sts.windows.net/{self.tenant_id}/",
                               "iat": int(now), "nbf": int(now), "exp": int(now + self.token_lifetime),
                               "appid": form["client_id"], "tid": self.tenant_id, "roles": client["roles"],
                               "jti": secrets.token_hex(8)})
        token = IssuedToken(value, form["client_id"], scope, now, now + self.token_lifetime, client["mailbox"])
        with self._lock:
            self.issued.append(token)
        return HttpResponse(200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                                  "ext_expires_in": self.token_lifetime, "access_token": token.token})

    # -- people's sign-in (OpenID Connect authorization code with PKCE)

    def _keys(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return HttpResponse(200, self.jwks())

    def _authorize_page(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        query = {k: v[-1] for k, v in request.query.items()}
        client = self.clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if params["tenant"] != self.tenant_id or client is None:
            return _page(400, "AADSTS700016: Application not found in the directory.")
        allowed = client["redirect_uris"]
        if (allowed and redirect_uri not in allowed) or (not allowed and not redirect_uri.startswith(
                ("http://127.0.0.1:", "https://127.0.0.1:", "http://localhost:"))):
            return _page(400, "AADSTS50011: The redirect URI does not match the redirect URIs configured "
                              "for the application.")
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" \
                or not query.get("code_challenge"):
            return _page(400, "AADSTS9002325: Proof Key for Code Exchange is required.")
        request_id = secrets.token_urlsafe(12)
        with self._lock:
            self.authorize_requests[request_id] = query
        return _signin_form(self.tenant_id, request_id, query.get("login_hint", ""))

    def _authorize_submit(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        form = request.form()
        with self._lock:
            query = self.authorize_requests.get(form.get("request", ""))
            user = self.users.get(form.get("login", "").strip().lower())
        if query is None:
            return _page(400, "AADSTS90014: this sign-in request is unknown or used.")
        if user is None:
            return _signin_form(self.tenant_id, form["request"], form.get("login", ""),
                                error="AADSTS50034: The user account does not exist in this directory.")
        code = secrets.token_urlsafe(24)
        with self._lock:
            del self.authorize_requests[form["request"]]
            self.codes[code] = {"query": query, "user": user, "at": time.time()}
        client_info = base64url(json.dumps({"uid": user["id"], "utid": self.tenant_id}).encode())
        answer = {"code": code, "state": query.get("state", ""), "client_info": client_info,
                  "session_state": secrets.token_hex(8)}
        return HttpResponse(302, b"", {"Location": query["redirect_uri"] + "?" + urllib.parse.urlencode(answer)})

    def _redeem_code(self, form: dict[str, str]) -> HttpResponse:
        import hashlib

        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)   # a code is good once
        if grant is None or time.time() - grant["at"] > 600:
            return HttpResponse(400, {"error": "invalid_grant", "error_description": "AADSTS70008: The provided "
                                      "authorization code or refresh token has expired or was already used."})
        query, user = grant["query"], grant["user"]
        if query.get("client_id") != form.get("client_id") or query.get("redirect_uri") != form.get("redirect_uri"):
            return HttpResponse(400, {"error": "invalid_grant", "error_description":
                                      "AADSTS50148: the code was issued to another client or redirect URI."})
        challenge = base64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if not secrets.compare_digest(challenge, query.get("code_challenge", "")):
            return HttpResponse(400, {"error": "invalid_grant", "error_description": "AADSTS501481: The Code_Verifier "
                                      "does not match the code_challenge supplied in the authorization request."})
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": f"{self.base_url}/{self.tenant_id}/v2.0", "aud": form["client_id"], "iat": now, "nbf": now,
            "exp": now + self.token_lifetime, "sub": f"sub-{user['id']}", "oid": user["id"], "tid": self.tenant_id,
            "preferred_username": user["userPrincipalName"], "name": user.get("displayName", ""),
            "amr": ["pwd", "mfa"], "auth_time": now, "ver": "2.0",
        }
        if query.get("nonce"):
            claims["nonce"] = query["nonce"]
        overrides = dict(self.signin_claims.get(user["id"], {}))
        age = overrides.pop("auth_age", None)
        if age is not None:
            claims["auth_time"] = now - int(age)
            claims["iat"] = claims["nbf"] = now - int(age)
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}   # an override of None removes a claim
        with self._lock:
            self.signins.append(dict(claims))
        return HttpResponse(200, {
            "token_type": "Bearer", "scope": query.get("scope", "openid profile"), "expires_in": self.token_lifetime,
            "access_token": secrets.token_urlsafe(32), "refresh_token": secrets.token_urlsafe(32),
            "id_token": self.sign(claims),
            "client_info": base64url(json.dumps({"uid": user["id"], "utid": self.tenant_id}).encode()),
        })

    def _check_assertion(self, form: dict[str, str], tenant: str) -> str:
        """A client assertion (RFC 7523) signed by the client's registered certificate; '' when valid."""
        import jwt

        certificate = self.certificates.get(form.get("client_id", ""))
        if certificate is None:
            return "AADSTS700027: no certificate is registered for this client."
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "AADSTS50027: unsupported client_assertion_type."
        try:
            claims = jwt.decode(form["client_assertion"], certificate.public_key(), algorithms=["RS256", "PS256"],
                                audience=f"{self.base_url}/{tenant}/oauth2/v2.0/token")
        except jwt.PyJWTError as error:
            return f"AADSTS700027: client assertion failed signature validation: {type(error).__name__}"
        if claims.get("iss") != form["client_id"] or claims.get("sub") != form["client_id"]:
            return "AADSTS700023: the assertion's issuer and subject must be the client id."
        return ""

    def _introspect(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        # RFC 7662 shape; Dovecot's introspection_mode = post sends token=<token>.
        presented = request.form().get("token", "")
        token = self._valid_token(presented)
        if token is None:
            answer: dict[str, Any] = {"active": False}
        else:
            answer = {"active": True, "email": token.mailbox, "scope": token.scope,
                      "client_id": token.client_id, "exp": int(token.expires_at)}
        with self._lock:
            self.introspections.append({"known": token is not None, **answer})
        return HttpResponse(200, answer)

    # -- Graph

    def _graph_token(self, request: HttpRequest) -> IssuedToken | HttpResponse:
        if request.token is None:
            return graph_error(401, "InvalidAuthenticationToken", "Access token is empty, invalid or expired.")
        if request.token.scope != GRAPH_SCOPE:
            return graph_error(401, "InvalidAuthenticationToken", "Access token has an invalid audience.")
        return request.token

    def _graph_user(self, params: dict[str, str]) -> dict[str, Any] | None:
        key = urllib.parse.unquote(params["user"])
        return self.users.get(key) or self.users.get(key.lower())

    def _record_graph(self, request: HttpRequest, params: dict[str, str], token: IssuedToken) -> None:
        try:
            body = request.json()
        except ValueError:
            body = request.body
        with self._lock:
            self.graph_calls.append(GraphCall(request.method, request.path,
                                              urllib.parse.unquote(params.get("user") or params.get("group") or ""),
                                              body, token.client_id, time.time()))

    def _not_found(self, name: str) -> HttpResponse:
        return graph_error(404, "Request_ResourceNotFound",
                           f"Resource '{name}' does not exist or one of its queried reference-property objects are not "
                           "present.")

    def _graph_patch_user(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        self._record_graph(request, params, token)
        body = request.json() or {}
        password = (body.get("passwordProfile") or {}).get("password")
        if password is not None and not _complex_enough(password):
            return graph_error(400, "Request_BadRequest",
                               "The specified password does not comply with password complexity requirements. "
                               "Please provide a different password.")
        with self._lock:
            user.update(body)
        return HttpResponse(204)

    @staticmethod
    def _select(user: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
        fields = (request.query.get("$select") or [""])[0]
        if not fields:
            return {k: v for k, v in user.items() if k in ("id", "userPrincipalName", "mail", "displayName")}
        wanted = set(fields.split(",")) | {"id"}
        return {k: user.get(k) for k in wanted}

    def _graph_get_user(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        return HttpResponse(200, self._select(user, request))

    def _graph_list_users(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        wanted = _eq_filter((request.query.get("$filter") or [""])[0], "mail")
        with self._lock:
            found = {id(u): u for u in self.users.values()
                     if wanted is None or str(u.get("mail") or "").lower() == wanted.lower()}
        return HttpResponse(200, {"value": [self._select(u, request) for u in found.values()]})

    def _by_principal(self, request: HttpRequest, params: dict[str, str], entries: list[dict]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        principal = _eq_filter((request.query.get("$filter") or [""])[0], "principalId")
        if principal is None:
            return graph_error(400, "Request_UnsupportedQuery", "A principalId filter is required here.")
        with self._lock:
            return HttpResponse(200, {"value": [dict(e) for e in entries if e["principalId"] == principal]})

    def _graph_role_assignments(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return self._by_principal(request, params, self.role_assignments)

    def _graph_role_eligibilities(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return self._by_principal(request, params, self.role_eligibilities)

    def _groups_of(self, member_id: str) -> list[dict[str, Any]]:
        """Every group `member_id` is in, through nested groups too."""
        found: dict[str, dict[str, Any]] = {}
        frontier = [member_id]
        while frontier:
            current = frontier.pop()
            for group in self.groups.values():
                if current in group["members"] and group["id"] not in found:
                    found[group["id"]] = group
                    frontier.append(group["id"])
        return list(found.values())

    def _graph_member_of(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        with self._lock:
            groups = self._groups_of(user["id"])
        return HttpResponse(200, {"value": [{k: g[k] for k in ("id", "displayName", "isAssignableToRole")}
                                            for g in groups]})

    def _graph_check_member_groups(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        asked = (request.json() or {}).get("groupIds") or []
        with self._lock:
            member_of = {g["id"] for g in self._groups_of(user["id"])}
        return HttpResponse(200, {"value": [g for g in asked if g in member_of]})

    def _graph_group_members(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        with self._lock:
            group = self.groups.get(params["group"])
            if group is None:
                return self._not_found(params["group"])
            seen, frontier, users = set(), list(group["members"]), []
            while frontier:
                member = frontier.pop(0)
                if member in seen:
                    continue
                seen.add(member)
                if member in self.groups:
                    frontier.extend(self.groups[member]["members"])
                elif member in self.users:
                    users.append(self._select(self.users[member], request))
        return HttpResponse(200, {"value": users})

    def _graph_create_pass(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        body = request.json() or {}
        lifetime = int(body.get("lifetimeInMinutes") or 60)
        if not 10 <= lifetime <= 43200:
            return graph_error(400, "badRequest", "lifetimeInMinutes is outside the policy's range.")
        method = {"id": secrets.token_hex(8), "temporaryAccessPass": _new_pass(),
                  "createdDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "startDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "lifetimeInMinutes": lifetime, "isUsableOnce": bool(body.get("isUsableOnce")),
                  "isUsable": True, "methodUsabilityReason": "EnabledByPolicy"}
        with self._lock:
            # One pass per user: a new one replaces the old (as Entra does).
            self.passes[user["id"]] = [method]
            self.passes_issued.append(method["temporaryAccessPass"])
        return HttpResponse(201, dict(method))

    def _graph_list_passes(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        with self._lock:
            listed = [{k: v for k, v in m.items() if k != "temporaryAccessPass"}
                      for m in self.passes.get(user["id"], [])]
        return HttpResponse(200, {"value": listed})

    def _graph_delete_pass(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        user = self._graph_user(params)
        if user is None:
            return self._not_found(params["user"])
        with self._lock:
            before = self.passes.get(user["id"], [])
            self.passes[user["id"]] = [m for m in before if m["id"] != params["method"]]
            gone = len(before) != len(self.passes[user["id"]])
        return HttpResponse(204) if gone else self._not_found(params["method"])

    def _graph_revoke(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        self._record_graph(request, params, token)
        if self._graph_user(params) is None:
            return self._not_found(params["user"])
        return HttpResponse(200, {"@odata.context": "$metadata#Edm.Boolean", "value": True})

    def _graph_send_mail(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        token = self._graph_token(request)
        if isinstance(token, HttpResponse):
            return token
        if self._graph_user(params) is None:
            return graph_error(404, "ErrorInvalidUser", f"The requested user '{params['user']}' is invalid.")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "text/plain":
            # The MIME form: the body is a base64-encoded RFC 5322 message; recipients come from its headers.
            import base64
            import binascii
            import email
            from email import policy
            try:
                mime = base64.b64decode(request.body, validate=True)
            except (binascii.Error, ValueError):
                return graph_error(400, "ErrorMimeContentInvalidBase64String",
                                   "Invalid base64 string for MIME content.")
            parsed = email.message_from_bytes(mime, policy=policy.default)
            if not any(parsed[name] for name in ("To", "Cc", "Bcc")):
                return graph_error(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
        elif content_type == "application/json":
            try:
                payload = request.json()
            except ValueError:
                payload = None
            if not isinstance(payload, dict) or not isinstance(payload.get("message"), dict):
                return graph_error(400, "ErrorInvalidRequest", "Empty Payload. JSON content expected.")
        else:
            return graph_error(415, "UnsupportedMediaType", f"Content type '{content_type}' is not supported.")
        self._record_graph(request, params, token)
        return HttpResponse(202)


def _eq_filter(expression: str, name: str) -> str | None:
    """The value of `name eq '...'` in an OData $filter, or None."""
    match = re.fullmatch(rf"\s*{re.escape(name)}\s+eq\s+'((?:[^']|'')*)'\s*", expression or "")
    return match.group(1).replace("''", "'") if match else None


def _complex_enough(password: str) -> bool:
    """Entra's rule: 8-256 characters, at least 3 of lower, upper, digit, symbol."""
    classes = [any(c.islower() for c in password), any(c.isupper() for c in password),
               any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    return 8 <= len(password) <= 256 and sum(classes) >= 3


def _new_pass() -> str:
    """A pass shaped like Entra's (letters, digits and a few symbols)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789@#$%&+="
    return "".join(secrets.choice(alphabet) for _ in range(16))


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str              # "<>" for the null sender (MAIL FROM:<>)
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: float          # time.time()
    auth_user: str | None = None

    def message(self):
        import email
        from email import policy
        return email.message_from_bytes(self.data, policy=policy.default)


class _RecordingHandler:
    def __init__(self, owner: SmtpServer):
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.owner._next_refusal("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.owner._next_refusal("DATA")
        if refusal:
            return refusal
        auth_user = session.auth_data if isinstance(session.auth_data, str) else None
        self.owner._record(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos),
                                        bytes(envelope.original_content or envelope.content),
                                        time.time(), auth_user))
        return "250 2.0.0 Message accepted"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:<port>; records every message; stop()/start() keep the port.

    With `username`/`password`, AUTH PLAIN/LOGIN is offered (and required) over
    plain text; with `tls` it also offers STARTTLS using the test CA's certificate.
    """

    def __init__(self, username: str | None = None, password: str | None = None,
                 tls: TlsMaterial | None = None, port: int | None = None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.username = username
        self.password = password
        self.tls = tls
        self.received: list[ReceivedMail] = []
        self._condition = threading.Condition()
        self._refusals: list[tuple[str, str]] = []   # (stage, reply) queued by refuse_next
        self._controller = None

    @property
    def ca_file(self) -> Path | None:
        return self.tls.ca_file if self.tls else None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        kwargs: dict[str, Any] = {}
        if self.username is not None:
            def authenticator(server, session, envelope, mechanism, auth_data):
                login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
                password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
                ok = login == self.username and password == self.password
                return AuthResult(success=ok, handled=False, auth_data=login if ok else None)
            kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
        if self.tls is not None:
            kwargs.update(tls_context=self.tls.server_context(), require_starttls=False)
        controller = Controller(_RecordingHandler(self), hostname=self.host, port=self.port,
                                ready_timeout=5.0, **kwargs)
        try:
            controller.start()
        except Exception as error:
            raise ServerStartError(f"aiosmtpd could not listen on {self.host}:{self.port}: {error!r}") from error
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def refuse_next(self, reply: str = "451 4.3.0 Try again later", stage: str = "DATA", count: int = 1) -> None:
        """The next `count` RCPT or DATA commands get `reply` instead of 250."""
        with self._condition:
            self._refusals.extend([(stage.upper(), reply)] * count)

    def _next_refusal(self, stage: str) -> str | None:
        with self._condition:
            for index, (wanted, reply) in enumerate(self._refusals):
                if wanted == stage:
                    del self._refusals[index]
                    return reply
        return None

    def _record(self, mail: ReceivedMail) -> None:
        with self._condition:
            self.received.append(mail)
            self._condition.notify_all()

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._condition:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived; AssertionError after `timeout`."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"SMTP server received {len(self.received)} message(s), expected {count} within "
                                     f"{timeout}s")
            return list(self.received)

    def clear(self) -> None:
        with self._condition:
            self.received.clear()
            self._refusals.clear()


# ------------------------------------------------------------------------- Dovecot


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None)


class DovecotServer:
    """A private Dovecot in the foreground, everything under one temp dir.

    `port` speaks plain IMAP and offers STARTTLS; `tls_port` is implicit TLS.
    Both present a certificate from the test CA (`ca_file`). Users live in a
    passwd-file (`users`: name -> password); `user`/`password` is the desk's
    mailbox. XOAUTH2/OAUTHBEARER tokens are checked by Dovecot against the
    identity stand-in's introspection endpoint.
    """

    def __init__(self, tls: TlsMaterial, identity: IdentityServer | None = None,
                 users: dict[str, str] | None = None, directory: Path | None = None):
        self.binary = dovecot_binary()
        if self.binary is None:
            raise ServerStartError("dovecot is not installed (run scripts/install-test-deps.sh)")
        self.tls = tls
        self.identity = identity
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port()
        self.users = dict(users or {DESK_USER: DESK_PASSWORD, "other@example.test": "other-password"})
        self.user, self.password = next(iter(self.users.items()))
        # Dovecot's unprivileged processes must traverse it: not under pytest's 0700 tmp.
        self.directory = Path(directory or tempfile.mkdtemp(prefix="resetdesk-dovecot-"))
        self.directory.chmod(0o755)
        self.config_file = self.directory / "dovecot.conf"
        self.log_path = self.directory / "dovecot.log"
        self.home_root = self.directory / "home"
        self.process: subprocess.Popen | None = None
        self.start_seconds: list[float] = []   # how long each start took until the greeting
        self._mail_uid, self._mail_gid, internal_user, internal_group = self._identities()
        self._write_config(internal_user, internal_group)

    # -- setup

    @staticmethod
    def _identities() -> tuple[int, int, str, str]:
        """(mail uid, mail gid, internal/login user, its group)."""
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            return me.pw_uid, me.pw_gid, me.pw_name, grp.getgrgid(me.pw_gid).gr_name
        # As root Dovecot refuses root as login user or mail owner; the Debian package creates these.
        for login in ("dovenull", "dovecot", "nobody"):
            try:
                login_entry = pwd.getpwnam(login)
                break
            except KeyError:
                continue
        else:
            raise ServerStartError("running as root but no unprivileged user (dovenull/dovecot/nobody) exists")
        mail = pwd.getpwnam("nobody")
        return mail.pw_uid, mail.pw_gid, login_entry.pw_name, grp.getgrgid(login_entry.pw_gid).gr_name

    def _write_config(self, internal_user: str, internal_group: str) -> None:
        for sub in ("run", "state"):
            (self.directory / sub).mkdir(mode=0o755, exist_ok=True)
        self.home_root.mkdir(mode=0o755, exist_ok=True)
        os.chown(self.home_root, self._mail_uid, self._mail_gid)
        self._write_users()
        passdbs = [f"""passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.directory / 'users'}
  mechanisms = plain login
}}"""]
        mechanisms = "plain login"
        if self.identity is not None:
            mechanisms += " xoauth2 oauthbearer"
            oauth2 = self.directory / "dovecot-oauth2.conf.ext"
            oauth2.write_text(
                f"introspection_url = {self.identity.introspection_url}\n"
                "introspection_mode = post\n"
                "username_attribute = email\n"
                "active_attribute = active\n"
                "active_value = true\n"
                f"scope = {IMAP_SCOPE}\n"
                f"tls_ca_cert_file = {self.tls.ca_file}\n"
                "timeout_msecs = 5000\n")
            passdbs.append(f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {oauth2}
}}""")
        dh = "/usr/share/dovecot/dh.pem"
        self.config_file.write_text(f"""# Written by tests/servers.py; a private instance for one test session.
protocols = imap
listen = 127.0.0.1
base_dir = {self.directory / 'run'}
state_dir = {self.directory / 'state'}
instance_name = resetdesk-test-{self.port}
log_path = {self.log_path}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {internal_user}
first_valid_uid = 1
first_valid_gid = 1
ssl = yes
ssl_cert = <{self.tls.cert_file}
ssl_key = <{self.tls.key_file}
{f'ssl_dh = <{dh}' if os.path.exists(dh) else ''}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
auth_cache_size = 0
auth_verbose = yes
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
{chr(10).join(passdbs)}
userdb {{
  driver = static
  args = uid={self._mail_uid} gid={self._mail_gid} home={self.home_root}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # Mode 0 disables anvil's auth penalty (2 s, 4 s, ... after each failed login from one IP).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
""")

    def _write_users(self) -> None:
        path = self.directory / "users"
        path.write_text("".join(f"{name}:{{PLAIN}}{password}::::::\n" for name, password in self.users.items()))
        path.chmod(0o644)

    def add_user(self, name: str, password: str) -> None:
        """Another mailbox; passwd-file is re-read on change, no restart needed."""
        self.users[name] = password
        self._write_users()

    # -- lifecycle

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> DovecotServer:
        """Start (or restart after stop()) on the same ports with the same mail."""
        if self.running:
            return self
        begun = time.monotonic()
        log = self.log_path.open("ab")
        try:
            # Its own process group: stop() must end the IMAP sessions too, and they outlive the master.
            self.process = subprocess.Popen([self.binary, "-F", "-c", str(self.config_file)],
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        finally:
            log.close()
        if not _wait_for(lambda: self._greets() or not self.running, timeout) or not self.running:
            self.stop()
            raise ServerStartError(f"dovecot did not answer on {self.host}:{self.port} within "
                                   f"{timeout}s:\n{self.log_tail()}")
        self.start_seconds.append(time.monotonic() - begun)
        return self

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0) as probe:
                return probe.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def stop(self, abrupt: bool = False, grace: float = 0.5) -> None:
        """End the whole instance, like a server going down: every IMAP session is cut.

        Signals the process group, because the master's own shutdown leaves
        running imap processes (and their IDLE connections) alive. Graceful:
        SIGTERM (sessions get "* BYE Server shutting down."), then SIGKILL
        whatever is left after `grace` seconds (Dovecot's log process lingers
        for ~1.5 s otherwise). `abrupt`: SIGKILL at once, clients see only EOF.
        """
        if self.process is None:
            return
        group = self.process.pid   # start_new_session: the master leads its group
        if not abrupt:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace)
        # Whatever is left (the log process lingers) goes now; exited members may stay zombies
        # until init reaps them, so the group is not waited for, only the master and the port.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()
        self.process = None
        _wait_for(lambda: not self._greets(), 2.0)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- mail helpers (as a user, over the plain port)

    @contextlib.contextmanager
    def client(self, user: str | None = None):
        """A logged-in IMAPClient for `user` (default: the desk mailbox)."""
        from imapclient import IMAPClient

        user = user or self.user
        imap = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        try:
            imap.login(user, self.users[user])
            yield imap
        finally:
            try:
                imap.logout()
            except Exception:
                imap.shutdown()

    def append(self, raw: bytes, folder: str = "INBOX", user: str | None = None,
               flags: tuple = ()) -> int:
        """APPEND `raw` to `folder` (created when missing); returns its UID (APPENDUID)."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            answer = imap.append(folder, raw, flags=flags)
        match = re.search(rb"APPENDUID \d+ (\d+)", answer)
        if not match:
            raise AssertionError(f"no APPENDUID in {answer!r}")
        return int(match.group(1))

    def folder_uids(self, folder: str = "INBOX", user: str | None = None) -> list[int]:
        """UIDs now in `folder`, ascending; [] when the folder does not exist."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                return []
            imap.select_folder(folder, readonly=True)
            return sorted(imap.search("ALL"))

    def folder_flags(self, folder: str = "INBOX", user: str | None = None) -> dict[int, tuple[bytes, ...]]:
        """UID -> FLAGS, read with EXAMINE so reading changes nothing."""
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            uids = imap.search("ALL")
            if not uids:
                return {}
            return {uid: data[b"FLAGS"] for uid, data in imap.fetch(uids, ["FLAGS"]).items()}

    def uidvalidity(self, folder: str = "INBOX", user: str | None = None) -> int:
        with self.client(user) as imap:
            return imap.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"]

    def folders(self, user: str | None = None) -> list[str]:
        with self.client(user) as imap:
            return sorted(name for _flags, _delimiter, name in imap.list_folders())

    def reset(self) -> None:
        """Empty every mailbox: INBOX expunged, all other folders deleted. Starts Dovecot if stopped."""
        self.start()
        for user in self.users:
            with self.client(user) as imap:
                names = [name for _flags, _delimiter, name in imap.list_folders()]
                for name in sorted(names, key=len, reverse=True):   # children before parents
                    if name.upper() == "INBOX":
                        continue
                    try:
                        imap.delete_folder(name)
                    except imap.Error as error:  # an implicit parent (\NoSelect) goes with its children
                        if "NONEXISTENT" not in str(error):
                            raise
                for name in imap.list_sub_folders():
                    _f, _d, sub = name
                    if sub.upper() != "INBOX":
                        imap.unsubscribe_folder(sub)
                imap.select_folder("INBOX")
                uids = imap.search("ALL")
                if uids:
                    imap.delete_messages(uids)
                    imap.expunge()

    def deliver_to_maildir(self, raw: bytes, folder: str = "INBOX", user: str | None = None) -> Path:
        """Put a message straight into the user's Maildir, as an MDA would; works while Dovecot is down."""
        user = user or self.user
        maildir = self.home_root / user / "Maildir"
        if folder.upper() != "INBOX":
            maildir = maildir / ("." + folder)  # Maildir++: the default "." separator
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.P{os.getpid()}R{secrets.token_hex(4)}.resetdesk-test"
        temporary = maildir / "tmp" / name
        temporary.write_bytes(raw)
        self._chown_tree(self.home_root / user)  # Dovecot runs as the mail uid and must own it all
        final = maildir / "new" / name
        os.rename(temporary, final)
        return final

    def _chown_tree(self, root: Path) -> None:
        if os.geteuid() != 0:
            return
        for dirpath, _dirnames, filenames in os.walk(root):
            os.chown(dirpath, self._mail_uid, self._mail_gid)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), self._mail_uid, self._mail_gid)


# -------------------------------------------------------------------- messages


def make_message(subject: str = "Help, I am locked out", sender: str = "anna@contoso.no",
                 to: str = "desk@example.test", body: str = "I cannot sign in.\n",
                 message_id: str | None = None, extra_headers: dict[str, str] | None = None,
                 size: int | None = None) -> bytes:
    """A small RFC 5322 message; `size` pads the body to at least that many bytes."""
    message_id = message_id or email.utils.make_msgid(domain="test.example")
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Message-ID: {message_id}",
             f"Date: {email.utils.formatdate(localtime=False)}", "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8"]
    lines += [f"{k}: {v}" for k, v in (extra_headers or {}).items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()
    if size is not None and len(raw) < size:
        line = b"x" * 76 + b"\r\n"
        raw += line * ((size - len(raw)) // len(line) + 1)
    return raw


def desk_config(dovecot: DovecotServer | None = None, identity: IdentityServer | None = None,
                smtp: SmtpServer | None = None, *, client_id: str = "", imap: dict | None = None,
                oauth: dict | None = None, smtp_table: dict | None = None, **tables: dict):
    """A validated resetdesk Config pointing at the test servers.

    Secrets are not in it: set RESETDESK_IMAP_PASSWORD / RESETDESK_CLIENT_SECRET /
    RESETDESK_SMTP_PASSWORD in the environment (the conftest fixture does).
    """
    from resetdesk import config as config_module

    data: dict[str, dict] = {k: dict(v) for k, v in tables.items()}
    if dovecot is not None:
        data["imap"] = {"host": dovecot.host, "port": dovecot.port, "security": "plain",
                        "username": dovecot.user, "ca_file": str(dovecot.tls.ca_file),
                        "poll_interval": 2.0, "timeout": 10.0,
                        "reconnect_initial_delay": 0.1, "reconnect_max_delay": 1.0, "reconnect_give_up": 15.0,
                        **(imap or {})}
    elif imap:
        data["imap"] = dict(imap)
    if identity is not None:
        data["oauth"] = {"tenant_id": identity.tenant_id, "client_id": client_id,
                         "authority": identity.authority, "ca_file": str(identity.ca_file), **(oauth or {})}
    elif oauth:
        data["oauth"] = dict(oauth)
    if smtp is not None:
        data["smtp"] = {"host": smtp.host, "port": smtp.port, "security": "plain",
                        "username": smtp.username or "", "timeout": 10.0, **(smtp_table or {})}
        if smtp.ca_file:
            data["smtp"].setdefault("ca_file", str(smtp.ca_file))
    elif smtp_table:
        data["smtp"] = dict(smtp_table)
    return config_module.from_dict(data)
