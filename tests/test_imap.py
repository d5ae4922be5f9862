"""ImapSource against a real Dovecot: logins, fetching, moving, IDLE, reconnects."""

from __future__ import annotations

import logging
import statistics
import threading
import time

import pytest

import servers
from resetdesk.errors import IntakeAuthError, IntakeConnectionError
from resetdesk.intake.imap import ImapSource
from resetdesk.intake.message import RawMessage

pytestmark = pytest.mark.servers


@pytest.fixture
def source_for(dovecot, desk_config):
    """make(**imap_overrides, limits=None, token_provider=None) -> ImapSource, closed after the test."""
    opened: list[ImapSource] = []

    def make(token_provider=None, limits=None, identity=None, client_id="", **imap):
        tables = {"limits": limits} if limits else {}
        config = desk_config(dovecot, identity, imap=imap, client_id=client_id, **tables)
        source = ImapSource(config, token_provider)
        opened.append(source)
        return source

    yield make
    for source in opened:
        source.close()


def _later(seconds: float, action) -> threading.Thread:
    def run():
        time.sleep(seconds)
        action()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------ logins


@pytest.mark.parametrize("security", ["plain", "starttls", "ssl"])
def test_password_login_over_each_transport(dovecot, source_for, security):
    port = dovecot.tls_port if security == "ssl" else dovecot.port
    uid = dovecot.append(servers.make_message(subject=f"over {security}"))
    source = source_for(security=security, port=port)
    messages = list(source.fetch_new())
    assert [(m.uid, m.mailbox) for m in messages] == [(str(uid), f"imap://{dovecot.user}@127.0.0.1/INBOX")]
    assert b"Subject: over " + security.encode() in messages[0].data


def test_tls_without_the_ca_file_is_refused_at_once(dovecot, source_for):
    source = source_for(security="ssl", port=dovecot.tls_port, ca_file="")
    started = time.monotonic()
    with pytest.raises(IntakeConnectionError, match="certificate not trusted"):
        list(source.fetch_new())
    assert time.monotonic() - started < 2.0   # not retried: waiting would not help


def test_a_missing_ca_file_is_a_config_error(dovecot, source_for, tmp_path):
    from resetdesk.errors import ConfigError

    with pytest.raises(ConfigError, match="imap.ca_file"):
        source_for(security="ssl", port=dovecot.tls_port, ca_file=str(tmp_path / "nope.pem"))


def test_wrong_password_is_an_auth_error_not_a_retry(dovecot, source_for, monkeypatch, caplog):
    source = source_for()
    monkeypatch.setenv("RESETDESK_IMAP_PASSWORD", "not-the-password")
    with pytest.raises(IntakeAuthError, match="AUTHENTICATIONFAILED"):
        list(source.fetch_new())
    assert "reconnecting" not in caplog.text
    assert "not-the-password" not in caplog.text


def test_xoauth2_with_an_msal_token_checked_by_dovecot(dovecot, identity, oauth_app, source_for, caplog):
    caplog.set_level(logging.DEBUG)
    client_id, secret = oauth_app
    dovecot.append(servers.make_message())
    source = source_for(auth="oauth", identity=identity, client_id=client_id)
    assert len(list(source.fetch_new())) == 1
    issued = identity.tokens_for(client_id)
    assert [t.scope for t in issued] == [servers.IMAP_SCOPE]
    # Dovecot really asked the identity stand-in about that token.
    assert identity.introspections == [{"known": True, "active": True, "email": dovecot.user,
                                        "scope": servers.IMAP_SCOPE, "client_id": client_id,
                                        "exp": int(issued[0].expires_at)}]
    assert issued[0].token not in caplog.text and secret not in caplog.text


class _FixedTokens:
    def __init__(self, token):
        self.token_value = token
        self.invalidated = []

    def token(self, scope=None):
        return self.token_value

    def invalidate(self, token):
        self.invalidated.append(token)


