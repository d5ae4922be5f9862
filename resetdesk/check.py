"""`resetdesk check`: everything the desk needs, tried once, each line OK or what to fix.

The config, the knowledge data, the store (writable, its migrations), the
mailbox (IMAP: connect, log in by password or XOAUTH2, the folders; or the
local Maildir), the way replies leave (SMTP: connect, EHLO, STARTTLS, AUTH,
nothing sent; or Graph sendMail; or the outbox Maildir), and Microsoft Graph:
a token, and the application permissions its `roles` claim carries against
those the configured features need (`GRAPH_PERMISSIONS`, one table).
Nothing is sent, moved or migrated.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator

from .config import Config
from .errors import ResetdeskError

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True)
class Permission:
    """A Graph application permission a feature needs, what for, and broader ones that also grant it."""

    feature: str
    name: str
    purpose: str
    broader: tuple[str, ...] = ()


# feature -> the least application permission it needs. A feature is on when
# `features(config)` says so; the approval flow's reset features switch on
# there (see `features`), so this table is the one place to read or change.
GRAPH_PERMISSIONS: tuple[Permission, ...] = (
    Permission("resets", "User.Read.All", "look up the account a reset request names",
               ("User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")),
    Permission("resets", "RoleManagement.Read.Directory", "refuse to reset admins: read the account's directory roles",
               ("RoleManagement.ReadWrite.Directory", "Directory.Read.All", "Directory.ReadWrite.All")),
    Permission("resets", "RoleEligibilitySchedule.Read.Directory",
               "refuse to reset admins: read the roles the account may activate (PIM)",
               ("RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.Read.Directory",
                "RoleManagement.ReadWrite.Directory")),
    Permission("groups", "GroupMember.Read.All", "check membership of the configured groups",
               ("Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")),
    Permission("tap", "UserAuthMethod-TAP.ReadWrite.All", "issue a Temporary Access Pass",
               ("UserAuthenticationMethod.ReadWrite.All",)),
    Permission("password", "User-PasswordProfile.ReadWrite.All", "set a new password"),
    Permission("revoke_sessions", "User.RevokeSessions.All", "sign the account out everywhere after a reset",
               ("User.ReadWrite.All", "Directory.ReadWrite.All")),
    Permission("send_mail", "Mail.Send", "send replies with Graph sendMail (graph.send_mail)"),
)


def features(config: Config) -> set[str]:
    """The features the config switches on that need Graph permissions.

    graph.send_mail; and admin-approved resets once someone may ask for one
    (`policy.requesters` or `requester_group`) and there is an app
    registration to look them up with (without `oauth.client_id` the flow
    is a dry run that calls nothing): the lookups ("resets"), the groups
    when one is named, and, unless `graph.dry_run` (lookups only, nothing
    changed), `approval.method` ("tap" or "password") and
    `approval.revoke_sessions`.
    """
    wanted = set()
    if config.graph.send_mail:
        wanted.add("send_mail")
    policy, approval = config.policy, config.approval
    if (policy.requesters or policy.requester_group) and config.oauth.client_id:
        wanted.add("resets")
        if policy.requester_group or policy.approver_group:
            wanted.add("groups")
        if not config.graph.dry_run:
            wanted.add(approval.method)
            if approval.revoke_sessions:
                wanted.add("revoke_sessions")
    return wanted


def missing_permissions(roles: set[str], wanted: set[str]) -> list[Permission]:
    """The permissions the features in `wanted` need that `roles` neither holds nor holds a broader one of."""
    return [p for p in GRAPH_PERMISSIONS if p.feature in wanted and p.name not in roles
            and not roles.intersection(p.broader)]


@dataclass(frozen=True)
class Line:
    """One checked thing: `ok` True (holds), False (what to fix), or None (not configured: nothing to check)."""

    area: str
    ok: bool | None
    text: str

    def __str__(self) -> str:
        mark = {True: "OK  ", False: "FAIL", None: "--  "}[self.ok]
        return f"{mark}  {self.area:<10} {self.text}"


def token_roles(token: str) -> set[str]:
    """The `roles` claim of an access token (a JWT), read without checking its signature: our own token."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return set()
    roles = claims.get("roles") if isinstance(claims, dict) else None
    return {str(role) for role in roles} if isinstance(roles, list) else set()


