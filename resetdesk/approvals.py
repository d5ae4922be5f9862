"""Admin-approved resets: the request state machine, its codes and its votes.

One request per account named in an authorised, verified reset mail:

    received --(preflight: Graph lookups)--> pending | awaiting_confirmation | refused | failed
    awaiting_confirmation --(the requester signs in with MFA)--> pending;  or expired, denied
    pending --(enough distinct approvers)--> approved;  or denied, expired, locked
    approved --(the runner: reset, secret mail handed over)--> executed;  or failed, in_doubt
    in_doubt --(a person: it never left)--> approved (a new attempt);  or executed (it did leave)

`received` (stored before the Graph lookups, so a crash between the mail's
commit and the lookups loses nothing), `refused` (a request the desk will not
make: the record of a refusal) and `in_doubt` (the secret mail may or may not
have left: held for a person) are the states this flow adds to the issue's
list. Every transition is a guarded UPDATE (`WHERE state = <expected>`), so
the service and the CLI, in two processes, can never both move a request,
and each is an audit event `request_<state>` with who (`by`) and when (`at`).

Approvals (Mailman's `confirm <token>`, Salmon's confirm.py): each approver
gets a one-time code of their own (resetdesk/codes.py: random, no look-alike
characters, stored only as a salted hash, valid `approval.ttl_minutes`). A
code counts only when it comes from a verified approver, is that approver's
own, unspent and unexpired, for a request still pending, and the approver is
neither the requester nor the account. Anything else changes nothing, is
recorded (`approval_rejected`), counts toward `approval.max_wrong_codes`
(which locks the request), and is answered only when the sender is a
verified approver. `approval.required` distinct approvers must approve; one
denial ends it. With `policy.verification = "exchange-online"` no codes are
mailed at all: a mailed command proves only that someone in the tenant sent
it, so approvals come from approvers signed in on the console or from the
host's CLI. The console, the CLI and mail all decide through `vote` /
`vote_by_mail`; `obstacle` is the one statement of who may decide what.

Sign-in confirmation (exchange-online, or `policy.require_signin_confirmation`):
after preflight a request waits in awaiting_confirmation, and the requester
gets a mail with a one-time link (`draw_link`: random, its SHA-256 only is
stored, good once for LINK_MINUTES and never past the request's expiry),
drawn by the runner right before the mail is handed over, like a code. The
link opens a page on the console; the requester signs in with Entra ID, and
`confirm_by_link` spends the link and moves the request to pending only when
the ID token is this tenant's, names the user Graph resolved for the From
address (`requester_id`), and shows MFA (the console has checked its
signature and freshness). Opening the link changes nothing.

This module writes the store and queues mail; it never calls Graph and never
sends: resetdesk/approval_runner.py does the Graph work and the one secret
mail, calling back here for every state change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from collections.abc import Iterable
from typing import Any

from . import codes
from .config import Config
from .errors import ResetdeskError
from .intake.message import InboundMail
from .responders import compose
from .responders.approval_mail import ApprovalMailer, Mail
from .rules.commands import Command
from .rules.decision import Decision
from .rules.preflight import Refusal, screen_targets
from .store import RUNNER_HELD, RUNNER_KINDS, OutboxStatus, Store, timestamp

log = logging.getLogger("resetdesk.approvals")

SCENARIO = "admin_reset"
DAY_MINUTES = 24 * 60
LINK_MINUTES = 30          # a requester's confirmation link works this long (and never past the request's expiry)


class State(StrEnum):
    """A request's state; see the module docstring for the machine."""

    RECEIVED = "received"
    REFUSED = "refused"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    LOCKED = "locked"
    EXECUTED = "executed"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"


TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.RECEIVED: (State.PENDING, State.AWAITING_CONFIRMATION, State.REFUSED, State.FAILED),
    State.AWAITING_CONFIRMATION: (State.PENDING, State.EXPIRED, State.DENIED),
    State.PENDING: (State.APPROVED, State.DENIED, State.EXPIRED, State.LOCKED),
    State.APPROVED: (State.EXECUTED, State.FAILED, State.IN_DOUBT),
    State.IN_DOUBT: (State.APPROVED, State.EXECUTED),
}
FINAL = (State.REFUSED, State.DENIED, State.EXPIRED, State.LOCKED, State.EXECUTED, State.FAILED)
# Limits count every request that was not refused outright.
COUNTED = tuple(s for s in State if s != State.REFUSED)


class ApprovalError(ResetdeskError):
    """A request cannot do what was asked (unknown, wrong state, not an approver)."""


