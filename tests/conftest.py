"""Fixtures for the real test servers (tests/servers.py).

Session-scoped servers are started once; the function-scoped fixtures hand a
test a clean view of them (mailboxes emptied, records cleared, Dovecot running).

A server that cannot start fails the test when CI is set or
RESETDESK_REQUIRE_SERVERS=1, and skips it (with the reason) otherwise.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, UTC
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))   # `import servers` from test modules

import servers
from resetdesk.store import Store


def pytest_configure(config):
    # AUTH over plain text on loopback is what the SMTP tests want; aiosmtpd warns about it per connection.
    config.addinivalue_line("filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning")


def servers_required() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("RESETDESK_REQUIRE_SERVERS") == "1"


def unavailable(reason: str):
    """Fail when servers are required, skip otherwise; never silently."""
    if servers_required():
        pytest.fail(f"test server unavailable: {reason}", pytrace=False)
    pytest.skip(f"test server unavailable: {reason} (set RESETDESK_REQUIRE_SERVERS=1 to make this a failure)")


@pytest.fixture(scope="session")
def tls_material():
    directory = Path(tempfile.mkdtemp(prefix="resetdesk-tls-"))
    try:
        material = servers.TlsMaterial(directory)
    except ImportError as error:  # trustme missing
        shutil.rmtree(directory, ignore_errors=True)
        unavailable(f"trustme: {error}")
    yield material
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def identity_server(tls_material):
    try:
        server = servers.IdentityServer(tls_material).start()
    except Exception as error:
        unavailable(f"identity stand-in: {error!r}")
    yield server
    server.stop()


@pytest.fixture
def identity(identity_server):
    """The Entra ID / Graph stand-in, with this test's records empty."""
    identity_server.reset()
    yield identity_server
    identity_server.reset()


@pytest.fixture(scope="session")
def dovecot_server(tls_material, identity_server):
    try:
        server = servers.DovecotServer(tls_material, identity_server)
        server.start()
    except servers.ServerStartError as error:
        unavailable(str(error))
    yield server
    server.cleanup()


@pytest.fixture
def dovecot(dovecot_server):
    """The session's Dovecot, running, with every mailbox empty."""
    try:
        dovecot_server.reset()
    except servers.ServerStartError as error:
        unavailable(str(error))
    return dovecot_server


@pytest.fixture
def smtp_factory(tls_material):
    """make(username=None, password=None, starttls=False) -> a started SmtpServer, stopped after the test."""
    started: list[servers.SmtpServer] = []

    def make(username: str | None = None, password: str | None = None, starttls: bool = False) -> servers.SmtpServer:
        try:
            server = servers.SmtpServer(username, password, tls_material if starttls else None).start()
        except servers.ServerStartError as error:
            unavailable(str(error))
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def smtp(smtp_factory):
    """A recording SMTP server without AUTH or TLS."""
    return smtp_factory()


@pytest.fixture
def oauth_app(identity, monkeypatch):
    """A fresh app registration allowed to open the desk mailbox (servers.DESK_USER).

    Its secret is in RESETDESK_CLIENT_SECRET.
    Fresh per test, so msal's per-process token cache never carries over between tests.
    """
    client_id, secret = identity.add_client(mailbox=servers.DESK_USER)
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    return client_id, secret


@pytest.fixture
def desk_config(monkeypatch, request):
    """make(dovecot=None, identity=None, smtp=None, client_id="", imap={}, oauth={}, smtp_table={}, **tables) -> Config.

    Passwords go into RESETDESK_IMAP_PASSWORD / RESETDESK_SMTP_PASSWORD for the test's duration.
    """
    def make(dovecot=None, identity=None, smtp=None, **kwargs):
        if dovecot is not None:
            monkeypatch.setenv("RESETDESK_IMAP_PASSWORD", dovecot.password)
        if smtp is not None and smtp.password is not None:
            monkeypatch.setenv("RESETDESK_SMTP_PASSWORD", smtp.password)
        return servers.desk_config(dovecot, identity, smtp, **kwargs)

    return make


# ------------------------------------------------------------ the store on a clock


class Clock:
    """A settable clock for windows and retry times."""

    def __init__(self, start: datetime = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    opened = Store(tmp_path / "desk.db", clock=clock)
    yield opened
    opened.close()
