"""The one configuration schema: a TOML file, validated key by key.

Every setting has a type, a default and a one-line description here; the
commented example in data/resetdesk.example.toml documents the same keys for
people. Secrets never live in the file: a `*_env` key names the environment
variable that holds them, read only when the secret is needed.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypedDict

from .errors import ConfigError


FALLBACK_ADDRESS = "resetdesk@localhost"   # the desk's From when no address is configured


@dataclass(frozen=True)
class Setting:
    """One key: its type, default and help, and the values it may take.

    `minimum`/`maximum` bound a number (inclusive); `above` is an exclusive
    lower bound (a timeout of 0 means no wait at all); `not_below` names a
    key of the same table this one may not be smaller than; `check` returns
    what is wrong with a value, or ''.
    """

    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    not_below: str | None = None
    check: Callable[[Any], str] | None = None


def _list(help: str, default: tuple[str, ...] = (), check: Callable[[Any], str] | None = None) -> Setting:
    return Setting(list, default, help, check=check)


# A spam verdict rule: "Header-Name >= 5", "Header-Name = YES" or "Header-Name contains SFV:SPM".
_VERDICT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9-]*)(?:\s*(>=|=)\s*|\s+(contains)\s+)(\S+)\s*", re.IGNORECASE)


def parse_spam_verdict(text: str) -> tuple[str, str, str]:
    """(header name lower-cased, operator, value) of a `[spam] verdicts` entry; ValueError when malformed."""
    match = _VERDICT.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not 'Header >= number', 'Header = value' or 'Header contains text'")
    name, operator, value = match.group(1).lower(), (match.group(2) or match.group(3)).lower(), match.group(4)
    if operator == ">=":
        try:
            int(value)
        except ValueError:
            raise ValueError(f"{text!r}: >= needs a whole number") from None
    return name, operator, value


def _check_verdicts(values: tuple[str, ...]) -> str:
    for text in values:
        try:
            parse_spam_verdict(text)
        except ValueError as error:
            return str(error)
    return ""


class _Bounds(TypedDict):
    minimum: int
    maximum: int


_PORT = _Bounds(minimum=1, maximum=65535)
_YEAR_MINUTES = 366 * 24 * 60      # windows beyond a year are a typo (and overflow the clock beyond ~10^9)
_MONTH_SECONDS = 31 * 24 * 3600


# table -> key -> Setting. A table whose value is a dict of Settings.
SCHEMA: dict[str, dict[str, Setting]] = {
    "policy": {
        "desk_address": Setting(str, "", "The help mailbox's own address: mail from it is never answered."),
        "trusted_authserv_ids": _list("authserv-ids whose Authentication-Results header is trusted (the topmost one "
                                      "counts)."),
        "requesters": _list("Addresses allowed to ask the desk to reset a password (still needs verification and "
                            "approval)."),
        "approvers": _list("Addresses allowed to approve a reset; never the requester of the same reset."),
        "operators": _list("Addresses allowed on the web console to look at decisions and the audit trail "
                           "and release held replies."),
        "reply_address": Setting(str, "from",
                                 "Where replies go: 'from' (the From address) or 'return_path'. Never Reply-To.",
                                 ("from", "return_path")),
        "requester_group": Setting(str, "",
                                   "Object id of an Entra group whose members may request resets too (checked with "
                                   "Graph checkMemberGroups); empty: only `requesters`."),
        "approver_group": Setting(str, "",
                                  "Object id of an Entra group whose members may approve too (read with Graph); empty: "
                                  "only `approvers`."),
        "protected": _list("Accounts the desk never resets, whatever anyone approves (break-glass accounts): UPNs or "
                           "addresses."),
        "verification": Setting(str, "gateway",
                                "How a sender is verified: 'gateway' (a trusted Authentication-Results says "
                                "dmarc=pass) or 'exchange-online' (Exchange's own organization headers; requests then "
                                "wait for a sign-in confirmation).", ("gateway", "exchange-online")),
        "allow_hybrid": Setting(bool, False,
                                "exchange-online: also accept mail Exchange marks as from on-premises "
                                "(X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem)."),
        "require_signin_confirmation": Setting(bool, False,
                                               "Requests wait in awaiting_confirmation until the requester confirms by "
                                               "signing in with Entra ID and MFA (always so with verification = "
                                               "exchange-online)."),
    },
    "imap": {
        "host": Setting(str, "", "IMAP server; empty means no IMAP: the local Maildir is used."),
        "port": Setting(int, 993, "IMAP port (993 for ssl, 143 for starttls/plain).", **_PORT),
        "security": Setting(str, "ssl", "ssl | starttls | plain (plain only for tests on loopback).",
                            ("ssl", "starttls", "plain")),
        "auth": Setting(str, "password", "password | oauth (XOAUTH2 with an app-only token, for Exchange Online).",
                        ("password", "oauth")),
        "username": Setting(str, "", "Login name (the mailbox address for XOAUTH2)."),
        "password_env": Setting(str, "RESETDESK_IMAP_PASSWORD", "Environment variable holding the IMAP password."),
        "folder": Setting(str, "INBOX", "The folder the desk watches."),
        "answered_folder": Setting(str, "resetdesk/answered", "Where answered mail is moved (created when missing)."),
        "ignored_folder": Setting(str, "resetdesk/ignored",
                                  "Where machine mail, and mail from machine or own addresses, is moved."),
        "needs_human_folder": Setting(str, "resetdesk/needs-human",
                                      "Where escalated, unparseable, too large, approval-waiting and held-back (flood "
                                      "limits) mail is moved."),
        "idle": Setting(bool, True, "Use IMAP IDLE when the server offers it."),
        "poll_interval": Setting((int, float), 30.0,
                                 "Seconds between polls without IDLE; also the IDLE re-check interval.", above=0),
        "timeout": Setting((int, float), 30.0, "Socket timeout in seconds.", above=0),
        "ca_file": Setting(str, "", "CA bundle to verify the server with (empty: the system's)."),
        # 0 would reconnect in a tight loop: the delay only ever doubles.
        "reconnect_initial_delay": Setting((int, float), 0.5,
                                           "Seconds before the first reconnect after a lost connection; doubles per "
                                           "failed attempt.", above=0, maximum=_MONTH_SECONDS),
        "reconnect_max_delay": Setting((int, float), 30.0, "Cap in seconds on the wait between reconnect attempts.",
                                       above=0, not_below="reconnect_initial_delay", maximum=_MONTH_SECONDS),
        "reconnect_give_up": Setting((int, float), 300.0,
                                     "Seconds of failed reconnects after which fetch/move raise IntakeConnectionError.",
                                     minimum=0, maximum=_MONTH_SECONDS),
    },
    "oauth": {
        "tenant_id": Setting(str, "", "Entra ID tenant (directory) id."),
        "client_id": Setting(str, "", "Application (client) id of the app registration."),
        "client_secret_env": Setting(str, "RESETDESK_CLIENT_SECRET", "Environment variable holding the client secret."),
        "authority": Setting(str, "", "Authority URL; empty means https://login.microsoftonline.com/<tenant_id>."),
        "imap_scope": Setting(str, "https://outlook.office365.com/.default", "Scope of the IMAP XOAUTH2 token."),
        "ca_file": Setting(str, "", "CA bundle for the identity platform (empty: the system's); for tests."),
        "certificate_path": Setting(str, "",
                                    "A certificate credential instead of the client secret: a PEM file with the "
                                    "private key (and the certificate), or a .pfx/.p12 file."),
        "certificate_thumbprint": Setting(str, "",
                                          "SHA-1 thumbprint (hex) of the certificate registered on the app; empty: "
                                          "computed from the certificate in certificate_path."),
        "public_certificate": Setting(bool, False,
                                      "Send the certificate with each token request (subject name and issuer "
                                      "authentication)."),
        "certificate_password_env": Setting(str, "RESETDESK_CERTIFICATE_PASSWORD",
                                            "Environment variable holding the certificate file's password, when it has "
                                            "one."),
    },
    "smtp": {
        "host": Setting(str, "", "SMTP server; empty means replies go to the outbox Maildir."),
        "port": Setting(int, 587, "SMTP port (465 ssl, 587 starttls).", **_PORT),
        "security": Setting(str, "starttls", "ssl | starttls | plain (plain only for tests on loopback).",
                            ("ssl", "starttls", "plain")),
        "username": Setting(str, "", "SMTP AUTH user; empty means no AUTH."),
        "password_env": Setting(str, "RESETDESK_SMTP_PASSWORD", "Environment variable holding the SMTP password."),
        "from_address": Setting(str, "", "Envelope and header sender of replies; empty means policy.desk_address."),
        "timeout": Setting((int, float), 30.0, "Socket timeout in seconds.", above=0),
        "ca_file": Setting(str, "", "CA bundle to verify the server with (empty: the system's)."),
        "null_sender": Setting(bool, False,
                               "Send with the null envelope sender MAIL FROM:<> (RFC 3834); off because submission "
                               "servers usually require the login's address."),
        "retry_initial_seconds": Setting((int, float), 60.0,
                                         "Wait before retrying after a temporary failure (a 4xx, or the server down); "
                                         "doubles each time.", minimum=0, maximum=_MONTH_SECONDS),
        "retry_max_seconds": Setting((int, float), 3600.0, "Cap on the wait between retries.", minimum=0,
                                     not_below="retry_initial_seconds", maximum=_MONTH_SECONDS),
        "max_attempts": Setting(int, 20, "A message still refused for now after this many attempts is marked failed.",
                                minimum=1),
    },
    "graph": {
        "send_mail": Setting(bool, False,
                             "Send replies with Graph sendMail instead of SMTP (app-only, per [oauth]; the app needs "
                             "Mail.Send)."),
        "mailbox": Setting(str, "", "The mailbox replies are sent as; empty: policy.desk_address."),
        "base_url": Setting(str, "https://graph.microsoft.com/v1.0", "Microsoft Graph's base URL."),
        "timeout": Setting((int, float), 30.0, "HTTP timeout in seconds (connect, and the wait for an answer).",
                           above=0),
        "dry_run": Setting(bool, False,
                           "Approved resets change nothing: the desk records what it would have done and says so (also "
                           "when no oauth.client_id is set)."),
    },
    "approval": {
        "ttl_minutes": Setting(int, 30,
                               "An approval code (and a request nobody decided) expires after this many minutes.",
                               minimum=1, maximum=10080),
        "max_wrong_codes": Setting(int, 3, "This many wrong, reused or foreign codes lock a request.", minimum=1,
                                   maximum=100),
        "required": Setting(int, 1, "Distinct approvers who must approve: 1 or 2.", (1, 2), minimum=1, maximum=2),
        "method": Setting(str, "tap",
                          "tap (a one-time Temporary Access Pass) | password (a temporary password the person must "
                          "change).", ("tap", "password")),
        "tap_lifetime_minutes": Setting(int, 60,
                                        "Lifetime of the Temporary Access Pass (Entra allows 10 to 43200; its policy "
                                        "may cap it lower).", minimum=10, maximum=43200),
        "password_length": Setting(int, 16, "Length of a temporary password (Entra: 8 to 256).", minimum=8,
                                   maximum=256),
        "require_mfa_on_change": Setting(bool, True,
                                         "method = password: the person passes MFA before choosing a new password "
                                         "(forceChangePasswordNextSignInWithMfa)."),
        "revoke_sessions": Setting(bool, True,
                                   "After the reset, revoke the account's sign-in sessions (revokeSignInSessions)."),
        "max_per_requester_per_day": Setting(int, 10,
                                             "At most this many requests from one requester in 24 hours; more are "
                                             "refused and recorded.", minimum=0, maximum=10000),
        "max_per_target_per_day": Setting(int, 3,
                                          "At most this many requests for one account in 24 hours; more are refused "
                                          "and recorded.", minimum=0, maximum=10000),
    },
    "maildir": {
        "path": Setting(str, "var/maildir", "The embedded default mailbox (a Maildir, created if missing)."),
        "outbox": Setting(str, "var/outbox", "Where replies are written when no SMTP server is configured."),
    },
    "store": {
        "path": Setting(str, "var/resetdesk.db", "The SQLite database: messages, decisions, outbox, audit trail."),
    },
    "limits": {
        "replies_per_sender": Setting(int, 5,
                                      "At most this many automatic replies to one sender per window; more are held for "
                                      "a person.", minimum=1),
        "replies_per_requester": Setting(int, 30,
                                         "The same for addresses on policy.requesters, who send one request per "
                                         "account (the same-guidance rule does not apply to them).", minimum=1),
        "sender_window_minutes": Setting(int, 60,
                                         "The window for replies_per_sender and replies_per_requester (0: no "
                                         "per-sender limit).", minimum=0, maximum=_YEAR_MINUTES),
        "replies_per_thread": Setting(int, 3,
                                      "At most this many of our replies in one thread (counted from the mail's "
                                      "In-Reply-To and References); more are held for a person.", minimum=1),
        "replies_total": Setting(int, 300,
                                 "A fuse against loops: at most this many automatic mails in all per total window; "
                                 "more wait in the outbox until the window allows, then go by themselves.", minimum=1),
        "total_window_minutes": Setting(int, 10, "The window for replies_total (0: no fuse).", minimum=0,
                                        maximum=_YEAR_MINUTES),
        "same_guidance_window_minutes": Setting(int, 1440,
                                                "The same guidance is not sent twice to one sender within this window "
                                                "(0: no such rule).", minimum=0, maximum=_YEAR_MINUTES),
        "max_message_bytes": Setting(int, 25 * 1024 * 1024, "Larger messages are parked for a human unread.",
                                     minimum=1),
    },
    "spam": {
        "verdicts": _list("Spam verdicts the receiving server writes in a header it strips from inbound mail: "
                          "'Header >= number', 'Header = value' or 'Header contains text'. Such mail is ignored, "
                          "with the verdict recorded, and never forwarded.",
                          ("X-MS-Exchange-Organization-SCL >= 5",), _check_verdicts),
    },
    "reader": {
        "model": Setting(str, "",
                         "Folder of the learned reader's model (reader.json, reader.npz); empty: the one shipped in "
                         "data/model. `resetdesk train` writes here."),
        "examples": Setting(str, "",
                            "A folder of your own labelled examples (*.jsonl, the format of data/examples/README.md), "
                            "trained on beside the shipped ones."),
    },
    "escalation": {
        "address": Setting(str, "",
                           "Human address that support/out_of_scope mail is forwarded to; empty: only parked."),
    },
    "web": {
        "bind": Setting(str, "127.0.0.1", "Address `resetdesk web` listens on; anything but loopback "
                        "belongs behind a TLS reverse proxy."),
        "port": Setting(int, 8480, "Port `resetdesk web` listens on (0: any free port, printed at start).",
                        minimum=0, maximum=65535),
        "public_url": Setting(str, "", "The console's URL as people reach it (https://desk.contoso.no behind a "
                              "proxy); empty: http://bind:port. The sign-in redirect URI is this plus /auth/callback; "
                              "the approval flow's mails link here (the requester's confirmation link)."),
        "trust_proxy": Setting(bool, False, "Believe X-Forwarded-For/-Proto/-Host from one reverse proxy in front "
                               "(only when nothing else can reach the port)."),
        "client_id": Setting(str, "", "App registration for people's sign-in (OpenID Connect); "
                             "empty: oauth.client_id."),
        "client_secret_env": Setting(str, "", "Environment variable holding that app's client secret; "
                                     "empty: oauth.client_secret_env."),
        "session_minutes": Setting(int, 60, "A console session ends this long after sign-in.",
                                   minimum=1, maximum=24 * 60),
        "signin_max_age_seconds": Setting(int, 300, "A sign-in counts only if the password or MFA was entered "
                                          "this recently (max_age, auth_time).", minimum=30, maximum=3600),
        "auth_context": Setting(str, "", "A Conditional Access authentication context id (c1..c99) the sign-in "
                                "asks for; its acrs claim then stands in for amr=mfa."),
    },
    "log": {
        "format": Setting(str, "text", "text | json", ("text", "json")),
        "level": Setting(str, "INFO", "DEBUG | INFO | WARNING | ERROR", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}


class Section(Mapping):
    """A read-only table of settings; keys also readable as attributes."""

    # mappingproxy cannot be subclassed (TypeError at import): wrap one instead.
    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        object.__setattr__(self, "_values", MappingProxyType(dict(values)))

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):   # copy/pickle probe before _values exists
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("configuration is read-only")

    def __reduce__(self):
        return (Section, (dict(self._values),))

    def __repr__(self) -> str:
        return f"Section({dict(self._values)!r})"


@dataclass(frozen=True)
class Config:
    """The validated configuration; `source` is the file it came from, if any."""

    tables: dict[str, Section]
    source: Path | None = None

    def __getattr__(self, name: str) -> Section:
        if name.startswith("_") or name == "tables":   # copy/pickle probe before tables exists
            raise AttributeError(name)
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(name) from None

    def secret(self, table: str, key: str) -> str:
        """The secret named by `<table>.<key>` (an *_env key): from the environment, else a systemd credential.

        Under systemd, `LoadCredential=NAME:/path` puts the secret in the file
        $CREDENTIALS_DIRECTORY/NAME, readable by the service alone, where the
        environment is visible to anyone who may inspect the process.
        """
        variable = self.tables[table][key]
        value = os.environ.get(variable, "") if variable else ""
        if not value and variable and os.environ.get("CREDENTIALS_DIRECTORY"):
            credential = Path(os.environ["CREDENTIALS_DIRECTORY"]) / variable
            try:
                value = credential.read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError):
                value = ""
        if not value:
            credentials = " (and no systemd credential of that name)" if os.environ.get("CREDENTIALS_DIRECTORY") else ""
            raise ConfigError(f"{table}.{key}: environment variable {variable or '(unset)'} is empty or missing"
                              f"{credentials}")
        return value

    def desk_address(self) -> str:
        """Who the desk's own mail is from: smtp.from_address, else policy.desk_address."""
        return (self.tables["smtp"]["from_address"] or self.tables["policy"]["desk_address"]
                or FALLBACK_ADDRESS).strip()

    def resolve_path(self, value: str) -> Path:
        """Relative paths in a config file are relative to that file."""
        path = Path(value).expanduser()
        if not path.is_absolute() and self.source is not None:
            path = self.source.parent / path
        return path


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list"}
    if isinstance(t, tuple):
        return "number" if set(t) == {int, float} else " or ".join(names[x] for x in t)
    return names[t]


