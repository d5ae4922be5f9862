"""Deciding one message: raw bytes in, a recorded decision with its outbox rows out.

The one job of this unit (Mailman's `_dispose` for the incoming runner):
parse the message, recognise it if it was decided before, classify it, pick
the action's `Plan`, compose what the plan sends, ask the flood limits, and
write message, decision, outbox rows and audit events in one savepoint of
the batch's transaction. It never moves mail and never sends: the service
moves the message to the folder the `Outcome` names once the batch is
committed, and the deliverer sends the outbox.

A message that cannot be decided (too large, unparseable, or anything raises
while deciding) is stored `parked` with the error and goes to needs_human.
Only a StoreError escapes: the database is unusable, and the desk must stop.

Approval commands (`APPROVE <id> <code>`, `DENY <id> <code>` in the subject or
the new text, rules/commands.py) are recognised before classification: such a
mail is an approver's answer, not a request for help, and the classifier
never sees it. This is a step here rather than a fact in the graph because
the decision it leads to is the approval book's (codes, votes, states), not a
scenario's; machine mail is never taken for a command.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from .approvals import ApprovalBook, Intake
from .config import Config
from .errors import MailParseError, ResetdeskError, StoreError
from .intake.address import AddressError, parse_mailbox
from .intake.message import InboundMail, RawMessage
from .intake.parse import parse_message, stable_key
from .responders import compose, limits
from .responders.render import Draft, Renderer
from .rules.commands import find_commands, looks_like_command, redact
from .rules import machine
from .rules.decision import ACTIONS, Decision
from .rules.engine import Classifier
from .rules.facts import verify
from .store import MessageStatus, OutboxStatus, Store

log = logging.getLogger("resetdesk")

ANSWERED, IGNORED, NEEDS_HUMAN = "answered", "ignored", "needs_human"


@dataclass(frozen=True)
class Plan:
    """What an action does besides recording the decision."""

    reply: bool       # send the drafted reply to the sender (when a draft exists)
    escalate: bool    # forward to escalation.address (when one is set)
    role: str         # the folder the message goes to


# A reply held by the flood limits sends its message to needs_human instead,
# one suppressed (machine or own address) to ignored: see responders/limits.py.
PLANS = {
    "reply": Plan(reply=True, escalate=False, role=ANSWERED),
    # A question instead of guidance: the answer, a reply in the thread, continues the walk.
    "clarify": Plan(reply=True, escalate=False, role=ANSWERED),
    "approval_requested": Plan(reply=True, escalate=False, role=NEEDS_HUMAN),
    "escalate": Plan(reply=True, escalate=True, role=NEEDS_HUMAN),   # a reply only if a draft exists
    "ignore": Plan(reply=False, escalate=False, role=IGNORED),
}
assert set(PLANS) == set(ACTIONS), "every action needs a plan"   # a programming error, found at import


@dataclass
class Outcome:
    """What happened to one message: where it goes, and the content of its log line."""

    key: str
    sender: str = ""
    scenario: str | None = None
    action: str | None = None
    role: str = ""
    result: str = ""                 # queued, held, suppressed, escalated, parked, known, ...
    detail: dict[str, Any] = field(default_factory=dict)


def _sniff_sender(data: bytes) -> tuple[str, str, str]:
    """(sender, subject, message-id) from headers we could not fully parse, for the audit trail."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data[:65536])
        try:
            sender = parse_mailbox(str(headers.get("From", "")))[0]
        except AddressError:      # what a lax parser would guess is not recorded as the sender
            sender = ""
        subject = compose.header_text(str(headers.get("Subject", "")), 200)
        message_id = compose.header_text(str(headers.get("Message-ID", "")), 400).strip("<> ")
        return (sender if "@" in sender else ""), subject, message_id
    except Exception:   # the sniff is a courtesy; the message is parked either way
        return "", "", ""


def fallback_key(data: bytes) -> str:
    """The stable key of a message the parser rejected: its Message-ID if readable, else a hash."""
    message_id = _sniff_sender(data)[2]
    return stable_key(message_id if re.fullmatch(r"[^\s<>]+@[^\s<>]+", message_id) else "", data)


def unread_key(raw: RawMessage) -> str:
    """The key of a message too large to read: where it lies (the body was never fetched)."""
    return f"unread:{raw.mailbox}/{raw.uidvalidity or 0}/{raw.uid}"


