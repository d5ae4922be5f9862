"""Sessions, one-time sign-in links, pending sign-ins and the response headers: the console's safety.

Everything is kept server-side, in this process: the session cookie holds a
random id and nothing else, so a session ends for real when it expires or
its person signs out (and every session ends when the console restarts).
Secrets that pass through (msal's flow with the PKCE verifier, the one-time
link's token) are never put in a cookie, a page or a log line; a one-time
token is kept only as its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .access import Principal

LOCAL_TOKEN_SECONDS = 600        # a one-time sign-in link is good once, for 10 minutes
SIGNIN_FLOW_SECONDS = 600        # a sign-in at the identity platform must come back within this

# No script at all; styles and images only from the console itself; no framing, no plugins,
# forms only to the console. Inline SVG uses presentation attributes, never style.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@dataclass
class Session:
    """One signed-in browser: the person, the CSRF token of its forms, when it ends, messages to show once."""

    principal: Principal
    csrf: str
    expires: float
    flashes: list[str] = field(default_factory=list)


class Sessions:
    """Server-side sessions by random id, each ending `minutes` after sign-in."""

    def __init__(self, minutes: int, clock=time.monotonic):
        self.seconds = minutes * 60
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, principal: Principal) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._drop_expired()
            self._sessions[sid] = Session(principal, secrets.token_urlsafe(32), self._clock() + self.seconds)
        return sid

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and session.expires <= self._clock():
                del self._sessions[sid]
                return None
            return session

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def _drop_expired(self) -> None:
        now = self._clock()
        for sid in [sid for sid, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[sid]


def csrf_valid(session: Session | None, presented: str | None) -> bool:
    """A form's token is its session's (compared in constant time)."""
    if session is None or not presented:
        return False
    return hmac.compare_digest(session.csrf.encode(), presented.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LocalTokens:
    """One-time sign-in links for `resetdesk web --local`: random, good once, for 10 minutes, kept as hashes."""

    def __init__(self, seconds: int = LOCAL_TOKEN_SECONDS, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._issued[_digest(token)] = self._clock() + self.seconds
        return token

    def redeem(self, token: str | None) -> bool:
        """True once for a token issued here less than 10 minutes ago; False ever after."""
        if not token:
            return False
        with self._lock:
            expires = self._issued.pop(_digest(token), None)
        return expires is not None and expires > self._clock()


@dataclass
class PendingSignin:
    """A sign-in under way at the identity platform: msal's flow and what to do when it comes back."""

    flow: dict[str, Any]
    purpose: str
    context: dict[str, Any]
    expected_oid: str | None
    expires: float


class PendingSignins:
    """Sign-ins under way, by the random id in a short-lived cookie; each is taken once."""

    def __init__(self, seconds: int = SIGNIN_FLOW_SECONDS, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._pending: dict[str, PendingSignin] = {}
        self._lock = threading.Lock()

    def put(self, flow: dict[str, Any], purpose: str, context: dict[str, Any], expected_oid: str | None) -> str:
        key = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            for stale in [k for k, p in self._pending.items() if p.expires <= now]:
                del self._pending[stale]
            self._pending[key] = PendingSignin(flow, purpose, context, expected_oid, now + self.seconds)
        return key

    def take(self, key: str | None) -> PendingSignin | None:
        if not key:
            return None
        with self._lock:
            pending = self._pending.pop(key, None)
        return pending if pending is not None and pending.expires > self._clock() else None
