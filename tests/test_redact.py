"""No server text in logs unfiltered: a server that echoes our login puts no secret in a log line or the store."""

from __future__ import annotations

import base64
import logging
import socket
import sqlite3
import threading

import pytest

import servers
from resetdesk import config as config_module
from resetdesk.redact import REDACTED, Redactor
from resetdesk.service import Desk
from test_service_maildir import RecordingClassifier, config_from_servers, drop, make_mail, run_desk, write_config

SECRET = 'Pa55"w0rd\\with-quote'
TOKEN = "eyJ0eXAiOiJKV1Qi.stand-in-access-token.c2lnbmF0dXJl"


def desk_log(caplog) -> str:
    """What the desk logged (its own loggers; a test server's and the libraries' debug lines are not the desk's)."""
    return "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
                     if r.name.startswith("resetdesk"))


def everything_stored(path) -> str:
    """Every row of every table of the store, as text."""
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


# ------------------------------------------------------------------ the scrubbing itself

@pytest.fixture
def redactor(monkeypatch):
    monkeypatch.setenv("RESETDESK_IMAP_PASSWORD", SECRET)
    monkeypatch.setenv("RESETDESK_SMTP_PASSWORD", "smtp-secret-99")
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", "client~secret~42")
    return Redactor(config_module.from_dict({"imap": {"username": "desk@contoso.no"},
                                             "smtp": {"username": "desk@contoso.no"}}))


@pytest.mark.parametrize("text", [
    "a1 NO [AUTHENTICATIONFAILED] you sent: a1 LOGIN desk@contoso.no "
    f"\"{SECRET.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}\"",
    f"b'[UNAVAILABLE] echo {SECRET}'",
    repr(f"echo {SECRET}".encode()),
    "535 5.7.8 you said AUTH PLAIN " + base64.b64encode(f"\0desk@contoso.no\0{SECRET}".encode()).decode(),
    "bad blob " + base64.b64encode(f"\0desk@contoso.no\0{SECRET}".encode()).decode() + " rejected",
    "451 4.3.0 smtp-secret-99 is not welcome",
    "invalid_client: the secret client~secret~42 has expired",
    "Authorization: Bearer anything.that.looks.like.a.token",
    "a2 AUTHENTICATE XOAUTH2 dXNlcj1kZXNrAWF1dGg9QmVhcmVyIHh5egEB",
])
def test_secrets_and_echoed_credentials_are_scrubbed(redactor, text):
    scrubbed = redactor.scrub(text)
    for secret in (SECRET, "smtp-secret-99", "client~secret~42", "anything.that", "dXNlcj1kZXNrAWF1dGg9",
                   base64.b64encode(f"\0desk@contoso.no\0{SECRET}".encode()).decode(), "Pa55"):
        assert secret not in scrubbed, scrubbed
    assert REDACTED in scrubbed


def test_a_token_the_caller_holds_is_scrubbed(redactor):
    assert TOKEN not in redactor.scrub(f"token {TOKEN} refused", TOKEN)
    xoauth2 = base64.b64encode(f"user=desk@contoso.no\1auth=Bearer {TOKEN}\1\1".encode()).decode()
    assert xoauth2 not in redactor.scrub(f"got {xoauth2}", TOKEN)


def test_ordinary_server_text_stays_readable(redactor):
    for text in ("[AUTHENTICATIONFAILED] Authentication failed.", "451 4.3.0 Try again later", "Login failed.",
                 "SMTP AUTH extension not supported by server.",
                 "ErrorMimeContentInvalid: The MIME content is invalid.", "[UNAVAILABLE] Temporary failure"):
        assert redactor.scrub(text) == text


# ------------------------------------------------------------------ an IMAP server that echoes LOGIN