def test_xoauth2_with_a_wrong_token_is_refused(dovecot, identity, source_for):
    tokens = _FixedTokens("forged-token")
    source = source_for(auth="oauth", token_provider=tokens)
    with pytest.raises(IntakeAuthError, match="XOAUTH2"):
        list(source.fetch_new())
    assert tokens.invalidated == ["forged-token"]
    assert identity.introspections[-1] == {"known": False, "active": False}


def test_xoauth2_token_for_another_mailbox_is_refused(dovecot, identity, desk_config, monkeypatch):
    client_id, secret = identity.add_client(mailbox="other@example.test")
    monkeypatch.setenv("RESETDESK_CLIENT_SECRET", secret)
    source = ImapSource(desk_config(dovecot, identity, client_id=client_id, imap={"auth": "oauth"}))
    with pytest.raises(IntakeAuthError):
        list(source.fetch_new())


def test_xoauth2_temporary_failure_is_retried_not_an_auth_error(dovecot, identity, oauth_app, source_for, caplog):
    client_id, _secret = oauth_app
    # Introspection down twice: Dovecot answers NO [UNAVAILABLE], which a reconnect may cure.
    identity.add_route("POST", r"/introspect", lambda server, request, params: servers.HttpResponse(503), times=2)
    dovecot.append(servers.make_message())
    source = source_for(auth="oauth", identity=identity, client_id=client_id)
    with caplog.at_level(logging.WARNING, logger="resetdesk.intake"):
        assert len(list(source.fetch_new())) == 1
    assert caplog.text.count("reconnecting in") == 2
    assert "UNAVAILABLE" in caplog.text


def test_xoauth2_fetches_a_fresh_token_when_the_cached_one_is_refused(dovecot, identity, oauth_app, source_for):
    client_id, _secret = oauth_app
    first = source_for(auth="oauth", identity=identity, client_id=client_id)
    list(first.fetch_new())
    identity.expire_tokens(client_id)   # revoked server-side; msal still caches it
    second = source_for(auth="oauth", identity=identity, client_id=client_id)
    assert list(second.fetch_new()) == []
    assert len(identity.tokens_for(client_id)) == 2


# ------------------------------------------------------------------ fetching


def test_fetch_new_returns_oldest_first_and_never_sets_seen(dovecot, source_for):
    raws = [servers.make_message(subject=f"message {n}") for n in range(3)]
    uids = [dovecot.append(raw) for raw in raws]
    source = source_for()
    messages = list(source.fetch_new())
    assert [m.uid for m in messages] == [str(uid) for uid in uids]
    assert [m.data for m in messages] == raws
    assert [m.size for m in messages] == [len(raw) for raw in raws]
    assert len({m.uidvalidity for m in messages}) == 1 and messages[0].uidvalidity == dovecot.uidvalidity()
    flags = dovecot.folder_flags()
    assert set(flags) == set(uids)
    assert all(b"\\Seen" not in f for f in flags.values()), flags
    # Nothing moved yet: a second fetch sees the same mail again (the store dedupes).
    assert [m.uid for m in source.fetch_new()] == [m.uid for m in messages]


def test_fetch_new_reads_many_messages_in_batches(dovecot, source_for):
    with dovecot.client() as imap:
        for n in range(120):
            imap.append("INBOX", servers.make_message(subject=f"bulk {n:03d}"))
    messages = list(source_for().fetch_new())
    assert len(messages) == 120
    assert [int(m.uid) for m in messages] == sorted(int(m.uid) for m in messages)
    assert all(f"bulk {n:03d}".encode() in m.data for n, m in enumerate(messages))


def test_huge_message_comes_back_without_its_body(dovecot, source_for):
    small = dovecot.append(servers.make_message(subject="small"))
    huge_raw = servers.make_message(subject="huge", size=200_000)
    huge = dovecot.append(huge_raw)
    after = dovecot.append(servers.make_message(subject="after"))
    messages = list(source_for(limits={"max_message_bytes": 50_000}).fetch_new())
    assert [m.uid for m in messages] == [str(small), str(huge), str(after)]
    assert messages[1].data == b"" and messages[1].size == len(huge_raw)
    assert b"Subject: small" in messages[0].data and b"Subject: after" in messages[2].data
    assert b"\\Seen" not in dovecot.folder_flags()[huge]


