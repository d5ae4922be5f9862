"""Credentials out of server text, before it is logged or put in an exception (and so stored).

A server may echo what it was sent: an IMAP server that repeats the LOGIN
line in its NO answer puts the password in the desk's log and its audit
trail. Every server response that the IMAP intake or a transport logs or
wraps in an error goes through `Redactor.scrub` first.

Two things are removed: the configured secrets themselves (read from the
environment at the moment of scrubbing, never kept), in the forms they travel
in (as is, IMAP-quoted, as a Python bytes repr, base64, inside SASL PLAIN and
XOAUTH2 blobs), plus any extra secret the caller holds (an access token); and
everything after a LOGIN, AUTHENTICATE or AUTH (and its mechanism), XOAUTH2
or Bearer on a line, which is where an echoed command carries its credentials.
"""

from __future__ import annotations

import base64
import os
import re

from .config import SCHEMA, Config

REDACTED = "[redacted]"
# An echoed command with its credentials after the keyword: blank the rest of the line. Commands
# are matched as clients send them (upper case, AUTH with its mechanism), so that server prose
# ("Login failed", "SMTP AUTH extension not supported") stays readable; Bearer in any case.
_COMMAND = re.compile(r"\b(LOGIN|AUTHENTICATE [A-Z0-9_-]+|AUTH [A-Z0-9_-]+|XOAUTH2)([ \t]+)\S[^\r\n]*"
                      r"|(?i:\b(bearer)([ \t:=]+)\S[^\r\n]*)")


def _secret_keys() -> list[tuple[str, str]]:
    return [(table, key) for table, keys in SCHEMA.items() for key in keys if key.endswith("_env")]


class Redactor:
    """Scrubs server text of the configured secrets and of echoed credentials."""

    def __init__(self, config: Config):
        self.config = config

    def _secrets(self, extra: tuple[str, ...]) -> list[str]:
        values = []
        for table, key in _secret_keys():
            variable = self.config.tables[table][key]
            value = os.environ.get(variable, "") if variable else ""
            if value:
                values.append(value)
        values += [value for value in extra if value]
        forms = set()
        users = {u for u in (self.config.imap.username, self.config.smtp.username) if u}
        for value in values:
            forms.add(value)
            forms.add(value.replace("\\", "\\\\").replace('"', '\\"'))   # an IMAP quoted string
            forms.add(repr(value.encode("utf-8", "surrogatepass"))[2:-1])  # imaplib's bytes in an error text
            forms.add(_b64(value))
            for user in users:
                forms.add(_b64(f"\0{user}\0{value}"))                       # SASL PLAIN
                forms.add(_b64(f"user={user}\1auth=Bearer {value}\1\1"))    # SASL XOAUTH2
        # Longest first: a form that contains another is removed whole.
        return sorted((form for form in forms if form), key=len, reverse=True)

    def scrub(self, text: str, *extra: str) -> str:
        """`text` without secrets (the configured ones and `extra`) or echoed credentials."""
        if not text:
            return text
        for form in self._secrets(extra):
            text = text.replace(form, REDACTED)
        return _COMMAND.sub(lambda m: f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4)}{REDACTED}", text)


def _b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")