class EchoingImapServer:
    """Just enough IMAP to refuse a login by quoting it: first [UNAVAILABLE] (retried), then for good."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.heard: list[str] = []
        self.logins = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection):
        with connection, connection.makefile("rwb") as stream:
            stream.write(b"* OK [CAPABILITY IMAP4rev1 IDLE] echo ready\r\n")
            stream.flush()
            for line in stream:
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                self.heard.append(text)
                tag, _, rest = text.partition(" ")
                command = rest.split(" ", 1)[0].upper()
                if command == "CAPABILITY":
                    stream.write(f"* CAPABILITY IMAP4rev1 IDLE\r\n{tag} OK done\r\n".encode())
                elif command == "LOGIN":
                    self.logins += 1
                    code = "[UNAVAILABLE]" if self.logins == 1 else "[AUTHENTICATIONFAILED]"
                    stream.write(f"{tag} NO {code} you sent: {text}\r\n".encode())
                elif command == "LOGOUT":
                    stream.write(f"* BYE bye\r\n{tag} OK done\r\n".encode())
                    stream.flush()
                    return
                else:
                    stream.write(f"{tag} BAD unexpected {text}\r\n".encode())
                stream.flush()

    def close(self):
        self.listener.close()


@pytest.fixture
def echoing_imap():
    server = EchoingImapServer()
    yield server
    server.close()


def echo_config(tmp_path, port):
    return write_config(tmp_path, imap={"host": "127.0.0.1", "port": port, "security": "plain",
                                        "username": "desk@contoso.no", "reconnect_initial_delay": 0.01,
                                        "reconnect_max_delay": 0.02, "reconnect_give_up": 5.0})


def test_an_imap_server_echoing_the_login_line_leaks_nothing(tmp_path, echoing_imap, monkeypatch, caplog):
    monkeypatch.setenv("RESETDESK_IMAP_PASSWORD", SECRET)
    caplog.set_level(logging.DEBUG)
    config = config_module.load(echo_config(tmp_path, echoing_imap.port))
    desk = Desk(config, classifier=RecordingClassifier())
    try:
        assert desk.run(once=True) == 1                      # the login refused: a mailbox error
    finally:
        desk.close()
    logins = [line for line in echoing_imap.heard if " LOGIN " in line]
    assert len(logins) == 2 and "Pa55" in logins[0]           # the server did hear, and echo, the password
    logged = desk_log(caplog)
    assert "reconnecting" in logged and "refused password login" in logged
    assert "Pa55" not in logged and REDACTED in logged
    assert "Pa55" not in everything_stored(tmp_path / "var" / "resetdesk.db")


def test_the_same_through_resetdesk_run(tmp_path, echoing_imap):
    result = run_desk(echo_config(tmp_path, echoing_imap.port), "--log-format", "json",
                      env={"RESETDESK_IMAP_PASSWORD": SECRET})
    assert result.returncode == 1, result.stderr
    assert echoing_imap.logins == 2
    assert "Pa55" not in result.stderr and REDACTED in result.stderr
    assert "Traceback" not in result.stderr


def test_imapclient_debug_lines_stay_quiet_under_the_desks_logging(tmp_path, echoing_imap, monkeypatch, caplog):
    """imapclient logs every server line at DEBUG, echoes and all: the desk's logging keeps them in,
    even where something else has set up logging at DEBUG for the whole process."""
    from resetdesk.process import configure_logging

    monkeypatch.setenv("RESETDESK_IMAP_PASSWORD", SECRET)
    caplog.set_level(logging.DEBUG)                  # a process-wide DEBUG handler, like basicConfig
    config = config_module.load(echo_config(tmp_path, echoing_imap.port))
    ours, theirs = logging.getLogger("resetdesk"), logging.getLogger("imapclient")
    saved = (ours.handlers[:], ours.propagate, ours.level, theirs.level)
    try:
        configure_logging(config)
        desk = Desk(config, classifier=RecordingClassifier())
        try:
            desk.run(once=True)
        finally:
            desk.close()
    finally:
        ours.handlers[:], ours.propagate = saved[0], saved[1]
        ours.setLevel(saved[2])
        theirs.setLevel(saved[3])
    assert echoing_imap.logins == 2
    assert "Pa55" not in caplog.text


# ------------------------------------------------------------------ SMTP and Graph echoing credentials

@pytest.mark.servers
def test_an_smtp_server_quoting_the_auth_line_leaks_nothing(tmp_path, desk_config, smtp_factory, caplog):
    secret = "smtp-pass-Quoted-77"
    server = smtp_factory(username="desk", password=secret)
    blob = base64.b64encode(f"\0desk\0{secret}".encode()).decode()
    server.refuse_next(f"451 4.3.0 session so far: AUTH PLAIN {blob}; that is desk/{secret}", stage="RCPT")
    server.refuse_next(f"452 4.3.1 you logged in with {secret} and {blob}", stage="DATA")
    config = config_module.load(config_from_servers(tmp_path, desk_config, None, server))
    caplog.set_level(logging.DEBUG)
    desk = Desk(config, classifier=RecordingClassifier())
    try:
        drop(desk.source.root, make_mail(message_id="<echo-smtp@contoso.no>"))
        desk.run(once=True)                                 # refused at RCPT: retried later
        desk.deliver()                                      # refused at DATA: retried later
        [row] = desk.store.outbox_rows()
        assert row.status == "queued" and row.attempts == 2 and "452" in row.last_error
        desk.deliver()
        assert len(server.wait_for(1)) == 1
        stored = everything_stored(tmp_path / "var" / "resetdesk.db")
    finally:
        desk.close()
    assert "451 4.3.0 session so far: AUTH PLAIN [redacted]" in stored
    logged = desk_log(caplog)
    assert "refused" in logged
    for leaked in (secret, blob):
        assert leaked not in logged and leaked not in stored


@pytest.mark.servers
def test_a_graph_error_quoting_the_token_leaks_nothing(tmp_path, identity, oauth_app, caplog):
    from test_graph_transport import SEND_MAIL, graph_config

    identity.add_user("desk-user-id", "help@resetdesk.example")
    seen = []

    def echo(server, request, params):
        seen.append(request.bearer())
        return servers.graph_error(400, "ErrorInvalidRequest",
                                   f"token {request.bearer()} is not valid for this request; secret {oauth_app[1]}")

    identity.add_route("POST", SEND_MAIL, echo, times=1)
    config = graph_config(tmp_path, identity, oauth_app[0])
    caplog.set_level(logging.DEBUG)
    desk = Desk(config, classifier=RecordingClassifier())
    try:
        drop(desk.source.root, make_mail(message_id="<echo-graph@contoso.no>"))
        desk.run(once=True)
        [row] = desk.store.outbox_rows()
        assert row.status == "failed" and "ErrorInvalidRequest" in row.last_error
        stored = everything_stored(tmp_path / "var" / "resetdesk.db")
    finally:
        desk.close()
    [token] = seen
    assert len(token) > 20
    logged = desk_log(caplog)
    assert "ErrorInvalidRequest" in logged
    for leaked in (token, token[:40], oauth_app[1]):
        assert leaked not in logged and leaked not in stored