class Decider:
    """Decides messages into the store, one savepoint each, inside the caller's batch transaction."""

    def __init__(self, config: Config, store: Store, classifier: Classifier, renderer: Renderer,
                 approvals: ApprovalBook | None = None):
        self.config = config
        self.store = store
        self.classifier = classifier
        self.renderer = renderer
        self.own = machine.own_addresses(config)
        self.approvals = approvals     # None: approval requests only recorded (no approval flow wired)

    def decide(self, raw: RawMessage) -> Outcome:
        """Decide, park or recognise one message; never raises for bad mail (only StoreError escapes)."""
        if not raw.data:
            return self._park_or_known(raw, unread_key(raw), None,
                                       f"not read: {raw.size or 0} bytes is over limits.max_message_bytes "
                                       f"({self.config.limits.max_message_bytes})" if raw.size
                                       else "empty message")
        try:
            mail = parse_message(raw.data)
        except MailParseError as error:
            return self._park_or_known(raw, fallback_key(raw.data), None, f"cannot parse: {error}")
        except Exception as error:   # a parser bug must not stop the desk
            return self._park_or_known(raw, fallback_key(raw.data), None,
                                       f"parser failed: {type(error).__name__}: {error}")

        known = self.store.message(mail.key)
        if known is not None:
            return self.known(known)
        try:
            if self.approvals is not None and not machine.automatic_reason(mail, self.own) \
                    and looks_like_command(mail.subject, mail.text):
                return self._approval_commands(raw, mail)
            return self._decide(raw, mail)
        except StoreError:
            raise                      # the database is unusable: stop, do not park
        except Exception as error:
            log.debug("deciding %s failed", mail.key, exc_info=True)
            return self._park(raw, mail.key, mail, f"deciding failed: {type(error).__name__}: {error}")

    def _decide(self, raw: RawMessage, mail: InboundMail) -> Outcome:
        # Our reply's Message-ID may be anywhere in the thread: In-Reply-To
        # first, then References from the newest back.
        thread = [mail.in_reply_to, *reversed(mail.references)]
        previous = self.store.thread_scenario(thread)
        # An answer to our question continues from it (never asked twice: see rules/engine.py).
        question = self.store.thread_question(thread) if previous else None
        decision: Decision = self.classifier.classify(mail, previous_scenario=previous,
                                                      **({"question": question} if question else {}))
        if decision.action not in PLANS:
            raise ResetdeskError(f"unknown action {decision.action!r}")
        if decision.previous_scenario is None:
            decision.previous_scenario = previous
        # Machine mail is answered by nobody: only what would answer or authorize the sender waits.
        problem = compose.identity_problem(mail, self.config) if decision.action != "ignore" else ""
        if problem:
            return self._park_decided(raw, mail, decision, f"sender identity ambiguous: {problem}")
        plan = PLANS[decision.action]
        intake: Intake | None = None
        if decision.action == "approval_requested" and self.approvals is not None:
            # The reply is the approval flow's acknowledgement: the request ids, or why none was made.
            intake = self.approvals.screen(mail, decision)
            draft: Draft | None = self.approvals.mailer.ack_draft(mail.from_name, decision.language, intake.requests,
                                                                  intake.refused, mail.subject)
        else:
            draft = self.renderer.draft(decision, mail) if plan.reply else None
        if decision.action in ("reply", "clarify") and draft is None:
            raise ResetdeskError(f"{decision.scenario}: a reply decision without a reply draft")
        escalates = plan.escalate and bool(self.config.escalation.address)

        # Compose before writing anything: a broken template or an address
        # nobody can answer (ComposeError) parks the message with nothing to undo.
        reply = escalation = None
        if draft is not None:
            reply_id = compose.make_message_id(mail.key, "reply", self.config)
            reply = (compose.reply_recipient(mail, self.config), reply_id,
                     compose.as_bytes(compose.compose_reply(mail, decision, draft, self.config, reply_id)))
        if escalates:
            escalation_id = compose.make_message_id(mail.key, "escalation", self.config)
            escalation = (self.config.escalation.address, escalation_id, compose.as_bytes(
                compose.compose_escalation(mail, decision, raw.data, self.config, mail.key, escalation_id)))

        record = decision.record(draft.summary() if draft is not None else None)
        guidance = draft.template if draft is not None else None
        outcome = Outcome(mail.key, mail.from_addr, decision.scenario, decision.action,
                          ANSWERED if intake is not None and intake.requests else plan.role)
        audit = dict(message_key=mail.key, sender=mail.from_addr, scenario=decision.scenario)

        with self.store.transaction():      # a savepoint in the batch: a failure undoes this message only
            # The limits read the outbox inside the same transaction that
            # writes to it: counts and new rows cannot drift apart.
            reply_verdict = (limits.check_reply(self.store, self.config, mail, reply[0],
                                                guidance or decision.scenario) if reply else None)
            escalation_verdict = limits.check_total(self.store, self.config) if escalation else None
            if reply_verdict is not None and reply_verdict.outcome == limits.HELD:
                outcome.role = NEEDS_HUMAN       # a person held back: a person should look
            elif reply_verdict is not None and reply_verdict.outcome == limits.SUPPRESSED \
                    and decision.action == "reply":
                outcome.role = IGNORED           # machine or own address: nobody to answer

            self.store.add_message(mail.key, mailbox=raw.mailbox, uid=raw.uid, uidvalidity=raw.uidvalidity,
                                   sender=mail.from_addr, subject=mail.subject, size=len(raw.data),
                                   status=MessageStatus.DECIDED, role=outcome.role)
            self.store.add_decision(mail.key, record, guidance)
            results = []
            if reply is not None and reply_verdict is not None and reply_verdict.outcome == limits.SUPPRESSED:
                self.store.audit("reply_suppressed", reason=reply_verdict.reason, **audit)
                results.append("reply suppressed")
            elif reply is not None and reply_verdict is not None:
                results.append(self._queue("reply", reply, reply_verdict, guidance or decision.scenario,
                                           outcome, audit))
            if escalation is not None and escalation_verdict is not None:
                results.append(self._queue("escalation", escalation, escalation_verdict, None, outcome, audit))
            if decision.action == "approval_requested":
                results.extend(self._approval_requested(mail, decision, intake))
            if decision.facts.get("spam_verdict"):   # the receiving server's verdict, in the trail and the log
                results.append(f"spam verdict {decision.facts.get('evidence', {}).get('spam_verdict', '')}")
            outcome.result = ", ".join(results) or "no mail"
            self.store.audit("decided", action=decision.action, role=outcome.role, result=outcome.result,
                             previous_scenario=decision.previous_scenario,
                             rules=[r.name for r in decision.rules], **audit)
        return outcome

    def _queue(self, kind: str, mail: tuple[str, str, bytes], verdict: limits.Verdict, guidance: str | None,
               outcome: Outcome, audit: dict[str, Any]) -> str:
        """One outbox row (queued, or held by the limits) and its audit event, inside the deciding transaction."""
        recipient, message_id, raw = mail
        status = OutboxStatus.HELD if verdict.outcome == limits.HELD else OutboxStatus.QUEUED
        envelope_from = "" if self.config.smtp.null_sender else self.config.desk_address()
        row = self.store.queue(message_key=outcome.key, kind=kind, recipient=recipient,
                               envelope_from=envelope_from, message_id=message_id, raw=raw,
                               template=guidance, status=status, last_error=verdict.reason or None,
                               due_at=verdict.due_at)
        # A deferred row is queued with a later due time: over the desk-wide fuse, it waits its turn.
        state = "deferred" if verdict.outcome == limits.DEFERRED else status
        self.store.audit(f"{kind}_{state}", outbox_id=row, to=recipient, message_id=message_id,
                         reason=verdict.reason or None, template=guidance, **audit)
        outcome.detail[f"{kind}_outbox_id"] = row
        return f"{kind} {state}"

    def _approval_requested(self, mail: InboundMail, decision: Decision, intake: Intake | None) -> list[str]:
        """Where the approval flow hooks in, inside the deciding transaction.

        The requests (one per account named) are stored `received` and the
        runner looks them up before any approver is asked; accounts refused at
        once (none named, protected, the requester's own, over a daily limit)
        are recorded and named in the reply. Without an approval book the
        message only waits in needs_human.
        """
        if intake is None or self.approvals is None:
            self.store.audit("approval_pending", message_key=mail.key, sender=mail.from_addr,
                             scenario=decision.scenario, targets=list(decision.targets))
            return ["approval pending (needs_human)"]
        self.store.audit("approval_pending", message_key=mail.key, sender=mail.from_addr,
                         scenario=decision.scenario, targets=list(decision.targets),
                         requests=[r.id for r in intake.requests],
                         refused=[{"target": t, "reason": r.reason} for t, r in intake.refused])
        return self.approvals.register(intake, mail)

    def _approval_commands(self, raw: RawMessage, mail: InboundMail) -> Outcome:
        """An approver's mail: each command goes to the approval book; a verified approver gets one reply."""
        assert self.approvals is not None
        commands = find_commands(mail.subject, mail.text)
        verified, why = verify(mail, self.config)
        outcome = Outcome(mail.key, mail.from_addr, "admin_reset", "approval_command", NEEDS_HUMAN)
        with self.store.transaction():
            answers = [self.approvals.vote_by_mail(c, mail.from_addr, verified, mail.key) for c in commands]
            if not commands:
                self.store.audit("approval_rejected", message_key=mail.key, sender=mail.from_addr,
                                 scenario="admin_reset", by=mail.from_addr,
                                 reason="approve and deny (or two codes) for one request: nothing decided")
            results = [f"{a.request_id}: {a.result}" for a in answers] or ["conflicting commands: nothing decided"]
            if any(a.changed for a in answers):
                outcome.role = ANSWERED      # else a person should see the failed attempt
            self.store.add_message(mail.key, mailbox=raw.mailbox, uid=raw.uid, uidvalidity=raw.uidvalidity,
                                   sender=mail.from_addr, subject=redact(mail.subject)[:500], size=len(raw.data),
                                   status=MessageStatus.DECIDED, role=outcome.role)
            told = [a for a in answers if a.reply]
            if told:
                request = self.approvals.get(told[0].request_id)
                language = request.language if request is not None else "en"
                draft = self.approvals.mailer.answer_draft(told, language, mail.subject)
                reply_id = compose.make_message_id(mail.key, "reply", self.config)
                reply = (compose.reply_recipient(mail, self.config), reply_id,
                         compose.as_bytes(compose.compose_reply(mail, Decision("admin_reset", "reply", language),
                                                                draft, self.config, reply_id)))
                verdict = limits.check_reply(self.store, self.config, mail, reply[0], draft.template)
                audit = dict(message_key=mail.key, sender=mail.from_addr, scenario="admin_reset")
                if verdict.outcome == limits.SUPPRESSED:
                    self.store.audit("reply_suppressed", reason=verdict.reason, **audit)
                else:
                    results.append(self._queue("reply", reply, verdict, draft.template, outcome, audit))
            outcome.result = ", ".join(results)
            self.store.audit("decided", action="approval_command", role=outcome.role, result=outcome.result,
                             verified=verified, verification=why, message_key=mail.key, sender=mail.from_addr,
                             scenario="admin_reset")
        return outcome

    def _park_decided(self, raw: RawMessage, mail: InboundMail, decision: Decision, error: str) -> Outcome:
        """Park a message whose sender the desk cannot be sure of: nothing is sent, nobody authorized.

        The decision is kept for the person who takes it over (what it asks,
        the facts, why the identity is ambiguous); no reply, no forward.
        """
        with self.store.transaction():
            self.store.add_message(mail.key, mailbox=raw.mailbox, uid=raw.uid, uidvalidity=raw.uidvalidity,
                                   sender=mail.from_addr, subject=compose.header_text(mail.subject, 500),
                                   size=len(raw.data), status=MessageStatus.PARKED, role=NEEDS_HUMAN, error=error)
            self.store.add_decision(mail.key, decision.record(), None)
            self.store.audit("parked", message_key=mail.key, sender=mail.from_addr, scenario=decision.scenario,
                             error=error, action=decision.action, mailbox=raw.mailbox, uid=raw.uid)
        return Outcome(mail.key, mail.from_addr, decision.scenario, decision.action, NEEDS_HUMAN, "parked",
                       detail={"error": error})

    def _park_or_known(self, raw: RawMessage, key: str, mail: InboundMail | None, error: str) -> Outcome:
        known = self.store.message(key)
        if known is not None:
            return self.known(known)
        return self._park(raw, key, mail, error)

    def _park(self, raw: RawMessage, key: str, mail: InboundMail | None, error: str) -> Outcome:
        """Keep a message we cannot decide for a person: stored `parked`, to be moved to needs_human."""
        if mail is not None:
            sender, subject = mail.from_addr, mail.subject
        else:
            sender, subject, _ = _sniff_sender(raw.data) if raw.data else ("", "", "")
        subject = redact(subject)    # an approval code is never stored, not even from a mail that failed
        with self.store.transaction():
            self.store.add_message(key, mailbox=raw.mailbox, uid=raw.uid, uidvalidity=raw.uidvalidity,
                                   sender=sender, subject=compose.header_text(subject, 500),
                                   size=raw.size if raw.size is not None else len(raw.data),
                                   status=MessageStatus.PARKED, role=NEEDS_HUMAN, error=error)
            self.store.audit("parked", message_key=key, sender=sender, error=error,
                             mailbox=raw.mailbox, uid=raw.uid)
        return Outcome(key, sender, role=NEEDS_HUMAN, result="parked", detail={"error": error})

    @staticmethod
    def known(known: dict[str, Any]) -> Outcome:
        """The outcome of a message the store already has: only moved, to the folder recorded."""
        return Outcome(known["key"], known["sender"] or "", role=known["role"] or NEEDS_HUMAN,
                       result="already decided: moved")
