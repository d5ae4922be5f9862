"""Replies sent with Microsoft Graph sendMail (MIME form), against the HTTPS stand-in (tests/servers.py)."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import time

import pytest

import servers
from resetdesk import config as config_module
from resetdesk.auth import TokenProvider
from resetdesk.responders.transport import GraphTransport, transport_for
from resetdesk.service import Desk
from test_service_maildir import DESK, RecordingClassifier, drop, make_mail, write_config

pytestmark = pytest.mark.servers

SEND_MAIL = r"/v1\.0/users/[^/]+/sendMail"


def graph_config(tmp_path, identity, client_id, **graph):
    path = write_config(
        tmp_path,
        oauth={"tenant_id": identity.tenant_id, "client_id": client_id, "authority": identity.authority,
               "ca_file": str(identity.ca_file)},
        graph={"send_mail": True, "base_url": identity.graph_url, "timeout": 10.0, **graph},
        smtp={"retry_initial_seconds": 0.0, "retry_max_seconds": 0.0})
    return config_module.load(path)


@pytest.fixture
def desk_mailbox(identity):
    identity.add_user("desk-user-id", DESK)
    return DESK


def send_calls(identity):
    return [r for r in identity.requests if r.method == "POST" and r.path.endswith("/sendMail")]


def sent_message(call) -> email.message.EmailMessage:
    assert isinstance(call.body, bytes), call.body
    return email.message_from_bytes(base64.b64decode(call.body, validate=True), policy=email.policy.default)


def one_row(desk):
    rows = desk.store.outbox_rows()
    assert len(rows) == 1, rows
    return rows[0]


def test_transport_for_chooses_graph_when_send_mail_is_on(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0])
    transport = transport_for(config)
    assert isinstance(transport, GraphTransport)
    assert transport.url == f"{identity.graph_url}/users/{DESK}/sendMail"
    off = config_module.load(write_config(tmp_path, graph={"send_mail": False}))
    assert not isinstance(transport_for(off), GraphTransport)


def test_reply_goes_out_through_graph_with_our_headers_and_only_once(tmp_path, identity, oauth_app, desk_mailbox,
                                                                     caplog):
    caplog.set_level(logging.DEBUG)
    config = graph_config(tmp_path, identity, oauth_app[0])
    desk = Desk(config)
    original_id = "<graph-1@contoso.no>"
    drop(desk.source.root, make_mail(message_id=original_id, sender="Anna <anna@contoso.no>",
                                     headers={"Reply-To": "mallory@evil.example"}))
    desk.run(once=True)

    assert len(identity.graph_calls) == 1
    call = identity.graph_calls[0]
    assert call.user == DESK and call.client_id == oauth_app[0]
    request = send_calls(identity)[0]
    assert request.headers["content-type"] == "text/plain"
    assert request.token is not None and request.token.scope == servers.GRAPH_SCOPE
    reply = sent_message(call)
    assert [a.addr_spec for a in reply["To"].addresses] == ["anna@contoso.no"]
    assert "mallory" not in str(reply)
    assert reply["In-Reply-To"] == original_id
    assert reply["References"].split()[-1] == original_id
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Resetdesk-Loop"] == DESK
    row = one_row(desk)
    assert row.status == "sent"
    assert reply["Message-ID"].strip() == f"<{row.message_id}>"
    # Neither the token nor the body is logged.
    assert request.token.token not in caplog.text
    assert request.body.decode()[:40] not in caplog.text

    drop(desk.source.root, make_mail(message_id=original_id))   # the same mail again
    desk.run(once=True)
    desk.deliver()
    assert len(send_calls(identity)) == 1
    desk.close()


def test_503_leaves_the_reply_queued_and_it_goes_out_later(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0])
    desk = Desk(config, classifier=RecordingClassifier())
    identity.add_route("POST", SEND_MAIL, lambda server, request, params: servers.graph_error(
        503, "ServiceUnavailable", "Service is busy.", {"Retry-After": "7"}), times=1)
    drop(desk.source.root, make_mail())
    desk.run(once=True)
    row = one_row(desk)
    assert row.status == "queued"
    assert row.attempts == 1
    assert "503" in row.last_error and "ServiceUnavailable" in row.last_error and "Retry-After 7" in row.last_error
    assert identity.graph_calls == []

    desk.deliver()
    assert one_row(desk).status == "sent"
    assert len(identity.graph_calls) == 1
    desk.close()


def test_429_is_transient_too(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0])
    desk = Desk(config, classifier=RecordingClassifier())
    identity.add_route("POST", SEND_MAIL, lambda server, request, params: servers.graph_error(
        429, "ApplicationThrottled", "Too many requests.", {"Retry-After": "2"}), times=1)
    drop(desk.source.root, make_mail())
    desk.run(once=True)
    row = one_row(desk)
    assert row.status == "queued" and "ApplicationThrottled" in row.last_error
    desk.close()


def test_400_marks_the_reply_failed_with_graphs_code(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0])
    desk = Desk(config, classifier=RecordingClassifier())
    identity.add_route("POST", SEND_MAIL, lambda server, request, params: servers.graph_error(
        400, "ErrorMimeContentInvalid", "The MIME content is invalid."), times=1)
    drop(desk.source.root, make_mail())
    desk.run(once=True)
    row = one_row(desk)
    assert row.status == "failed"
    assert "400" in row.last_error and "ErrorMimeContentInvalid" in row.last_error
    desk.deliver()
    assert len(send_calls(identity)) == 1     # failed for good: never tried again
    desk.close()


def test_401_is_retried_once_with_a_fresh_token(tmp_path, identity, oauth_app, desk_mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    client_id = oauth_app[0]
    config = graph_config(tmp_path, identity, client_id)
    stale = TokenProvider(config).token(servers.GRAPH_SCOPE)   # now in msal's per-process cache
    identity.expire_tokens(client_id)                          # refused by Graph, still cached
    desk = Desk(config, classifier=RecordingClassifier())
    drop(desk.source.root, make_mail())
    desk.run(once=True)

    calls = send_calls(identity)
    assert len(calls) == 2
    assert calls[0].bearer() == stale and calls[0].token is None
    assert calls[1].token is not None and calls[1].bearer() != stale
    assert len(identity.tokens_for(client_id)) == 2
    assert one_row(desk).status == "sent"
    assert len(identity.graph_calls) == 1
    assert stale not in caplog.text and calls[1].bearer() not in caplog.text
    desk.close()


def test_a_second_401_is_not_retried_again_and_the_reply_waits(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0])
    desk = Desk(config, classifier=RecordingClassifier())
    identity.add_route("POST", SEND_MAIL, lambda server, request, params: servers.graph_error(
        401, "InvalidAuthenticationToken", "Access token validation failure."), times=2)
    drop(desk.source.root, make_mail())
    desk.run(once=True)
    assert len(send_calls(identity)) == 2
    row = one_row(desk)
    assert row.status == "queued" and "InvalidAuthenticationToken" in row.last_error
    desk.close()


def test_no_answer_after_the_post_is_in_doubt_and_held(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0], timeout=0.5)
    desk = Desk(config, classifier=RecordingClassifier())

    def slow(server, request, params):
        time.sleep(2.0)
        return servers.HttpResponse(202)

    identity.add_route("POST", SEND_MAIL, slow, times=1)
    drop(desk.source.root, make_mail())
    desk.run(once=True)
    row = one_row(desk)
    assert row.status == "held" and "in doubt" in row.last_error
    desk.deliver()
    assert len(send_calls(identity)) == 1     # never resent blindly
    desk.close()


def test_unreachable_graph_is_transient_not_in_doubt(tmp_path, identity, oauth_app, desk_mailbox):
    config = graph_config(tmp_path, identity, oauth_app[0],
                          base_url=f"https://127.0.0.1:{servers.free_port()}/v1.0")
    desk = Desk(config, classifier=RecordingClassifier())
    drop(desk.source.root, make_mail())
    desk.run(once=True)
    row = one_row(desk)
    assert row.status == "queued" and "cannot connect" in row.last_error
    desk.close()