def test_uidvalidity_change_is_logged_and_old_uids_are_not_trusted(dovecot, source_for, caplog):
    dovecot.append(servers.make_message(subject="before"), folder="Desk")
    source = source_for(folder="Desk")
    before = list(source.fetch_new())
    assert len(before) == 1
    with dovecot.client() as imap:
        imap.delete_folder("Desk")
        imap.create_folder("Desk")
    after_uid = dovecot.append(servers.make_message(subject="after"), folder="Desk")
    assert str(after_uid) == before[0].uid   # the UID was reused: only UIDVALIDITY tells them apart
    with caplog.at_level(logging.WARNING, logger="resetdesk.intake"):
        after = list(source.fetch_new())
    assert "UIDVALIDITY changed" in caplog.text
    assert len(after) == 1 and b"Subject: after" in after[0].data
    assert after[0].uidvalidity != before[0].uidvalidity
    # Moving the stale message must not move the new one that now has its UID.
    source.move(before[0], "answered")
    assert dovecot.folder_uids("Desk") == [after_uid]


# ------------------------------------------------------------------ moving


def test_move_creates_the_folders_and_really_moves(dovecot, source_for):
    for n in range(3):
        dovecot.append(servers.make_message(subject=f"to move {n}"))
    source = source_for()
    messages = list(source.fetch_new())
    for message, role in zip(messages, ("answered", "ignored", "needs_human"), strict=True):
        source.move(message, role)
    assert dovecot.folder_uids("INBOX") == []
    # The config's "/" is Dovecot's "." here.
    assert {"resetdesk.answered", "resetdesk.ignored", "resetdesk.needs-human"} <= set(dovecot.folders())
    for folder, _message in zip(("resetdesk.answered", "resetdesk.ignored", "resetdesk.needs-human"), messages,
                                strict=True):
        flags = dovecot.folder_flags(folder)
        assert len(flags) == 1
        assert all(b"\\Seen" not in f for f in flags.values())
    with dovecot.client() as imap:
        subscribed = {name for _f, _d, name in imap.list_sub_folders()}
        imap.select_folder("resetdesk.answered", readonly=True)
        body = next(iter(imap.fetch(imap.search("ALL"), ["BODY.PEEK[]"]).values()))[b"BODY[]"]
    assert "resetdesk.answered" in subscribed
    assert body == messages[0].data


def test_move_of_a_vanished_uid_is_harmless(dovecot, source_for, caplog):
    dovecot.append(servers.make_message())
    source = source_for()
    message = next(iter(source.fetch_new()))
    source.move(message, "answered")
    with caplog.at_level(logging.DEBUG, logger="resetdesk.intake"):
        source.move(message, "answered")
        source.move(RawMessage(source.name, "9999", b"", message.uidvalidity), "ignored")
    assert "already gone" in caplog.text
    assert len(dovecot.folder_uids("resetdesk.answered")) == 1
    with pytest.raises(ValueError):
        source.move(message, "trash")


def test_move_without_the_move_extension_copies_and_expunges(dovecot, source_for, monkeypatch):
    from imapclient import IMAPClient

    keep = dovecot.append(servers.make_message(subject="stays"))
    dovecot.append(servers.make_message(subject="goes"))
    source = source_for()
    messages = list(source.fetch_new())
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, name: name.upper() != "MOVE" and real(self, name))
    source.move(messages[1], "ignored")
    assert dovecot.folder_uids("INBOX") == [keep]
    assert len(dovecot.folder_uids("resetdesk.ignored")) == 1