class ApprovalConflict(ApprovalError):
    """Someone else (the service or the CLI) moved the request first."""


def dry_run(config: Config) -> bool:
    """Whether resets change nothing: `graph.dry_run`, or no app registration configured at all."""
    return bool(config.graph.dry_run or not config.oauth.client_id)


def mailed_codes(config: Config) -> bool:
    """Whether approvers approve by mailed codes (never in exchange-online mode)."""
    return config.policy.verification != "exchange-online"


def signin_confirmation(config: Config) -> bool:
    """Whether requests wait for the requester's sign-in (exchange-online, or policy.require_signin_confirmation)."""
    return config.policy.verification == "exchange-online" or config.policy.require_signin_confirmation


def link_hash(token: str) -> str:
    """What is stored of a confirmation link's token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class ApprovalRequest:
    """One request as stored, with its JSON columns decoded and its approvals read."""

    id: str
    message_key: str
    state: str
    requester: str
    target: str
    language: str = "en"
    method: str = "tap"
    requester_id: str | None = None
    target_id: str | None = None
    target_upn: str | None = None
    target_name: str | None = None
    target_mail: str | None = None
    why: dict[str, Any] = field(default_factory=dict)
    verification: str = ""
    approvers: list[str] = field(default_factory=list)
    required: int = 1
    wrong_codes: int = 0
    attempts: int = 0
    action_state: str = ""
    outbox_id: int | None = None
    dry_run: bool = False
    reason: str | None = None
    detail: str | None = None
    decided_by: str | None = None
    origin_message_id: str | None = None
    retry_at: str | None = None
    created: str = ""
    updated: str = ""
    expires_at: str | None = None
    decided_at: str | None = None
    executed_at: str | None = None
    approved_by: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict[str, Any], votes: Iterable[dict[str, Any]] = ()) -> ApprovalRequest:
        """A request from its stored row and its votes."""
        values: dict[str, Any] = {name: row.get(name) for name in cls.__dataclass_fields__ if name in row}
        values["why"] = json.loads(row.get("why") or "{}")
        values["approvers"] = json.loads(row.get("approvers") or "[]")
        values["dry_run"] = bool(row.get("dry_run"))
        values["action_state"] = row.get("action_state") or ""
        request = cls(**values)
        request.approved_by = [v["approver"] for v in votes if v["vote"] == "approve"]
        return request

    @property
    def target_addresses(self) -> set[str]:
        """Every address of the account to recover (as named, its UPN, its mail), lower-cased."""
        return {a.lower() for a in (self.target, self.target_upn, self.target_mail) if a}


@dataclass
class Intake:
    """Decide time: the requests one mail makes (ids drawn, not yet stored) and the accounts refused."""

    requests: list[ApprovalRequest] = field(default_factory=list)
    refused: list[tuple[str, Refusal]] = field(default_factory=list)


@dataclass
class Answer:
    """What one approval command did; `reply` when the sender is a verified approver who may hear back."""

    request_id: str
    result: str            # approved, approval_recorded, denied, wrong_code, reused, expired, not_allowed, ...
    state: str = ""
    target: str = ""
    required: int = 1
    approvals: int = 0
    reply: bool = False

    @property
    def changed(self) -> bool:
        """Whether the command changed the request (an approval counted, or a denial)."""
        return self.result in ("approved", "approval_recorded", "denied")


@dataclass(frozen=True)
class Obstacle:
    """Why someone cannot decide a request now: the text to show, and the audit reason (empty: not recorded)."""

    text: str
    audit: str = ""


class ApprovalBook:
    """The requests in the store: create, open, vote, expire, and the action's bookkeeping."""

    def __init__(self, config: Config, store: Store, mailer: ApprovalMailer):
        self.config = config
        self.store = store
        self.mailer = mailer

    # -- reading ------------------------------------------------------------------

    def get(self, request_id: str) -> ApprovalRequest | None:
        """The request `request_id` (case and blanks forgiven), or None."""
        row = self.store.request(request_id.strip().upper())
        return ApprovalRequest.from_row(row, self.store.votes(row["id"])) if row else None

    def requests(self, states: Iterable[str] | None = None, limit: int | None = None) -> list[ApprovalRequest]:
        """Requests in `states` (default: all), newest first (the newest `limit`)."""
        if states is None:
            rows = self.store.requests(order="created DESC", limit=limit)
        else:
            states = tuple(states)
            rows = self.store.requests(f"state IN ({', '.join('?' for _ in states)})", list(states),
                                       order="created DESC", limit=limit)
        return [ApprovalRequest.from_row(row, self.store.votes(row["id"])) for row in rows]

    def due(self, state: str) -> list[ApprovalRequest]:
        """Requests in `state` whose retry time (if any) has come, oldest first."""
        now = timestamp(self.store.now())
        rows = self.store.requests("state = ? AND (retry_at IS NULL OR retry_at <= ?)", [state, now])
        return [ApprovalRequest.from_row(row, self.store.votes(row["id"])) for row in rows]

    # -- the audit and the outbox ------------------------------------------------------

    def audit(self, event: str, request: ApprovalRequest, by: str, **detail: Any) -> None:
        """One audit event about `request`, with who did it."""
        self.store.audit(event, message_key=request.message_key, sender=request.requester, scenario=SCENARIO,
                         request_id=request.id, target=request.target_upn or request.target, by=by, **detail)

    def queue(self, mail: Mail, kind: str, request: ApprovalRequest) -> int:
        """One outbox row: for the deliverer, or (approval, secret) stored redacted for the runner to send."""
        envelope_from = "" if self.config.smtp.null_sender else self.config.desk_address()
        runner = kind in RUNNER_KINDS
        row = self.store.queue(message_key=request.message_key, kind=kind, recipient=mail.recipient,
                               envelope_from=envelope_from, message_id=mail.message_id, raw=mail.raw,
                               template=mail.template, request_id=request.id,
                               status=OutboxStatus.HELD if runner else OutboxStatus.QUEUED,
                               last_error=RUNNER_HELD if runner else None)
        self.audit(f"{kind}_queued", request, "desk", outbox_id=row, to=mail.recipient, message_id=mail.message_id)
        return row

    def _move(self, request: ApprovalRequest, to: str, *, by: str, event_detail: dict[str, Any] | None = None,
              **columns: Any) -> None:
        """One transition: guarded by the state the caller saw, recorded as request_<to>."""
        if to not in TRANSITIONS.get(request.state, ()):
            raise ApprovalError(f"{request.id} is {request.state}: it cannot become {to}")
        if not self.store.update_request(request.id, (request.state,), state=to, **columns):
            raise ApprovalConflict(f"{request.id} changed meanwhile: it is no longer {request.state}")
        self.audit(f"request_{to}", request, by, previous=request.state, **(event_detail or {}))
        request.state = to
        for name, value in columns.items():
            if name in ("approvers", "why"):        # JSON columns: the caller set the decoded value
                continue
            if hasattr(request, name):
                setattr(request, name, bool(value) if name == "dry_run" else value)

    def _notify_end(self, request: ApprovalRequest, *, requester: bool = True, approvers: bool = True) -> None:
        """A request that ended: the requester and the approvers asked are told (refusals only the requester)."""
        if requester:
            self.queue(self.mailer.mail("status", request, to=request.requester, kind="outcome",
                                        key=f"status-{request.state}"), "outcome", request)
        if approvers:
            for approver in request.approvers:
                self.queue(self.mailer.mail("outcome", request, to=approver, kind="outcome",
                                            key=f"outcome-{request.state}-{request.attempts}"), "outcome", request)

    # -- decide time (inside the deciding transaction) -----------------------------------

    def screen(self, mail: InboundMail, decision: Decision) -> Intake:
        """The requests a reset mail makes, and the accounts refused at once (no Graph: decide time)."""
        approval, policy = self.config.approval, self.config.policy
        requester = mail.from_addr
        targets = list(dict.fromkeys(t.lower() for t in decision.targets))
        screen = screen_targets(
            targets, requester, policy.protected,
            requester_count=self.store.count_requests("requester", requester, DAY_MINUTES,
                                                      exclude_states=(State.REFUSED,)),
            target_counts={t: self.store.count_requests("target", t, DAY_MINUTES, exclude_states=(State.REFUSED,))
                           for t in targets},
            max_per_requester=approval.max_per_requester_per_day, max_per_target=approval.max_per_target_per_day)
        why = self.explain(mail, decision)
        language = decision.language if decision.language in ("nb", "en") else "en"
        intake = Intake(refused=list(screen.refused))
        for target in screen.accepted:
            intake.requests.append(ApprovalRequest(
                id=codes.new_request_id(), message_key=mail.key, state=State.RECEIVED, requester=requester,
                target=target, language=language, method=approval.method, why=why,
                verification=str(decision.facts.get("verification", "")), required=approval.required,
                dry_run=dry_run(self.config), origin_message_id=mail.message_id or None))
        return intake

    def explain(self, mail: InboundMail, decision: Decision) -> dict[str, Any]:
        """What approvers are shown of the decision: the facts that held, the rules that fired, the verification."""
        evidence = decision.facts.get("evidence") or {}
        facts = [f"{name} (\u201c{evidence[name]}\u201d)" if name in evidence else name
                 for name, value in sorted(decision.facts.items())
                 if value is True and name not in ("requester_listed", "sender_verified")]
        return {"subject": compose.header_text(mail.subject, 200),
                "rules": [{"name": r.name, "description": r.description} for r in decision.rules],
                "facts": facts, "verification": str(decision.facts.get("verification", "")),
                "listed": mail.from_addr in self.config.policy.requesters}

    def register(self, intake: Intake, mail: InboundMail) -> list[str]:
        """Store the mail's requests (received) and refusals (refused); inside the deciding transaction."""
        results = []
        for request in intake.requests:
            self._insert(request)
            self.audit("request_received", request, request.requester, dry_run=request.dry_run)
            results.append(f"request {request.id} received")
        for target, refusal in intake.refused:
            if not target:
                self.store.audit("request_refused", message_key=mail.key, sender=mail.from_addr, scenario=SCENARIO,
                                 by="desk", reason=refusal.reason, detail=refusal.detail)
                results.append(f"refused: {refusal.reason}")
                continue
            refused = ApprovalRequest(id=codes.new_request_id(), message_key=mail.key, state=State.REFUSED,
                                      requester=mail.from_addr, target=target, reason=refusal.reason,
                                      detail=refusal.detail, origin_message_id=mail.message_id or None)
            self._insert(refused)
            self.audit("request_refused", refused, "desk", reason=refusal.reason, detail=refusal.detail)
            results.append(f"{target} refused: {refusal.reason}")
        return results

    def _insert(self, request: ApprovalRequest) -> None:
        self.store.add_request({
            "id": request.id, "message_key": request.message_key, "state": request.state,
            "requester": request.requester, "target": request.target, "language": request.language,
            "method": request.method, "why": json.dumps(request.why, ensure_ascii=False, sort_keys=True),
            "verification": request.verification, "approvers": "[]", "required": request.required,
            "wrong_codes": 0, "attempts": 0, "action_state": "", "dry_run": int(request.dry_run),
            "reason": request.reason, "detail": request.detail, "origin_message_id": request.origin_message_id,
        })

    # -- preflight results (the runner, after its Graph lookups) ----------------------------

    def refuse(self, request: ApprovalRequest, refusal: Refusal, by: str = "desk") -> None:
        """received -> refused; the requester is told why and where the article's way is."""
        with self.store.transaction():
            self._move(request, State.REFUSED, by=by, reason=refusal.reason, detail=refusal.detail,
                       event_detail={"reason": refusal.reason, "detail": refusal.detail})
            self._notify_end(request, approvers=False)

    def fail(self, request: ApprovalRequest, reason: str, detail: str, by: str = "desk") -> None:
        """-> failed (Graph refused for good, or the app lacks a permission); everyone asked is told."""
        with self.store.transaction():
            self._move(request, State.FAILED, by=by, reason=reason, detail=detail, action_state="",
                       event_detail={"reason": reason, "detail": detail})
            self._notify_end(request)

    def postpone(self, request: ApprovalRequest, error: str, seconds: float) -> None:
        """Graph unreachable or throttled: try this request again after `seconds`; nothing changed."""
        at = timestamp(self.store.now() + timedelta(seconds=seconds))
        with self.store.transaction():
            self.store.update_request(request.id, (request.state,), retry_at=at)
            self.audit("request_postponed", request, "desk", error=error, retry_at=at)

    def open(self, request: ApprovalRequest, user: dict[str, Any], requester_id: str | None,
             approvers: list[str]) -> None:
        """received -> pending (approvers asked) or awaiting_confirmation (the requester signs in first)."""
        expires = timestamp(self.store.now() + timedelta(minutes=self.config.approval.ttl_minutes))
        columns = {"target_id": user.get("id"), "target_upn": user.get("userPrincipalName"),
                   "target_name": user.get("displayName"), "target_mail": user.get("mail"),
                   "requester_id": requester_id, "approvers": json.dumps(approvers), "expires_at": expires,
                   "retry_at": None}
        with self.store.transaction():
            request.approvers = approvers
            if signin_confirmation(self.config):
                self._move(request, State.AWAITING_CONFIRMATION, by="desk", event_detail={"approvers": approvers},
                           **columns)
                # The requester's mail, stored without its link: the runner draws the link when it sends it.
                self.queue(self.mailer.confirmation_request(request, None, LINK_MINUTES), "confirm", request)
                return
            self._move(request, State.PENDING, by="desk", event_detail={"approvers": approvers}, **columns)
            self._ask(request, expires)

    def _ask(self, request: ApprovalRequest, expires: str) -> None:
        """A mail to each approver, stored without its code: the runner draws the code when it sends it."""
        for approver in request.approvers:
            self.queue(self.mailer.approval_request(request, approver, None), "approval", request)

    def draw_code(self, request: ApprovalRequest, approver: str) -> str | None:
        """A fresh one-time code for `approver`, its hash committed (FULL) before the mail leaves; None without codes.

        Drawn again only for a mail that never left, so the code it replaces
        reached nobody.
        """
        if not mailed_codes(self.config):
            return None
        code = codes.new_code()
        with self.store.transaction():
            self.store.set_code(request.id, approver, codes.hash_code(code), request.expires_at or "")
        return code

    def confirm_signin(self, request_id: str, claims: dict[str, Any], *, via: str = "sign-in") -> ApprovalRequest:
        """awaiting_confirmation -> pending: the requester signed in (Entra ID, this tenant, MFA).

        `claims` are the ID token's, validated by whoever received it (the
        console): tid must be this tenant, oid the requester's object id, and
        amr must hold "mfa" (or acrs the configured authentication context,
        web.auth_context).
        """
        request = self._require(request_id)
        if request.state != State.AWAITING_CONFIRMATION:
            raise ApprovalError(f"{request.id} is {request.state}, not awaiting confirmation")
        if str(claims.get("tid", "")).lower() != self.config.oauth.tenant_id.lower():
            raise ApprovalError("the sign-in is from another tenant")
        if not request.requester_id or claims.get("oid") != request.requester_id:
            raise ApprovalError("the sign-in is not the requester's")
        context = self.config.web.auth_context
        if "mfa" not in (claims.get("amr") or ()) and not (context and context in (claims.get("acrs") or ())):
            raise ApprovalError("the sign-in did not use MFA")
        expires = timestamp(self.store.now() + timedelta(minutes=self.config.approval.ttl_minutes))
        with self.store.transaction():
            self._move(request, State.PENDING, by=request.requester, expires_at=expires,
                       event_detail={"confirmed_by": via, "oid": claims.get("oid")})
            self._ask(request, expires)
        return request

    def draw_link(self, request: ApprovalRequest) -> str:
        """A fresh one-time confirmation token for `request`, its hash committed (FULL) before the mail leaves.

        Drawn again only for a mail that never left: the token it replaces
        reached nobody.
        """
        token = secrets.token_urlsafe(32)
        until = self.store.now() + timedelta(minutes=LINK_MINUTES)
        expires = timestamp(until)
        if request.expires_at and request.expires_at < expires:
            expires = request.expires_at
        with self.store.transaction():
            self.store.set_link(request.id, link_hash(token), expires)
        return token

    def by_link(self, token: str) -> tuple[ApprovalRequest | None, str]:
        """The request a confirmation link names and whether it can still confirm it: (request, problem or "")."""
        row = self.store.link(link_hash(token)) if token else None
        if row is None:
            return None, "This link is unknown. Use the newest link the help desk mailed you."
        request = self.get(row["request_id"])
        if request is None:
            return None, "This link is unknown. Use the newest link the help desk mailed you."
        if row["used_at"] is not None:
            return request, "This link was used already: a link works once."
        if row["expires_at"] <= timestamp(self.store.now()):
            return request, f"This link has expired: a link works for {LINK_MINUTES} minutes."
        if request.state != State.AWAITING_CONFIRMATION:
            return request, f"This request is {request.state.replace('_', ' ')}: there is nothing to confirm."
        if not request.requester_id:
            return request, "The desk could not look up your account, so a sign-in cannot confirm this request."
        return request, ""

    def confirm_by_link(self, token: str, claims: dict[str, Any]) -> ApprovalRequest:
        """Spend the link and confirm its request with the requester's sign-in, or change nothing (ApprovalError)."""
        request, problem = self.by_link(token)
        if request is None or problem:
            raise ApprovalError(problem)
        row = self.store.link(link_hash(token))
        assert row is not None
        with self.store.transaction():
            confirmed = self.confirm_signin(request.id, claims, via="sign-in (the mailed link)")
            if not self.store.use_link(row["id"]):
                raise ApprovalConflict("the link was used meanwhile")   # rolls the confirmation back
        return confirmed

    # -- expiry ----------------------------------------------------------------------------

    def expire_due(self) -> list[str]:
        """Pending or unconfirmed requests past their time: expired, everyone told. Returns their ids."""
        now = timestamp(self.store.now())
        expired = []
        for state in (State.PENDING, State.AWAITING_CONFIRMATION):
            for row in self.store.requests("state = ? AND expires_at <= ?", [state, now]):
                request = ApprovalRequest.from_row(row, self.store.votes(row["id"]))
                try:
                    with self.store.transaction():
                        self._move(request, State.EXPIRED, by="desk", decided_at=now)
                        # Approvers hear of the end only of what they were asked (not an unconfirmed request).
                        self._notify_end(request, approvers=state == State.PENDING)
                except ApprovalConflict:
                    continue
                expired.append(request.id)
        return expired

    def _expired(self, request: ApprovalRequest) -> bool:
        return request.expires_at is not None and request.expires_at <= timestamp(self.store.now())

    # -- votes -----------------------------------------------------------------------------

    def _require(self, request_id: str) -> ApprovalRequest:
        request = self.get(request_id)
        if request is None:
            raise ApprovalError(f"no request {request_id}")
        return request

    def vote_by_mail(self, command: Command, sender: str, verified: bool, message_key: str) -> Answer:
        """One APPROVE/DENY line from a mail: checked as the module docstring says; never raises for bad input."""
        sender = sender.strip().lower()
        request = self.get(command.request_id)
        approver_anywhere = sender in self.config.policy.approvers or (
            request is not None and sender in request.approvers)
        may_hear = verified and approver_anywhere
        if request is None:
            self.store.audit("approval_rejected", message_key=message_key, sender=sender, scenario=SCENARIO,
                             request_id=command.request_id, by=sender, reason="unknown request", verified=verified)
            return Answer(command.request_id, "unknown", reply=may_hear)
        answer = Answer(request.id, "", request.state, request.target_upn or request.target,
                        request.required, len(request.approved_by), reply=may_hear)

        def reject(result: str, why: str, counts: bool = True) -> Answer:
            answer.result = result
            self.audit("approval_rejected", request, sender, reason=why, result=result, verb=command.verb,
                       verified=verified, message=message_key, counted=counts and request.state == State.PENDING)
            if counts and request.state == State.PENDING:
                self._wrong_code(request, sender)
                answer.state = request.state
                if request.state == State.LOCKED:
                    answer.result = "locked"
            return answer

        with self.store.transaction():
            if request.state == State.PENDING and self._expired(request):
                self._move(request, State.EXPIRED, by="desk", decided_at=timestamp(self.store.now()))
                self._notify_end(request)
                answer.state = request.state
            if request.state == State.AWAITING_CONFIRMATION or not mailed_codes(self.config):
                return reject("signin_required", "mailed approval codes are not accepted in exchange-online mode "
                                                 "or before the requester's sign-in confirmation", counts=False)
            if request.state != State.PENDING:
                return reject("expired" if request.state == State.EXPIRED else "closed",
                              f"the request is {request.state}", counts=False)
            if not verified:
                return reject("wrong_code", "the sender is not verified")
            if sender == request.requester or sender in request.target_addresses:
                answer.reply = verified and approver_anywhere
                return reject("not_allowed", "the requester or the account itself cannot approve")
            own = next((c for c in self.store.codes(request.id) if c["approver"] == sender), None)
            if own is None:
                return reject("wrong_code", "the sender is not an approver of this request")
            if not codes.code_matches(command.code, own["code_hash"]):
                return reject("wrong_code", "the code is not this approver's")
            if own["used_at"] is not None:
                return reject("reused", "the code was used already", counts=False)
            if own["expires_at"] <= timestamp(self.store.now()):
                return reject("expired", "the code has expired", counts=False)
            self.store.use_code(own["id"])
            return self._record_vote(request, sender, command.verb, via="mail", reason=command.reason,
                                     message_key=message_key, answer=answer)

    def obstacle(self, request: ApprovalRequest, approver: str) -> Obstacle | None:
        """Why `approver` cannot decide `request` now, or None: the rules `vote` enforces (a page asks first)."""
        approver = approver.strip().lower()
        state = State.EXPIRED if request.state == State.PENDING and self._expired(request) else request.state
        if state != State.PENDING:
            return Obstacle(f"{request.id} is {state}: there is nothing to decide")
        if approver == request.requester or approver in request.target_addresses:
            return Obstacle(f"{approver} asked for {request.id} or owns the account: they cannot decide it",
                            "requester or account itself")
        if approver not in request.approvers:
            return Obstacle(f"{approver} is not an approver of {request.id} "
                            f"(its approvers: {', '.join(request.approvers) or 'none'})",
                            "not an approver of this request")
        if any(v for v in self.store.votes(request.id) if v["approver"] == approver):
            return Obstacle(f"{approver} has already decided {request.id}")
        return None

    def vote(self, request_id: str, approver: str, verb: str, *, via: str = "cli", reason: str = "") -> Answer:
        """A vote by an approver known otherwise (the host's CLI, the console): the same rules, no code.

        Raises ApprovalError.
        """
        approver = approver.strip().lower()
        if verb not in ("approve", "deny"):
            raise ApprovalError(f"unknown vote {verb!r}")
        with self.store.transaction():
            # Read under the write lock: two approvers deciding at once (console, CLI, mail) both count.
            request = self._require(request_id)
            if request.state == State.PENDING and self._expired(request):
                self._move(request, State.EXPIRED, by="desk", decided_at=timestamp(self.store.now()))
                self._notify_end(request)
            obstacle = self.obstacle(request, approver)
            if obstacle is None:
                return self._record_vote(request, approver, verb, via=via, reason=reason, message_key=None,
                                         answer=Answer(request.id, "", request.state,
                                                       request.target_upn or request.target,
                                                       request.required, len(request.approved_by)))
            if obstacle.audit:
                self.audit("approval_rejected", request, approver, reason=obstacle.audit, via=via)
        # Raised after the commit: the refusal (and an expiry found on the way) stays recorded.
        raise ApprovalError(obstacle.text)

    def _record_vote(self, request: ApprovalRequest, approver: str, verb: str, *, via: str, reason: str,
                     message_key: str | None, answer: Answer) -> Answer:
        self.store.add_vote(request.id, approver, verb, via, message_key, reason or None)
        self.audit("approval_vote", request, approver, vote=verb, via=via, reason=reason or None)
        now = timestamp(self.store.now())
        if verb == "deny":
            self._move(request, State.DENIED, by=approver, decided_by=approver, detail=reason or None, decided_at=now,
                       event_detail={"via": via, "reason": reason or None})
            self._notify_end(request)
            answer.result = "denied"
        else:
            request.approved_by.append(approver)
            answer.approvals = len(request.approved_by)
            if answer.approvals >= request.required:
                self._move(request, State.APPROVED, by=approver, decided_by=", ".join(request.approved_by),
                           decided_at=now, event_detail={"via": via, "approved_by": request.approved_by})
                answer.result = "approved"
            else:
                answer.result = "approval_recorded"
        answer.state = request.state
        return answer

    def _wrong_code(self, request: ApprovalRequest, sender: str) -> None:
        """Count a failed attempt; max_wrong_codes of them lock the request."""
        self.store.update_request(request.id, (State.PENDING,), wrong_codes=request.wrong_codes + 1)
        request.wrong_codes += 1
        if request.wrong_codes >= self.config.approval.max_wrong_codes:
            self._move(request, State.LOCKED, by="desk", decided_at=timestamp(self.store.now()),
                       event_detail={"wrong_codes": request.wrong_codes, "last_from": sender})
            self._notify_end(request)

    # -- the action's bookkeeping (the runner) -------------------------------------------------

    def begin_attempt(self, request: ApprovalRequest) -> int:
        """A new attempt at the reset (durable before the first Graph change); returns its number."""
        with self.store.transaction():
            for row in self.store.runner_rows("secret", OutboxStatus.HELD, request.id):
                # A previous attempt stopped before handing its mail over: that secret reached nobody.
                self.store.mark_failed(row.id, "never handed over (the desk stopped); superseded by a new attempt")
            attempt = request.attempts + 1
            if not self.store.update_request(request.id, (State.APPROVED,), attempts=attempt, action_state="calling",
                                             outbox_id=None, retry_at=None):
                raise ApprovalConflict(f"{request.id} is no longer approved")
            self.audit("action_started", request, "desk", attempt=attempt, method=request.method,
                       dry_run=request.dry_run or dry_run(self.config))
        request.attempts, request.action_state = attempt, "calling"
        return attempt

    def secret_composed(self, request: ApprovalRequest, stored: Mail, secret_kind: str, revoked: bool | None) -> int:
        """The reset is done: record it (not the secret) and the redacted copy of its mail, held for the runner."""
        with self.store.transaction():
            row = self.queue(stored, "secret", request)
            self.store.update_request(request.id, (State.APPROVED,), action_state="composed", outbox_id=row)
            self.audit("secret_issued", request, "desk", kind=secret_kind, attempt=request.attempts,
                       outbox_id=row, sessions_revoked=revoked)
        request.action_state, request.outbox_id = "composed", row
        return row

    def handed(self, request: ApprovalRequest, row_id: int) -> None:
        """Right before the mail server takes the secret mail: committed (FULL) first, like `sending`."""
        with self.store.transaction():
            self.store.mark_runner_sending(row_id)
            self.store.update_request(request.id, (State.APPROVED,), action_state="handed")
        request.action_state = "handed"

    def executed(self, request: ApprovalRequest, row_id: int | None, by: str = "desk") -> None:
        """approved (or in_doubt) -> executed: the secret mail left; the account and the approvers are told."""
        now = timestamp(self.store.now())
        with self.store.transaction():
            if row_id is not None:
                self.store.mark_sent(row_id)
                self.audit("secret_sent", request, by, outbox_id=row_id, to=request.requester,
                           attempt=request.attempts)
            self._move(request, State.EXECUTED, by=by, executed_at=now, action_state="done")
            live = not (request.dry_run or dry_run(self.config))
            if live and (request.target_mail or request.target_upn):
                notice_to = (request.target_mail or request.target_upn or "").lower()
                self.queue(self.mailer.mail("notice", request, to=notice_to, kind="notice", key="notice"),
                           "notice", request)
            for approver in request.approvers:
                self.queue(self.mailer.mail("outcome", request, to=approver, kind="outcome",
                                            key=f"outcome-executed-{request.attempts}",
                                            dry_run=not live), "outcome", request)

    def dry_run_done(self, request: ApprovalRequest) -> None:
        """A dry run: the requester's mail (no secret) goes through the ordinary outbox; then executed."""
        with self.store.transaction():
            stored, _ = self.mailer.secret_mail(request, None, to=request.requester, attempt=request.attempts)
            self.queue(stored, "outcome", request)
            self.audit("action_dry_run", request, "desk", method=request.method, target_id=request.target_id,
                       would_revoke=self.config.approval.revoke_sessions)
            self.executed(request, None)

    def superseded(self, request: ApprovalRequest, row_id: int | None, why: str) -> None:
        """The secret mail did not leave (nothing handed over, or the transport says so): a new attempt follows."""
        with self.store.transaction():
            if row_id is not None:
                row = self.store.outbox(row_id)
                if row.status in (OutboxStatus.HELD, OutboxStatus.SENDING):
                    self.store.mark_failed(row_id, f"not sent: {why}; superseded by a new attempt")
            self.store.update_request(request.id, (State.APPROVED,), action_state="", outbox_id=None)
            self.audit("action_superseded", request, "desk", attempt=request.attempts, reason=why)
        request.action_state, request.outbox_id = "", None

    def in_doubt(self, request: ApprovalRequest, row_id: int | None, why: str) -> None:
        """approved -> in_doubt: the secret mail (or a change) may have happened; held for a person, never redone."""
        with self.store.transaction():
            if row_id is not None and self.store.outbox(row_id).status != OutboxStatus.HELD:
                self.store.hold(row_id, f"in doubt: {why}; never resent (resetdesk approvals retry {request.id})",
                                event="delivery_in_doubt")
            self._move(request, State.IN_DOUBT, by="desk", detail=why, event_detail={"reason": why})
            self._notify_end(request)
        log.warning("request %s is in doubt (%s): held for a person; not redone", request.id, why)

    def retry(self, request_id: str, by: str) -> ApprovalRequest:
        """in_doubt -> approved: a person checked that the secret mail never left; the runner tries anew."""
        request = self._require(request_id)
        if request.state != State.IN_DOUBT:
            raise ApprovalError(f"{request.id} is {request.state}, not in doubt")
        with self.store.transaction():
            for row in self.store.secret_rows(request.id):
                if row.status == OutboxStatus.HELD:
                    self.store.mark_failed(row.id, f"never left, says {by}; superseded by a new attempt")
            self._move(request, State.APPROVED, by=by, action_state="", outbox_id=None, retry_at=None)
        return request

    def resolve_sent(self, request_id: str, by: str) -> ApprovalRequest:
        """in_doubt -> executed: a person found that the secret mail did leave."""
        request = self._require(request_id)
        if request.state != State.IN_DOUBT:
            raise ApprovalError(f"{request.id} is {request.state}, not in doubt")
        held = next((r.id for r in self.store.secret_rows(request.id) if r.status == OutboxStatus.HELD), None)
        self.executed(request, held, by=by)
        return request