def _check(table: str, key: str, setting: Setting, value: Any) -> Any:
    where = f"{table}.{key}"
    # bool is an int in Python; a port of `true` is still a type error.
    if isinstance(value, bool) and setting.type is not bool:
        raise ConfigError(f"{where}: expected {_type_name(setting.type)}, got boolean")
    if not isinstance(value, setting.type):
        raise ConfigError(f"{where}: expected {_type_name(setting.type)}, got {type(value).__name__}")
    if isinstance(value, list):     # setting.type is list: checked above
        if not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{where}: expected a list of strings")
        value = tuple(value)
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(str, setting.choices))}")
    if isinstance(value, float) and not math.isfinite(value):   # TOML has inf and nan
        raise ConfigError(f"{where}: {value} is not a finite number")
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(f"{where}: {value} is below the minimum {_number(setting.minimum)}")
    if setting.maximum is not None and value > setting.maximum:
        raise ConfigError(f"{where}: {value} is above the maximum {_number(setting.maximum)}")
    if setting.above is not None and value <= setting.above:
        raise ConfigError(f"{where}: {value} must be more than {_number(setting.above)}")
    if setting.check is not None:
        problem = setting.check(value)
        if problem:
            raise ConfigError(f"{where}: {problem}")
    return value


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def from_dict(data: dict[str, Any], source: Path | None = None) -> Config:
    """Validate a parsed TOML document against SCHEMA; unknown keys are errors."""
    tables: dict[str, Section] = {}
    for name in data:
        if name not in SCHEMA:
            raise ConfigError(f"{name}: unknown table (known: {', '.join(SCHEMA)})")
        if not isinstance(data[name], dict):
            raise ConfigError(f"{name}: expected a table")
    for table, settings in SCHEMA.items():
        given = data.get(table, {})
        for key in given:
            if key not in settings:
                raise ConfigError(f"{table}.{key}: unknown key")
        values = {key: _check(table, key, s, given[key]) if key in given else s.default
                  for key, s in settings.items()}
        for key, s in settings.items():
            if s.not_below is not None and values[key] < values[s.not_below]:
                raise ConfigError(f"{table}.{key}: {values[key]} is below "
                                  f"{table}.{s.not_below} ({values[s.not_below]})")
        tables[table] = Section(values)
    _normalise_addresses(tables)
    return Config(tables, source)


def _normalise_addresses(tables: dict[str, Section]) -> None:
    policy = dict(tables["policy"])
    for key in ("requesters", "approvers", "operators", "protected"):
        policy[key] = tuple(a.strip().lower() for a in policy[key])
    for key in ("requester_group", "approver_group"):
        policy[key] = policy[key].strip().lower()
    policy["desk_address"] = policy["desk_address"].strip().lower()
    policy["trusted_authserv_ids"] = tuple(a.strip().lower() for a in policy["trusted_authserv_ids"])
    tables["policy"] = Section(policy)


def load(path: str | os.PathLike | None = None) -> Config:
    """Load and validate the config file; None gives the defaults (no requester is authorized)."""
    if path is None:
        return from_dict({})
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:   # tomllib decodes UTF-8 and lets this one through
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    return from_dict(data, path.resolve())