def test_move_recreates_a_folder_deleted_behind_its_back(dovecot, source_for):
    for n in range(2):
        dovecot.append(servers.make_message(subject=f"n{n}"))
    source = source_for()
    first, second = list(source.fetch_new())
    source.move(first, "answered")
    with dovecot.client() as imap:
        imap.delete_folder("resetdesk.answered")
    source.move(second, "answered")   # the cached folder list is stale: TRYCREATE, create, retry
    assert len(dovecot.folder_uids("resetdesk.answered")) == 1
    assert dovecot.folder_uids("INBOX") == []


_COMMAND_METHODS = {"MOVE": ("move",), "COPY": ("copy",), "STORE": ("add_flags",),
                    "EXPUNGE": ("uid_expunge", "expunge"), "SEARCH": ("search",), "FETCH": ("fetch",),
                    "SELECT": ("select_folder",), "NOOP": ("noop",)}


def _count_commands(monkeypatch, *names):
    """How often the desk sends the IMAP commands `names` from now on (counted at imapclient's methods)."""
    from imapclient import IMAPClient

    counts = {name: 0 for name in names}
    for name in names:
        for method in _COMMAND_METHODS[name]:
            real = getattr(IMAPClient, method)

            def counted(self, *args, _real=real, _name=name, **kwargs):
                counts[_name] += 1
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(IMAPClient, method, counted)
    return counts


def test_move_many_is_one_uid_move_per_call(dovecot, source_for, monkeypatch):
    with dovecot.client() as imap:
        for n in range(30):
            imap.append("INBOX", servers.make_message(subject=f"batch {n}"))
    keep = dovecot.append(servers.make_message(subject="not in the batch"))
    source = source_for()
    messages = [m for m in source.fetch_new() if m.uid != str(keep)]
    counts = _count_commands(monkeypatch, "MOVE", "SEARCH", "SELECT")
    source.move_many(messages[:20], "answered")
    source.move_many(messages[20:], "ignored")
    assert counts == {"MOVE": 2, "SEARCH": 0, "SELECT": 0}
    assert dovecot.folder_uids("INBOX") == [keep]
    assert len(dovecot.folder_uids("resetdesk.answered")) == 20
    assert len(dovecot.folder_uids("resetdesk.ignored")) == 10
    source.move_many([], "answered")                      # nothing to do, no round trip
    assert counts["MOVE"] == 2


def test_move_many_with_vanished_uids_moves_the_rest(dovecot, source_for, caplog):
    for n in range(4):
        dovecot.append(servers.make_message(subject=f"v{n}"))
    source = source_for()
    messages = list(source.fetch_new())
    source.move(messages[0], "answered")                  # gone from this session's view
    never = RawMessage(source.name, "9999", b"", messages[0].uidvalidity)   # never existed
    with caplog.at_level(logging.DEBUG, logger="resetdesk.intake"):
        source.move_many([messages[0], never, *messages[1:3]], "answered")
    assert "already gone" in caplog.text
    assert dovecot.folder_uids("INBOX") == [int(messages[3].uid)]
    assert len(dovecot.folder_uids("resetdesk.answered")) == 3


def test_move_many_after_another_session_took_one(dovecot, source_for, caplog):
    """Dovecot refuses a MOVE naming a message another session expunged ([EXPUNGEISSUED]): the rest still go."""
    for n in range(3):
        dovecot.append(servers.make_message(subject=f"e{n}"))
    source = source_for()
    messages = list(source.fetch_new())
    with dovecot.client() as other:                       # a person's mail client files one away
        other.select_folder("INBOX")
        other.create_folder("Filed")
        other.move([int(messages[1].uid)], "Filed")
    with caplog.at_level(logging.DEBUG, logger="resetdesk.intake"):
        source.move_many(messages, "needs_human")
    assert "EXPUNGEISSUED" in caplog.text
    assert dovecot.folder_uids("INBOX") == []
    assert len(dovecot.folder_uids("resetdesk.needs-human")) == 2
    assert len(dovecot.folder_uids("Filed")) == 1


