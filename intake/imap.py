"""IMAP intake: the desk's watched folder, read without side effects.

`ImapSource` implements the `MailSource` protocol over imapclient. Bodies are
read with BODY.PEEK[] so nothing is ever marked \\Seen; processed mail is moved
out of the watched folder, which is what keeps `fetch_new` idempotent.

Every server round trip goes through `_with_connection`: a lost connection,
a restarted server or a timeout is met with a reconnect (capped exponential
backoff, one log line per attempt) and the operation is run again on the new
connection. Login refusals, certificate failures and protocol errors are not
retried: they are raised as `IntakeAuthError` / `IntakeConnectionError` /
`IntakeError`.

One `ImapSource` is used from one thread.
"""

from __future__ import annotations

import functools
import imaplib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, LoginError

from resetdesk.config import Config
from resetdesk.errors import ConfigError, IntakeAuthError, IntakeConnectionError, IntakeError, TokenError
from resetdesk.redact import Redactor

from .message import RawMessage
from .source import FOLDER_ROLES

log = logging.getLogger("resetdesk.intake")

T = TypeVar("T")

SIZE_BATCH = 500                    # UIDs per RFC822.SIZE fetch (keeps command lines short)
BODY_BATCH_COUNT = 50               # messages per BODY.PEEK[] fetch ...
BODY_BATCH_BYTES = 16 * 1024 * 1024  # ... and at most this many bytes of them (one message may exceed it)
MOVE_BATCH = 500                    # UIDs per UID MOVE (keeps command lines short)
IDLE_RENEW_SECONDS = 25 * 60        # RFC 2177: re-issue IDLE well before the 29-minute server timeout
CONFIG_SEPARATOR = "/"              # folder paths in the config use "/"; the server's delimiter may differ

_ROLE_KEYS = {"answered": "answered_folder", "ignored": "ignored_folder", "needs_human": "needs_human_folder"}


class _Transient(Exception):
    """A failure that a new connection may cure (BYE, a temporary login failure)."""


class _ReconnectTimeout(IntakeConnectionError):
    """The reconnect budget ran out; `wait` turns it into False, other calls let it rise."""


# Failures that end the connection but not the desk: reconnect and try again.
_RETRYABLE = (OSError, imaplib.IMAP4.abort, _Transient)


def _is_temporary(server_text: str) -> bool:
    # RFC 5530 response codes a server uses for "not now": Dovecot on a failed introspection, Exchange when busy.
    return any(code in server_text.upper() for code in ("[UNAVAILABLE]", "[SERVERBUG]", "[INUSE]", "[LIMIT]"))


