"""The service: the one place that wires source, parser, rules, store and transport.

One pass of the loop:

1. fetch what is in the watched folder, oldest first, in batches (up to
   DECIDE_BATCH messages, DECIDE_BATCH_BYTES of them); for each message:
   - its key is already in the store: it was decided before (the move after
     the decision failed, or the process died in between): only move it;
   - too large, unparseable, or anything raises while deciding: store it
     `parked` with the error (audit event `parked`), move it to needs_human;
   - otherwise look up the thread (In-Reply-To/References against our own
     outbox Message-IDs: the previous scenario), classify, apply the flood
     limits, compose, and write decision + outbox rows + audit events.
   The whole batch is ONE transaction (each message in a savepoint, so one
   that fails to decide is parked alone), committed with one fsync; only
   then are the batch's messages moved, with one `move_many` per folder role
   (one UID MOVE on IMAP). Killed before the commit, the batch is decided
   again from scratch; killed after it, its messages are found in the store
   and only moved. Nothing is sent before the commit either.
2. deliver the outbox rows that are due (also every DELIVER_EVERY messages
   of a large backlog);
3. wait for new mail (IMAP IDLE, or polling).

Delivery is exactly once across crashes. A row goes queued -> sending (committed,
attempts+1, right before the transport's irreversible step) -> sent (committed).
Killed before `sending`: the row is still queued and is sent on restart. Killed
after the server said 250 but before `sent` was recorded: the row is found in
`sending` at startup. That row is *in doubt*, and it is never resent blindly:
- the transport is asked first. The outbox Maildir can tell (the file named by
  the row id is there or not): the row is marked sent, or queued again.
- SMTP cannot be asked. The row is set `held` with audit event
  `delivery_in_doubt` and a warning in the log; its Message-ID is fixed, so an
  operator can grep the mail server's log for it and release the row
  (`Store.release`) if it never left. The SMTP transport narrows the window to
  "after the end of DATA, before the commit": MAIL and RCPT are checked before
  the row is marked `sending`, so the in-doubt case is one in which the server
  most probably did accept the message. A rare missing reply that a person can
  see and release beats a duplicate nobody can take back.

The durable-rules classifier is built once per process and used from this one
thread only (NOTES: rulesets leak when rebuilt, posts from several threads crash).
"""

from __future__ import annotations

import email.parser
import email.policy
import fcntl
import hashlib
import json
import logging
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Iterable, Iterator

from .config import Config
from .errors import (IntakeConnectionError, IntakeError, MailParseError, PermanentDeliveryError,
                     ResetdeskError, StoreError, TransientDeliveryError)
from .intake.message import InboundMail, RawMessage
from .intake.source import MailSource
from .rules.decision import ACTIONS, Decision
from .store import OutboxRow, Store
from .responders import compose, limits
from .responders.transport import DeliveryInDoubt, Transport, TransportUnavailable, transport_for

log = logging.getLogger("resetdesk")

CRASH_ENV = "RESETDESK_TEST_CRASH_AT"
DELIVERY_BATCH = 100          # outbox rows read per query (bounds memory, not the batch)
DELIVER_EVERY = 100           # with a large backlog, send replies every this many messages
DECIDE_BATCH = 50             # messages decided in one transaction and moved together ...
DECIDE_BATCH_BYTES = 16 * 1024 * 1024   # ... and at most this many bytes of them in memory
EXIT_OK, EXIT_FAILURE, EXIT_LOCKED = 0, 1, 75


def crash_point(name: str) -> None:
    """For the exactly-once tests: die here, like a power cut, when told to."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


class AlreadyRunning(ResetdeskError):
    """Another `resetdesk run` holds the store's lock."""


class _Stop(BaseException):
    """Raised by the signal handler to leave a blocking wait (never caught as an Exception)."""


def source_for(config: Config) -> MailSource:
    """IMAP when `imap.host` is set, else the local Maildir (created if missing)."""
    if config.imap.host:
        from .intake.imap import ImapSource
        return ImapSource(config)
    from .intake.maildir import MaildirSource
    return MaildirSource(config)


@dataclass
class Outcome:
    """What happened to one message: the content of its log line."""

    key: str
    sender: str = ""
    scenario: str | None = None
    action: str | None = None
    role: str = ""
    result: str = ""                 # queued, held, suppressed, escalated, parked, known, ...
    detail: dict[str, Any] = field(default_factory=dict)