def test_move_many_without_the_move_extension_copies_and_expunges_the_set(dovecot, source_for, monkeypatch,
                                                                           caplog):
    from imapclient import IMAPClient

    for n in range(5):
        dovecot.append(servers.make_message(subject=f"c{n}"))
    keep = dovecot.append(servers.make_message(subject="stays"))
    source = source_for()
    messages = [m for m in source.fetch_new() if m.uid != str(keep)]
    source.move(messages[0], "ignored")                   # already gone when the set is copied
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, name: name.upper() != "MOVE" and real(self, name))
    counts = _count_commands(monkeypatch, "MOVE", "COPY", "STORE", "EXPUNGE")
    with caplog.at_level(logging.DEBUG, logger="resetdesk.intake"):
        source.move_many(messages, "ignored")
    assert counts == {"MOVE": 0, "COPY": 1, "STORE": 1, "EXPUNGE": 1}
    assert "already gone" in caplog.text
    assert dovecot.folder_uids("INBOX") == [keep]
    assert len(dovecot.folder_uids("resetdesk.ignored")) == 5     # each once: no duplicate copies
    assert all(b"\\Deleted" not in f for f in dovecot.folder_flags("resetdesk.ignored").values())


def test_move_many_skips_messages_from_another_uidvalidity(dovecot, source_for):
    dovecot.append(servers.make_message(subject="current"))
    source = source_for()
    [current] = list(source.fetch_new())
    stale = RawMessage(source.name, current.uid, b"", current.uidvalidity + 1)
    source.move_many([stale], "answered")
    assert dovecot.folder_uids("INBOX") == [int(current.uid)]
    source.move_many([stale, current], "answered")
    assert dovecot.folder_uids("INBOX") == []


def test_uid_set_collapses_runs():
    from resetdesk.intake.imap import _parse_uid_set, _uid_set

    assert _uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert _uid_set([5]) == "5" and _uid_set([]) == ""
    assert _parse_uid_set("1:3,7,10:9") == [1, 2, 3, 7, 9, 10]


# ------------------------------------------------------------------ waiting


def test_wait_is_true_before_the_first_fetch(dovecot, source_for):
    source = source_for()
    started = time.monotonic()
    assert source.wait(5) is True
    assert time.monotonic() - started < 1.0


def test_idle_wakes_soon_after_an_append(dovecot, source_for):
    source = source_for(poll_interval=30)
    latencies = []
    for run in range(4):
        list(source.fetch_new())
        appended_at = {}

        def append(run=run, appended_at=appended_at):
            dovecot.append(servers.make_message(subject=f"push {run}"))
            appended_at["t"] = time.monotonic()

        thread = _later(0.3, append)
        assert source.wait(10) is True
        woke_at = time.monotonic()
        thread.join()
        latencies.append(woke_at - appended_at["t"])
    median = statistics.median(latencies)
    print(f"\nIDLE wake latency after APPEND (s): {[round(x, 3) for x in latencies]}, median {median:.3f}")
    assert median < 1.5 and max(latencies) < 3.0


def test_idle_is_renewed_and_still_wakes(dovecot, source_for):
    source = source_for(poll_interval=0.4)   # IDLE re-issued every 1 s (the floor)
    list(source.fetch_new())
    thread = _later(1.6, lambda: dovecot.append(servers.make_message(subject="after a renewal")))
    started = time.monotonic()
    assert source.wait(6) is True
    thread.join()
    # At the latest by the renewal at 2 s: the NOOP before each IDLE finds what the DONE cut off.
    assert 1.6 <= time.monotonic() - started < 2.6


def test_wait_returns_false_after_the_timeout(dovecot, source_for):
    source = source_for()
    list(source.fetch_new())
    started = time.monotonic()
    assert source.wait(0.6) is False
    assert 0.55 <= time.monotonic() - started < 2.0


