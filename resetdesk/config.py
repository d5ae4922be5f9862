"""The one configuration schema: a TOML file, validated key by key.

Every setting has a type, a default and a one-line description here; the
commented example in data/resetdesk.example.toml documents the same keys for
people. Secrets never live in the file: a `*_env` key names the environment
variable that holds them, read only when the secret is needed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[str, ...] | None = None


def _list(help: str) -> Setting:
    return Setting(list, (), help)


# table -> key -> Setting. A table whose value is a dict of Settings.
SCHEMA: dict[str, dict[str, Setting]] = {
    "policy": {
        "desk_address": Setting(str, "", "The help mailbox's own address: mail from it is never answered."),
        "trusted_authserv_ids": _list("authserv-ids whose Authentication-Results header is trusted (the topmost one counts)."),
        "requesters": _list("Addresses allowed to ask the desk to reset a password (still needs verification and approval)."),
        "approvers": _list("Addresses allowed to approve a reset; never the requester of the same reset."),
        "reply_address": Setting(str, "from", "Where replies go: 'from' (the From address) or 'return_path'. Never Reply-To.", ("from", "return_path")),
    },
    "imap": {
        "host": Setting(str, "", "IMAP server; empty means no IMAP: the local Maildir is used."),
        "port": Setting(int, 993, "IMAP port (993 for ssl, 143 for starttls/plain)."),
        "security": Setting(str, "ssl", "ssl | starttls | plain (plain only for tests on loopback).", ("ssl", "starttls", "plain")),
        "auth": Setting(str, "password", "password | oauth (XOAUTH2 with an app-only token, for Exchange Online).", ("password", "oauth")),
        "username": Setting(str, "", "Login name (the mailbox address for XOAUTH2)."),
        "password_env": Setting(str, "RESETDESK_IMAP_PASSWORD", "Environment variable holding the IMAP password."),
        "folder": Setting(str, "INBOX", "The folder the desk watches."),
        "answered_folder": Setting(str, "resetdesk/answered", "Where answered mail is moved (created when missing)."),
        "ignored_folder": Setting(str, "resetdesk/ignored", "Where machine mail, and mail from machine or own addresses, is moved."),
        "needs_human_folder": Setting(str, "resetdesk/needs-human", "Where escalated, unparseable, too large, approval-waiting and held-back (flood limits) mail is moved."),
        "idle": Setting(bool, True, "Use IMAP IDLE when the server offers it."),
        "poll_interval": Setting((int, float), 30.0, "Seconds between polls without IDLE; also the IDLE re-check interval."),
        "timeout": Setting((int, float), 30.0, "Socket timeout in seconds."),
        "ca_file": Setting(str, "", "CA bundle to verify the server with (empty: the system's)."),
        "reconnect_initial_delay": Setting((int, float), 0.5, "Seconds before the first reconnect after a lost connection; doubles per failed attempt."),
        "reconnect_max_delay": Setting((int, float), 30.0, "Cap in seconds on the wait between reconnect attempts."),
        "reconnect_give_up": Setting((int, float), 300.0, "Seconds of failed reconnects after which fetch/move raise IntakeConnectionError."),
    },
    "oauth": {
        "tenant_id": Setting(str, "", "Entra ID tenant (directory) id."),
        "client_id": Setting(str, "", "Application (client) id of the app registration."),
        "client_secret_env": Setting(str, "RESETDESK_CLIENT_SECRET", "Environment variable holding the client secret."),
        "authority": Setting(str, "", "Authority URL; empty means https://login.microsoftonline.com/<tenant_id>."),
        "imap_scope": Setting(str, "https://outlook.office365.com/.default", "Scope of the IMAP XOAUTH2 token."),
        "ca_file": Setting(str, "", "CA bundle for the identity platform (empty: the system's); for tests."),
    },
    "smtp": {
        "host": Setting(str, "", "SMTP server; empty means replies go to the outbox Maildir."),
        "port": Setting(int, 587, "SMTP port (465 ssl, 587 starttls)."),
        "security": Setting(str, "starttls", "ssl | starttls | plain (plain only for tests on loopback).", ("ssl", "starttls", "plain")),
        "username": Setting(str, "", "SMTP AUTH user; empty means no AUTH."),
        "password_env": Setting(str, "RESETDESK_SMTP_PASSWORD", "Environment variable holding the SMTP password."),
        "from_address": Setting(str, "", "Envelope and header sender of replies; empty means policy.desk_address."),
        "timeout": Setting((int, float), 30.0, "Socket timeout in seconds."),
        "ca_file": Setting(str, "", "CA bundle to verify the server with (empty: the system's)."),
        "null_sender": Setting(bool, False, "Send with the null envelope sender MAIL FROM:<> (RFC 3834); off because submission servers usually require the login's address."),
        "retry_initial_seconds": Setting((int, float), 60.0, "Wait before retrying after a temporary failure (a 4xx, or the server down); doubles each time."),
        "retry_max_seconds": Setting((int, float), 3600.0, "Cap on the wait between retries."),
        "max_attempts": Setting(int, 20, "A message still refused for now after this many attempts is marked failed."),
    },
    "graph": {
        "send_mail": Setting(bool, False, "Send replies with Graph sendMail instead of SMTP (app-only, per [oauth]; the app needs Mail.Send)."),
        "mailbox": Setting(str, "", "The mailbox replies are sent as; empty: policy.desk_address."),
        "base_url": Setting(str, "https://graph.microsoft.com/v1.0", "Microsoft Graph's base URL."),
        "timeout": Setting((int, float), 30.0, "HTTP timeout in seconds (connect, and the wait for an answer)."),
    },
    "maildir": {
        "path": Setting(str, "var/maildir", "The embedded default mailbox (a Maildir, created if missing)."),
        "outbox": Setting(str, "var/outbox", "Where replies are written when no SMTP server is configured."),
    },
    "store": {
        "path": Setting(str, "var/resetdesk.db", "The SQLite database: messages, decisions, outbox, audit trail."),
    },
    "limits": {
        "replies_per_sender": Setting(int, 5, "At most this many automatic replies to one sender per window."),
        "sender_window_minutes": Setting(int, 60, "The window for replies_per_sender."),
        "replies_total": Setting(int, 30, "At most this many automatic replies in all per total window."),
        "total_window_minutes": Setting(int, 10, "The window for replies_total."),
        "same_guidance_window_minutes": Setting(int, 1440, "The same guidance is not sent twice to one sender within this window."),
        "max_message_bytes": Setting(int, 25 * 1024 * 1024, "Larger messages are parked for a human unread."),
    },
    "reader": {
        "model": Setting(str, "", "Folder of the learned reader's model (reader.json, reader.npz); empty: the one shipped in data/model. `resetdesk train` writes here."),
        "examples": Setting(str, "", "A folder of your own labelled examples (*.jsonl, the format of data/examples/README.md), trained on beside the shipped ones."),
    },
    "escalation": {
        "address": Setting(str, "", "Human address that support/out_of_scope mail is forwarded to; empty: only parked."),
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
        """The secret named by `<table>.<key>` (an *_env key), read from the environment."""
        variable = self.tables[table][key]
        value = os.environ.get(variable, "") if variable else ""
        if not value:
            raise ConfigError(f"{table}.{key}: environment variable {variable or '(unset)'} is empty or missing")
        return value

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
    if setting.type is list:
        if not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{where}: expected a list of strings")
        value = tuple(value)
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(setting.choices)}")
    return value


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
        tables[table] = Section(values)
    _normalise_addresses(tables)
    return Config(tables, source)


def _normalise_addresses(tables: dict[str, Section]) -> None:
    policy = dict(tables["policy"])
    for key in ("requesters", "approvers"):
        policy[key] = tuple(a.strip().lower() for a in policy[key])
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
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return from_dict(data, path.resolve())