def _secret_line(config: Config, area: str, table: str, key: str, what: str) -> Line | None:
    try:
        config.secret(table, key)
    except ResetdeskError as error:
        return Line(area, False, f"{what}: {error}")
    return None


def check_config(config: Config) -> Iterator[Line]:
    yield Line("config", True, f"{config.source or '(no file: the defaults)'} is valid")
    needs_oauth = config.imap.host and config.imap.auth == "oauth" or config.graph.send_mail or features(config)
    if needs_oauth:
        oauth = config.oauth
        if not oauth.client_id:
            yield Line("config", False, "oauth.client_id is empty: set the app registration's application (client) id")
        if not oauth.tenant_id and not oauth.authority:
            yield Line("config", False, "oauth.tenant_id is empty: set the Entra ID tenant (directory) id")
        line = _secret_line(config, "config", "oauth", "client_secret_env", "the app's client secret")
        if line:
            yield line
    if config.imap.host and config.imap.auth == "password":
        line = _secret_line(config, "config", "imap", "password_env", "the IMAP password")
        if line:
            yield line
    if config.smtp.host and config.smtp.username and not config.graph.send_mail:
        line = _secret_line(config, "config", "smtp", "password_env", "the SMTP password")
        if line:
            yield line
    signin = config.policy.verification == "exchange-online" or config.policy.require_signin_confirmation
    if signin and (config.policy.requesters or config.policy.requester_group) and not config.web.public_url:
        yield Line("config", False, "requests wait for the requester's sign-in, but web.public_url is empty: set the "
                                    "console's address (https://desk.contoso.no), which the confirmation link "
                                    "in the requester's mail points to")
    if config.graph.send_mail and not (config.graph.mailbox or config.policy.desk_address):
        yield Line("config", False, "graph.send_mail is on but graph.mailbox and policy.desk_address are empty: "
                                    "set the mailbox replies are sent as")


def check_knowledge(config: Config) -> Iterator[Line]:
    from .responders.render import Renderer
    from .rules.engine import Knowledge

    try:
        knowledge = Knowledge.load()
        Renderer(knowledge.graph)
    except ResetdeskError as error:
        yield Line("knowledge", False, f"{error}: fix the file named, `resetdesk classify` tries a change")
        return
    graph = knowledge.graph
    yield Line("knowledge", True, f"{len(graph.scenarios)} scenarios, {len(graph.rules)} rules, "
                                  f"{len(graph.facts)} facts; lexicons and templates load")


def check_store(config: Config) -> Iterator[Line]:
    import sqlite_utils

    from .store import migrations

    path = config.resolve_path(config.store.path)
    if not path.exists():
        directory = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        if directory is None or not os.access(directory, os.W_OK):
            yield Line("store", False, f"{path} does not exist and {directory} is not writable: "
                                       "create the directory for the service's user")
        else:
            yield Line("store", True, f"{path} does not exist yet: the first run creates it")
        return
    try:
        db = sqlite_utils.Database(str(path))
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            pending = [m.name for m in migrations.pending(db)]
            # Take the write lock and let it go at once: the file, its -wal and directory are writable.
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        finally:
            db.close()
    except sqlite3.Error as error:
        yield Line("store", False, f"{path}: {error}: the service's user must be able to write the file and its "
                                   "directory (SQLite adds -wal and -shm files beside it)")
        return
    if pending:
        yield Line("store", True, f"{path} is writable; {len(pending)} migration(s) pending "
                                  f"({', '.join(pending)}), applied when the desk next starts")
    else:
        yield Line("store", True, f"{path} is writable; its migrations are all applied")


