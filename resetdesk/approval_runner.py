"""The approval runner: preflight received requests, carry out approved ones exactly once.

Runs in the service's loop between batches, outside every transaction (its
Graph calls and its one mail are network round trips), after the batch's
commit and before the deliverer's pass, so the mails it queues go out in the
same pass. Each step is one transaction in resetdesk/approvals.py.

Preflight (read-only Graph): resolve the account, check the requester's group
and own account, the account's roles, sync and state, and pick the approvers
(rules/preflight.py decides); then the request is opened (approvers mailed)
or refused (the requester told why). Graph unreachable: the request waits and
is tried again; a missing permission fails it, naming what to grant.

The action, for an approved request (one *attempt* at a time):

    1. `begin_attempt`: attempt n recorded (FULL commit)   -- crash: a new attempt
    2. Graph: TAP (or PATCH passwordProfile), then revoke  -- crash: a new attempt
       (the secret exists in this process's memory only)
    3. `secret_composed`: the mail rendered twice; the redacted copy stored
       as a `secret` outbox row, held (FULL)               -- crash: a new attempt
    4. `handed`: row `sending` (FULL), inside the transport's handoff, right
       before the server takes the bytes                   -- crash: in doubt
    5. the server took it; `executed` records it, queues the notice to the
       account and the outcome to the approvers            -- crash: in doubt

The approvers' mails follow the same discipline, because each carries a
one-time code that is stored only as a hash: stored without the code, held
for the runner, which draws the code (its hash committed first), renders the
mail again with it and hands it over. Killed before the handoff: a new code
next time (the old one reached nobody); after it: asked of the transport,
else held in doubt (the request can still be approved by another approver
or on the host). The requester's confirmation mail (sign-in confirmation:
its one-time link) is sent the same way.

A crash at 1-3 leaves a secret nobody has: on restart the action runs again,
and the new pass replaces the old one (earlier passes are deleted first) or
the new password the old one. A crash at 4-5 may have delivered the secret:
at startup `recover` asks the transport (the outbox Maildir can tell: sent,
or a new attempt), else the request goes `in_doubt`, held for a person
(`resetdesk approvals retry` after checking the mail server's log), never
re-executed blindly. A Graph change that timed out after it was sent is in
doubt the same way. The deliverer never touches `secret` rows: their stored
bytes are redacted; only this runner sends the real ones, from memory.

In a dry run (`graph.dry_run`, or no `oauth.client_id`) nothing is changed:
the requester's mail says so and holds no secret; it goes through the outbox.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any

from .approvals import LINK_MINUTES, ApprovalBook, ApprovalConflict, ApprovalRequest, State, dry_run
from .codes import new_password
from .config import Config
from .crashpoints import crash_point
from .deliver import ask_transport
from .errors import PermanentDeliveryError, StoreError, TransientDeliveryError
from .responders.approval_mail import ApprovalMailer
from .responders.graph import (GraphAmbiguous, GraphClient, GraphDenied, GraphError, GraphInDoubt, GraphNotFound,
                               GraphUnavailable, IssuedSecret, PasswordRejected)
from .responders.transport import DeliveryInDoubt, Transport, TransportUnavailable
from .rules.graph import Graph
from .rules.preflight import Refusal, account_addresses, eligible_approvers, screen_account
from .store import OutboxRow, OutboxStatus, Store

log = logging.getLogger("resetdesk.approvals")

DAY_MINUTES = 24 * 60
# The runner's mails that carry a one-time credential drawn at send time, and the state their request must be in.
DRAWN_MAILS = {"confirm": State.AWAITING_CONFIRMATION, "approval": State.PENDING}


class ApprovalRunner:
    """Preflights and executes requests; one per process, used from the service's thread."""

    def __init__(self, config: Config, store: Store, transport: Transport, book: ApprovalBook,
                 graph: GraphClient | None = None, transport_down: Callable[[], bool] = lambda: False,
                 stopping: Callable[[], bool] = lambda: False):
        self.config = config
        self.store = store
        self.transport = transport
        self.book = book
        self.graph = graph
        self.transport_down = transport_down
        self.stopping = stopping

    # -- the pass ----------------------------------------------------------------

    def recover(self) -> None:
        """At startup: settle the mails a previous process left mid-handoff (approval and secret mails)."""
        for request in self.book.requests([State.APPROVED]):
            if request.action_state == "handed":
                self._settle_handed(request)
        for kind in DRAWN_MAILS:
            for row in self.store.runner_rows(kind, OutboxStatus.SENDING):
                self._settle_approval_mail(row)

    def run(self) -> int:
        """Expire, preflight and execute what is due; returns how many requests moved."""
        moved = len(self.book.expire_due())
        try:
            for request in self.book.due(State.RECEIVED):
                if self.stopping():
                    return moved
                moved += self._guarded(self.preflight, request)
            self.send_approval_mails()
            for request in self.book.due(State.APPROVED):
                if self.stopping() or self.transport_down():
                    break        # no secret is made that could not be mailed now
                moved += self._guarded(self.execute, request)
        finally:
            if self.graph is not None:
                self.graph.close()   # like the deliverer's transport: no idle connection between passes
        return moved

    def _guarded(self, step: Callable[[ApprovalRequest], None], request: ApprovalRequest) -> int:
        try:
            step(request)
            return 1
        except StoreError:
            raise
        except ApprovalConflict as error:      # the CLI moved it meanwhile
            log.info("%s", error)
        except Exception as error:             # one request's trouble must not stop the desk
            log.error("request %s: %s failed: %s: %s", request.id, step.__name__, type(error).__name__, error,
                      exc_info=log.isEnabledFor(logging.DEBUG))
            self.book.postpone(request, f"{type(error).__name__}: {error}", self._backoff(request.attempts + 1))
        return 0

    def _backoff(self, attempt: int) -> float:
        smtp = self.config.smtp
        return float(min(smtp.retry_max_seconds, max(1.0, smtp.retry_initial_seconds) * 2 ** max(0, attempt - 1)))

    # -- preflight ---------------------------------------------------------------

    def preflight(self, request: ApprovalRequest) -> None:
        """received -> pending/awaiting_confirmation, refused or failed, after read-only lookups."""
        policy, approval = self.config.policy, self.config.approval
        user: dict[str, Any] | None
        if self.graph is None:
            # A dry run without an app registration: nothing can be looked up; record that.
            user = {"id": None, "userPrincipalName": request.target, "mail": request.target, "displayName": ""}
            self.book.audit("preflight_skipped", request, "desk", reason="dry run without Graph credentials")
            requester_id, candidates = None, list(policy.approvers)
        else:
            try:
                user = self.graph.user(request.target)
                if user is None:
                    return self.book.refuse(request, Refusal("unknown", f"no account {request.target}"))
                requester = self.graph.user(request.requester)
                requester_id = requester.get("id") if requester else None
                if policy.requester_group and request.requester not in policy.requesters and (
                        requester_id is None or not self.graph.is_member(requester_id, policy.requester_group)):
                    return self.book.refuse(request, Refusal(
                        "not_requester", f"{request.requester} is not in the requester group"))
                roles = self.graph.roles(str(user["id"]))
                target_count = self.store.count_requests("target_id", str(user["id"]), DAY_MINUTES,
                                                         exclude_states=(State.REFUSED,), exclude_id=request.id)
                refusal = screen_account(user, roles, requester_id, policy.protected, target_count,
                                         approval.max_per_target_per_day)
                if refusal is not None:
                    return self.book.refuse(request, refusal)
                candidates = list(policy.approvers)
                if policy.approver_group:
                    candidates += self.graph.group_member_addresses(policy.approver_group)
            except GraphAmbiguous as error:
                return self.book.refuse(request, Refusal("ambiguous", str(error)))
            except GraphDenied as error:
                log.error("request %s: %s", request.id, error)
                return self.book.fail(request, "permission", str(error))
            except GraphUnavailable as error:
                log.warning("request %s: preflight postponed: %s", request.id, error)
                return self.book.postpone(request, str(error), self._backoff(1))
            except GraphError as error:
                return self.book.fail(request, "graph", str(error))
        approvers = eligible_approvers(candidates, request.requester, account_addresses(user) | {request.target})
        if len(approvers) < request.required:
            return self.book.refuse(request, Refusal(
                "too_few_approvers", f"{len(approvers)} eligible approver(s), {request.required} required"))
        crash_point("approval_after_preflight")
        self.book.open(request, user, requester_id, approvers)
        log.info("request %s for %s: %s; asked %s", request.id, request.target, request.state, ", ".join(approvers))

    # -- mails sent from memory -------------------------------------------------

    def _send(self, row: OutboxRow, real: bytes, on_handoff: Callable[[], None]) -> tuple[str, str]:
        """Hand `real` (not the stored bytes) to the transport; (outcome, why).

        outcome: sent | not_sent (nothing left: a new code or secret may be
        drawn) | refused (for good) | down (the transport is unreachable) |
        in_doubt (it may have left: never sent again blindly).
        """
        handed = False

        def handoff() -> None:
            nonlocal handed
            on_handoff()
            handed = True

        try:
            self.transport.send(dataclasses.replace(row, raw=real), handoff)
        except TransportUnavailable as error:
            return "down", str(error)
        except DeliveryInDoubt as error:
            return "in_doubt", str(error)
        except PermanentDeliveryError as error:
            return "refused", str(error)
        except TransientDeliveryError as error:
            return "not_sent", str(error)    # before the handoff, or before the end of DATA
        except StoreError:
            raise
        except Exception as error:
            if handed:
                return "in_doubt", f"{type(error).__name__} during the handoff"
            return "not_sent", f"{type(error).__name__} before the handoff"
        return "sent", ""

    def _drawn(self, row: OutboxRow, request: ApprovalRequest) -> bytes:
        """The real bytes of a runner mail: a fresh code (approval) or link (confirm), its hash committed first."""
        if row.kind == "confirm":
            token = self.book.draw_link(request)
            try:
                return self.book.mailer.confirmation_request(request, token, LINK_MINUTES).raw
            finally:
                del token
        code = self.book.draw_code(request, row.recipient)
        try:
            return self.book.mailer.approval_request(request, row.recipient, code).raw
        finally:
            del code

    def send_approval_mails(self) -> int:
        """Each approval or confirmation mail waiting for the runner: a fresh code or link, its hash committed,
        the mail handed over."""
        sent = 0
        rows = sorted((row for kind in DRAWN_MAILS for row in self.store.runner_rows(kind, OutboxStatus.HELD)),
                      key=lambda row: row.id)
        try:
            for row in rows:
                if self.stopping() or self.transport_down():
                    break
                request = self.book.get(row.request_id or "")
                if request is None or request.state != DRAWN_MAILS[row.kind]:
                    self.store.mark_failed(row.id, f"not sent: the request is {request.state if request else 'gone'}")
                    continue
                real = self._drawn(row, request)
                crash_point("approval_mail_before_handoff")
                outcome, why = self._send(row, real, functools.partial(self.store.mark_runner_sending, row.id))
                del real
                if outcome == "sent":
                    crash_point("approval_mail_after_send")
                    self.store.mark_sent(row.id)
                    sent += 1
                elif outcome == "down":
                    log.warning("%s; approval mails wait", why)
                    break
                elif outcome == "not_sent":
                    if self.store.outbox(row.id).status == OutboxStatus.SENDING:
                        self.store.back_to_runner(row.id, why)
                    log.warning("%s mail %s to %s not sent (%s): a new code or link next pass", row.kind, row.id,
                                row.recipient, why)
                    break
                elif outcome == "refused":
                    self.store.mark_failed(row.id, why)
                else:
                    self._hold_in_doubt(row, why)
        finally:
            self.transport.close()
        return sent

    def _hold_in_doubt(self, row: OutboxRow, why: str) -> None:
        if row.kind == "confirm":
            keep = "its link is not kept: the request expires unless the requester confirms with the mail that left"
        else:
            keep = "its code is not kept: the request can still be approved by another approver or on the host"
        self.store.hold(row.id, f"in doubt: {why}; not resent ({keep})", event="delivery_in_doubt")
        log.warning("%s mail %s to %s is in doubt (%s): held, not resent", row.kind, row.id, row.recipient, why)

    def _settle_approval_mail(self, row: OutboxRow) -> None:
        confirmed = ask_transport(self.transport, row)
        why = "the desk stopped between handing the approval mail over and recording it"
        if confirmed is True:
            self.store.mark_sent(row.id)
        elif confirmed is False:
            self.store.back_to_runner(row.id, f"{why}; {self.transport.name} does not have it")
        else:
            self._hold_in_doubt(row, why)

    # -- the action --------------------------------------------------------------

    def execute(self, request: ApprovalRequest) -> None:
        """One attempt at an approved request (the module docstring's steps 1-5)."""
        if request.action_state == "handed":
            return self._settle_handed(request)
        if request.attempts >= self.config.smtp.max_attempts:
            return self.book.fail(request, "graph", f"gave up after {request.attempts} attempts")
        live = not (request.dry_run or dry_run(self.config)) and self.graph is not None
        attempt = self.book.begin_attempt(request)
        crash_point("approval_before_action")
        if not live:
            self.book.dry_run_done(request)
            log.info("request %s: dry run: nothing changed, %s told", request.id, request.requester)
            return
        secret: IssuedSecret | None = None
        try:
            secret = self._reset(request, attempt)
        except GraphDenied as error:
            log.error("request %s: %s", request.id, error)
            return self.book.fail(request, "permission", str(error))
        except GraphNotFound as error:
            return self.book.fail(request, "unknown", str(error))
        except GraphInDoubt as error:
            return self.book.in_doubt(request, None, str(error))
        except GraphUnavailable as error:
            log.warning("request %s: Graph unavailable, trying again later: %s", request.id, error)
            return self.book.postpone(request, str(error), self._backoff(attempt))
        except GraphError as error:
            return self.book.fail(request, "graph", str(error))
        try:
            self._finish(request, attempt, secret)
        finally:
            del secret

    def _reset(self, request: ApprovalRequest, attempt: int) -> IssuedSecret:
        assert self.graph is not None and request.target_id
        approval = self.config.approval
        if request.method == "tap":
            if attempt > 1:
                # A pass from an earlier attempt reached nobody: it goes before the new one is made.
                self.graph.delete_temporary_access_passes(request.target_id)
            return self.graph.create_temporary_access_pass(request.target_id, approval.tap_lifetime_minutes)
        for tries in (1, 2):
            password = new_password(approval.password_length)
            try:
                self.graph.set_password(request.target_id, password, with_mfa=approval.require_mfa_on_change)
                return IssuedSecret(password, "password", None)
            except PasswordRejected:
                if tries == 2:
                    raise
                log.info("request %s: the directory refused a generated password; one more", request.id)
            finally:
                del password
        raise AssertionError("unreachable")

    def _finish(self, request: ApprovalRequest, attempt: int, secret: IssuedSecret) -> None:
        crash_point("approval_after_graph")
        revoked = None
        if self.config.approval.revoke_sessions:
            try:
                assert self.graph is not None and request.target_id
                self.graph.revoke_sessions(request.target_id)
                revoked = True
            except GraphError as error:
                # The account is recoverable all the same; the approvers learn it from the audit.
                revoked = False
                log.warning("request %s: sign-in sessions not revoked: %s", request.id, error)
        crash_point("approval_after_revoke")
        recipient = request.requester
        if recipient in request.target_addresses or recipient in request.approvers:
            raise AssertionError("the secret goes to the requester only")   # preflight made this impossible
        stored, real = self.book.mailer.secret_mail(request, secret, to=recipient, attempt=attempt)
        row_id = self.book.secret_composed(request, stored, secret.kind, revoked)
        crash_point("approval_after_compose")

        def handoff() -> None:
            self.book.handed(request, row_id)
            crash_point("approval_after_handoff")

        try:
            outcome, why = self._send(self.store.outbox(row_id), real, handoff)
        finally:
            del real
            self.transport.close()
        if outcome == "sent":
            crash_point("approval_after_send")
            self.book.executed(request, row_id)
            log.info("request %s: %s for %s sent to %s (attempt %d)", request.id, secret.kind, request.target_upn,
                     recipient, attempt)
        elif outcome == "in_doubt":
            self.book.in_doubt(request, row_id, why)
        elif outcome == "refused":
            self.book.superseded(request, row_id, why)
            self.book.fail(request, "mail", f"the mail server refused the secret mail: {why}")
        else:
            # Not taken: the secret reached nobody; a new attempt (a new secret) after a while.
            self.book.superseded(request, row_id, why)
            self.book.postpone(request, why, self._backoff(attempt))

    def _settle_handed(self, request: ApprovalRequest) -> None:
        """A secret mail left `sending` by a stopped process: ask the transport, else hold it; never resend."""
        row = self.store.outbox(request.outbox_id) if request.outbox_id else None
        if row is None or row.status != OutboxStatus.SENDING:
            return self.book.in_doubt(request, row.id if row else None, "the secret mail's state is unknown")
        confirmed = ask_transport(self.transport, row)
        why = "the desk stopped between handing the secret mail over and recording it"
        if confirmed is True:
            self.book.executed(request, row.id)
        elif confirmed is False:
            self.book.superseded(request, row.id, f"{why}; {self.transport.name} does not have it")
        else:
            self.book.in_doubt(request, row.id, why)


def wire(config: Config, store: Store, transport: Transport, graph: Graph, *,
         transport_down: Callable[[], bool] = lambda: False,
         stopping: Callable[[], bool] = lambda: False) -> tuple[ApprovalBook, ApprovalRunner]:
    """The approval flow's parts for one desk (service.py calls this once)."""
    book = ApprovalBook(config, store, ApprovalMailer(config, graph))
    client = GraphClient(config) if config.oauth.client_id else None
    return book, ApprovalRunner(config, store, transport, book, client, transport_down, stopping)
