"""The service: the loop that ties fetch, decide, move and deliver together.

One pass of the loop:

1. fetch what is in the watched folder, oldest first, in batches (up to
   DECIDE_BATCH messages, DECIDE_BATCH_BYTES of them), and decide each
   message (`decide.Decider`: recognised, parked, or decided with its outbox
   rows). The whole batch is ONE transaction (each message in a savepoint,
   so one that fails to decide is parked alone), committed with one fsync;
   only then are the batch's messages moved, with one `move_many` per folder
   role (one UID MOVE on IMAP). Killed before the commit, the batch is
   decided again from scratch; killed after it, its messages are found in the
   store and only moved. Nothing is sent before the commit either.
2. deliver the outbox rows that are due (`deliver.Deliverer`; also every
   DELIVER_EVERY messages of a large backlog);
3. wait for new mail (IMAP IDLE, or polling).

This module is also the one place that wires the parts together (`Desk`);
process concerns (logging, the lock, signals) are in `process.py`. The
durable-rules classifier is built once per process and used from this one
thread only (rulesets leak when rebuilt; posts from several threads crash).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import approval_runner
from .config import Config
from .crashpoints import crash_point
from .decide import Decider, Outcome
from .deliver import Deliverer
from .errors import IntakeConnectionError, IntakeError
from .intake.message import RawMessage
from .intake.source import MailSource
from .responders.render import Renderer
from .responders.transport import Transport, transport_for
from .rules.engine import Classifier, Knowledge
from .store import Store

log = logging.getLogger("resetdesk")

DELIVER_EVERY = 100           # with a large backlog, send replies every this many messages
DECIDE_BATCH = 50             # messages decided in one transaction and moved together ...
DECIDE_BATCH_BYTES = 16 * 1024 * 1024   # ... and at most this many bytes of them in memory
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 75


class Interrupted(BaseException):
    """Raised by the signal handler to leave a blocking wait (never caught as an Exception)."""


def source_for(config: Config) -> MailSource:
    """IMAP when `imap.host` is set, else the local Maildir (created if missing)."""
    if config.imap.host:
        from .intake.imap import ImapSource   # imapclient only where IMAP is configured
        return ImapSource(config)
    from .intake.maildir import MaildirSource
    return MaildirSource(config)


class Desk:
    """The wired desk. Build one per process; `run()` loops, `run(once=True)` does one pass."""

    def __init__(self, config: Config, *, store: Store | None = None, source: MailSource | None = None,
                 classifier: Classifier | None = None, transport: Transport | None = None):
        self.config = config
        self.store = store or Store(config.resolve_path(config.store.path))
        self.source = source or source_for(config)
        knowledge = Knowledge.load(config=config)
        # Once per process: see the module docstring.
        classifier = classifier if classifier is not None else Classifier(config, knowledge)
        self.transport = transport or transport_for(config)
        self.deliverer = Deliverer(config, self.store, self.transport)
        # Admin-approved resets: the book records, the runner acts between batches (approval_runner.py).
        self.approvals, self.runner = approval_runner.wire(
            config, self.store, self.transport, knowledge.graph,
            transport_down=lambda: time.monotonic() < self.deliverer.down_until(), stopping=lambda: self.stopping)
        self.decider = Decider(config, self.store, classifier, Renderer(knowledge.graph), self.approvals)
        self.stopping = False
        self._interruptible = False
        self._intake_delay = 0.0
        self.progress: Callable[[int], None] | None = None   # told the count after each batch (process.Progress)

    @property
    def classifier(self) -> Classifier:
        """The classifier the decider uses (tests swap it)."""
        return self.decider.classifier

    @classifier.setter
    def classifier(self, classifier: Classifier) -> None:
        self.decider.classifier = classifier

    # -- deciding and moving ---------------------------------------------------

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
                outcomes.append(self.decider.decide(raw))
                if self.stopping:
                    # SIGTERM: finish the message in hand; the rest stay in the folder for the next run.
                    break
        crash_point("after_decision")
        try:
            # outcomes is shorter than raws after a SIGTERM: the undecided rest stay unmoved.
            self._move_all(list(zip(raws, outcomes, strict=False)))
        finally:
            for outcome in outcomes:
                self._log_outcome(outcome)
        return outcomes

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
            crash_point("after_move")
            self.store.mark_done_many(done)

    def _log_outcome(self, outcome: Outcome) -> None:
        log.info("%s from %s: %s/%s -> %s (%s)", outcome.key, outcome.sender or "?",
                 outcome.scenario or "-", outcome.action or "-", outcome.role, outcome.result,
                 extra={"event": "message", "key": outcome.key, "sender": outcome.sender,
                        "scenario": outcome.scenario, "action": outcome.action, "role": outcome.role,
                        "result": outcome.result, **outcome.detail})

    # -- delivering --------------------------------------------------------------

    def recover(self) -> None:
        """At startup: settle outbox rows a previous process left in `sending` (secret mails first),
        and messages it left `decided` (killed between a move and its done-mark)."""
        self.runner.recover()
        self.deliverer.recover()
        self.settle_undone()

    def settle_undone(self) -> None:
        """Move (again) and mark done the messages a previous run decided but did not mark moved.

        Moving a message that already left the watched folder does nothing, so
        this is safe whether the kill came before or after the move; nothing
        is decided again. Unreachable now: the next start tries again.
        """
        rows = self.store.undone(self.source.name)
        if not rows:
            return
        decided = [(RawMessage(row["mailbox"], row["uid"], b"", row["uidvalidity"], row["size"]),
                    Decider.known(row)) for row in rows]
        try:
            self._move_all(decided)
        except IntakeError as error:
            log.warning("could not settle %d message(s) left decided by an earlier run: %s", len(rows), error)
            return
        for _, outcome in decided:
            self._log_outcome(outcome)

    def deliver(self) -> int:
        """Carry out approved resets, then send every due outbox row; returns how many were sent."""
        self.runner.run()
        return self.deliverer.deliver()

    # -- the loop ----------------------------------------------------------------

    def poll(self) -> int:
        """Process everything now in the watched folder, delivering as it goes; returns how many."""
        count = undelivered = 0
        for batch in self._batches(self.source.fetch_new()):
            decided = len(self.process_batch(batch))
            count += decided
            undelivered += decided
            if self.progress is not None:
                self.progress(count)
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
            until_up = self.deliverer.down_until() - time.monotonic()
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
        self.deliverer.stopping = True
        if self._interruptible:
            raise Interrupted()

    def close(self) -> None:
        """Close the source, the transport and the store; errors on the way out are only logged."""
        for closer in (self.source.close, self.transport.close, self.store.close):
            try:
                closer()
            except Exception as error:   # closing on the way out; report, go on
                log.debug("while closing: %s", error)