def test_mail_between_fetch_and_wait_is_not_missed(dovecot, source_for):
    source = source_for()
    list(source.fetch_new())
    dovecot.append(servers.make_message(subject="slipped in"))
    started = time.monotonic()
    assert source.wait(10) is True
    assert time.monotonic() - started < 1.0


def test_without_idle_wait_polls(dovecot, source_for):
    source = source_for(idle=False, poll_interval=0.4)
    list(source.fetch_new())
    started = time.monotonic()
    assert source.wait(10) is False
    assert 0.35 <= time.monotonic() - started < 1.5


# ------------------------------------------------------------------ reconnecting


@pytest.mark.parametrize("abrupt", [False, True], ids=["sigterm-bye", "sigkill-eof"])
def test_restart_during_idle_reconnects_and_fetches_the_backlog(dovecot, source_for, caplog, abrupt):
    dovecot.append(servers.make_message(subject="before"))
    source = source_for()
    before = list(source.fetch_new())
    for message in before:
        source.move(message, "answered")
    backlog = servers.make_message(subject="delivered while down")

    def restart():
        dovecot.stop(abrupt=abrupt)
        dovecot.deliver_to_maildir(backlog)
        dovecot.start()

    thread = _later(0.3, restart)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="resetdesk.intake"):
        woke = source.wait(20)
        thread.join()
        fetched = list(source.fetch_new())
    elapsed = time.monotonic() - started
    print(f"\nrestart during IDLE: woke after {elapsed:.2f}s")
    assert woke is True
    assert "reconnecting in" in caplog.text
    assert "IMAP reconnected to 127.0.0.1" in caplog.text
    assert [m.data for m in fetched] == [backlog]
    assert elapsed < 10


def test_fetch_waits_for_a_server_that_comes_back(dovecot, source_for, caplog):
    dovecot.append(servers.make_message(subject="queued"))
    source = source_for()
    list(source.fetch_new())
    dovecot.stop()
    thread = _later(0.8, dovecot.start)
    with caplog.at_level(logging.WARNING, logger="resetdesk.intake"):
        fetched = list(source.fetch_new())
    thread.join()
    assert [b"Subject: queued" in m.data for m in fetched] == [True]
    attempts = [r for r in caplog.records if "reconnecting in" in r.getMessage()]
    assert len(attempts) >= 2
    delays = [float(r.getMessage().split("reconnecting in ")[1].split("s")[0]) for r in attempts]
    assert delays == sorted(delays) and delays[0] == pytest.approx(0.1) and max(delays) <= 1.0


def test_fetch_gives_up_after_the_budget(dovecot, source_for):
    source = source_for(reconnect_give_up=1.0)
    list(source.fetch_new())
    dovecot.stop()
    started = time.monotonic()
    with pytest.raises(IntakeConnectionError, match="unreachable"):
        list(source.fetch_new())
    assert time.monotonic() - started < 3.0


def test_wait_with_the_server_down_returns_false_at_its_timeout(dovecot, source_for):
    source = source_for()
    list(source.fetch_new())
    dovecot.stop()
    started = time.monotonic()
    assert source.wait(1.5) is False
    assert 1.4 <= time.monotonic() - started < 3.0


def test_no_password_or_token_in_any_log(dovecot, identity, oauth_app, source_for, caplog):
    caplog.set_level(logging.DEBUG)   # imapclient's own protocol log included
    client_id, secret = oauth_app
    dovecot.append(servers.make_message())
    password_source = source_for()
    message = next(iter(password_source.fetch_new()))
    password_source.move(message, "answered")
    oauth_source = source_for(auth="oauth", identity=identity, client_id=client_id)
    list(oauth_source.fetch_new())
    token = identity.tokens_for(client_id)[0].token
    # imapclient's protocol log was captured, with both logins in it (redacted by imapclient).
    assert "LOGIN **REDACTED**" in caplog.text and "AUTHENTICATE **REDACTED**" in caplog.text
    for secret_text in (dovecot.password, token, secret):
        assert secret_text not in caplog.text
