"""Handing stored outgoing mail to the world: SMTP, Microsoft Graph, or the outbox Maildir.

A transport's `send(row, handoff)` calls `handoff()` at the last moment before
the irreversible step, and only then takes it. The service's `handoff` commits
the row as `sending`, so the store always knows whether a message may have
left. For SMTP the irreversible step is the end of DATA: MAIL FROM and RCPT TO
are checked first (a refusal there costs nothing), and the in-doubt window is
only "after the final dot, before the reply was recorded".

Errors say what is known:
- `TransportUnavailable` (a `TransientDeliveryError`): the server could not be
  reached or logged into; nothing was sent; try the whole queue later.
- `TransientDeliveryError`: this message was refused for now (4xx); retry it.
- `PermanentDeliveryError`: refused for good (5xx); do not retry.
- `DeliveryInDoubt`: the connection broke after the whole message was written;
  the server may have accepted it. Never resend such a message blindly.

For Graph (`GraphTransport`) the irreversible step is the sendMail POST; a
timeout or a dropped connection after it was sent is in doubt, like SMTP
after the final dot.

No password or token is ever logged or put in an exception message: server
text (which may echo a command, AUTH line and all) is scrubbed by
resetdesk/redact.py before it goes into either.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import smtplib
import ssl
import urllib.parse
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..auth import HttpSessionHolder
from ..config import Config
from ..errors import ConfigError, DeliveryError, PermanentDeliveryError, TokenError, TransientDeliveryError
from ..private import make_dirs, open_file
from ..redact import Redactor
from ..store import OutboxRow

if TYPE_CHECKING:
    import requests     # for the annotation: _open imports it when first used

log = logging.getLogger("resetdesk.transport")

Handoff = Callable[[], None]


class TransportUnavailable(TransientDeliveryError):
    """The transport could not be reached or refused the login: nothing was sent."""


class DeliveryInDoubt(DeliveryError):
    """The message may or may not have been accepted: never resend it blindly."""


class Transport(Protocol):
    """Where outbox rows go: SMTP, the outbox Maildir, or Graph sendMail."""
    name: str

    def send(self, row: OutboxRow, handoff: Handoff) -> None:
        """Deliver `row.raw`; call `handoff()` right before the step that cannot be undone."""

    def confirm(self, row: OutboxRow) -> bool | None:
        """Whether an interrupted handoff of `row` completed; None when the transport cannot tell."""

    def close(self) -> None:
        """Release connections; the next send opens a new one."""


def _refusal(stage: str, code: int, reply: bytes | str, redactor: Redactor) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = f"{stage} refused: {code} {' '.join(redactor.scrub(text).split())}"
    if 500 <= code < 600:
        return PermanentDeliveryError(message)
    return TransientDeliveryError(message)


_LEADING_DOT = re.compile(rb"(?m)^\.")


class SmtpTransport:
    """SMTP submission per `[smtp]`: one connection reused across a batch.

    security = ssl (implicit TLS), starttls, or plain (loopback tests only).
    AUTH only when `smtp.username` is set, with the password read from the
    environment variable `smtp.password_env` names.
    """

    def __init__(self, config: Config):
        self.config = config
        self.settings = config.smtp
        self.name = f"smtp://{self.settings.host}:{self.settings.port}"
        self._connection: smtplib.SMTP | None = None
        self._redactor = Redactor(config)

    def _said(self, error: BaseException) -> str:
        """An smtplib error as text, scrubbed: its message may quote the server's reply."""
        return self._redactor.scrub(f"{type(error).__name__}: {error}")

    # -- connection ---------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        connection: smtplib.SMTP
        try:
            if s.security == "ssl":
                connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls_context())
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if s.username:
                # The secret is read here, used once, and never stored on self.
                connection.login(s.username, self.config.secret("smtp", "password_env"))
        except ConfigError as error:   # the password's variable is unset: same as a refused login
            raise TransportUnavailable(f"{self.name}: {error}") from None
        except smtplib.SMTPAuthenticationError as error:
            # A refused login is the configuration's fault, not the message's:
            # the queue waits for an operator instead of failing every row.
            raise TransportUnavailable(f"{self.name}: login as {s.username} refused: {error.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"{self.name}: cannot connect: {self._said(error)}") from None
        return connection

    def _open(self) -> smtplib.SMTP:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        """Quit the SMTP connection; the next send opens a new one."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()

    def confirm(self, row: OutboxRow) -> bool | None:
        """SMTP cannot be asked afterwards whether a message arrived: always None."""
        return None   # SMTP cannot be asked afterwards whether a message arrived

    def probe(self) -> str:
        """Connect, EHLO, STARTTLS and AUTH as configured, then QUIT; nothing is sent (`resetdesk check`).

        Returns the server's greeting name; TransportUnavailable says what failed.
        """
        connection = self._connect()
        try:
            name = (connection.ehlo_resp or b"").decode("ascii", "replace").splitlines()[:1]
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
        return name[0] if name else self.settings.host

    # -- sending ------------------------------------------------------------

    def _envelope(self, connection: smtplib.SMTP, row: OutboxRow) -> None:
        options = []
        if not (row.envelope_from.isascii() and row.recipient.isascii()):
            if not connection.has_extn("smtputf8"):
                raise PermanentDeliveryError(f"{self.name} does not offer SMTPUTF8 for {row.recipient!r}")
            options.append("SMTPUTF8")
        if not row.raw.isascii() and connection.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        code, reply = connection.mail(row.envelope_from, options)
        if code != 250:
            raise _refusal("MAIL FROM", code, reply, self._redactor)
        code, reply = connection.rcpt(row.recipient)
        if code not in (250, 251):
            raise _refusal("RCPT TO", code, reply, self._redactor)

    def send(self, row: OutboxRow, handoff: Handoff) -> None:
        """Send the row over SMTP; MAIL and RCPT are checked before `handoff()` and DATA."""
        connection = self._open()
        try:
            try:
                self._envelope(connection, row)
            except smtplib.SMTPServerDisconnected:
                # A reused connection the server closed while idle: nothing was
                # handed over yet, so one fresh connection is safe.
                self.close()
                connection = self._open()
                self._envelope(connection, row)
        except DeliveryError:
            self._reset(connection)
            raise
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TransportUnavailable(f"{self.name}: {self._said(error)}") from None

        try:
            handoff()
        except BaseException:
            self._reset(connection)
            raise
        self._data(connection, row)

    def _data(self, connection: smtplib.SMTP, row: OutboxRow) -> None:
        # smtplib's data() in three steps, so that a failure before the final
        # dot (not delivered: retry) is told apart from one after it (in doubt).
        try:
            connection.putcmd("data")
            code, reply = connection.getreply()
            if code != 354:
                raise _refusal("DATA", code, reply, self._redactor)
            payload = _LEADING_DOT.sub(b"..", row.raw)
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            connection.send(payload + b".\r\n")
        except DeliveryError:
            self._reset(connection)
            raise
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TransientDeliveryError(f"{self.name}: connection lost before the end of DATA: "
                                         f"{self._redactor.scrub(str(error))}") from None
        try:
            code, reply = connection.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise DeliveryInDoubt(f"{self.name}: no reply after the end of DATA: "
                                  f"{self._redactor.scrub(str(error))}") from None
        if code != 250:
            raise _refusal("end of DATA", code, reply, self._redactor)

    def _reset(self, connection: smtplib.SMTP) -> None:
        try:
            connection.rset()
        except (OSError, smtplib.SMTPException):
            self.close()


class MaildirOutbox:
    """Replies written into a Maildir (`maildir.outbox`) when no SMTP host is set.

    Each file is named by its outbox row id (plus a digest of its Message-ID,
    so a fresh database reusing ids never overwrites an older reply): writing
    the same row twice leaves one file, and `confirm` can look for it.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = f"maildir:{self.path}"
        for sub in ("tmp", "new", "cur"):
            make_dirs(self.path / sub)      # 0700, files 0600: replies are for their reader only

    @staticmethod
    def filename(row: OutboxRow) -> str:
        """The row's file name in the outbox Maildir: its id first, so a restart can look it up."""
        digest = hashlib.sha256(row.message_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        return f"{row.id:010d}.{digest}.resetdesk"

    def _existing(self, row: OutboxRow) -> Path | None:
        name = self.filename(row)
        if (self.path / "new" / name).exists():
            return self.path / "new" / name
        # A reader that has seen it moved it to cur/ with ":2,<flags>" appended.
        for found in (self.path / "cur").glob(name + ":*"):
            return found
        return None

    def send(self, row: OutboxRow, handoff: Handoff) -> None:
        """Write the row to the outbox Maildir under its row id (once: an existing file is kept)."""
        handoff()
        if self._existing(row) is not None:
            return
        name = self.filename(row)
        temporary = self.path / "tmp" / name
        try:
            with os.fdopen(open_file(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as handle:
                handle.write(row.raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path / "new" / name)   # the Maildir delivery protocol
            directory = os.open(self.path / "new", os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as error:
            raise TransientDeliveryError(f"{self.name}: cannot write {name}: {error}") from None

    def confirm(self, row: OutboxRow) -> bool | None:
        """Whether the file named by the row id is there."""
        return self._existing(row) is not None

    def close(self) -> None:
        """Nothing to release: the outbox is only files."""
        pass


GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphTransport(HttpSessionHolder):
    """Microsoft Graph `POST /users/{mailbox}/sendMail` in its MIME form, per `[graph]`.

    The body is the outbox row's own RFC 5322 bytes, base64-encoded, sent as
    `Content-Type: text/plain`: Graph keeps our headers (In-Reply-To,
    References, Auto-Submitted, the loop marker, our Message-ID) and takes the
    recipients from the To/Cc headers. The app-only token (scope
    https://graph.microsoft.com/.default; the app needs Mail.Send) comes from
    `TokenProvider` per `[oauth]`. Neither the token nor the body is logged.

    Outcomes: 202 sent; a 401 drops the token and retries once with a fresh
    one; 429, 5xx and connection failures are transient (Retry-After is kept
    on the error as `retry_after`); other 4xx are permanent, named by Graph's
    error code; a timeout or a dropped connection once the request was
    written is `DeliveryInDoubt`.
    """

    def __init__(self, config: Config, token_provider=None):
        from ..auth import TokenProvider

        self.config = config
        self.settings = config.graph
        self.mailbox = self.settings.mailbox or config.policy.desk_address
        if not self.mailbox:
            raise ConfigError("graph.mailbox and policy.desk_address are both empty: no mailbox to send as")
        self.base_url = self.settings.base_url.rstrip("/")
        self.url = f"{self.base_url}/users/{urllib.parse.quote(self.mailbox, safe='@')}/sendMail"
        self.name = f"graph:{self.mailbox}"
        self.tokens = token_provider or TokenProvider(config)
        self.ca_file = str(config.resolve_path(config.oauth.ca_file)) if config.oauth.ca_file else ""
        self._session: requests.Session | None = None
        self._redactor = Redactor(config)

    # -- connection ---------------------------------------------------------

    def confirm(self, row: OutboxRow) -> bool | None:
        """sendMail returns no id to look up: always None."""
        return None   # sendMail returns no id to look up; Sent Items could tell, but not reliably enough

    def _token(self, handed: bool) -> str:
        try:
            return self.tokens.token(GRAPH_SCOPE)
        except TokenError as error:
            # Before the handoff nothing has happened: the whole queue waits. After
            # it (a refresh after a 401) the row must leave `sending`: retry it.
            kind = TransientDeliveryError if handed else TransportUnavailable
            raise kind(f"{self.name}: no access token: {self._redactor.scrub(str(error))}") from None

    # -- sending ------------------------------------------------------------

    def send(self, row: OutboxRow, handoff: Handoff) -> None:
        """Send the row's MIME bytes with Graph sendMail from the help mailbox."""
        session = self._open()
        body = base64.b64encode(row.raw)
        token = self._token(handed=False)
        handoff()
        response = self._post(session, token, body)
        if response.status_code == 401:
            # A token the cache still trusts but Graph refuses (revoked, expired early): once more, fresh.
            self.tokens.invalidate(token)
            log.info("%s refused the access token; retrying once with a new one", self.name)
            token = self._token(handed=True)
            response = self._post(session, token, body)
        self._check(response, token)

    def _post(self, session, token: str, body: bytes):
        import requests

        timeout = self.settings.timeout
        try:
            return session.post(self.url, data=body, timeout=(timeout, timeout), allow_redirects=False,
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
        except (requests.ConnectTimeout, requests.exceptions.SSLError) as error:
            # No connection (or no TLS session): nothing was sent.
            self.close()
            raise TransientDeliveryError(f"{self.name}: cannot connect: {type(error).__name__}") from None
        except requests.ConnectionError as error:
            self.close()
            if _never_connected(error):
                raise TransientDeliveryError(f"{self.name}: cannot connect: {_reason(error)}") from None
            raise DeliveryInDoubt(f"{self.name}: connection lost after sending: {_reason(error)}") from None
        except requests.Timeout:   # ReadTimeout: the request went out, no answer came
            self.close()
            raise DeliveryInDoubt(f"{self.name}: no answer within {timeout} s after sending") from None
        except requests.RequestException as error:
            self.close()
            raise DeliveryInDoubt(f"{self.name}: {type(error).__name__} while sending") from None

    def _check(self, response, token: str) -> None:
        status = response.status_code
        if status in (200, 202):
            return
        code, message = _graph_error(response, lambda text: self._redactor.scrub(text, token))
        text = f"{self.name}: sendMail refused: {status} {code}{': ' + message if message else ''}"
        if status == 429 or status >= 500:
            error = TransientDeliveryError(text + _retry_after_text(response))
            error.retry_after = _retry_after(response)
            raise error
        if status in (401, 403):
            # A refused token or a missing Mail.Send / application access policy:
            # the app's configuration, not this message. Retried until max_attempts.
            raise TransientDeliveryError(text)
        raise PermanentDeliveryError(text)


def _never_connected(error: Exception) -> bool:
    from urllib3.exceptions import NewConnectionError

    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


def _reason(error: Exception) -> str:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return type(reason or error).__name__


def _graph_error(response, scrub: Callable[[str], str]) -> tuple[str, str]:
    """Graph's {"error": {"code", "message"}}, scrubbed before the message is shortened."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return "", ""
    if not isinstance(error, dict):
        return scrub(str(error))[:80], ""
    message = " ".join(scrub(str(error.get("message") or "")).split())[:200]
    return scrub(str(error.get("code") or ""))[:80], message


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _retry_after_text(response) -> str:
    seconds = _retry_after(response)
    return f" (Retry-After {seconds:g} s)" if seconds is not None else ""


def transport_for(config: Config) -> Transport:
    """Graph sendMail when `graph.send_mail` is on, else SMTP when `smtp.host` is set, else the outbox Maildir."""
    if config.graph.send_mail:
        return GraphTransport(config)
    if config.smtp.host:
        return SmtpTransport(config)
    return MaildirOutbox(config.resolve_path(config.maildir.outbox))