# What each action does besides recording the decision. A reply that is held
# by the flood limits sends its message to needs_human, one suppressed
# (machine or own address) to ignored: see responders/limits.py.
_PLANS = {
    #  action               (reply to sender, escalate, folder role)
    "reply":              (True, False, "answered"),
    "clarify":            (True, False, "answered"),     # a question instead of guidance: the answer continues the thread
    "approval_requested": (True, False, "needs_human"),
    "escalate":           (True, True, "needs_human"),   # a reply only if the rules drafted one
    "ignore":             (False, False, "ignored"),
}


def _sniff_sender(data: bytes) -> tuple[str, str, str]:
    """(sender, subject, message-id) from headers we could not fully parse, for the audit trail."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data[:65536])
        sender = parseaddr(str(headers.get("From", "")))[1].lower()
        subject = compose.header_text(str(headers.get("Subject", "")), 200)
        message_id = compose.header_text(str(headers.get("Message-ID", "")), 400).strip("<> ")
        return (sender if "@" in sender else ""), subject, message_id
    except Exception:   # the sniff is a courtesy; the message is parked either way
        return "", "", ""


def fallback_key(data: bytes) -> str:
    """The stable key of a message the parser rejected: its Message-ID if readable, else a hash."""
    from .intake.parse import stable_key
    message_id = _sniff_sender(data)[2]
    return stable_key(message_id if re.fullmatch(r"[^\s<>]+@[^\s<>]+", message_id) else "", data)


def unread_key(raw: RawMessage) -> str:
    """The key of a message too large to read: where it lies (the body was never fetched)."""
    return f"unread:{raw.mailbox}/{raw.uidvalidity or 0}/{raw.uid}"


class Desk:
    """The wired desk. Build one per process; `run()` loops, `run(once=True)` does one pass."""

    def __init__(self, config: Config, *, store: Store | None = None, source: MailSource | None = None,
                 classifier=None, transport: Transport | None = None):
        from .classify import decision_record
        from .intake.parse import parse_message

        self.config = config
        self.parse = parse_message
        self.decision_record = decision_record
        self.store = store or Store(config.resolve_path(config.store.path))
        self.source = source or source_for(config)
        if classifier is None:
            from .rules.engine import Classifier
            classifier = Classifier(config)      # once per process: see the module docstring
        self.classifier = classifier
        self.transport = transport or transport_for(config)
        self.stopping = False
        self._interruptible = False
        self._transport_down_until = 0.0     # monotonic; SMTP unreachable: try the queue later
        self._transport_delay = 0.0
        self._intake_delay = 0.0

    # -- one message --------------------------------------------------------

    def process(self, raw: RawMessage) -> Outcome:
        """Decide one message (or recognise it), record it, move it; never raises for bad mail."""
        return self.process_batch([raw])[0]

    def process_batch(self, raws: list[RawMessage]) -> list[Outcome]:
        """Decide a batch in one transaction, commit it, then move its messages; one Outcome each.

        A message's move always comes after the commit of its decision: a
        crash in between leaves it in the watched folder, where the next pass
        finds its key in the store and only moves it.
        """
        outcomes: list[Outcome] = []
        with self.store.transaction():      # one fsync for the batch (store.py: durability)
            for raw in raws:
                outcomes.append(self._process_one(raw))
                if self.stopping:
                    # SIGTERM: finish the message in hand; the rest stay in the folder for the next run.
                    break
        crash_point("after_decision")
        try:
            self._move_all(list(zip(raws, outcomes)))
        finally:
            for outcome in outcomes:
                self._log_outcome(outcome)
        return outcomes

    def _process_one(self, raw: RawMessage) -> Outcome:
        """Inside the batch's transaction: decide, park or recognise one message (its move comes later)."""
        if not raw.data:
            return self._park_or_known(raw, unread_key(raw), None,
                                       f"not read: {raw.size or 0} bytes is over limits.max_message_bytes "
                                       f"({self.config.limits.max_message_bytes})" if raw.size
                                       else "empty message")
        try:
            mail = self.parse(raw.data)
        except MailParseError as error:
            return self._park_or_known(raw, fallback_key(raw.data), None, f"cannot parse: {error}")
        except Exception as error:   # a parser bug must not stop the desk
            return self._park_or_known(raw, fallback_key(raw.data), None,
                                       f"parser failed: {type(error).__name__}: {error}")

        known = self.store.message(mail.key)
        if known is not None:
            return self._known(known)
        try:
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
        if decision.action not in ACTIONS:
            raise ResetdeskError(f"unknown action {decision.action!r}")
        if decision.previous_scenario is None:
            decision.previous_scenario = previous
        wants_reply, escalates, role = _PLANS[decision.action]
        if decision.action in ("reply", "clarify") and decision.reply is None:
            raise ResetdeskError(f"{decision.scenario}: a reply decision without a reply draft")
        wants_reply = wants_reply and decision.reply is not None
        escalates = escalates and bool(self.config.escalation.address)

        # Compose before writing anything: a broken template or an address
        # nobody can answer (ComposeError) parks the message with nothing to undo.
        reply = escalation = None
        if wants_reply:
            reply_id = compose.make_message_id(mail.key, "reply", self.config)
            reply = (compose.reply_recipient(mail, self.config), reply_id,
                     compose.as_bytes(compose.compose_reply(mail, decision, self.config, reply_id)))
        if escalates:
            escalation_id = compose.make_message_id(mail.key, "escalation", self.config)
            escalation = (self.config.escalation.address, escalation_id, compose.as_bytes(
                compose.compose_escalation(mail, decision, raw.data, self.config, mail.key, escalation_id)))

        record = self.decision_record(decision)
        guidance = decision.reply.template if decision.reply is not None else None
        outcome = Outcome(mail.key, mail.from_addr, decision.scenario, decision.action, role)
        audit = dict(message_key=mail.key, sender=mail.from_addr, scenario=decision.scenario)

        with self.store.transaction():      # a savepoint in the batch: a failure undoes this message only
            # The limits read the outbox inside the same transaction that
            # writes to it: counts and new rows cannot drift apart.
            reply_verdict = (limits.check_reply(self.store, self.config, mail, reply[0],
                                                guidance or decision.scenario) if reply else None)
            escalation_verdict = limits.check_total(self.store, self.config) if escalation else None
            if reply_verdict is not None and reply_verdict.outcome == limits.HELD:
                outcome.role = "needs_human"     # a person held back: a person should look
            elif reply_verdict is not None and reply_verdict.outcome == limits.SUPPRESSED \
                    and decision.action == "reply":
                outcome.role = "ignored"         # machine or own address: nobody to answer

            self.store.add_message(mail.key, mailbox=raw.mailbox, uid=raw.uid, uidvalidity=raw.uidvalidity,
                                   sender=mail.from_addr, subject=mail.subject, size=len(raw.data),
                                   status="decided", role=outcome.role)
            self.store.add_decision(mail.key, record, guidance)
            results = []
            if reply_verdict is not None and reply_verdict.outcome == limits.SUPPRESSED:
                self.store.audit("reply_suppressed", reason=reply_verdict.reason, **audit)
                results.append("reply suppressed")
            elif reply_verdict is not None:
                results.append(self._queue("reply", reply, reply_verdict, guidance or decision.scenario,
                                           outcome, audit))
            if escalation_verdict is not None:
                results.append(self._queue("escalation", escalation, escalation_verdict, None, outcome, audit))
            if decision.action == "approval_requested":
                results.extend(self._approval_requested(mail, decision))
            outcome.result = ", ".join(results) or "no mail"
            self.store.audit("decided", action=decision.action, role=outcome.role, result=outcome.result,
                             previous_scenario=decision.previous_scenario,
                             rules=[r.name for r in decision.rules], **audit)
        return outcome

    def _queue(self, kind: str, mail: tuple[str, str, bytes], verdict: limits.Verdict, guidance: str | None,
               outcome: Outcome, audit: dict[str, Any]) -> str:
        """One outbox row (queued, or held by the limits) and its audit event, inside the deciding transaction."""
        recipient, message_id, raw = mail
        status = "held" if verdict.outcome == limits.HELD else "queued"
        envelope_from = "" if self.config.smtp.null_sender else compose.desk_address(self.config)
        row = self.store.queue(message_key=outcome.key, kind=kind, recipient=recipient,
                               envelope_from=envelope_from, message_id=message_id, raw=raw,
                               template=guidance, status=status, last_error=verdict.reason or None)
        self.store.audit(f"{kind}_{status}", outbox_id=row, to=recipient, message_id=message_id,
                         reason=verdict.reason or None, template=guidance, **audit)
        outcome.detail[f"{kind}_outbox_id"] = row
        return f"{kind} {status}"

    def _approval_requested(self, mail: InboundMail, decision: Decision) -> list[str]:
        """THE APPROVAL FLOW HOOKS IN HERE (a later issue).

        Runs inside the deciding transaction. Today the decision is recorded,
        the requester gets the draft reply (it says the request is registered)
        and the message waits in needs_human for a person. The approval flow
        will write its approval-request rows (to `policy.approvers`, never the
        requester) here, in the same transaction, and return what it did.
        """
        self.store.audit("approval_pending", message_key=mail.key, sender=mail.from_addr,
                         scenario=decision.scenario, targets=list(decision.targets))
        return ["approval pending (needs_human)"]

    def _park_or_known(self, raw: RawMessage, key: str, mail: InboundMail | None, error: str) -> Outcome:
        known = self.store.message(key)
        if known is not None:
            return self._known(known)
        return self._park(raw, key, mail, error)

    def _park(self, raw: RawMessage, key: str, mail: InboundMail | None, error: str) -> Outcome:
        """Keep a message we cannot decide for a person: stored `parked`, to be moved to needs_human."""
        if mail is not None:
            sender, subject = mail.from_addr, mail.subject
        else:
            sender, subject, _ = _sniff_sender(raw.data) if raw.data else ("", "", "")
        with self.store.transaction():
            self.store.add_message(key, mailbox=raw.mailbox, uid=raw.uid, uidvalidity=raw.uidvalidity,
                                   sender=sender, subject=compose.header_text(subject, 500),
                                   size=raw.size if raw.size is not None else len(raw.data),
                                   status="parked", role="needs_human", error=error)
            self.store.audit("parked", message_key=key, sender=sender, error=error,
                             mailbox=raw.mailbox, uid=raw.uid)
        return Outcome(key, sender, role="needs_human", result="parked", detail={"error": error})

    @staticmethod
    def _known(known: dict[str, Any]) -> Outcome:
        return Outcome(known["key"], known["sender"] or "", role=known["role"] or "needs_human",
                       result="already decided: moved")

    def _move_all(self, decided: list[tuple[RawMessage, Outcome]]) -> None:
        """Move committed messages, one `move_many` per role, and mark them done in one commit.

        A failed move is harmless: the message is seen again, known, moved.
        When a whole set is refused, each message is tried on its own, so one
        bad message does not keep the others in the inbox.
        """
        by_role: dict[str, list[tuple[RawMessage, Outcome]]] = {}
        for raw, outcome in decided:
            by_role.setdefault(outcome.role, []).append((raw, outcome))
        done: list[str] = []
        try:
            for role, items in by_role.items():
                try:
                    self.source.move_many([raw for raw, _ in items], role)
                except IntakeConnectionError:
                    raise
                except IntakeError as error:
                    if len(items) == 1:
                        log.warning("could not move %s to %s: %s", items[0][1].key, role, error)
                        continue
                    log.debug("moving %d messages to %s failed (%s); one at a time", len(items), role, error)
                    for raw, outcome in items:
                        try:
                            self.source.move(raw, role)
                        except IntakeConnectionError:
                            raise
                        except IntakeError as one_error:
                            log.warning("could not move %s to %s: %s", outcome.key, role, one_error)
                            continue
                        done.append(outcome.key)
                    continue
                done.extend(outcome.key for _, outcome in items)
        finally:
            self.store.mark_done_many(done)

    # -- delivery -----------------------------------------------------------

    def _backoff(self, attempts: int) -> float:
        smtp = self.config.smtp
        return min(smtp.retry_max_seconds, smtp.retry_initial_seconds * (2 ** max(0, attempts - 1)))

    def recover(self) -> None:
        """At startup: settle rows a previous process left in `sending` (see the module docstring)."""
        for row in self.store.in_flight():
            self._in_doubt(row, "the previous run stopped between handing this message over and recording it")

    def _in_doubt(self, row: OutboxRow, why: str) -> None:
        try:
            confirmed = self.transport.confirm(row)
        except Exception as error:   # asking must never turn into resending
            log.warning("could not ask %s about outbox row %s: %s", self.transport.name, row.id, error)
            confirmed = None
        if confirmed is True:
            self.store.mark_sent(row.id)
            log.info("outbox %s: %s; %s has it: recorded as sent", row.id, why, self.transport.name)
        elif confirmed is False:
            self.store.requeue(row.id, f"{why}; {self.transport.name} does not have it")
            log.info("outbox %s: %s; %s does not have it: queued again", row.id, why, self.transport.name)
        else:
            self.store.hold(row.id, f"in doubt: {why}; not resent (check the mail server's log for "
                                    f"Message-ID <{row.message_id}>, then release it if it never left)",
                            event="delivery_in_doubt")
            log.warning("outbox %s to %s is in doubt (%s): held, not resent; Message-ID <%s>",
                        row.id, row.recipient, why, row.message_id)

    def deliver(self) -> int:
        """Send every due outbox row over one transport connection; returns how many were sent."""
        if time.monotonic() < self._transport_down_until:
            return 0
        sent, last_id = 0, 0
        try:
            while not self.stopping:
                # One walk up the ids: a row retried "now" waits for the next pass.
                rows = self.store.due(limit=DELIVERY_BATCH, after_id=last_id)
                if not rows:
                    break
                last_id = rows[-1].id
                for row in rows:
                    if self.stopping:
                        break
                    result = self._deliver_one(row)
                    if result is None:          # transport unreachable: the rest waits
                        return sent
                    sent += result
        finally:
            self.transport.close()
            self.store.flush()              # the `sent` marks, durable before the desk goes idle
        return sent

    def _deliver_one(self, row: OutboxRow) -> bool | None:
        """One row: True if sent, False if not (retry, failed, held), None if the transport is down."""
        handed = False

        def handoff() -> None:
            nonlocal handed
            self.store.mark_sending(row.id)
            handed = True

        try:
            self.transport.send(row, handoff)
        except TransportUnavailable as error:
            smtp = self.config.smtp
            self._transport_delay = min(smtp.retry_max_seconds,
                                        max(smtp.retry_initial_seconds, self._transport_delay * 2))
            self._transport_down_until = time.monotonic() + self._transport_delay
            log.warning("%s; queued mail waits (next try in %.0f s)", error, self._transport_delay)
            self.store.audit("transport_unavailable", error=str(error), retry_in_seconds=self._transport_delay)
            return None
        except DeliveryInDoubt as error:
            self._in_doubt(row, str(error))
        except TransientDeliveryError as error:
            attempts = row.attempts + 1
            if attempts >= self.config.smtp.max_attempts:
                self.store.mark_failed(row.id, f"gave up after {attempts} attempts: {error}")
                log.error("outbox %s to %s failed for good after %d attempts: %s", row.id, row.recipient,
                          attempts, error)
            else:
                self.store.retry_later(row.id, str(error), self._backoff(attempts), count_attempt=not handed)
                log.warning("outbox %s to %s: %s (attempt %d, retrying)", row.id, row.recipient, error, attempts)
        except PermanentDeliveryError as error:
            self.store.mark_failed(row.id, str(error))
            log.error("outbox %s to %s refused for good: %s", row.id, row.recipient, error)
        else:
            crash_point("after_send")
            self.store.mark_sent(row.id)
            self._transport_delay = 0.0
            self._transport_down_until = 0.0
            log.info("sent %s to %s <%s>", row.kind, row.recipient, row.message_id,
                     extra={"event": "sent", "outbox_id": row.id, "kind": row.kind,
                            "recipient": row.recipient, "message_id": row.message_id})
            return True
        return False

    # -- the loop -----------------------------------------------------------

    def _log_outcome(self, outcome: Outcome) -> None:
        log.info("%s from %s: %s/%s -> %s (%s)", outcome.key, outcome.sender or "?",
                 outcome.scenario or "-", outcome.action or "-", outcome.role, outcome.result,
                 extra={"event": "message", "key": outcome.key, "sender": outcome.sender,
                        "scenario": outcome.scenario, "action": outcome.action, "role": outcome.role,
                        "result": outcome.result, **outcome.detail})

    def poll(self) -> int:
        """Process everything now in the watched folder, delivering as it goes; returns how many."""
        count = undelivered = 0
        for batch in self._batches(self.source.fetch_new()):
            decided = len(self.process_batch(batch))
            count += decided
            undelivered += decided
            if undelivered >= DELIVER_EVERY and not self.stopping:
                self.deliver()
                undelivered = 0
        return count

    def _batches(self, messages: Iterable[RawMessage]) -> Iterator[list[RawMessage]]:
        """Lists of up to DECIDE_BATCH messages (and DECIDE_BATCH_BYTES), taken from the source as it reads.

        The source is never read while a batch is being decided: its network
        round trips stay outside the transaction. Stops taking more once
        the desk is told to stop.
        """
        batch: list[RawMessage] = []
        size = 0
        for raw in messages:
            if self.stopping:
                return
            if batch and size + len(raw.data) > DECIDE_BATCH_BYTES:
                yield batch
                batch, size = [], 0
                if self.stopping:
                    return
            batch.append(raw)
            size += len(raw.data)
            if len(batch) >= DECIDE_BATCH:   # full: decide it before reading on
                yield batch
                batch, size = [], 0
        if batch and not self.stopping:
            yield batch

    def _wait_timeout(self) -> float:
        """Until new mail, or until the next outbox row is due (and the transport is back)."""
        timeout = float(self.config.imap.poll_interval)
        due = self.store.next_due_at()
        if due is not None:
            until_due = (due - self.store.now()).total_seconds()
            until_up = self._transport_down_until - time.monotonic()
            timeout = min(timeout, max(until_due, until_up))
        return max(0.05, timeout)

    def _sleep(self, seconds: float) -> None:
        self._interruptible = True
        try:
            if not self.stopping:
                time.sleep(seconds)
        finally:
            self._interruptible = False

    def run(self, once: bool = False) -> int:
        """Loop until stopped (or one pass with `once`); returns the process exit status."""
        self.recover()
        status = EXIT_OK
        while not self.stopping:
            try:
                self.poll()
                self._intake_delay = 0.0
            except IntakeConnectionError as error:
                self._intake_delay = min(float(self.config.imap.poll_interval),
                                         max(0.5, self._intake_delay * 2))
                log.warning("mailbox unreachable: %s%s", error,
                            "" if once else f" (retrying in {self._intake_delay:.1f} s)")
                if once:
                    status = EXIT_FAILURE
                else:
                    self.deliver()
                    self._sleep(self._intake_delay)
                    continue
            except IntakeError as error:
                log.error("mailbox error: %s", error)
                if once:
                    status = EXIT_FAILURE
            self.deliver()
            if once or self.stopping:
                break
            self._interruptible = True
            try:
                if not self.stopping:
                    self.source.wait(self._wait_timeout())
            except IntakeConnectionError as error:
                log.warning("mailbox connection lost while waiting: %s", error)
            finally:
                self._interruptible = False
        return status

    def stop(self, *_: Any) -> None:
        """Stop after the message in hand (SIGTERM/SIGINT): its batch is committed up to it."""
        self.stopping = True
        if self._interruptible:
            raise _Stop()

    def close(self) -> None:
        for closer in (self.source.close, self.transport.close, self.store.close):
            try:
                closer()
            except Exception as error:   # closing on the way out; report, go on
                log.debug("while closing: %s", error)


# ------------------------------------------------------------------ the process


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(config: Config, log_format: str | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if (log_format or config.log.format) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("resetdesk")
    root.handlers[:] = [handler]
    root.setLevel(config.log.level)
    root.propagate = False
    # mail-parser warns about every part type it does not handle (NOTES).
    logging.getLogger("mailparser").setLevel(logging.ERROR)


def _lock(config: Config):
    """One `resetdesk run` per store: startup recovery assumes no other process is sending."""
    path = config.resolve_path(config.store.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{path}.lock", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise AlreadyRunning(f"another resetdesk run is using {path}") from None
    return handle


def run(config: Config, once: bool = False, log_format: str | None = None) -> int:
    """`resetdesk run`: returns the exit status."""
    configure_logging(config, log_format)
    try:
        lock = _lock(config)
    except AlreadyRunning as error:
        log.error("%s", error)
        return EXIT_LOCKED
    desk = None
    previous = {}
    try:
        desk = Desk(config)
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, desk.stop)
        return desk.run(once=once)
    except _Stop:
        return EXIT_OK
    except ResetdeskError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if desk is not None:
            desk.close()
        lock.close()
