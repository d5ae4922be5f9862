"""The Microsoft Graph client of the approval flow: look accounts up, check roles, reset.

App-only, with the process's one msal app (resetdesk/auth.py, shared with
IMAP and sendMail), over one requests session that trusts `oauth.ca_file`.
Every call is v1.0 (`graph.base_url`); none of the calls here needs beta
(the README says which beta endpoint a tenant might be tempted by, and why
it is not used).

Reads: GET /users/{upn} ($select; by mail when the UPN is not found),
roleManagement/directory/roleAssignments and roleEligibilityScheduleInstances
filtered by principalId, /users/{id}/transitiveMemberOf/microsoft.graph.group
(role-assignable groups), POST /users/{id}/checkMemberGroups, and
/groups/{id}/transitiveMembers/microsoft.graph.user.
Changes: POST .../authentication/temporaryAccessPassMethods (and DELETE of
a previous pass), PATCH /users/{id} passwordProfile, POST revokeSignInSessions.

Failures, branched on Graph's error `code`, never on its wording:
- 429, 503, 504: refused for now: wait Retry-After (bounded by MAX_WAIT
  a wait, MAX_TRIES tries), else back off exponentially, then try again;
- 401: the token is dropped and the call made once more with a fresh one;
- Authorization_RequestDenied (403): `GraphDenied`, naming what to grant;
- Request_ResourceNotFound (404): `GraphNotFound` (or None for a lookup);
- a password the directory finds too weak: `PasswordRejected`;
- no connection, or a read without an answer: `GraphUnavailable` (try later);
- a change sent without an answer (timeout, dropped connection, a 5xx
  other than 503/504): `GraphInDoubt`. It is never sent again by this client.

A secret (the pass Graph returns, the password we send) is never logged,
never put into an exception, never kept here beyond the call that made it.
"""

from __future__ import annotations

import email.utils
import logging
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..auth import HttpSessionHolder
from ..config import Config
from ..errors import ResetdeskError, TokenError
from ..rules.preflight import RoleFacts

if TYPE_CHECKING:
    import requests     # for the annotation: _open imports it when first used

log = logging.getLogger("resetdesk.graph")

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_TRIES = 4            # a throttled call is tried at most this often ...
MAX_WAIT = 30.0          # ... waiting at most this long each time ...
MAX_TOTAL_WAIT = 60.0    # ... and this long in all
MAX_PAGES = 50           # nextLink pages followed for one list
USER_FIELDS = ("id", "userPrincipalName", "mail", "displayName", "accountEnabled", "onPremisesSyncEnabled",
               "userType", "otherMails", "proxyAddresses", "preferredLanguage")

# The least application permission each call needs: named in GraphDenied.
PERMISSIONS = {
    "user": "User.Read.All",
    "roles": "RoleManagement.Read.Directory",
    "eligible": "RoleEligibilitySchedule.Read.Directory",
    "groups": "GroupMember.Read.All",
    "tap": "UserAuthMethod-TAP.ReadWrite.All (and the Temporary Access Pass method enabled for the user "
           "in the Authentication methods policy)",
    "password": "User-PasswordProfile.ReadWrite.All plus the User Administrator directory role",
    "revoke": "User.RevokeSessions.All",
}


class GraphError(ResetdeskError):
    """Graph refused a call; `code` is Graph's error code, `status` the HTTP status."""

    def __init__(self, message: str, code: str = "", status: int = 0):
        super().__init__(message)
        self.code, self.status = code, status


class GraphDenied(GraphError):
    """Authorization_RequestDenied: the app lacks a permission or a directory role for this account."""


class GraphNotFound(GraphError):
    """Request_ResourceNotFound: no such user (or object)."""


class GraphAmbiguous(GraphError):
    """Several accounts answer to one address."""


class PasswordRejected(GraphError):
    """The directory refused the password (complexity, history): try another one."""


class GraphUnavailable(GraphError):
    """Graph could not be reached or stayed throttled: nothing was changed; try later."""


