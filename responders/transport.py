"""Handing stored outgoing mail to the world: SMTP, or the outbox Maildir.

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

No password or token is ever logged or put in an exception message.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import socket
import ssl
from pathlib import Path
from typing import Callable, Protocol

from ..config import Config
from ..errors import ConfigError, DeliveryError, PermanentDeliveryError, TransientDeliveryError
from ..store import OutboxRow

log = logging.getLogger("resetdesk.transport")

Handoff = Callable[[], None]


class TransportUnavailable(TransientDeliveryError):
    """The transport could not be reached or refused the login: nothing was sent."""


class DeliveryInDoubt(DeliveryError):
    """The message may or may not have been accepted: never resend it blindly."""


class Transport(Protocol):
    name: str

    def send(self, row: OutboxRow, handoff: Handoff) -> None:
        """Deliver `row.raw`; call `handoff()` right before the step that cannot be undone."""

    def confirm(self, row: OutboxRow) -> bool | None:
        """Whether an interrupted handoff of `row` completed; None when the transport cannot tell."""

    def close(self) -> None:
        """Release connections; the next send opens a new one."""


def _refusal(stage: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = f"{stage} refused: {code} {' '.join(text.split())}"
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

    # -- connection ---------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
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
            raise TransportUnavailable(f"{self.name}: cannot connect: {type(error).__name__}: {error}") from None
        return connection

    def _open(self) -> smtplib.SMTP:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()

    def confirm(self, row: OutboxRow) -> bool | None:
        return None   # SMTP cannot be asked afterwards whether a message arrived

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
            raise _refusal("MAIL FROM", code, reply)
        code, reply = connection.rcpt(row.recipient)
        if code not in (250, 251):
            raise _refusal("RCPT TO", code, reply)

    def send(self, row: OutboxRow, handoff: Handoff) -> None:
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
            raise TransportUnavailable(f"{self.name}: {type(error).__name__}: {error}") from None

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
                raise _refusal("DATA", code, reply)
            payload = _LEADING_DOT.sub(b"..", row.raw)
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            connection.send(payload + b".\r\n")
        except DeliveryError:
            self._reset(connection)
            raise
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TransientDeliveryError(f"{self.name}: connection lost before the end of DATA: {error}") from None
        try:
            code, reply = connection.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise DeliveryInDoubt(f"{self.name}: no reply after the end of DATA: {error}") from None
        if code != 250:
            raise _refusal("end of DATA", code, reply)

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
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    @staticmethod
    def filename(row: OutboxRow) -> str:
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
        handoff()
        if self._existing(row) is not None:
            return
        name = self.filename(row)
        temporary = self.path / "tmp" / name
        try:
            with open(temporary, "wb") as handle:
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
        return self._existing(row) is not None

    def close(self) -> None:
        pass


def transport_for(config: Config) -> Transport:
    """SMTP when `smtp.host` is set, else the outbox Maildir."""
    if config.smtp.host:
        return SmtpTransport(config)
    return MaildirOutbox(config.resolve_path(config.maildir.outbox))