class ImapSource:
    """The watched folder of one IMAP mailbox (`[imap]` in the config).

    - `fetch_new()`: every message now in the folder, oldest (lowest UID) first.
    - `wait(timeout)`: IDLE until the server reports new mail (True) or the
      timeout passes (False); without IDLE, sleep at most `poll_interval`.
    - `move(message, role)`: to the folder configured for the role;
      `move_many(messages, role)`: the same with one UID MOVE for the lot.
    - `close()`: log out.
    """

    def __init__(self, config: Config, token_provider=None, *,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic):
        imap = config.imap
        if not imap.host:
            raise ConfigError("imap.host is empty: no IMAP server configured")
        if not imap.username:
            raise ConfigError("imap.username is empty")
        self.config = config
        self.host: str = imap.host
        self.port: int = imap.port
        self.username: str = imap.username
        self.folder: str = imap.folder
        self.name = f"imap://{self.username}@{self.host}/{self.folder}"
        self.max_message_bytes: int = config.limits.max_message_bytes
        self._ssl_context = self._make_ssl_context(config) if imap.security != "plain" else None
        if imap.auth == "oauth" and token_provider is None:
            from resetdesk.auth import TokenProvider
            token_provider = TokenProvider(config)
        self._tokens = token_provider
        # Server text is scrubbed of credentials before it is logged or raised (resetdesk/redact.py).
        self._redactor = Redactor(config)
        self._sleep = sleep
        self._now = monotonic

        self._client: IMAPClient | None = None
        self._delimiter: str | None = None       # the server's hierarchy delimiter ("" when flat)
        self._known_folders: set[str] | None = None
        self._selected_on: IMAPClient | None = None  # the connection on which the watched folder is selected
        self._uidvalidity: int | None = None     # the watched folder's, as last seen
        self._next_unseen_uid: int | None = None  # UIDs from here on arrived after the last fetch_new listing
        self._backlog_possible = True            # no listing yet on this connection: mail may be waiting
        self._failures = 0                       # consecutive failed attempts; drives the backoff
        self._down_since: float | None = None
        self._said_no_idle = False
        self.listed: int | None = None           # messages in the watched folder at the latest listing

    # ------------------------------------------------------------------ protocol

    def fetch_new(self) -> Iterator[RawMessage]:
        """Every message in the watched folder, oldest first; larger than limits.max_message_bytes: data=b"".

        Lazy: bodies are fetched in batches as the caller iterates, so the
        caller may move each message before asking for the next.
        """
        uids, sizes, uidvalidity = self._with_connection("fetch", self._list_watched)
        for batch in self._body_batches(uids, sizes):
            fetch = functools.partial(self._fetch_bodies, batch=batch, sizes=sizes, uidvalidity=uidvalidity)
            bodies = self._with_connection("fetch", fetch)
            if bodies is None:   # UIDVALIDITY changed under us: these UIDs mean other messages now
                log.warning("IMAP %s: stopped this fetch after a UIDVALIDITY change; the next fetch reads the folder "
                            "afresh", self.name)
                return
            for uid in batch:
                size = sizes[uid]
                if size > self.max_message_bytes:
                    yield RawMessage(self.name, str(uid), b"", uidvalidity, size)
                elif uid in bodies:  # absent: moved or expunged meanwhile
                    yield RawMessage(self.name, str(uid), bodies[uid], uidvalidity, size)

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived (True) or `timeout` seconds pass (False).

        True also right after a (re)connect, because mail may have arrived
        while the connection was down: the caller's next fetch_new picks it up.
        """
        deadline = self._now() + max(0.0, timeout)
        try:
            return self._with_connection("idle", lambda client: self._wait_on(client, deadline), deadline=deadline)
        except _ReconnectTimeout:
            return False

    def move(self, message: RawMessage, role: str) -> None:
        """Move `message` to the folder for `role`; a message already gone is not an error."""
        self.move_many([message], role)

    def move_many(self, messages: Sequence[RawMessage], role: str) -> None:
        """Move `messages` to the folder for `role` with one UID MOVE per MOVE_BATCH of them.

        UIDs that are already gone are skipped; messages fetched under another
        UIDVALIDITY are left alone (they will be fetched again).
        """
        if role not in FOLDER_ROLES:
            raise ValueError(f"unknown folder role {role!r} (known: {', '.join(FOLDER_ROLES)})")
        if not messages:
            return
        target = self.config.imap[_ROLE_KEYS[role]]
        for start in range(0, len(messages), MOVE_BATCH):
            batch = messages[start:start + MOVE_BATCH]
            self._with_connection(f"move to {target}", functools.partial(self._move, messages=batch, target=target))

    def close(self) -> None:
        """Log out and close the connection; the next call opens a new one."""
        client, self._client, self._selected_on = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            try:
                client.shutdown()
            except Exception:
                pass

    def probe(self) -> dict:
        """Connect, log in and look at the folders once, without retrying, then log out (`resetdesk check`).

        Returns {"messages": count in the watched folder, "missing": role
        folders not there yet (created at the first move)}. Raises
        IntakeConnectionError, IntakeAuthError or IntakeError naming what failed.
        """
        try:
            client = self._open()
        except (OSError, imaplib.IMAP4.error) as error:
            raise IntakeConnectionError(f"IMAP {self.host}:{self.port}: cannot connect: {_describe(error)}") from None
        try:
            try:
                self._login(client)
            except _Transient as error:
                raise IntakeConnectionError(f"IMAP {self.host}:{self.port}: {error}") from None
            except (OSError, imaplib.IMAP4.abort) as error:
                raise IntakeConnectionError(f"IMAP {self.host}:{self.port}: {_describe(error)}") from None
            names = {folder for _flags, _delimiter, folder in client.list_folders()}
            watched = self._server_name(client, self.folder)
            if watched not in names:
                raise IntakeError(f"IMAP {self.name}: the watched folder {self.folder} does not exist")
            messages = client.folder_status(watched, ["MESSAGES"])[b"MESSAGES"]
            missing = [self.config.imap[key] for key in _ROLE_KEYS.values()
                       if self._server_name(client, self.config.imap[key]) not in names]
        finally:
            try:
                client.logout()
            except Exception:
                _abandon(client)
        return {"messages": messages, "missing": missing}

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ---------------------------------------------------------- connection care

    def _with_connection(self, what: str, operation: Callable[[IMAPClient], T], deadline: float | None = None) -> T:
        """Run `operation` on a live, logged-in connection; reconnect with backoff and rerun it when it fails.

        Gives up with `_ReconnectTimeout` at `deadline`, or after
        `imap.reconnect_give_up` seconds without a working connection.
        """
        settings = self.config.imap
        while True:
            try:
                client = self._connected_client()
                result = operation(client)
            except _RETRYABLE as error:
                self._drop_connection()
                now = self._now()
                if self._down_since is None:
                    self._down_since = now
                delay = min(settings.reconnect_initial_delay * 2 ** min(self._failures, 32),
                            settings.reconnect_max_delay)
                self._failures += 1
                give_up_at = deadline if deadline is not None else self._down_since + settings.reconnect_give_up
                if now + delay > give_up_at:
                    if deadline is not None and now < give_up_at:
                        self._sleep(give_up_at - now)  # use the caller's whole wait before reporting
                    raise _ReconnectTimeout(
                        f"IMAP {self.host}:{self.port} unreachable for {self._now() - self._down_since:.1f}s "
                        f"({what}: {self._describe(error)})") from None
                log.warning("IMAP %s:%s: %s failed (%s); reconnecting in %.1fs (attempt %d)",
                            self.host, self.port, what, self._describe(error), delay, self._failures)
                self._sleep(delay)
                continue
            except (IntakeAuthError, ConfigError):
                self._drop_connection()
                raise
            except IntakeError:
                raise
            except imaplib.IMAP4.error as error:   # NO/BAD: the connection is fine, the command was not
                raise IntakeError(f"IMAP {what} failed on {self.name}: {self._describe(error)}") from None
            self._failures = 0
            self._down_since = None
            return result

    def _connected_client(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        client = self._open()
        try:
            self._login(client)
        except BaseException:
            _abandon(client)
            raise
        self._client = client
        self._selected_on = None
        self._backlog_possible = True
        if self._failures:
            log.info("IMAP reconnected to %s:%s as %s after %d attempt(s), %.1fs down",
                     self.host, self.port, self.username, self._failures,
                     self._now() - (self._down_since or self._now()))
        else:
            log.info("IMAP connected to %s:%s as %s (%s, %s)", self.host, self.port, self.username,
                     self.config.imap.security, self.config.imap.auth)
        return client

    def _drop_connection(self) -> None:
        client, self._client, self._selected_on = self._client, None, None
        if client is not None:
            _abandon(client)

    @staticmethod
    def _make_ssl_context(config: Config) -> ssl.SSLContext:
        # Built once: a missing or unreadable CA file is a config error, not a reason to reconnect.
        ca_file = str(config.resolve_path(config.imap.ca_file)) if config.imap.ca_file else None
        try:
            return ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(f"imap.ca_file {ca_file}: {error}") from None

    def _open(self) -> IMAPClient:
        security = self.config.imap.security
        context = self._ssl_context
        try:
            client = IMAPClient(self.host, self.port, ssl=security == "ssl", ssl_context=context,
                                timeout=self.config.imap.timeout)
        except ssl.SSLCertVerificationError as error:
            raise IntakeConnectionError(
                f"IMAP {self.host}:{self.port}: server certificate not trusted ({error.verify_message}); "
                "set imap.ca_file for a private CA") from None
        if security == "starttls":
            try:
                client.starttls(context)
            except CapabilityError:
                _abandon(client)
                raise IntakeConnectionError(f"IMAP {self.host}:{self.port} does not offer STARTTLS") from None
            except ssl.SSLCertVerificationError as error:
                _abandon(client)
                raise IntakeConnectionError(
                    f"IMAP {self.host}:{self.port}: server certificate not trusted ({error.verify_message}); "
                    "set imap.ca_file for a private CA") from None
        return client

    def _login(self, client: IMAPClient) -> None:
        if self.config.imap.auth == "password":
            password = self.config.secret("imap", "password_env")
            try:
                client.login(self.username, password)
            except LoginError as error:
                self._login_refused(error, "password")
            return
        token = self._token()
        try:
            self._xoauth2(client, token)
            return
        except LoginError as error:
            if _is_temporary(str(error)):
                raise _Transient(f"temporary login failure: {self._describe(error, token)}") from None
            refusal = error
        # The server refused a cached token (revoked, permissions changed): one more try with a fresh one.
        self._tokens.invalidate(token)
        fresh = self._token()
        if fresh == token:
            self._login_refused(refusal, "XOAUTH2", token)
        try:
            self._xoauth2(client, fresh)
        except LoginError as error:
            self._login_refused(error, "XOAUTH2", token, fresh)

    def _token(self) -> str:
        from resetdesk.auth import TokenServiceUnavailable

        try:
            return self._tokens.token(self.config.oauth.imap_scope)
        except TokenServiceUnavailable as error:
            raise _Transient(self._redactor.scrub(str(error))) from None
        except TokenError as error:
            raise IntakeAuthError(f"IMAP XOAUTH2 for {self.username}: no token: "
                                  f"{self._redactor.scrub(str(error))}") from None

    def _xoauth2(self, client: IMAPClient, token: str) -> None:
        # SASL XOAUTH2: after a failure the server sends a JSON challenge that must be answered with
        # an empty response (imapclient's oauth2_login would resend the token instead).
        answers = iter((f"user={self.username}\1auth=Bearer {token}\1\1",))
        client.sasl_login("XOAUTH2", lambda challenge: next(answers, ""))

    def _describe(self, error: BaseException, *secrets: str) -> str:
        """`_describe` with the server's text scrubbed of credentials (it may echo our command)."""
        if isinstance(error, _Transient):      # our own words around text scrubbed where it was raised
            return _describe(error)
        return self._redactor.scrub(_describe(error), *secrets)

    def _login_refused(self, error: Exception, method: str, *secrets: str) -> None:
        text = self._describe(error, *secrets)
        if _is_temporary(text):
            raise _Transient(f"temporary login failure: {text}")
        raise IntakeAuthError(f"IMAP {self.host}:{self.port} refused {method} login for {self.username}: {text}")

    # -------------------------------------------------------- watched folder

    def _select_watched(self, client: IMAPClient) -> dict:
        info = client.select_folder(self._server_name(client, self.folder))
        self._selected_on = client
        uidvalidity = info.get(b"UIDVALIDITY")
        if self._uidvalidity is not None and uidvalidity != self._uidvalidity:
            log.warning("IMAP %s: UIDVALIDITY changed from %s to %s: every message is read afresh "
                        "(the store dedupes by Message-ID)", self.name, self._uidvalidity, uidvalidity)
            self._next_unseen_uid = None
        self._uidvalidity = uidvalidity
        return info

    def _ensure_selected(self, client: IMAPClient) -> int | None:
        if self._selected_on is not client:
            self._select_watched(client)
        return self._uidvalidity

    def _list_watched(self, client: IMAPClient) -> tuple[list[int], dict[int, int], int | None]:
        info = self._select_watched(client)   # a fresh SELECT each time: current UIDVALIDITY and UIDNEXT
        uids = sorted(client.search("ALL"))
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), SIZE_BATCH):
            for uid, data in client.fetch(uids[start:start + SIZE_BATCH], ["RFC822.SIZE"]).items():
                sizes[uid] = int(data[b"RFC822.SIZE"])
        uids = [uid for uid in uids if uid in sizes]
        self.listed = len(uids)
        # Mail that arrives after this point has a UID >= this; wait() looks for it before idling.
        uidnext = info.get(b"UIDNEXT") or 1
        self._next_unseen_uid = max([uidnext, *(uid + 1 for uid in uids[-1:])])
        self._backlog_possible = False
        return uids, sizes, self._uidvalidity

    def _body_batches(self, uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
        batch: list[int] = []
        batch_bytes = 0
        for uid in uids:
            wanted = sizes[uid] if sizes[uid] <= self.max_message_bytes else 0
            if batch and (len(batch) >= BODY_BATCH_COUNT or batch_bytes + wanted > BODY_BATCH_BYTES):
                yield batch
                batch, batch_bytes = [], 0
            batch.append(uid)
            batch_bytes += wanted
        if batch:
            yield batch

    def _fetch_bodies(self, client: IMAPClient, batch: list[int], sizes: dict[int, int],
                      uidvalidity: int | None) -> dict[int, bytes] | None:
        if self._ensure_selected(client) != uidvalidity:
            return None
        wanted = [uid for uid in batch if sizes[uid] <= self.max_message_bytes]
        if not wanted:
            return {}
        # BODY.PEEK[] leaves \Seen alone; RFC822 and BODY[] would set it.
        fetched = client.fetch(wanted, ["BODY.PEEK[]"])
        return {uid: bytes(data[b"BODY[]"]) for uid, data in fetched.items() if data.get(b"BODY[]") is not None}

    # ------------------------------------------------------------------- wait

    def _wait_on(self, client: IMAPClient, deadline: float) -> bool:
        if self._backlog_possible:
            return True
        settings = self.config.imap
        if not (settings.idle and client.has_capability("IDLE")):
            if settings.idle and not self._said_no_idle:
                log.info("IMAP %s offers no IDLE: polling every %ss", self.host, settings.poll_interval)
                self._said_no_idle = True
            self._sleep(max(0.0, min(deadline - self._now(), settings.poll_interval)))
            return False
        self._ensure_selected(client)
        # Re-issue IDLE every poll_interval (capped by RFC 2177's limit): a connection that died
        # silently shows up at the DONE instead of never.
        renew_every = max(1.0, min(float(settings.poll_interval), IDLE_RENEW_SECONDS))
        while True:
            # Dovecot reports in IDLE only what changes after it starts; a change that was
            # pending at DONE surfaces at the next command, so look before every IDLE.
            if self._arrived_since_listing(client):
                return True
            now = self._now()
            if now >= deadline:
                return False
            if self._idle_until(client, min(deadline, now + renew_every)):
                return True

    def _arrived_since_listing(self, client: IMAPClient) -> bool:
        """Mail that came since the last fetch_new listing, whether or not an EXISTS told us."""
        first = self._next_unseen_uid
        if first is None:
            return True
        # NOOP makes the server bring this session's view up to date (it reports new mail after a
        # command, not before it); then the search sees mail whose EXISTS an earlier command swallowed.
        _text, responses = client.noop()
        if _reports_new_mail(responses):
            return True
        # "n:*" always matches the highest UID, even below n: compare, don't count.
        return any(uid >= first for uid in client.search(["UID", f"{first}:*"]))

    def _idle_until(self, client: IMAPClient, until: float) -> bool:
        """One IDLE command until `until`; True as soon as the server reports new mail."""
        client.idle()
        while True:
            now = self._now()
            if now >= until:
                break
            chunk = until - now
            responses = client.idle_check(timeout=chunk)
            if _reports_new_mail(responses):
                client.idle_done()
                return True
            for response in responses:
                if response and response[0] == b"BYE":
                    raise _Transient(f"server said BYE: {self._redactor.scrub(_text(response[1:]))}")
            if not responses and self._now() - now < chunk / 2:
                # Readable but no line: the server closed the connection (EOF). DONE proves it either way.
                break
        return _reports_new_mail(client.idle_done()[1])

    # ------------------------------------------------------------------- move

    def _move(self, client: IMAPClient, messages: Sequence[RawMessage], target: str) -> None:
        uidvalidity = self._ensure_selected(client)
        uids = []
        for message in messages:
            if message.uidvalidity is not None and message.uidvalidity != uidvalidity:
                log.debug("IMAP %s: not moving UID %s: UIDVALIDITY is now %s, not %s; it will be fetched again",
                          self.name, message.uid, uidvalidity, message.uidvalidity)
                continue
            uids.append(int(message.uid))
        if not uids:
            return
        uids = sorted(set(uids))
        # No UID SEARCH first: a UID that no longer exists is ignored by UID MOVE/COPY/STORE/EXPUNGE
        # (RFC 3501 6.4.8). One this session still lists but another session expunged makes Dovecot
        # refuse the whole command ([EXPUNGEISSUED]): then look which ones are left, and move those.
        destination = self._ensure_folder(client, target)
        try:
            moved = self._transfer_or_trycreate(client, uids, target, destination)
        except imaplib.IMAP4.error as error:
            left = self._still_here(client, uids)
            if left == uids:
                raise
            log.debug("IMAP %s: %s; moving the %d of %d UIDs still here", self.name, self._describe(error),
                      len(left), len(uids))
            moved = self._transfer_or_trycreate(client, left, target, destination) if left else []
        gone = sorted(set(uids) - set(moved)) if moved is not None else []
        if gone:
            log.debug("IMAP %s: UID(s) %s already gone; nothing to move", self.name, _uid_set(gone))
        log.debug("IMAP %s: moved UID(s) %s to %s", self.name,
                  _uid_set(sorted(moved) if moved is not None else uids) or "-", destination)

    def _transfer_or_trycreate(self, client: IMAPClient, uids: list[int], target: str,
                               destination: str) -> list[int] | None:
        try:
            return self._transfer(client, uids, destination)
        except imaplib.IMAP4.error as error:
            if "TRYCREATE" not in str(error).upper():
                raise
            # Someone deleted the folder since we cached it: create it and try once more.
            self._known_folders = None
            return self._transfer(client, uids, self._ensure_folder(client, target))

    def _still_here(self, client: IMAPClient, uids: list[int]) -> list[int]:
        client.noop()   # take in the expunges the server has not told this session about yet
        found = set(client.search(["UID", _uid_set(uids)]))
        return [uid for uid in uids if uid in found]

    def _transfer(self, client: IMAPClient, uids: list[int], destination: str) -> list[int] | None:
        """Move `uids`; returns the UIDs the server reports as moved (COPYUID), None when it does not say."""
        uid_set = _uid_set(uids)
        _take_copyuid(client)   # an answer left over from an earlier command must not count
        if client.has_capability("MOVE"):
            client.move(uid_set, destination)
            return _moved_uids(_take_copyuid(client), client.has_capability("UIDPLUS"))
        client.copy(uid_set, destination)
        moved = _moved_uids(_take_copyuid(client), client.has_capability("UIDPLUS"))
        # COPY failed as a whole if it raised: only now mark the originals deleted.
        client.add_flags(uid_set, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uid_set)
        else:
            # Without UIDPLUS an EXPUNGE removes every \Deleted message in the folder;
            # the watched folder holds nothing else the desk deleted.
            client.expunge()
        return moved

    def _ensure_folder(self, client: IMAPClient, configured: str) -> str:
        name = self._server_name(client, configured)
        if self._known_folders is None:
            self._known_folders = {folder for _flags, _delimiter, folder in client.list_folders()}
        if name not in self._known_folders:
            try:
                client.create_folder(name)
                log.info("IMAP %s: created folder %s", self.host, name)
            except imaplib.IMAP4.error as error:
                if "ALREADYEXISTS" not in str(error).upper() and "EXISTS" not in str(error).upper():
                    raise
            try:
                client.subscribe_folder(name)
            except imaplib.IMAP4.error as error:  # a folder that works unsubscribed is still fine
                log.debug("IMAP %s: could not subscribe %s: %s", self.host, name, self._describe(error))
            self._known_folders.add(name)
        return name

    def _server_name(self, client: IMAPClient, configured: str) -> str:
        """The config's "/"-separated folder path in the server's own hierarchy delimiter."""
        if CONFIG_SEPARATOR not in configured:
            return configured
        if self._delimiter is None:
            listing = client.list_folders("", "")
            delimiter = listing[0][1] if listing else None
            self._delimiter = delimiter.decode() if isinstance(delimiter, bytes) else (delimiter or "")
        if not self._delimiter or self._delimiter == CONFIG_SEPARATOR:
            return configured
        return configured.replace(CONFIG_SEPARATOR, self._delimiter)


def _reports_new_mail(responses) -> bool:
    """EXISTS (the message count grew) or RECENT > 0 among untagged responses."""
    for response in responses or ():
        if len(response) >= 2 and isinstance(response[0], int):
            if response[1] == b"EXISTS" or (response[1] == b"RECENT" and response[0] > 0):
                return True
    return False


def _uid_set(uids: Sequence[int]) -> str:
    """An IMAP sequence set for ascending UIDs, runs collapsed: [1, 2, 3, 7] -> "1:3,7"."""
    parts: list[str] = []
    start = previous = None
    for uid in uids:
        if previous is not None and uid == previous + 1:
            previous = uid
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}:{previous}")
        start = previous = uid
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}:{previous}")
    return ",".join(parts)


