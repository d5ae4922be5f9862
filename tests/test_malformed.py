"""Mail the desk cannot decide is parked for a person, with the reason; good mail around it is answered.

Fifty malformed messages in five kinds: binary garbage, missing headers
(no header block, no From, a From without an address), 20 MB bodies (over
limits.max_message_bytes: parked unread), broken MIME (nesting so deep the
parser gives up), and unknown charsets (whole messages in UTF-16/32, or the
sender's address hidden in an encoded word of an unknown charset).
"""

from __future__ import annotations

import base64
import random

import pytest

from resetdesk.store import Store
from test_service_maildir import config_from_servers, drop, make_mail, outbox_messages, run_desk, write_config

BIG = 20 * 1024 * 1024
LIMIT = 10 * 1024 * 1024
REQUEST = "Jeg har glemt passordet mitt og kommer ikke inn.\r\n"


def malformed() -> list[tuple[str, bytes]]:
    rng = random.Random(20261124)
    items: list[tuple[str, bytes]] = []
    for _ in range(10):                                   # binary garbage
        items.append(("garbage", rng.randbytes(rng.randint(64, 8192))))
    for n in range(12):                                   # missing headers
        kind = n % 4
        if kind == 0:
            raw = f"\r\n\r\n{REQUEST}({n})\r\n".encode()
        elif kind == 1:
            raw = (f"To: help@resetdesk.example\r\nSubject: Glemt passord {n}\r\n"
                   f"Message-ID: <nofrom{n}@x>\r\n\r\n{REQUEST}").encode()
        elif kind == 2:
            raw = f"From:\r\nSubject: Glemt passord {n}\r\nMessage-ID: <emptyfrom{n}@x>\r\n\r\n{REQUEST}".encode()
        else:
            raw = (f"From: Anna Berg\r\nSubject: Glemt passord {n}\r\n"
                   f"Message-ID: <noaddr{n}@x>\r\n\r\n{REQUEST}").encode()
        items.append(("missing headers", raw))
    for n in range(4):                                    # 20 MB bodies
        items.append(("20 MB", make_mail(sender=f"big{n}@contoso.no", message_id=f"<big{n}@contoso.no>")
                      + (b"y" * 76 + b"\r\n") * (BIG // 78)))
    for n in range(12):                                   # broken MIME: nesting past the parser's limit
        depth = 1000 + 50 * n
        raw = (f"From: deep{n}@contoso.no\r\nSubject: Glemt passord\r\nMessage-ID: <deep{n}@x>\r\n".encode()
               + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                          for i in range(depth))
               + REQUEST.encode())
        items.append(("broken MIME", raw))
    for n in range(12):                                   # unknown charsets
        if n % 2:
            text = f"From: wide{n}@contoso.no\r\nSubject: Glemt passord\r\n\r\n{REQUEST}"
            raw = text.encode("utf-16" if n % 4 == 1 else "utf-32")
        else:
            hidden = base64.b64encode(f"anna{n}@contoso.no".encode()).decode()
            raw = (f"From: =?x-unknown-{n}?b?{hidden}?=\r\nSubject: =?x-unknown-{n}?q?Glemt_passord?=\r\n"
                   f"Message-ID: <charset{n}@x>\r\nContent-Type: text/plain; charset=x-unknown-{n}\r\n\r\n"
                   f"{REQUEST}").encode()
        items.append(("unknown charset", raw))
    assert len(items) == 50
    return items


def good(n: int) -> bytes:
    return make_mail(sender=f"person{n}@contoso.no", message_id=f"<good{n}@contoso.no>", body=REQUEST)


def check(store: Store, replies: list, good_count: int) -> None:
    parked = list(store.db["messages"].rows_where("status = 'parked'"))
    assert len(parked) == 50, [(r["key"], r["error"]) for r in parked]
    assert all(r["error"] and r["role"] == "needs_human" for r in parked)
    assert len([r for r in parked if r["error"].startswith("not read:")]) == 4
    events = [r for r in store.audit_rows() if r["event"] == "parked"]
    assert len(events) == 50 and all(e["detail"]["error"] for e in events)
    answered = sorted(str(m["To"].addresses[0].addr_spec) for m in replies)
    assert answered == sorted(f"person{n}@contoso.no" for n in range(good_count))


def test_malformed_mail_in_the_local_maildir(tmp_path):
    config_path = write_config(tmp_path, limits={"max_message_bytes": LIMIT})
    inbox = tmp_path / "var" / "maildir"
    for n, (_, raw) in enumerate(malformed()):
        drop(inbox, raw, f"{n:03d}.bad")
        if n % 5 == 0:
            drop(inbox, good(n // 5), f"{n:03d}.good")
    result = run_desk(config_path)
    assert result.returncode == 0, result.stderr[-3000:]
    store = Store(tmp_path / "var" / "resetdesk.db")
    check(store, outbox_messages(tmp_path / "var" / "outbox"), 10)
    store.close()
    assert len(list((inbox / ".resetdesk.needs-human" / "cur").iterdir())) == 50
    assert list((inbox / "new").iterdir()) == []
    again = run_desk(config_path)
    assert again.returncode == 0 and "parked" not in again.stderr


@pytest.mark.servers
def test_malformed_mail_over_imap(tmp_path, desk_config, dovecot, smtp):
    config_path = config_from_servers(tmp_path, desk_config, dovecot, smtp, limits={"max_message_bytes": LIMIT})
    for n, (kind, raw) in enumerate(malformed()):
        if kind in ("garbage", "unknown charset") or raw.startswith(b"\r\n"):
            dovecot.deliver_to_maildir(raw)       # what an MDA would store; APPEND refuses some of it
        else:
            dovecot.append(raw)
        if n % 5 == 0:
            dovecot.append(good(n // 5))
    result = run_desk(config_path)
    assert result.returncode == 0, result.stderr[-3000:]
    store = Store(tmp_path / "var" / "resetdesk.db")
    check(store, [m.message() for m in smtp.wait_for(10)], 10)
    store.close()
    assert dovecot.folder_uids("INBOX") == []
    [needs_human] = [f for f in dovecot.folders() if f.endswith("needs-human")]   # the server's delimiter
    assert len(dovecot.folder_uids(needs_human)) == 50
