"""The secret exists only in memory and in the one mail to the requester; codes only in their mails.

Real `resetdesk run --once` subprocesses with JSON log lines at DEBUG, the
outbox Maildir, and Graph over HTTPS against the stand-in. Afterwards every
log line, every row of every table, and every file under the test's folder
(the database, its WAL, the Maildirs) is scanned for the pass or password in
its raw, quoted-printable and decoded forms: exactly one file holds it, the
mail to the requester. The approvers' one-time codes are nowhere in the
store or the logs: only in the mails that carried them.
"""

from __future__ import annotations

import email
import email.policy
import quopri
import re
import sqlite3

import pytest
from approval_helpers import (CISO, CTO, LEAD, approval_config, command_mail, directory, line_for, outbox_files, parse,
                              request_mail)
from test_service_maildir import drop, run_desk

pytestmark = pytest.mark.servers


def _forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, quopri.encodestring(raw).strip(), quopri.encodestring(raw, quotetabs=True).strip()]


def _readable(data: bytes) -> str:
    """What a reader of a mail sees: headers and decoded text parts ('' when it is no mail)."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        parts = [str(value) for value in message.values()]
        parts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
        return "\n".join(parts)
    except Exception:
        return ""


def holds(data: bytes, secret: str) -> bool:
    return any(form in data for form in _forms(secret)) or secret in _readable(data)


def rows_holding(db_path, secret: str) -> list[str]:
    """table.column of every stored value that holds the secret (bytes read as mail too)."""
    found = []
    connection = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = connection.execute(f"SELECT * FROM [{table}]")
            names = [c[0] for c in cursor.description]
            for row in cursor:
                for name, value in zip(names, row, strict=True):
                    data = value if isinstance(value, bytes) else str(value).encode()
                    if holds(data, secret):
                        found.append(f"{table}.{name}")
    finally:
        connection.close()
    return found


def _run(config_path, logs: list[str]) -> None:
    result = run_desk(config_path, "--log-format", "json")
    assert result.returncode == 0, result.stderr
    logs.append(result.stderr)


@pytest.mark.parametrize("method", ["tap", "password"])
def test_the_secret_is_only_in_the_one_mail(tmp_path, identity, oauth_app, method):
    directory(identity)
    config_path = approval_config(tmp_path, identity, oauth_app[0], approval={"method": method},
                                  log={"level": "DEBUG"})
    logs: list[str] = []
    drop(tmp_path / "var" / "maildir", request_mail())
    _run(config_path, logs)
    asked = {m["To"].addresses[0].addr_spec: m for m in (parse(f.read_bytes()) for f in outbox_files(tmp_path))
             if str(m["Subject"]).startswith("Approval needed")}
    codes = {who: line_for(mail).rsplit(" ", 1)[1] for who, mail in asked.items()}
    assert sorted(codes) == [CISO, CTO]
    drop(tmp_path / "var" / "maildir", command_mail(line_for(asked[CTO])))
    _run(config_path, logs)
    _run(config_path, logs)

    if method == "tap":
        [secret] = identity.passes_issued
    else:
        [patch] = identity.calls("PATCH")
        secret = patch.body["passwordProfile"]["password"]
    assert len(secret) >= 8
    assert logs and all(line.startswith("{") for text in logs for line in text.splitlines())
    assert not [line for text in logs for line in text.splitlines() if holds(line.encode(), secret)]

    db = tmp_path / "var" / "resetdesk.db"
    assert rows_holding(db, secret) == []
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert db in files and any(path.parent.name in ("new", "cur") for path in files)
    holding = [path for path in files if holds(path.read_bytes(), secret)]
    assert len(holding) == 1, holding
    [mail] = holding
    assert mail.parent.parent == tmp_path / "var" / "outbox"
    assert [a.addr_spec for a in parse(mail.read_bytes())["To"].addresses] == [LEAD]

    # The one-time codes: only in the mails that carried them, never stored or logged.
    for who, code in codes.items():
        assert rows_holding(db, code) == [], who
        assert not [text for text in logs if code in text], who
        carrying = [path for path in files if holds(path.read_bytes(), code)]
        assert all(path.parent.parent.parent == tmp_path / "var" or "maildir" in str(path) for path in carrying)
        assert [p for p in carrying if p.parent.parent == tmp_path / "var" / "outbox"] and \
            all(re.search(rb"Approval needed", p.read_bytes()) for p in carrying
                if p.parent.parent == tmp_path / "var" / "outbox")
