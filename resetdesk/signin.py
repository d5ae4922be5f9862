"""People's sign-in with Entra ID: the OpenID Connect code flow with PKCE, and the ID-token checks.

The web console signs operators and approvers in with it; the approval
flow's confirmation page signs a requester in the same way, naming the user
it expects. msal runs the flow (state, nonce, PKCE: `initiate_auth_code_flow`
and `acquire_token_by_auth_code_flow`) but since 1.38 validates nothing in the
ID token, so everything that makes a sign-in count is checked here:

- `verify_id_token`: the signature against the tenant's published keys
  (JWKS), the issuer, the audience (our app), the nonce, expiry;
- `check_claims`: `tid` is the configured tenant; `oid` the expected user,
  when one is expected; `amr` holds "mfa", or `acrs` holds the configured
  authentication context; the sign-in is fresh (`auth_time`, else `iat`,
  within `web.signin_max_age_seconds`; the request also asks `prompt=login`
  and `max_age`, but only the token says what happened).

Each refusal is a `SigninError` whose `reason` is one word (wrong_tenant,
wrong_user, no_mfa, stale, invalid) for the audit trail.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any

from .auth import authority_for, confidential_app, http_session
from .config import Config
from .errors import ConfigError, SigninError, TokenError

CLOCK_SKEW_SECONDS = 120     # tolerated difference between our clock and the identity platform's
KEYS_REFRESH_SECONDS = 300   # an unknown key id fetches the JWKS again, at most this often


@dataclass(frozen=True)
class SigninPolicy:
    """What makes a sign-in count: the tenant, how fresh, and the MFA evidence accepted."""

    tenant_id: str
    max_age_seconds: int = 300
    auth_context: str = ""       # a Conditional Access authentication context id (c1..c99), or ""

    @classmethod
    def from_config(cls, config: Config) -> SigninPolicy:
        return cls(config.oauth.tenant_id, config.web.signin_max_age_seconds, config.web.auth_context)


@dataclass(frozen=True)
class Identity:
    """A person as a checked ID token names them."""

    oid: str
    tid: str
    username: str                # preferred_username, lower-cased: the UPN the config's lists name
    name: str
    amr: tuple[str, ...]
    acrs: tuple[str, ...]
    auth_time: int


def check_claims(claims: dict[str, Any], policy: SigninPolicy, *, expected_oid: str | None = None,
                 now: float | None = None) -> Identity:
    """The checks that make a verified ID token a sign-in that counts; SigninError names the first that fails."""
    now = time.time() if now is None else now
    tid = str(claims.get("tid") or "")
    if not policy.tenant_id or tid != policy.tenant_id:
        raise SigninError("wrong_tenant", f"signed in to tenant {tid or '(none)'}, not {policy.tenant_id or '(unset)'}")
    oid = str(claims.get("oid") or "")
    if not oid:
        raise SigninError("invalid", "the ID token names no user (no oid)")
    if expected_oid is not None and oid != expected_oid:
        raise SigninError("wrong_user", "signed in as another user than the one expected")
    amr = tuple(str(x) for x in claims.get("amr") or ())
    acrs = tuple(str(x) for x in claims.get("acrs") or ())
    if "mfa" not in amr and not (policy.auth_context and policy.auth_context in acrs):
        wanted = "amr holds no mfa" + (f" and acrs holds no {policy.auth_context}" if policy.auth_context else "")
        raise SigninError("no_mfa", f"the sign-in did not use multi-factor authentication ({wanted})")
    signed_in = claims.get("auth_time", claims.get("iat"))
    if not isinstance(signed_in, (int, float)) or isinstance(signed_in, bool):
        raise SigninError("stale", "the ID token says nothing about when the user signed in")
    age = now - signed_in
    if age > policy.max_age_seconds + CLOCK_SKEW_SECONDS or age < -CLOCK_SKEW_SECONDS:
        raise SigninError("stale", f"the sign-in was {int(age)} s ago; at most {policy.max_age_seconds} s counts")
    username = str(claims.get("preferred_username") or claims.get("upn") or claims.get("email") or "").strip().lower()
    return Identity(oid, tid, username, str(claims.get("name") or ""), amr, acrs, int(signed_in))


def verify_id_token(id_token: str, keys: dict[str, Any], *, issuer: str, audience: str,
                    nonce: str | None = None, now: float | None = None) -> dict[str, Any]:
    """The claims of an ID token whose signature, issuer, audience, nonce and lifetime hold; else SigninError."""
    import jwt

    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as error:
        raise SigninError("invalid", f"the ID token is not a JWT: {error}") from None
    if header.get("alg") != "RS256":
        raise SigninError("invalid", f"the ID token is signed with {header.get('alg')!r}, not RS256")
    key = next((k for k in keys.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if key is None:
        raise SigninError("invalid", f"the ID token is signed with an unknown key {header.get('kid')!r}")
    try:
        public_key = jwt.PyJWK(key, algorithm="RS256").key
        claims = jwt.decode(id_token, public_key, algorithms=["RS256"], audience=audience, issuer=issuer,
                            leeway=CLOCK_SKEW_SECONDS, options={"require": ["exp", "iat", "aud", "iss"]})
    except jwt.PyJWTError as error:
        raise SigninError("invalid", f"the ID token does not verify: {error}") from None
    if now is not None and claims["exp"] + CLOCK_SKEW_SECONDS < now:
        raise SigninError("invalid", "the ID token has expired")
    if nonce is not None and claims.get("nonce") != nonce:
        raise SigninError("invalid", "the ID token's nonce is not this sign-in's")
    return claims


def _nonce_hash(nonce: str) -> str:
    # msal sends sha256(nonce) as the request's nonce; the ID token carries that.
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


class EntraSignin:
    """One app registration's sign-in flow for people (per `[web]`, else `[oauth]`).

    `begin()` returns msal's flow (keep it server-side; it holds the PKCE
    verifier) and the URL to send the browser to; `finish()` takes that flow
    and the query the browser came back with, and returns the checked
    Identity or raises SigninError.
    """

    def __init__(self, config: Config, redirect_uri: str, policy: SigninPolicy | None = None):
        web, oauth = config.web, config.oauth
        self.config = config
        self.client_id: str = web.client_id or oauth.client_id
        self.secret_key = ("web", "client_secret_env") if web.client_secret_env else ("oauth", "client_secret_env")
        self.authority = authority_for(config)
        self.ca_file = str(config.resolve_path(oauth.ca_file)) if oauth.ca_file else ""
        self.redirect_uri = redirect_uri
        self.policy = policy or SigninPolicy.from_config(config)
        self._app: Any = None
        self._keys: dict[str, Any] = {}
        self._keys_at = 0.0
        self._metadata: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def configured(self) -> str | None:
        """None when sign-in can work; else what is missing (for the sign-in page and `resetdesk check`)."""
        if not self.client_id:
            return "web.client_id and oauth.client_id are both empty"
        if not self.policy.tenant_id:
            return "oauth.tenant_id is empty"
        try:
            self.config.secret(*self.secret_key)
        except ConfigError as error:
            return str(error)
        return None

    def _application(self):
        with self._lock:
            if self._app is None:
                problem = self.configured()
                if problem:
                    raise TokenError(problem)
                self._app = confidential_app(self.client_id, self.config.secret(*self.secret_key),
                                             self.authority, self.ca_file)
            return self._app

    def begin(self, login_hint: str | None = None) -> dict[str, Any]:
        """Start a sign-in: msal's flow dict, whose `auth_uri` the browser goes to (prompt=login, max_age)."""
        options: dict[str, Any] = {"prompt": "login", "max_age": self.policy.max_age_seconds}
        if login_hint:
            options["login_hint"] = login_hint
        if self.policy.auth_context:
            wanted = {"acrs": {"essential": True, "value": self.policy.auth_context}}
            options["claims_challenge"] = json.dumps({"id_token": wanted, "access_token": wanted})
        # response_mode=query (msal warns, preferring form_post): the callback is then a GET that
        # carries the SameSite=Lax cookie binding it to this browser's flow; a cross-site form
        # POST would need a SameSite=None cookie. The code in the URL is single-use and bound to
        # the PKCE verifier, and the console sends no Referer and redirects away at once.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
            return self._application().initiate_auth_code_flow([], redirect_uri=self.redirect_uri,
                                                                response_mode="query", **options)

    def finish(self, flow: dict[str, Any], response: dict[str, str], *, expected_oid: str | None = None) -> Identity:
        """Redeem the code (msal checks state and PKCE), verify the ID token, check its claims."""
        if response.get("error"):
            # The identity platform's own refusal (the user cancelled, consent missing): its code, no more.
            raise SigninError("refused", f"the identity platform answered {response.get('error')}")
        try:
            result = self._application().acquire_token_by_auth_code_flow(flow, response)
        except ValueError as error:    # msal: state mismatch, a flow used twice
            raise SigninError("invalid", f"the sign-in response does not belong to this sign-in: {error}") from None
        except RuntimeError as error:  # msal: nonce mismatch, or auth_time older than max_age
            if "max_age" in str(error) or "auth_time" in str(error):
                raise SigninError("stale", "the sign-in is older than max_age allows") from None
            raise SigninError("invalid", "the ID token's nonce is not this sign-in's") from None
        if "error" in result:
            raise SigninError("refused", f"the code was not redeemed: {result.get('error')}")
        id_token = result.get("id_token")
        if not id_token:
            raise SigninError("invalid", "the identity platform returned no ID token")
        metadata = self._openid_metadata()
        claims = verify_id_token(id_token, self._jwks(id_token), issuer=metadata["issuer"],
                                 audience=self.client_id, nonce=_nonce_hash(flow["nonce"]))
        return check_claims(claims, self.policy, expected_oid=expected_oid)

    def _openid_metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            session = http_session(self.ca_file)
            try:
                answer = session.get(f"{self.authority}/v2.0/.well-known/openid-configuration", timeout=30)
                answer.raise_for_status()
                self._metadata = answer.json()
            except Exception as error:
                raise SigninError("unavailable",
                                  f"cannot read the OpenID configuration: {type(error).__name__}") from None
            finally:
                session.close()
        return self._metadata

    def _jwks(self, id_token: str) -> dict[str, Any]:
        """The tenant's keys; fetched again when the token names a key we do not have (keys roll over)."""
        import jwt

        kid = jwt.get_unverified_header(id_token).get("kid")
        have = any(k.get("kid") == kid for k in self._keys.get("keys", []))
        if not self._keys or (not have and time.monotonic() - self._keys_at > KEYS_REFRESH_SECONDS):
            session = http_session(self.ca_file)
            try:
                answer = session.get(self._openid_metadata()["jwks_uri"], timeout=30)
                answer.raise_for_status()
                self._keys, self._keys_at = answer.json(), time.monotonic()
            except Exception as error:
                raise SigninError("unavailable", f"cannot read the signing keys: {type(error).__name__}") from None
            finally:
                session.close()
        return self._keys