def check_intake(config: Config) -> Iterator[Line]:
    if not config.imap.host:
        path = config.resolve_path(config.maildir.path)
        yield _writable("intake", path, "the local Maildir (no [imap] host)")
        return
    from .intake.imap import ImapSource

    try:
        seen = ImapSource(config).probe()
    except ResetdeskError as error:
        hint = {"IntakeAuthError": "check imap.username and the password or the app's IMAP.AccessAsApp permission",
                "IntakeConnectionError": "check imap.host, imap.port, imap.security and imap.ca_file",
                "ConfigError": "fix the setting named"}.get(type(error).__name__, "check the folder settings")
        yield Line("imap", False, f"{error}: {hint}")
        return
    method = "XOAUTH2" if config.imap.auth == "oauth" else "password"
    yield Line("imap", True, f"logged in to {config.imap.host}:{config.imap.port} as {config.imap.username} "
                             f"({method}); {config.imap.folder} holds {seen['messages']} message(s)")
    if seen["missing"]:
        yield Line("imap", True, f"folder(s) {', '.join(seen['missing'])} do not exist yet: created at the first move")


def check_outgoing(config: Config) -> Iterator[Line]:
    if config.graph.send_mail:
        return   # Graph sendMail: the token and Mail.Send are checked with the other Graph permissions
    if not config.smtp.host:
        yield _writable("outgoing", config.resolve_path(config.maildir.outbox), "the outbox Maildir (no [smtp] host)")
        return
    from .responders.transport import SmtpTransport

    try:
        greeting = SmtpTransport(config).probe()
    except ResetdeskError as error:
        yield Line("smtp", False, f"{error}: check smtp.host, port, security, username and the password")
        return
    auth = f", AUTH as {config.smtp.username}" if config.smtp.username else ", no AUTH (smtp.username is empty)"
    yield Line("smtp", True, f"{config.smtp.host}:{config.smtp.port} ({greeting}): EHLO"
                             f"{', STARTTLS' if config.smtp.security == 'starttls' else ''}{auth}; nothing sent")


def check_graph(config: Config) -> Iterator[Line]:
    wanted = features(config)
    if not wanted:
        yield Line("graph", None, "no feature needs Microsoft Graph")
        return
    from .auth import TokenProvider

    try:
        token = TokenProvider(config).token(GRAPH_SCOPE)
    except ResetdeskError as error:
        yield Line("graph", False, f"no token: {error}: check [oauth] and the client secret")
        return
    roles = token_roles(token)
    for permission in GRAPH_PERMISSIONS:
        if permission.feature not in wanted:
            continue
        if permission.name in roles:
            yield Line("graph", True, f"{permission.name}: to {permission.purpose}")
        elif roles.intersection(permission.broader):
            via = ", ".join(sorted(roles.intersection(permission.broader)))
            yield Line("graph", True, f"{permission.name}: granted through {via} (broader than needed), "
                                      f"to {permission.purpose}")
        else:
            yield Line("graph", False, f"{permission.name} is missing: needed to {permission.purpose}; add it under "
                                       "API permissions > Microsoft Graph > Application permissions, "
                                       "grant admin consent")


def _writable(area: str, path: Path, what: str) -> Line:
    existing = next((p for p in [path, *path.parents] if p.exists()), None)
    if existing is not None and os.access(existing, os.W_OK):
        return Line(area, True, f"{what}: {path} is writable")
    return Line(area, False, f"{what}: {path} is not writable by this user")


CHECKS: tuple[Callable[[Config], Iterator[Line]], ...] = (
    check_config, check_knowledge, check_store, check_intake, check_outgoing, check_graph)


def run_checks(config: Config) -> Iterator[Line]:
    """Every check in order; a check that raises unexpectedly is a failed line, not a traceback."""
    for check in CHECKS:
        try:
            yield from check(config)
        except Exception as error:   # one broken check must not hide the others' answers
            yield Line(check.__name__.removeprefix("check_"), False, f"{type(error).__name__}: {error}")