def _parse_uid_set(text: str) -> list[int]:
    uids: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        first, last = sorted((int(low), int(high or low)))
        uids.extend(range(first, last + 1))
    return uids


def _take_copyuid(client: IMAPClient) -> list:
    """The COPYUID answers (RFC 4315) imaplib has collected since the last call, removed from its store.

    imapclient does not hand response codes on; imaplib keeps them (tagged or
    untagged) in `untagged_responses` until a SELECT. Only used for logging.
    """
    responses = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    return (responses.pop("COPYUID", None) if isinstance(responses, dict) else None) or []


def _moved_uids(answers: list, uidplus: bool) -> list[int] | None:
    """Source UIDs named by COPYUID answers ("<uidvalidity> <source set> <destination set>").

    A UIDPLUS server answers a MOVE or COPY that moved anything with COPYUID,
    so no answer means nothing was there to move; None: the server cannot say.
    """
    if not answers:
        return [] if uidplus else None
    moved: list[int] = []
    for answer in answers:
        try:
            moved.extend(_parse_uid_set(_text(answer).split()[1]))
        except (IndexError, ValueError):
            return None
    return moved


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_text(item) for item in value)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(error: BaseException) -> str:
    """A short reason for a log line; imaplib messages carry server text: scrub it (ImapSource._describe)."""
    text = _text(error.args[0]) if error.args else ""
    if isinstance(error, _Transient):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _abandon(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:
        pass