class GraphInDoubt(GraphError):
    """A change was sent and no answer came: it may or may not have happened."""


@dataclass(frozen=True)
class IssuedSecret:
    """A secret Graph issued or we set: its value lives only in this object (never printed)."""

    value: str
    kind: str                       # tap | password
    lifetime_minutes: int | None    # a pass's lifetime; None for a password
    expires: datetime | None = None

    def __repr__(self) -> str:      # a traceback or a debug print must not show the value
        return f"IssuedSecret(kind={self.kind!r}, lifetime_minutes={self.lifetime_minutes!r})"

    __str__ = __repr__


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="@")


def _odata_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _retry_after(response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _error(response) -> tuple[str, str]:
    """Graph's {"error": {"code", "message"}}: the code, and the message's first line shortened."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return "", ""
    if not isinstance(error, dict):
        return str(error)[:80], ""
    return str(error.get("code") or ""), " ".join(str(error.get("message") or "").split())[:200]


def _is_complexity(code: str, message: str) -> bool:
    # Graph answers a weak password with 400 Request_BadRequest; the code alone
    # is shared with other bad requests, so the documented message decides.
    lowered = message.lower()
    return code == "Request_BadRequest" and "password" in lowered and (
        "complexity" in lowered or "history" in lowered or "strength" in lowered)


class GraphClient(HttpSessionHolder):
    """Graph calls for the approval flow; one per process (its session is reused)."""

    def __init__(self, config: Config, tokens=None, sleep: Callable[[float], None] = time.sleep):
        from ..auth import TokenProvider

        self.config = config
        self.base_url = config.graph.base_url.rstrip("/")
        self.timeout = float(config.graph.timeout)
        self.tokens = tokens or TokenProvider(config)
        self.ca_file = str(config.resolve_path(config.oauth.ca_file)) if config.oauth.ca_file else ""
        self.sleep = sleep
        self._session: requests.Session | None = None

    # -- plumbing -----------------------------------------------------------

    def _token(self) -> str:
        try:
            return self.tokens.token(GRAPH_SCOPE)
        except TokenError as error:
            raise GraphUnavailable(f"no Graph token: {error}") from None

    def _send(self, method: str, url: str, *, changes: bool, what: str, **kwargs):
        """One HTTP exchange; connection trouble becomes GraphUnavailable, or GraphInDoubt for a sent change."""
        import requests
        from urllib3.exceptions import NewConnectionError

        session = self._open()
        try:
            return session.request(method, url, timeout=(self.timeout, self.timeout), allow_redirects=False, **kwargs)
        except (requests.ConnectTimeout, requests.exceptions.SSLError) as error:
            self.close()
            raise GraphUnavailable(f"{what}: cannot connect to Graph: {type(error).__name__}") from None
        except requests.ConnectionError as error:
            self.close()
            reason = getattr(error.args[0], "reason", None) if error.args else None
            if isinstance(reason, NewConnectionError) or not changes:
                raise GraphUnavailable(f"{what}: cannot reach Graph: {type(reason or error).__name__}") from None
            raise GraphInDoubt(f"{what}: the connection broke after the request was sent") from None
        except requests.Timeout:
            self.close()
            if changes:
                raise GraphInDoubt(f"{what}: no answer within {self.timeout:g} s after the request was sent") from None
            raise GraphUnavailable(f"{what}: no answer within {self.timeout:g} s") from None
        except requests.RequestException as error:
            self.close()
            if changes:
                raise GraphInDoubt(f"{what}: {type(error).__name__} after the request was sent") from None
            raise GraphUnavailable(f"{what}: {type(error).__name__}") from None

    def _call(self, method: str, path: str, *, what: str, permission: str, changes: bool = False,
              params: dict[str, str] | None = None, body: Any = None, ok: tuple[int, ...] = (200,)):
        """A Graph call with the retry rules of the module docstring; returns the response."""
        url = path if path.startswith("https://") else f"{self.base_url}{path}"
        headers = {"Authorization": "", "Accept": "application/json"}
        waited, refreshed = 0.0, False
        for attempt in range(1, MAX_TRIES + 1):
            token = self._token()
            headers["Authorization"] = f"Bearer {token}"
            response = self._send(method, url, changes=changes, what=what, params=params, json=body, headers=headers)
            status = response.status_code
            if status in ok:
                return response
            code, message = _error(response)
            if status == 401 and not refreshed:
                # A token the cache still trusts but Graph refuses: once more, fresh. Nothing happened.
                self.tokens.invalidate(token)
                refreshed = True
                continue
            if status in (429, 503, 504):
                delay = _retry_after(response)
                delay = min(MAX_WAIT, delay if delay is not None else 2.0 ** (attempt - 1))
                if attempt == MAX_TRIES or waited + delay > MAX_TOTAL_WAIT:
                    raise GraphUnavailable(f"{what}: Graph still says {status} {code} after {attempt} tries",
                                           code, status)
                log.info("%s: Graph says %s %s; trying again in %.1f s", what, status, code or "", delay)
                self.sleep(delay)
                waited += delay
                continue
            text = f"{what}: {status} {code}{': ' + message if message else ''}"
            if code == "Authorization_RequestDenied" or status == 403:
                raise GraphDenied(f"{text} (grant the app {PERMISSIONS[permission]})", code, status)
            if code == "Request_ResourceNotFound" or status == 404:
                raise GraphNotFound(text, code, status)
            if _is_complexity(code, message):
                raise PasswordRejected(text, code, status)
            if status >= 500:
                if changes:
                    raise GraphInDoubt(text, code, status)
                raise GraphUnavailable(text, code, status)
            raise GraphError(text, code, status)
        raise GraphUnavailable(f"{what}: gave up after {MAX_TRIES} tries")

    def _list(self, path: str, *, what: str, permission: str, params: dict[str, str] | None = None) -> list[dict]:
        """Every item of a collection, following @odata.nextLink (at most MAX_PAGES pages)."""
        items: list[dict] = []
        url, query = path, params
        for _ in range(MAX_PAGES):
            page = self._call("GET", url, what=what, permission=permission, params=query).json()
            items.extend(page.get("value") or [])
            url, query = page.get("@odata.nextLink"), None
            if not url:
                return items
        raise GraphUnavailable(f"{what}: more than {MAX_PAGES} pages")

    # -- reads --------------------------------------------------------------

    def user(self, address: str) -> dict[str, Any] | None:
        """The account `address` names (its UPN, else its mail), or None; GraphAmbiguous for several."""
        select = {"$select": ",".join(USER_FIELDS)}
        try:
            return self._call("GET", f"/users/{_quote(address)}", what=f"look up {address}",
                              permission="user", params=select).json()
        except GraphNotFound:
            pass
        found = self._list("/users", what=f"look up {address} by mail", permission="user",
                           params={**select, "$filter": f"mail eq {_odata_string(address)}"})
        if len(found) > 1:
            raise GraphAmbiguous(f"{len(found)} accounts have the mail address {address}")
        return found[0] if found else None

    def roles(self, user_id: str) -> RoleFacts:
        """Directory roles the account holds: assigned, PIM-eligible, or through role-assignable groups."""
        principal = {"$filter": f"principalId eq {_odata_string(user_id)}"}
        direct = self._list("/roleManagement/directory/roleAssignments", what="read role assignments",
                            permission="roles", params=principal)
        eligible = self._list("/roleManagement/directory/roleEligibilityScheduleInstances",
                              what="read PIM-eligible roles", permission="eligible", params=principal)
        # A User Administrator may not reset members of role-assignable groups at
        # all, whatever the group holds: membership alone refuses.
        groups = self._list(f"/users/{_quote(user_id)}/transitiveMemberOf/microsoft.graph.group",
                            what="read group memberships", permission="groups",
                            params={"$select": "id,displayName,isAssignableToRole"})
        return RoleFacts(direct=tuple(str(a.get("roleDefinitionId") or "") for a in direct),
                         eligible=tuple(str(a.get("roleDefinitionId") or "") for a in eligible),
                         role_groups=tuple(str(g.get("displayName") or g.get("id") or "")
                                           for g in groups if g.get("isAssignableToRole")))

    def is_member(self, user_id: str, group_id: str) -> bool:
        """Whether the account is in the group, directly or through others (checkMemberGroups)."""
        answer = self._call("POST", f"/users/{_quote(user_id)}/checkMemberGroups", what="check group membership",
                            permission="groups", body={"groupIds": [group_id]}).json()
        return group_id.lower() in {str(g).lower() for g in answer.get("value") or ()}

    def group_member_addresses(self, group_id: str) -> list[str]:
        """The mail (else UPN) of every enabled user in the group, transitively."""
        members = self._list(f"/groups/{_quote(group_id)}/transitiveMembers/microsoft.graph.user",
                             what="read the approver group", permission="groups",
                             params={"$select": "id,mail,userPrincipalName,accountEnabled"})
        return [str(m.get("mail") or m.get("userPrincipalName") or "").lower()
                for m in members if m.get("accountEnabled", True) is not False
                and (m.get("mail") or m.get("userPrincipalName"))]

    # -- changes ------------------------------------------------------------

    def delete_temporary_access_passes(self, user_id: str) -> int:
        """Remove the account's existing passes (one nobody received); returns how many."""
        path = f"/users/{_quote(user_id)}/authentication/temporaryAccessPassMethods"
        existing = self._list(path, what="list Temporary Access Passes", permission="tap")
        for method in existing:
            self._call("DELETE", f"{path}/{_quote(str(method.get('id')))}", what="delete a Temporary Access Pass",
                       permission="tap", changes=True, ok=(204, 404))
        return len(existing)

    def create_temporary_access_pass(self, user_id: str, lifetime_minutes: int) -> IssuedSecret:
        """A one-time Temporary Access Pass; the pass is in the returned object only."""
        answer = self._call("POST", f"/users/{_quote(user_id)}/authentication/temporaryAccessPassMethods",
                            what="create a Temporary Access Pass", permission="tap", changes=True,
                            body={"isUsableOnce": True, "lifetimeInMinutes": lifetime_minutes},
                            ok=(200, 201)).json()
        value = str(answer.get("temporaryAccessPass") or "")
        if not value:
            raise GraphError("create a Temporary Access Pass: the answer carried no pass")
        lifetime = int(answer.get("lifetimeInMinutes") or lifetime_minutes)
        start = answer.get("startDateTime")
        try:
            begins = datetime.fromisoformat(str(start)) if start else datetime.now(UTC)
        except ValueError:
            begins = datetime.now(UTC)
        return IssuedSecret(value, "tap", lifetime, begins + timedelta(minutes=lifetime))

    def set_password(self, user_id: str, password: str, *, with_mfa: bool) -> None:
        """PATCH passwordProfile: the person must change it at the next sign-in (after MFA when asked)."""
        profile: dict[str, Any] = {"password": password}
        profile["forceChangePasswordNextSignInWithMfa" if with_mfa else "forceChangePasswordNextSignIn"] = True
        if with_mfa:
            profile["forceChangePasswordNextSignIn"] = True
        self._call("PATCH", f"/users/{_quote(user_id)}", what="set a temporary password", permission="password",
                   changes=True, body={"passwordProfile": profile}, ok=(200, 204))

    def revoke_sessions(self, user_id: str) -> None:
        """End the account's sign-in sessions (refresh tokens and session cookies)."""
        self._call("POST", f"/users/{_quote(user_id)}/revokeSignInSessions", what="revoke sign-in sessions",
                   permission="revoke", changes=True, ok=(200, 204))
