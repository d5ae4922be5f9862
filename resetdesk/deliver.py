"""Delivering the outbox: exactly once across crashes, and the in-doubt rule in one place.

A row goes queued -> sending (committed, attempts+1, right before the
transport's irreversible step) -> sent (committed). Killed before `sending`:
the row is still queued and is sent on restart. Killed after the server said
250 but before `sent` was recorded: the row is found in `sending` at startup.
That row is *in doubt*, and it is never resent blindly (`Deliverer.in_doubt`):
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

Rows of kind `secret` and `approval` are not this unit's: their stored bytes
are redacted (a pass, a password, a one-time code is never stored), so the
approval runner sends them itself from memory (resetdesk/approval_runner.py),
with the same sending/sent marks and the same in-doubt rule.
"""

from __future__ import annotations

import logging
import time

from .config import Config
from .crashpoints import crash_point
from .errors import PermanentDeliveryError, TransientDeliveryError
from .responders.transport import DeliveryInDoubt, Transport, TransportUnavailable
from .store import IN_DOUBT, OutboxRow, Store

log = logging.getLogger("resetdesk")

DELIVERY_BATCH = 100          # outbox rows read per query (bounds memory, not the batch)


def ask_transport(transport: Transport, row: OutboxRow) -> bool | None:
    """Whether `transport` has `row` (True/False), or None when it cannot tell; asking never resends."""
    try:
        return transport.confirm(row)
    except Exception as error:   # asking must never turn into resending
        log.warning("could not ask %s about outbox row %s: %s", transport.name, row.id, error)
        return None


class Deliverer:
    """Sends due outbox rows over one transport, with back-off while the transport is down."""

    def __init__(self, config: Config, store: Store, transport: Transport):
        self.config = config
        self.store = store
        self.transport = transport
        self.stopping = False
        self._down_until = 0.0     # monotonic; the transport unreachable: try the queue later
        self._delay = 0.0

    def recover(self) -> None:
        """At startup: settle rows a previous process left in `sending`."""
        for row in self.store.in_flight():
            self.in_doubt(row, "the previous run stopped between handing this message over and recording it")

    def in_doubt(self, row: OutboxRow, why: str) -> None:
        """A row that may or may not have left: ask the transport, else hold it for a person; never resend."""
        confirmed = ask_transport(self.transport, row)
        if confirmed is True:
            self.store.mark_sent(row.id)
            log.info("outbox %s: %s; %s has it: recorded as sent", row.id, why, self.transport.name)
        elif confirmed is False:
            self.store.requeue(row.id, f"{why}; {self.transport.name} does not have it")
            log.info("outbox %s: %s; %s does not have it: queued again", row.id, why, self.transport.name)
        else:
            self.store.hold(row.id, f"{IN_DOUBT}{why}; not resent (check the mail server's log for "
                                    f"Message-ID <{row.message_id}>, then release it if it never left)",
                            event="delivery_in_doubt")
            log.warning("outbox %s to %s is in doubt (%s): held, not resent; Message-ID <%s>",
                        row.id, row.recipient, why, row.message_id)

    def down_until(self) -> float:
        """The monotonic time before which the transport is not tried again (0 when it is up)."""
        return self._down_until

    def deliver(self) -> int:
        """Send every due outbox row over one transport connection; returns how many were sent."""
        if time.monotonic() < self._down_until:
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

    def _backoff(self, attempts: int) -> float:
        smtp = self.config.smtp
        return float(min(smtp.retry_max_seconds, smtp.retry_initial_seconds * (2 ** max(0, attempts - 1))))

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
            self._delay = min(smtp.retry_max_seconds, max(smtp.retry_initial_seconds, self._delay * 2))
            self._down_until = time.monotonic() + self._delay
            log.warning("%s; queued mail waits (next try in %.0f s)", error, self._delay)
            self.store.audit("transport_unavailable", error=str(error), retry_in_seconds=self._delay)
            return None
        except DeliveryInDoubt as error:
            self.in_doubt(row, str(error))
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
            self._delay = 0.0
            self._down_until = 0.0
            log.info("sent %s to %s <%s>", row.kind, row.recipient, row.message_id,
                     extra={"event": "sent", "outbox_id": row.id, "kind": row.kind,
                            "recipient": row.recipient, "message_id": row.message_id})
            return True
        return False
